"""Respondents of 2010: expected values printed in the study (Tabell 1 n's, size tables)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samanalyse.survey.registers import kommuner
from samanalyse.survey.rounds import available_rounds, load_round, respondents


@pytest.fixture(scope="module")
def resp() -> pd.DataFrame:
    return respondents("2010")


def test_counts(resp):
    # Vedlegg 2 lists 187 kommuner and 18 helseforetak; "Svarprosenten ... (n=18) ... (n=187)"
    assert (resp["form"] == "kommune").sum() == 187
    assert (resp["form"] == "helseforetak").sum() == 18
    assert not resp.duplicated(["form", "respondent"]).any()


def test_respondents_per_rhf(resp):
    got = resp.groupby(["form", "rhf"]).size().to_dict()
    expected = {
        ("kommune", "Helse Midt"): 39, ("kommune", "Helse Nord"): 26,
        ("kommune", "Helse Sør-Øst"): 85, ("kommune", "Helse Vest"): 37,
        ("helseforetak", "Helse Midt"): 4, ("helseforetak", "Helse Nord"): 3,
        ("helseforetak", "Helse Sør-Øst"): 7, ("helseforetak", "Helse Vest"): 4,
    }
    assert got == expected


def test_size_classes_with_2009_population(resp):
    k = resp[resp["form"] == "kommune"]
    assert k["size_class"].value_counts(sort=False).tolist() == [47, 77, 63]


def test_2010_population_would_give_another_split(resp):
    # SOURCES.md: with 1 January 2010 population the split is 46+1 / 75 / 65
    k = resp[resp["form"] == "kommune"].set_index("respondent")
    pop2010 = kommuner(2010, include_svalbard=True).loc[k.index, "folkemengde_2010"]
    classes = load_round("2010").size_classes.classify(pop2010)
    counts = classes.value_counts(sort=False).tolist()
    assert counts == [47, 75, 65]  # Spitsbergen has a 2010 figure (2052): small
    assert counts != [47, 77, 63]


def test_spitsbergen_is_explicit(resp):
    sp = resp[resp["respondent"] == "2111"].iloc[0]
    assert not sp["er_kommune"]
    assert pd.isna(sp["population"])  # no 2009 figure in the register
    assert sp["size_class"] == "Små kommuner"  # from round.yaml's override
    assert "Spitsbergen" in load_round("2010").meta["size_classes"]["overrides"]["2111"]["reason"]


def test_vedlegg2_numbers_are_normalised(resp):
    # Vedlegg 2 prints "Alvdal 438" and "Asker 220": 4-digit kommunenummer 0438, 0220
    k = resp.set_index("respondent")
    assert k.loc["0438", "navn"] == "Alvdal"
    assert k.loc["0220", "navn"] == "Asker"


def test_respondents_match_vedlegg2_text(study_lines, repo):
    # every respondent row points at the study line it was transcribed from
    raw = pd.read_csv(repo / "data/rounds/2010/respondents.csv", dtype=str, keep_default_na=False)
    for r in raw.itertuples():
        line = study_lines[int(r.study_line) - 1]
        assert r.name_printed in line
        if r.form == "kommune":
            assert line.split()[-1] == r.number_printed


def test_round_metadata():
    rnd = load_round("2010")
    assert "2010" in available_rounds()
    assert rnd.frame == {"kommune": 430, "helseforetak": 22}
    assert rnd.reconstructed
    assert "reconstruct" in rnd.reconstruction_note
    assert rnd.population_column == "folkemengde_2009"


def test_unknown_form_and_round():
    with pytest.raises(ValueError, match="Unknown form 'fylke'"):
        respondents("2010", "fylke")
    with pytest.raises(FileNotFoundError, match=r"No survey round '1999'.*shipped round \(2010\)"):
        load_round("1999")


def test_respondent_missing_from_register_is_named(tmp_path, monkeypatch, repo):
    import shutil

    from samanalyse.errors import RegisterError

    folder = tmp_path / "runde"
    shutil.copytree(repo / "data" / "rounds" / "2010", folder)
    f = folder / "respondents.csv"
    f.write_text(f.read_text(encoding="utf-8") + "kommune,9999,Atlantis,9999,0\n", encoding="utf-8")
    with pytest.raises(RegisterError, match=r"(?s)1 respondent\(s\).*row 207: kommunenummer '9999' \(Atlantis\)"):
        respondents(folder)


def _round_2024(tmp_path, plan_direction: str | None):
    import shutil

    folder = tmp_path / "runde2024"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen", folder)
    meta = (folder / "round.yaml").read_text(encoding="utf-8")
    meta = meta.replace("register_year: 2010", "register_year: 2024\nregister_columns:\n  sentralitet: sentralitet_2024")
    (folder / "round.yaml").write_text(meta, encoding="utf-8")
    plan = (folder / "plan.yaml").read_text(encoding="utf-8")
    old = 'sentralitet: {kind: ordinal, label: "Sentralitet", concept: "sentral", higher_is_more: true}'
    assert old in plan
    new = old.replace(", higher_is_more: true", "" if plan_direction is None else f", higher_is_more: {plan_direction}")
    (folder / "plan.yaml").write_text(plan.replace(old, new), encoding="utf-8")
    return folder


def test_direction_of_a_background_comes_from_the_register_when_the_plan_is_silent(tmp_path):
    bg = load_round(_round_2024(tmp_path, None)).plan.background["sentralitet"]
    # SSB's 2024 index: 1 = most central (registers.yaml), so a higher value is LESS central
    assert (bg.higher_is_more, bg.sign, bg.source) == (False, -1, "register")
    # the 2010 register's classes run the other way (3 = sentrale)
    assert load_round("2010").plan.background["sentralitet"].higher_is_more is True


def test_a_plan_that_contradicts_the_register_is_refused(tmp_path):
    from samanalyse.errors import PlanError

    with pytest.raises(PlanError, match=r"background.sentralitet.higher_is_more: says true, but the 2024 register "
                                        r"declares column 'sentralitet_2024' with higher_is_more: false"):
        load_round(_round_2024(tmp_path, "true")).plan
    assert load_round(_round_2024(tmp_path / "b", "false")).plan.background["sentralitet"].sign == -1


def test_frame_from_the_register_and_checked_against_round_yaml(tmp_path):
    import shutil

    from samanalyse.errors import RoundError

    rnd = load_round("2010")
    # "sendt til alle landets 430 kommuner" / "de 22 aktuelle helseforetakene" (study, 1.2)
    assert rnd.frame == {"kommune": 430, "helseforetak": 22}
    assert rnd.frame_by("kommune", "rhf").sum() == 430
    assert rnd.frame_by("helseforetak", "rhf").to_dict() == {"Helse Midt": 5, "Helse Nord": 4, "Helse Sør-Øst": 9,
                                                            "Helse Vest": 4}
    folder = tmp_path / "r"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "rounds" / "2010", folder)
    text = (folder / "round.yaml").read_text(encoding="utf-8")
    (folder / "round.yaml").write_text(text.replace("  kommune: 430 ", "  kommune: 428 "), encoding="utf-8")
    with pytest.raises(RoundError, match=r"frame.kommune: says 428, but the 2010 register has 430 units"):
        load_round(folder).frame
    lines = [ln for ln in text.split("\n") if not ln.startswith(("frame:", "  kommune: 430", "  helseforetak: 22"))]
    (folder / "round.yaml").write_text("\n".join(lines), encoding="utf-8")
    assert load_round(folder).frame == {"kommune": 430, "helseforetak": 22}
