"""Loading survey exports (CSV, XLSX, SAV) and checking them against the codebook.

Every fixture is generated here into ``tmp_path`` (pandas, openpyxl, pyreadstat);
no binary files are committed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samanalyse.errors import (
    DataError,
    DataFixWarning,
    Problem,
    SamanalyseError,
    SamanalyseWarning,
)
from samanalyse.io.responses import (
    PROBLEM_KINDS,
    ResponseProblem,
    Responses,
    ResponsesNotFoundError,
    ValidationReport,
    load_responses,
    read_responses,
    validate_responses,
    write_responses,
)
from samanalyse.io.text import neutralise as _neutralise
from samanalyse.io.text import unneutralise as _unneutralise
from samanalyse.io.text import xl_escape as _xl_escape
from samanalyse.io.text import xl_unescape as _xl_unescape
from samanalyse.survey.codebook import read_codebook
from samanalyse.survey.registers import kommuner
from samanalyse.survey.rounds import load_codebook

CB = load_codebook("2010")
KOMMUNER = ["0301", "1201", "1820", "2012", "2111"]
HF = ["Helse Bergen HF", "Helse Førde HF", "Sunnaas sykehus HF"]
TEXTS = [
    "Godt samarbeid – æøå ÆØÅ",
    "Linje 1\nLinje 2\r\nLinje 3 😀",
    "=SUM(A1:A3) er ikke en formel",
    "- punkt en\n- punkt to",
    'Hun sa "ja"; vi sa nei, takk',
]


# --------------------------------------------------------------------------
# Fixture builders
# --------------------------------------------------------------------------


def answers(form: str = "kommune", n: int | None = None) -> pd.DataFrame:
    """A valid export as strings: respondent + item ids, answers as labels, '' = blank."""
    ids = KOMMUNER if form == "kommune" else HF
    n = len(ids) if n is None else n
    rows = []
    for i in range(n):
        row = {"respondent": ids[i]}
        for j, it in enumerate(CB.items(form)):
            if it.scale is not None:
                labels = it.scale.labels() + [""]
                row[it.id] = labels[(i + j) % len(labels)]
            else:
                row[it.id] = TEXTS[(i + j) % len(TEXTS)] if (i + j) % 3 else ""
        rows.append(row)
    return pd.DataFrame(rows, dtype=object)


def to_csv(df: pd.DataFrame, path: Path, sep: str = ";", encoding: str = "utf-8") -> Path:
    df.to_csv(path, sep=sep, index=False, encoding=encoding, lineterminator="\r\n")
    return path


def to_xlsx(df: pd.DataFrame, path: Path, title_rows: list[list[object]] = (), sheet: str = "Svar") -> Path:
    """An Excel workbook as Excel saves it: text cells are text (never formulas), CR as _x000D_."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in title_rows:
        ws.append(r)
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append([None if v == "" else _xl_escape(v) if isinstance(v, str) else v for v in rec])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    wb.save(path)
    return path


def to_sav(df: pd.DataFrame, path: Path, form: str = "kommune", missing: bool = True) -> Path:
    """SPSS export the way survey tools make it: codes with value labels, 9 declared missing."""
    out = pd.DataFrame({"respondent": df["respondent"].astype(object)})
    labels, miss = {}, {}
    for it in CB.items(form):
        if it.id not in df.columns:
            continue
        if it.scale is not None:
            code = {c.label: float(c.code) for c in it.scale.categories}
            out[it.id] = [code.get(v, np.nan) if v != "" else np.nan for v in df[it.id]]
            labels[it.id] = {float(c.code): c.label for c in it.scale.categories}
            if missing:
                miss[it.id] = [9.0]
        else:
            out[it.id] = df[it.id].astype(object)
    pyreadstat.write_sav(out, str(path), variable_value_labels=labels, missing_ranges=miss)
    return path


def errors_of(path: Path, form: str = "kommune", codebook=CB, **kw) -> list[ResponseProblem]:
    report = validate_responses(path, codebook, form, **kw)
    assert not report.ok
    with pytest.raises(DataError) as exc:
        read_responses(path, codebook, form, **kw)
    assert exc.value.problems == report.errors
    return report.errors


def one(problems: list[Problem], kind: str) -> ResponseProblem:
    found = [p for p in problems if getattr(p, "kind", "") == kind]
    assert len(found) == 1, (kind, [str(p) for p in problems])
    return found[0]


NUMERIC_CODEBOOK = """\
codebook_version: 1
round: "2010"
forms:
  kommune: {label: Kommuner, respondent: kommune}
scales:
  tall:
    categories:
      - {code: 1, label: "0"}
      - {code: 2, label: "1"}
      - {code: 3, label: "2"}
      - {code: 9, label: "Vet ikke", missing: dont_know}
questions:
  - number: "1"
    scale: tall
    items:
      - {id: t1, text: "Tall en"}
      - {id: t2, text: "Tall to"}
      - {id: t3, text: "Tall tre", aliases: ["Spm 3"]}
"""


@pytest.fixture
def numeric_cb(tmp_path):
    p = tmp_path / "tall.yaml"
    p.write_text(NUMERIC_CODEBOOK, encoding="utf-8")
    return read_codebook(p)


# --------------------------------------------------------------------------
# Valid files
# --------------------------------------------------------------------------


def test_valid_csv_loads_as_documented(tmp_path):
    path = to_csv(answers(), tmp_path / "k.csv")
    resp = read_responses(path, CB, "kommune")
    assert isinstance(resp, Responses)
    assert list(resp.data.columns) == ["respondent", *CB.item_ids("kommune")]
    assert resp.data["respondent"].tolist() == KOMMUNER
    q5a = resp.data["q5a"]
    assert isinstance(q5a.dtype, pd.CategoricalDtype)
    assert list(q5a.cat.categories) == CB.item("q5a").scale.labels()
    assert str(resp.data["q29_tekst"].dtype) == "string"
    # "Vet ikke/ikke aktuelt" is a category, blank is NA
    exp = answers()
    assert (resp.data["q5a"].astype(object).fillna("") == exp["q5a"]).all()
    assert "Vet ikke/ikke aktuelt" in set(resp.data["q14"].dropna())
    assert resp.data["q14"].isna().any()
    assert resp.form == "kommune" and resp.round == "2010" and resp.codebook is CB
    p = resp.provenance
    assert (p.file, p.format, p.encoding, p.separator, p.header_row, p.rows_read) == (
        "k.csv", "csv", "utf-8", ";", 1, 5)
    assert len(p.sha256) == 64
    assert resp.source_rows == (2, 3, 4, 5, 6)
    assert resp.warnings == []


def test_free_text_is_kept_byte_for_byte(tmp_path):
    path = to_csv(answers(), tmp_path / "k.csv")
    resp = read_responses(path, CB, "kommune")
    exp = answers()
    for it in CB.items("kommune", type="text"):
        got = resp.data[it.id].astype(object).where(resp.data[it.id].notna(), "").tolist()
        assert got == exp[it.id].tolist()
    assert any("😀" in str(v) and "\r\n" in str(v) for v in resp.data["q5_tekst_positiv"].dropna())
    assert any(str(v).startswith("=SUM") for v in resp.data.stack().dropna())


def test_helseforetak_form_loads(tmp_path):
    path = to_csv(answers("helseforetak"), tmp_path / "hf.csv", sep=",")
    resp = read_responses(path, CB, "helseforetak")
    assert resp.data["respondent"].tolist() == HF
    assert list(resp.data.columns) == ["respondent", *CB.item_ids("helseforetak")]
    assert "q11a" not in resp.data


def test_input_file_is_not_modified(tmp_path):
    path = to_csv(answers(), tmp_path / "k.csv")
    before = path.read_bytes()
    read_responses(path, CB, "kommune")
    validate_responses(path, CB, "kommune")
    assert path.read_bytes() == before


@pytest.mark.filterwarnings("ignore::samanalyse.errors.DataFixWarning")
@pytest.mark.parametrize("printed", ["301", "0301", "0301 Oslo", "301.0", " 0301 ", "0301 - Oslo"])
def test_kommunenummer_as_printed_anywhere(tmp_path, printed):
    df = answers(n=1)
    df.loc[0, "respondent"] = printed
    resp = read_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    assert resp.data["respondent"].tolist() == ["0301"]


def test_kommunenummer_from_excel_numbers(tmp_path):
    df = answers()
    df["respondent"] = [301, 1201.0, 1820, 2012, 2111]
    resp = read_responses(to_xlsx(df, tmp_path / "k.xlsx"), CB, "kommune")
    assert resp.data["respondent"].tolist() == KOMMUNER


def test_sami_and_parenthesised_register_names_are_accepted(tmp_path):
    df = answers(n=2)
    df["respondent"] = ["2011 Kautokeino", "2111 Spitsbergen"]
    resp = read_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    assert resp.data["respondent"].tolist() == ["2011", "2111"]


def test_codes_labels_case_and_aliases(tmp_path):
    df = answers()
    df["q5a"] = ["1", "2", "3", "9", ""]  # all codes: no warning
    df["q14"] = ["SVÆRT GODT", "nokså  godt", "Nokså dårlig", "svært dårlig", "vet ikke/ikke aktuelt"]
    resp = read_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    assert resp.data["q5a"].tolist()[:4] == CB.item("q5a").scale.labels()
    assert resp.data["q14"].tolist() == CB.item("q14").scale.labels()
    assert resp.warnings == []


def test_columns_matched_by_question_text_alias_and_mapping(tmp_path, numeric_cb):
    df = answers()
    df = df.rename(columns={"q14": CB.item("q14").text.upper(), "q5a": "Spørsmål 5a"})
    path = to_csv(df, tmp_path / "k.csv")
    resp = read_responses(path, CB, "kommune", mapping={"Spørsmål 5a": "q5a"})
    assert resp.data["q14"].notna().any() and resp.data["q5a"].notna().any()
    # aliases from the codebook
    p2 = to_csv(pd.DataFrame({"knr": ["0301"], "t1": ["0"], "t2": ["vet ikke"], "Spm 3": ["0"]}), tmp_path / "t.csv")
    r2 = read_responses(p2, numeric_cb, "kommune")
    assert r2.data.iloc[0].tolist() == ["0301", "0", "Vet ikke", "0"]


def test_mapping_none_ignores_a_column(tmp_path):
    df = answers()
    df["Tidsstempel"] = "2010-03-01"
    path = to_csv(df, tmp_path / "k.csv")
    with pytest.warns(DataFixWarning, match="ignored as requested"):
        resp = read_responses(path, CB, "kommune", mapping={"Tidsstempel": None})
    assert "Tidsstempel" not in resp.data


def test_codes_method(tmp_path):
    resp = read_responses(to_csv(answers(), tmp_path / "k.csv"), CB, "kommune")
    codes = resp.codes()
    assert str(codes["q5a"].dtype) == "Int64"
    assert codes["q5a"].tolist()[:4] == [1, 2, 3, 9]
    assert codes["q5a"].isna().sum() == resp.data["q5a"].isna().sum()


# --------------------------------------------------------------------------
# Warnings: fixes that are applied and reported, not errors
# --------------------------------------------------------------------------


def test_bom_and_whitespace_are_fixed_with_warnings(tmp_path):
    df = answers()
    df.loc[1, "q14"] = "  Nokså godt "
    df.loc[2, "respondent"] = " 1820 "
    path = to_csv(df, tmp_path / "k.csv", encoding="utf-8-sig")
    with pytest.warns(DataFixWarning) as rec:
        resp = read_responses(path, CB, "kommune")
    assert all(issubclass(w.category, SamanalyseWarning) for w in rec)
    kinds = {p.kind for p in resp.warnings}
    assert {"bom", "whitespace"} <= kinds
    ws = [p for p in resp.warnings if p.kind == "whitespace" and p.column == "q14"][0]
    assert ws.row == 3 and ws.file == str(path)
    assert resp.data.loc[1, "q14"] == "Nokså godt"
    assert resp.data.loc[2, "respondent"] == "1820"
    assert resp.provenance.encoding == "utf-8-sig"


def test_mixed_codes_and_labels_is_a_warning(tmp_path):
    df = answers()
    df.loc[3, "q5b"] = "2"
    path = to_csv(df, tmp_path / "k.csv")
    report = validate_responses(path, CB, "kommune")
    assert report.ok
    w = one(report.warnings, "mixed_codes_labels")
    assert (w.row, w.column) == (5, "q5b")
    assert report.responses.data.loc[3, "q5b"] == "Gjennomført med gode erfaringer"


def test_empty_rows_are_skipped_with_a_warning(tmp_path):
    df = answers()
    blank = pd.DataFrame([{c: "" for c in df.columns}])
    df = pd.concat([df.iloc[:2], blank, df.iloc[2:], blank], ignore_index=True)
    report = validate_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    assert report.ok
    w = one(report.warnings, "empty_row")
    assert w.rows == (4, 8)
    assert report.responses.source_rows == (2, 3, 5, 6, 7)


def test_respondent_without_answers_is_a_warning(tmp_path):
    df = answers()
    for c in df.columns[1:]:
        df.loc[2, c] = ""
    report = validate_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    assert report.ok
    assert one(report.warnings, "no_answers").row == 4


def test_helseforetak_spelling_is_normalised(tmp_path):
    df = answers("helseforetak")
    df.loc[0, "respondent"] = "helse  bergen hf"
    report = validate_responses(to_csv(df, tmp_path / "hf.csv"), CB, "helseforetak")
    assert report.ok
    assert one(report.warnings, "respondent_fixed").row == 2
    assert report.responses.data.loc[0, "respondent"] == "Helse Bergen HF"


def test_cp1252_is_detected_and_reported(tmp_path):
    df = answers().map(lambda v: v.replace("😀", ":-)").replace("–", "-") if isinstance(v, str) else v)
    path = to_csv(df, tmp_path / "k.csv", encoding="cp1252")
    report = validate_responses(path, CB, "kommune")
    assert report.ok
    assert report.provenance.encoding == "cp1252"
    assert "Windows-1252" in one(report.warnings, "encoding").message
    assert "æøå" in "".join(report.responses.data["q5_tekst_negativ"].dropna())


def test_excel_title_rows_above_the_header_are_skipped(tmp_path):
    path = to_xlsx(answers(), tmp_path / "k.xlsx", title_rows=[["Samhandlingsundersøkelsen 2010"], []])
    ws_book = openpyxl.load_workbook(path)
    ws_book.active.merge_cells("A1:F1")
    ws_book.save(path)
    report = validate_responses(path, CB, "kommune")
    assert report.ok, report.format()
    assert report.provenance.header_row == 3
    assert one(report.warnings, "skipped_rows").row == 1
    assert report.responses.source_rows == (4, 5, 6, 7, 8)


def test_spss_user_missing_without_label_not_on_the_scale_is_no_answer(tmp_path):
    df = answers(n=2)
    path = tmp_path / "k.sav"
    to_sav(df, path)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    data.loc[0, "q14"] = 99.0
    pyreadstat.write_sav(data, str(path), variable_value_labels=meta.variable_value_labels,
                         missing_ranges={"q14": [9.0, 99.0]})
    report = validate_responses(path, CB, "kommune")
    assert report.ok, report.format()
    w = one(report.warnings, "user_missing")
    assert (w.row, w.column, w.value) == (1, "q14", "99")
    assert pd.isna(report.responses.data.loc[0, "q14"])


def test_spss_user_missing_with_a_label_off_the_scale_is_an_error(tmp_path):
    """A labelled user-missing code is never silently a blank: 99 = 'Ikke besvart' matches no category."""
    df = answers(n=2)
    path = tmp_path / "k.sav"
    to_sav(df, path)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    data.loc[0, "q14"] = 99.0
    labels = meta.variable_value_labels
    labels["q14"][99.0] = "Ikke besvart"
    pyreadstat.write_sav(data, str(path), variable_value_labels=labels, missing_ranges={"q14": [9.0, 99.0]})
    report = validate_responses(path, CB, "kommune")
    e = one(report.errors, "user_missing_label")
    assert (e.row, e.column, e.value) == (1, "q14", "99")
    assert "'Ikke besvart'" in e.message


def test_spss_user_missing_vet_ikke_is_the_scales_category(tmp_path):
    """99 = 'Vet ikke' (user-missing) is the scale's 'Vet ikke/ikke aktuelt' (code 9), by the start of the label."""
    df = answers(n=3)
    df.loc[1, "q14"] = "Vet ikke/ikke aktuelt"
    path = tmp_path / "k.sav"
    to_sav(df, path)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    data["q14"] = data["q14"].replace(9.0, 99.0)
    labels = meta.variable_value_labels
    labels["q14"] = {1.0: "Svært godt", 2.0: "Nokså godt", 3.0: "Nokså dårlig", 4.0: "Svært dårlig", 99.0: "Vet ikke"}
    pyreadstat.write_sav(data, str(path), variable_value_labels=labels, missing_ranges={"q14": [99.0]})
    report = validate_responses(path, CB, "kommune")
    assert report.ok, report.format()
    assert report.responses.data.loc[1, "q14"] == "Vet ikke/ikke aktuelt"
    assert one(report.warnings, "sav_label_mismatch").value == "99"


def test_spss_labels_win_over_codes(tmp_path):
    """An export coding Vet ikke as 8 (labelled) is mapped by the label, with a warning."""
    df = answers(n=3)
    df.loc[0, "q16"] = "Vet ikke/ikke aktuelt"
    path = tmp_path / "k.sav"
    to_sav(df, path)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    data["q16"] = data["q16"].replace(9.0, 8.0)
    labels = meta.variable_value_labels
    labels["q16"] = {1.0: "Svært godt", 2.0: "Nokså godt", 3.0: "Nokså dårlig", 4.0: "Svært dårlig",
                     8.0: "Vet ikke/ikke aktuelt"}
    pyreadstat.write_sav(data, str(path), variable_value_labels=labels, missing_ranges={"q16": [8.0]})
    ref = read_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    report = validate_responses(path, CB, "kommune")
    assert report.ok, report.format()
    assert report.responses.data["q16"].tolist() == ref.data["q16"].tolist()
    assert one(report.warnings, "sav_label_mismatch").value == "8"


# --------------------------------------------------------------------------
# The catalogue of bad inputs: each names file, row, column, value, what is allowed
# --------------------------------------------------------------------------


def _csv(mutate: Callable[[pd.DataFrame], pd.DataFrame], form: str = "kommune", **kw):
    def build(tmp: Path) -> Path:
        return to_csv(mutate(answers(form)), tmp / "export.csv", **kw)

    return build


def _set(row: int, col: str, value: str, form: str = "kommune"):
    def mutate(df):
        df.loc[row, col] = value
        return df

    return mutate


def _raw(text: str, name: str = "export.csv", encoding: str = "utf-8"):
    def build(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(text.encode(encoding))
        return p

    return build


AREA = "Lese svarfiler"
HEAD = "respondent;" + ";".join(CB.item_ids("kommune"))
BLANKS = ";" * (len(CB.item_ids("kommune")) - 1)


def _xlsx(mutate=lambda df: df, title_rows=(), sheet="Svar"):
    def build(tmp: Path) -> Path:
        return to_xlsx(mutate(answers()), tmp / "export.xlsx", list(title_rows), sheet)

    return build


def _sav_with(column: str, row: int, value: float):
    def build(tmp: Path) -> Path:
        p = to_sav(answers(), tmp / "export.sav")
        data, meta = pyreadstat.read_sav(str(p), user_missing=True)
        data.loc[row, column] = value
        pyreadstat.write_sav(data, str(p), variable_value_labels=meta.variable_value_labels)
        return p

    return build


def _garbage(name: str):
    def build(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(b"this is not what the name says\x00\x01")
        return p

    return build


def _numeric(rows: dict[str, list[str]]):
    def build(tmp: Path) -> Path:
        return to_csv(pd.DataFrame({"respondent": KOMMUNER[: len(next(iter(rows.values())))], **rows}), tmp / "t.csv")

    return build


# (id, builder, form, kind, row, column, value, text in message, text in allowed, extra kwargs)
_LOCATED = [
    ("unknown-column", _csv(lambda d: d.assign(Merknad="x")), "kommune", "unknown_column", 1, "Merknad",
     None, "not an item of the codebook", "q5a", {}),
    ("missing-column", _csv(lambda d: d.drop(columns="q5c")), "kommune", "missing_column", 1, "q5c", None,
     "no column for q5c", "q5c", {}),
    ("kommune-question-in-helseforetak-file", _csv(lambda d: d.assign(q11a="Ikke gjennomført"), "helseforetak"),
     "helseforetak", "other_form_column", 1, "q11a", None, "only on the kommune form", "helseforetak form", {}),
    ("item-twice-id-and-question-text", _csv(lambda d: d.assign(**{CB.item("q5a").text: "Ikke gjennomført"})),
     "kommune", "duplicate_column", 1, CB.item("q5a").text, None, "holds q5a", "each item in one column", {}),
    ("header-matching-several-items", _csv(lambda d: d.assign(**{"Avtaler og ledelse": ""})), "kommune",
     "ambiguous_column", 1, "Avtaler og ledelse", None, "q22a, q24a, q26a, q28a", "item id", {}),
    ("unnamed-column-with-values", _raw(HEAD + ";\n0301;" + "Ikke gjennomført" + BLANKS + ";x\n"), "kommune",
     "unnamed_column", 1, "", None, "no header", "header", {}),
    ("no-respondent-column", _csv(lambda d: d.rename(columns={"respondent": "navn"})), "kommune",
     "no_respondent_column", 1, None, None, "no column names the respondent", "respondent", {}),
    ("label-not-on-the-scale", _csv(_set(1, "q14", "Godt")), "kommune", "out_of_scale", 3, "q14", "Godt",
     "not an answer to q14", "'Svært godt' (code 1)", {}),
    ("code-not-on-the-scale", _csv(_set(2, "q5a", "7")), "kommune", "out_of_scale", 4, "q5a", "7",
     "not an answer to q5a", "'Vet ikke/ikke aktuelt' (code 9)", {}),
    ("respondent-twice", _csv(_set(4, "respondent", "301")), "kommune", "duplicate_respondent", 6, "respondent",
     "0301", "appears 2 times (rows 2, 6)", "each respondent once", {}),
    ("kommunenummer-not-in-the-register", _csv(_set(0, "respondent", "9999")), "kommune", "unknown_kommune", 2,
     "respondent", "9999", "no kommunenummer 9999 in the 2010 register", "0301 Oslo", {}),
    ("kommune-name-instead-of-number", _csv(_set(0, "respondent", "Oslo")), "kommune", "bad_kommunenummer", 2,
     "respondent", "Oslo", "did you mean 0301 Oslo", "kommunenummer", {}),
    ("number-and-name-disagree", _csv(_set(1, "respondent", "1201 Oslo")), "kommune", "kommune_name_mismatch", 3,
     "respondent", "1201 Oslo", "1201 is Bergen", "1201 Bergen", {}),
    ("unknown-helseforetak", _csv(_set(1, "respondent", "Helse Atlantis HF"), "helseforetak"), "helseforetak",
     "unknown_helseforetak", 3, "respondent", "Helse Atlantis HF", "not a helseforetak in the 2010 register",
     "Helse Bergen HF", {}),
    ("answers-without-a-respondent", _csv(_set(3, "respondent", "")), "kommune", "missing_respondent", 5,
     "respondent", None, "no respondent", "kommunenummer", {}),
    ("row-with-too-many-fields", _raw(HEAD + "\n0301;Ikke gjennomført" + BLANKS + "\n1201;x;y" + BLANKS + ";z\n"),
     "kommune", "csv_fields", 3, None, None, "has 74 fields but the header has 72", "in quotes", {}),
    ("quote-never-closed", _raw(HEAD + '\n0301;"Ikke gjennomført' + BLANKS + "\n1201" + BLANKS + ";\n"), "kommune",
     "csv_quote", 2, None, None, "never closed", "quotes in pairs", {}),
    ("old-excel-file", _garbage("export.xls"), "kommune", "file_type", None, None, None, "'.xls' cannot be read",
     ".xlsx", {}),
    ("empty-file", _raw("", "export.csv"), "kommune", "file_empty", None, None, None, "empty", "header row", {}),
    ("header-but-no-respondents", _raw(HEAD + "\n"), "kommune", "no_rows", 1, None, None, "no respondents",
     "one row per respondent", {}),
    ("sheet-that-does-not-exist", _xlsx(), "kommune", "sheet", None, None, None, "no sheet called 'Data'", "'Svar'",
     {"sheet": "Data"}),
    ("two-header-rows-in-excel", _xlsx(title_rows=[["respondent", "q5a", "q5b"]]), "kommune", "header", 1, None,
     None, "rows 1, 2", "one header row", {}),
    ("broken-xlsx", _garbage("export.xlsx"), "kommune", "file_unreadable", None, None, None,
     "cannot be opened as an Excel workbook", ".xlsx", {}),
    ("excel-workbook-saved-under-a-csv-name", lambda tmp: to_xlsx(answers(), tmp / "export.csv"), "kommune",
     "file_unreadable", None, None, None, "holds an Excel workbook", "CSV UTF-8", {}),
    ("broken-sav", _garbage("export.sav"), "kommune", "file_unreadable", None, None, None,
     "cannot be read as an SPSS data file", ".sav", {}),
    ("spss-code-without-label-not-on-the-scale", _sav_with("q18", 2, 5.0), "kommune", "out_of_scale", 3, "q18", "5",
     "'5' is not an answer to q18", "'Svært dårlig' (code 4)", {}),
    ("mapping-names-a-column-the-file-lacks", _csv(lambda d: d), "kommune", "mapping", 1, "Spm 5a", None,
     "does not have", "respondent", {"mapping": {"Spm 5a": "q5a"}}),
    ("bad-value-in-excel-below-title-rows", _xlsx(_set(0, "q20", "Kanskje"), title_rows=[["Tittel"]]), "kommune",
     "out_of_scale", 3, "q20", "Kanskje", "not an answer to q20", "'Nokså dårlig' (code 3)", {}),
    ("label-that-is-also-another-code", _numeric({"t1": ["1", "1"], "t2": ["0", "1"], "t3": ["", ""]}), "numeric",
     "ambiguous_value", 2, "t1", "1", "label of code 2 and also the code of '0'", "only codes or only labels", {}),
    ("codes-mixed-with-number-like-labels", _numeric({"t1": ["0", "0"], "t2": ["0", "3"], "t3": ["", ""]}),
     "numeric", "mixed_codes_labels", 3, "t2", None, "look like numbers", "only codes or only labels", {}),
    ("second-respondent-column",
     _csv(lambda d: d.assign(knr="0301").rename(columns={"respondent": "Kommunenummer"})), "kommune",
     "duplicate_column", 1, "knr", None,
     "could also be the respondent column", "one respondent column", {}),
]



#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": 'unknown-column', "area": AREA, "input": "A CSV export with a column that is not an item of the codebook ('Merknad')",
     "message": "{file}: row 1, column 'Merknad' (BU): this column is not an item of the codebook. Allowed: respondent, the item ids of the kommune form (q5a, q5b, q5c, q5d, ...), their aliases or question texts; or remove the column, or ignore it (mapping={'Merknad': None} in Python, --ignore 'Merknad' on the command line)."},
    {"id": 'missing-column', "area": AREA, "input": 'A CSV export without the column of one item (q5c)',
     "message": "{file}: row 1: the file has no column for q5c (Oppfølging av etterlevelse). Allowed: a column headed 'q5c' (blank cells if nobody answered)."},
    {"id": 'kommune-question-in-helseforetak-file', "area": AREA, "input": 'A helseforetak export with a column asked only on the kommune form',
     "message": "{file}: row 1, column 'q11a' (BE): q11a was asked only on the kommune form, not on the helseforetak form. Allowed: the items of the helseforetak form; if this is a kommune file, check it as one (--form kommune, or form='kommune' in Python)."},
    {"id": 'item-twice-id-and-question-text', "area": AREA, "input": 'A CSV export holding one item twice: under its id and under its question text',
     "message": "{file}: row 1, column 'Avtaleverk om samhandling på system-/strategisk nivå (i tråd med rammeavtalen mellom KS og Helse- og omsorgsdepartementet)' (BU): this column holds q5a, like column 'q5a' (B). Allowed: each item in one column; remove the column, or ignore it (mapping={'Avtaleverk om samhandling på system-/strategisk nivå (i tråd med rammeavtalen mellom KS og Helse- og omsorgsdepartementet)': None} in Python, --ignore 'Avtaleverk om samhandling på system-/strategisk nivå (i tråd med rammeavtalen mellom KS og Helse- og omsorgsdepartementet)' on the command line)."},
    {"id": 'header-matching-several-items', "area": AREA, "input": 'A header that is the question text of several items',
     "message": "{file}: row 1, column 'Avtaler og ledelse' (BU): this header matches the text of several items: q22a, q24a, q26a, q28a. Allowed: the item id as header (e.g. q22a), or mapping={'Avtaler og ledelse': 'q22a'}."},
    {"id": 'unnamed-column-with-values', "area": AREA, "input": 'A column without a header that holds values',
     "message": "{file}: row 1, column '' (BU): this column has values but no header. Allowed: a header naming the respondent column or an item id."},
    {"id": 'no-respondent-column', "area": AREA, "input": "A CSV export whose respondent column is called 'navn'",
     "message": "{file}: row 1: no column names the respondent. Allowed: a column called 'respondent' (or 'kommunenummer', 'kommunenr', 'kommune_nr', 'knr', 'kommune', 'helseforetak', 'hf', 'foretak')."},
    {"id": 'label-not-on-the-scale', "area": AREA, "input": "An answer that is not a label of the item's scale ('Godt') in row 3",
     "message": "{file}: row 3, column 'q14' (R) (line 6 of the file): 'Godt' is not an answer to q14 (scale 'tilfredshet'). Allowed: 'Svært godt' (code 1), 'Nokså godt' (code 2), 'Nokså dårlig' (code 3), 'Svært dårlig' (code 4), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer."},
    {"id": 'code-not-on-the-scale', "area": AREA, "input": "A code that is not on the item's scale ('7') in row 4",
     "message": "{file}: row 4, column 'q5a' (B) (line 12 of the file): '7' is not an answer to q5a (scale 'erfaring'). Allowed: 'Ikke gjennomført' (code 1), 'Gjennomført med gode erfaringer' (code 2), 'Gjennomført med usikre/dårlige erfaringer' (code 3), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer."},
    {"id": 'respondent-twice', "area": AREA, "input": "The same kommune twice ('0301' and '301')",
     "message": "{file}: rows 2, 6 (2 rows), column 'respondent' (A) (line 21 of the file): respondent 0301 appears 2 times (rows 2, 6). Allowed: each respondent once."},
    {"id": 'kommunenummer-not-in-the-register', "area": AREA, "input": "A kommunenummer that is not in the register of the round's year (9999)",
     "message": "{file}: row 2, column 'respondent' (A): '9999': there is no kommunenummer 9999 in the 2010 register. Allowed: a kommunenummer of the 2010 register, written as 301, 0301 or '0301 Oslo'."},
    {"id": 'kommune-name-instead-of-number', "area": AREA, "input": "A kommune name ('Oslo') where the kommunenummer should be",
     "message": "{file}: row 2, column 'respondent' (A): 'Oslo' is not a kommunenummer; did you mean 0301 Oslo? Allowed: a kommunenummer of the 2010 register, written as 301, 0301 or '0301 Oslo'."},
    {"id": 'number-and-name-disagree', "area": AREA, "input": "A kommunenummer with the name of another kommune ('1201 Oslo')",
     "message": "{file}: row 3, column 'respondent' (A) (line 6 of the file): '1201 Oslo': kommunenummer 1201 is Bergen in the 2010 register, not Oslo. Allowed: the number and name of the same kommune, e.g. '1201 Bergen'."},
    {"id": 'unknown-helseforetak', "area": AREA, "input": "A helseforetak that is not in the register ('Helse Atlantis HF')",
     "message": "{file}: row 3, column 'respondent' (A) (line 6 of the file): 'Helse Atlantis HF' is not a helseforetak in the 2010 register. Allowed: a helseforetak of the 2010 register: Akershus universitetssykehus HF, Helgelandssykehuset HF, Helse Bergen HF, Helse Finnmark HF, Helse Fonna HF, Helse Førde HF, Helse Nord-Trøndelag HF, Helse Nordmøre og Romsdal HF, Helse Stavanger HF, Helse Sunnmøre HF, Nordlandssykehuset HF, Oslo universitetssykehus HF, Rusbehandling Midt-Norge HF, St. Olavs Hospital HF, Sunnaas sykehus HF, Sykehuset Innlandet HF, Sykehuset Telemark HF, Sykehuset i Vestfold HF, Sykehuset Østfold HF, Sørlandet sykehus HF, Universitetssykehuset Nord-Norge HF, Vestre Viken HF."},
    {"id": 'answers-without-a-respondent', "area": AREA, "input": 'A row with answers but a blank respondent cell',
     "message": "{file}: row 5, column 'respondent' (A) (line 16 of the file): this row has answers but no respondent. Allowed: a kommunenummer."},
    {"id": 'row-with-too-many-fields', "area": AREA, "input": 'A CSV row with more fields than the header (unquoted separators)',
     "message": "{file}: row 3: this row has 74 fields but the header has 72; the extra values are 'z'. Allowed: 72 fields separated by ';'; text containing ';' must be in quotes."},
    {"id": 'quote-never-closed', "area": AREA, "input": 'A CSV export with an unmatched quote in row 2',
     "message": '{file}: row 2: a quote (") opened in this row is never closed, so the rest of the file is one cell. Allowed: quotes in pairs: "text with ; or line breaks"; a quote inside text is written twice ("").'},
    {"id": 'old-excel-file', "area": AREA, "input": 'An old Excel file (.xls)',
     "message": "{file}: (whole file): files ending in '.xls' cannot be read. Save it as .xlsx (Excel 2007 or later). Allowed: .csv, .txt, .tsv, .xlsx, .xlsm, .sav, .zsav."},
    {"id": 'empty-file', "area": AREA, "input": 'An empty CSV file (0 bytes)',
     "message": '{file}: (whole file): the file is empty. Allowed: a header row and one row per respondent.'},
    {"id": 'header-but-no-respondents', "area": AREA, "input": 'A CSV export with the header row only',
     "message": '{file}: row 1: the file has a header but no respondents. Allowed: one row per respondent below the header.'},
    {"id": 'sheet-that-does-not-exist', "area": AREA, "input": "A workbook read with a sheet name it does not have (sheet='Data')",
     "message": "{file}: (whole file): the workbook has no sheet called 'Data'. Allowed: sheets 'Svar'."},
    {"id": 'two-header-rows-in-excel', "area": AREA, "input": 'A workbook with two rows that look like the header',
     "message": "{file}: row 1: rows 1, 2 of sheet 'Svar' all look like header rows. Allowed: one header row (respondent and item columns); delete or rename the other."},
    {"id": 'broken-xlsx', "area": AREA, "input": 'A file named .xlsx that is not a workbook',
     "message": '{file}: (whole file): the file cannot be opened as an Excel workbook (File is not a zip file). Allowed: an .xlsx file saved by Excel or LibreOffice.'},
    {"id": 'excel-workbook-saved-under-a-csv-name', "area": AREA, "input": 'An Excel workbook saved under a .csv name',
     "message": "{file}: (whole file): the file is named like a CSV text file but holds an Excel workbook or another ZIP file; if it is a workbook, name it .xlsx. Allowed: a CSV text file (in Excel: Save as 'CSV UTF-8'), an .xlsx workbook or an .sav file."},
    {"id": 'broken-sav', "area": AREA, "input": 'A file named .sav that is not an SPSS file',
     "message": '{file}: (whole file): the file cannot be read as an SPSS data file (Unable to read from file). Allowed: a .sav file saved by SPSS, PSPP or pyreadstat.'},
    {"id": 'spss-code-without-label-not-on-the-scale', "area": AREA, "input": 'An SPSS file with a code that has no value label and is not on the scale (5)',
     "message": "{file}: case 3, column 'q18': '5' is not an answer to q18 (scale 'tilfredshet'). Allowed: 'Svært godt' (code 1), 'Nokså godt' (code 2), 'Nokså dårlig' (code 3), 'Svært dårlig' (code 4), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer."},
    {"id": 'mapping-names-a-column-the-file-lacks', "area": AREA, "input": "A column mapping naming a column the file does not have ('Spm 5a')",
     "message": "{file}: row 1: the mapping names the column 'Spm 5a', which the file does not have. Allowed: the headers of the file: 'respondent', 'q5a', 'q5b', 'q5c', 'q5d', 'q5e', 'q5f', 'q8a', ..."},
    {"id": 'bad-value-in-excel-below-title-rows', "area": AREA, "input": 'A workbook with a title row above the header and a bad answer in row 3',
     "message": "{file}: row 3, column 'q20' (U): 'Kanskje' is not an answer to q20 (scale 'tilfredshet'). Allowed: 'Svært godt' (code 1), 'Nokså godt' (code 2), 'Nokså dårlig' (code 3), 'Svært dårlig' (code 4), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer."},
    {"id": 'label-that-is-also-another-code', "area": AREA, "input": "A column of '1's where '1' is the label of code 2 and also code 1 (number-like labels)",
     "message": "{file}: rows 2, 3 (2 rows), column 't1' (B): '1' is the label of code 2 and also the code of '0'; the rest of the column does not say which is meant. Allowed: only codes or only labels in a column: '0' (code 1), '1' (code 2), '2' (code 3), 'Vet ikke' (code 9), or blank for no answer."},
    {"id": 'codes-mixed-with-number-like-labels', "area": AREA, "input": 'A column mixing codes and labels when the labels look like numbers',
     "message": "{file}: row 3, column 't2' (C): this column mixes codes and labels, and some labels of the scale look like numbers, so the codes cannot be told from labels (labels in row 2). Allowed: only codes or only labels in a column: '0' (code 1), '1' (code 2), '2' (code 3), 'Vet ikke' (code 9), or blank for no answer."},
    {"id": 'second-respondent-column', "area": AREA, "input": "A CSV export with two kommunenummer columns ('Kommunenummer' and 'knr')",
     "message": "{file}: row 1, column 'knr' (BU): this column could also be the respondent column; 'Kommunenummer' is used. Allowed: one respondent column; remove the column, or ignore it (mapping={'knr': None} in Python, --ignore 'knr' on the command line)."},
]


def test_catalogue_has_at_least_25_distinct_bad_inputs():
    assert len(_LOCATED) >= 25
    assert len({b[0] for b in _LOCATED}) == len(_LOCATED)
    assert {b[3] for b in _LOCATED} <= set(PROBLEM_KINDS)
    assert [b["id"] for b in BAD_INPUTS] == [b[0] for b in _LOCATED]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", b["id"]) for b in BAD_INPUTS)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[b["id"] for b in BAD_INPUTS])
def test_bad_input_message_is_exactly_what_the_catalogue_says(tmp_path, numeric_cb, case):
    _, builder, form, kind, *_, kw = next(b for b in _LOCATED if b[0] == case["id"])
    path = builder(tmp_path)
    codebook = numeric_cb if form == "numeric" else CB
    form = "kommune" if form == "numeric" else form
    p = one(errors_of(path, form, codebook, **kw), kind)
    assert str(p) == case["message"].replace("{file}", str(path))


@pytest.mark.parametrize(
    "builder, form, kind, row, column, value, message, allowed, kw",
    [pytest.param(*b[1:], id=b[0]) for b in _LOCATED],
)
def test_bad_input_is_reported_with_its_location(tmp_path, numeric_cb, builder, form, kind, row, column, value,
                                                 message, allowed, kw):
    path = builder(tmp_path)
    codebook = numeric_cb if form == "numeric" else CB
    form = "kommune" if form == "numeric" else form
    problems = errors_of(path, form, codebook, **kw)
    p = one(problems, kind)
    assert isinstance(p, ResponseProblem)
    assert p.file == str(path)
    assert p.row == row
    if column is not None:
        assert p.column == column
    if value is not None:
        assert p.value == value
    assert message in p.message, p.message
    assert allowed in p.allowed, p.allowed
    # the location is in the text a user reads
    text = str(p)
    assert str(path) in text
    if row is not None:
        assert f"row {row}" in text or f"rows {row}" in text or f"case {row}" in text or f", {row}" in text
    if column:
        assert repr(column) in text


def test_all_problems_are_reported_at_once(tmp_path):
    df = answers()
    df.loc[0, "q5a"] = "Kanskje"
    df.loc[1, "q14"] = "0"
    df.loc[2, "respondent"] = "9999"
    df.loc[3, "respondent"] = "0301"
    df = df.drop(columns="q8b").assign(Ekstra="")
    problems = errors_of(to_csv(df, tmp_path / "k.csv"))
    kinds = sorted(p.kind for p in problems)
    assert kinds == sorted(["out_of_scale", "out_of_scale", "unknown_kommune", "duplicate_respondent",
                            "missing_column", "unknown_column"])


def test_same_bad_value_is_one_problem_listing_every_row(tmp_path):
    df = answers()
    df["q16"] = ["Middels", "Middels", "Nokså godt", "Middels", ""]
    p = one(errors_of(to_csv(df, tmp_path / "k.csv")), "out_of_scale")
    assert p.rows == (2, 3, 5) and p.row == 2
    assert "rows 2, 3, 5 (3 rows)" in p.where


def test_rows_and_lines_differ_when_text_holds_line_breaks(tmp_path):
    df = answers()
    df.loc[3, "q20"] = "Dårlig"
    path = to_csv(df, tmp_path / "k.csv")
    p = one(errors_of(path), "out_of_scale")
    assert p.row == 5
    with open(path, encoding="utf-8", newline="") as fh:
        physical = fh.readlines()
    assert p.line > p.row
    assert physical[p.line - 1].startswith("2012;")  # the line where row 5 starts


def test_wrong_form_in_helseforetak_file_lists_every_kommune_question(tmp_path):
    df = answers("kommune")
    problems = errors_of(to_csv(df, tmp_path / "k.csv"), "helseforetak")
    other = [p for p in problems if p.kind == "other_form_column"]
    assert {p.column for p in other} == set(CB.item_ids("kommune")) - set(CB.item_ids("helseforetak"))


def test_argument_errors_raise_at_once(tmp_path):
    path = to_csv(answers(), tmp_path / "k.csv")
    with pytest.raises(SamanalyseError, match="Unknown form 'sykehus'"):
        read_responses(path, CB, "sykehus")
    with pytest.raises(SamanalyseError, match="not in the 2010 codebook"):
        read_responses(path, CB, "kommune", mapping={"x": "q99"})
    with pytest.raises(SamanalyseError, match="Say which form"):
        read_responses(path, CB)
    with pytest.raises(ResponsesNotFoundError, match="does not exist") as exc:
        read_responses(tmp_path / "nope.csv", CB, "kommune")
    assert isinstance(exc.value, FileNotFoundError) and isinstance(exc.value, DataError)
    assert read_responses(path, "2010", "kommune").data.shape == (5, 72)


def test_data_error_message_lists_every_problem(tmp_path):
    df = answers()
    df.loc[0, "q5a"] = "Kanskje"
    df.loc[1, "q5b"] = "Tja"
    with pytest.raises(DataError) as exc:
        read_responses(to_csv(df, tmp_path / "k.csv"), CB, "kommune")
    msg = str(exc.value)
    assert "2 problems" in msg and "'Kanskje'" in msg and "'Tja'" in msg and "row 2" in msg and "row 3" in msg


# --------------------------------------------------------------------------
# The same responses in every format load to identical data
# --------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::samanalyse.errors.DataFixWarning")
def test_same_responses_in_every_format_load_identically(tmp_path):
    df = answers()
    # cp1252 cannot hold emoji or en dash: use texts every encoding can hold
    df = df.map(lambda v: v.replace(" 😀", "").replace("–", "-") if isinstance(v, str) else v)
    paths = {
        "utf8": to_csv(df, tmp_path / "utf8.csv", sep=";"),
        "utf8-bom": to_csv(df, tmp_path / "bom.csv", sep=",", encoding="utf-8-sig"),
        "cp1252": to_csv(df, tmp_path / "cp.csv", sep=";", encoding="cp1252"),
        "xlsx": to_xlsx(df, tmp_path / "x.xlsx", title_rows=[["KS samhandling 2010"]]),
        "sav": to_sav(df, tmp_path / "s.sav"),
    }
    codes = df.copy()  # the same answers as codes in a CSV
    for it in CB.items("kommune", type="closed"):
        codes[it.id] = [str(it.scale.code_of(v)) if v else "" for v in df[it.id]]
    paths["codes"] = to_csv(codes, tmp_path / "codes.csv")
    loaded = {k: read_responses(p, CB, "kommune").data for k, p in paths.items()}
    ref = loaded.pop("utf8")
    for k, data in loaded.items():
        pd.testing.assert_frame_equal(data, ref, obj=k)


# --------------------------------------------------------------------------
# Writing and round trips
# --------------------------------------------------------------------------


def test_neutralisation_is_a_bijection():
    for text in ["=1+1", "+47 22", "-", "@x", "\tx", "\rx", "'=x", "''=x", "'", "'a", "a=b", "", "ok"]:
        written = _neutralise(text)
        assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert _unneutralise(written) == text
    assert _neutralise("=1") == "'=1" and _neutralise("'=1") == "''=1" and _neutralise("'a") == "'a"


def test_excel_escapes_round_trip():
    for text in ["a\rb", "_x000D_", "_x005F_x000D_", "\x01\x1f", "plain", "_x41"]:
        assert _xl_unescape(_xl_escape(text)) == text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_write_then_read_gives_the_same_values(tmp_path, fmt):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    out = write_responses(resp, tmp_path / f"out.{fmt}")
    back = read_responses(out, CB, "kommune")
    pd.testing.assert_frame_equal(back.data, resp.data)
    assert back.warnings == []


def test_written_csv_layout_and_formula_neutralisation(tmp_path):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    out = write_responses(resp, tmp_path / "out.csv")
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert text.splitlines()[0] == "respondent," + ",".join(CB.item_ids("kommune"))
    assert "'=SUM(A1:A3)" in text and ",=SUM" not in text and '"=SUM' not in text
    assert "'- punkt en" in text
    assert "Gjennomført med gode erfaringer" in text


def test_written_xlsx_has_no_formulas(tmp_path):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    out = write_responses(resp, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert any(str(c.value).startswith("'=SUM") for c in cells)
    assert ws["A2"].value == "0301"


def test_written_sav_has_codes_value_labels_and_missing(tmp_path):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    out = write_responses(resp, tmp_path / "out.sav")
    data, meta = pyreadstat.read_sav(str(out), user_missing=True)
    assert data["q5a"].tolist()[:4] == [1.0, 2.0, 3.0, 9.0]
    assert meta.variable_value_labels["q14"][1.0] == "Svært godt"
    assert meta.missing_ranges["q14"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.column_names_to_labels["q5a"].startswith("Avtaleverk")
    assert data["respondent"].tolist() == KOMMUNER


def test_write_is_atomic(tmp_path, monkeypatch):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    from samanalyse.io import atomic

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    for fmt in ("csv", "xlsx", "sav"):
        target = tmp_path / f"out.{fmt}"
        target.write_bytes(b"old")
        with pytest.raises(OSError, match="disk full"):
            write_responses(resp, target)
        assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv", "out.sav", "out.xlsx"]


def test_write_rejects_unknown_format(tmp_path):
    resp = read_responses(to_csv(answers(), tmp_path / "in.csv"), CB, "kommune")
    with pytest.raises(SamanalyseError, match="format"):
        write_responses(resp, tmp_path / "out.json")


def test_sav_drops_trailing_spaces_with_a_warning(tmp_path):
    df = answers(n=1)
    df.loc[0, "q29_tekst"] = "slutt med mellomrom   "
    resp = read_responses(to_csv(df, tmp_path / "in.csv"), CB, "kommune")
    with pytest.warns(DataFixWarning, match="trailing spaces"):
        out = write_responses(resp, tmp_path / "out.sav")
    assert read_responses(out, CB, "kommune").data.loc[0, "q29_tekst"] == "slutt med mellomrom"


# --- property-based: any valid response table round-trips ------------------

_REGISTER = sorted(kommuner(2010, include_svalbard=True).index)
_TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Cn")),
        st.sampled_from(["\n", "\r", "\r\n", "\t", "=", "+", "-", "@", "'", '"', ";", ",", " ", "_x000D_", "_x0041",
                         "æøå", "ÆØÅ", "😀", "\x01"]),
    ),
    min_size=1,
    max_size=12,
).map("".join)
_FORM_ITEMS = CB.items("kommune")


@st.composite
def response_tables(draw) -> Responses:
    n = draw(st.integers(min_value=1, max_value=6))
    ids = draw(st.lists(st.sampled_from(_REGISTER), min_size=n, max_size=n, unique=True))
    data = {"respondent": pd.array(ids, dtype=pd.StringDtype("python"))}
    for it in _FORM_ITEMS:
        if it.scale is not None:
            vals = draw(st.lists(st.one_of(st.none(), st.sampled_from(it.scale.labels())), min_size=n, max_size=n))
            data[it.id] = pd.Categorical(vals, dtype=it.scale.dtype())
        else:
            vals = draw(st.lists(st.one_of(st.none(), _TEXT), min_size=n, max_size=n))
            data[it.id] = pd.array(vals, dtype=pd.StringDtype("python"))
    return Responses(pd.DataFrame(data), CB, "kommune", "2010")


_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
pytestmark_roundtrip = pytest.mark.filterwarnings("ignore::samanalyse.errors.DataFixWarning")  # rows without answers


@pytestmark_roundtrip
@_SETTINGS
@given(resp=response_tables())
def test_any_valid_table_round_trips_through_csv(tmp_path, resp):
    back = read_responses(write_responses(resp, tmp_path / "rt.csv"), CB, "kommune")
    pd.testing.assert_frame_equal(back.data, resp.data)


@pytestmark_roundtrip
@_SETTINGS
@given(resp=response_tables())
def test_any_valid_table_round_trips_through_xlsx(tmp_path, resp):
    back = read_responses(write_responses(resp, tmp_path / "rt.xlsx"), CB, "kommune")
    pd.testing.assert_frame_equal(back.data, resp.data)


@pytestmark_roundtrip
@_SETTINGS
@given(resp=response_tables())
def test_any_valid_table_round_trips_through_sav(tmp_path, resp):
    """SAV keeps everything but trailing spaces of text (SPSS pads strings; documented)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataFixWarning)
        back = read_responses(write_responses(resp, tmp_path / "rt.sav"), CB, "kommune")
    expected = resp.data.copy()
    for it in _FORM_ITEMS:
        if it.scale is None:
            s = expected[it.id].str.rstrip(" ")
            expected[it.id] = s.mask(s == "", pd.NA)
    pd.testing.assert_frame_equal(back.data, expected)


# --------------------------------------------------------------------------
# The round's files
# --------------------------------------------------------------------------


def test_load_responses_says_clearly_when_the_file_is_missing(tmp_path, monkeypatch):
    from samanalyse.survey.rounds import Round

    missing = tmp_path / "responses_kommuner.csv"
    monkeypatch.setattr(Round, "responses_path", lambda self, form: missing)
    with pytest.raises(ResponsesNotFoundError) as exc:
        load_responses("2010", "kommune")
    msg = str(exc.value)
    assert str(missing) in msg and "not there yet" in msg and "kommune responses of round 2010" in msg


def test_load_responses_reads_the_round_file(tmp_path, monkeypatch):
    from samanalyse.survey.rounds import Round

    path = tmp_path / "responses_helseforetak.csv"
    answers("helseforetak").to_csv(path, index=False)
    monkeypatch.setattr(Round, "responses_path", lambda self, form: path)
    resp = load_responses("2010", "helseforetak")
    assert resp.data["respondent"].tolist() == HF and resp.round == "2010"


def test_load_responses_uses_the_round_yaml_paths():
    from samanalyse.survey.rounds import load_round

    rnd = load_round("2010")
    assert rnd.responses_path("kommune").name == "responses_kommuner.csv"
    assert rnd.responses_path("helseforetak").name == "responses_helseforetak.csv"


def test_validation_report_format_groups_errors_then_warnings(tmp_path):
    df = answers()
    df.loc[0, "q5a"] = "Kanskje"
    df.loc[1, "q14"] = " Nokså godt"
    report = validate_responses(to_csv(df, tmp_path / "k.csv", encoding="utf-8-sig"), CB, "kommune")
    assert isinstance(report, ValidationReport)
    text = report.format()
    assert text.index("ERRORS (1)") < text.index("WARNINGS") < text.index("INVALID")
    assert PROBLEM_KINDS["out_of_scale"] in text and PROBLEM_KINDS["bom"] in text
    assert text.splitlines()[-1] == report.summary()
    assert report.summary().startswith("INVALID: k.csv (kommune form, round 2010): 1 error, 2 warnings")
