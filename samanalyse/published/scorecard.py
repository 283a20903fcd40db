"""Reproduction scorecard: regenerated numbers against the published ones.

:func:`scorecard` regenerates every catalogue table from a round's data, joins
the published cells, and classifies each published number:

- ``matched``: the regenerated percentage rounds to the printed integer;
- ``impossible``: unmet, and the audit proves that no data can produce it
  (granularity, or a contradiction with other published numbers);
- ``unmet``: unmet although the audit finds nothing impossible - a failure;
- ``unknown`` / ``anomaly``: the study prints no usable value;
- ``not regenerated``: the catalogue has no such cell (e.g. an item that is
  not on that form).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from samanalyse.analysis.tables import all_table_cells
from samanalyse.published.comparison import compare_with_published
from samanalyse.survey.rounds import Round, load_round

if TYPE_CHECKING:
    from samanalyse.published.audit import AuditResult

__all__ = ["Scorecard", "scorecard", "impossible_cells", "OUTCOMES"]

#: The outcomes a published cell can have, as in the ``outcome`` column.
OUTCOMES: tuple[str, ...] = ("matched", "impossible", "unmet", "unknown", "anomaly", "not regenerated")


@dataclass(frozen=True)
class Scorecard:
    """Result of :func:`scorecard`.

    Attributes
    ----------
    round : str
        The round's name.
    cells : DataFrame
        One row per published cell: the columns of
        :func:`samanalyse.published.comparison.compare_with_published` plus
        ``outcome`` (one of :data:`OUTCOMES`) and ``audit`` (the audit's
        explanation where it proves the cell impossible).
    reconstructed : bool
        True when the respondent data is a reconstruction.
    """

    round: str
    cells: pd.DataFrame
    reconstructed: bool

    @property
    def counts(self) -> dict[str, int]:
        """Number of published cells per outcome (only outcomes that occur)."""
        return {k: int(v) for k, v in self.cells["outcome"].value_counts().sort_index().items()}

    @property
    def ok(self) -> bool:
        """True when every published number that is possible is matched."""
        return not (self.cells["outcome"] == "unmet").any()

    def largest_deviation(self, outcome: str = "matched") -> float:
        """Largest |regenerated - printed| in percentage points over cells with ``outcome``."""
        sel = self.cells[self.cells["outcome"] == outcome]
        d = (sel["percent"] - sel["published"]).abs()
        return float(d.max()) if d.notna().any() else 0.0

    def summary(self) -> str:
        """A few lines: how many published numbers are matched, impossible, unmet."""
        c = self.counts
        lines = [
            f"Reproduction of round {self.round}"
            + (" (RECONSTRUCTED respondent data, not the original responses)" if self.reconstructed else ""),
            f"  published numbers:          {len(self.cells)}",
            f"  matched:                    {c.get('matched', 0)}",
            f"  impossible per audit:       {c.get('impossible', 0)}",
            f"  unmet (possible, a failure): {c.get('unmet', 0)}",
            f"  unknown / anomaly in print: {c.get('unknown', 0)} / {c.get('anomaly', 0)}",
            f"  not regenerated:            {c.get('not regenerated', 0)}",
            f"  largest deviation, matched: {self.largest_deviation('matched'):.2f} percentage points "
            "(unrounded regenerated vs printed)",
            f"  largest deviation, impossible: {self.largest_deviation('impossible'):.1f} percentage points",
        ]
        unmet = self.cells[self.cells["outcome"] == "unmet"]
        for _, r in unmet.iterrows():
            lines.append(f"  UNMET {r['cell_id']}: printed {r['published']:.0f} %, regenerated {r['percent']:.1f} %")
        return "\n".join(lines)


def impossible_cells(round: Round | str | Path, result: AuditResult | None = None) -> dict[str, str]:
    """``{cell_id: explanation}`` for every published cell the audit proves impossible.

    ``result`` reuses an audit already run (:func:`samanalyse.published.audit.audit_round`).
    """
    if result is None:
        from samanalyse.published.audit import audit_round

        result = audit_round(round)
    out: dict[str, str] = {}
    for f in result.findings:
        if f.severity != "impossible":
            continue
        for cell in f.cells:
            out.setdefault(cell, f.explanation)
    return out


def _outcome(row: pd.Series, excused: dict[str, str]) -> str:
    """The outcome of one compared cell (see the module docstring)."""
    if row["status_published"] in ("unknown", "anomaly"):
        return str(row["status_published"])
    if pd.isna(row["match"]):
        return "not regenerated"
    if bool(row["match"]):
        return "matched"
    return "impossible" if row["cell_id"] in excused else "unmet"


def _outcomes(cmp: pd.DataFrame, excused: dict[str, str]) -> list[str]:
    """:func:`_outcome` of every compared cell, with array operations (the same texts, in the same order)."""
    status = cmp["status_published"]
    match = cmp["match"]
    told = status.isin(["unknown", "anomaly"]).to_numpy(dtype=bool)
    missing = match.isna().to_numpy(dtype=bool)
    matched = np.array([bool(m) if not pd.isna(m) else False for m in match], dtype=bool)
    impossible = cmp["cell_id"].isin(list(excused)).to_numpy(dtype=bool)
    return np.select([told, missing, matched, impossible],
                     [status.astype(str).to_numpy(dtype=object), "not regenerated", "matched", "impossible"],
                     "unmet").tolist()


def scorecard(round: Round | str | Path, data: pd.DataFrame | None = None, *,
              audit: AuditResult | None = None) -> Scorecard:
    """Score a round's regenerated tables against its published numbers.

    Parameters
    ----------
    round : Round, str or pathlib.Path
        The round (resolved once with :func:`~samanalyse.survey.rounds.load_round`).
    data : DataFrame, optional
        Respondent-level data (default: :func:`samanalyse.io.datasets.load_round_data`).
    audit : AuditResult, optional
        The round's audit, if already run (default: run it).
    """
    from samanalyse.io.datasets import load_round_data

    rnd = load_round(round)
    if data is None:
        data = load_round_data(rnd)
    cmp = compare_with_published(all_table_cells(data, codebook=rnd.codebook, catalogue=rnd.catalogue), round=rnd)
    excused = impossible_cells(rnd, audit)
    outcome = _outcomes(cmp, excused)
    cmp = cmp.assign(outcome=outcome, audit=[excused.get(c, "") for c in cmp["cell_id"]])
    return Scorecard(round=rnd.name, cells=cmp, reconstructed=rnd.reconstructed)
