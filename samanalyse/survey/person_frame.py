"""The frame of a person form (staff within kommuner): persons per kommune, and persons joined to the register.

A staff-level round asks persons, each working in a kommune (the form's ``unit: kommune``).
Its ``round.yaml`` names the frame as a CSV in the round's folder::

    person_frames:
      ansatt: {file: ramme_ansatte.csv, count: ansatte}   # count: the column of persons (default frame_size)

with one row per kommune: ``kommune`` (a kommunenummer of the register year, or an earlier one
the crosswalk places) and the number of persons of the frame there. Kommuner not listed have no
one in the frame.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.errors import Problem, RoundError, UnknownKommuneError
from samanalyse.survey.crosswalk import place_kommunenummer
from samanalyse.survey.registers import kommuner

__all__ = ["PERSON_COUNT", "read_person_frame", "frame_count", "join_persons"]

#: Default column of the persons per kommune in a person frame file.
PERSON_COUNT = "frame_size"


def frame_count(units: pd.DataFrame) -> int:
    """Size of a frame: its persons (``frame_size`` summed) when it has them, else its units."""
    return int(units["frame_size"].sum()) if "frame_size" in units.columns else len(units)


def _place(raw: pd.Series, year: int, reg: pd.DataFrame, file: str) -> tuple[np.ndarray, list[Problem]]:
    problems, out = [], np.empty(len(raw), dtype=object)
    allowed = f"a kommunenummer of the {year} register (or an earlier one that the crosswalk places)"
    for i, v in enumerate(raw.to_numpy()):
        text = str(v).strip()
        where = f"row {i + 2}, column 'kommune'"
        if not text.isdigit() or len(text) > 4:
            problems.append(Problem(file, where, f"{text!r} is not a kommunenummer", allowed))
            continue
        try:
            out[i] = place_kommunenummer(text, year, reg).kommunenummer
        except UnknownKommuneError as exc:
            problems.append(Problem(file, where, str(exc), allowed))
    return out, problems


def read_person_frame(file: Path, year: int, count: str = PERSON_COUNT) -> pd.DataFrame:
    """The kommuner of a person frame with ``frame_size``; read once per version of the file (see :func:`_read_frame`)."""
    try:
        st = Path(file).stat()
        key = (st.st_mtime_ns, st.st_size)
    except OSError:
        return _read_frame(Path(file), year, count)
    return _read_cached(str(file), key, year, count).copy()


@lru_cache(maxsize=8)
def _read_cached(file: str, key: tuple, year: int, count: str) -> pd.DataFrame:
    return _read_frame(Path(file), year, count)


def _read_frame(file: Path, year: int, count: str = PERSON_COUNT) -> pd.DataFrame:
    """The kommuner of a person frame (register rows of ``year``) with ``frame_size``, their persons.

    Parameters
    ----------
    file : Path
        CSV with the columns ``kommune`` and ``count``.
    year : int
        The round's register year.
    count : str
        The column of persons per kommune.

    Raises
    ------
    RoundError
        Naming the file, row and column of every bad kommunenummer, count or repeated kommune.
    """
    name = str(file)
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise RoundError([Problem(name, "(file)", "the person frame file does not exist",
                                  f"a CSV with the columns kommune,{count}")]) from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RoundError([Problem(name, "(file)", f"the person frame cannot be read: {exc}",
                                  f"a CSV with the columns kommune,{count}")]) from None
    missing = [c for c in ("kommune", count) if c not in raw.columns]
    if missing:
        raise RoundError([Problem(name, "(header)", f"no column {c!r}", f"the columns kommune,{count}; it has "
                                  + ", ".join(raw.columns)) for c in missing])
    reg = kommuner(year)
    knr, problems = _place(raw["kommune"], year, reg, name)
    n = pd.to_numeric(raw[count], errors="coerce")
    for i in np.flatnonzero(n.isna().to_numpy() | (n < 0).to_numpy() | (n % 1 != 0).to_numpy()):
        problems.append(Problem(name, f"row {i + 2}, column {count!r}", f"{raw[count].iat[i]!r} is not a number "
                                "of persons", "a whole number >= 0"))
    dup = pd.Series(knr).duplicated(keep=False).to_numpy() & pd.notna(knr)
    for k in pd.unique(knr[dup]):
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(knr == k))
        problems.append(Problem(name, f"rows {rows}, column 'kommune'", f"kommune {k} is listed more than once "
                                "(a number placed on it by the crosswalk counts too)", "each kommune once"))
    if problems:
        raise RoundError(problems)
    counts = pd.Series(n.to_numpy(int), index=pd.Index(knr, dtype=object)).loc[lambda c: c > 0]
    units = reg.loc[reg.index.isin(counts.index)].copy()
    units["frame_size"] = counts.reindex(units.index).to_numpy(int)
    units.attrs.update(reg.attrs, frame_file=name)
    return units


def join_persons(ids: pd.DataFrame, rows: np.ndarray, reg_k: pd.DataFrame, popcol: str, sentcol: str,
                 source: str) -> tuple[pd.DataFrame, list[str]]:
    """Persons (``form``, ``respondent``, ``kommune``) joined to the kommune register, vectorised.

    ``rows``: each person's 1-based row in ``source`` (for messages). Returns the joined rows (the
    columns of :data:`~samanalyse.survey.rounds.RESPONDENT_COLUMNS` and ``_pos``) and one message
    per person whose kommunenummer is not in the register.
    """
    knr = ids["kommune"].astype(str).str.strip().str.zfill(4).to_numpy(object)
    known = pd.Index(reg_k.index).get_indexer(knr)
    missing = [f"{source}, row {r}: person {p!r} in kommunenummer {k!r}"
               for r, p, k in zip(rows[known < 0], ids["respondent"].to_numpy()[known < 0], knr[known < 0])]
    ok = known >= 0
    reg = reg_k.iloc[known[ok]]
    kilde = reg[f"{sentcol}_kilde"].to_numpy() if f"{sentcol}_kilde" in reg.columns else ""
    out = pd.DataFrame({"form": ids["form"].to_numpy()[ok], "respondent": ids["respondent"].astype(str).to_numpy()[ok],
                        "navn": reg["navn"].to_numpy(), "rhf": reg["rhf"].to_numpy(), "fylke": reg["fylke"].to_numpy(),
                        "population": reg[popcol].to_numpy(), "sentralitet": reg[sentcol].to_numpy(),
                        "sentralitet_kilde": kilde, "er_kommune": reg["er_kommune"].to_numpy(bool),
                        "kommune": knr[ok], "_pos": rows[ok] - 2})
    return out, missing
