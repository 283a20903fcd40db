"""Report section: the plan's named analyses (satisfaction against background, forankring).

The tidy CSVs keep the program's names; the report's tables show the
codebook's labels (items, indices), the plan's labels (background
variables), translated test and effect names, p-values as ``< 0,001`` and
each test's warnings beside it.
"""

from __future__ import annotations

import re

import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run", "label_of"]


def label_of(ctx: Context, name: str) -> str:
    """The label of an item, index or background variable (``size_class[Store kommuner]`` keeps its level)."""
    cb, plan = ctx.round.codebook, ctx.round.plan
    m = re.fullmatch(r"(.+)\[(.+)\]", name)
    if m:
        return f"{label_of(ctx, m.group(1))}: {m.group(2)}"
    if name in cb.indices:
        return str(cb.indices[name].label)
    try:
        return str(cb.item(name).label)
    except Exception:  # noqa: BLE001 - not an item: a background variable or "(all)"
        pass
    if name in plan.background:
        return str(plan.background_of(name).label)
    return ctx.tr.t("variable", name)  # a derived variable (e.g. a log of a register column), or the name


def run(ctx: Context) -> None:
    """The plan's ``satisfaction`` and ``forankring`` analyses, all tests in one tidy table each."""
    from samanalyse.analysis.planned import (
        forankring_and_samhandling,
        satisfaction_by_background,
    )

    rnd, s = ctx.round, ctx.settings
    plan = rnd.plan
    tr = ctx.tr
    if plan.satisfaction is not None:
        sat = satisfaction_by_background(ctx.data, codebook=rnd.codebook, plan=plan, n_sim=s.n_sim, seed=s.seed)
        ctx.write_csv("tester_tilfredshet_bakgrunn", sat.table)
        ctx.facts["tests_satisfaction"] = sat.table
        frame, warns = _tidy_tests(ctx, sat.table)
        ctx.add("tester", Section("tilfredshet", tr.t("heading", "tests_satisfaction"), frame,
                                   notes=list(sat.notes), warnings=warns,
                                   p_columns=(tr.t("column", "p"), tr.t("column", "p_adjusted"))))
    if plan.forankring is not None:
        fs = forankring_and_samhandling(ctx.data, codebook=rnd.codebook, plan=plan, catalogue=rnd.catalogue,
                                        n_sim=s.n_sim, seed=s.seed)
        ctx.write_csv("tester_forankring_samhandling", fs.table)
        ctx.facts["tests_forankring"] = fs.table
        title = tr.t("heading", "tests_forankring")
        if fs.crosstabs:
            title += f" ({', '.join(fs.crosstabs)})"
        frame, warns = _tidy_tests(ctx, fs.table)
        ctx.add("tester", Section("forankring", title, frame, notes=list(fs.notes), warnings=warns,
                                   p_columns=(tr.t("column", "p"), tr.t("column", "p_adjusted"))))


def _tidy_tests(ctx: Context, t: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The tests with labels and translated names; warnings numbered and returned to be shown beside the table."""
    tr = ctx.tr
    cols = ["test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted", "effect_name", "effect",
            "ci_low", "ci_high"]
    out = t[[c for c in cols if c in t.columns]].copy()
    for c in ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    out["test"] = [tr.t("test", v) for v in out["test"]]
    out["outcome"] = [label_of(ctx, v) for v in out["outcome"]]
    out["predictor"] = [label_of(ctx, v) for v in out["predictor"]]
    if "effect_name" in out:
        out["effect_name"] = [tr.t("effect", v) if isinstance(v, str) else "" for v in out["effect_name"]]
    warns: list[str] = []
    marks = []
    for w in t.get("warnings", pd.Series([""] * len(t))).fillna(""):
        if w:
            warns.append(str(w))
            marks.append(f"({len(warns)})")
        else:
            marks.append("")
    if warns:
        out["warnings"] = marks
    return out.rename(columns={c: tr.t("column", c) for c in out.columns}), warns
