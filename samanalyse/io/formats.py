"""Detect and read CSV, XLSX and SAV exports into a raw table of strings.

Every reader returns a :class:`RawTable`: the header, every cell as a string
(``""`` for blank) and the spreadsheet row of each record. A file that cannot
be read at all raises a :class:`~samanalyse.errors.DataError` carrying the
problems (:func:`file_failed`), which :mod:`samanalyse.io.read` turns into a :class:`~samanalyse.io.report.ValidationReport`.
The rules (encodings, separators, sheets, title rows) are in
:mod:`samanalyse.io.responses`. Input files are opened read-only.
"""

from __future__ import annotations

import codecs
import csv
import faulthandler
import hashlib
import io
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.errors import DataError, Problem
from samanalyse.io.report import ResponseProblem
from samanalyse.io.text import fmt_num, fmt_rows, header_key, norm, xl_cell_str

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Factorised",
    "RawTable",
    "csv_lines",
    "file_failed",
    "file_problem",
    "hash_and_detect",
    "read_csv",
    "read_sav",
    "read_xlsx",
]

#: File name endings that :func:`~samanalyse.io.read.read_responses` reads, and the format of each.
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
}

_HEADER_SCAN_ROWS = 30
_ONE_ROW_PER_RESPONDENT = "a header row and one row per respondent"
_QUOTE_RE = re.compile(r"EOF inside string starting at row (\d+)")
_HEAD_TOKEN = re.compile(r"[\s.:_\-\[]")  # "q5a - Avtaleverk" -> "q5a" (an item id starting a header)


@dataclass(frozen=True)
class Factorised:
    """A column already factorised by the parser: codes into ``categories`` (may include unused ones)."""

    codes: np.ndarray
    categories: list[str]


@dataclass
class RawTable:
    """A file's table with every cell as a string and the spreadsheet row of each record.

    ``columns`` holds each column as an object array of str (``""`` = blank) or,
    for CSV files, as a :class:`Factorised` column straight from the parser.
    """

    headers: list[str]
    columns: list[np.ndarray | Factorised]
    rows: np.ndarray  # spreadsheet row of each data record
    header_row: int
    format: str
    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None
    value_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    missing_ranges: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    numeric: set[int] = field(default_factory=set)
    labels: list[str] = field(default_factory=list)  # SPSS variable labels ("" = none)
    _factors: dict[int, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def factor(self, pos: int) -> tuple[np.ndarray, list[str]]:
        """Codes and unique values of column ``pos`` (cached: checks work per unique value)."""
        if pos not in self._factors:
            col = self.columns[pos]
            if isinstance(col, Factorised):  # CSV: drop the categories only the header row used
                used = np.bincount(col.codes, minlength=len(col.categories)) > 0 if len(col.codes) else \
                    np.zeros(len(col.categories), dtype=bool)
                new = np.cumsum(used) - 1
                codes = new[col.codes].astype(np.intp) if len(col.codes) else np.zeros(0, dtype=np.intp)
                uniques = [c for c, u in zip(col.categories, used) if u]
            else:
                codes, uniq = pd.factorize(col, use_na_sentinel=False)
                uniques = [str(u) for u in uniq]
            self._factors[pos] = (codes, uniques)
        return self._factors[pos]

    def strings(self, pos: int) -> np.ndarray:
        """Column ``pos`` as an object array of str."""
        col = self.columns[pos]
        if isinstance(col, Factorised):
            codes, uniques = self.factor(pos)
            return np.array(uniques + [""], dtype=object)[codes]
        return col


def file_failed(problems: list[Problem]) -> DataError:
    """The error for a file that cannot be read at all, carrying its problems (``.problems``).

    The readers raise it; :mod:`samanalyse.io.read` turns its problems into a
    :class:`~samanalyse.io.report.ValidationReport`.
    """
    file = problems[0].file if problems else "the file"
    return DataError(f"{file} cannot be read:", problems)


def file_problem(file: str, kind: str, message: str, allowed: str = "", row: int | None = None,
                 line: int | None = None) -> ResponseProblem:
    """A problem about the whole file (or one row of it)."""
    where = f"row {row}" if row is not None else "(whole file)"
    return ResponseProblem(file, where, message, allowed, line, row=row, kind=kind)


def _empty(file: str, message: str = "the file is empty") -> DataError:
    return file_failed([file_problem(file, "file_empty", message, _ONE_ROW_PER_RESPONDENT)])


# --------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------


def hash_and_detect(path: Path) -> tuple[str, str]:
    """SHA-256 of the file and its text encoding, in one pass over the bytes.

    The encoding is ``utf-16`` (BOM), ``utf-8-sig`` (BOM), ``utf-8``, else
    ``cp1252`` when every byte decodes, else ``latin-1``.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        first = fh.read(1 << 20)
        h.update(first)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
            return h.hexdigest(), "utf-16"
        enc = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
        dec = codecs.getincrementaldecoder("utf-8")("strict")
        ok = _decodes(dec, first)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            ok = ok and _decodes(dec, chunk)
        ok = ok and _decodes(dec, b"", final=True)
    if ok:
        return h.hexdigest(), enc
    try:
        with open(path, encoding="cp1252", newline="") as fh:
            for _ in iter(lambda: fh.read(1 << 20), ""):
                pass
        return h.hexdigest(), "cp1252"
    except UnicodeDecodeError:
        return h.hexdigest(), "latin-1"


def _decodes(dec: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> bool:
    try:
        dec.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def _sniff_separator(sample: str, truncated: bool) -> str:
    """The separator that gives the most consistent field counts in the first rows."""
    best: tuple[Any, ...] = (False, -1.0, 0)
    choice = ","
    for sep in (";", ",", "\t", "|"):
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=sep))
        except csv.Error:
            continue
        if truncated and len(records) > 1:
            records = records[:-1]
        records = [r for r in records[:50] if any(c.strip() for c in r)]
        if not records:
            continue
        width = len(records[0])
        consistent = sum(len(r) == width for r in records) / len(records)
        score = (width > 1, consistent, width)
        if score > best:
            best, choice = score, sep
    return choice


def _check_text_file(path: Path, file: str, encoding: str) -> None:
    """Refuse binary files named like text files, saying what they seem to be."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    kind = None
    if head.startswith(b"PK\x03\x04"):
        kind = "an Excel workbook or another ZIP file; if it is a workbook, name it .xlsx"
    elif head.startswith((b"$FL2", b"$FL3")):
        kind = "an SPSS data file; name it .sav"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        kind = "an old Excel (.xls) workbook; save it as .xlsx or CSV UTF-8"
    elif encoding != "utf-16" and b"\x00" in head:
        kind = "binary data, not text"
    if kind:
        raise file_failed([file_problem(
            file, "file_unreadable", f"the file is named like a CSV text file but holds {kind}",
            "a CSV text file (in Excel: Save as 'CSV UTF-8'), an .xlsx workbook or an .sav file",
        )])


def _not_text(file: str, encoding: str) -> DataError:
    return file_failed([file_problem(
        file, "file_unreadable", f"the file cannot be read as {encoding} text (it is damaged or not a text file)",
        "a CSV text file (in Excel: Save as 'CSV UTF-8'), an .xlsx workbook or an .sav file",
    )])


def _encoding_warning(file: str, encoding: str) -> ResponseProblem | None:
    if encoding == "utf-8-sig":
        return file_problem(file, "bom", "the file starts with a byte order mark (BOM); it was removed")
    if encoding in ("cp1252", "latin-1"):
        name = "Windows-1252" if encoding == "cp1252" else "Latin-1"
        return file_problem(
            file, "encoding", f"the file is not UTF-8; it was read as {name}",
            "UTF-8 (in Excel: 'CSV UTF-8'); if æ, ø and å look wrong in the report, save the file as CSV UTF-8",
        )
    return None


def read_csv(path: Path, file: str, encoding: str, warn: list[Problem], errs: list[Problem]) -> RawTable:
    """Read a CSV export; notes go to ``warn``, rows with too many fields to ``errs``.

    Raises
    ------
    DataError
        If the file is empty, binary, not decodable, or has a quote never closed.
    """
    _check_text_file(path, file, encoding)
    try:
        with open(path, encoding=encoding, newline="", errors="strict") as fh:
            sample = fh.read(1 << 16)
            truncated = bool(fh.read(1))
    except UnicodeDecodeError:
        raise _not_text(file, encoding) from None
    if encoding == "utf-16":
        sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise _empty(file)
    sep = _sniff_separator(sample, truncated)
    note = _encoding_warning(file, encoding)
    if note is not None:
        warn.append(note)
    frame = _parse_csv(path, file, encoding, sep)
    if frame is not None:
        headers, columns = [], []
        for c in frame.columns:
            cat = frame[c].array  # a Categorical: the parser factorised the column
            codes = np.asarray(cat.codes)
            cats = [str(u) for u in cat.categories]
            if (codes < 0).any():  # never seen with na_filter=False; read a missing cell as blank
                codes = np.where(codes < 0, len(cats), codes)
                cats.append("")
            headers.append(cats[codes[0]] if len(codes) and codes[0] >= 0 else "")
            columns.append(Factorised(codes[1:], cats))
        n = len(frame) - 1
    else:
        headers, columns = _csv_slow(path, file, encoding, sep, errs)
        n = len(columns[0]) if columns else 0
    return RawTable(headers=headers, columns=columns, rows=np.arange(2, n + 2), header_row=1, format="csv",
                    encoding=encoding, separator=sep)


def _parse_csv(path: Path, file: str, encoding: str, sep: str) -> pd.DataFrame | None:
    """The file parsed by pandas' C parser, or None when rows have more fields than the first (slow path)."""
    try:
        # dtype category: the parser factorises each column, so every later check works per
        # distinct value and the cells are never Python strings one by one (fast, small)
        return pd.read_csv(
            path, sep=sep, header=None, dtype="category", na_filter=False, keep_default_na=False,
            skip_blank_lines=False, encoding=encoding, quotechar='"', doublequote=True, engine="c",
            low_memory=False,
        )
    except pd.errors.EmptyDataError:
        raise _empty(file) from None
    except UnicodeDecodeError:
        raise _not_text(file, encoding) from None
    except pd.errors.ParserError as exc:
        m = _QUOTE_RE.search(str(exc))
        if m:
            raise file_failed([file_problem(
                file, "csv_quote", 'a quote (") opened in this row is never closed, so the rest of the file is one cell',
                'quotes in pairs: "text with ; or line breaks"; a quote inside text is written twice ("")',
                row=int(m.group(1)) + 1,
            )]) from None
        return None


def _object_column(values: list[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _csv_slow(path: Path, file: str, encoding: str, sep: str, errs: list[Problem]) -> tuple[list[str], list[np.ndarray]]:
    """Header and columns read record by record, reporting each row with too many fields."""
    records = _csv_records(path, file, encoding, sep)
    header = records[0][0]
    width = len(header)
    data = []
    for k, (fields, line) in enumerate(records[1:], start=2):
        if len(fields) > width:
            extra = [f for f in fields[width:] if f.strip()]
            errs.append(file_problem(
                file, "csv_fields",
                f"this row has {len(fields)} fields but the header has {width}"
                + (f"; the extra values are {', '.join(map(repr, extra[:5]))}" if extra else ""),
                f"{width} field{'s' if width != 1 else ''} separated by {sep!r}; text containing {sep!r} "
                "must be in quotes",
                row=k, line=line,
            ))
        data.append((fields + [""] * width)[:width])
    return list(header), [_object_column([r[i] for r in data]) for i in range(width)]


def _csv_records(path: Path, file: str, encoding: str, sep: str) -> list[tuple[list[str], int]]:
    """Every record of a CSV file with the physical line it starts on (slow path)."""
    out: list[tuple[list[str], int]] = []
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(max(limit, path.stat().st_size + 1))  # a cell may be as long as the file
        with open(path, encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=sep, quotechar='"', doublequote=True)
            start = 1
            for rec in reader:
                if not out and rec and encoding == "utf-16":
                    rec[0] = rec[0].lstrip("\ufeff")
                out.append((rec, start))
                start = reader.line_num + 1
    except UnicodeDecodeError:
        raise _not_text(file, encoding) from None
    except csv.Error as exc:
        raise file_failed([file_problem(
            file, "file_unreadable", f"the file cannot be read as CSV ({exc})",
            "a CSV text file (in Excel: Save as 'CSV UTF-8')",
        )]) from None
    finally:
        csv.field_size_limit(limit)
    if not out:
        out.append(([], 1))
    return out


def csv_lines(path: Path, file: str, encoding: str, sep: str) -> list[int]:
    """Physical start line of every record (index 0 = header)."""
    return [line for _, line in _csv_records(path, file, encoding, sep)]


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def read_xlsx(path: Path, file: str, sheet: str | int | None, known: set[str], warn: list[Problem]) -> RawTable:
    """Read the named or first sheet; title rows above the header are skipped with a note in ``warn``.

    ``known`` holds the normalised headers that mark the header row.

    Raises
    ------
    DataError
        If the workbook cannot be opened, has no such sheet, is empty or has several header rows.
    """
    rows, title = _xlsx_rows(path, file, sheet)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise _empty(file, f"the sheet {title!r} is empty")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    h = _header_index(rows, known, file, title)
    above = [i + 1 for i in range(h) if any(c.strip() for c in rows[i])]
    if above:
        texts = [next(c for c in rows[i - 1] if c.strip()) for i in above]
        warn.append(ResponseProblem(
            file, fmt_rows(above), f"rows above the header (row {h + 1}) were skipped: "
            + "; ".join(repr(t[:60]) for t in texts[:3]), "", None, row=above[0], kind="skipped_rows", rows=tuple(above),
        ))
    data = rows[h + 1:]
    columns = [_object_column([r[i] for r in data]) for i in range(width)]
    return RawTable(headers=rows[h], columns=columns, rows=np.arange(h + 2, h + 2 + len(data)), header_row=h + 1,
                    format="xlsx", sheet=title)


def _xlsx_rows(path: Path, file: str, sheet: str | int | None) -> tuple[list[list[str]], str]:
    """Every row of the chosen sheet as strings, and the sheet's title.

    A damaged workbook can make openpyxl (zipfile, zlib, XML parser) raise almost
    any exception while opening *or* while iterating, so both are guarded with
    one broad ``except``; the problems we raise ourselves pass through.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise _not_xlsx(file, exc) from None
    try:
        ws = _choose_sheet(wb, file, sheet)
        rows = [[xl_cell_str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        return rows, ws.title
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - see docstring
        raise _not_xlsx(file, exc) from None
    finally:
        wb.close()


def _not_xlsx(file: str, exc: Exception) -> DataError:
    why = str(exc).strip() or type(exc).__name__
    return file_failed([file_problem(
        file, "file_unreadable", f"the file cannot be opened as an Excel workbook ({why})",
        "an .xlsx file saved by Excel or LibreOffice",
    )])


def _choose_sheet(wb: Any, file: str, sheet: str | int | None) -> Any:
    names = wb.sheetnames
    if not names:
        raise file_failed([file_problem(file, "sheet", "the workbook has no sheets", "a workbook with one sheet of responses")])
    if sheet is None:
        return wb.worksheets[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise file_failed([file_problem(
                file, "sheet", f"the workbook has no sheet number {sheet} (counting from 0)",
                "sheets " + ", ".join(f"{i} ({n!r})" for i, n in enumerate(names)),
            )])
        return wb.worksheets[sheet]
    match = [n for n in names if n == sheet] or [n for n in names if norm(n) == norm(sheet)]
    if not match:
        raise file_failed([file_problem(
            file, "sheet", f"the workbook has no sheet called {sheet!r}", "sheets " + ", ".join(map(repr, names)),
        )])
    return wb[match[0]]


def _header_index(rows: list[list[str]], known: set[str], file: str, title: str) -> int:
    """0-based index of the header row: the one row in the first rows that names known columns."""
    scores = [(i, sum(header_key(c) in known or norm(c) in known or norm(_HEAD_TOKEN.split(c.strip(), 1)[0]) in known
                      for c in r if c.strip()))
              for i, r in enumerate(rows[:_HEADER_SCAN_ROWS])]
    candidates = [i for i, s in scores if s >= 2]
    if len(candidates) > 1:
        raise file_failed([file_problem(
            file, "header",
            f"rows {', '.join(str(i + 1) for i in candidates)} of sheet {title!r} all look like header rows",
            "one header row (respondent and item columns); delete or rename the other", row=candidates[0] + 1,
        )])
    if candidates:
        return candidates[0]
    ones = [i for i, s in scores if s == 1]
    return ones[0] if len(ones) == 1 else next(i for i, r in enumerate(rows) if any(c.strip() for c in r))


# --------------------------------------------------------------------------
# SPSS
# --------------------------------------------------------------------------


def read_sav(path: Path, file: str) -> RawTable:
    """Read an SPSS file (``.sav`` or ``.zsav``) with its value labels and user-missing ranges.

    Raises
    ------
    DataError
        If pyreadstat cannot read the file.
    """
    outcome, df, meta = _pyreadstat_isolated(path)
    if outcome != "ok":
        raise file_failed([file_problem(
            file, "file_unreadable", f"the file cannot be read as an SPSS data file ({outcome})",
            "a .sav file saved by SPSS, PSPP or pyreadstat",
        )])
    headers = [str(h) for h in meta.column_names]
    columns: list[np.ndarray] = []
    numeric: set[int] = set()
    for pos, name in enumerate(meta.column_names):
        col = df[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            numeric.add(pos)
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            strs = np.array([fmt_num(u) for u in uniques] + [""], dtype=object)
            columns.append(strs[codes])
        else:
            columns.append(col.astype(object).where(col.notna(), "").map(str).to_numpy(dtype=object))
    value_labels = {
        headers.index(name): {fmt_num(k) if isinstance(k, (int, float)) else str(k): str(v) for k, v in labels.items()}
        for name, labels in (meta.variable_value_labels or {}).items()
        if name in headers
    }
    return RawTable(headers=headers, columns=columns, rows=np.arange(1, len(df) + 1), header_row=0, format="sav",
                    value_labels=value_labels, missing_ranges=_sav_missing(meta, headers), numeric=numeric,
                    labels=[str(lab) if lab else "" for lab in (meta.column_labels or [""] * len(headers))])


def _pyreadstat(path: Path) -> tuple[str, Any, Any]:
    """``("ok", data, meta)`` from pyreadstat, or ``(why, None, None)`` for a file it refuses."""
    import pyreadstat

    try:  # read_sav reads .sav and compressed .zsav alike
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False,
                                       dates_as_pandas_datetime=False)
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises its own exception types for broken files
        return str(exc) or type(exc).__name__, None, None
    return "ok", df, meta


def _pyreadstat_isolated(path: Path) -> tuple[str, Any, Any]:
    """:func:`_pyreadstat` in a forked child process, so a damaged file cannot crash samanalyse.

    The C library under pyreadstat (ReadStat 1.3.8) crashes the whole process
    (segmentation fault) on some damaged SPSS files - about 1 in 200 randomly
    damaged exports in ``tests/io/test_fuzz.py``. The child reads the file and
    sends the result back through a pipe (pickled); if it dies, the file is
    reported as unreadable. Where ``os.fork`` does not exist (Windows) the file
    is read in-process.
    """
    if not hasattr(os, "fork"):
        return _pyreadstat(path)
    import pyreadstat  # noqa: F401 - imported before the fork, so the child need not

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, leave without running the parent's exit handlers
        code = 0
        try:
            os.close(r)
            if faulthandler.is_enabled():  # a crash here is expected and reported by the parent
                faulthandler.disable()
            try:
                payload = pickle.dumps(_pyreadstat(path), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - anything unpicklable is reported, not raised
                payload = pickle.dumps((f"{type(exc).__name__}: {exc}", None, None))
            with os.fdopen(w, "wb") as fh:
                fh.write(payload)
        except BaseException:  # noqa: BLE001 - the child must never return into the caller's code
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        payload = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not payload:
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        what = f"signal {sig}" if sig else f"exit status {os.waitstatus_to_exitcode(status)}"
        return f"the SPSS reader crashed on it with {what}, so the file is damaged", None, None
    return pickle.loads(payload)  # our own child's output


def _sav_missing(meta: Any, headers: list[str]) -> dict[int, list[tuple[float, float]]]:
    missing: dict[int, list[tuple[float, float]]] = {}
    for name, ranges in (meta.missing_ranges or {}).items():
        if name in headers:
            spans = []
            for r in ranges:
                try:
                    spans.append((float(r["lo"]), float(r["hi"])))
                except (TypeError, ValueError):
                    continue
            missing[headers.index(name)] = spans
    return missing
