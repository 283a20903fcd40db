"""The one-command report: regenerate a round's tables and figures into a folder.

:func:`build_report` runs named steps; each writes into a temporary folder,
which replaces the target folder only when every step has succeeded (nothing
half-written). Output:

- ``index.html``: one self-contained report (Norwegian; the study's table
  numbers and titles; regenerated value, published value and difference side
  by side; audit findings where they apply; a banner when the data is
  reconstructed; a short methods section; figures embedded);
- ``rapport.xlsx``: one sheet per table, percentages formatted, frozen
  headers, fitted column widths, no formulas;
- ``tables/*.csv``: every table in tidy form, with published value and difference;
- ``figures/*.png`` and ``*.svg``;
- ``manifest.json``: package version, inputs with sha256, settings, time per step.

Table files carry no timestamps, so a rerun on the same input gives
byte-identical CSV and XLSX files; run times go to ``manifest.json`` only.
"""

from __future__ import annotations

import json
import platform
import time
import warnings
from pathlib import Path
from typing import Callable

from samanalyse import __version__
from samanalyse.errors import SamanalyseWarning
from samanalyse.io.atomic import atomic_dir, sha256_file
from samanalyse.report.context import Context, ReportResult, ReportSettings
from samanalyse.report.html import write_html
from samanalyse.report.sections import audit, indices, priorities, respondents, tables, tests
from samanalyse.report.xlsx import write_xlsx
from samanalyse.survey.paths import data_dir, register_dir
from samanalyse.survey.rounds import load_round

__all__ = ["ReportResult", "ReportSettings", "build_report", "STEPS"]


def _step_data(ctx: Context) -> None:
    """Load the round's data (through the validating loaders) and audit the published numbers."""
    from samanalyse.published.audit import audit_round
    from samanalyse.io.datasets import load_round_data

    rnd = ctx.round
    ctx.data = load_round_data(rnd.name)
    ctx.facts["audit_result"] = audit_round(rnd.name)
    for f in ("codebook.yaml", "round.yaml", "respondents.csv", "tables.yaml"):
        ctx.inputs.append(rnd.path / f)
    ctx.inputs += [rnd.responses_path(f) for f in rnd.meta.get("responses", {})]
    ctx.inputs += [data_dir() / "published" / rnd.name / "cells.csv", register_dir() / f"kommuner_{rnd.register_year}.csv",
                   register_dir() / f"helseforetak_{rnd.register_year}.csv"]


#: Report steps in run order: (name, function).
STEPS: list[tuple[str, Callable[[Context], None]]] = [
    ("data", _step_data),
    ("respondenter", respondents.run),
    ("tabeller", tables.run),
    ("revisjon", audit.run),
    ("indekser", indices.run),
    ("tester", tests.run),
    ("faktoranalyse", priorities.run),
    ("html", write_html),
    ("xlsx", write_xlsx),
]


def build_report(
    round: str = "2010",
    out: str | Path = "reports/2010",
    *,
    settings: ReportSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Regenerate a round's report into ``out`` (replaced whole, or not at all).

    Parameters
    ----------
    round : str
        The survey round, e.g. ``"2010"``.
    out : str or Path
        Target folder; written via a temporary folder and swapped in at the end.
    settings : ReportSettings, optional
        Seeds and iteration counts (recorded in the manifest).
    progress : callable, optional
        Called with one line of text per finished step.

    Returns
    -------
    ReportResult
    """
    import matplotlib

    matplotlib.use("Agg")
    rnd = load_round(round)
    settings = settings or ReportSettings()
    timings: list[tuple[str, float]] = []
    with atomic_dir(out) as tmp:
        ctx = Context(round=rnd, out=tmp, settings=settings)
        caught: list[str] = []
        for name, fn in STEPS:
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always", SamanalyseWarning)
                fn(ctx)
            caught += [f"{name}: {w.category.__name__}: {w.message}" for w in seen
                       if issubclass(w.category, SamanalyseWarning)]
            for w in seen:  # anything else is shown as usual
                if not issubclass(w.category, SamanalyseWarning):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            dt = time.perf_counter() - t0
            timings.append((name, dt))
            if progress:
                progress(f"[{len(timings)}/{len(STEPS)}] {name} ({dt:.1f} s)")
        manifest = {
            "samanalyse_version": __version__,
            "python": platform.python_version(),
            "round": rnd.name,
            "reconstructed_data": rnd.reconstructed,
            "settings": settings.__dict__,
            "inputs": [
                {"file": str(p.relative_to(data_dir())), "sha256": sha256_file(p)}
                for p in sorted(set(ctx.inputs))
            ],
            "files": sorted(ctx.files),
            "scorecard": ctx.facts.get("scorecard", {}),
            "audit": ctx.facts.get("audit", {}),
            "steps": [{"step": n, "seconds": float(f"{t:.3f}")} for n, t in timings],
            "factor_timings": ctx.facts.get("factor_timings", {}),
            "warnings": sorted(set(caught)),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        ctx.files.append("manifest.json")
    return ReportResult(Path(out), tuple(sorted(ctx.files)), tuple(timings), ctx.facts.get("scorecard", {}))
