"""State shared by the checks of one audit: cells, rows, group sizes, findings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping, Sequence

import pandas as pd

from samanalyse.published.audit.cells import (
    TOTAL_GROUP,
    Cell,
    cells_of,
    group_rows,
    values_text,
)
from samanalyse.published.audit.explain import render
from samanalyse.published.audit.findings import Finding
from samanalyse.published.audit.notation import Notation

__all__ = ["AuditorBase"]


class AuditorBase:
    """The published cells as rows, the group sizes, and what the checks found so far.

    The checks are mixins on this class (one module per kind:
    :mod:`.rows`, :mod:`.totals`, :mod:`.annex`, :mod:`.tables`,
    :mod:`.text`); :func:`samanalyse.published.audit.audit` runs them in turn.
    """

    def __init__(self, cells: pd.DataFrame, tables: pd.DataFrame, statements: pd.DataFrame,
                 sizes: Mapping[tuple[str, str], int], frame: Mapping[str, int], codebook: Any | None,
                 notation: Notation) -> None:
        self.nt = notation
        self.cells = cells_of(cells)
        self.tables = tables
        self.statements = statements
        self.sizes = dict(sizes)
        self.frame = dict(frame)
        self.codebook = codebook
        self.rows = group_rows(self.cells, notation)
        self.findings: list[Finding] = []
        self.checked: dict[str, int] = defaultdict(int)
        self.unchecked: list[str] = []
        self.within: list[str] = []
        self.bad_rows: set[tuple[str, str, str, str, str]] = set()
        #: populations and items the statements may name
        self.known: tuple[set[str], set[str]] = ({c.population for c in self.cells if c.population} | {p for p, _ in sizes},
                                                 {c.item for c in self.cells if c.item})
        #: tables that print only "answered" and missing-answer categories: the response-frequency annex
        self.annex_tables = {r.table for r in self.rows
                             if any(notation.is_answered(c.category) for c in r.cells)
                             and all(notation.is_answered(c.category) or notation.is_missing(c.category)
                                     for c in r.cells)}

    def n_of(self, population: str, group: str = TOTAL_GROUP) -> int | None:
        """Respondents of a population (and group), or None if unknown."""
        return self.sizes.get((population, group))

    def add(self, **kw: object) -> None:
        """Record a finding (the fields of :class:`Finding`); its English explanation from its ``parts``, its
        ``values`` from phrases when given as a tuple of :class:`~.explain.Say`."""
        if "explanation" not in kw:
            kw["explanation"] = render(kw["parts"], "en")  # type: ignore[arg-type]
        if isinstance(kw.get("values"), tuple):  # phrases: the English text, and the phrases for other languages
            kw["values_parts"] = kw["values"]
            kw["values"] = render(kw["values"], "en", sep="; ", sentences=False)  # type: ignore[arg-type]
        self.findings.append(Finding(**kw))  # type: ignore[arg-type]

    def values_text(self, cells: Sequence[Cell]) -> str:
        """The printed values of ``cells``, abbreviated as the notation says."""
        return values_text(cells, self.nt)
