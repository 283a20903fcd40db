"""Charts of the study's tables: satisfaction by group with intervals, experience with virkemidler (stacked).

Built from the cells the tables section computed (``ctx.facts["table_cells"]``; for a round
without published numbers the catalogue's ``by_group`` tables again, with their intervals),
after :meth:`~samanalyse.report.context.Context.publish` (disclosure control: a suppressed share
is not drawn, it shows ``:`` and the caption says what ``:`` means), with labels from the
catalogue and the codebook; PNG and SVG, byte-identical on rerun
(:func:`samanalyse.report.canvas.save_figure`). A report on reconstructed
data carries its note below the axes, in space reserved for it.
"""

from __future__ import annotations

import textwrap
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samanalyse.report.canvas import freeze_layout, new_figure, set_title
from samanalyse.report.context import Context
from samanalyse.report.drawing import Drawn, FigurePlan, draw_claimed, draw_figures, unique_plans
from samanalyse.survey.disclosure import SUPPRESSED

__all__ = ["run", "prepare", "plot_shares_by_group", "plot_experience", "has_suppressed"]

_COLOURS = ["#1b4f72", "#5dade2", "#d35400", "#f5b041", "#7f8c8d", "#bdc3c7"]
_REST = "#bdc3c7"  # what the printed categories leave (Vet ikke, unanswered)


def _figure(width: float, height: float, note: str) -> Figure:
    fig = new_figure((width, height))
    if note:  # below everything, in space the constrained layout keeps for it (no legend or label there)
        fig.supxlabel(note, fontsize=8, color="#a00", x=0.01, ha="left")
    return fig


def _gone(s: pd.DataFrame) -> np.ndarray:
    """True where a cell's share is suppressed by disclosure control (``symbol`` ``:``, no share)."""
    if "symbol" not in s:
        return np.zeros(len(s), dtype=bool)
    return (s["symbol"].fillna("").to_numpy() == SUPPRESSED) & s["percent"].isna().to_numpy()


def has_suppressed(cells: pd.DataFrame) -> bool:
    """True if any of ``cells`` is suppressed (its chart then shows ``:`` and says what it means)."""
    return bool(_gone(cells).any()) if len(cells) else False


def plot_shares_by_group(panels: list[tuple[str, pd.DataFrame]], *, category: str, xlabel: str,
                         note: str = "", legend: str = "") -> Figure:
    """Horizontal bars of one category's share per group, a 95 % interval on each bar; one panel per table.

    A share suppressed by disclosure control (``symbol`` ``:``) is not drawn: its place shows ``:``
    (SSB's symbol), and ``legend`` (what ``:`` means) is printed under the figure.

    Parameters
    ----------
    panels : list of (title, cells)
        Cells with ``population``, ``group``, ``category``, ``percent``, ``ci_low``, ``ci_high``, ``n``
        (and ``symbol`` after disclosure control).
    category : str
        The category whose share is drawn (e.g. "Godt").
    xlabel : str
    note : str
        A note below the axes (e.g. that the data is reconstructed).
    legend : str
        What ``:`` means (the translation table's ``disclosure.suppressed``); shown if a bar is suppressed.
    """
    ncol = 2 if len(panels) > 1 else 1
    nrow = int(np.ceil(len(panels) / ncol))
    groups = list(dict.fromkeys(panels[0][1]["group"])) if panels else []
    pops = list(dict.fromkeys(panels[0][1]["population"])) if panels else []
    fig = _figure(10, 1.2 + nrow * (0.45 * len(groups) * max(1, len(pops)) + 0.9), note)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True, squeeze=False)).ravel()
    h = 0.8 / max(1, len(pops))
    for ax, (title, cells) in zip(axes, panels):
        sel = cells[cells["category"] == category]
        y = np.arange(len(groups))
        for j, pop in enumerate(pops):
            s = sel[sel["population"] == pop].set_index("group").reindex(groups)
            pos = y + (j - (len(pops) - 1) / 2) * h
            err = np.vstack([s["percent"] - s["ci_low"], s["ci_high"] - s["percent"]]).clip(min=0)
            ax.barh(pos, s["percent"], height=h * 0.9, color=_COLOURS[j % len(_COLOURS)],
                    xerr=err, error_kw={"ecolor": "#333", "capsize": 2, "lw": 0.8},
                    label=str(pop)[:1].upper() + str(pop)[1:])   # "Kommuner" in the legend
            for py, v, n, gone in zip(pos, s["percent"], s["n"], _gone(s)):
                if gone:   # not drawn: SSB's ':' where the bar would start
                    ax.text(1, py, SUPPRESSED, va="center", ha="left", fontsize=10, fontweight="bold",
                            color="#222")
                elif not pd.isna(v):
                    ax.text(1, py, f"n={int(n)}", va="center", ha="left", fontsize=7, color="white",
                            in_layout=False)   # on the bar, inside the axes: nothing for the layout to make room for
        ax.set_yticks(y, [textwrap.fill(str(g), 18) for g in groups], fontsize=8)
        ax.set_ylim(len(groups) - 0.5, -0.5)   # top to bottom, every group's row also where no bar is drawn
        ax.set_xlim(0, 100)
        set_title(ax, textwrap.fill(title, 55), fontsize=9, loc="left")
        ax.grid(axis="x", color="#ddd", lw=0.5)
        ax.set_axisbelow(True)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-ncol:]:
        ax.set_xlabel(xlabel, fontsize=8)
    if len(pops) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper right", ncols=len(pops), fontsize=8, frameon=False)
    if legend and any(has_suppressed(c[c["category"] == category]) for _, c in panels):
        fig.suptitle(legend, fontsize=8, x=0.01, ha="left", color="#222")
    return freeze_layout(fig)


def plot_experience(rows: list[tuple[str, pd.Series]], *, categories: list[str], xlabel: str, title: str,
                    note: str = "", legend: str = "") -> Figure:
    """Stacked horizontal bars: the share of each category per virkemiddel (one bar per row).

    A row with a suppressed share (NaN) is not drawn at all, only ``:``: a stacked bar with one part
    left out would show the missing share as the gap. ``legend`` (what ``:`` means) then goes under it.
    """
    fig = _figure(10, 1.6 + 0.42 * len(rows), note)
    ax = fig.subplots()
    left = np.zeros(len(rows))
    y = np.arange(len(rows))
    gone = np.array([any(pd.isna(s.get(c, 0.0)) for c in categories) for _, s in rows], dtype=bool)
    for yy in y[gone]:
        ax.text(1, yy, SUPPRESSED, ha="left", va="center", fontsize=10, fontweight="bold", color="#222")
    for j, cat in enumerate(categories):
        vals = np.array([0.0 if g or pd.isna(s.get(cat, np.nan)) else float(s.get(cat, 0.0))
                         for (_, s), g in zip(rows, gone)])
        colour = _REST if j == len(categories) - 1 and j >= 3 else _COLOURS[j % len(_COLOURS)]
        ax.barh(y, vals, left=left, color=colour, label=textwrap.fill(cat, 28), height=0.75)
        for yy, l0, v in zip(y, left, vals):
            if v >= 8:
                ax.text(l0 + v / 2, yy, f"{v:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if j in (0, 2) else "black", in_layout=False)   # on the bar (inside the axes)
        left += vals
    ax.set_yticks(y, [textwrap.fill(lab, 40) for lab, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel, fontsize=8)
    set_title(ax, textwrap.fill(title, 80), fontsize=10, loc="left")
    handles, labels = ax.get_legend_handles_labels()
    if legend and gone.any():   # what ':' means, as the legend's last entry (no patch)
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="none", edgecolor="none"))
        labels.append(legend)
    fig.legend(handles, labels, loc="outside upper center", ncols=min(4, len(labels)), fontsize=8, frameon=False)
    return freeze_layout(fig)


def _legend(ctx: Context) -> str:
    """What ``:`` means (translation table ``disclosure.suppressed``); empty for a round without rules."""
    return ctx.tr.t("disclosure", "suppressed", default="") if ctx.round.disclosure is not None else ""


def _with_legend(caption: str, legend: str) -> str:
    """A caption followed by what ``:`` means, as a sentence of its own."""
    return f"{caption.rstrip()}{'' if caption.rstrip().endswith(('.', ':')) else '.'} {legend}"


def _data_cells(ctx: Context) -> dict[str, pd.DataFrame]:
    """The ``by_group`` tables' cells of a round without published numbers, with intervals (as the tables print)."""
    from samanalyse.analysis.tables import table_cells
    from samanalyse.report.intervals import add_intervals, frame_sizes
    from samanalyse.report.sections.disclosure import merged_frame_sizes

    rnd = ctx.round
    if ctx.data is None or rnd.has_published:
        return {}
    sizes = frame_sizes(rnd)
    sizes = {**sizes, **merged_frame_sizes(ctx, sizes)}
    out = {}
    for tid, spec in rnd.catalogue.tables.items():
        if spec.get("kind") == "by_group" and "variants" not in spec:
            cells = table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
            out[tid] = add_intervals(cells, rnd, spec=spec, sizes=sizes)
    return out


def _note(ctx: Context) -> str:
    return ctx.tr.t("word", "reconstructed_short").capitalize() if ctx.round.reconstructed else ""


def _satisfaction(ctx: Context, cells: dict[str, pd.DataFrame]) -> list[FigurePlan]:
    """One figure per breakdown (RHF, size class): the last printed category's share per group, each table a panel."""
    tr, cat = ctx.tr, ctx.round.catalogue
    out: list[FigurePlan] = []
    for by in ("rhf", "size_class"):
        tids = [t for t, s in cat.tables.items() if s.get("kind") == "by_group" and s.get("by") == by
                and t in cells]
        if not tids:
            continue
        category = cat.tables[tids[0]]["categories"][-1]
        panels = []
        for t in tids:
            c = cells[t]
            c = c[(c["breakdown"] != "note") & (c["breakdown"] != "total") & (c["group"] != "Samlet")]
            panels.append((f"{cat.label(t)}: {_short(ctx, cat.tables[t])}", c))
        name = f"figur_{cat.tables[tids[0]].get('item', '')}_{by}".replace("__", "_")
        name = f"andel_{by}"
        caption = tr.t("figure", f"share_by_{by}").format(category=category)
        legend = _legend(ctx)
        make = partial(plot_shares_by_group, panels, category=category, xlabel=tr.t("figure", "share_axis").format(
            category=category), note=_note(ctx), legend=legend)
        if legend and any(has_suppressed(c[c["category"] == category]) for _, c in panels):
            caption = _with_legend(caption, legend)
        out.append(FigurePlan(name, caption, make))
    return out


def _short(ctx: Context, spec: dict[str, Any]) -> str:
    item = spec.get("item")
    try:
        return str(ctx.round.codebook.item(item).label)
    except Exception:  # noqa: BLE001 - a table without one item: its title
        return str(spec.get("title", ""))


def _experience(ctx: Context, cells: dict[str, pd.DataFrame]) -> list[FigurePlan]:
    """Stacked bars per group of virkemidler (the codebook's topic of the tables' items), kommuner."""
    tr, cat, cb = ctx.tr, ctx.round.catalogue, ctx.round.codebook
    groups: dict[str, list[str]] = {}
    for t, s in cat.tables.items():
        if s.get("kind") == "by_group" and not s.get("by") and t in cells and s.get("item"):
            try:
                topic = cb.item(s["item"]).topic or "_"
            except Exception:  # noqa: BLE001 - not an item of the codebook
                continue
            groups.setdefault(topic, []).append(t)
    out: list[FigurePlan] = []
    for topic, tids in groups.items():
        categories = list(cat.tables[tids[0]]["categories"])
        pops = list(dict.fromkeys(cells[tids[0]]["population"]))
        rows = []
        for t in tids:
            c = cells[t]
            for pop in pops:
                sel = c[(c["population"] == pop) & (c["breakdown"] == "total")]
                n = sel["n"].dropna()
                lab = f"{_short(ctx, cat.tables[t])} ({pop}, n={int(n.iloc[0]) if len(n) else 0})"
                shares = sel[sel["category"].isin(categories)].set_index("category")["percent"]
                rest = cat.tables[t].get("notes") or []
                if rest:  # what the printed categories leave: "Vet ikke", unanswered (the table's notes)
                    # (suppressed if a share or a note is: the rest would give it away)
                    hidden = has_suppressed(c[(c["population"] == pop) & (c["breakdown"].isin(["total", "note"]))])
                    left = np.nan if hidden or shares.isna().any() else max(0.0, 100 - shares.sum())
                    shares = pd.concat([shares, pd.Series({" / ".join(rest): left})])
                rows.append((lab, shares))
        notes = cat.tables[tids[0]].get("notes") or []
        if notes:
            categories.append(" / ".join(notes))
        label = _topic_label(ctx, topic)
        title = tr.t("figure", "experience").format(group=label)
        legend = _legend(ctx)
        make = partial(plot_experience, rows, categories=categories, xlabel=tr.t("figure", "percent_axis"),
                       title=title, note=_note(ctx), legend=legend)
        gone = any(pd.isna(v) for _, r in rows for v in r.to_numpy())
        out.append(FigurePlan(f"erfaringer_{topic}", _with_legend(title, legend) if gone and legend else title, make))
    return out


def _topic_label(ctx: Context, topic: str) -> str:
    """The label of a topic: the codebook's index of that name, or the index whose items all have the topic."""
    cb = ctx.round.codebook
    if topic in cb.indices:
        return str(cb.indices[topic].label)
    for ix in cb.indices.values():
        try:
            if ix.items and all(cb.item(i).topic == topic for i in ix.items):
                return str(ix.label)
        except Exception:  # noqa: BLE001 - an index over items not in the codebook
            continue
    return topic.replace("_", " ")   # the codebook's topic name, readable (it has no label of its own)


def _plans(ctx: Context) -> list[FigurePlan]:
    """The charts of the study tables' cells (after :meth:`~samanalyse.report.context.Context.publish`)."""
    # a round without published numbers: the cells the tables step made (or made again, run alone)
    source = ctx.facts.get("table_cells") or ctx.facts.get("data_table_cells") or _data_cells(ctx)
    cells = {t: ctx.publish(f"figur/{t}", c) for t, c in source.items()}
    if not cells:
        return []
    return unique_plans([*_satisfaction(ctx, cells), *_experience(ctx, cells)])


#: Folder (in the report's folder, removed by :func:`run`) of the claims on the charts
#: (:func:`~samanalyse.report.drawing.draw_claimed`).
_CLAIMS = ".figurer_krav"


def prepare(ctx: Context) -> list[Drawn]:
    """Draw the charts no other process has claimed, from the first (the report runs this ahead, in a
    background process, once the tables are made); the charts drawn."""
    return draw_claimed(_plans(ctx), ctx.out / "figures", ctx.out / _CLAIMS)


def run(ctx: Context) -> None:
    """The study tables' charts into ``figures/`` (PNG and SVG); captions in ``ctx.facts["charts"]``.

    Drawn by the background process running :func:`prepare` ahead and by this one, which draws those the
    other has not begun when the report comes to this step (:func:`~samanalyse.report.drawing.draw_claimed`):
    the files are the same whichever process draws a chart.
    """
    import shutil

    plans = _plans(ctx)
    if not plans:
        return
    folder, claims = ctx.out / "figures", ctx.out / _CLAIMS
    mine = draw_claimed(plans, folder, claims)
    drawn = {d.name: d for d in [*ctx.prepared(prepare), *mine]}
    # a chart claimed but not delivered (the background process failed or saw other data): drawn here
    for d in draw_figures([p for p in plans if p.name not in drawn], folder):
        drawn[d.name] = d
    shutil.rmtree(claims, ignore_errors=True)
    charts = ctx.facts.setdefault("charts", {})
    for d in (drawn[p.name] for p in plans):
        ctx.files += [f"figures/{p.name}" for p in d.files]
        charts[d.name] = (d.caption, d.png)
