"""Report section: every table of the round's catalogue, regenerated and compared with the published numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from samanalyse.report.context import Context, Section

__all__ = ["run"]


def _layout(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """Row and column labels that lay a table's cells out as the study prints them."""
    d = cmp.copy()
    d["Populasjon"] = d["population"].map({"kommuner": "Kommuner", "helseforetak": "Helseforetak", "": "Kommuner"})
    kind = spec["kind"]
    note = d["breakdown"] == "note"
    if kind == "by_group" and spec.get("by"):
        d["rad"] = np.where(note, d["category"] + " (note)", d["group"])
        d["kol"] = np.where(note, spec["categories"][0], d["category"])  # notes sit under the first category
    elif kind == "by_group":
        d["rad"] = np.where(note, d["category"] + " (note)", d["category"])
        d["kol"] = ""
    elif kind == "index_crosstab":
        d["rad"], d["kol"], d["Populasjon"] = d["category"], d["group"], "Kommuner"
    else:
        d["rad"] = d["item"] + ": " + d["category"]
        d["kol"] = ""
    return d


def _wide(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """regenerated | published | difference, three numeric columns per printed column (XLSX, CSV)."""
    d = _layout(cmp, spec)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol in dict.fromkeys(zip(d["Populasjon"], d["kol"])):
        sel = d[(d["Populasjon"] == pop) & (d["kol"] == kol)].set_index("rad")
        head = f"{pop}: {kol}" if kol else pop
        out[f"{head} – regenerert"] = sel["regenerated"]
        out[f"{head} – publisert"] = sel["published"]
        out[f"{head} – differanse"] = sel["difference"]
    out.index.name = ""
    return out.reset_index()


def _compact(cmp: pd.DataFrame, spec: dict[str, Any]) -> pd.DataFrame:
    """One text cell per printed cell, "regenerated / published", for the HTML page."""
    d = _layout(cmp, spec)
    rows = list(dict.fromkeys(d["rad"]))
    out = pd.DataFrame(index=rows)
    for pop, kol in dict.fromkeys(zip(d["Populasjon"], d["kol"])):
        sel = d[(d["Populasjon"] == pop) & (d["kol"] == kol)].set_index("rad")
        head = f"{pop}: {kol}" if kol else pop
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
        out[head] = text
    out.index.name = ""
    return out.reset_index()


def run(ctx: Context) -> None:
    """Every table of the study's catalogue, regenerated and compared with the published numbers."""
    from samanalyse.published.scorecard import scorecard

    rnd = ctx.round
    card = scorecard(rnd.name, ctx.data, audit=ctx.facts["audit_result"])
    ctx.facts["scorecard"] = card.counts
    ctx.facts["largest_deviation"] = card.largest_deviation("matched")
    catalogue = rnd.catalogue
    meta = pd.read_csv(rnd.published_dir / "tables.csv", dtype=str, keep_default_na=False)
    titles = dict(zip(meta["table"], meta["title"]))
    cells = card.cells
    cells = cells.assign(regenerated=cells["regenerated"].astype("Float64"))
    ctx.write_csv("sammenligning_alle_celler", cells)
    for tid, spec in catalogue.tables.items():
        cmp = cells[cells["table"] == tid].copy()
        ctx.write_csv(tid, cmp)
        sec = Section(key=tid, title=f"{catalogue.label(tid)}: {titles.get(tid, spec.get('title', ''))}", frame=_wide(cmp, spec),
                       kind="study", html_frame=_compact(cmp, spec))
        bad = cmp[cmp["outcome"].isin(["impossible", "unmet", "anomaly"])]
        for _, r in bad.iterrows():
            why = r["audit"] or ("Trykket verdi er umulig (f.eks. over 100 %)." if r["outcome"] == "anomaly" else "")
            sec.notes.append(f"{r['cell_id']}: publisert {r['published']:.0f} %, {r['outcome']}. {why}".strip())
        if (cmp["variant"].fillna("") != "").any():
            used = cmp.groupby("variant").size().to_dict()
            sec.notes.append(f"{catalogue.label(tid)} bruker ulike prosentgrunnlag; celler telt som gjengitt under grunnlaget "
                             + ", ".join(f"{k} ({v})" for k, v in used.items()) + " (se tables.yaml).")
        ctx.add("tabeller", sec)
