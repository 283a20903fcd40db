"""Loading survey exports (CSV, Excel, SPSS) and checking them against the codebook.

A survey export is a table with one row per respondent: a respondent column
(kommunenummer or helseforetak) and one column per item of a form of the
codebook. :func:`read_responses` reads such a file, matches its columns to the
codebook, turns answers into the codebook's labels and checks everything it
can, reporting *all* problems at once (file, spreadsheet row, column, value and
what is allowed). :func:`validate_responses` does the same without raising, for
the ``samanalyse validate`` command. :func:`write_responses` writes responses
back as CSV, XLSX or SAV without losing anything, and :func:`load_responses`
reads the response file of a round shipped with the package.

Rules, in the order they are applied
------------------------------------
Files
    ``.csv``/``.txt``/``.tsv``: UTF-8 with or without BOM, UTF-16 with BOM,
    else Windows-1252 (else Latin-1); separator ``;``, ``,``, tab or ``|``,
    chosen as the one that gives the same number of fields in the first rows;
    quoted line breaks are kept. ``.xlsx``/``.xlsm``: the named or first sheet;
    title rows above the header are skipped (with a warning) when exactly one
    row in the first 30 looks like a header. ``.sav``/``.zsav``: value labels
    and user-defined missing values are read with pyreadstat. Input files are
    never modified.
Rows
    ``row`` in every problem is the row number a spreadsheet shows (the header
    row is row 1 in a CSV file; title rows count in Excel). For SPSS files it
    is the case number (SPSS *Data View*). For CSV files ``line`` is the
    physical line in the file where the row starts (they differ when free text
    holds line breaks). Completely empty rows are skipped with a warning.
Columns
    An export column is matched to a codebook item, in this order, by the
    ``mapping`` argument (``{export column: item id}``; ``None`` ignores the
    column), by item id, by one of the item's ``aliases``, or by the item's
    question text; all but the mapping ignore case and repeated whitespace.
    The respondent column is ``respondent`` or one of
    :data:`RESPONDENT_ALIASES`.
Answers
    Closed items accept the category label (case and surrounding whitespace
    ignored, aliases accepted, see :meth:`Scale.code_of`) or the category code.
    Blank is no answer (``NA``); *Vet ikke/ikke aktuelt* is a category, not
    ``NA``. A column that mixes codes and labels is accepted with a warning,
    because codes and labels of a scale cannot be confused unless a label
    itself looks like a number; if one does, mixing is an error, and so is any
    cell that is the label of one category and the code of another unless the
    rest of its column says whether it holds codes or labels. Free-text items
    are kept exactly as written (a cell of spaces is text, not blank).
Respondents
    Kommunenummer are accepted as printed anywhere (``301``, ``0301``,
    ``0301 Oslo``, ``301.0``) and normalised to four digits; they must be in
    the register of the round's year (Spitsbergen, 2111, included). Helseforetak
    must be in the register of the year (case and whitespace ignored) and are
    normalised to the register's spelling.
Formula neutralisation
    Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (OWASP, "CSV injection"). When writing CSV
    or XLSX, every cell that starts with one of those characters - or with one
    or more ``'`` followed by one of them - gets one extra leading ``'``. When
    reading CSV or XLSX, a cell that starts with ``'`` followed by such a cell
    loses exactly one ``'``. Writing adds the quote exactly when reading
    removes it, so the round trip is lossless for every text, including texts
    that really start with ``'=``. SPSS files are neither neutralised nor
    un-neutralised.
Limits of the formats
    SPSS pads strings with spaces, so trailing spaces of free text cannot be
    stored in a SAV file (:func:`write_responses` warns when it drops them).
    XLSX cannot hold control characters or a bare carriage return; they are
    written with Excel's own ``_xHHHH_`` escapes and read back.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import hashlib
import io
import math
import os
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from samanalyse.survey.codebook import Codebook, Item, Scale, read_codebook
from samanalyse.survey.rounds import load_codebook
from samanalyse.errors import DataError, DataFixWarning, Problem, ResponsesNotFoundError, SamanalyseError

__all__ = [
    "Responses",
    "Provenance",
    "ResponseProblem",
    "ValidationReport",
    "ResponsesNotFoundError",
    "read_responses",
    "validate_responses",
    "write_responses",
    "load_responses",
    "RESPONDENT_ALIASES",
    "FORMULA_CHARS",
    "SUPPORTED_SUFFIXES",
    "PROBLEM_KINDS",
]

#: Header names (case, spaces, ``_``, ``-`` and ``.`` ignored) accepted for the respondent column.
RESPONDENT_ALIASES: tuple[str, ...] = (
    "respondent",
    "respondent_id",
    "respondentid",
    "kommunenummer",
    "kommunenr",
    "kommune_nr",
    "knr",
    "kommune",
    "helseforetak",
    "hf",
    "foretak",
)

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_CHARS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: File name endings that :func:`read_responses` reads, and the format of each.
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
}

#: Every kind of problem the loader reports, with a title for grouped reports.
PROBLEM_KINDS: dict[str, str] = {
    # the file
    "file_type": "File type not supported",
    "file_empty": "Empty file",
    "file_unreadable": "File cannot be read",
    "csv_quote": "Unclosed quote",
    "csv_fields": "Rows with more fields than the header",
    "sheet": "Sheet not found",
    "header": "Header row unclear",
    "no_rows": "No respondents",
    # columns
    "no_respondent_column": "No respondent column",
    "unknown_column": "Unknown columns",
    "missing_column": "Missing columns",
    "other_form_column": "Questions of another form",
    "duplicate_column": "Columns that appear twice",
    "ambiguous_column": "Columns matching several items",
    "unnamed_column": "Columns without a header",
    "mapping": "Column mapping",
    # values
    "out_of_scale": "Values outside the item's scale",
    "ambiguous_value": "Values that could be a code or a label",
    "mixed_codes_labels": "Columns mixing codes and labels",
    # respondents
    "missing_respondent": "Rows without a respondent",
    "duplicate_respondent": "Respondents that appear twice",
    "bad_kommunenummer": "Kommunenummer that cannot be read",
    "unknown_kommune": "Kommunenummer not in the register",
    "kommune_name_mismatch": "Kommune name does not match the number",
    "unknown_helseforetak": "Helseforetak not in the register",
    # warnings (data fixes and notes)
    "bom": "Byte order mark removed",
    "encoding": "File is not UTF-8",
    "skipped_rows": "Rows above the header skipped",
    "empty_row": "Empty rows skipped",
    "empty_column": "Empty columns without a header ignored",
    "ignored_column": "Columns ignored on request",
    "whitespace": "Surrounding whitespace removed",
    "respondent_fixed": "Respondent names normalised",
    "no_answers": "Respondents without any answer",
    "user_missing": "SPSS missing values read as no answer",
    "sav_label_mismatch": "SPSS value labels that differ from the codebook",
}

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]0+)?$")
_KNR_RE = re.compile(r"^(\d{1,4})(?:[.,]0+)?(?:\s*[-–:,]?\s*(\D.*))?$", re.S)
_NEUTRALISED_RE = re.compile(r"^''*[=+\-@\t\r]")  # a cell we neutralised: ' + ('* formula char)
_NEEDS_NEUTRAL_RE = re.compile(r"^'*[=+\-@\t\r]")
_XL_ESCAPE_RE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XL_LITERAL_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4})")
_XL_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
_MAX_LISTED_ROWS = 10
_HEADER_SCAN_ROWS = 30


# --------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseProblem(Problem):
    """A :class:`~samanalyse.errors.Problem` in a response file, with its cell.

    Attributes
    ----------
    row : int or None
        Row as a spreadsheet shows it (1-based, header included); the first
        row where the problem occurs. For SPSS files, the case number.
    column : str or None
        The export column's header as written in the file.
    value : str or None
        The offending value as written.
    kind : str
        Short name of the kind of problem, a key of :data:`PROBLEM_KINDS`.
    rows : tuple of int
        Every row where the same problem (same column, same value) occurs.
    """

    row: int | None = None
    column: str | None = None
    value: str | None = None
    kind: str = ""
    rows: tuple[int, ...] = ()

    def describe(self, *, with_file: bool = True) -> str:
        """One readable line: where, what is wrong, what is allowed."""
        where = self.where
        if self.line is not None and self.line != self.row:
            where += f" (line {self.line} of the file)"
        text = f"{self.file}: {where}: " if with_file else f"{where}: "
        text += _sentence(self.message)
        if self.allowed:
            text += f" Allowed: {_sentence(self.allowed)}"
        return text

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Provenance:
    """Where loaded responses come from.

    Attributes
    ----------
    file : str
        File name (without folder).
    path : str
        Absolute path of the file.
    sha256 : str
        SHA-256 of the file's bytes.
    format : {"csv", "xlsx", "sav"}
        File format.
    sheet : str or None
        Excel sheet read.
    encoding : str or None
        Text encoding detected (CSV only): ``utf-8``, ``utf-8-sig`` (with BOM),
        ``utf-16``, ``cp1252`` or ``latin-1``.
    separator : str or None
        Field separator detected (CSV only).
    header_row : int
        Row of the header (0 for SPSS files, which have none).
    rows_read : int
        Data rows read below the header, empty rows included.
    """

    file: str
    path: str
    sha256: str
    format: str
    sheet: str | None
    encoding: str | None
    separator: str | None
    header_row: int
    rows_read: int


@dataclass(frozen=True, eq=False)
class Responses:
    """Respondent-level answers of one form, checked against the codebook.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent: ``respondent`` first (4-digit kommunenummer or
        the helseforetak's register name, string dtype), then one column per
        item of the form in codebook order. Closed items are
        :class:`pandas.Categorical` with the scale's labels in codebook order;
        free-text items are ``string`` dtype. No answer is ``NA``.
    codebook : Codebook
        The codebook the data was checked against.
    form : str
        The form (``"kommune"`` or ``"helseforetak"`` in 2010).
    round : str
        The survey round (its register year was used for the checks).
    provenance : Provenance or None
        The file read (``None`` for responses built in memory).
    warnings : list of Problem
        Fixes and notes (whitespace removed, BOM removed, ...).
    source_rows : tuple of int
        For each row of ``data``, its row in the file (see :class:`ResponseProblem`).
    """

    data: pd.DataFrame
    codebook: Codebook
    form: str
    round: str
    provenance: Provenance | None = None
    warnings: list[Problem] = field(default_factory=list)
    source_rows: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        src = f" from {self.provenance.file}" if self.provenance else ""
        return (
            f"<Responses round {self.round}, form {self.form}: {len(self.data)} respondents x "
            f"{self.data.shape[1] - 1} items{src}>"
        )

    @property
    def item_ids(self) -> list[str]:
        """Item ids of the columns after ``respondent``."""
        return [c for c in self.data.columns if c != "respondent"]

    def codes(self) -> pd.DataFrame:
        """The data with closed items as their numeric codes (``Int64``, ``NA`` for no answer).

        Returns
        -------
        pandas.DataFrame
            Same shape and columns as :attr:`data`; free text unchanged.
        """
        out = self.data.copy()
        for iid in self.item_ids:
            item = self.codebook.item(iid)
            if item.scale is not None:
                codes = np.asarray(item.scale.codes(), dtype="int64")
                cat = out[iid].cat.codes.to_numpy()
                values = pd.array(np.where(cat >= 0, codes[np.maximum(cat, 0)], 0), dtype="Int64")
                values[cat < 0] = pd.NA
                out[iid] = values
        return out


@dataclass(frozen=True)
class ValidationReport:
    """Everything :func:`validate_responses` found in a file.

    Attributes
    ----------
    file : str
        The file checked.
    form : str
        The form it was checked as.
    round : str
        The round whose codebook and registers were used.
    errors : list of Problem
        Problems that make the file unusable until fixed.
    warnings : list of Problem
        Fixes that were applied and notes; the file is usable.
    responses : Responses or None
        The loaded responses when there are no errors.
    provenance : Provenance or None
        What was read (``None`` if the file could not be read at all).
    """

    file: str
    form: str
    round: str
    errors: list[Problem]
    warnings: list[Problem]
    responses: Responses | None = None
    provenance: Provenance | None = None

    @property
    def ok(self) -> bool:
        """True if there are no errors."""
        return not self.errors

    def summary(self) -> str:
        """One line: valid or not, how many errors, warnings and respondents."""
        n_e, n_w = len(self.errors), len(self.warnings)
        state = "VALID" if self.ok else "INVALID"
        resp = f", {len(self.responses)} respondents" if self.responses is not None else ""
        return (
            f"{state}: {Path(self.file).name} ({self.form} form, round {self.round}): "
            f"{n_e} error{'s' if n_e != 1 else ''}, {n_w} warning{'s' if n_w != 1 else ''}{resp}."
        )

    def format(self) -> str:
        """A readable report: errors grouped by kind, then warnings, then the summary line."""
        lines: list[str] = [f"Checked {self.file} against the {self.round} codebook ({self.form} form)."]
        if self.provenance is not None:
            p = self.provenance
            bits = [f"{p.rows_read} data rows", p.format.upper()]
            if p.sheet:
                bits.append(f"sheet {p.sheet!r}")
            if p.encoding:
                bits.append(f"encoding {p.encoding}")
            if p.separator:
                bits.append(f"separator {p.separator!r}")
            lines.append("Read: " + ", ".join(bits) + ".")
        for title, problems in (("ERRORS", self.errors), ("WARNINGS", self.warnings)):
            if not problems:
                continue
            lines += ["", f"{title} ({len(problems)})"]
            groups: dict[str, list[Problem]] = {}
            for p in problems:
                groups.setdefault(getattr(p, "kind", "") or "other", []).append(p)
            for kind, group in groups.items():
                lines.append(f"  {PROBLEM_KINDS.get(kind, 'Other problems')} ({len(group)}):")
                for p in group:
                    if isinstance(p, ResponseProblem):
                        lines.append("    - " + p.describe(with_file=False))
                    else:
                        lines.append(f"    - {p.where}: {_sentence(p.message)}"
                                     + (f" Allowed: {_sentence(p.allowed)}" if p.allowed else ""))
        lines += ["", self.summary()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def _sentence(text: str) -> str:
    """Text with a full stop at the end (messages are stored without one)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _norm(text: object) -> str:
    """Case- and whitespace-insensitive key."""
    return " ".join(str(text).split()).casefold()


def _header_key(text: object) -> str:
    """Key for respondent-column aliases: also ignores ``_``, ``-``, ``.`` and spaces."""
    return re.sub(r"[\s_.\-]", "", str(text)).casefold()


_RESPONDENT_KEYS = {_header_key(a): i for i, a in enumerate(RESPONDENT_ALIASES)}


def _col_letter(pos: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 -> A, 26 -> AA)."""
    out = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        out = chr(65 + rem) + out
    return out


def _fmt_rows(rows: list[int] | np.ndarray, word: str = "row") -> str:
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"{word} {rows[0]}"
    shown = ", ".join(map(str, rows[:_MAX_LISTED_ROWS]))
    more = f" and {len(rows) - _MAX_LISTED_ROWS} more" if len(rows) > _MAX_LISTED_ROWS else ""
    return f"{word}s {shown}{more} ({len(rows)} {word}s)"


def _fmt_num(x: float) -> str:
    """A number as a person would type it: ``301.0`` -> ``301``."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def _neutralise(text: str) -> str:
    """Prefix one ``'`` to a cell a spreadsheet would run as a formula (see module docs)."""
    return "'" + text if _NEEDS_NEUTRAL_RE.match(text) else text


def _unneutralise(text: str) -> str:
    """Undo :func:`_neutralise`: drop one leading ``'`` before a formula-like cell."""
    return text[1:] if _NEUTRALISED_RE.match(text) else text


def _xl_escape(text: str) -> str:
    """Escape what XLSX cannot hold as Excel does (``_xHHHH_``), literal escapes included."""
    text = _XL_LITERAL_RE.sub("_x005F_", text)
    return _XL_ILLEGAL_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _xl_unescape(text: str) -> str:
    """Undo Excel's ``_xHHHH_`` escapes (openpyxl leaves them in place)."""
    if "_x" not in text:
        return text
    return _XL_ESCAPE_RE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), text)


def _xl_cell_str(value: object) -> str:
    """An Excel cell value as the text a user would see or type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _fmt_num(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return _xl_unescape(str(value))


def _scale_allowed(scale: Scale) -> str:
    cats = ", ".join(f"{c.label!r} (code {c.code})" for c in scale.categories)
    return f"{cats}, or blank for no answer"


# --------------------------------------------------------------------------
# Argument checks (raise at once: these are mistakes in the call, not in the file)
# --------------------------------------------------------------------------


def _check_codebook(codebook: Codebook | str | Path) -> Codebook:
    if isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, (str, Path)):
        p = Path(codebook)
        if p.suffix.lower() in (".yaml", ".yml"):
            return read_codebook(p)
        try:
            return load_codebook(str(codebook))
        except FileNotFoundError as exc:
            raise SamanalyseError(f"No codebook for {str(codebook)!r}: {exc}") from None
    raise SamanalyseError(
        f"codebook must be a Codebook, a round name like '2010' or a codebook .yaml file; got {type(codebook).__name__}."
    )


def _check_form(codebook: Codebook, form: str) -> str:
    if form not in codebook.forms:
        raise SamanalyseError(
            f"Unknown form {form!r}; the {codebook.round} codebook has the forms {', '.join(codebook.forms)}."
        )
    return form


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise ResponsesNotFoundError(f"The file {p} does not exist.")
    if p.is_dir():
        raise ResponsesNotFoundError(f"{p} is a folder, not a response file.")
    return p


def _check_mapping(mapping: Mapping[str, str | None] | None, codebook: Codebook) -> dict[str, str | None]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise SamanalyseError(f"mapping must be a dict {{export column: item id}}; got {type(mapping).__name__}.")
    bad = [f"{k!r}: {v!r}" for k, v in mapping.items() if v is not None and v != "respondent" and v not in codebook]
    if bad:
        raise SamanalyseError(
            f"mapping names items that are not in the {codebook.round} codebook: {', '.join(bad)}. "
            f"Allowed targets: 'respondent', None (ignore the column), or an item id such as "
            f"{', '.join(codebook.item_ids()[:3])}."
        )
    return {str(k): v for k, v in mapping.items()}


def _check_sheet(sheet: str | int | None) -> None:
    if sheet is not None and not isinstance(sheet, (str, int)):
        raise SamanalyseError(f"sheet must be a sheet name or a 0-based number; got {type(sheet).__name__}.")


def _check_format(format: str | None, path: Path) -> str:
    fmt = format or SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt not in ("csv", "xlsx", "sav"):
        raise SamanalyseError(
            f"Cannot tell which format to write {path.name} in (format={format!r}); "
            "use a name ending in .csv, .xlsx or .sav, or format='csv', 'xlsx' or 'sav'."
        )
    return fmt


# --------------------------------------------------------------------------
# Reading raw tables: every cell as a string, with its spreadsheet row
# --------------------------------------------------------------------------


@dataclass
class _Raw:
    headers: list[str]
    columns: list[pd.Series]  # object Series of str, "" = blank
    rows: np.ndarray  # spreadsheet row of each data record
    header_row: int
    format: str
    sheet: str | None = None
    encoding: str | None = None
    separator: str | None = None
    value_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    missing_ranges: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    numeric: set[int] = field(default_factory=set)
    _factors: dict[int, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def factor(self, pos: int) -> tuple[np.ndarray, list[str]]:
        """Codes and unique values of column ``pos`` (cached: checks work per unique value)."""
        if pos not in self._factors:
            col = self.columns[pos]
            if isinstance(col.dtype, pd.CategoricalDtype):  # CSV: pandas factorised while parsing
                codes = col.cat.codes.to_numpy().astype(np.intp)
                uniques = [str(u) for u in col.cat.categories]
            else:
                codes, uniq = pd.factorize(col.to_numpy(dtype=object), use_na_sentinel=False)
                uniques = [str(u) for u in uniq]
            self._factors[pos] = (codes, uniques)
        return self._factors[pos]

    def strings(self, pos: int) -> np.ndarray:
        """Column ``pos`` as an object array of str."""
        col = self.columns[pos]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes, uniques = self.factor(pos)
            return np.array(uniques + [""], dtype=object)[codes]
        return col.to_numpy(dtype=object)


class _FileFailed(Exception):
    """Internal: the file cannot be read at all; carries the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("file failed")
        self.problems = problems


def _file_problem(file: str, kind: str, message: str, allowed: str = "", row: int | None = None,
                  line: int | None = None) -> ResponseProblem:
    where = f"row {row}" if row is not None else "(whole file)"
    return ResponseProblem(file, where, message, allowed, line, row=row, kind=kind)


def _hash_and_detect(path: Path) -> tuple[str, str]:
    """SHA-256 of the file and its text encoding, in one pass over the bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        first = fh.read(1 << 20)
        h.update(first)
        if first.startswith(codecs.BOM_UTF16_LE) or first.startswith(codecs.BOM_UTF16_BE):
            enc = "utf-16"
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
            return h.hexdigest(), enc
        enc = "utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"
        dec = codecs.getincrementaldecoder("utf-8")("strict")
        ok = True
        try:
            dec.decode(first)
        except UnicodeDecodeError:
            ok = False
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            if ok:
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError:
                    ok = False
        if ok:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                ok = False
    if ok:
        return h.hexdigest(), enc
    try:
        with open(path, encoding="cp1252", newline="") as fh:
            for _ in iter(lambda: fh.read(1 << 20), ""):
                pass
        return h.hexdigest(), "cp1252"
    except UnicodeDecodeError:
        return h.hexdigest(), "latin-1"


def _sniff_separator(sample: str, truncated: bool) -> str:
    """The separator that gives the most consistent field counts in the first rows."""
    best: tuple[Any, ...] = (False, -1.0, 0)
    choice = ","
    for sep in (";", ",", "\t", "|"):
        try:
            records = list(csv.reader(io.StringIO(sample), delimiter=sep))
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
        raise _FileFailed([_file_problem(
            file, "file_unreadable", f"the file is named like a CSV text file but holds {kind}",
            "a CSV text file (in Excel: Save as 'CSV UTF-8'), an .xlsx workbook or an .sav file",
        )])


def _read_csv(path: Path, file: str, encoding: str, warn: list[Problem], errs: list[Problem]) -> _Raw:
    _check_text_file(path, file, encoding)
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        sample = fh.read(1 << 16)
        truncated = bool(fh.read(1))
    if encoding == "utf-16":
        sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise _FileFailed([_file_problem(file, "file_empty", "the file is empty", "a header row and one row per respondent")])
    sep = _sniff_separator(sample, truncated)
    if encoding == "utf-8-sig":
        warn.append(_file_problem(file, "bom", "the file starts with a byte order mark (BOM); it was removed"))
    elif encoding in ("cp1252", "latin-1"):
        name = "Windows-1252" if encoding == "cp1252" else "Latin-1"
        warn.append(_file_problem(
            file, "encoding", f"the file is not UTF-8; it was read as {name}",
            "UTF-8 (in Excel: 'CSV UTF-8'); if æ, ø and å look wrong in the report, save the file as CSV UTF-8",
        ))
    try:
        # dtype category: the parser factorises each column, so every later check works per
        # distinct value and the cells are never Python strings one by one (fast, small)
        frame = pd.read_csv(
            path, sep=sep, header=None, dtype="category", na_filter=False, keep_default_na=False,
            skip_blank_lines=False, encoding=encoding, quotechar='"', doublequote=True, engine="c",
            low_memory=False,
        )
        records = None
    except pd.errors.EmptyDataError:
        raise _FileFailed([_file_problem(file, "file_empty", "the file is empty", "a header row and one row per respondent")]) from None
    except pd.errors.ParserError as exc:
        m = re.search(r"EOF inside string starting at row (\d+)", str(exc))
        if m:
            row = int(m.group(1)) + 1
            raise _FileFailed([_file_problem(
                file, "csv_quote", 'a quote (") opened in this row is never closed, so the rest of the file is one cell',
                'quotes in pairs: "text with ; or line breaks"; a quote inside text is written twice ("")', row=row,
            )]) from None
        frame = None
        records = _csv_records(path, encoding, sep)
    if frame is not None:
        cols = [frame[c] for c in frame.columns]
        headers = [str(c.iat[0]) if len(c) else "" for c in cols]
        columns = [c.iloc[1:].reset_index(drop=True).cat.remove_unused_categories() for c in cols]
        n = len(frame) - 1
    else:
        assert records is not None
        header = records[0][0]
        width = len(header)
        data = []
        for k, (fields, line) in enumerate(records[1:], start=2):
            if len(fields) > width:
                extra = [f for f in fields[width:] if f.strip()]
                errs.append(_file_problem(
                    file, "csv_fields",
                    f"this row has {len(fields)} fields but the header has {width}"
                    + (f"; the extra values are {', '.join(map(repr, extra[:5]))}" if extra else ""),
                    f"{width} field{'s' if width != 1 else ''} separated by {sep!r}; text containing {sep!r} "
                    "must be in quotes",
                    row=k, line=line,
                ))
            data.append((fields + [""] * width)[:width])
        headers = list(header)
        columns = [pd.Series([r[i] for r in data], dtype=object) for i in range(width)]
        n = len(data)
    return _Raw(headers=headers, columns=columns, rows=np.arange(2, n + 2), header_row=1, format="csv",
                encoding=encoding, separator=sep)


def _csv_records(path: Path, encoding: str, sep: str) -> list[tuple[list[str], int]]:
    """Every record of a CSV file with the physical line it starts on (slow path)."""
    out: list[tuple[list[str], int]] = []
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, quotechar='"', doublequote=True)
        start = 1
        for rec in reader:
            if not out and rec and encoding == "utf-16":
                rec[0] = rec[0].lstrip("\ufeff")
            out.append((rec, start))
            start = reader.line_num + 1
    if not out:
        out.append(([], 1))
    return out


def _csv_lines(path: Path, encoding: str, sep: str) -> list[int]:
    """Physical start line of every record (index 0 = header)."""
    return [line for _, line in _csv_records(path, encoding, sep)]


def _read_xlsx(path: Path, file: str, sheet: str | int | None, known: set[str], warn: list[Problem]) -> _Raw:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise _FileFailed([_file_problem(
            file, "file_unreadable", f"the file cannot be opened as an Excel workbook ({exc})",
            "an .xlsx file saved by Excel or LibreOffice",
        )]) from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise _FileFailed([_file_problem(
                    file, "sheet", f"the workbook has no sheet number {sheet} (counting from 0)",
                    "sheets " + ", ".join(f"{i} ({n!r})" for i, n in enumerate(names)),
                )])
            ws = wb.worksheets[sheet]
        else:
            match = [n for n in names if n == sheet] or [n for n in names if _norm(n) == _norm(sheet)]
            if not match:
                raise _FileFailed([_file_problem(
                    file, "sheet", f"the workbook has no sheet called {sheet!r}", "sheets " + ", ".join(map(repr, names)),
                )])
            ws = wb[match[0]]
        rows = [[_xl_cell_str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        wb.close()
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise _FileFailed([_file_problem(file, "file_empty", f"the sheet {title!r} is empty",
                                         "a header row and one row per respondent")])
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    # the header: the row that names known columns; title rows above it are skipped
    scores = [(i, sum(_header_key(c) in known or _norm(c) in known for c in r if c.strip()))
              for i, r in enumerate(rows[:_HEADER_SCAN_ROWS])]
    candidates = [i for i, s in scores if s >= 2]
    if len(candidates) > 1:
        raise _FileFailed([_file_problem(
            file, "header",
            f"rows {', '.join(str(i + 1) for i in candidates)} of sheet {title!r} all look like header rows",
            "one header row (respondent and item columns); delete or rename the other", row=candidates[0] + 1,
        )])
    if candidates:
        h = candidates[0]
    else:
        ones = [i for i, s in scores if s == 1]
        h = ones[0] if len(ones) == 1 else next(i for i, r in enumerate(rows) if any(c.strip() for c in r))
    above = [i + 1 for i in range(h) if any(c.strip() for c in rows[i])]
    if above:
        texts = [next(c for c in rows[i - 1] if c.strip()) for i in above]
        warn.append(ResponseProblem(
            file, _fmt_rows(above), f"rows above the header (row {h + 1}) were skipped: "
            + "; ".join(repr(t[:60]) for t in texts[:3]), "", None, row=above[0], kind="skipped_rows", rows=tuple(above),
        ))
    headers = rows[h]
    data = rows[h + 1:]
    columns = [pd.Series([r[i] for r in data], dtype=object) for i in range(width)]
    return _Raw(headers=headers, columns=columns, rows=np.arange(h + 2, h + 2 + len(data)), header_row=h + 1,
                format="xlsx", sheet=title)


def _read_sav(path: Path, file: str) -> _Raw:
    import pyreadstat

    try:  # read_sav reads .sav and compressed .zsav alike
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False, dates_as_pandas_datetime=False)
    except Exception as exc:  # pyreadstat raises its own exception types for broken files
        raise _FileFailed([_file_problem(
            file, "file_unreadable", f"the file cannot be read as an SPSS data file ({exc})",
            "a .sav file saved by SPSS, PSPP or pyreadstat",
        )]) from None
    headers = list(meta.column_names)
    columns: list[pd.Series] = []
    numeric: set[int] = set()
    for pos, name in enumerate(headers):
        col = df[name]
        if pd.api.types.is_numeric_dtype(col.dtype):
            numeric.add(pos)
            codes, uniques = pd.factorize(col, use_na_sentinel=True)
            strs = np.array([_fmt_num(u) for u in uniques] + [""], dtype=object)
            columns.append(pd.Series(strs[codes], dtype=object))
        else:
            columns.append(pd.Series(col.astype(object).where(col.notna(), "").to_numpy(dtype=object), dtype=object))
    value_labels = {
        headers.index(name): {_fmt_num(k) if isinstance(k, (int, float)) else str(k): str(v) for k, v in labels.items()}
        for name, labels in (meta.variable_value_labels or {}).items()
        if name in headers
    }
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
    return _Raw(headers=headers, columns=columns, rows=np.arange(1, len(df) + 1), header_row=0, format="sav",
                value_labels=value_labels, missing_ranges=missing, numeric=numeric)


# --------------------------------------------------------------------------
# Matching columns
# --------------------------------------------------------------------------


@dataclass
class _Columns:
    respondent: int | None
    items: dict[str, int]  # item id -> position
    ignored: list[int]
    problems: list[Problem]
    warnings: list[Problem]


def _known_keys(codebook: Codebook, mapping: dict[str, str | None]) -> set[str]:
    keys = set(_RESPONDENT_KEYS)
    for it in codebook.item_list:
        keys.add(_norm(it.id))
        keys.update(_norm(a) for a in it.aliases)
        keys.add(_norm(it.text))
    keys.update(_norm(k) for k in mapping)
    return keys


def _match_columns(raw: _Raw, codebook: Codebook, form: str, mapping: dict[str, str | None], file: str) -> _Columns:
    by_id = {_norm(it.id): it.id for it in codebook.item_list}
    by_alias: dict[str, set[str]] = {}
    by_text: dict[str, set[str]] = {}
    for it in codebook.item_list:
        for a in it.aliases:
            by_alias.setdefault(_norm(a), set()).add(it.id)
        by_text.setdefault(_norm(it.text), set()).add(it.id)
    norm_mapping = {_norm(k): v for k, v in mapping.items()}
    form_ids = set(codebook.item_ids(form))
    other_forms = [f for f in codebook.forms if f != form]

    def where(pos: int) -> str:
        head = raw.headers[pos]
        loc = f"column {head!r}"
        if raw.format != "sav":
            loc += f" ({_col_letter(pos)})"
        return (f"row {raw.header_row}, " if raw.header_row else "") + loc

    def problem(pos: int, kind: str, message: str, allowed: str = "") -> ResponseProblem:
        return ResponseProblem(file, where(pos), message, allowed, None, row=raw.header_row or None,
                               column=raw.headers[pos], kind=kind)

    problems: list[Problem] = []
    warns: list[Problem] = []
    items: dict[str, int] = {}
    resp_candidates: list[tuple[int, int]] = []  # (priority, pos)
    ignored: list[int] = []
    used_mapping: set[str] = set()
    ignore_hint = "remove the column, or ignore it (mapping={'%s': None} in Python, --ignore '%s' on the command line)"
    for pos, head in enumerate(raw.headers):
        key = _norm(head)
        if not key:
            if any(u.strip() for u in raw.factor(pos)[1]):
                problems.append(problem(pos, "unnamed_column", "this column has values but no header",
                                        "a header naming the respondent column or an item id"))
            else:
                warns.append(problem(pos, "empty_column", "an empty column without a header was ignored"))
            ignored.append(pos)
            continue
        target: str | None
        if head in mapping or key in norm_mapping:
            target = mapping[head] if head in mapping else norm_mapping[key]
            used_mapping.add(head if head in mapping else next(k for k in mapping if _norm(k) == key))
            if target is None:
                warns.append(problem(pos, "ignored_column", "ignored as requested"))
                ignored.append(pos)
                continue
            if target == "respondent":
                resp_candidates.append((-1, pos))
                continue
        elif _header_key(head) in _RESPONDENT_KEYS:
            resp_candidates.append((_RESPONDENT_KEYS[_header_key(head)], pos))
            continue
        elif key in by_id:
            target = by_id[key]
        elif key in by_alias and len(by_alias[key]) == 1:
            target = next(iter(by_alias[key]))
        elif key in by_text and len(by_text[key]) == 1:
            target = next(iter(by_text[key]))
        elif key in by_alias or key in by_text:
            ids = sorted(by_alias.get(key, set()) | by_text.get(key, set()), key=codebook.item_ids().index)
            problems.append(problem(
                pos, "ambiguous_column", f"this header matches the text of several items: {', '.join(ids)}",
                "the item id as header (e.g. " + ids[0] + "), or mapping={'" + head + "': '" + ids[0] + "'}",
            ))
            ignored.append(pos)
            continue
        else:
            problems.append(problem(
                pos, "unknown_column", "this column is not an item of the codebook",
                "respondent, the item ids of the " + form + " form (" + ", ".join(codebook.item_ids(form)[:4])
                + ", ...), their aliases or question texts; or " + ignore_hint % (head, head),
            ))
            ignored.append(pos)
            continue
        if target not in form_ids:
            item = codebook.item(target)
            problems.append(problem(
                pos, "other_form_column",
                f"{target} was asked only on the {', '.join(item.forms)} form, not on the {form} form",
                f"the items of the {form} form"
                + "".join(f"; if this is a {f} file, check it as one (--form {f}, or form='{f}' in Python)"
                          for f in item.forms if f in other_forms),
            ))
            ignored.append(pos)
            continue
        if target in items:
            first = items[target]
            problems.append(problem(
                pos, "duplicate_column",
                f"this column holds {target}, like column {raw.headers[first]!r}"
                + (f" ({_col_letter(first)})" if raw.format != "sav" else ""),
                f"each item in one column; {ignore_hint % (head, head)}",
            ))
            ignored.append(pos)
            continue
        items[target] = pos
    for k in mapping:
        if k not in used_mapping:
            problems.append(ResponseProblem(
                file, f"row {raw.header_row}" if raw.header_row else "(header)",
                f"the mapping names the column {k!r}, which the file does not have", "the headers of the file: "
                + ", ".join(map(repr, raw.headers[:8])) + (", ..." if len(raw.headers) > 8 else ""),
                None, row=raw.header_row or None, column=k, kind="mapping",
            ))
    respondent = None
    if resp_candidates:
        resp_candidates.sort()
        respondent = resp_candidates[0][1]
        for _, pos in resp_candidates[1:]:
            head = raw.headers[pos]
            problems.append(problem(
                pos, "duplicate_column",
                f"this column could also be the respondent column; {raw.headers[respondent]!r} is used",
                "one respondent column; " + ignore_hint % (head, head),
            ))
            ignored.append(pos)
    else:
        problems.append(ResponseProblem(
            file, f"row {raw.header_row}" if raw.header_row else "(header)",
            "no column names the respondent",
            "a column called 'respondent' (or " + ", ".join(repr(a) for a in RESPONDENT_ALIASES[3:]) + ")",
            None, row=raw.header_row or None, kind="no_respondent_column",
        ))
    for iid in codebook.item_ids(form):
        if iid not in items:
            item = codebook.item(iid)
            problems.append(ResponseProblem(
                file, f"row {raw.header_row}" if raw.header_row else "(header)",
                f"the file has no column for {iid} ({item.label})",
                f"a column headed {iid!r} (blank cells if nobody answered); " + ", ".join(f"{i!r}" for i in item.aliases),
                None, row=raw.header_row or None, column=iid, kind="missing_column",
            ) if item.aliases else ResponseProblem(
                file, f"row {raw.header_row}" if raw.header_row else "(header)",
                f"the file has no column for {iid} ({item.label})",
                f"a column headed {iid!r} (blank cells if nobody answered)",
                None, row=raw.header_row or None, column=iid, kind="missing_column",
            ))
    return _Columns(respondent, items, ignored, problems, warns)


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


class _Cells:
    """Problems about cells, grouped by (kind, column, value) so a repeated mistake is one line."""

    def __init__(self, raw: _Raw, file: str, keep: np.ndarray) -> None:
        self.raw = raw
        self.file = file
        self.keep = keep
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def where(self, pos: int | None, rows: list[int]) -> str:
        text = _fmt_rows(rows, "case" if self.raw.format == "sav" else "row")
        if pos is not None:
            text += f", column {self.raw.headers[pos]!r}"
            if self.raw.format != "sav":
                text += f" ({_col_letter(pos)})"
        return text

    def add(self, warning: bool, kind: str, pos: int | None, mask: np.ndarray, message: str,
            allowed: str = "", value: str | None = None) -> None:
        rows = self.raw.rows[mask & self.keep]
        if len(rows) == 0:
            return
        p = ResponseProblem(
            self.file, self.where(pos, list(rows)), message, allowed, None, row=int(rows[0]),
            column=self.raw.headers[pos] if pos is not None else None, value=value, kind=kind,
            rows=tuple(int(r) for r in rows),
        )
        (self.warnings if warning else self.errors).append(p)


def _in_ranges(value: str, ranges: list[tuple[float, float]]) -> bool:
    try:
        x = float(value)
    except ValueError:
        return False
    return any(lo <= x <= hi for lo, hi in ranges)


def _closed_column(raw: _Raw, pos: int, item: Item, cells: _Cells, unneutral: bool) -> pd.Categorical:
    """One closed item's column as a Categorical of labels, reporting bad cells (vectorised by unique value)."""
    scale = item.scale
    assert scale is not None  # closed items always have a scale (checked by read_codebook)
    codes, uniques = raw.factor(pos)
    n_u = len(uniques)
    counts = np.bincount(codes[cells.keep], minlength=n_u) if n_u else np.zeros(0, dtype=int)
    code_index = {c.code: i for i, c in enumerate(scale.categories)}
    numeric_labels = any(_NUMBER_RE.match(lbl.strip()) for lbl in scale.labels())
    vlabels = raw.value_labels.get(pos, {})
    mranges = raw.missing_ranges.get(pos, [])
    result = np.full(n_u, -1, dtype=np.int64)  # category index, -1 = NA
    kind = np.full(n_u, "", dtype=object)  # "", "L", "C", "AMB", "X", "MISS"
    alt = np.full(n_u, -1, dtype=np.int64)  # for AMB: the code reading (result holds the label reading)
    whitespace = np.zeros(n_u, dtype=bool)
    for k, u in enumerate(uniques):
        if unneutral:
            u = _unneutralise(u)
        s = u.strip()
        if not s:
            whitespace[k] = u != ""
            continue
        whitespace[k] = s != u
        if u in vlabels:  # SPSS value label: trust the label, else the code
            file_label = vlabels[u]
            by_label = by_code = None
            try:
                by_label = code_index[scale.code_of(file_label)]
            except KeyError:
                pass
            if _NUMBER_RE.match(s):
                by_code = code_index.get(int(float(s.replace(",", "."))))
            chosen = by_label if by_label is not None else by_code
            if chosen is not None:
                result[k], kind[k] = chosen, "SAV"
                cat = scale.categories[chosen]
                if by_label is None or not _NUMBER_RE.match(s) or int(float(s.replace(",", "."))) != cat.code:
                    cells.add(True, "sav_label_mismatch", pos, codes == k,
                              f"code {s} is labelled {file_label!r} in the SPSS file; read as {cat.label!r} "
                              f"(code {cat.code} in the codebook, matched by {'label' if by_label is not None else 'code'})",
                              _scale_allowed(scale), s)
            elif _in_ranges(s, mranges):
                kind[k] = "MISS"
                cells.add(True, "user_missing", pos, codes == k,
                          f"code {s} ({file_label!r}) is a missing value in the SPSS file and is not on the codebook's "
                          "scale; read as no answer", _scale_allowed(scale), s)
            else:
                kind[k] = "X"
                cells.add(False, "out_of_scale", pos, codes == k,
                          f"code {s} ({file_label!r} in the SPSS file) is not an answer to {item.id}",
                          _scale_allowed(scale), s)
            continue
        try:
            li: int | None = code_index[scale.code_of(s)]
        except KeyError:
            li = None
        ci = code_index.get(int(float(s.replace(",", ".")))) if _NUMBER_RE.match(s) else None
        if li is not None and ci is not None and li != ci:
            kind[k], result[k], alt[k] = "AMB", li, ci
        elif li is not None:
            kind[k], result[k] = "L", li
        elif ci is not None:
            kind[k], result[k] = "C", ci
        elif pos in raw.missing_ranges and _in_ranges(s, mranges):
            kind[k] = "MISS"
            cells.add(True, "user_missing", pos, codes == k,
                      f"{s} is a missing value in the SPSS file and is not on the codebook's scale; read as no answer",
                      _scale_allowed(scale), s)
        else:
            kind[k] = "X"
            cells.add(False, "out_of_scale", pos, codes == k,
                      f"{u!r} is not an answer to {item.id} (scale {scale.name!r})", _scale_allowed(scale), u)
    has_l = bool(counts[kind == "L"].sum()) if n_u else False
    has_c = bool(counts[kind == "C"].sum()) if n_u else False
    for k in np.flatnonzero(kind == "AMB"):
        lab, code = scale.categories[result[k]], scale.categories[alt[k]]
        if has_c and not has_l:
            result[k] = alt[k]
        elif not (has_l and not has_c):
            result[k] = -1
            cells.add(False, "ambiguous_value", pos, codes == k,
                      f"{uniques[k]!r} is the label of code {lab.code} and also the code of {code.label!r}; "
                      "the rest of the column does not say which is meant",
                      "only codes or only labels in a column: " + _scale_allowed(scale), uniques[k])
    if has_l and has_c:
        c_mask = np.isin(codes, np.flatnonzero(kind == "C"))
        l_rows = cells.raw.rows[np.isin(codes, np.flatnonzero(kind == "L")) & cells.keep]
        if numeric_labels:
            cells.add(False, "mixed_codes_labels", pos, c_mask,
                      "this column mixes codes and labels, and some labels of the scale look like numbers, so the "
                      f"codes cannot be told from labels (labels in {_fmt_rows(list(l_rows))})",
                      "only codes or only labels in a column: " + _scale_allowed(scale))
            result[kind == "C"] = -1
        else:
            cells.add(True, "mixed_codes_labels", pos, c_mask,
                      "these cells hold codes while the rest of the column holds labels; the codes were read as the "
                      "codebook's categories", _scale_allowed(scale))
    if whitespace.any():
        cells.add(True, "whitespace", pos, np.isin(codes, np.flatnonzero(whitespace)),
                  "spaces around the answer were removed" + (" (cells of only spaces read as no answer)"
                                                             if any(not uniques[k].strip() for k in np.flatnonzero(whitespace)) else ""))
    cat_codes = result[codes] if n_u else np.zeros(0, dtype=np.int64)
    return pd.Categorical.from_codes(cat_codes, dtype=scale.dtype())


def _text_column(raw: _Raw, pos: int, unneutral: bool) -> pd.arrays.StringArray:
    values = raw.strings(pos)
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        if v == "":
            out[i] = pd.NA
        else:
            out[i] = _unneutralise(v) if unneutral and v[:1] == "'" else v
    return pd.array(out, dtype=pd.StringDtype("python"))


# --------------------------------------------------------------------------
# Respondents
# --------------------------------------------------------------------------


def _kommune_names(full: str) -> set[str]:
    names = {_norm(full)}
    base = re.sub(r"\s*\(.*\)\s*", "", full)
    names.add(_norm(base))
    for part in re.split(r"\s+-\s+|/", base):
        names.add(_norm(part))
    inner = re.search(r"\((.*)\)", full)
    if inner:
        names.update(_norm(p) for p in inner.group(1).split(","))
    names.discard("")
    return names


@lru_cache(maxsize=8)
def _kommune_lookup(year: int) -> tuple[pd.DataFrame, dict[str, set[str]], dict[str, list[str]]]:
    """The kommune register of ``year``, accepted names per number, and numbers per name."""
    from samanalyse.survey.registers import kommuner as k_register

    reg = k_register(year, include_svalbard=True)
    names = {str(knr): _kommune_names(n) for knr, n in reg["navn"].items()}
    by_name: dict[str, list[str]] = {}
    for knr, ns in names.items():
        for n in ns:
            by_name.setdefault(n, []).append(knr)
    return reg, names, by_name


@lru_cache(maxsize=8)
def _helseforetak_lookup(year: int) -> dict[str, str]:
    """``{normalised name: register name}`` of the helseforetak of ``year``."""
    from samanalyse.survey.registers import helseforetak as hf_register

    return {_norm(n): str(n) for n in hf_register(year).index}


def _register_year(round: str, codebook: Codebook) -> int:
    from samanalyse.survey.rounds import load_round

    try:
        return load_round(round).register_year
    except FileNotFoundError:
        m = re.match(r"^(\d{4})", str(round))
        if m:
            return int(m.group(1))
        raise SamanalyseError(
            f"Round {round!r} is not shipped with samanalyse and its name is not a year, so the register year "
            "is unknown; pass round='<year>'."
        ) from None


def _respondent_column(raw: _Raw, pos: int, respondent_kind: str, year: int, cells: _Cells,
                       unneutral: bool) -> tuple[np.ndarray, np.ndarray]:
    """Normalised respondent ids (object array, None where missing/bad) and a 'blank' mask."""
    codes, uniques = raw.factor(pos)
    out_u = np.empty(len(uniques), dtype=object)
    blank_u = np.zeros(len(uniques), dtype=bool)
    ws_u = np.zeros(len(uniques), dtype=bool)
    head = raw.headers[pos]
    if respondent_kind == "kommune":
        reg, names, by_name = _kommune_lookup(year)
        allowed = f"a kommunenummer of the {year} register, written as 301, 0301 or '0301 Oslo'"
    elif respondent_kind == "helseforetak":
        canon = _helseforetak_lookup(year)
        allowed = f"a helseforetak of the {year} register: " + ", ".join(sorted(canon.values()))
    for k, u in enumerate(uniques):
        if unneutral:
            u = _unneutralise(u)
        s = u.strip()
        ws_u[k] = bool(s) and s != u
        if not s:
            blank_u[k] = True
            out_u[k] = None
            continue
        if respondent_kind == "kommune":
            m = _KNR_RE.match(s)
            if not m:
                guess = by_name.get(_norm(s), [])
                hint = f"; did you mean {guess[0]} {reg.at[guess[0], 'navn']}?" if len(guess) == 1 else ""
                cells.add(False, "bad_kommunenummer", pos, codes == k,
                          f"{u!r} is not a kommunenummer{hint}", allowed, u)
                out_u[k] = None
                continue
            knr = m.group(1).zfill(4)
            if knr not in reg.index:
                cells.add(False, "unknown_kommune", pos, codes == k,
                          f"{u!r}: there is no kommunenummer {knr} in the {year} register", allowed, u)
                out_u[k] = None
                continue
            given = (m.group(2) or "").strip()
            if given and _norm(given) not in names[knr]:
                cells.add(False, "kommune_name_mismatch", pos, codes == k,
                          f"{u!r}: kommunenummer {knr} is {reg.at[knr, 'navn']} in the {year} register, not {given}",
                          f"the number and name of the same kommune, e.g. '{knr} {reg.at[knr, 'navn']}'", u)
                out_u[k] = None
                continue
            out_u[k] = knr
        elif respondent_kind == "helseforetak":
            name = canon.get(_norm(s))
            if name is None:
                cells.add(False, "unknown_helseforetak", pos, codes == k,
                          f"{u!r} is not a helseforetak in the {year} register", allowed, u)
                out_u[k] = None
                continue
            if name != s:
                cells.add(True, "respondent_fixed", pos, codes == k, f"{u!r} read as {name!r} (the register's spelling)",
                          "", u)
            out_u[k] = name
        else:
            out_u[k] = s
    if ws_u.any():
        cells.add(True, "whitespace", pos, np.isin(codes, np.flatnonzero(ws_u)),
                  f"spaces around the respondent in column {head!r} were removed")
    return out_u[codes], blank_u[codes]


# --------------------------------------------------------------------------
# The core: read + check
# --------------------------------------------------------------------------


def _load(path: str | Path, codebook: Codebook | str | Path, form: str | None, sheet: str | int | None,
          mapping: Mapping[str, str | None] | None, round: str | None) -> ValidationReport:
    cb = _check_codebook(codebook)
    p = _check_path(path)
    _check_sheet(sheet)
    maps = _check_mapping(mapping, cb)
    if form is None:
        if len(cb.forms) != 1:
            raise SamanalyseError(f"Say which form the file holds: form= one of {', '.join(cb.forms)}.")
        form = next(iter(cb.forms))
    form = _check_form(cb, form)
    rnd = str(round) if round is not None else cb.round
    year = _register_year(rnd, cb)
    file = str(p)

    def fail(problems: list[Problem], warns: list[Problem] | None = None, prov: Provenance | None = None) -> ValidationReport:
        return ValidationReport(file, form, rnd, list(problems), list(warns or []), None, prov)

    fmt = SUPPORTED_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        hint = " Save it as .xlsx (Excel 2007 or later)." if p.suffix.lower() in (".xls", ".ods") else ""
        return fail([_file_problem(
            file, "file_type", f"files ending in {p.suffix or '(nothing)'!r} cannot be read.{hint}".replace(".. ", ". "),
            ", ".join(SUPPORTED_SUFFIXES),
        )])
    if p.stat().st_size == 0:
        return fail([_file_problem(file, "file_empty", "the file is empty", "a header row and one row per respondent")])
    warn: list[Problem] = []
    errors: list[Problem] = []
    sha, encoding = _hash_and_detect(p)
    try:
        if fmt == "csv":
            raw = _read_csv(p, file, encoding, warn, errors)
        elif fmt == "xlsx":
            raw = _read_xlsx(p, file, sheet, _known_keys(cb, maps), warn)
        else:
            raw = _read_sav(p, file)
    except _FileFailed as exc:
        return fail(exc.problems, warn)
    prov = Provenance(
        file=p.name, path=str(p.resolve()), sha256=sha, format=fmt, sheet=raw.sheet,
        encoding=raw.encoding, separator=raw.separator, header_row=raw.header_row, rows_read=len(raw.rows),
    )
    unneutral = fmt in ("csv", "xlsx")

    cols = _match_columns(raw, cb, form, maps, file)
    errors += cols.problems
    warn += cols.warnings

    # empty rows: every cell blank (spaces count as blank here)
    n = len(raw.rows)
    empty = np.ones(n, dtype=bool)
    for pos in range(len(raw.columns)):
        c, u = raw.factor(pos)
        if len(u):
            empty &= np.array([not s.strip() for s in u], dtype=bool)[c]
    keep = ~empty
    cells = _Cells(raw, file, keep)
    if empty.any():
        cells.keep = np.ones(n, dtype=bool)
        cells.add(True, "empty_row", None, empty, "empty rows were skipped")
        cells.keep = keep
    if not keep.any():
        errors.append(_file_problem(file, "no_rows", "the file has a header but no respondents",
                                    "one row per respondent below the header", row=raw.header_row or None))

    respondent_kind = cb.forms[form].respondent
    ids: np.ndarray | None = None
    if cols.respondent is not None:
        ids, blank = _respondent_column(raw, cols.respondent, respondent_kind, year, cells, unneutral)
        cells.add(False, "missing_respondent", cols.respondent, blank,
                  "this row has answers but no respondent",
                  "a kommunenummer" if respondent_kind == "kommune" else f"a {respondent_kind}")
        valid = np.array([x is not None for x in ids], dtype=bool) & keep
        if valid.any():
            ser = pd.Series(ids[valid])
            dup = ser.duplicated(keep=False).to_numpy()
            if dup.any():
                dup_ids = pd.unique(ser[dup])
                id_arr = np.where(valid, ids, None)
                for rid in dup_ids:
                    mask = id_arr == rid
                    rows = raw.rows[mask]
                    cells.add(False, "duplicate_respondent", cols.respondent, mask,
                              f"respondent {rid} appears {len(rows)} times (rows {', '.join(map(str, rows))})",
                              "each respondent once", str(rid))
                    last = cells.errors[-1]  # reported at the second occurrence
                    cells.errors[-1] = replace(last, row=last.rows[1])

    data: dict[str, Any] = {}
    for item in cb.items(form):
        pos = cols.items.get(item.id)
        if pos is None:
            continue
        if item.scale is not None:
            data[item.id] = _closed_column(raw, pos, item, cells, unneutral)
        else:
            data[item.id] = _text_column(raw, pos, unneutral)

    if ids is not None and data:
        answered = np.zeros(n, dtype=bool)
        for v in data.values():
            answered |= ~pd.isna(np.asarray(v, dtype=object)) if not isinstance(v, pd.Categorical) else (v.codes >= 0)
        cells.add(True, "no_answers", cols.respondent, keep & ~answered & np.array([x is not None for x in ids], dtype=bool),
                  "this respondent has no answers at all")

    errors += cells.errors
    warn += cells.warnings
    if fmt == "csv" and any(getattr(q, "row", None) for q in errors + warn):
        lines = _csv_lines(p, raw.encoding or "utf-8", raw.separator or ",")
        errors = [_with_line(q, lines) for q in errors]
        warn = [_with_line(q, lines) for q in warn]
    if errors:
        return fail(errors, warn, prov)

    assert ids is not None  # no errors => a respondent column was found
    frame = pd.DataFrame({"respondent": pd.array(ids[keep], dtype=pd.StringDtype("python"))})
    for iid in cb.item_ids(form):
        v = data[iid]
        frame[iid] = v[keep] if isinstance(v, pd.Categorical) else v[keep]
    frame = frame.reset_index(drop=True)
    resp = Responses(frame, cb, form, rnd, prov, list(warn), tuple(int(r) for r in raw.rows[keep]))
    return ValidationReport(file, form, rnd, [], list(warn), resp, prov)


def _with_line(q: Problem, lines: list[int]) -> Problem:
    row = getattr(q, "row", None)
    if row is None or q.line is not None:
        return q
    idx = row - 1  # CSV: header is row 1 = record 0
    return replace(q, line=lines[idx]) if 0 <= idx < len(lines) else q


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def validate_responses(
    path: str | Path,
    codebook: Codebook | str | Path,
    form: str | None = None,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str | None] | None = None,
    round: str | None = None,
) -> ValidationReport:
    """Check a survey export against the codebook and registers without raising.

    Parameters
    ----------
    path : str or Path
        The export: ``.csv``, ``.xlsx`` or ``.sav`` (see the module docs).
    codebook : Codebook, str or Path
        The codebook, a shipped round's name (``"2010"``) or a codebook ``.yaml``.
    form : str, optional
        The form the file holds (``"kommune"`` or ``"helseforetak"``); may be
        left out only when the codebook has one form.
    sheet : str or int, optional
        Excel sheet name or 0-based number (default: the first sheet).
    mapping : dict, optional
        ``{export column: item id}``; ``"respondent"`` marks the respondent
        column and ``None`` ignores a column.
    round : str, optional
        The round whose register year is used (default: the codebook's round).

    Returns
    -------
    ValidationReport
        All errors and warnings; ``report.responses`` holds the data when valid.

    Raises
    ------
    ResponsesNotFoundError
        If the file does not exist.
    SamanalyseError
        If an argument is wrong (unknown form, bad mapping, ...).
    """
    return _load(path, codebook, form, sheet, mapping, round)


def read_responses(
    path: str | Path,
    codebook: Codebook | str | Path,
    form: str | None = None,
    *,
    sheet: str | int | None = None,
    mapping: Mapping[str, str | None] | None = None,
    round: str | None = None,
) -> Responses:
    """Read a survey export and check it against the codebook and registers.

    Parameters
    ----------
    path : str or Path
        The export: ``.csv``, ``.xlsx`` or ``.sav`` (see the module docs).
    codebook : Codebook, str or Path
        The codebook, a shipped round's name (``"2010"``) or a codebook ``.yaml``.
    form : str, optional
        The form the file holds (``"kommune"`` or ``"helseforetak"``).
    sheet : str or int, optional
        Excel sheet name or 0-based number (default: the first sheet).
    mapping : dict, optional
        ``{export column: item id}``; ``"respondent"`` marks the respondent
        column and ``None`` ignores a column.
    round : str, optional
        The round whose register year is used (default: the codebook's round).

    Returns
    -------
    Responses
        The checked data. Each fix applied is in ``.warnings`` and emitted as a
        :class:`~samanalyse.errors.DataFixWarning`.

    Raises
    ------
    DataError
        Listing every problem found, each with file, row, column, value and
        what is allowed (``.problems``).
    ResponsesNotFoundError
        If the file does not exist.
    SamanalyseError
        If an argument is wrong (unknown form, bad mapping, ...).

    Examples
    --------
    >>> resp = read_responses("eksport.csv", "2010", "kommune")  # doctest: +SKIP
    >>> resp.data["q14"].value_counts()  # doctest: +SKIP
    """
    report = _load(path, codebook, form, sheet, mapping, round)
    if not report.ok:
        n = len(report.errors)
        raise DataError(
            f"{report.file} cannot be used as {report.form} responses of round {report.round}: "
            f"{n} problem{'s' if n != 1 else ''} (and {len(report.warnings)} warning"
            f"{'s' if len(report.warnings) != 1 else ''}):",
            report.errors,
        )
    for w in report.warnings:
        warnings.warn(DataFixWarning(str(w)), stacklevel=2)
    assert report.responses is not None
    return report.responses


def load_responses(round: str = "2010", form: str = "kommune") -> Responses:
    """Read the response file of a round shipped with samanalyse.

    Parameters
    ----------
    round : str
        Round name, e.g. ``"2010"``.
    form : str
        ``"kommune"`` or ``"helseforetak"``.

    Returns
    -------
    Responses

    Raises
    ------
    ResponsesNotFoundError
        If the round's response file does not exist (yet).
    DataError
        If the file does not fit the codebook.
    """
    from samanalyse.survey.rounds import load_round

    rnd = load_round(round)
    cb = rnd.codebook
    _check_form(cb, form)
    path = rnd.responses_path(form)
    if not path.exists():
        note = " The 2010 files are a reconstruction made by 'samanalyse reconstruct'." if rnd.reconstructed else ""
        raise ResponsesNotFoundError(
            f"The {form} responses of round {rnd.name} are not there yet: {path} does not exist.{note} "
            f"Put the file there (columns respondent + item ids, answers as labels) or read another file "
            f"with read_responses(path, '{rnd.name}', '{form}')."
        )
    return read_responses(path, cb, form, round=rnd.name)


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target``; renamed over it if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _as_text_frame(responses: Responses) -> pd.DataFrame:
    """All columns as object arrays of str ('' for no answer): labels for closed items."""
    out = {}
    for col in responses.data.columns:
        s = responses.data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
        else:
            out[col] = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(out)


def write_responses(responses: Responses, path: str | Path, *, format: Literal["csv", "xlsx", "sav"] | None = None) -> Path:
    """Write responses as CSV, XLSX or SAV, atomically and without losing anything.

    Parameters
    ----------
    responses : Responses
        What to write.
    path : str or Path
        Target file; replaced only when the write succeeds.
    format : {"csv", "xlsx", "sav"}, optional
        Default: from the file name's ending.

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    CSV: UTF-8 without BOM, ``,`` separator, header ``respondent`` + item ids,
    answers as labels, blank for no answer; every field is quoted if any free
    text holds a bare carriage return. XLSX: one sheet ``responses`` in the
    same layout. SAV: closed items as numeric codes with the scale's value
    labels (codes marked *missing* in the codebook declared as SPSS missing
    values), free text and the respondent as strings, item texts as variable
    labels. In CSV and XLSX, cells a spreadsheet would run as formulas are
    neutralised with a leading ``'`` that :func:`read_responses` removes again
    (see the module docs).
    """
    if not isinstance(responses, Responses):
        raise SamanalyseError(f"write_responses needs a Responses object; got {type(responses).__name__}.")
    target = Path(path)
    fmt = _check_format(format, target)
    if fmt == "sav":
        _write_sav(responses, target)
        return target
    text = _as_text_frame(responses)
    for col in text.columns:
        vals = text[col].to_numpy(dtype=object)
        codes, uniques = pd.factorize(vals)
        fixed = np.array([_neutralise(u) for u in uniques] or [""], dtype=object)
        text[col] = fixed[codes] if len(uniques) else vals
    if fmt == "csv":
        # csv quotes a field holding "\n" but not one holding only "\r", which readers take as a line end
        has_cr = any(
            (text[c].str.contains("\r", regex=False) & ~text[c].str.contains("\n", regex=False)).any()
            for c in text.columns
        )
        with _atomic_text(target) as fh:
            text.to_csv(fh, index=False, lineterminator="\n", quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)
    else:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("responses")
        ws.append([_xl_escape(c) for c in text.columns])
        arrays = [text[c].to_numpy(dtype=object) for c in text.columns]
        for i in range(len(text)):
            ws.append([_xl_escape(a[i]) if a[i] != "" else None for a in arrays])
        with _atomic_path(target) as tmp:
            wb.save(tmp)
    return target


@contextmanager
def _atomic_text(target: Path) -> Iterator[io.TextIOBase]:
    """Open a UTF-8 text file beside ``target`` that replaces it on success."""
    from samanalyse.io.atomic import atomic_file

    with atomic_file(target, "w", encoding="utf-8", newline="") as fh:
        yield fh


def _write_sav(responses: Responses, target: Path) -> None:
    import pyreadstat

    cb = responses.codebook
    df = pd.DataFrame({"respondent": responses.data["respondent"].astype(object).where(
        responses.data["respondent"].notna(), "").to_numpy(dtype=object)})
    labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[float]] = {}
    col_labels = ["Respondent"]
    measure = {"respondent": "nominal"}
    lost: list[str] = []
    for iid in responses.item_ids:
        item = cb.item(iid)
        s = responses.data[iid]
        col_labels.append(item.text)
        if item.scale is not None:
            codes = np.asarray(item.scale.codes(), dtype=float)
            cat = s.cat.codes.to_numpy()
            df[iid] = np.where(cat >= 0, codes[np.maximum(cat, 0)], np.nan)
            labels[iid] = {float(c.code): c.label for c in item.scale.categories}
            miss = [float(c.code) for c in item.scale.categories if c.missing is not None]
            if 0 < len(miss) <= 3:
                missing[iid] = miss
            measure[iid] = "nominal"
        else:
            vals = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
            for r, v in zip(responses.data["respondent"], vals):
                if v != v.rstrip(" "):
                    lost.append(f"{iid} of {r}")
            df[iid] = vals
            measure[iid] = "nominal"
    if lost:
        warnings.warn(DataFixWarning(
            f"SPSS files cannot keep trailing spaces of text; they are dropped in {target.name} for "
            f"{len(lost)} cell(s): {', '.join(lost[:5])}{' ...' if len(lost) > 5 else ''}"
        ), stacklevel=3)
    with _atomic_path(target) as tmp:
        pyreadstat.write_sav(df, str(tmp), column_labels=col_labels, variable_value_labels=labels,
                             missing_ranges=missing, variable_measure=measure)
