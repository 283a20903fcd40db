"""The mapping file: the escape hatch when automatic header matching cannot decide.

A CSV file with the columns ``column`` (the export's header as written) and
``item`` (an item id of the codebook, ``respondent`` for the respondent column,
or empty to leave the column out). UTF-8 (with or without BOM) or Windows-1252,
``,`` or ``;`` separated. ``samanalyse validate --mapping FILE``,
``validate_responses(..., mapping=FILE)`` and a round's ``mappings:`` in
``round.yaml`` read it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from samanalyse.errors import DataError, Problem

__all__ = ["MAPPING_COLUMNS", "read_mapping"]

#: The columns of a mapping file.
MAPPING_COLUMNS: tuple[str, str] = ("column", "item")


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"The mapping file {path} cannot be read ({exc.strerror or exc}).") from None
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_mapping(path: str | Path, item_ids: list[str] | None = None) -> dict[str, str | None]:
    """``{export column: item id, "respondent" or None}`` from a mapping file.

    Parameters
    ----------
    path : str or Path
        The CSV file (columns ``column,item``).
    item_ids : list of str, optional
        The codebook's item ids; an ``item`` that is none of them (nor
        ``respondent`` nor empty) is an error naming the row.

    Raises
    ------
    DataError
        If the file cannot be read, lacks a column, names a column twice or an
        unknown item (every problem, with its row).
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"The mapping file {p} does not exist (or is not a file). It is a CSV file with the columns "
                        "column,item: one row per export column, the item id or empty to leave the column out.")
    text = _text(p)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    header = [h.strip().casefold() for h in rows[0]] if rows else []
    missing = [c for c in MAPPING_COLUMNS if c not in header]
    if missing:
        raise DataError(f"The mapping file {p} has no column {' or '.join(map(repr, missing))}; its first row must be "
                        f"'column{sep}item' (it is {first.strip()!r}).")
    ci, ii = header.index("column"), header.index("item")
    out: dict[str, str | None] = {}
    problems: list[Problem] = []
    allowed = "an item id of the codebook" + (f" ({', '.join(item_ids[:4])}, ...)" if item_ids else "") \
        + ", 'respondent', or empty to leave the column out"
    for n, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        r = r + [""] * (len(header) - len(r))
        col, item = r[ci], r[ii].strip()
        if col in out:
            problems.append(Problem(str(p), f"row {n}, column 'column'", f"the column {col!r} is named twice",
                                    "each export column once"))
        elif item and item != "respondent" and item_ids is not None and item not in item_ids:
            problems.append(Problem(str(p), f"row {n}, column 'item'", f"{item!r} is not an item of the codebook",
                                    allowed))
        out[col] = item or None
    if problems:
        raise DataError(f"The mapping file {p} cannot be used:", problems)
    return out
