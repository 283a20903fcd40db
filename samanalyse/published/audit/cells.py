"""The published cells as the audit sees them: cells, rows of one table, and intervals of shares.

A :class:`Row` is one line of a printed table (a population, breakdown group
and item) with its category cells and the table notes that belong to it; a
row is *closed* when its values describe the whole group (it has notes, is an
index column, or prints a missing-answer category of the :class:`Notation`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd

from samanalyse.published.audit.arithmetic import union_counts
from samanalyse.published.audit.findings import table_name
from samanalyse.published.audit.notation import Notation, norm
from samanalyse.published.transcription import BREAKDOWN_COLUMNS, TOTAL_GROUP

__all__ = ["Cell", "Row", "cells_of", "group_rows", "interval", "distance", "format_interval", "fmt", "unit",
           "values_text", "TOTAL_GROUP"]



def fmt(v: float | None) -> str:
    """A printed value (``?`` when unknown)."""
    return "?" if v is None else f"{v:g}"


def unit(population: str) -> str:
    """What the respondents of ``population`` are called in a finding."""
    return population or "respondents"


@dataclass(frozen=True)
class Cell:
    """One published cell (a row of ``cells.csv``); ``value`` None when unknown."""

    cell_id: str
    table: str
    population: str
    breakdown: str
    group: str
    item: str
    category: str
    value: float | None
    status: str
    line: int


def values_text(cells: Sequence[Cell], notation: Notation) -> str:
    """``gode 52%, usikre/dårlige 25%`` for a list of cells."""
    return ", ".join(f"{notation.abbreviate(c.category)} {fmt(c.value)}%" for c in cells)


@dataclass
class Row:
    """One printed row: its category cells and the notes under the table that belong to it."""

    table: str
    population: str
    breakdown: str
    group: str
    item: str
    cells: list[Cell] = field(default_factory=list)
    notes: list[Cell] = field(default_factory=list)
    closed: bool = False  #: the values describe the whole group (set by :func:`group_rows`)

    @property
    def all(self) -> list[Cell]:
        """The category cells, then the notes."""
        return self.cells + self.notes

    @property
    def label(self) -> str:
        """``Tabell 16, helseforetak, q5a``."""
        bits = [table_name(self.table), self.population]
        if self.breakdown in BREAKDOWN_COLUMNS or self.breakdown == "index":
            bits.append(self.group)
        if self.item:
            bits.append(self.item)
        return ", ".join(b for b in bits if b)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """``(table, population, breakdown, group, item)``."""
        return (self.table, self.population, self.breakdown, self.group, self.item)


def cells_of(frame: pd.DataFrame) -> list[Cell]:
    """The cells of a ``cells.csv`` frame (value numeric or missing)."""
    out = []
    for r in frame.itertuples(index=False):
        v = r.value
        value = None if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v) else float(v)
        out.append(Cell(str(r.cell_id), str(r.table), str(r.population), str(r.breakdown), str(r.group),
                        str(r.item), str(r.category), value, str(r.status), int(r.line)))
    return out


def group_rows(cells: list[Cell], notation: Notation) -> list[Row]:
    """The rows of the tables; each table note joins the total row of its table, population and item."""
    rows: dict[tuple[str, str, str, str, str], Row] = {}
    notes: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    for c in cells:
        if norm(c.category) == "sum":
            continue
        if c.breakdown == "note":
            notes[(c.table, c.population, c.item)].append(c)
            continue
        key = (c.table, c.population, c.breakdown, c.group, c.item)
        rows.setdefault(key, Row(*key)).cells.append(c)
    for (t, p, i), ns in notes.items():
        key = next((k for k in rows if k[0] == t and k[1] == p and k[4] == i and k[2] == "total"), None)
        if key is None:
            key = (t, p, "total", ns[0].group, i)
            rows[key] = Row(*key)
        rows[key].notes.extend(ns)
    for r in rows.values():
        r.closed = bool(r.notes) or r.breakdown == "index" or any(notation.is_missing(c.category) for c in r.cells)
    return list(rows.values())


def interval(cells: Sequence[Cell], n: int | None) -> tuple[float, float] | None:
    """Interval of the true percentage of the sum of ``cells`` (None if a value is unknown)."""
    lo = hi = 0.0
    for c in cells:
        if c.value is None:
            return None
        ks = union_counts(c.value, n) if n else ()
        if ks:
            lo += 100 * ks[0] / n  # type: ignore[operator]
            hi += 100 * ks[-1] / n  # type: ignore[operator]
        else:
            lo += c.value - 0.5
            hi += c.value + 0.5
    return max(lo, 0.0), min(hi, 100.0)


def distance(x: float, iv: tuple[float, float]) -> float:
    """Distance of ``x`` from the interval ``iv`` (0 inside)."""
    return 0.0 if iv[0] <= x <= iv[1] else min(abs(x - iv[0]), abs(x - iv[1]))


def format_interval(iv: tuple[float, float]) -> str:
    """``52.0%`` or ``51.5–52.5%``."""
    a, b = iv
    return f"{a:.1f}%" if abs(a - b) < 0.05 else f"{a:.1f}–{b:.1f}%"
