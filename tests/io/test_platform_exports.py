"""Exports exactly as the platforms write them (issue 18, item 3): the same answers, four shapes, one result.

The exports come from ``tests/data/platform_exports.py``: one draw of answers written as Nettskjema
CSV (question-text and grid headers), Questback XLSX (a title row, ``q5a - ...`` headers), SPSS SAV
(variable labels, value labels, 99 = "Vet ikke" user-missing) and Excel's Norwegian CSV (cp1252 and
``;``), with kommune numbers from before 2020. The expected data is the draw itself
(:func:`platform_exports.expected`), not the output of any reader.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from samanalyse.errors import DataError, KommuneRenumberedWarning
from samanalyse.io.datasets import load_round_data
from samanalyse.io.read import load_responses, read_responses, validate_responses
from samanalyse.io.round_folder import add_export, init_round
from samanalyse.survey.rounds import load_round

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
import platform_exports

N_K, N_HF, SEED = 200, 15, 18


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return platform_exports.write_exports(tmp_path_factory.mktemp("eksport"), N_K, N_HF, SEED)


@pytest.fixture(scope="module")
def runde(tmp_path_factory):
    return init_round(tmp_path_factory.mktemp("r") / "runde", "2010")


@pytest.fixture(scope="module")
def truth():
    return platform_exports.expected(N_K, N_HF, SEED)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Labels as plain objects, every missing value as None (to compare with the draw)."""
    out = df.astype(object)
    return out.where(out.notna(), None).reset_index(drop=True)


@pytest.mark.parametrize("form", ["kommune", "helseforetak"])
@pytest.mark.parametrize("platform", platform_exports.PLATFORMS)
def test_every_platform_export_reads_as_the_drawn_answers(exports, runde, truth, platform, form):
    key = platform if form == "kommune" else f"{platform}_{form}"
    report = validate_responses(exports[key], runde, form)
    assert report.ok, report.format()
    got = _plain(report.responses.data)
    assert got.columns.tolist() == truth[form].columns.tolist()
    pd.testing.assert_frame_equal(got, _plain(truth[form]))


def test_the_four_exports_give_identical_data_frames(exports, runde):
    frames = [read_responses(exports[p], runde, "kommune").data for p in platform_exports.PLATFORMS]
    for f in frames[1:]:
        pd.testing.assert_frame_equal(frames[0], f)


def test_metadata_columns_are_set_aside_in_one_note(exports, runde):
    report = validate_responses(exports["questback_xlsx"], runde, "kommune")
    notes = [w for w in report.warnings if w.kind == "metadata_columns"]
    assert len(notes) == 1
    assert notes[0].message == ("the survey platform's own columns were set aside (not answers): 'Respondent', "
                                "'Status', 'IP-adresse'")
    assert [w.kind for w in report.warnings if w.kind == "skipped_rows"] == ["skipped_rows"]


def test_kommune_numbers_of_before_2020_are_placed_with_a_warning(exports, runde, truth):
    report = validate_responses(exports["nettskjema_csv"], runde, "kommune")
    placed = [w for w in report.warnings if w.kind == "kommune_renumbered"]
    assert len(placed) >= 5
    assert all("no longer exists; placed on" in w.message for w in placed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_responses(exports["nettskjema_csv"], runde, "kommune")
    assert sum(issubclass(c.category, KommuneRenumberedWarning) for c in caught) == len(placed)


def test_spss_vet_ikke_99_is_the_category_never_blank(exports, runde, truth):
    data = read_responses(exports["spss_sav"], runde, "kommune").data
    assert (data["q14"] == "Vet ikke/ikke aktuelt").sum() == (truth["kommune"]["q14"] == "Vet ikke/ikke aktuelt").sum() > 0


def test_round_without_respondents_list_takes_who_answered_from_the_exports(exports, tmp_path):
    """load_round_data of rounds fed by each platform's export: identical, and joined to today's registers."""
    results = []
    for p in platform_exports.PLATFORMS:
        rnd = init_round(tmp_path / p, "2010")
        for form in ("kommune", "helseforetak"):
            report = add_export(exports[p if form == "kommune" else f"{p}_{form}"], rnd, form)
            assert report.ok, report.format()
        results.append(load_round_data(load_round(tmp_path / p)))
    for r in results[1:]:
        pd.testing.assert_frame_equal(results[0], r)
    d = results[0]
    assert (d["form"] == "kommune").sum() == N_K and (d["form"] == "helseforetak").sum() == N_HF
    assert d.loc[d["form"] == "kommune", "rhf"].notna().all()
    trondheim = d[d["respondent"] == "5001"]
    assert trondheim.empty or trondheim["navn"].iloc[0].startswith("Trondheim")


def test_load_responses_uses_the_rounds_mapping_file(tmp_path):
    rnd = init_round(tmp_path / "runde", "2010")
    cb = rnd.codebook
    head = ["Kommunenummer", "Spørsmål A"] + cb.item_ids("kommune")[1:]
    csv = tmp_path / "svar.csv"
    csv.write_text(",".join(head) + "\n" + "0301,Ikke gjennomført" + "," * (len(head) - 2) + "\n", encoding="utf-8")
    mapping = tmp_path / "kolonner.csv"
    mapping.write_text("column,item\nSpørsmål A,q5a\n", encoding="utf-8")
    assert not validate_responses(csv, rnd, "kommune").ok
    assert validate_responses(csv, rnd, "kommune", mapping=mapping).ok
    report = add_export(csv, rnd, "kommune", mapping=mapping)
    assert report.ok, report.format()
    resp = load_responses(load_round(rnd.path), "kommune")
    assert resp.data.loc[0, "q5a"] == "Ikke gjennomført"
    assert resp.data.loc[0, "respondent"] == "0301"


def test_a_bad_mapping_file_names_file_and_row(tmp_path, runde):
    csv = tmp_path / "svar.csv"
    csv.write_text("Kommunenummer,q5a\n0301,Ikke gjennomført\n", encoding="utf-8")
    mapping = tmp_path / "kolonner.csv"
    mapping.write_text("column,item\nq5a,q99\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        validate_responses(csv, runde, "kommune", mapping=mapping)
    assert f"{mapping}: row 2, column 'item': 'q99' is not an item of the codebook" in str(exc.value)


# --------------------------------------------------------------------------
# The catalogue of the new bad inputs, each with the exact message the user sees
# --------------------------------------------------------------------------

AREA = "Lese svarfiler"


def _kommune_csv(tmp: Path, rnd, respondents: list[str], header: str = "Kommunenummer", answer: str = "Ikke gjennomført",
                 form: str = "kommune") -> Path:
    ids = rnd.codebook.item_ids(form)
    rows = [",".join([r, answer] + [""] * (len(ids) - 1)) for r in respondents]
    p = tmp / "eksport.csv"
    p.write_text("\n".join([",".join([header, *ids]), *rows]) + "\n", encoding="utf-8")
    return p


def _sav(tmp: Path, column: str, codes: list[float], value_labels: dict[float, str], label: str = "",
         missing: list[float] | None = None) -> Path:
    p = tmp / "eksport.sav"
    data = pd.DataFrame({"knr": [301.0, 5001.0], column: codes})
    pyreadstat.write_sav(data, str(p), column_labels=["Kommunenummer", label or column],
                         variable_value_labels={column: value_labels},
                         missing_ranges={column: missing} if missing else None)
    return p


_TILFREDSHET = {1.0: "Svært godt", 2.0: "Nokså godt", 3.0: "Nokså dårlig", 4.0: "Svært dårlig"}
_PRIORITET = {1.0: "Høy prioritet", 2.0: "Middels prioritet", 3.0: "Ikke prioritet"}

#: id -> (builder(tmp, round) -> (path, form), problem kind, "error" | "warning").
_CASES = {
    "split-kommune-tysfjord": (lambda t, r: (_kommune_csv(t, r, ["1850", "0301"]), "kommune"), "unknown_kommune", "error"),
    "split-kommune-snillfjord": (lambda t, r: (_kommune_csv(t, r, ["5012", "0301"]), "kommune"), "unknown_kommune", "error"),
    "kommunenummer-never-existed": (lambda t, r: (_kommune_csv(t, r, ["9999", "0301"]), "kommune"), "unknown_kommune",
                                    "error"),
    "helseforetak-file-checked-as-kommune": (
        lambda t, r: (_kommune_csv(t, r, ["Ahus", "Helse Bergen HF", "St. Olavs hospital HF"], "Helseforetak",
                                   form="helseforetak"), "kommune"), "wrong_form", "error"),
    "kommune-file-checked-as-helseforetak": (
        lambda t, r: (_kommune_csv(t, r, ["0301", "5001", "4601"]), "helseforetak"), "wrong_form", "error"),
    "spss-user-missing-label-off-the-scale": (
        lambda t, r: (_sav(t, "q14", [1.0, 98.0], {**_TILFREDSHET, 98.0: "Ikke besvart"}, missing=[98.0]), "kommune"),
        "user_missing_label", "error"),
    "spss-variable-label-of-several-items": (
        lambda t, r: (_sav(t, "V1", [1.0, 2.0], _PRIORITET, label="Avtaler og ledelse"), "kommune"),
        "ambiguous_column", "error"),
    "item-column-without-answers": (lambda t, r: (_kommune_csv(t, r, ["0301", "5001"], answer=""), "kommune"),
                                    "empty_item", "warning"),
}

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": 'split-kommune-tysfjord', "area": AREA, "input": 'A kommunenummer of a split kommune (1850 Tysfjord) in a round on the 2024 register',
     "message": "{file}: row 2, column 'Kommunenummer' (A): '1850': Kommunenummer 1850 (Divtasvuodna - Tysfjord, 2010–2019) was split between 1806 Narvik, 1875 Hábmer - Hamarøy; the answer cannot be placed on one kommune of 2024. Give the number of the kommune that answered (one of 1806 Narvik, 1875 Hábmer - Hamarøy). Allowed: a kommunenummer of the 2024 register, written as 301, 0301 or '0301 Oslo'."},
    {"id": 'split-kommune-snillfjord', "area": AREA, "input": 'A kommunenummer of a split kommune (5012 Snillfjord) in a round on the 2024 register',
     "message": "{file}: row 2, column 'Kommunenummer' (A): '5012': Kommunenummer 5012 (Snillfjord, 2018–2019) was split between 5055 Heim, 5056 Hitra, 5059 Orkland; the answer cannot be placed on one kommune of 2024. Give the number of the kommune that answered (one of 5055 Heim, 5056 Hitra, 5059 Orkland). Allowed: a kommunenummer of the 2024 register, written as 301, 0301 or '0301 Oslo'."},
    {"id": 'kommunenummer-never-existed', "area": AREA, "input": 'A kommunenummer that never existed (9999)',
     "message": "{file}: row 2, column 'Kommunenummer' (A): '9999': Kommunenummer 9999 has never existed (not a kommune at any time from 2010 to 2024); check the number. Allowed: a kommunenummer of the 2024 register, written as 301, 0301 or '0301 Oslo'."},
    {"id": 'helseforetak-file-checked-as-kommune', "area": AREA, "input": 'A helseforetak export checked as a kommune file (--form kommune)',
     "message": "{file}: column 'Helseforetak' (A): this looks like a helseforetak file: use --form helseforetak (3 of the 3 respondents in this column are helseforetak, e.g. 'Ahus'). Allowed: a kommune in every row of a kommune file; in Python: form='helseforetak'."},
    {"id": 'kommune-file-checked-as-helseforetak', "area": AREA, "input": 'A kommune export checked as a helseforetak file (--form helseforetak)',
     "message": "{file}: column 'Kommunenummer' (A): this looks like a kommune file: use --form kommune (3 of the 3 respondents in this column are kommuner, e.g. '0301'). Allowed: a helseforetak in every row of a helseforetak file; in Python: form='kommune'."},
    {"id": 'spss-user-missing-label-off-the-scale', "area": AREA, "input": "An SPSS user-missing code whose value label matches no category (98 = 'Ikke besvart')",
     "message": "{file}: case 2, column 'q14': code 98 is a missing value labelled 'Ikke besvart' in the SPSS file, and no category of q14 (scale 'tilfredshet') has that label. Allowed: 'Svært godt' (code 1), 'Nokså godt' (code 2), 'Nokså dårlig' (code 3), 'Svært dårlig' (code 4), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer; give the category's label to the code in the SPSS file, or add 'Ikke besvart' to the category's aliases in the codebook."},
    {"id": 'spss-variable-label-of-several-items', "area": AREA, "input": "An SPSS variable whose label is the text of several items ('Avtaler og ledelse')",
     "message": "{file}: column 'V1': this header (its variable label 'Avtaler og ledelse') matches several items: q22a, q24a, q26a, q28a. Allowed: a mapping file (CSV with the columns column,item) with the row 'V1,q22a' (samanalyse validate --mapping FILE, or mapping=FILE in Python)."},
    {"id": 'item-column-without-answers', "area": AREA, "input": 'An export whose item columns hold no answers at all (a warning)',
     "message": "{file}: 60 columns: nobody answered 'q5a', 'q5b', 'q5c', 'q5d', 'q5e', 'q5f', 'q8a', 'q8b', 'q8c', 'q8d' and 50 more in this file (the columns are empty); check that the export holds every question's answers."},
    {"id": "mapping-file-names-an-unknown-item", "area": AREA,
     "input": "A mapping file (--mapping) whose item column names an item the codebook does not have",
     "message": "The mapping file {file} cannot be used:\n  - {file}: row 2, column 'item': 'q99' is not an item of the "
                "codebook. Allowed: an item id of the codebook (q5a, q5b, q5c, q5d, ...), 'respondent', or empty to "
                "leave the column out."},
    {"id": "mapping-file-without-its-columns", "area": AREA,
     "input": "A mapping file whose first row is not column,item",
     "message": "The mapping file {file} has no column 'column' or 'item'; its first row must be 'column,item' "
                "(it is 'kolonne,spørsmål')."},
]

_MAPPING_FILES = {"mapping-file-names-an-unknown-item": "column,item\nq5a,q99\n",
                  "mapping-file-without-its-columns": "kolonne,spørsmål\nq5a,q5a\n"}


def _message(case: str, tmp: Path, rnd) -> str:
    build, kind, level = _CASES[case]
    path, form = build(tmp, rnd)
    report = validate_responses(path, rnd, form)
    found = [q for q in (report.errors if level == "error" else report.warnings) if q.kind == kind]
    assert len(found) == 1, report.format()
    return str(found[0]).replace(str(path), "{file}")


def test_catalogue_covers_every_case():
    assert {b["id"] for b in BAD_INPUTS} == set(_CASES) | set(_MAPPING_FILES)


@pytest.mark.parametrize("entry", BAD_INPUTS, ids=[b["id"] for b in BAD_INPUTS])
def test_bad_input_message_is_exactly_what_the_catalogue_says(entry, tmp_path, runde):
    if entry["id"] in _MAPPING_FILES:
        csv = _kommune_csv(tmp_path, runde, ["0301"])
        mapping = tmp_path / "kolonner.csv"
        mapping.write_text(_MAPPING_FILES[entry["id"]], encoding="utf-8")
        with pytest.raises(DataError) as exc:
            validate_responses(csv, runde, "kommune", mapping=mapping)
        assert str(exc.value) == entry["message"].replace("{file}", str(mapping))
    else:
        assert _message(entry["id"], tmp_path, runde) == entry["message"]


@pytest.mark.parametrize("header, item", [
    ("q5a - Avtaleverk om samhandling", "q5a"),
    ("q5a. Avtaleverk", "q5a"),
    ("Q5A_Avtaleverk på strategisk nivå", "q5a"),
    ("Q14_TEKST Utdypinger", "q14_tekst"),
    ("q14: Hvor godt", "q14"),
    ("Erfaringer med interkommunalt samarbeid [Interkommunale driftsløsninger]", "q11b"),
    ("Erfaringer med interkommunalt samarbeid - Interkommunale driftsløsninger", "q11b"),
    ("Erfaringer med interkommunalt samarbeid:   interkommunale  driftsløsninger", "q11b"),
    (("Hva bør prioriteres for å styrke samhandlingen om pasientforløpet ”ut” fra spesialisthelsetjenesten? "
      "[Avtaler og ledelse]"), "q26a"),
])
def test_platform_headers_are_recognised_without_aliases(tmp_path, runde, header, item):
    ids = [i for i in runde.codebook.item_ids("kommune") if i != item]
    p = tmp_path / "e.csv"
    p.write_text(",".join(["knr", f'"{header}"', *ids]) + "\n0301,," + "," * (len(ids) - 1) + "\n", encoding="utf-8")
    report = validate_responses(p, runde, "kommune")
    assert report.ok, report.format()


def test_metadata_alone_is_not_mistaken_for_an_item(tmp_path, runde):
    ids = runde.codebook.item_ids("kommune")
    p = tmp_path / "e.csv"
    heads = ["Respondent-ID", "StartDate", "EndDate", "Fullført", "IP address", "User Agent", "Kommunenummer", *ids]
    p.write_text(",".join(heads) + "\n" + "7,2024-01-01,2024-01-02,ja,1.2.3.4,Firefox,0301" + "," * len(ids) + "\n",
                 encoding="utf-8")
    report = validate_responses(p, runde, "kommune")
    assert report.ok, report.format()
    notes = [w for w in report.warnings if w.kind == "metadata_columns"]
    assert [n.message for n in notes] == [("the survey platform's own columns were set aside (not answers): "
                                           "'Respondent-ID', 'StartDate', 'EndDate', 'Fullført', 'IP address', "
                                           "'User Agent'")]


@pytest.mark.parametrize("value, ok", [("1601 Trondheim", True), ("0101 Halden", True), ("3005 Drammen", True),
                                       ("1601 Bergen", False)])
def test_old_kommunenummer_with_its_name(tmp_path, runde, value, ok):
    ids = runde.codebook.item_ids("kommune")
    p = tmp_path / "e.csv"
    p.write_text(",".join(["Kommune", *ids]) + f"\n{value}" + "," * len(ids) + "\n", encoding="utf-8")
    report = validate_responses(p, runde, "kommune")
    assert report.ok is ok, report.format()
    if ok:
        w = [w for w in report.warnings if w.kind == "kommune_renumbered"]
        assert len(w) == 1 and value[:4] in w[0].message
    else:
        assert [e.kind for e in report.errors] == ["kommune_name_mismatch"]
