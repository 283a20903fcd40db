"""Bad files and bad calls at the front door, each with the exact message the user sees.

The cell- and column-level cases are catalogued in ``test_responses.py``; these
are the file-level ones (a folder, a pipe, permission denied, a file that is not
what its name says, damaged workbooks) and the mistakes in a call.
For a file that cannot be used the message is that of the DataError
:func:`read_responses` raises (its first line names the file, each problem too).
"""

from __future__ import annotations

import io
import os
import signal
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from samanalyse.errors import (
    ArgumentError,
    DataError,
    ResponsesNotFoundError,
    SamanalyseError,
    SamanalyseWarning,
)
from samanalyse.io import formats
from samanalyse.io.responses import (
    load_responses,
    read_responses,
    validate_responses,
    write_responses,
)
from samanalyse.survey.rounds import Round, load_codebook

CB = load_codebook("2010")
AREA = "Lese svarfiler"
_HEAD = "respondent;" + ";".join(CB.item_ids("kommune"))
_ONE = "{file} cannot be used as kommune responses of round 2010: 1 problem (and 0 warnings):\n  - {file}: (whole file): "
_CSV_ALLOWED = "Allowed: a CSV text file (in Excel: Save as 'CSV UTF-8'), an .xlsx workbook or an .sav file."

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "file-does-not-exist", "area": AREA, "input": "A response file that does not exist",
     "message": "The file {file} does not exist."},
    {"id": "folder-instead-of-file", "area": AREA, "input": "A folder given where the response file should be",
     "message": "{file} is a folder, not a response file."},
    {"id": "pipe-instead-of-file", "area": AREA, "input": "A named pipe (FIFO) given as the response file",
     "message": "{file} is not a regular file (a device, pipe or socket), not a response file."},
    {"id": "permission-denied", "area": AREA, "input": "A response file the user may not read",
     "message": _ONE + "the file cannot be read (Permission denied). Allowed: a file you may read."},
    {"id": "empty-sav", "area": AREA, "input": "An empty .sav file (0 bytes)",
     "message": _ONE + "the file is empty. Allowed: a header row and one row per respondent."},
    {"id": "xlsx-empty-sheet", "area": AREA, "input": "A workbook whose sheet is empty",
     "message": _ONE + "the sheet 'Sheet' is empty. Allowed: a header row and one row per respondent."},
    {"id": "xlsx-damaged-sheet", "area": AREA,
     "input": "A workbook (an intact zip) whose sheet XML is cut off",
     "message": _ONE + "the file cannot be opened as an Excel workbook (no element found: line 1, column 0). "
     "Allowed: an .xlsx file saved by Excel or LibreOffice."},
    {"id": "xlsx-damaged-zip", "area": AREA, "input": "A workbook whose compressed data is damaged (bytes flipped)",
     "message": _ONE + "the file cannot be opened as an Excel workbook (Bad CRC-32 for file '[Content_Types].xml'). "
     "Allowed: an .xlsx file saved by Excel or LibreOffice."},
    {"id": "sav-crashes-the-reader", "area": AREA,
     "input": "A damaged SPSS file on which the SPSS reader library crashes (segmentation fault)",
     "message": _ONE + "the file cannot be read as an SPSS data file (the SPSS reader crashed on it with signal 11, "
     "so the file is damaged). Allowed: a .sav file saved by SPSS, PSPP or pyreadstat."},
    {"id": "csv-broken-utf16", "area": AREA, "input": "A CSV file with a UTF-16 byte order mark whose text is cut mid-character",
     "message": _ONE + "the file cannot be read as utf-16 text (it is damaged or not a text file). " + _CSV_ALLOWED},
    {"id": "csv-binary-data", "area": AREA, "input": "A .csv file holding binary data (NUL bytes)",
     "message": _ONE + "the file is named like a CSV text file but holds binary data, not text. " + _CSV_ALLOWED},
    {"id": "sav-named-csv", "area": AREA, "input": "An SPSS data file saved under a .csv name",
     "message": _ONE + "the file is named like a CSV text file but holds an SPSS data file; name it .sav. "
     + _CSV_ALLOWED},
    {"id": "xls-named-csv", "area": AREA, "input": "An old Excel (.xls) workbook saved under a .csv name",
     "message": _ONE + "the file is named like a CSV text file but holds an old Excel (.xls) workbook; save it as "
     ".xlsx or CSV UTF-8. " + _CSV_ALLOWED},
    {"id": "unsupported-suffix", "area": AREA, "input": "A file ending in .json",
     "message": _ONE + "files ending in '.json' cannot be read. Allowed: .csv, .txt, .tsv, .xlsx, .xlsm, .sav, .zsav."},
    {"id": "huge-number-as-answer", "area": AREA, "input": "A 20-digit number as the answer to a closed item",
     "message": "{file} cannot be used as kommune responses of round 2010: 1 problem (and 0 warnings):\n"
     "  - {file}: row 2, column 'q5a' (B): '12345678901234567890' is not an answer to q5a (scale 'erfaring'). "
     "Allowed: 'Ikke gjennomført' (code 1), 'Gjennomført med gode erfaringer' (code 2), "
     "'Gjennomført med usikre/dårlige erfaringer' (code 3), 'Vet ikke/ikke aktuelt' (code 9), or blank for no answer."},
    {"id": "unknown-form", "area": AREA, "input": "read_responses called with a form the codebook does not have",
     "message": "Unknown form 'sykehus'; the 2010 codebook has the forms kommune, helseforetak."},
    {"id": "form-not-given", "area": AREA, "input": "read_responses called without form for a codebook with two forms",
     "message": "Say which form the file holds: form= one of kommune, helseforetak."},
    {"id": "mapping-to-unknown-item", "area": AREA, "input": "A column mapping to an item the codebook does not have",
     "message": "mapping names items that are not in the 2010 codebook: 'Spm 1': 'q99'. Allowed targets: "
     "'respondent', None (ignore the column), or an item id such as q5a, q5b, q5c."},
    {"id": "mapping-not-a-dict", "area": AREA, "input": "mapping given as a list",
     "message": "mapping must be a dict {export column: item id}; got list."},
    {"id": "sheet-not-a-name", "area": AREA, "input": "sheet given as a float",
     "message": "sheet must be a sheet name or a 0-based number; got float."},
    {"id": "codebook-of-wrong-type", "area": AREA, "input": "codebook given as a number",
     "message": "codebook must be a Codebook, a Round, a round's name or folder, or a codebook .yaml file; got int."},
    {"id": "round-without-register-year", "area": AREA,
     "input": "A kommune export checked for a round that is neither shipped nor named by a year",
     "message": "Round 'neste' is not shipped with samanalyse and its name is not a year, so the register year is "
     "unknown; pass round= a Round, a round folder or '<year>'."},
    {"id": "write-unknown-format", "area": AREA, "input": "write_responses to a file ending in .json",
     "message": "Cannot tell which format to write out.json in (format=None); use a name ending in .csv, .xlsx or "
     ".sav, or format='csv', 'xlsx' or 'sav'."},
    {"id": "write-not-responses", "area": AREA, "input": "write_responses given a DataFrame instead of Responses",
     "message": "write_responses needs a Responses object; got DataFrame."},
    {"id": "round-file-missing", "area": AREA, "input": "load_responses for a round whose response file is not there",
     "message": "The kommune responses of round 2010 are not there yet: {file} does not exist. The 2010 files are a "
     "reconstruction made by 'samanalyse reconstruct'. Put the file there (columns respondent + item ids, answers "
     "as labels) or read another file with read_responses(path, '2010', 'kommune')."},
]


# --------------------------------------------------------------------------
# How each input is built and triggered: returns (the error raised, the file)
# --------------------------------------------------------------------------


def _valid_csv(path: Path, first_answer: str | None = None) -> Path:
    rows = []
    for i, rid in enumerate(["0301", "1201"]):
        row = {"respondent": rid}
        for it in CB.items("kommune"):
            row[it.id] = it.scale.labels()[i] if it.scale else "tekst"
        rows.append(row)
    df = pd.DataFrame(rows)
    if first_answer is not None:
        df.loc[0, "q5a"] = first_answer
    df.to_csv(path, sep=";", index=False)
    return path


def _xlsx_bytes(with_data: bool = True) -> bytes:
    wb = openpyxl.Workbook()
    if with_data:
        wb.active.append(_HEAD.split(";"))
        wb.active.append(["0301"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _read(path: Path, **kw) -> Callable[[], object]:
    return lambda: read_responses(path, CB, "kommune", **kw)


def _damaged_sheet(path: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(_xlsx_bytes())) as zin:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zout:
            for name in zin.namelist():
                zout.writestr(name, b"" if name == "xl/worksheets/sheet1.xml" else zin.read(name))
    path.write_bytes(out.getvalue())
    return path


def _flipped_zip(path: Path) -> Path:
    """The workbook stored uncompressed, with one byte of its first member flipped (its CRC no longer matches)."""
    with zipfile.ZipFile(io.BytesIO(_xlsx_bytes())) as zin:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
            for name in zin.namelist():
                zout.writestr(name, zin.read(name))
    data = bytearray(out.getvalue())
    start = data.index(b"[Content_Types].xml") + len("[Content_Types].xml")
    data[start + 5] ^= 0x01  # inside the first member's data
    path.write_bytes(bytes(data))
    return path


def _case(case_id: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Callable[[], object], Path]:
    if case_id == "file-does-not-exist":
        p = tmp / "finnes_ikke.csv"
        return _read(p), p
    if case_id == "folder-instead-of-file":
        p = tmp / "svar.csv"
        p.mkdir()
        return _read(p), p
    if case_id == "pipe-instead-of-file":
        p = tmp / "svar.csv"
        os.mkfifo(p)
        return _read(p), p
    if case_id == "permission-denied":
        p = _valid_csv(tmp / "svar.csv")

        def denied(file, *args, **kwargs):  # root may read anything: refuse like a chmod 000 would
            raise PermissionError(13, "Permission denied", str(file))

        monkeypatch.setattr(formats, "open", denied, raising=False)
        return _read(p), p
    if case_id == "sav-crashes-the-reader":
        p = tmp / "svar.sav"
        p.write_bytes(b"$FL2" + bytes(200))

        def crash(path):  # what ReadStat does on some damaged files; runs in the forked reader
            os.kill(os.getpid(), signal.SIGSEGV)

        monkeypatch.setattr(formats, "_pyreadstat", crash)
        return _read(p), p
    simple: dict[str, tuple[str, bytes | Callable[[Path], Path]]] = {
        "empty-sav": ("svar.sav", b""),
        "xlsx-empty-sheet": ("svar.xlsx", _xlsx_bytes(with_data=False)),
        "xlsx-damaged-sheet": ("svar.xlsx", _damaged_sheet),
        "xlsx-damaged-zip": ("svar.xlsx", _flipped_zip),
        "csv-broken-utf16": ("svar.csv", b"\xff\xfe" + "respondent;q5a\n".encode("utf-16-le") + b"\x00"),
        "csv-binary-data": ("svar.csv", b"respondent;q5a\n\x00\x01\x02\n"),
        "sav-named-csv": ("svar.csv", b"$FL2@(#) IBM SPSS STATISTICS"),
        "xls-named-csv": ("svar.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        "unsupported-suffix": ("svar.json", b"{}"),
        "huge-number-as-answer": ("svar.csv", lambda p: _valid_csv(p, "12345678901234567890")),
    }
    if case_id in simple:
        name, content = simple[case_id]
        p = tmp / name
        if callable(content):
            content(p)
        else:
            p.write_bytes(content)
        return _read(p), p
    p = _valid_csv(tmp / "svar.csv")
    calls: dict[str, Callable[[], object]] = {
        "unknown-form": lambda: read_responses(p, CB, "sykehus"),
        "form-not-given": lambda: read_responses(p, CB),
        "mapping-to-unknown-item": _read(p, mapping={"Spm 1": "q99"}),
        "mapping-not-a-dict": _read(p, mapping=["q5a"]),
        "sheet-not-a-name": _read(p, sheet=1.5),
        "codebook-of-wrong-type": lambda: read_responses(p, 2010, "kommune"),
        "round-without-register-year": _read(p, round="neste"),
        "write-unknown-format": lambda: write_responses(_quiet_read(p), tmp / "out.json"),
        "write-not-responses": lambda: write_responses(pd.DataFrame(), tmp / "out.csv"),
    }
    if case_id in calls:
        return calls[case_id], p
    if case_id == "round-file-missing":
        missing = tmp / "responses_kommuner.csv"
        monkeypatch.setattr(Round, "responses_path", lambda self, form: missing)
        return lambda: load_responses("2010", "kommune"), missing
    raise AssertionError(f"no builder for {case_id}")


def _quiet_read(p: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamanalyseWarning)
        return read_responses(p, CB, "kommune")


def test_catalogue_ids_are_unique_and_well_formed():
    ids = [b["id"] for b in BAD_INPUTS]
    assert len(set(ids)) == len(ids)
    assert all(set(i) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") and "--" not in i for i in ids)
    assert all(set(b) == {"id", "area", "input", "message"} for b in BAD_INPUTS)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[b["id"] for b in BAD_INPUTS])
def test_bad_input_gives_exactly_the_catalogued_message(tmp_path, monkeypatch, case):
    trigger, path = _case(case["id"], tmp_path, monkeypatch)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(SamanalyseError) as exc:
        trigger()
    assert str(exc.value) == case["message"].replace("{file}", str(path))
    if before is not None:
        assert path.read_bytes() == before  # never modified
    if isinstance(exc.value, DataError) and not isinstance(exc.value, ResponsesNotFoundError):
        # validate_responses reports the same problems without raising
        report = validate_responses(path, CB, "kommune")
        assert not report.ok and report.errors == exc.value.problems
    if "{file}" not in case["message"]:
        assert isinstance(exc.value, ArgumentError)


def test_missing_files_are_also_file_not_found_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_responses(tmp_path / "x.csv", CB, "kommune")
    with pytest.raises(FileNotFoundError):
        read_responses(tmp_path, CB, "kommune")
