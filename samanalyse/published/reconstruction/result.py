"""What a reconstruction produced: responses, the constraint report, and writing them.

The constraint report has one row per published number and assumption
(:data:`REPORT_COLUMNS`); :func:`write_reconstruction` writes the response
files, the report and a short summary, each atomically
(:func:`samanalyse.io.atomic.atomic_file`), each saying the data is
reconstructed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samanalyse.io.atomic import atomic_file
from samanalyse.published.reconstruction.targets import Skipped, Target
from samanalyse.survey.rounds import Round, load_round

__all__ = ["ReconstructionResult", "constraint_report", "write_reconstruction", "RECONSTRUCTION_HEADER",
           "REPORT_COLUMNS"]

#: First line of every file the reconstruction writes beside the data.
RECONSTRUCTION_HEADER = (
    "RECONSTRUCTED DATA - not the original survey responses. Built by samanalyse to agree with the "
    "published numbers of the study; see README.md."
)
#: Columns of the constraint report.
REPORT_COLUMNS: tuple[str, ...] = (
    "target", "kind", "status", "tables", "cells", "form", "items", "group", "description", "printed",
    "target_low", "target_high", "achieved", "numerator", "base", "reason",
)


@dataclass(frozen=True)
class ReconstructionResult:
    """What :func:`~samanalyse.published.reconstruction.reconstruct` produced.

    Attributes
    ----------
    responses : dict
        ``{form: DataFrame}`` with column ``respondent`` and one column per
        item of the form (labels; ``None`` = blank).
    report : pandas.DataFrame
        The constraint report (:data:`REPORT_COLUMNS`), one row per published
        number and assumption.
    seconds : float
        Wall time of the reconstruction.
    blocks : tuple
        ``(block, number of items, seconds)`` per integer program.
    """

    responses: dict[str, pd.DataFrame]
    report: pd.DataFrame
    seconds: float
    blocks: tuple[tuple[str, int, float], ...] = field(default=())

    def summary(self) -> str:
        """A few lines: how many published numbers are met, unmet, unusable."""
        rep = self.report
        pub = rep[rep["kind"] == "published"]
        lines = [
            f"Published numbers: {len(pub)}",
            *(f"  {k}: {v}" for k, v in pub["status"].value_counts().sort_index().items()),
            f"Assumptions: {int((rep['kind'] == 'assumption').sum())} "
            f"({int(((rep['kind'] == 'assumption') & (rep['status'] == 'met')).sum())} met)",
            f"Time: {self.seconds:.1f} s",
        ]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The constraint report."""
        return self.report


def _status(t: Target, a: pd.Series, targets: list[Target], achieved: pd.DataFrame) -> tuple[str, str]:
    """Status and reason of one target: met, unmet, impossible (no count rounds to it) or contradictory."""
    if a["met"]:
        return "met", ""
    if not (t.type == "share" and t.kind == "published"):
        return "unmet", ""
    base = int(a["base"])
    if base and math.ceil(base * t.low - 1e-9) > math.floor(base * t.high + 1e-9):
        return "impossible", (
            f"no count k of {base} gives {t.printed} %: "
            f"{math.floor(base * t.low)}/{base} = {100 * math.floor(base * t.low) / base:.1f} %, "
            f"{math.ceil(base * t.high)}/{base} = {100 * math.ceil(base * t.high) / base:.1f} %"
        )
    others = sorted(
        o.cells for o in targets
        if o.kind == "published" and o.id != t.id and o.form == t.form and o.items == t.items
        and achieved.loc[o.id, "met"]
    )
    return "contradictory", (
        "contradicts other published numbers on the same item: the integer program proves that "
        f"at most all but this one of {t.cells} and {', '.join(others)} hold together"
    )


def constraint_report(targets: list[Target], skipped: list[Skipped], achieved: pd.DataFrame,
                      forms: dict[str, str]) -> pd.DataFrame:
    """The constraint report: every target with what the data achieves, then every skipped cell.

    ``achieved`` is :func:`~samanalyse.published.reconstruction.targets.evaluate_targets`
    indexed by target; ``forms`` maps the published populations to forms.
    """
    rows = []
    for t in targets:
        a = achieved.loc[t.id]
        if t.type == "order":
            ach = f"{int(a['numerator'])} vs {int(a['base'])}"
        else:
            ach = "" if pd.isna(a["achieved"]) else f"{100 * a['achieved']:.1f}"
        status, reason = _status(t, a, targets, achieved)
        rows.append({
            "target": t.id, "kind": t.kind, "status": status, "tables": t.tables, "cells": t.cells,
            "form": t.form, "items": " ".join(t.items) + (f" > {' '.join(t.items_other)}" if t.items_other else ""),
            "group": t.group[1], "description": t.description, "printed": t.printed,
            "target_low": "" if t.type == "order" else f"{100 * t.low:.1f}",
            "target_high": "" if t.type == "order" else f"{100 * t.high:.1f}",
            "achieved": ach, "numerator": int(a["numerator"]), "base": int(a["base"]), "reason": reason,
        })
    for s in skipped:
        c = s.cell
        rows.append({
            "target": c["cell_id"], "kind": "published", "status": s.status, "tables": c["table"],
            "cells": c["cell_id"], "form": forms.get(c["population"], ""), "items": c["item"],
            "group": c["group"], "description": f"{c['category']} on {c['item'] or c['table']} ({c['population'] or 'n/a'})",
            "printed": c["value"], "target_low": "", "target_high": "", "achieved": "", "numerator": "",
            "base": "", "reason": s.reason,
        })
    rep = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    order = {"published": 0, "assumption": 1}
    rep["_k"] = rep["kind"].map(order)
    return rep.sort_values(["_k", "target"], kind="stable").drop(columns="_k").reset_index(drop=True)


def write_reconstruction(result: ReconstructionResult, round: Round | str | Path,
                         out: str | Path | None = None) -> list[Path]:
    """Write the response files and the constraint report (each file atomically).

    Files: ``responses_<form>.csv`` as named in ``round.yaml`` (UTF-8, header
    row first, ``respondent`` then item ids, labels, blank for no answer),
    ``constraint_report.csv`` and ``constraint_summary.txt``; into ``out``
    (default: the round's folder).
    """
    rnd = load_round(round)
    folder = Path(out) if out is not None else rnd.path
    written = []
    for form, frame in result.responses.items():
        path = folder / Path(rnd.responses_path(form)).name
        with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, lineterminator="\n")
        written.append(path)
    path = folder / "constraint_report.csv"
    with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
        result.report.to_csv(fh, index=False, lineterminator="\n")
    written.append(path)
    path = folder / "constraint_summary.txt"
    summary = result.summary().rsplit("\nTime:", 1)[0]  # no timings: reruns give identical files
    with atomic_file(path, "w", encoding="utf-8") as fh:
        fh.write(RECONSTRUCTION_HEADER + "\n\n" + summary + "\n")
    written.append(path)
    return written
