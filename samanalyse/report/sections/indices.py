"""Report section: reliability of the indices the plan names (``plan.reliability``)."""

from __future__ import annotations

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def _labels(ctx: Context) -> dict[str, str]:
    """Column labels of the reliability table in the report's language."""
    t = ctx.tr.t
    ci_lo, ci_hi = t("column", "ci_low"), t("column", "ci_high")
    return {"indeks": t("column", "index"), "ledd": t("column", "items"), "n": "n", "alpha": t("column", "alpha"),
            "alpha_ci_lav": f"alfa {ci_lo}", "alpha_ci_høy": f"alfa {ci_hi}", "omega": t("column", "omega"),
            "omega_ci_lav": f"omega {ci_lo}", "omega_ci_høy": f"omega {ci_hi}"}


def run(ctx: Context) -> None:
    """Cronbach's alpha and McDonald's omega of each planned index, on the plan's form."""
    from samanalyse.analysis.indices import cronbach_alpha, mcdonald_omega

    plan = ctx.round.plan.reliability
    if plan is None:
        return
    cb = ctx.round.codebook
    data = ctx.data[ctx.data["form"] == plan.form]
    rows = []
    for name in plan.indices:
        ix = cb.indices[name]
        a = cronbach_alpha(data, codebook=cb, index=name, scoring="index")
        o = mcdonald_omega(data, codebook=cb, index=name, scoring="index", n_boot=plan.omega_n_boot,
                           seed=ctx.settings.seed)
        rows.append({
            "indeks": ix.label, "ledd": len(ix.items), "n": a.n, "alpha": a.alpha, "alpha_ci_lav": a.ci_low,
            "alpha_ci_høy": a.ci_high, "omega": o.omega_total, "omega_ci_lav": o.ci_low, "omega_ci_høy": o.ci_high,
        })
    frame = pd.DataFrame(rows)
    ctx.write_csv("indekser_reliabilitet", frame)
    tr = ctx.tr
    warns = [f"{r['indeks']}: {tr.t('note', 'omega_above_one')}" for r in rows
             if r["omega"] == r["omega"] and r["omega"] > 1]
    ctx.add("indekser", Section("reliabilitet", tr.t("heading", "reliability").format(form=plan.form),
                                 frame.round(3).rename(columns=_labels(ctx)), warnings=warns,
                                 notes=[f"Omega: én-faktor minres, bootstrap-intervall ({plan.omega_n_boot} trekk, "
                                        "fast frø)."]))
