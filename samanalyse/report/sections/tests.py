"""Report section: the plan's named analyses (satisfaction against background, forankring).

The tidy CSVs keep the program's names; the report's tables show the
codebook's labels (items, indices), the plan's labels (background
variables), translated test and effect names, p-values as ``< 0,001`` and
each test's warnings beside it.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.report.context import Context, Section
from samanalyse.report.design import report_designs
from samanalyse.survey.disclosure import SUPPRESSED

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
    designs = report_designs(ctx)
    design_note = [tr.t("design", "tests_note").format(method=designs.weights.method)] if designs is not None else []
    if plan.satisfaction is not None:
        sat = satisfaction_by_background(ctx.data, codebook=rnd.codebook, plan=plan, n_sim=s.n_sim, seed=s.seed,
                                         designs=designs)
        ctx.write_csv("tester_tilfredshet_bakgrunn", sat.table)
        ctx.facts["tests_satisfaction"] = sat.table
        frame, warns = _tidy_tests(ctx, sat.table)
        frame, small = _small_groups(ctx, sat.table, frame, plan.satisfaction.form)
        ctx.add("tester", Section("tilfredshet", tr.t("heading", "tests_satisfaction"), frame,
                                   notes=[*design_note, *small, *_notes(ctx, sat)], warnings=warns,
                                   p_columns=(tr.t("column", "p"), tr.t("column", "p_adjusted"))))
    if plan.forankring is not None:
        fs = forankring_and_samhandling(ctx.data, codebook=rnd.codebook, plan=plan, catalogue=rnd.catalogue,
                                        n_sim=s.n_sim, seed=s.seed, designs=designs)
        ctx.write_csv("tester_forankring_samhandling", fs.table)
        ctx.facts["tests_forankring"] = fs.table
        title = tr.t("heading", "tests_forankring")
        if fs.crosstabs:
            title += f" ({', '.join(fs.crosstabs)})"
        frame, warns = _tidy_tests(ctx, fs.table)
        frame, small = _small_groups(ctx, fs.table, frame, plan.forankring.form)
        ctx.add("tester", Section("forankring", title, frame, notes=[*design_note, *small, *_notes(ctx, fs)],
                                  warnings=warns,
                                   p_columns=(tr.t("column", "p"), tr.t("column", "p_adjusted"))))


def _notes(ctx: Context, result: Any) -> list[str]:
    """An analysis' notes in the report's language (translation group ``analysis_note``), ids as labels.

    The analysis gives each note as a key and its values (:attr:`AnalysisResult.note_parts`); its
    English ``notes`` are used only if it gives none. The weights' note is the section's own.
    """
    from samanalyse.analysis.tables import population_label

    if not result.note_parts:
        return list(result.notes)
    tr, cb = ctx.tr, ctx.round.codebook
    out = []
    for key, values in result.note_parts:
        if key == "design":
            continue
        v = dict(values)
        for name in ("variables", "items"):
            if name in v:
                v[name] = ", ".join(label_of(ctx, x) for x in v[name])
        if "left_out" in v:
            v["left_out"] = ", ".join(f"«{x}»" for x in v["left_out"]) or tr.t("analysis_note", "nothing")
        for name in ("index", "variable"):
            if name in v:
                v[name] = label_of(ctx, v[name])
        if "collapse" in v and values.get("items"):
            try:
                v["collapse"] = cb.item(values["items"][0]).scale.collapse(v["collapse"]).label
            except Exception:  # noqa: BLE001 - a collapse the scale does not know is shown by its name
                pass
        if "form" in v:
            v["form"] = population_label(cb, v["form"])
        if "adjust" in v:
            v["adjust"] = tr.t("analysis_note", f"adjust_{v['adjust']}", default=str(v["adjust"]))
        out.append(tr.t("analysis_note", key).format(**v))
    return out


def _tidy_tests(ctx: Context, t: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The tests with labels and translated names; warnings numbered and returned to be shown beside the table."""
    tr = ctx.tr
    cols = ["test", "outcome", "predictor", "n", "statistic", "df", "p", "p_adjusted", "effect_name", "effect",
            "ci_low", "ci_high"]
    out = t[[c for c in cols if c in t.columns]].copy()
    for c in ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    out["test"] = [tr.t("design", v) if v == "rao_scott" else tr.t("test", v) for v in out["test"]]
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


_NUMBERS = ("statistic", "p", "p_adjusted", "effect", "ci_low", "ci_high")


def _small_groups(ctx: Context, table: pd.DataFrame, frame: pd.DataFrame, form: str | None
                  ) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with ``:`` for the numbers of a term that is one group (``size_class[Små kommuner]``) with
    fewer respondents than the round's disclosure rules allow (``min_base``), and the note that says so.

    The tests themselves are of whole tables (the prikking step has merged groups too small to keep);
    only a regression's term for one group is that group's own number. No rules: unchanged.
    """
    rules = ctx.round.disclosure
    if rules is None or ctx.data is None:
        return frame, []
    data = ctx.data if form is None or "form" not in ctx.data else ctx.data[ctx.data["form"] == form]
    hide = np.zeros(len(table), bool)
    for i, name in enumerate(table["predictor"].astype(str)):
        m = re.fullmatch(r"(.+)\[(.+)\]", name)
        if m and m.group(1) in data and int((data[m.group(1)].astype(str) == m.group(2)).sum()) < rules.min_base:
            hide[i] = True
    if not hide.any():
        return frame, []
    out = frame.copy()
    cols = [ctx.tr.t("column", c) for c in _NUMBERS if ctx.tr.t("column", c) in out]
    for c in cols:
        out[c] = out[c].astype(object).where(~hide, SUPPRESSED)
    return out, [ctx.tr.t("design", "suppressed_groups").format(min_base=rules.min_base)]
