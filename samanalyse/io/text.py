"""Cells as text: normalised keys, row lists, numbers, formula neutralisation, Excel escapes.

Small pure functions shared by the readers (:mod:`samanalyse.io.formats`), the
column and answer checks and the writer (:mod:`samanalyse.io.write`). The rules
for formula neutralisation and Excel escapes are described in
:mod:`samanalyse.io.responses`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re

import numpy as np

__all__ = [
    "FORMULA_CHARS",
    "MAX_LISTED_ROWS",
    "col_letter",
    "fmt_num",
    "fmt_rows",
    "header_key",
    "neutralise",
    "norm",
    "sentence",
    "unneutralise",
    "xl_cell_str",
    "xl_escape",
    "xl_unescape",
]

#: Characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_CHARS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: At most this many rows are listed in one problem (the rest are counted).
MAX_LISTED_ROWS = 10

_NEUTRALISED_RE = re.compile(r"^''*[=+\-@\t\r]")  # a cell we neutralised: ' + ('* formula char)
_NEEDS_NEUTRAL_RE = re.compile(r"^'*[=+\-@\t\r]")
_XL_ESCAPE_RE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XL_LITERAL_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4})")
_XL_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")


def sentence(text: str) -> str:
    """Text with a full stop at the end (messages are stored without one)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def norm(text: object) -> str:
    """Case- and whitespace-insensitive key."""
    return " ".join(str(text).split()).casefold()


def header_key(text: object) -> str:
    """Key for respondent-column aliases: also ignores ``_``, ``-``, ``.`` and spaces."""
    return re.sub(r"[\s_.\-]", "", str(text)).casefold()


def col_letter(pos: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 -> A, 26 -> AA)."""
    out = ""
    pos += 1
    while pos:
        pos, rem = divmod(pos - 1, 26)
        out = chr(65 + rem) + out
    return out


def fmt_rows(rows: list[int] | np.ndarray, word: str = "row") -> str:
    """``row 3`` or ``rows 2, 3, 5 (3 rows)``, listing at most :data:`MAX_LISTED_ROWS`."""
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"{word} {rows[0]}"
    shown = ", ".join(map(str, rows[:MAX_LISTED_ROWS]))
    more = f" and {len(rows) - MAX_LISTED_ROWS} more" if len(rows) > MAX_LISTED_ROWS else ""
    return f"{word}s {shown}{more} ({len(rows)} {word}s)"


def fmt_num(x: float) -> str:
    """A number as a person would type it: ``301.0`` -> ``301``."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def neutralise(text: str) -> str:
    """Prefix one ``'`` to a cell a spreadsheet would run as a formula (see module docs)."""
    return "'" + text if _NEEDS_NEUTRAL_RE.match(text) else text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: drop one leading ``'`` before a formula-like cell."""
    return text[1:] if _NEUTRALISED_RE.match(text) else text


def xl_escape(text: str) -> str:
    """Escape what XLSX cannot hold as Excel does (``_xHHHH_``), literal escapes included."""
    text = _XL_LITERAL_RE.sub("_x005F_", text)
    return _XL_ILLEGAL_RE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def xl_unescape(text: str) -> str:
    """Undo Excel's ``_xHHHH_`` escapes (openpyxl leaves them in place)."""
    if "_x" not in text:
        return text
    return _XL_ESCAPE_RE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), text)


def xl_cell_str(value: object) -> str:
    """An Excel cell value as the text a user would see or type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return fmt_num(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return value.isoformat() if not isinstance(value, _dt.timedelta) else str(value)
    return xl_unescape(str(value))
