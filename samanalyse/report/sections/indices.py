"""Report section: reliability of the indices the plan names (``plan.reliability``).

With weights (``round.yaml`` ``weights:`` or ``--weights``) also the indices' mean scores and class
shares, unweighted beside weighted with design-based SE, design effect and interval, overall and by
RHF and size class (``tables/indekser_vektet.csv``); a group with fewer respondents than the round's
disclosure rules allow (``min_base``) is shown as ``:``.
"""

from __future__ import annotations

import pandas as pd

from samanalyse.analysis.tables import BY_BREAKDOWN
from samanalyse.report.context import Context, Section
from samanalyse.survey.disclosure import SUPPRESSED
from samanalyse.survey.plan import Reliability

__all__ = ["run", "prepare"]


def _labels(ctx: Context) -> dict[str, str]:
    """Column labels of the reliability table in the report's language."""
    t = ctx.tr.t
    ci_lo, ci_hi = t("column", "ci_low"), t("column", "ci_high")
    return {"indeks": t("column", "index"), "ledd": t("column", "items"), "n": "n", "alpha": t("column", "alpha"),
            "alpha_ci_lav": f"alfa {ci_lo}", "alpha_ci_høy": f"alfa {ci_hi}", "omega": t("column", "omega"),
            "omega_ci_lav": f"omega {ci_lo}", "omega_ci_høy": f"omega {ci_hi}"}


def run(ctx: Context) -> None:
    """Cronbach's alpha and McDonald's omega of each planned index, on the plan's form; weighted estimates."""
    plan = ctx.round.plan.reliability
    if plan is None:
        return
    _reliability(ctx, plan)
    _weighted(ctx, plan)


def prepare(ctx: Context) -> list[dict[str, object]] | None:
    """Alpha and omega (with its bootstrap interval) of each planned index: one row per index; None when the
    plan names no index. The heavy part of the step, from the data and the plan only, so the report may
    compute it ahead in another process."""
    from samanalyse.analysis.indices import cronbach_alpha, mcdonald_omega

    plan = ctx.round.plan.reliability
    if plan is None or ctx.data is None:
        return None
    cb = ctx.round.codebook
    data = ctx.data[ctx.data["form"] == plan.form]
    rows: list[dict[str, object]] = []
    for name in plan.indices:
        ix = cb.indices[name]
        a = cronbach_alpha(data, codebook=cb, index=name, scoring="index")
        o = mcdonald_omega(data, codebook=cb, index=name, scoring="index", n_boot=plan.omega_n_boot,
                           seed=ctx.settings.seed)
        rows.append({
            "indeks": ix.label, "ledd": len(ix.items), "n": a.n, "alpha": a.alpha, "alpha_ci_lav": a.ci_low,
            "alpha_ci_høy": a.ci_high, "omega": o.omega_total, "omega_ci_lav": o.ci_low, "omega_ci_høy": o.ci_high,
        })
    return rows


def _reliability(ctx: Context, plan: Reliability) -> None:
    """Cronbach's alpha and McDonald's omega of each planned index."""
    rows = ctx.prepared(prepare) or []
    frame = pd.DataFrame(rows)
    ctx.write_csv("indekser_reliabilitet", frame)
    tr = ctx.tr
    warns = [f"{r['indeks']}: {tr.t('note', 'omega_above_one')}" for r in rows
             if r["omega"] == r["omega"] and r["omega"] > 1]
    ctx.add("indekser", Section("reliabilitet", tr.t("heading", "reliability").format(form=plan.form),
                                 frame.round(3).rename(columns=_labels(ctx)), warnings=warns,
                                 notes=[f"Omega: én-faktor minres, bootstrap-intervall ({plan.omega_n_boot} trekk, "
                                        "fast frø)."]))


_NUMBERS = ("unweighted", "weighted", "weighted_se", "deff", "weighted_ci_low", "weighted_ci_high")


def _weighted(ctx: Context, plan: Reliability) -> None:
    """Index means and class shares, unweighted and weighted, overall and by group (only with weights)."""
    from samanalyse.analysis.design_indices import index_estimates
    from samanalyse.report.design import report_designs   # here: prepare() runs where scipy.stats is not imported

    designs = report_designs(ctx)
    if designs is None:
        return
    cb = ctx.round.codebook
    est = index_estimates(ctx.data, list(plan.indices), codebook=cb, form=plan.form,
                          by=[b for b in BY_BREAKDOWN if b], designs=designs)
    tr = ctx.tr
    notes = [tr.t("design", "index_note").format(method=designs.weights.method)]
    rules = ctx.round.disclosure
    if rules is not None:
        small = est["n"] < rules.min_base
        if small.any():
            est = est.astype({c: object for c in _NUMBERS})
            est.loc[small, list(_NUMBERS)] = SUPPRESSED
            notes.append(tr.t("design", "suppressed_groups").format(min_base=rules.min_base))
    ctx.write_csv("indekser_vektet", est)
    shown = est.copy()
    shown["index"] = [str(cb.indices[i].label) for i in shown["index"]]
    shown["by"] = [tr.t("column", b) if b else tr.t("design", "all") for b in shown["by"]]
    shown["statistic"] = [tr.t("design", "mean") if s == "mean" else f"{tr.t('design', 'share')} {s}"
                          for s in shown["statistic"]]
    for c in _NUMBERS:
        shown[c] = [v if v == SUPPRESSED else round(float(v), 3) for v in shown[c]]
    labels = {c: tr.t("design", c) for c in ("index", "by", "group", "statistic", "unweighted", "weighted",
                                              "weighted_se", "deff", "weighted_ci_low", "weighted_ci_high")}
    ctx.add("indekser", Section("vektet", tr.t("design", "index_title"), shown.rename(columns=labels), notes=notes))
