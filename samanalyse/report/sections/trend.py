"""Report section: change since an earlier round (``samanalyse report --compare ROUND``).

For every form both rounds have, :func:`samanalyse.analysis.trends.compare_rounds` on each round's
own map (total, RHF, and size class for kommune forms), written as ``tables/trend.csv``; the paired
analysis of kommuner that answered both rounds (``tables/trend_parret.csv``) unless a round is a
reconstruction (then the section says why it is left out). One table per item group (the codebook's
``topic``) and one chart per item group and grouping: both rounds side by side with intervals.
The section is also written as a page of its own, ``trend.html`` (self-contained); its charts go to
the report's figures, its tables to the report group :data:`TREND_GROUP`.
"""

from __future__ import annotations

import base64
import html
import warnings
from pathlib import Path

import pandas as pd

from samanalyse.errors import SamanalyseError
from samanalyse.report.context import Context, Section, fmt_cell
from samanalyse.report.i18n import Translation, translation
from samanalyse.survey.disclosure import SUPPRESSED

__all__ = ["run", "plot_trend", "TREND_GROUP"]

#: The key of the report group the trend sections are added to.
TREND_GROUP = "trend"
#: The translation group of this section's words (data/translations/<lang>.yaml).
_WORDS = "trend_section"


def _w(tr: Translation, key: str, **fill: object) -> str:
    """The section's word or sentence ``key`` in the report's language, with ``fill`` put in."""
    text = tr.t(_WORDS, key)
    return text.format(**fill) if fill else text


def _by(tr: Translation, by: str) -> str:
    return tr.t(_WORDS, f"by_{by}", default=by)


def _pct(v: float, tr: Translation) -> str:
    return "" if pd.isna(v) else tr.percent(100 * v, 1)


def _share_text(p: float, n: int, gone: bool, tr: Translation) -> str:
    """``"12,5 % (40)"``; a suppressed share ``": (40)"`` (its n is published: the respondents per group)."""
    return f"{SUPPRESSED} ({n})" if gone else f"{_pct(p, tr)} % ({n})"


def _rests_on(values: pd.Series, tr: Translation) -> pd.Series:
    return values.map(lambda v: tr.t(_WORDS, f"rests_on.{v}", default=str(v)))


def _table(t: pd.DataFrame, tr: Translation | None = None) -> pd.DataFrame:
    """The compact layout of the trend rows of one item group (``:`` where the disclosure rules suppress)."""
    tr = tr or translation()
    gone = t["symbol"].eq(SUPPRESSED) if "symbol" in t else pd.Series(False, index=t.index)
    return pd.DataFrame({
        _w(tr, "col_item"): t["label"], _w(tr, "col_category"): t["category"],
        _w(tr, "col_by"): t["by"].map(lambda b: _by(tr, b)),
        _w(tr, "col_group"): t["group"].where(t["by"] != "total", _by(tr, "total")),
        f"{t['round_old'].iloc[0]} (n)": [_share_text(p, n, pd.isna(p) and g, tr) for p, n, g in
                                          zip(t["share_old"], t["n_old"], gone)],
        f"{t['round_new'].iloc[0]} (n)": [_share_text(p, n, pd.isna(p) and g, tr) for p, n, g in
                                          zip(t["share_new"], t["n_new"], gone)],
        _w(tr, "col_change"): [SUPPRESSED if g else f"{_pct(d, tr)} [{_pct(lo, tr)}; {_pct(hi, tr)}]"
                               for d, lo, hi, g in zip(t["difference"], t["ci_low"], t["ci_high"], gone)],
        _w(tr, "col_p_holm"): [SUPPRESSED if g else tr.p_value(v) for v, g in zip(t["p_adjusted"], gone)],
        _w(tr, "col_cohen_h"): [SUPPRESSED if g else v for v, g in zip(t["cohen_h"].round(2), gone)],
        _w(tr, "col_changed"): t["changed"],
        _w(tr, "col_rests_on"): _rests_on(t["rests_on"], tr),
    })


def plot_trend(rows: pd.DataFrame, *, by: str, title: str, legend: str = "",  # type: ignore[no-untyped-def]
               tr: Translation | None = None):
    """Both rounds side by side with intervals: one panel per item (rows) and category (columns).

    ``rows``: :func:`~samanalyse.analysis.trends.compare_rounds` rows of one item group, the total and
    one grouping ``by``. A share the disclosure rules suppress is not drawn; its place shows ``:``,
    and ``legend`` (what ``:`` means) goes under the figure. Returns a :class:`matplotlib.figure.Figure`.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    tr = tr or translation()
    d = rows[rows["by"].isin(["total", by])]
    items, cats = list(dict.fromkeys(d["item"])), list(dict.fromkeys(d["category"]))
    groups = ["total"] + [g for g in dict.fromkeys(d.loc[d["by"] == by, "group"])]
    fig = Figure(figsize=(3.6 * len(cats) + 0.5, 2.3 * len(items) + 0.8), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(items), len(cats), squeeze=False, sharey=True)
    old, new = d["round_old"].iloc[0], d["round_new"].iloc[0]
    x = np.arange(len(groups))
    for i, item in enumerate(items):
        for j, cat in enumerate(cats):
            ax = axes[i][j]
            cell = d[(d["item"] == item) & (d["category"] == cat)].set_index("group").reindex(groups)
            for k, (rnd, col, colour) in enumerate(((old, "old", "#9aa7b8"), (new, "new", "#1f4e79"))):
                share = cell[f"share_{col}"].to_numpy(dtype=float) * 100
                lo = share - cell[f"ci_low_{col}"].to_numpy(dtype=float) * 100
                hi = cell[f"ci_high_{col}"].to_numpy(dtype=float) * 100 - share
                ax.bar(x + (k - 0.5) * 0.38, share, 0.38, color=colour, label=str(rnd),
                       yerr=np.vstack([np.nan_to_num(lo), np.nan_to_num(hi)]), capsize=2, ecolor="#333")
                gone = cell["symbol"].eq(SUPPRESSED).to_numpy() if "symbol" in cell else np.zeros(len(x), bool)
                for xx in (x + (k - 0.5) * 0.38)[gone & np.isnan(share)]:   # a suppressed bar: not drawn, ':'
                    ax.text(xx, 2, SUPPRESSED, ha="center", va="bottom", fontsize=9, fontweight="bold")
            ax.set_xticks(x, [_by(tr, "total") if g == "total" else str(g).replace(" kommuner", "").replace("Helse ", "")
                              for g in groups], fontsize=7, rotation=30, ha="right")
            ax.set_ylim(0, 100)
            ax.tick_params(axis="y", labelsize=7)
            label = str(cell["label"].dropna().iloc[0]) if cell["label"].notna().any() else item
            ax.set_title(f"{label}: {cat}", fontsize=8)
            if j == 0:
                ax.set_ylabel(_w(tr, "axis_percent"), fontsize=8)
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title, fontsize=10)
    if legend and "symbol" in d and d["symbol"].eq(SUPPRESSED).any():
        fig.supxlabel(legend, fontsize=8, x=0.01, ha="left")
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def _merges(ctx: Context, form: str) -> dict[str, dict[str, str]]:
    """The disclosure step's merged groups of ``form``: ``{by: {group: merged group}}`` ("" = left out)."""
    out: dict[str, dict[str, str]] = {}
    for m in ctx.facts.get("disclosure_merges", []):
        if m.form == form:
            out.setdefault(m.by, {}).update({g: m.label for g in m.members})
    return out


def _paired_under_rules(ctx: Context, p: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
    """The paired rows with the disclosure rules applied: an item with fewer than ``min_base`` pairs or
    1 to ``min_count`` - 1 kommuner that changed their answer loses its count of changes, statistic and
    p-values (``symbol`` ``:``), which would give that count away. Unchanged without rules."""
    rules = ctx.round.disclosure
    p = p.assign(symbol="")
    if rules is None or p.empty:
        return p, False
    small = (p["n_pairs"] < rules.min_base) | ((p["discordant"] > 0) & (p["discordant"] < rules.min_count))
    for col in ("discordant", "statistic", "p", "p_adjusted", "p_bh"):
        p[col] = p[col].astype(float).where(~small)
    p["symbol"] = p["symbol"].where(~small, SUPPRESSED)
    return p, bool(small.any())


def _paired(ctx: Context, new, old, form: str, data: tuple[pd.DataFrame, pd.DataFrame]) -> Section:  # type: ignore[no-untyped-def]
    from samanalyse.analysis.trends import paired_changes

    tr = ctx.tr
    try:
        p = paired_changes(new, old, form=form, data=data)
    except SamanalyseError as exc:
        return Section(f"parret_{form}", _w(tr, "paired_not_done_title", form=form), pd.DataFrame(),
                       notes=[_w(tr, "paired_not_done", reason=exc)])
    p, hidden = _paired_under_rules(ctx, p)
    ctx.write_csv("trend_parret", p)
    gone = p["symbol"].eq(SUPPRESSED)

    def shown(values: pd.Series, fmt) -> list:  # type: ignore[no-untyped-def]
        return [SUPPRESSED if g else fmt(v) for v, g in zip(values, gone)]

    frame = pd.DataFrame({
        _w(tr, "col_item"): p["label"], _w(tr, "col_test"): p["test"], _w(tr, "col_categories"): p["categories"],
        _w(tr, "col_pairs"): p["n_pairs"], _w(tr, "col_merged"): p["merged_units"],
        _w(tr, "col_split"): p["split_excluded"],
        _w(tr, "col_discordant"): shown(p["discordant"], lambda v: "" if pd.isna(v) else int(v)),
        _w(tr, "col_statistic"): shown(p["statistic"], lambda v: tr.number(v, 2)), "df": p["df"],
        "p": shown(p["p"], tr.p_value), _w(tr, "col_p_holm"): shown(p["p_adjusted"], tr.p_value),
        _w(tr, "col_p_bh"): shown(p["p_bh"], tr.p_value), _w(tr, "col_changed"): p["changed"],
        _w(tr, "col_rests_on"): _rests_on(p["rests_on"], tr)})
    notes = [_w(tr, "paired_note")]
    if hidden:
        rules = ctx.round.disclosure
        notes.append(_w(tr, "paired_suppressed", min_base=rules.min_base, min_count=rules.min_count))
    return Section(f"parret_{form}", _w(tr, "paired_title", form=form), p, html_frame=frame, notes=notes)


def run(ctx: Context) -> None:
    """The trend section when the report compares with an earlier round (``ctx.compare``)."""
    from samanalyse.analysis.trends import compare_rounds
    from samanalyse.io.datasets import load_round_data
    from samanalyse.report.canvas import save_figure
    from samanalyse.report.manifest import round_inputs

    old = getattr(ctx, "compare", None)
    if old is None:
        return
    new = ctx.round
    old_data = load_round_data(old)
    ctx.inputs += round_inputs(old)
    parts, figures = [], []
    for form in [f for f in new.forms if f in old.forms]:
        kommune = new.codebook.forms[form].respondent == "kommune"
        by = ("rhf", "size_class") if kommune else ("rhf",)
        t = compare_rounds(new, old, form=form, by=by, data=(ctx.data, old_data), disclosure=new.disclosure,
                           merges=_merges(ctx, form))
        if t.empty:
            continue
        parts.append(t)
        topics = {it.id: it.topic or "" for it in new.codebook.item_list}
        for topic, rows in t.groupby(t["item"].map(topics), sort=False):
            key = f"{form}_{topic or 'andre'}"
            name = topic or _w(ctx.tr, "other_topic")
            ctx.add(TREND_GROUP, Section(key, _w(ctx.tr, "title", old=old.name, new=new.name, topic=name, form=form),
                                         rows, html_frame=_table(rows, ctx.tr)))
            for b in by:
                title = _w(ctx.tr, "figure_title", topic=name, form=form, by=_by(ctx.tr, b).lower(), old=old.name,
                           new=new.name)
                fig = plot_trend(rows, by=b, title=title, legend=ctx.tr.t("disclosure", "suppressed", default=""),
                                 tr=ctx.tr)
                paths = save_figure(fig, ctx.out / "figures" / f"trend_{key}_{b}", formats=("png",))
                ctx.files += [f"figures/{p.name}" for p in paths]
                figures.append((title, paths[0]))
                ctx.figures[f"trend_{key}_{b}"] = (title, paths[0])
        if kommune:
            ctx.add(TREND_GROUP, _paired(ctx, new, old, form, (ctx.data, old_data)))
    if not parts:
        ctx.add(TREND_GROUP, Section("ingen", _w(ctx.tr, "none_title", old=old.name), pd.DataFrame(),
                                     notes=[_w(ctx.tr, "none_note")]))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    ctx.write_csv("trend", table)
    ctx.facts["trend"] = {"compare": old.name, "rows": len(table),
                          "published_rows": int((table.get("rests_on", pd.Series(dtype=str)) == "publiserte tall").sum())}
    _write_page(ctx, figures)


def _notes(ctx: Context) -> list[str]:
    old, new = ctx.compare, ctx.round  # type: ignore[attr-defined]
    out = [_w(ctx.tr, "method_note")]
    rules = new.disclosure
    if rules is not None:
        from samanalyse.report.sections.disclosure import merge_notes

        out.append(ctx.tr.t("disclosure", "trend", default="").format(min_count=rules.min_count,
                                                                      min_base=rules.min_base))
        out += merge_notes(ctx) + [ctx.tr.t("disclosure", "symbols", default="")]
    for rnd in (old, new):
        if rnd.reconstructed:
            out.append(_w(ctx.tr, "reconstructed_note", round=rnd.name))
    return [n for n in out if n]


def _write_page(ctx: Context, figures: list[tuple[str, Path]]) -> None:
    """``trend.html``: the trend section as a page of its own (figures embedded)."""
    old, new = ctx.compare, ctx.round  # type: ignore[attr-defined]
    heading = html.escape(_w(ctx.tr, "page_title", old=old.name, new=new.name))
    p = [f"<!DOCTYPE html><html lang='{ctx.tr.lang}'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<title>{heading}</title>",
         "<style>body{font-family:sans-serif;max-width:1300px;margin:1em auto;padding:0 1em}"
         "table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px}"
         "th{background:#eef}.note{color:#555;font-size:13px}img{max-width:100%}</style></head><body>",
         f"<h1>{heading}</h1>"]
    p += [f"<p class='note'>{html.escape(n)}</p>" for n in _notes(ctx)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sec in ctx.sections.get(TREND_GROUP, []):
            p.append(f"<h2 id='trend-{html.escape(sec.key)}'>{html.escape(sec.title)}</h2>")
            frame = sec.html_frame if sec.html_frame is not None else sec.frame
            if not frame.empty:
                head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
                body = "".join("<tr>" + "".join(f"<td>{fmt_cell(v)}</td>" for v in r) + "</tr>"
                               for r in frame.itertuples(index=False))
                p.append(f"<table><tr>{head}</tr>{body}</table>")
            p += [f"<p class='note'>{html.escape(n)}</p>" for n in sec.notes]
    for title, path in figures:
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        p.append(f"<figure><img alt='{html.escape(title)}' src='data:image/png;base64,{b64}'>"
                 f"<figcaption>{html.escape(title)}</figcaption></figure>")
    (ctx.out / "trend.html").write_text("\n".join(p + ["</body></html>"]), encoding="utf-8")
    ctx.files.append("trend.html")
