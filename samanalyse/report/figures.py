"""Figures of the analyses (matplotlib, Agg canvas, no pyplot state): priorities, loadings, parallel analysis.

Every figure is built on its own :class:`~matplotlib.figure.Figure` with a
frozen layout (:mod:`samanalyse.report.canvas`), so saving it twice (or rerunning
the report) gives the same bytes; :func:`save_figure` is the canvas module's.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samanalyse.analysis.priorities.clusters import ClusterResult
from samanalyse.analysis.priorities.scores import priority_items
from samanalyse.errors import ArgumentError, DataError, SamanalyseError
from samanalyse.report.canvas import freeze_layout, new_figure, save_figure, set_title
from samanalyse.report.i18n import translation
from samanalyse.stats.factor.efa import EFAResult
from samanalyse.stats.factor.parallel import ParallelAnalysis
from samanalyse.survey.answers import to_codes
from samanalyse.survey.codebook import Codebook

__all__ = ["plot_priorities", "plot_loadings", "plot_parallel", "save_figure"]


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _priority_shares(data: pd.DataFrame, codebook: Codebook, items: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Shares of each category per virkemiddel, all challenges pooled (no answer left out)."""
    scale = codebook.item(items[0]).scale
    if scale is None:  # pragma: no cover - _priority_items checks this
        raise DataError(f"Item {items[0]!r} has no scale in the codebook.")
    labels = scale.labels()
    groups: dict[str, list[str]] = {}
    for i in items:
        if codebook.item(i).scale is not scale and codebook.item(i).scale != scale:
            raise DataError(f"Item {i!r} is on scale {codebook.item(i).scale.name!r}, not {scale.name!r}.")  # type: ignore[union-attr]
        groups.setdefault(codebook.item(i).virkemiddel or i, []).append(i)
    rows = {}
    for v, members in groups.items():
        counts = dict.fromkeys(labels, 0)
        for i in members:
            try:
                codes = to_codes(data[i], scale, i).dropna()
            except SamanalyseError as exc:
                raise DataError(str(exc)) from None
            for code, k in codes.value_counts(sort=False).items():
                counts[scale.category(int(code)).label] += int(k)
        tot = sum(counts.values())
        rows[v] = {lab: (c / tot if tot else np.nan) for lab, c in counts.items()}
    return pd.DataFrame.from_dict(rows, orient="index")[labels], labels


def plot_priorities(
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    form: str,
    items: Sequence[str] | None = None,
    title: str | None = None,
    width: float = 9.0,
    note: str | None = None,
    lang: str = "nb",
) -> Figure:
    """Priorities per virkemiddel of one form (the 2010 study's Figur 8 and 9).

    Stacked horizontal bars of the shares of each answer category (e.g. Høy /
    Middels / Ikke prioritet / Vet ikke) per virkemiddel, pooling the answers
    to all challenges (share of all answers given; no answer is left out), as
    the 2010 study "summed" them.
    Bars are sorted by the share of Høy prioritet with the highest at the
    bottom, as in the study's figures. Labels are the codebook's item texts,
    wrapped; the legend sits below the bars.

    Parameters
    ----------
    data : pandas.DataFrame
        Answer labels (one column per item id). If it has a ``form`` column
        only rows of ``form`` are used; otherwise all rows are taken to be of
        that form.
    codebook : Codebook
    form : str
        A codebook form.
    items : sequence of str, optional
        Item ids; default the scored items with a virkemiddel asked on ``form``.
    title : str or None
        The figure's title (the round's plan gives it, with ``{n}`` for the
        number of respondents); None draws none.
    width : float
        Figure width in inches.
    note : str or None
        A note under the legend, in its own row of the layout (e.g. the
        plan's ``figure_note`` on reconstructed data); None draws none.
    lang : {"nb", "en"}
        Language of the bar labels: the codebook's English item texts
        (``text_en``) for ``"en"`` where there are any, else its texts.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if form not in codebook.forms:
        raise ArgumentError(f"Unknown form {form!r}; the codebook has forms {', '.join(codebook.forms)}.")
    if "form" in data.columns:
        data = data[data["form"] == form]
    if items is None:
        items = [it.id for it in codebook.items(form) if it.virkemiddel and it.scale is not None
                 and it.scale.scores() and it.id in data.columns]
    items = priority_items(data, codebook, items)
    shares, labels = _priority_shares(data, codebook, list(items))
    high = labels[0]
    shares = shares.sort_values(high, ascending=False, kind="stable")
    text_of = {}
    for i in items:
        it = codebook.item(i)
        text_of.setdefault(it.virkemiddel or i, (it.text_en if lang == "en" else "") or it.text)
    ylabels = [_wrap(text_of[v], 48) for v in shares.index]
    nbars = len(shares)
    height = (1.2 + 0.55 * nbars + sum(lab.count("\n") for lab in ylabels) * 0.12 + (0.9 if title else 0)
              + (0.35 if note else 0))
    fig = new_figure((width, height))
    ax = fig.add_subplot()
    colors = ["#1f4e79", "#5b9bd5", "#bdd7ee", "#d9d9d9"]
    left = np.zeros(nbars)
    y = np.arange(nbars)
    for j, lab in enumerate(labels):
        vals = shares[lab].to_numpy(float) * 100
        bars = ax.barh(y, vals, left=left, color=colors[j % len(colors)], edgecolor="white", linewidth=0.5,
                       label=lab, height=0.7)
        for rect, v in zip(bars, vals):
            if v >= 6:
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2, f"{v:.0f} %",
                        ha="center", va="center", fontsize=7.5, color="white" if j == 0 else "black",
                        in_layout=False)   # on the bar, inside the axes: not measured by the layout
        left += vals
    ax.set_yticks(y, ylabels, fontsize=8.5)
    ax.set_xlim(0, 100)
    ax.set_xticks(np.arange(0, 101, 20), [f"{v} %" for v in range(0, 101, 20)])
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(labels), frameon=False, fontsize=8.5)
    if title:
        fig.suptitle(_wrap(title.format(n=len(data)), 95), fontsize=10)
    if note:  # below the legend, in the layout (never on the bars or the legend)
        fig.supxlabel(_wrap(note, 150), fontsize=8, color="#a00", x=0.01, ha="left")
    return freeze_layout(fig)


def _item_label(it: object, lang: str) -> str:
    """An item's short label (or text) in ``lang``: the codebook's English fields for ``"en"`` where there are any."""
    if lang == "en":
        english = getattr(it, "short_en", "") or getattr(it, "text_en", "")
        if english:
            return str(english)
    return str(getattr(it, "label"))


def _column_label(col: str, codebook: Codebook | None, lang: str = "nb") -> str:
    if codebook is None:
        return col
    if col in codebook:
        return f"{col}: {_item_label(codebook.item(col), lang)}"
    for it in codebook.item_list:
        if it.virkemiddel == col:
            return _item_label(it, lang)
    return col


def _decimal_axis(axis: object, lang: str, digits: int = 1) -> None:
    """Tick labels of ``axis`` with the language's decimal mark (``2,5``)."""
    from matplotlib.ticker import FuncFormatter

    tr = translation(lang)
    def tick(v: float, _pos: int) -> str:
        text = f"{int(v)}" if float(v).is_integer() else tr.number(round(v, digits), digits)
        return text.replace("-", "\u2212")  # a minus sign, as matplotlib's own ticks

    axis.set_major_formatter(FuncFormatter(tick))  # type: ignore[attr-defined]


def plot_loadings(
    fit: EFAResult,
    *,
    codebook: Codebook | None = None,
    clusters: ClusterResult | None = None,
    min_loading: float = 0.30,
    lang: str = "nb",
) -> Figure:
    """Heatmap of the pattern loadings (items x factors), values printed with the language's decimal mark.

    Parameters
    ----------
    fit : EFAResult
    codebook : Codebook, optional
        Item labels from the codebook (otherwise the column names).
    clusters : ClusterResult, optional
        Name factor columns by cluster (``A (F1)``).
    min_loading : float
        Loadings at or above this (absolute) are printed in bold.
    lang : {"nb", "en"}
        Language of the words (translation group ``factor_figure``) and item labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    M = fit.loadings_matrix()
    cols = list(M.columns)
    if clusters is not None:
        cols = [f"{clusters.factor_clusters.get(f, f)} ({f})" if clusters.factor_clusters.get(f, f) != f else f
                for f in M.columns]
    tr = translation(lang)
    ylabels = [_wrap(_column_label(c, codebook, lang), 34) for c in M.index]
    fig = new_figure((3.4 + 1.1 * len(cols), 1.0 + 0.45 * len(M) + 0.1 * sum(s.count("\n") for s in ylabels)))
    ax = fig.add_subplot()
    im = ax.imshow(M.to_numpy(float), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            v = M.iat[i, j]
            ax.text(j, i, tr.number(v, 2), ha="center", va="center", fontsize=8,
                    fontweight="bold" if abs(v) >= min_loading else "normal",
                    color="white" if abs(v) > 0.6 else "black", in_layout=False)   # in its cell, inside the axes
    ax.set_xticks(range(len(cols)), cols)
    ax.set_yticks(range(len(ylabels)), ylabels, fontsize=8)
    set_title(ax, tr.t("factor_figure", "loadings_title").format(method=fit.method, rotation=fit.rotation), fontsize=10)
    bar = fig.colorbar(im, ax=ax, shrink=0.8, label=tr.t("factor_figure", "loading"))
    _decimal_axis(bar.ax.yaxis, lang, 2)
    return freeze_layout(fig)


def plot_parallel(pa: ParallelAnalysis, *, lang: str = "nb") -> Figure:
    """Parallel-analysis plot: observed eigenvalues against the simulated mean and quantile.

    Parameters
    ----------
    pa : ParallelAnalysis
    lang : {"nb", "en"}
        Language of the words (translation group ``factor_figure``) and the decimal mark.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = pa.table
    tr = translation(lang)
    words = {k: tr.t("factor_figure", k) for k in ("pc_observed", "pc_simulated", "pc_resampled", "fa_observed",
                                                   "fa_simulated", "number", "eigenvalue", "parallel_title")}
    q = tr.percent(100 * pa.quantile) + tr.t("factor_figure", "percent_sign")
    fig = new_figure((7.0, 4.5))
    ax = fig.add_subplot()
    x = t["number"].to_numpy()
    ax.plot(x, t["pc_observed"], "x-", color="tab:blue", label=words["pc_observed"])
    ax.plot(x, t["pc_simulated_quantile"], ":", color="tab:red", label=words["pc_simulated"].format(q=q))
    ax.plot(x, t["pc_resampled_quantile"], "--", color="tab:red", alpha=0.6, label=words["pc_resampled"].format(q=q))
    ax.plot(x, t["fa_observed"], "^-", color="tab:green", label=words["fa_observed"])
    ax.plot(x, t["fa_simulated_quantile"], ":", color="tab:orange", label=words["fa_simulated"].format(q=q))
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(x)
    ax.set_xlabel(words["number"])
    ax.set_ylabel(words["eigenvalue"])
    _decimal_axis(ax.yaxis, lang)
    nf = pa.n_factors
    set_title(ax, words["parallel_title"].format(
        correlation=tr.t("factor_figure", pa.correlation, default=pa.correlation), n_iter=pa.n_iter,
        fa=nf["parallel_fa"], pc=nf["parallel_pc"]), fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    return freeze_layout(fig)
