"""Key findings at the top of the report, written from the results.

Each finding carries its number, a link to the table it comes from and its
basis: for a round on reconstructed data, whether it rests on the published
numbers (a share or cross-table the study printed) or on the reconstruction's
assumptions (anything the study did not print: associations with variables
it did not cross, factor structures, clusters). A factor structure the
reconstruction was built to contain is not reported as a finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from samanalyse.report.context import Context

__all__ = ["KeyFinding", "key_findings"]

_ALPHA = 0.05
#: Groups smaller than this are left out of the "largest difference" findings (their intervals span most of 0-100).
_MIN_N = 10


@dataclass(frozen=True)
class KeyFinding:
    """One sentence, the anchor of its table, the link's text and its basis."""

    text: str
    anchor: str
    link_text: str
    basis: str


def _basis(ctx: Context, published: bool) -> str:
    tr = ctx.tr
    if not ctx.round.reconstructed:
        return tr.t("word", "rests_data")
    return tr.t("word", "rests_published" if published else "rests_assumption")


def _reproduction(ctx: Context) -> list[KeyFinding]:
    sc = ctx.facts.get("scorecard")
    if not sc:
        return []
    tr = ctx.tr
    text = tr.t("finding", "reproduced").format(matched=sc.get("matched", 0), total=sum(sc.values()),
                                                 impossible=sc.get("impossible", 0))
    return [KeyFinding(text, "tabeller", tr.t("heading", "tabeller"), _basis(ctx, True))]


def _largest_differences(ctx: Context, limit: int = 3) -> list[KeyFinding]:
    """The largest difference between groups in the last category's share, per breakdown of the study tables."""
    tr, cat = ctx.tr, ctx.round.catalogue
    cells = ctx.facts.get("table_cells", {})
    found = []
    for tid, c in cells.items():
        spec = cat.tables[tid]
        if spec.get("kind") != "by_group" or not spec.get("by"):
            continue
        category = spec["categories"][-1]
        sel = c[(c["category"] == category) & ~c["breakdown"].isin(["total", "note"]) & c["percent"].notna()
                & (c["n"] >= _MIN_N)]
        for pop, g in sel.groupby("population", sort=False):
            if len(g) < 2:
                continue
            hi, lo = g.loc[g["percent"].idxmax()], g.loc[g["percent"].idxmin()]
            found.append((float(hi["percent"] - lo["percent"]), tid, pop, category, hi, lo))
    found.sort(key=lambda x: (-x[0], x[1]))
    out = []
    for diff, tid, pop, category, hi, lo in found[:limit]:
        text = tr.t("finding", "difference").format(
            population=pop, category=category, hi=hi["group"], hi_pct=tr.percent(hi["percent"]),
            hi_n=int(hi["n"]), lo=lo["group"], lo_pct=tr.percent(lo["percent"]), lo_n=int(lo["n"]),
            hi_ci=f"{tr.percent(hi['ci_low'])}–{tr.percent(hi['ci_high'])}",
            lo_ci=f"{tr.percent(lo['ci_low'])}–{tr.percent(lo['ci_high'])}",
            diff=tr.percent(diff))
        out.append(KeyFinding(text, f"tabeller-{tid}", cat.label(tid), _basis(ctx, True)))
    return out


def _printed_crosses(ctx: Context) -> set[tuple[str, str]]:
    """(item, breakdown) pairs the catalogue's tables print: associations that rest on published numbers."""
    return {(s.get("item", ""), s.get("by") or "") for s in ctx.round.catalogue.tables.values()}


def _associations(ctx: Context) -> list[KeyFinding]:
    """Which associations hold after adjustment for multiple tests (adjusted p below 0.05), per planned family."""
    from samanalyse.report.sections.tests import label_of

    tr = ctx.tr
    crosses = _printed_crosses(ctx)
    out = []
    for fact, anchor, published_family in (("tests_satisfaction", "tester-tilfredshet", False),
                                           ("tests_forankring", "tester-forankring", True)):
        t: pd.DataFrame | None = ctx.facts.get(fact)
        if t is None or t.empty:
            continue
        t = t.assign(p_adjusted=pd.to_numeric(t["p_adjusted"], errors="coerce"))
        held = t[t["p_adjusted"] < _ALPHA]
        pairs = list(dict.fromkeys(zip(held["outcome"], held["predictor"])))
        total = len(dict.fromkeys(zip(t["outcome"], t["predictor"])))
        link = tr.t("heading", fact)
        if not pairs:
            out.append(KeyFinding(tr.t("finding", "none_held").format(total=total), anchor, link,
                                  _basis(ctx, False)))
            continue
        for outcome, predictor in pairs:
            rows = held[(held["outcome"] == outcome) & (held["predictor"] == predictor)]
            best = rows.loc[rows["p_adjusted"].idxmin()]
            published = published_family or (outcome, predictor) in crosses
            value = tr.number(pd.to_numeric(best.get("effect"), errors="coerce"), 2)
            text = tr.t("finding", "association" if value else "association_no_effect").format(
                outcome=label_of(ctx, outcome), predictor=label_of(ctx, predictor),
                test=tr.t("test", best["test"]), p=tr.p_value(best["p_adjusted"]), n=int(best["n"]),
                effect=tr.t("effect", str(best.get("effect_name", ""))), value=value)
            out.append(KeyFinding(text, anchor, link, _basis(ctx, published)))
        if len(pairs) < total:
            out.append(KeyFinding(tr.t("finding", "rest_not_held").format(rest=total - len(pairs), total=total), anchor,
                                  link, _basis(ctx, published_family)))
    return out


def _clusters(ctx: Context) -> list[KeyFinding]:
    """The clusters of the priorities, only for data that is not reconstructed (there they are its assumption)."""
    if ctx.round.reconstructed:
        return []
    n = ctx.facts.get("n_clusters")
    if not n:
        return []
    tr = ctx.tr
    return [KeyFinding(tr.t("finding", "clusters").format(n=n), "faktorer-klynger", tr.t("heading", "faktorer"),
                       _basis(ctx, False))]


def key_findings(ctx: Context) -> list[KeyFinding]:
    """The report's key findings, in order: reproduction, largest differences, associations, clusters."""
    return _reproduction(ctx) + _largest_differences(ctx) + _associations(ctx) + _clusters(ctx)
