"""``samanalyse validate FILE --round R --form F``: report, exit codes 0 / 1 / 2."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from samanalyse.cli import main
from samanalyse.survey.rounds import load_codebook

CB = load_codebook("2010")


def export(tmp_path, form="kommune", name="svar.csv", **changes) -> str:
    ids = ["0301", "1201", "2012"] if form == "kommune" else ["Helse Bergen HF", "Helse Fonna HF", "Helse Førde HF"]
    rows = []
    for i, rid in enumerate(ids):
        row = {"respondent": rid}
        for it in CB.items(form):
            row[it.id] = it.scale.labels()[i % len(it.scale.labels())] if it.scale else f"Tekst {i} æøå"
        rows.append(row)
    df = pd.DataFrame(rows)
    for (r, c), v in changes.get("cells", {}).items():
        df.loc[r, c] = v
    if "extra" in changes:
        df[changes["extra"]] = "x"
    path = tmp_path / name
    if name.endswith(".xlsx"):
        df.to_excel(path, index=False, sheet_name="Svar")
    else:
        df.to_csv(path, sep=";", index=False, encoding=changes.get("encoding", "utf-8"))
    return str(path)


def test_valid_file_exits_0_with_summary(tmp_path, capsys):
    path = export(tmp_path)
    assert main(["validate", path, "--round", "2010", "--form", "kommune"]) == 0
    out = capsys.readouterr().out
    assert "ERRORS" not in out
    assert out.strip().splitlines()[-1] == "VALID: svar.csv (kommune form, round 2010): 0 errors, 0 warnings, 3 respondents."


def test_invalid_file_exits_1_with_grouped_report(tmp_path, capsys):
    path = export(tmp_path, cells={(0, "q5a"): "Kanskje", (1, "q14"): "7", (2, "respondent"): "9999",
                                   (1, "q16"): " Nokså godt"}, extra="Kolonne X", encoding="utf-8-sig")
    assert main(["validate", path, "--round", "2010", "--form", "kommune"]) == 1
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[-1] == "INVALID: svar.csv (kommune form, round 2010): 4 errors, 2 warnings."
    # errors first, grouped by kind, each with row, column, value and what is allowed
    assert out.index("ERRORS (4)") < out.index("WARNINGS (2)") < out.index("INVALID")
    assert "Values outside the item's scale (2):" in out
    assert "row 2, column 'q5a' (B): 'Kanskje' is not an answer to q5a" in out
    assert "row 3, column 'q14' (R): '7' is not an answer to q14" in out
    assert "Allowed: 'Svært godt' (code 1)" in out
    assert "row 4, column 'respondent' (A): '9999': there is no kommunenummer 9999 in the 2010 register" in out
    assert "Unknown columns (1):" in out and "'Kolonne X'" in out
    assert "Byte order mark removed" in out and "Surrounding whitespace removed" in out


def test_ignore_option(tmp_path, capsys):
    path = export(tmp_path, extra="Kolonne X")  # not a platform's metadata column (a timestamp is set aside anyway)
    assert main(["validate", path, "--round", "2010", "--form", "kommune"]) == 1
    capsys.readouterr()
    assert main(["validate", path, "--round", "2010", "--form", "kommune", "--ignore", "Kolonne X"]) == 0
    assert "Columns ignored on request" in capsys.readouterr().out


def test_wrong_form_is_invalid_and_says_so(tmp_path, capsys):
    path = export(tmp_path, form="kommune")
    assert main(["validate", path, "--round", "2010", "--form", "helseforetak"]) == 1
    out = capsys.readouterr().out
    assert "q11a was asked only on the kommune form, not on the helseforetak form" in out


def test_excel_sheet_option(tmp_path, capsys):
    path = export(tmp_path, form="helseforetak", name="hf.xlsx")
    assert main(["validate", path, "--round", "2010", "--form", "helseforetak", "--sheet", "Svar"]) == 0
    assert "sheet 'Svar'" in capsys.readouterr().out
    assert main(["validate", path, "--round", "2010", "--form", "helseforetak", "--sheet", "Ark1"]) == 1
    assert "no sheet called 'Ark1'" in capsys.readouterr().out


def test_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "finnes_ikke.csv"), "--round", "2010", "--form", "kommune"]) == 2
    err = capsys.readouterr().err
    assert "finnes_ikke.csv does not exist" in err and "Nothing was checked" in err


def test_folder_instead_of_file_is_a_usage_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path), "--round", "2010", "--form", "kommune"]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_unknown_round_is_a_usage_error(tmp_path, capsys):
    path = export(tmp_path)
    assert main(["validate", path, "--round", "1999", "--form", "kommune"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("samanalyse validate: No survey round '1999'") and "2010" in err
    assert err.strip().endswith("to start a new round, run: samanalyse init DIR --from 2010")


@pytest.mark.parametrize("argv", [["validate"], ["validate", "x.csv"], ["validate", "x.csv", "--round", "2010", "--form", "sykehus"]])
def test_missing_or_bad_arguments_are_usage_errors(argv, capsys):
    assert main(argv) == 2


def test_unreadable_file_is_invalid_not_a_crash(tmp_path, capsys):
    p = tmp_path / "svar.xlsx"
    p.write_bytes(b"not a workbook")
    assert main(["validate", str(p), "--round", "2010", "--form", "kommune"]) == 1
    assert "cannot be opened as an Excel workbook" in capsys.readouterr().out


def test_console_script_end_to_end(tmp_path):
    path = export(tmp_path, cells={(0, "q5a"): "Kanskje"})
    r = subprocess.run([sys.executable, "-m", "samanalyse", "validate", path, "--round", "2010", "--form", "kommune"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stdout.strip().splitlines()[-1].startswith("INVALID: svar.csv")


def test_damaged_files_are_invalid_and_named(tmp_path, capsys):
    """A file that is not what its name says is a report with one error naming it (exit 1), never a crash."""
    cases = {"svar.sav": b"$FL2" + bytes(300), "svar.csv": b"\xd0\xcf\x11\xe0" + bytes(64), "tom.csv": b""}
    expect = {"svar.sav": "cannot be read as an SPSS data file", "svar.csv": "holds an old Excel (.xls) workbook",
              "tom.csv": "the file is empty"}
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        assert main(["validate", str(p), "--round", "2010", "--form", "kommune"]) == 1, name
        out = capsys.readouterr().out
        assert expect[name] in out and f"INVALID: {name}" in out
        assert p.read_bytes() == data


def test_round_given_as_a_folder(repo, capsys):
    folder = repo / "tests" / "data" / "rounds" / "annen"
    path = folder / "responses_kommuner.csv"
    assert main(["validate", str(path), "--round", str(folder), "--form", "kommune"]) == 0
    assert "VALID: responses_kommuner.csv (kommune form, round annen)" in capsys.readouterr().out


def test_mapping_file_places_columns_automatic_matching_cannot(tmp_path, capsys):
    path = export(tmp_path)
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    df = df.rename(columns={"q5a": "Spørsmål fem, første linje", "q14": "Tilfredshet legevakt"})
    df["Notat fra KS"] = "x"
    df.to_csv(path, sep=";", index=False)
    assert main(["validate", path, "--round", "2010", "--form", "kommune"]) == 1
    capsys.readouterr()
    mapping = tmp_path / "koblinger.csv"
    mapping.write_text('column,item\n"Spørsmål fem, første linje",q5a\nTilfredshet legevakt,q14\nNotat fra KS,\n',
                       encoding="utf-8")
    assert main(["validate", path, "--round", "2010", "--form", "kommune", "--mapping", str(mapping)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "VALID: svar.csv (kommune form, round 2010): 0 errors, 1 warning, 3 respondents."
    assert "column 'Notat fra KS' (BU): ignored as requested" in out  # an empty item leaves the column out
