"""Report section: the plan's named analyses (tests against background, forankring)."""

from __future__ import annotations

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """The study's two claims as named analyses, with all tests in one tidy table each."""
    from samanalyse.analysis.inference import forankring_and_samhandling, satisfaction_by_background

    cb = ctx.round.codebook
    s = ctx.settings
    sat = satisfaction_by_background(ctx.data, codebook=cb, n_sim=s.n_sim, seed=s.seed)
    ctx.write_csv("tester_tilfredshet_bakgrunn", sat.table)
    ctx.add("tester", Section("tilfredshet", "Tilfredshet og bakgrunnsvariabler (avsnitt 2.4)",
                               _tidy_tests(sat.table), notes=list(sat.notes)))
    fs = forankring_and_samhandling(ctx.data, codebook=cb, form="kommune", n_sim=s.n_sim, seed=s.seed)
    ctx.write_csv("tester_forankring_samhandling", fs.table)
    ctx.add("tester", Section("forankring", "Forankring, kompetanse og samhandling (avsnitt 3.1–3.2, Tabell 56–57)",
                               _tidy_tests(fs.table), notes=list(fs.notes)))


def _tidy_tests(t: pd.DataFrame) -> pd.DataFrame:
    cols = ["test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted", "effect_name", "effect",
            "ci_low", "ci_high", "warnings"]
    out = t[[c for c in cols if c in t.columns]].copy()
    for c in ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out
