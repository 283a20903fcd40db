"""The 2010 codebook and codebook validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from samanalyse.survey.codebook import read_codebook
from samanalyse.survey.rounds import load_codebook
from samanalyse.errors import CodebookError


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


# Every item the study tabulates (issue 2; question numbers as in the study).
TABULATED = (
    [f"q5{c}" for c in "abcdef"] + [f"q8{c}" for c in "abcdefgh"] + ["q11a", "q11b", "q14", "q16", "q18", "q20"]
    + [f"q{n}{c}" for n in (22, 24, 26, 28) for c in "abcdefghij"]
)


def test_codebook_has_every_tabulated_item(cb):
    missing = [i for i in TABULATED if i not in cb]
    assert missing == []
    assert len(cb.items(type="closed")) == len(TABULATED) == 60


def test_forms(cb):
    assert set(cb.forms) == {"kommune", "helseforetak"}
    # question 11 was asked of kommuner only (study 1.2: "tilleggsspørsmål til kommunene")
    assert "q11a" not in cb.item_ids("helseforetak")
    assert "q11a" in cb.item_ids("kommune")
    # Vedlegg 3: priorities h-j show 0 % answered among helseforetak -> not on that form
    assert [i[-1] for i in cb.item_ids("helseforetak", question="22")] == list("abcdefg")
    assert len(cb.item_ids("kommune", type="closed")) == 60
    assert len(cb.item_ids("helseforetak", type="closed")) == 6 + 8 + 4 + 4 * 7


def test_scales_match_the_study(cb):
    # Tabell 1 note: "Svært godt, Nokså godt, Nokså dårlig, Svært dårlig, Vet ikke/ikke aktuelt"
    assert cb.item("q20").scale.labels() == [
        "Svært godt", "Nokså godt", "Nokså dårlig", "Svært dårlig", "Vet ikke/ikke aktuelt"]
    assert cb.item("q5a").scale.labels(substantive_only=True) == [
        "Ikke gjennomført", "Gjennomført med gode erfaringer", "Gjennomført med usikre/dårlige erfaringer"]
    assert cb.item("q22a").scale.scores() == {"Høy prioritet": 2, "Middels prioritet": 1, "Ikke prioritet": 0}
    godt = cb.scales["tilfredshet"].collapse("godt_darlig").mapping()
    assert godt[cb.scales["tilfredshet"].code_of("Svært godt")] == "Godt"
    assert godt[cb.scales["tilfredshet"].code_of("nokså DÅRLIG ")] == "Dårlig"


def test_indices_as_in_tabell_56_57(cb):
    a = cb.index("avtaler_og_ledelse")
    assert a.items == tuple(f"q5{c}" for c in "abcdef") and a.max_score == 6
    assert a.cuts == (("Dårlig", 0, 3), ("Godt", 4, 6))
    assert cb.index("kompetanse").cuts == (("Dårlig", 0, 4), ("Godt", 5, 8))
    assert cb.index("kvalitet_pasientforlop").cuts == (("Dårlig", 0, 2), ("Godt", 3, 4))


def test_priority_items_carry_challenge_and_virkemiddel(cb):
    it = cb.item("q28f")
    assert it.challenge == "kronisk_syke" and it.virkemiddel == "lokalmedisinske_sentra"
    assert {cb.item(f"q{n}a").challenge for n in (22, 24, 26, 28)} == {
        "poliklinikk", "innleggelse", "utskriving", "kronisk_syke"}


def test_free_text_items(cb):
    text = cb.items(type="text")
    assert text and all(it.scale is None for it in text)
    assert "q29_tekst" in cb


# ---------------------------------------------------------------- malformed codebooks
def _write(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load((Path(__file__).resolve().parents[2] / "data/rounds/2010/codebook.yaml").read_text("utf-8"))
    mutate(raw)
    p = tmp_path / "codebook.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _error(path: Path) -> CodebookError:
    with pytest.raises(CodebookError) as info:
        read_codebook(path)
    return info.value


def test_unknown_key_names_path_and_allowed_keys(tmp_path):
    p = _write(tmp_path, lambda r: r["questions"][0].update({"skala": "erfaring"}))
    err = _error(p)
    text = str(err)
    assert str(p) in text
    assert "questions[0]" in text and "unknown key 'skala'" in text
    assert "Allowed: number, text, type, scale" in text
    assert err.problems[0].line is not None


def test_duplicate_item_id(tmp_path):
    def m(r):
        r["questions"][1]["items"][0]["id"] = "q5a"
    text = str(_error(_write(tmp_path, m)))
    assert "questions[1].items[0].id" in text
    assert "item id 'q5a' is used twice (first at questions[0].items[0])" in text


def test_question_pointing_to_undefined_scale(tmp_path):
    p = _write(tmp_path, lambda r: r["questions"][0].update({"scale": "tilfredshett"}))
    text = str(_error(p))
    assert "questions[0].scale" in text and "scale 'tilfredshett' is not defined" in text
    assert "Allowed: one of tilfredshet, erfaring, prioritet" in text


def test_collapse_naming_unknown_code(tmp_path):
    def m(r):
        r["scales"]["tilfredshet"]["collapses"]["godt_darlig"]["groups"][0]["codes"].append(7)
    text = str(_error(_write(tmp_path, m)))
    assert "scales.tilfredshet.collapses.godt_darlig.groups[0].codes[2]" in text
    assert "names code 7, which scale 'tilfredshet' does not define" in text
    assert "Allowed: codes 1, 2, 3, 4, 9" in text


def test_index_with_unknown_item_and_gapped_cuts(tmp_path):
    def m(r):
        r["indices"]["kompetanse"]["items"][0] = "q8z"
        r["indices"]["kvalitet_pasientforlop"]["cuts"][1]["min"] = 4
    err = _error(_write(tmp_path, m))
    text = str(err)
    assert "indices.kompetanse.items[0]: index 'kompetanse' names item 'q8z'" in text
    assert "indices.kvalitet_pasientforlop.cuts: the cuts must cover each score 0..4 exactly once" in text
    assert len(err.problems) == 2  # all problems at once


def test_wrong_types_and_enum(tmp_path):
    def m(r):
        r["scales"]["erfaring"]["categories"][0]["code"] = "en"
        r["scales"]["erfaring"]["categories"][3]["missing"] = "kanskje"
    text = str(_error(_write(tmp_path, m)))
    assert "scales.erfaring.categories[0].code" in text and "Allowed: a value of type integer" in text
    assert "scales.erfaring.categories[3].missing" in text and "'dont_know', 'not_asked'" in text


def test_unknown_form_on_question(tmp_path):
    p = _write(tmp_path, lambda r: r["questions"][2].update({"forms": ["kommune", "fylke"]}))
    text = str(_error(p))
    assert "questions[2].forms[1]: unknown form 'fylke'" in text and "Allowed: kommune, helseforetak" in text


def test_yaml_syntax_error_has_line(tmp_path):
    p = tmp_path / "codebook.yaml"
    p.write_text("round: '2010'\nforms: [unclosed\n", encoding="utf-8")
    err = _error(p)
    assert "not valid YAML" in str(err) and err.problems[0].line is not None


def test_missing_required_key(tmp_path):
    p = _write(tmp_path, lambda r: r.pop("scales"))
    assert "required keys: codebook_version, round, forms, scales, questions" in str(_error(p))
