"""Respondent ids: kommunenummer and helseforetak checked against the registers of a year.

Kommunenummer are accepted as printed anywhere (``301``, ``0301``,
``0301 Oslo``, ``301.0``) and normalised to four digits; they must be in the
register of the round's year (Spitsbergen, 2111, included) or, where a
crosswalk to that year ships, be a number of any earlier vintage: a number
that no longer exists is placed on its kommune of the register year with a
warning naming both (:func:`~samanalyse.survey.crosswalk.place_kommunenummer`),
a number that never existed or was split is an error. Helseforetak must be in
the register of the year (case and whitespace ignored, the register's
``kjent_som`` names accepted) and are normalised to the register's spelling.
A respondent column that holds the other form's respondents (helseforetak on a
kommune form, or the reverse) is one error naming the form to use. Other
respondent kinds are kept as written (surrounding spaces removed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from samanalyse.errors import UnknownKommuneError
from samanalyse.io.answers import Cells
from samanalyse.io.formats import RawTable
from samanalyse.io.report import ResponseProblem
from samanalyse.io.text import col_letter, norm, unneutralise
from samanalyse.survey.crosswalk import (
    crosswalk_years,
    kommunenummer_history,
    place_kommunenummer,
)

__all__ = ["REGISTER_KINDS", "report_duplicates", "respondent_column"]

#: Respondent kinds whose ids are checked against a register of the round's year.
REGISTER_KINDS: tuple[str, ...] = ("kommune", "helseforetak")

_KNR_RE = re.compile(r"^(\d{1,4})(?:[.,]0+)?(?:\s*[-–:,]?\s*(\D.*))?$", re.DOTALL)


def _kommune_names(full: str) -> set[str]:
    names = {norm(full)}
    base = re.sub(r"\s*\(.*\)\s*", "", full)
    names.add(norm(base))
    for part in re.split(r"\s+-\s+|/", base):
        names.add(norm(part))
    inner = re.search(r"\((.*)\)", full)
    if inner:
        names.update(norm(p) for p in inner.group(1).split(","))
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
    """``{normalised name or kjent_som alias: register name}`` of the helseforetak of ``year``."""
    from samanalyse.survey.registers import helseforetak as hf_register

    reg = hf_register(year)
    out = {norm(n): str(n) for n in reg.index}
    if "kjent_som" in reg.columns:
        for name, also in reg["kjent_som"].items():
            for alias in (also if isinstance(also, str) else "").split(";"):
                if alias.strip():
                    out.setdefault(norm(alias), str(name))
    return out


@lru_cache(maxsize=1024)
def _old_names(knr: str, year: int) -> frozenset[str]:
    """The accepted names of an earlier kommunenummer (from the crosswalk to ``year``)."""
    pairs = [(a, b) for a, b in crosswalk_years() if b == year]
    if not pairs:
        return frozenset()
    hist = kommunenummer_history(*pairs[0])
    return frozenset(n for name in hist.loc[hist["kommunenummer"] == knr, "navn"] for n in _kommune_names(str(name)))


def _has_crosswalk(year: int | None) -> bool:
    return year is not None and any(b == year for _, b in crosswalk_years())


class _Checker:
    """Checks one distinct respondent value, reporting problems for the rows holding it."""

    def __init__(self, pos: int, kind: str, year: int | None, cells: Cells, codes: np.ndarray) -> None:
        self.pos, self.kind, self.year, self.cells, self.codes = pos, kind, year, cells, codes
        if kind == "kommune":
            self.reg, self.names, self.by_name = _kommune_lookup(year)
            self.allowed = f"a kommunenummer of the {year} register, written as 301, 0301 or '0301 Oslo'"
        elif kind == "helseforetak":
            self.canon = _helseforetak_lookup(year)
            self.allowed = f"a helseforetak of the {year} register: " + ", ".join(sorted(self.canon.values()))

    def error(self, kind: str, k: int, message: str, value: str, allowed: str | None = None) -> None:
        self.cells.add(False, kind, self.pos, self.codes == k, message, self.allowed if allowed is None else allowed,
                       value)

    def check(self, k: int, u: str, s: str) -> str | None:
        """The normalised id of value ``k`` (``u`` as written, ``s`` stripped), None if it is bad."""
        if self.kind == "kommune":
            return self.kommune(k, u, s)
        if self.kind == "helseforetak":
            return self.helseforetak(k, u, s)
        return s

    def kommune(self, k: int, u: str, s: str) -> str | None:
        m = _KNR_RE.match(s)
        year, reg = self.year, self.reg
        if not m:
            guess = self.by_name.get(norm(s), [])
            hint = f"; did you mean {guess[0]} {reg.at[guess[0], 'navn']}?" if len(guess) == 1 else ""
            self.error("bad_kommunenummer", k, f"{u!r} is not a kommunenummer{hint}", u)
            return None
        knr = m.group(1).zfill(4)
        if knr not in reg.index and _has_crosswalk(year):
            return self.placed(k, u, knr, (m.group(2) or "").strip())
        if knr not in reg.index:
            self.error("unknown_kommune", k, f"{u!r}: there is no kommunenummer {knr} in the {year} register", u)
            return None
        given = (m.group(2) or "").strip()
        if given and norm(given) not in self.names[knr]:
            self.error("kommune_name_mismatch", k,
                       f"{u!r}: kommunenummer {knr} is {reg.at[knr, 'navn']} in the {year} register, not {given}", u,
                       f"the number and name of the same kommune, e.g. '{knr} {reg.at[knr, 'navn']}'")
            return None
        return knr

    def placed(self, k: int, u: str, knr: str, given: str) -> str | None:
        """A number not of the register year, placed on its kommune of that year (warning) or refused."""
        try:
            place = place_kommunenummer(knr, self.year, self.reg)
        except UnknownKommuneError as exc:
            self.error("unknown_kommune", k, f"{u!r}: {exc}", u)
            return None
        if given and norm(given) not in self.names[place.kommunenummer] | _old_names(knr, self.year):
            self.error("kommune_name_mismatch", k, f"{u!r}: {place.note[:-1]}, not {given}", u,
                       f"the number and name of the same kommune, e.g. '{place.kommunenummer} {place.navn}'")
            return None
        self.cells.add(True, "kommune_renumbered", self.pos, self.codes == k, place.note, "", u)
        return place.kommunenummer

    def helseforetak(self, k: int, u: str, s: str) -> str | None:
        name = self.canon.get(norm(s))
        if name is None:
            self.error("unknown_helseforetak", k, f"{u!r} is not a helseforetak in the {self.year} register", u)
            return None
        if name != s:
            self.cells.add(True, "respondent_fixed", self.pos, self.codes == k,
                           f"{u!r} read as {name!r} (the register's spelling)", "", u)
        return name


def respondent_column(raw: RawTable, pos: int, respondent_kind: str, year: int | None, cells: Cells,
                      unneutral: bool) -> tuple[np.ndarray, np.ndarray]:
    """Normalised respondent ids and a 'blank' mask, reporting bad ids to ``cells``.

    Parameters
    ----------
    raw : RawTable
    pos : int
        Position of the respondent column.
    respondent_kind : str
        The form's respondent kind; one of :data:`REGISTER_KINDS` is checked
        against the register of ``year``, any other is kept as written.
    year : int or None
        Register year (needed for :data:`REGISTER_KINDS`).
    cells : Cells
    unneutral : bool
        Undo formula neutralisation (CSV and XLSX).

    Returns
    -------
    ids : numpy.ndarray
        Object array, one id per record, ``None`` where blank or bad.
    blank : numpy.ndarray
        True where the cell is blank.
    """
    codes, uniques = raw.factor(pos)
    out_u = np.empty(len(uniques), dtype=object)
    blank_u = np.zeros(len(uniques), dtype=bool)
    ws_u = np.zeros(len(uniques), dtype=bool)
    checker = _Checker(pos, respondent_kind, year, cells, codes)
    n_errors = len(cells.errors)
    for k, u in enumerate(uniques):
        if unneutral:
            u = unneutralise(u)
        s = u.strip()
        ws_u[k] = bool(s) and s != u
        if not s:
            blank_u[k] = True
            out_u[k] = None
        else:
            out_u[k] = checker.check(k, u, s)
    _check_other_form(raw, pos, respondent_kind, year, uniques, out_u, blank_u, cells, n_errors)
    if ws_u.any():
        cells.add(True, "whitespace", pos, np.isin(codes, np.flatnonzero(ws_u)),
                  f"spaces around the respondent in column {raw.headers[pos]!r} were removed")
    return out_u[codes], blank_u[codes]


_PLURAL = {"kommune": "kommuner", "helseforetak": "helseforetak"}


def _other_kind_ok(kind: str, year: int, value: str) -> bool:
    """True if ``value`` is a valid respondent of the other register kind than ``kind``."""
    if kind == "kommune":
        return norm(value) in _helseforetak_lookup(year)
    m = _KNR_RE.match(value)
    return bool(m) and m.group(1).zfill(4) in _kommune_lookup(year)[0].index


def _check_other_form(raw: RawTable, pos: int, kind: str, year: int | None, uniques: list[str], out_u: np.ndarray,
                      blank_u: np.ndarray, cells: Cells, n_errors: int) -> None:
    """Most respondents are of the other form's kind: one error naming the form, instead of one per value."""
    if kind not in REGISTER_KINDS or year is None or len(cells.errors) == n_errors:
        return
    values = [u.strip() for u, b in zip(uniques, blank_u) if not b]
    other = [v for v in values if _other_kind_ok(kind, year, v)]
    if not other or len(other) * 2 < len(values) or len(other) <= sum(x is not None for x in out_u):
        return
    other_form = "helseforetak" if kind == "kommune" else "kommune"
    del cells.errors[n_errors:]
    head = raw.headers[pos]
    where = f"column {head!r}" + (f" ({col_letter(pos)})" if raw.format != "sav" else "")
    cells.errors.insert(0, ResponseProblem(
        cells.file, where, f"this looks like a {other_form} file: use --form {other_form} "
        f"({len(other)} of the {len(values)} respondents in this column are {_PLURAL[other_form]}, e.g. {other[0]!r})",
        f"a {kind} in every row of a {kind} file; in Python: form='{other_form}'", None, column=head,
        kind="wrong_form"))


def report_duplicates(raw: RawTable, pos: int, ids: np.ndarray, keep: np.ndarray, cells: Cells) -> None:
    """Report every respondent that appears more than once (at its second row, listing all rows)."""
    valid = np.array([x is not None for x in ids], dtype=bool) & keep
    if not valid.any():
        return
    ser = pd.Series(ids[valid])
    dup = ser.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    id_arr = np.where(valid, ids, None)
    for rid in pd.unique(ser[dup]):
        mask = id_arr == rid
        rows = raw.rows[mask]
        cells.add(False, "duplicate_respondent", pos, mask,
                  f"respondent {rid} appears {len(rows)} times (rows {', '.join(map(str, rows))})",
                  "each respondent once", str(rid))
        last = cells.errors[-1]  # reported at the second occurrence
        cells.errors[-1] = replace(last, row=last.rows[1])
