"""Report section: reliability of the codebook's indices."""

from __future__ import annotations

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def run(ctx: Context) -> None:
    """Reliability of the three indices (alpha, omega) on the kommuner."""
    from samanalyse.analysis.indices import cronbach_alpha, mcdonald_omega

    cb = ctx.round.codebook
    k = ctx.data[ctx.data["form"] == "kommune"]
    rows = []
    for name, ix in cb.indices.items():
        a = cronbach_alpha(k, codebook=cb, index=name, scoring="index")
        o = mcdonald_omega(k, codebook=cb, index=name, scoring="index", n_boot=200, seed=ctx.settings.seed)
        rows.append({
            "indeks": ix.label, "ledd": len(ix.items), "n": a.n, "alpha": a.alpha, "alpha_ci_lav": a.ci_low,
            "alpha_ci_høy": a.ci_high, "omega": o.omega_total, "omega_ci_lav": o.ci_low, "omega_ci_høy": o.ci_high,
        })
    frame = pd.DataFrame(rows)
    ctx.write_csv("indekser_reliabilitet", frame)
    ctx.add("indekser", Section("reliabilitet", "Reliabilitet for indeksene (kommuner; 1 poeng per ledd som i Tabell 56–57)",
                                 frame.round(3), notes=["Omega: én-faktor minres, bootstrap-intervall (200 trekk, fast frø)."]))
