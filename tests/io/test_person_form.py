"""A person form with a kommune column (issue 15, item 6): reading, checking and joining its exports."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from samanalyse.errors import CodebookError, DataError, KommuneRenumberedWarning, RoundError
from samanalyse.io.read import read_responses, validate_responses
from samanalyse.survey.codebook import read_codebook
from samanalyse.survey.rounds import load_round

ROUND = Path(__file__).resolve().parents[1] / "data" / "rounds" / "ansatte"


def _export(tmp: Path, text: str) -> Path:
    p = tmp / "ansatte.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_kommune_column_is_read_checked_and_kept(tmp_path: Path) -> None:
    rnd = load_round(ROUND)
    csv = _export(tmp_path, "respondent,kommune,s_hjem,s_akutt,s_ut,e_avtale,e_moter,e_koord\n"
                            "P1,301,Ikke fornøyd,,,,,\nP2,0301 Oslo,Lite fornøyd,,,,,\nP3,1601,Svært fornøyd,,,,,\n")
    with pytest.warns(KommuneRenumberedWarning, match="1601"):
        resp = read_responses(csv, rnd, "ansatt")
    assert resp.data["kommune"].tolist() == ["0301", "0301", "5001"]
    assert resp.data["respondent"].tolist() == ["P1", "P2", "P3"]
    assert resp.item_ids == ["s_hjem", "s_akutt", "s_ut", "e_avtale", "e_moter", "e_koord"]


def test_a_bad_or_missing_kommune_names_row_and_column(tmp_path: Path) -> None:
    rnd = load_round(ROUND)
    csv = _export(tmp_path, "respondent,Kommunenummer,s_hjem,s_akutt,s_ut,e_avtale,e_moter,e_koord\n"
                            "P1,9999,Ikke fornøyd,,,,,\nP2,,Lite fornøyd,,,,,\nP3,Bergen,Lite fornøyd,,,,,\n")
    report = validate_responses(csv, rnd, "ansatt")
    text = [str(e) for e in report.errors]
    assert any("row 2, column 'Kommunenummer' (B)" in t and "9999" in t for t in text), text
    assert any("row 3, column 'Kommunenummer' (B)" in t and "this person has no kommune" in t for t in text), text
    assert any("row 4, column 'Kommunenummer' (B)" in t and "did you mean 4601" in t for t in text), text


def test_an_export_without_the_kommune_column_is_refused(tmp_path: Path) -> None:
    rnd = load_round(ROUND)
    csv = _export(tmp_path, "respondent,s_hjem,s_akutt,s_ut,e_avtale,e_moter,e_koord\nP1,Ikke fornøyd,,,,,\n")
    with pytest.raises(DataError) as exc:
        read_responses(csv, rnd, "ansatt")
    assert "no column names the kommune of each person" in str(exc.value)
    assert "mapping={'<column>': 'kommune'}" in str(exc.value)


def test_a_mapping_may_name_the_kommune_column(tmp_path: Path) -> None:
    rnd = load_round(ROUND)
    csv = _export(tmp_path, "id,arbeidssted,s_hjem,s_akutt,s_ut,e_avtale,e_moter,e_koord\nP1,4601,Ikke fornøyd,,,,,\n")
    resp = read_responses(csv, rnd, "ansatt", mapping={"id": "respondent", "arbeidssted": "kommune"})
    assert resp.data["kommune"].tolist() == ["4601"]


def test_only_a_person_form_has_a_unit(tmp_path: Path) -> None:
    cb = tmp_path / "codebook.yaml"
    text = (ROUND / "codebook.yaml").read_text(encoding="utf-8").replace("respondent: person", "respondent: kommune")
    cb.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as exc:
        read_codebook(cb)
    assert "forms.ansatt.unit" in str(exc.value) and "only a person form" in str(exc.value)


def test_a_bad_person_frame_names_file_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    (folder / "ramme_ansatte.csv").write_text("kommune,ansatte\n0301,10\n9999,5\n4601,mange\n301,2\n", encoding="utf-8")
    with pytest.raises(RoundError) as exc:
        load_round(folder).frame
    text = str(exc.value)
    assert "ramme_ansatte.csv: row 3, column 'kommune'" in text and "9999" in text
    assert "row 4, column 'ansatte': 'mange' is not a number of persons" in text
    assert "rows 2, 5, column 'kommune': kommune 0301 is listed more than once" in text


def test_a_person_form_without_a_frame_per_kommune_says_what_to_add(tmp_path: Path) -> None:
    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    yaml = (folder / "round.yaml").read_text(encoding="utf-8")
    (folder / "round.yaml").write_text(yaml.replace("person_frames:\n  ansatt: {file: ramme_ansatte.csv, count: ansatte}\n",
                                                    "frame:\n  ansatt: 2000\n"), encoding="utf-8")
    rnd = load_round(folder)
    assert rnd.frame == {"ansatt": 2000}      # a total only
    with pytest.raises(RoundError, match="person_frames"):
        rnd.frame_by("ansatt", "rhf")
    assert not rnd.has_frame_units("ansatt")


def test_validate_and_add_accept_a_person_export(tmp_path: Path, capsys) -> None:
    from samanalyse.cli import main

    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    export = tmp_path / "eksport.csv"
    (folder / "responses_ansatte.csv").rename(export)
    yaml = (folder / "round.yaml").read_text(encoding="utf-8")
    (folder / "round.yaml").write_text(yaml.replace("responses:\n  ansatt: responses_ansatte.csv\n", ""),
                                       encoding="utf-8")
    assert main(["validate", str(export), "--round", str(folder), "--form", "ansatt"]) == 0
    assert "VALID: eksport.csv (ansatt form, round ansatte): 0 errors, 2 warnings, 923 respondents." in capsys.readouterr().out
    assert main(["add", str(export), "--round", str(folder), "--form", "ansatt"]) == 0
    assert load_round(folder).meta["responses"] == {"ansatt": "svar/ansatt.csv"}
    assert (folder / "svar" / "ansatt.csv").read_bytes() == export.read_bytes()


def _bad_frame(tmp_path: Path) -> str:
    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    (folder / "ramme_ansatte.csv").write_text("kommune,ansatte\n0301,10\n9999,5\n", encoding="utf-8")
    with pytest.raises(RoundError) as exc:
        load_round(folder).frame
    return str(exc.value).replace(str(folder), "{round}")


def _no_kommune_column(tmp_path: Path) -> str:
    csv = _export(tmp_path, "respondent,s_hjem,s_akutt,s_ut,e_avtale,e_moter,e_koord\nP1,Ikke fornøyd,,,,,\n")
    with pytest.raises(DataError) as exc:
        read_responses(csv, load_round(ROUND), "ansatt")
    return str(exc.value).replace(str(csv), "{file}")


def _unit_on_kommune_form(tmp_path: Path) -> str:
    cb = tmp_path / "codebook.yaml"
    cb.write_text((ROUND / "codebook.yaml").read_text(encoding="utf-8").replace("respondent: person",
                                                                               "respondent: kommune"), encoding="utf-8")
    with pytest.raises(CodebookError) as exc:
        read_codebook(cb)
    return str(exc.value).replace(str(cb), "{file}")


CASES = {"person-frame-unknown-kommune": _bad_frame, "person-export-without-kommune": _no_kommune_column,
         "person-unit-on-kommune-form": _unit_on_kommune_form}


BAD_INPUTS: list[dict[str, str]] = [
    {"id": "person-frame-unknown-kommune", "area": "Ansatte (personskjema)",
     "input": "a person frame (round.yaml person_frames) with a kommunenummer that never existed",
     "message": "The round has 1 problem:\n  - {round}/ramme_ansatte.csv: row 3, column 'kommune': Kommunenummer 9999 "
                "has never existed (not a kommune at any time from 2010 to 2024); check the number. Allowed: a "
                "kommunenummer of the 2024 register (or an earlier one that the crosswalk places)."},
    {"id": "person-export-without-kommune", "area": "Ansatte (personskjema)",
     "input": "an export of a person form (unit: kommune) without a kommune column",
     "message": "{file} cannot be used as ansatt responses of round ansatte: 1 problem (and 1 warning):\n  - {file}: "
                "row 1: no column names the kommune of each person (the ansatt form's unit). Allowed: a column called "
                "'kommunenummer', 'kommunenr', 'kommune_nr', 'knr', 'kommune'; or mapping={'<column>': 'kommune'}."},
    {"id": "person-unit-on-kommune-form", "area": "Ansatte (personskjema)",
     "input": "a codebook giving unit: to a form whose respondent is not a person",
     "message": "The codebook has 1 problem:\n  - {file}, line 11: forms.ansatt.unit: a kommune form has no unit "
                "column: only a person form names the unit its respondents belong to. Allowed: leave unit out, or "
                "respondent: person."},
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case: dict[str, str], tmp_path: Path) -> None:
    assert CASES[case["id"]](tmp_path) == case["message"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav"])
def test_a_person_export_written_and_read_back_keeps_the_kommune(tmp_path: Path, suffix: str) -> None:
    from samanalyse.io.write import write_responses

    rnd = load_round(ROUND)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resp = read_responses(ROUND / "responses_ansatte.csv", rnd, "ansatt")
        write_responses(resp, tmp_path / f"ut{suffix}")
        again = read_responses(tmp_path / f"ut{suffix}", rnd, "ansatt")
    assert again.data["kommune"].tolist() == resp.data["kommune"].tolist()
    assert again.data["s_hjem"].astype(object).fillna("").tolist() == resp.data["s_hjem"].astype(object).fillna("").tolist()
