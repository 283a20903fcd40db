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
from samanalyse.survey.disclosure import SUPPRESSED

__all__ = ["run", "plot_trend", "TREND_GROUP"]

#: The key of the report group the trend sections are added to.
TREND_GROUP = "trend"
_BY = {"total": "Alle", "rhf": "RHF", "size_class": "Kommunestørrelse"}


def _pct(v: float) -> str:
    return "" if pd.isna(v) else f"{100 * v:.1f}".replace(".", ",")


def _p(p: float) -> str:
    return "" if pd.isna(p) else "< 0,001" if p < 0.001 else f"{p:.3f}".replace(".", ",")


def _share_text(p: float, n: int, gone: bool) -> str:
    """``"12,5 % (40)"``; a suppressed share ``": (40)"`` (its n is published: the respondents per group)."""
    return f"{SUPPRESSED} ({n})" if gone else f"{_pct(p)} % ({n})"


def _table(t: pd.DataFrame) -> pd.DataFrame:
    """The compact layout of the trend rows of one item group (``:`` where the disclosure rules suppress)."""
    gone = t["symbol"].eq(SUPPRESSED) if "symbol" in t else pd.Series(False, index=t.index)
    return pd.DataFrame({
        "Spørsmål": t["label"], "Svar": t["category"], "Gruppering": t["by"].map(_BY).fillna(t["by"]),
        "Gruppe": t["group"].where(t["by"] != "total", "Alle"),
        f"{t['round_old'].iloc[0]} (n)": [_share_text(p, n, pd.isna(p) and g) for p, n, g in
                                          zip(t["share_old"], t["n_old"], gone)],
        f"{t['round_new'].iloc[0]} (n)": [_share_text(p, n, pd.isna(p) and g) for p, n, g in
                                          zip(t["share_new"], t["n_new"], gone)],
        "Endring, prosentpoeng [95 %-KI]": [SUPPRESSED if g else f"{_pct(d)} [{_pct(lo)}; {_pct(hi)}]"
                                            for d, lo, hi, g in zip(t["difference"], t["ci_low"], t["ci_high"], gone)],
        "p (Holm)": [SUPPRESSED if g else _p(v) for v, g in zip(t["p_adjusted"], gone)],
        "Cohens h": [SUPPRESSED if g else v for v, g in zip(t["cohen_h"].round(2), gone)],
        "Endret": t["changed"],
        "Bygger på": t["rests_on"],
    })


def plot_trend(rows: pd.DataFrame, *, by: str, title: str, legend: str = ""):  # type: ignore[no-untyped-def]
    """Both rounds side by side with intervals: one panel per item (rows) and category (columns).

    ``rows``: :func:`~samanalyse.analysis.trends.compare_rounds` rows of one item group, the total and
    one grouping ``by``. A share the disclosure rules suppress is not drawn; its place shows ``:``,
    and ``legend`` (what ``:`` means) goes under the figure. Returns a :class:`matplotlib.figure.Figure`.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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
            ax.set_xticks(x, ["Alle" if g == "total" else str(g).replace(" kommuner", "").replace("Helse ", "")
                              for g in groups], fontsize=7, rotation=30, ha="right")
            ax.set_ylim(0, 100)
            ax.tick_params(axis="y", labelsize=7)
            label = str(cell["label"].dropna().iloc[0]) if cell["label"].notna().any() else item
            ax.set_title(f"{label}: {cat}", fontsize=8)
            if j == 0:
                ax.set_ylabel("Prosent", fontsize=8)
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


def _paired(ctx: Context, new, old, form: str, data: tuple[pd.DataFrame, pd.DataFrame]) -> Section:  # type: ignore[no-untyped-def]
    from samanalyse.analysis.trends import paired_changes

    try:
        p = paired_changes(new, old, form=form, data=data)
    except SamanalyseError as exc:
        return Section(f"parret_{form}", f"Parret analyse ({form}): ikke gjort", pd.DataFrame(),
                       notes=[f"Den parrede analysen av kommuner som svarte i begge rundene er ikke gjort: {exc}"])
    ctx.write_csv("trend_parret", p)
    frame = pd.DataFrame({
        "Spørsmål": p["label"], "Test": p["test"], "Kategorier": p["categories"], "Par": p["n_pairs"],
        "Sammenslåtte": p["merged_units"], "Delte (utelatt)": p["split_excluded"], "Endret svar": p["discordant"],
        "Statistikk": p["statistic"].round(2), "df": p["df"], "p": p["p"].map(_p), "p (Holm)": p["p_adjusted"].map(_p),
        "p (BH)": p["p_bh"].map(_p), "Endret": p["changed"], "Bygger på": p["rests_on"]})
    return Section(f"parret_{form}", f"Parret analyse: kommuner som svarte i begge rundene ({form})", p,
                   html_frame=frame,
                   notes=["Kommunene er lagt på den nyeste rundens kommunekart. En sammenslått kommune sammenlignes "
                          "med svaret som har størst samlet folkemengde blant delene som svarte; delte kommuner er "
                          "utelatt. McNemar for to kategorier, Stuart–Maxwell for flere; Holm og BH over spørsmålene."])


def run(ctx: Context) -> None:
    """The trend section when the report compares with an earlier round (``ctx.compare``)."""
    import matplotlib.pyplot as plt

    from samanalyse.analysis.trends import compare_rounds
    from samanalyse.io.datasets import load_round_data
    from samanalyse.report.figures import save_figure
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
            ctx.add(TREND_GROUP, Section(key, f"Endring fra {old.name} til {new.name}: {topic or 'andre'} ({form})",
                                         rows, html_frame=_table(rows)))
            for b in by:
                title = f"{topic or 'andre'} ({form}) etter {_BY[b].lower()}: {old.name} og {new.name}, 95 %-KI"
                fig = plot_trend(rows, by=b, title=title, legend=ctx.tr.t("disclosure", "suppressed", default=""))
                paths = save_figure(fig, ctx.out / "figures" / f"trend_{key}_{b}", formats=("png",))
                plt.close(fig)
                ctx.files += [f"figures/{p.name}" for p in paths]
                figures.append((title, paths[0]))
                ctx.figures[f"trend_{key}_{b}"] = (title, paths[0])
        if kommune:
            ctx.add(TREND_GROUP, _paired(ctx, new, old, form, (ctx.data, old_data)))
    if not parts:
        ctx.add(TREND_GROUP, Section("ingen", f"Ingen spørsmål å sammenligne med {old.name}", pd.DataFrame(),
                                     notes=["Kodeboken merker ingen spørsmål som de samme som i den tidligere runden."]))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    ctx.write_csv("trend", table)
    ctx.facts["trend"] = {"compare": old.name, "rows": len(table),
                          "published_rows": int((table.get("rests_on", pd.Series(dtype=str)) == "publiserte tall").sum())}
    _write_page(ctx, figures)


def _notes(ctx: Context) -> list[str]:
    old, new = ctx.compare, ctx.round  # type: ignore[attr-defined]
    out = ["Andel av alle som fikk skjemaet i gruppen (ubesvart i nevneren). Hver runde er et utvalg uten "
           "tilbakelegging fra sin egen populasjon (endelig-populasjonskorreksjon per runde); rundene er uavhengige. "
           "Intervall for endringen: normaltilnærming; p: Wald-test; Holm- og BH-justering over alle rader. "
           "RHF og kommunestørrelse etter hver rundes eget register."]
    rules = new.disclosure
    if rules is not None:
        from samanalyse.report.sections.disclosure import merge_notes

        out.append(ctx.tr.t("disclosure", "trend", default="").format(min_count=rules.min_count,
                                                                      min_base=rules.min_base))
        out += merge_notes(ctx) + [ctx.tr.t("disclosure", "symbols", default="")]
    for rnd in (old, new):
        if rnd.reconstructed:
            out.append(f"Runde {rnd.name} er rekonstruert. Bare andeler som de publiserte tabellene fastlegger "
                       "(«Bygger på: publiserte tall») er fakta om runden; alt annet bygger på rekonstruksjonens "
                       "antakelser.")
    return [n for n in out if n]


def _write_page(ctx: Context, figures: list[tuple[str, Path]]) -> None:
    """``trend.html``: the trend section as a page of its own (figures embedded)."""
    old, new = ctx.compare, ctx.round  # type: ignore[attr-defined]
    p = ["<!DOCTYPE html><html lang='nb'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<title>Endring fra {html.escape(old.name)} til {html.escape(new.name)}</title>",
         "<style>body{font-family:sans-serif;max-width:1300px;margin:1em auto;padding:0 1em}"
         "table{border-collapse:collapse;font-size:12px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px}"
         "th{background:#eef}.note{color:#555;font-size:13px}img{max-width:100%}</style></head><body>",
         f"<h1>Endring fra {html.escape(old.name)} til {html.escape(new.name)}</h1>"]
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
