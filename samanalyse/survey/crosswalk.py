"""Kommune numbers across the map changes: the crosswalk between register years and old numbers.

Two register files describe how the kommuner of one year became those of a later one
(``data/registers``, from SSB and SKDE, see SOURCES.md):

- ``kommuneendringer_<from>_<to>.csv``: each kommune of ``from`` and the kommune(r) of ``to``
  it became (``uendret``, ``nytt_nummer``, ``sammenslått``, ``delt``; the share for splits);
- ``kommunenummer_<from>_<to>.csv``: every kommunenummer in use from ``from`` to ``to`` with the
  kommune(r) of ``to`` it belongs to (a split code has several rows, ``delt = ja``).

:func:`place_kommunenummer` puts a number of any vintage on the kommuner of a register year: a
number of that year is itself; a number that no longer exists is placed on its successor with a
:class:`~samanalyse.errors.KommuneRenumberedWarning` naming both; a split number and a number that
never existed are errors that say so (and name the candidates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from samanalyse.errors import RegisterError, UnknownKommuneError
from samanalyse.survey.paths import register_dir

__all__ = ["Placement", "kommune_changes", "kommunenummer_history", "place_kommunenummer", "crosswalk_years"]

_CHANGE_COLUMNS = ("kommunenummer_{a}", "navn_{a}", "kommunenummer_{b}", "navn_{b}", "endring", "andel")
_HISTORY_COLUMNS = ("kommunenummer", "navn", "gyldig_fra", "gyldig_til", "kommunenummer_{b}", "navn_{b}", "delt")


@dataclass(frozen=True)
class Placement:
    """Where a kommunenummer lands on the kommuner of a register year.

    Attributes
    ----------
    given : str
        The number as given (4 digits).
    kommunenummer : str
        The kommune of the register year.
    navn : str
        Its name.
    note : str
        Empty when ``given`` is a number of that year; otherwise a sentence naming both
        (for a warning).
    """

    given: str
    kommunenummer: str
    navn: str
    note: str = ""


def crosswalk_years() -> list[tuple[int, int]]:
    """The (from, to) year pairs for which a crosswalk ships."""
    return list(_years_in(str(register_dir())))


@lru_cache(maxsize=4)
def _years_in(folder: str) -> tuple[tuple[int, int], ...]:
    """The crosswalk year pairs of a register folder (looked up once per folder: every respondent asks)."""
    out = []
    for p in Path(folder).glob("kommunenummer_*_*.csv"):
        parts = p.stem.split("_")
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            out.append((int(parts[1]), int(parts[2])))
    return tuple(sorted(out))


def _read(name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    path = register_dir() / name
    if not path.exists():
        raise RegisterError(f"No crosswalk {path.name} in {register_dir()}; crosswalks: "
                            f"{', '.join(f'{a}-{b}' for a, b in crosswalk_years()) or 'none'}.")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RegisterError(f"The crosswalk {path} has no column(s) {', '.join(missing)}; it has {', '.join(df.columns)}.")
    return df


@lru_cache(maxsize=4)
def kommune_changes(from_year: int, to_year: int) -> pd.DataFrame:
    """The crosswalk from the kommuner of ``from_year`` to those of ``to_year`` (one row per pair).

    Columns as in the file (``kommunenummer_<from>``, ``navn_<from>``, ``kommunenummer_<to>``,
    ``navn_<to>``, ``endring``, ``andel`` as float, NaN for a split, ``merknad``).
    """
    cols = tuple(c.format(a=from_year, b=to_year) for c in _CHANGE_COLUMNS)
    df = _read(f"kommuneendringer_{from_year}_{to_year}.csv", cols)
    df["andel"] = pd.to_numeric(df["andel"].replace("", None), errors="coerce")
    return df


@lru_cache(maxsize=4)
def kommunenummer_history(from_year: int, to_year: int) -> pd.DataFrame:
    """Every kommunenummer in use from ``from_year`` to ``to_year`` and the kommune(r) of ``to_year`` it belongs to."""
    cols = tuple(c.format(b=to_year) for c in _HISTORY_COLUMNS)
    return _read(f"kommunenummer_{from_year}_{to_year}.csv", cols)


def _history_for(year: int) -> tuple[pd.DataFrame, dict[str, np.ndarray], int] | None:
    """The crosswalk to ``year``, its rows per kommunenummer, and ``year``; None without one."""
    pairs = [p for p in crosswalk_years() if p[1] == year]
    if not pairs:
        return None
    a, b = pairs[0]
    return kommunenummer_history(a, b), _history_rows(a, b), b


@lru_cache(maxsize=4)
def _history_rows(from_year: int, to_year: int) -> dict[str, np.ndarray]:
    """The positions of the rows of :func:`kommunenummer_history` per kommunenummer (in the file's order)."""
    return {str(k): v for k, v in kommunenummer_history(from_year, to_year).groupby("kommunenummer").indices.items()}


def place_kommunenummer(code: str, year: int, register: pd.DataFrame) -> Placement:
    """Place a kommunenummer of any vintage on the kommuner of ``year`` (``register`` indexed by number).

    Parameters
    ----------
    code : str
        A kommunenummer (1-4 digits; leading zeros may be missing).
    year : int
        The register year whose kommuner the result belongs to.
    register : pandas.DataFrame
        The kommuner of ``year`` (:func:`samanalyse.survey.registers.kommuner`), indexed by number.

    Raises
    ------
    UnknownKommuneError
        If the number never existed (2010 to ``year``), or was split between several kommuner (the
        message names them: the answer cannot be placed on one).
    """
    knr = str(code).strip().zfill(4)
    if knr in register.index:
        return Placement(knr, knr, str(register.at[knr, "navn"]))
    found = _history_for(year)
    if found is None:
        raise UnknownKommuneError(f"Kommunenummer {knr} is not a kommune of {year}, and no crosswalk to {year} "
                                  "ships to look it up.")
    hist, by_number, b = found
    rows = hist.iloc[by_number.get(knr, [])]
    if rows.empty:
        first = min(int(y) for y in hist["gyldig_fra"] if y.isdigit())
        raise UnknownKommuneError(f"Kommunenummer {knr} has never existed (not a kommune at any time from {first} "
                                  f"to {b}); check the number.")
    name, period = rows.iloc[0]["navn"], f"{rows.iloc[0]['gyldig_fra']}–{rows.iloc[0]['gyldig_til'] or b}"
    targets = list(zip(rows[f"kommunenummer_{b}"], rows[f"navn_{b}"]))
    if len(targets) > 1:
        cands = ", ".join(f"{k} {n}" for k, n in targets)
        raise UnknownKommuneError(
            f"Kommunenummer {knr} ({name}, {period}) was split between {cands}; the answer cannot be placed on "
            f"one kommune of {b}. Give the number of the kommune that answered (one of {cands})."
        )
    new, new_name = targets[0]
    return Placement(knr, new, new_name,
                     f"Kommunenummer {knr} ({name}, {period}) no longer exists; placed on {new} {new_name} ({b}).")
