"""The published figures of a survey round, as typed tables.

A round's published numbers are transcribed in ``data/published/<round>/``
(format documented in that folder's ``README.md``):

- ``cells.csv``: one row per printed number (or blank/unreadable cell) of the
  study's tables, with its table, population, breakdown, group, item,
  category, value, status, base and line in the study text;
- ``tables.csv``: one row per table (caption, kind, items, populations, the
  n's printed in the caption);
- ``statements.csv``: one row per quantitative statement of the running text,
  with a machine-readable reading (``implied``) and the tables it should agree
  with.

:func:`load_published` reads and checks all three; :mod:`samanalyse.audit`
checks the numbers against each other.

Examples
--------
>>> from samanalyse.published import load_published
>>> pub = load_published("2010")  # a Round, a shipped round's name or a round folder
>>> int(pub.cells.loc[pub.cells["cell_id"] == "T01-018", "value"].iloc[0])
71
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from samanalyse.errors import DataError, Problem, RoundNotFoundError

if TYPE_CHECKING:
    from samanalyse.survey.rounds import Round

__all__ = [
    "Published",
    "load_published",
    "read_published",
    "read_published_cells",
    "read_cells",
    "read_tables",
    "read_statements",
    "published_dir",
    "CELL_COLUMNS",
    "TABLE_COLUMNS",
    "CAPTION_N_PREFIX",
    "STATEMENT_COLUMNS",
    "CELL_STATUSES",
    "BREAKDOWNS",
    "BREAKDOWN_COLUMNS",
    "TOTAL_GROUP",
    "population_forms",
    "check_columns",
]

#: Columns of ``cells.csv``, in file order.
CELL_COLUMNS: tuple[str, ...] = (
    "cell_id", "table", "population", "breakdown", "group", "item", "category",
    "value", "unit", "status", "base", "line", "note",
)
#: Columns every ``tables.csv`` has; besides them, one ``n_<population>``
#: column per population holds the n printed in the captions (may be blank).
TABLE_COLUMNS: tuple[str, ...] = (
    "table", "title", "kind", "items", "populations", "breakdowns", "line", "note",
)
#: Prefix of the caption-n columns of ``tables.csv``.
CAPTION_N_PREFIX = "n_"
#: Columns of ``statements.csv``, in file order.
STATEMENT_COLUMNS: tuple[str, ...] = (
    "statement_id", "line", "quote", "population", "item", "claim", "implied", "tables", "wording",
)
#: Allowed values of ``cells.status``.
CELL_STATUSES: tuple[str, ...] = ("printed", "unknown", "anomaly")
#: Allowed values of ``cells.breakdown``.
BREAKDOWNS: tuple[str, ...] = ("total", "rhf", "size", "index", "note")
#: The group of a table's total row (and of its notes) in ``cells.group``.
TOTAL_GROUP = "Samlet"
#: Respondent columns behind the group breakdowns of ``cells.breakdown``.
BREAKDOWN_COLUMNS: dict[str, str] = {"rhf": "rhf", "size": "size_class"}
_WORDINGS: tuple[str, ...] = ("exact", "approximate", "vague")


@dataclass(frozen=True)
class Published:
    """The published figures of one round.

    Attributes
    ----------
    round : str
        Round name, e.g. ``"2010"``.
    path : pathlib.Path
        The folder the files were read from.
    cells : pandas.DataFrame
        ``cells.csv``: text columns as ``str`` (empty string when blank),
        ``value`` as nullable ``Float64`` (missing for unknown cells),
        ``line`` as ``Int64``.
    tables : pandas.DataFrame
        ``tables.csv``: ``n_<population>`` and ``line`` as nullable ``Int64``.
    statements : pandas.DataFrame
        ``statements.csv``: ``line`` as ``Int64``.
    """

    round: str
    path: Path
    cells: pd.DataFrame = field(repr=False)
    tables: pd.DataFrame = field(repr=False)
    statements: pd.DataFrame = field(repr=False)

    def table(self, table: str) -> pd.DataFrame:
        """Cells of one table (e.g. ``"T01"``), in file order."""
        return self.cells[self.cells["table"] == table]

    def caption_n(self) -> dict[tuple[str, str], int]:
        """The n's printed in the table captions: ``{(table, population): n}``."""
        out: dict[tuple[str, str], int] = {}
        for col in self.tables.columns:
            if not col.startswith(CAPTION_N_PREFIX):
                continue
            pop = col[len(CAPTION_N_PREFIX):]
            for t, n in zip(self.tables["table"], self.tables[col]):
                if not pd.isna(n):
                    out[(str(t), pop)] = int(n)
        return out


def population_forms(populations: Iterable[str], forms: Iterable[str]) -> dict[str, str]:
    """Map the population labels of the published tables to respondent forms.

    A label maps to the form it equals, or else to the one form it starts
    with or that starts with it (``kommuner`` -> ``kommune``); labels that
    match no form or several are left out.
    """
    forms = list(forms)
    out = {}
    for p in populations:
        if p in forms:
            out[p] = p
            continue
        cands = [f for f in forms if p.startswith(f) or f.startswith(p)]
        if len(cands) == 1:
            out[p] = cands[0]
    return out


def published_dir(round: Round | str | Path) -> Path:
    """The folder of a round's published figures (``published:`` in its ``round.yaml``).

    Raises
    ------
    RoundNotFoundError
        If the round names no published figures or the folder does not exist
        (also a :class:`FileNotFoundError`).
    """
    from samanalyse.survey.rounds import load_round

    rnd = load_round(round)
    path = rnd.published_dir
    if path is None or not path.is_dir():
        where = "names no published figures (key 'published')" if path is None else f"points to {path}, which is not a folder"
        raise RoundNotFoundError(
            f"No published figures for round {rnd.name!r}: {rnd.path / 'round.yaml'} {where}."
        )
    return path


def check_columns(frame: pd.DataFrame, columns: Iterable[str], source: str | Path, *, line: int | None = None) -> None:
    """Raise :class:`DataError` naming the columns ``frame`` lacks.

    The one column check of the published layer: ``source`` is the file (or
    what the frame is, e.g. ``"the regenerated cells"``), ``line`` the line of
    its header row when it is a file.
    """
    columns = tuple(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: missing column(s): {', '.join(missing)}.",
            [Problem(str(source), "header", f"missing column(s): {', '.join(missing)}", ", ".join(columns), line)],
        )


def _check_int_column(frame: pd.DataFrame, col: str, file: Path, required: bool) -> pd.Series:
    """Parse a column of whole numbers; blank allowed unless ``required``."""
    problems = []
    values: list[int | None] = []
    for i, raw in enumerate(frame[col], start=2):
        text = str(raw).strip()
        if text == "":
            if required:
                problems.append(Problem(str(file), f"row {i}, column {col}", "is empty", "a whole number", i))
            values.append(None)
            continue
        try:
            values.append(int(text))
        except ValueError:
            problems.append(Problem(str(file), f"row {i}, column {col}", f"{text!r} is not a whole number",
                                    "a whole number", i))
            values.append(None)
    if problems:
        raise DataError(f"{file} has {len(problems)} bad value(s) in column {col}.", problems)
    return pd.array(values, dtype="Int64")


def _check_choice(frame: pd.DataFrame, col: str, allowed: tuple[str, ...], file: Path) -> None:
    """Raise :class:`DataError` for any value of ``col`` outside ``allowed``."""
    problems = [
        Problem(str(file), f"row {i}, column {col}", f"{v!r} is not allowed", ", ".join(allowed), i)
        for i, v in enumerate(frame[col], start=2)
        if v not in allowed
    ]
    if problems:
        raise DataError(f"{file} has {len(problems)} bad value(s) in column {col}.", problems)


def _check_unique(frame: pd.DataFrame, col: str, file: Path) -> None:
    """Raise :class:`DataError` if ``col`` has duplicates."""
    dup = frame[col][frame[col].duplicated()]
    if len(dup):
        raise DataError(
            f"{file}: column {col} must be unique.",
            [Problem(str(file), f"row {i + 2}, column {col}", f"{v!r} is used twice", "unique ids", i + 2)
             for i, v in dup.items()],
        )


def _read_raw(file: Path) -> pd.DataFrame:
    """The CSV file as text columns; a missing or unreadable file is a :class:`SamanalyseError`."""
    if not file.is_file():
        raise RoundNotFoundError(f"Missing published-figures file {file}.")
    try:
        return pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{file} is malformed.", [Problem(str(file), "(file)", f"the file is not UTF-8 text (byte {exc.start})",
                                                         "save the file as UTF-8", None)]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{file} is malformed.", [Problem(str(file), "(file)", f"not a readable CSV file ({exc})",
                                                         "comma-separated values with a header row", None)]) from None


def read_cells(file: str | Path) -> pd.DataFrame:
    """Read and check a ``cells.csv``.

    Parameters
    ----------
    file : str or pathlib.Path
        Path of the file.

    Returns
    -------
    pandas.DataFrame
        The cells, with ``value`` as ``Float64`` and ``line`` as ``Int64``.

    Raises
    ------
    DataError
        If a column is missing, a value is not a number, a status or breakdown
        is not allowed, a ``cell_id`` repeats, or a cell's status contradicts
        its value (``unknown`` with a value, ``printed`` without one).
    """
    file = Path(file)
    raw = _read_raw(file)
    check_columns(raw, CELL_COLUMNS, file, line=1)
    _check_unique(raw, "cell_id", file)
    _check_choice(raw, "status", CELL_STATUSES, file)
    _check_choice(raw, "breakdown", BREAKDOWNS, file)
    problems = []
    values: list[float | None] = []
    for i, (v, status) in enumerate(zip(raw["value"], raw["status"]), start=2):
        text = v.strip()
        if text == "":
            values.append(None)
            if status != "unknown":
                problems.append(Problem(str(file), f"row {i}, column value", f"is empty but status is {status!r}",
                                        "a number, or status 'unknown'", i))
            continue
        try:
            values.append(float(text.replace(",", ".")))
        except ValueError:
            problems.append(Problem(str(file), f"row {i}, column value", f"{text!r} is not a number", "a number", i))
            values.append(None)
            continue
        if status == "unknown":
            problems.append(Problem(str(file), f"row {i}, column value", f"has {text!r} but status is 'unknown'",
                                    "an empty value for unknown cells", i))
    if problems:
        raise DataError(f"{file} has {len(problems)} bad value(s).", problems)
    out = raw.copy()
    out["value"] = pd.array(values, dtype="Float64")
    out["line"] = _check_int_column(raw, "line", file, required=True)
    return out.reset_index(drop=True)


def read_tables(file: str | Path) -> pd.DataFrame:
    """Read and check a ``tables.csv``.

    Parameters
    ----------
    file : str or pathlib.Path
        Path of the file.

    Returns
    -------
    pandas.DataFrame
        The tables; every ``n_<population>`` column and ``line`` as ``Int64``.

    Raises
    ------
    DataError
        If a column is missing, a table id repeats or an n is not a whole number.
    """
    file = Path(file)
    raw = _read_raw(file)
    check_columns(raw, TABLE_COLUMNS, file, line=1)
    _check_unique(raw, "table", file)
    out = raw.copy()
    for col in out.columns:
        if col.startswith(CAPTION_N_PREFIX) or col == "line":
            out[col] = _check_int_column(raw, col, file, required=(col == "line"))
    return out.reset_index(drop=True)


def read_statements(file: str | Path) -> pd.DataFrame:
    """Read and check a ``statements.csv``.

    Parameters
    ----------
    file : str or pathlib.Path
        Path of the file.

    Returns
    -------
    pandas.DataFrame
        The statements, ``line`` as ``Int64``.

    Raises
    ------
    DataError
        If a column is missing, an id repeats, a line is not a whole number or
        ``wording`` is not one of exact, approximate, vague.
    """
    file = Path(file)
    raw = _read_raw(file)
    check_columns(raw, STATEMENT_COLUMNS, file, line=1)
    _check_unique(raw, "statement_id", file)
    _check_choice(raw, "wording", _WORDINGS, file)
    out = raw.copy()
    out["line"] = _check_int_column(raw, "line", file, required=True)
    return out.reset_index(drop=True)


def _check_references(cells: pd.DataFrame, tables: pd.DataFrame, statements: pd.DataFrame, path: Path) -> None:
    """Every cell's table and every table a statement names must be in ``tables.csv``."""
    known = set(tables["table"])
    problems = [
        Problem(str(path / "cells.csv"), f"row {i + 2}, column table", f"table {t!r} is not in tables.csv",
                "a table id of tables.csv", i + 2)
        for i, t in cells["table"].items()
        if t not in known
    ]
    for i, ts in statements["tables"].items():
        for t in filter(None, (x.strip() for x in ts.split(";"))):
            if t not in known:
                problems.append(Problem(str(path / "statements.csv"), f"row {i + 2}, column tables",
                                        f"table {t!r} is not in tables.csv", "table ids of tables.csv", i + 2))
    if problems:
        raise DataError(f"The published figures in {path} refer to unknown tables.", problems)


def read_published(folder: str | Path, round: str = "") -> Published:
    """Read and check the three files of a published-figures folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder with ``cells.csv``, ``tables.csv`` and ``statements.csv``.
    round : str
        The round's name, kept on the result.

    Raises
    ------
    RoundNotFoundError
        If a file is missing.
    DataError
        If a file is malformed (see :func:`read_cells`, :func:`read_tables`,
        :func:`read_statements`) or refers to a table that is not listed.
    """
    path = Path(folder)
    cells = read_cells(path / "cells.csv")
    tables = read_tables(path / "tables.csv")
    statements = read_statements(path / "statements.csv")
    _check_references(cells, tables, statements, path)
    return Published(round=str(round), path=path, cells=cells, tables=tables, statements=statements)


def load_published(round: Round | str | Path) -> Published:
    """Load the published figures of a round (its ``published:`` folder).

    Parameters
    ----------
    round : Round, str or pathlib.Path
        A :class:`~samanalyse.survey.rounds.Round`, a shipped round's name
        (``"2010"``) or a round folder.

    Returns
    -------
    Published
        The cells, tables and statements as typed data frames.

    Raises
    ------
    RoundNotFoundError
        If the round does not exist, has no published figures or a file is
        missing (also a :class:`FileNotFoundError`).
    DataError
        If a file is malformed or refers to a table that is not listed.
    """
    from samanalyse.survey.rounds import load_round

    rnd = load_round(round)
    return read_published(published_dir(rnd), round=rnd.name)


def read_published_cells(round: Round | str | Path) -> pd.DataFrame:
    """The round's published cells as text, exactly as ``cells.csv`` holds them.

    The one reader of ``cells.csv`` for code that needs the printed text
    (the reconstruction's targets, the comparison with regenerated tables):
    the file is checked by :func:`read_cells`, then returned with every
    column as ``str`` (blank = ``""``), as the transcription wrote it.
    """
    path = published_dir(round) / "cells.csv"
    read_cells(path)
    return _read_raw(path)
