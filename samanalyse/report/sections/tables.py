"""Report section: every table of the round's catalogue.

For a round with published numbers each table is regenerated and compared
with them cell by cell (the scorecard); for a round without, each table is
built from the data alone, with its percentages and the n of every group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from samanalyse.analysis.tables import population_label
from samanalyse.report.i18n import Translation, translation
from samanalyse.report.intervals import add_intervals
from samanalyse.survey.codebook import Codebook
from samanalyse.report.context import Context, Section

__all__ = ["run"]


def _layout(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation | None = None
            ) -> pd.DataFrame:
    """Row and column labels that lay a table's cells out as the study prints them."""
    foot = f" ({(tr or translation()).t('word', 'footnote')})"
    d = cmp.copy()
    own = population_label(codebook, spec.get("form", ""))  # cells of a table of one form
    d["Populasjon"] = d["population"].where(d["population"] != "", own).str.capitalize()
    kind = spec["kind"]
    note = d["breakdown"] == "note"
    if kind == "by_group" and spec.get("by"):
        d["rad"] = np.where(note, d["category"] + foot, d["group"])
        d["kol"] = np.where(note, spec["categories"][0], d["category"])  # notes sit under the first category
    elif kind == "by_group":
        d["rad"] = np.where(note, d["category"] + foot, d["category"])
        d["kol"] = ""
    elif kind == "index_crosstab":
        d["rad"], d["kol"] = d["category"], d["group"]
    else:
        d["rad"] = [f"{_item_text(codebook, i, tr)}: {c}" for i, c in zip(d["item"], d["category"])]
        d["kol"] = ""
    return d


def _columns(d: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The printed columns of a laid-out table: (population, column label, its cells indexed by row)."""
    return [(pop, kol, d[(d["Populasjon"] == pop) & (d["kol"] == kol)].set_index("rad"))
            for pop, kol in dict.fromkeys(zip(d["Populasjon"], d["kol"]))]


def _head(pop: str, kol: str) -> str:
    return f"{pop}: {kol}" if kol else pop


def _item_text(codebook: Codebook, item: str, tr: Translation | None) -> str:
    """An item's short text in the report's language (the codebook's English field, else bokmål)."""
    try:
        it = codebook.item(item)
    except Exception:  # noqa: BLE001 - an id not in the codebook is shown as it is
        return item
    if tr is not None and tr.lang == "en":
        for attr in ("short_en", "text_en"):
            if getattr(it, attr, None):
                return str(getattr(it, attr))
    return str(getattr(it, "short", None) or getattr(it, "text", None) or item)


def _wide(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation) -> pd.DataFrame:
    """regenerated | published | difference | n | interval per printed column (XLSX)."""
    d = _layout(cmp, spec, codebook, tr)
    out = pd.DataFrame(index=list(dict.fromkeys(d["rad"])))
    w = {k: tr.t("column", k) for k in ("regenerated", "published", "difference", "n", "ci_low", "ci_high")}
    for pop, kol, sel in _columns(d):
        head = _head(pop, kol)
        out[f"{head} – {w['regenerated']}"] = sel["regenerated"]
        out[f"{head} – {w['published']}"] = sel["published"]
        out[f"{head} – {w['difference']}"] = sel["difference"]
        out[f"{head} – {w['n']}"] = sel["n"].astype("Int64")
        out[f"{head} – {w['ci_low']}"] = sel["ci_low"].round(1)
        out[f"{head} – {w['ci_high']}"] = sel["ci_high"].round(1)
    out.index.name = ""
    return out.reset_index()


def _details(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation,
             value: str = "percent") -> pd.DataFrame:
    """One text cell per printed cell, "share (low–high), n", for the web page's on-demand table."""
    d = _layout(cmp, spec, codebook, tr)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol, sel in _columns(d):
        text = []
        for rad in rows:
            if rad not in sel.index or pd.isna(sel.loc[rad, value]):
                text.append("")
                continue
            r = sel.loc[rad]
            ci = ("" if pd.isna(r["ci_low"]) else
                  f" ({tr.percent(r['ci_low'])}–{tr.percent(r['ci_high'])})")
            n = "" if pd.isna(r["n"]) else f", n = {int(r['n'])}"
            text.append(f"{tr.percent(r[value], 1)}{ci}{n}")
        out[_head(pop, kol)] = text
    out.index.name = ""
    return out.reset_index()


def _wide_data(cells: pd.DataFrame, spec: dict[str, Any], codebook: Codebook) -> pd.DataFrame:
    """Percent per printed column and n per group: a table of a round without published numbers."""
    d = _layout(cells, spec, codebook)
    out = pd.DataFrame(index=list(dict.fromkeys(d["rad"])))
    columns = _columns(d)
    for pop, kol, sel in columns:
        out[f"{_head(pop, kol)} – prosent"] = sel["value"]
    for pop in dict.fromkeys(p for p, _, _ in columns):
        ns = pd.DataFrame({kol: sel["n"] for p, kol, sel in columns if p == pop})
        if (ns.nunique(axis=1, dropna=True) <= 1).all():  # one n per row (group): one column
            out[f"{pop}: n"] = ns.bfill(axis=1).iloc[:, 0].astype("Int64")
        else:
            for kol in ns.columns:
                out[f"{_head(pop, kol)} – n"] = ns[kol].astype("Int64")
    out.index.name = ""
    return out.reset_index()


def _compact(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation) -> pd.DataFrame:
    """One text cell per printed cell, "regenerated / published", for the HTML page."""
    d = _layout(cmp, spec, codebook, tr)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol, sel in _columns(d):
        text = []
        for rad in rows:
            if rad not in sel.index:
                text.append("")
                continue
            r = sel.loc[rad]
            reg = "–" if pd.isna(r["regenerated"]) else f"{r['regenerated']:.0f}"
            pub = {"unknown": "?", "anomaly": f"{r['published']:.0f}!"}.get(r["status_published"],
                                                                           "–" if pd.isna(r["published"]) else f"{r['published']:.0f}")
            mark = "" if r["outcome"] in ("matched", "unknown", "not regenerated") else " ≠"
            text.append(f"{reg} / {pub}{mark}")
        out[_head(pop, kol)] = text
    out.index.name = ""
    return out.reset_index()


def _n_text(ctx: Context, spec: dict[str, Any]) -> str:
    """The respondents a table rests on, e.g. ``n: kommuner 187, helseforetak 18``."""
    forms = spec.get("forms") or ([spec["form"]] if spec.get("form") else list(ctx.round.frame))
    counts = ctx.data["form"].value_counts() if ctx.data is not None and "form" in ctx.data else {}
    parts = [f"{population_label(ctx.round.codebook, f)} {int(counts.get(f, 0))}" for f in forms]
    return "n: " + ", ".join(parts)


def _percent_columns(frame: pd.DataFrame, *words: str) -> tuple[str, ...]:
    return tuple(c for c in frame.columns if any(w in str(c) for w in words))


def run(ctx: Context) -> None:
    """Every table of the round's catalogue: compared with the published numbers, or from the data alone."""
    if ctx.round.has_published:
        _run_published(ctx)
    else:
        _run_data(ctx)


def _run_published(ctx: Context) -> None:
    """Every table of the study's catalogue, regenerated and compared with the published numbers."""
    from samanalyse.published.scorecard import scorecard
    from samanalyse.published.transcription import read_tables

    rnd = ctx.round
    card = scorecard(rnd, ctx.data, audit=ctx.facts["audit_result"])
    ctx.facts["scorecard"] = card.counts
    ctx.facts["largest_deviation"] = card.largest_deviation("matched")
    catalogue = rnd.catalogue
    meta = read_tables(rnd.published_dir / "tables.csv")
    titles = dict(zip(meta["table"], meta["title"]))
    cells = card.cells
    cells = cells.assign(regenerated=cells["regenerated"].astype("Float64"))
    ctx.write_csv("sammenligning_alle_celler", cells)
    tr = ctx.tr
    ctx.facts["table_cells"] = {}
    for tid, spec in catalogue.tables.items():
        cmp = add_intervals(cells[cells["table"] == tid].copy(), rnd, spec=spec)
        ctx.write_csv(tid, cmp)
        ctx.facts["table_cells"][tid] = cmp
        wide = _wide(cmp, spec, rnd.codebook, tr)
        title = (spec["title_en"] if tr.lang == "en" and spec.get("title_en")
                 else titles.get(tid, spec.get("title", "")))
        sec = Section(key=tid, title=f"{catalogue.label(tid)}: {title}", frame=wide,
                      kind="study", html_frame=_compact(cmp, spec, rnd.codebook, tr),
                      detail_frame=_details(cmp, spec, rnd.codebook, tr),
                      percent_columns=_percent_columns(wide, tr.t("column", "regenerated"),
                                                       tr.t("column", "published")),
                      n_text=_n_text(ctx, spec),
                      sources=[tr.t("word", "source_ssb") + " (" + tr.t("column", "size_class").lower() + ")"]
                      if spec.get("by") == "size_class" else [])
        bad = cmp[cmp["outcome"].isin(["impossible", "unmet", "anomaly"])]
        for _, r in bad.iterrows():
            sec.notes.append(f"{r['cell_id']}: {tr.t('column', 'published')} {r['published']:.0f} %, "
                             f"{tr.t('status', r['outcome'])}.")
        if (cmp["variant"].fillna("") != "").any():
            used = cmp.groupby("variant").size().to_dict()
            sec.notes.append(f"{catalogue.label(tid)}: " + tr.t("note", "variants")
                             + " " + ", ".join(f"{k} ({v})" for k, v in used.items()) + ".")
        ctx.add("tabeller", sec)


def _run_data(ctx: Context) -> None:
    """Every table of the catalogue from the data alone (a round without published numbers)."""
    from samanalyse.analysis.tables import table_cells

    rnd = ctx.round
    catalogue = rnd.catalogue
    parts = []
    for tid, spec in catalogue.tables.items():
        cells = table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=catalogue)
        parts.append(cells)
        ctx.write_csv(tid, cells)
        first = cells["variant"].iloc[0] if len(cells) else ""
        shown = cells[cells["variant"] == first] if first else cells
        wide = _wide_data(shown, spec, rnd.codebook)
        sec = Section(key=tid, title=f"{catalogue.label(tid)}: {spec.get('title', '')}".rstrip(": "), frame=wide,
                      percent_columns=_percent_columns(wide, "prosent"))
        if first:
            sec.notes.append(f"{catalogue.label(tid)} {ctx.tr.t('note', 'variants_data')} {first} "
                             f"(tables/{tid}.csv).")
        ctx.add("tabeller", sec)
    ctx.write_csv("alle_celler", pd.concat(parts, ignore_index=True))
