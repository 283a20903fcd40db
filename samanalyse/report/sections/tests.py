"""Report section: the plan's named analyses (satisfaction against background, forankring)."""

from __future__ import annotations

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """The plan's ``satisfaction`` and ``forankring`` analyses, all tests in one tidy table each."""
    from samanalyse.analysis.planned import (
        forankring_and_samhandling,
        satisfaction_by_background,
    )

    rnd, s = ctx.round, ctx.settings
    plan = rnd.plan
    if plan.satisfaction is not None:
        sat = satisfaction_by_background(ctx.data, codebook=rnd.codebook, plan=plan, n_sim=s.n_sim, seed=s.seed)
        ctx.write_csv("tester_tilfredshet_bakgrunn", sat.table)
        ctx.add("tester", Section("tilfredshet", "Tilfredshet og bakgrunnsvariabler", _tidy_tests(sat.table),
                                   notes=list(sat.notes)))
    if plan.forankring is not None:
        fs = forankring_and_samhandling(ctx.data, codebook=rnd.codebook, plan=plan, catalogue=rnd.catalogue,
                                        n_sim=s.n_sim, seed=s.seed)
        ctx.write_csv("tester_forankring_samhandling", fs.table)
        title = "Forankring og samhandling"
        if fs.crosstabs:
            title += f" ({', '.join(fs.crosstabs)})"
        ctx.add("tester", Section("forankring", title, _tidy_tests(fs.table), notes=list(fs.notes)))


def _tidy_tests(t: pd.DataFrame) -> pd.DataFrame:
    cols = ["test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted", "effect_name", "effect",
            "ci_low", "ci_high", "warnings"]
    out = t[[c for c in cols if c in t.columns]].copy()
    for c in ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out
