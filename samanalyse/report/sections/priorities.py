"""Report section: factor analysis of the prioritised virkemidler, with its figures, all from the round's plan."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from samanalyse.report.context import Context, Section

if TYPE_CHECKING:
    from samanalyse.analysis.priorities import PrioritiesResult
    from samanalyse.report.drawing import Drawn, FigurePlan

__all__ = ["run", "prepare", "Prepared"]

_RECONSTRUCTED = " – rekonstruerte data, ikke studiens tall"


def _finding_section(ctx: Context, res: PrioritiesResult) -> Section | None:
    """The plan's expected finding (who prefers which cluster), its title and verdict built from plan labels."""
    f = res.finding
    if f is None:
        return None
    plan = ctx.round.plan
    bg = plan.background_of(f.by)
    label = plan.priorities.clusters[f.cluster].label or f.cluster
    concept = bg.concept or bg.label
    more = "oftere" if f.expected == "more" else "sjeldnere"
    ctx.write_csv(f"faktor_{f.by}", f.test)
    tr = ctx.tr
    if ctx.round.reconstructed:  # the reconstruction was built to contain the plan's expectation: not a finding
        note = tr.t("note", "expected_reconstructed")
    else:
        note = f"{tr.t('note', 'expected')}: {tr.t('word', 'affirm' if f.as_expected else 'deny')}."
    return Section(
        f.by, f"{bg.label}: foretrekkes {label} ({f.cluster}) {more} jo mer «{concept}»?", f.test.round(4),
        notes=[note])


def _data_figures(ctx: Context) -> list[FigurePlan]:
    """The figures of the data alone, drawn by the step itself: one priority figure per planned form.

    They need no result of the factor analysis, so the report's process draws them while the analysis
    runs ahead in a background process (issue 17); the files are the same wherever they are drawn.
    """
    from samanalyse.report.drawing import FigurePlan
    from samanalyse.report.figures import plot_priorities

    pr = ctx.round.plan.priorities
    figs: list[FigurePlan] = []
    for form in pr.figure_forms:
        title = pr.figures.get(form)
        make = partial(plot_priorities, ctx.data, codebook=ctx.round.codebook, form=form, title=title,
                       lang=ctx.lang, note=pr.figure_note if ctx.round.reconstructed else None)
        n = int((ctx.data["form"] == form).sum()) if "form" in ctx.data.columns else len(ctx.data)
        caption = pr.figure_captions.get(form) or (title.format(n=n) if title else f"Prioriteringer ({form})")
        if ctx.round.reconstructed:
            caption += _RECONSTRUCTED
        figs.append(FigurePlan(pr.figure_files.get(form, f"prioriteringer_{form}"), caption, make))
    return [f for f in figs if f.name not in _ANALYSIS_FIGURES]   # a name planned twice: the later plan's


#: File names of the figures of the factor analysis's results (:func:`_analysis_figures`).
_ANALYSIS_FIGURES = ("faktorladninger", "parallellanalyse")


def _analysis_figures(ctx: Context, res: PrioritiesResult) -> list[FigurePlan]:
    """The figures of the analysis's results, drawn with it (:func:`prepare`): loadings, parallel analysis."""
    from samanalyse.report.drawing import FigurePlan
    from samanalyse.report.figures import plot_loadings, plot_parallel

    loadings, parallel = _ANALYSIS_FIGURES
    return [FigurePlan(loadings, ctx.tr.t("heading", "loadings_figure"),
                       partial(plot_loadings, res.analysis.efa, codebook=ctx.round.codebook, lang=ctx.lang)),
            FigurePlan(parallel, ctx.tr.t("heading", "parallel_figure"),
                       partial(plot_parallel, res.analysis.parallel, lang=ctx.lang))]


def _compact_parallel(table: pd.DataFrame) -> pd.DataFrame:
    """The parallel analysis for the page: observed and simulated quantile eigenvalues and the verdicts."""
    keep = [c for c in table.columns if c == "number" or c.endswith(("_observed", "_simulated_quantile", "_retain"))]
    return table[keep].round(2)


@dataclass(frozen=True)
class Prepared:
    """The factor analysis computed and the figures of its results written (the heavy part of the step).

    ``figures``: per figure its name, caption and the file names written into ``figures/``.
    """

    result: PrioritiesResult
    figures: tuple[tuple[str, str, tuple[str, ...]], ...]


def prepare(ctx: Context) -> Prepared | None:
    """Run the plan's factor analysis and write the figures of its results; None when the plan leaves the
    analysis out.

    Needs only the round, the settings and ``ctx.data``, so the report may run
    it ahead in a background process (:mod:`samanalyse.report.background`)
    while its other steps run.
    """
    from samanalyse.analysis.priorities import analyse_priorities
    from samanalyse.report.drawing import draw_figures

    if ctx.round.plan.priorities is None:  # the plan leaves the analysis out
        return None
    s = ctx.settings
    res = analyse_priorities(ctx.data, round=ctx.round, seed=s.seed, n_boot=s.n_boot, n_iter=s.n_iter,
                             correlation=s.correlation, missing=s.missing, workers=ctx.workers)
    drawn = draw_figures(_analysis_figures(ctx, res), ctx.out / "figures", workers=ctx.workers, ctx=ctx)
    return Prepared(res, _drawn(drawn))


def _drawn(drawn: list[Drawn]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple((d.name, d.caption, tuple(p.name for p in d.files)) for d in drawn)


def _named(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its virkemiddel ids (columns ``item``, ``virkemiddel``) as the codebook's texts in the
    report's language (the tidy CSVs keep the ids)."""
    names: dict[str, str] = {}
    for it in ctx.round.codebook.item_list:
        if it.virkemiddel and it.virkemiddel not in names:
            en = ctx.tr.lang == "en" and (getattr(it, "short_en", None) or getattr(it, "text_en", None))
            names[it.virkemiddel] = str(en or it.short or it.text)
    out = frame.copy()
    for col in ("item", "virkemiddel"):
        if col in out:
            out[col] = out[col].map(lambda v: names.get(str(v), v))
    if "item" in out and "virkemiddel" in out and (out["item"] == out["virkemiddel"]).all():
        out = out.drop(columns="virkemiddel")   # the same column twice
    return out


def run(ctx: Context) -> None:
    """Factor analysis of the priorities: clusters, stability, who prefers which (the plan's ``priorities``).

    The priority figures of the data are drawn here first, while the analysis may still be running ahead
    in a background process (:func:`prepare`), then the analysis is collected.
    """
    from samanalyse.report.drawing import draw_figures

    if ctx.round.plan.priorities is None:  # the plan leaves the analysis out
        return
    data_figures = _drawn(draw_figures(_data_figures(ctx), ctx.out / "figures"))
    prep = ctx.prepared(prepare)
    if prep is None:
        return
    res = prep.result
    fa = res.analysis
    ctx.facts["factor_timings"] = {k: round(v, 3) for k, v in fa.timings.items()}
    load = fa.efa.loadings_matrix().round(3).reset_index()
    ctx.write_csv("faktor_ladninger", load)
    ctx.write_csv("faktor_parallellanalyse", fa.parallel.table)
    ctx.write_csv("faktor_klynger", fa.clusters.items)
    tr = ctx.tr
    efa_warn = []
    if not getattr(fa.efa, "converged", True):
        efa_warn.append(tr.t("note", "not_converged"))
    if getattr(fa.efa, "heywood", ()):
        efa_warn.append(f"{tr.t('note', 'heywood')} {', '.join(fa.efa.heywood)}.")
    boot_warn = ([f"{fa.clusters.n_boot - fa.clusters.n_boot_ok}/{fa.clusters.n_boot} "
                  f"{tr.t('note', 'boot_failed')}."] if fa.clusters.n_boot_ok < fa.clusters.n_boot else [])
    ctx.facts["n_clusters"] = int(fa.clusters.items["cluster"].nunique()) if "cluster" in fa.clusters.items else 0
    secs = [
        Section("ladninger", tr.t("heading", "loadings").format(method=fa.efa.method, rotation=fa.efa.rotation),
                _named(ctx, load), warnings=efa_warn),
        Section("parallell", tr.t("heading", "parallel"), fa.parallel.table.round(3),
                html_frame=_compact_parallel(fa.parallel.table),
                notes=["tables/faktor_parallellanalyse.csv"]),
        Section("klynger", tr.t("heading", "clusters").format(ok=fa.clusters.n_boot_ok, n=fa.clusters.n_boot),
                _named(ctx, fa.clusters.items.round(3)), warnings=boot_warn),
    ]
    finding = _finding_section(ctx, res)
    if finding is not None:
        secs.append(finding)
    for sec in secs:
        ctx.add("faktorer", sec)
    for name, title, files in data_figures + prep.figures:
        ctx.files += [f"figures/{f}" for f in files]
        ctx.figures[name] = (title, ctx.out / "figures" / next(f for f in files if f.endswith(".png")))
