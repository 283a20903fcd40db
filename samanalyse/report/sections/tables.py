"""Report section: every table of the round's catalogue.

For a round with published numbers each table is regenerated and compared
with them cell by cell (the scorecard); for a round without, each table is
built from the data alone, with its percentages and the n of every group.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.analysis.tables import population_label
from samanalyse.report.i18n import Translation, translation
from samanalyse.report.intervals import add_intervals, frame_sizes
from samanalyse.analysis.weighted import CELL_KEYS, WEIGHTED_COLUMNS, FormDesigns, weighted_cells
from samanalyse.report.context import Context, Section
from samanalyse.report.design import report_designs
from samanalyse.survey.codebook import Codebook
from samanalyse.survey.disclosure import SUPPRESSED

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
        texts = {i: _item_text(codebook, i, tr) for i in dict.fromkeys(d["item"])}
        d["rad"] = [f"{texts[i]}: {c}" for i, c in zip(d["item"], d["category"])]
        d["kol"] = ""
    return d


#: A laid-out table's rows (in order) and printed columns (population, column label, its cells indexed by row).
Printed = tuple[pd.Index, list[tuple[str, str, pd.DataFrame]]]


def _columns(d: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The printed columns of a laid-out table: (population, column label, its cells indexed by row).

    As ``d.groupby(["Populasjon", "kol"], sort=False)`` gives them (in order of first appearance, a
    missing key left out), each with ``rad`` as index, taken from one frame indexed by row.
    """
    at: dict[tuple[Any, Any], list[int]] = {}
    for i, key in enumerate(zip(d["Populasjon"].to_numpy(dtype=object), d["kol"].to_numpy(dtype=object))):
        if not (pd.isna(key[0]) or pd.isna(key[1])):
            at.setdefault(key, []).append(i)
    by_row = d.set_index("rad")
    return [(pop, kol, by_row.iloc[rows]) for (pop, kol), rows in at.items()]


def _printed(d: pd.DataFrame) -> Printed:
    """The rows (in order of first appearance) and the :func:`_columns` of a laid-out table."""
    return pd.Index(list(dict.fromkeys(d["rad"]))), _columns(d)


def _head(pop: str, kol: str) -> str:
    return f"{pop}: {kol}" if kol else pop


def _item_text(codebook: Codebook, item: str, tr: Translation | None) -> str:
    """An item's short text in the report's language (the codebook's English field, else bokmål)."""
    try:
        it = codebook.item(item)
    except Exception:  # noqa: BLE001 - a pooled row (Vedlegg 3) is named by its items; else shown as it is
        from samanalyse.analysis.tables import response_rate_units

        pooled = [its for form in codebook.forms for unit, its in response_rate_units(codebook, form)
                  if unit == item and its]
        if not pooled:
            return item
        text = _item_text(codebook, pooled[0][0].id, tr)
        return (tr or translation()).t("word", "pooled_row").format(text=text, n=len(pooled[0]))
    if tr is not None and tr.lang == "en":
        for attr in ("short_en", "text_en"):
            if getattr(it, attr, None):
                return str(getattr(it, attr))
    return str(getattr(it, "short", None) or getattr(it, "text", None) or item)


def _wide(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation,
          printed: Printed | None = None) -> pd.DataFrame:
    """regenerated | published | difference | n | interval per printed column (XLSX); ``printed``: its :func:`_printed`."""
    rows, columns = printed if printed is not None else _printed(_layout(cmp, spec, codebook, tr))
    out: dict[str, pd.Series] = {}
    w = {k: tr.t("column", k) for k in ("regenerated", "published", "difference", "n", "ci_low", "ci_high")}
    for pop, kol, sel in columns:
        head = _head(pop, kol)
        hid = sel["ci_method"] == SUPPRESSED if "ci_method" in sel else None
        at = _aligned(sel, rows, ("regenerated", "published", "difference"))
        out[f"{head} – {w['regenerated']}"] = at["regenerated"]
        out[f"{head} – {w['published']}"] = at["published"]
        out[f"{head} – {w['difference']}"] = at["difference"]
        out[f"{head} – {w['n']}"] = sel["n"].astype("Int64").reindex(rows)
        for k in ("ci_low", "ci_high"):
            values = sel[k].astype(float).round(1)
            out[f"{head} – {w[k]}"] = (values if hid is None or not hid.any() else values.astype(object).where(
                ~hid, SUPPRESSED)).reindex(rows)
        _weighted_columns(out, head, at, tr)
    return pd.DataFrame(out, index=rows.rename(""), columns=list(out)).reset_index()


def _aligned(sel: pd.DataFrame, rows: pd.Index, columns: tuple[str, ...]) -> pd.DataFrame:
    """The ``columns`` (and weighted ones) of a printed column's cells on the table's rows, as assigning aligns them."""
    return sel[[c for c in (*columns, *WEIGHTED_COLUMNS, "weighted_symbol") if c in sel]].reindex(rows)


def _weighted_columns(out: pd.DataFrame | dict[str, pd.Series], head: str, sel: pd.DataFrame, tr: Translation) -> None:
    """The weighted share, its SE, design effect and interval beside a printed column (when weighted)."""
    if "weighted" not in sel:
        return
    gone = sel["weighted_symbol"] == SUPPRESSED if "weighted_symbol" in sel else None
    for col in WEIGHTED_COLUMNS[:-1]:
        values = sel[col].astype(float).round(3 if col == "deff" else 1)
        out[f"{head} – {tr.t('design', col)}"] = values if gone is None else values.astype(object).where(~gone,
                                                                                                         SUPPRESSED)


def _weighted_text(r: pd.Series, tr: Translation) -> str:
    """``; vektet 45,2 (38,1–52,6)`` for the on-demand detail of a weighted cell ("" without weights)."""
    if r.get("weighted_symbol", "") == SUPPRESSED:
        return f"; {tr.t('design', 'weighted_short')} {SUPPRESSED}"
    if "weighted" not in r or pd.isna(r["weighted"]):
        return ""
    ci = ("" if pd.isna(r["weighted_ci_low"]) else
          f" ({tr.percent(r['weighted_ci_low'])}–{tr.percent(r['weighted_ci_high'])})")
    return f"; {tr.t('design', 'weighted_short')} {tr.percent(r['weighted'], 1)}{ci}"


def _details(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation,
             value: str = "percent", printed: Printed | None = None) -> pd.DataFrame:
    """One text cell per printed cell, "share (low–high), n", for the web page's on-demand table."""
    rows, columns = printed if printed is not None else _printed(_layout(cmp, spec, codebook, tr))
    out: dict[str, list[str]] = {}
    for pop, kol, sel in columns:
        recs = _records(sel, [c for c in sel.columns if c in _DETAIL_COLUMNS or c == value])   # what it reads
        out[_head(pop, kol)] = [_detail_text(recs.get(rad), value, tr) for rad in rows]
    return pd.DataFrame(out, index=rows.rename(""), columns=list(out)).reset_index()


#: The columns of a cell :func:`_detail_text` (and :func:`_weighted_text`) read, besides the share's.
_DETAIL_COLUMNS = frozenset({"symbol", "ci_method", "ci_low", "ci_high", "n", "weighted", "weighted_ci_low",
                             "weighted_ci_high", "weighted_symbol"})


def _records(sel: pd.DataFrame, columns: list[str]) -> dict[Any, dict[str, Any]]:
    """Each row of a printed column's cells (by row label) as ``{column: value}``, for ``columns`` only.

    The values as ``sel[columns].to_dict("records")`` has them for the texts made of them (Python
    scalars, ``NA``/``nan`` where missing), taken column by column.
    """
    if not columns:
        return {rad: {} for rad in sel.index}
    lists = [sel[c].tolist() if isinstance(sel[c].dtype, np.dtype) and sel[c].dtype.kind in "biuf"
             else [_native(v) for v in sel[c].tolist()] for c in columns]   # to_dict boxes object/extension ones
    return {rad: dict(zip(columns, values)) for rad, values in zip(sel.index, zip(*lists))}


def _native(v: Any) -> Any:
    """A value of an object or extension column as ``to_dict`` boxes it: ``NA`` as None, NumPy numbers as Python's."""
    if v is pd.NA:
        return None
    return v.item() if isinstance(v, (np.floating, np.integer, np.bool_)) else v


def _detail_text(r: dict[str, Any] | None, value: str, tr: Translation) -> str:
    """A printed cell's on-demand text, "share (low–high), n" (``:`` if suppressed, "" for no cell)."""
    if r is not None and str(r.get("symbol", "")) == SUPPRESSED:
        return SUPPRESSED
    if r is None or pd.isna(r[value]):
        return ""
    ci = (f" ({SUPPRESSED})" if r.get("ci_method") == SUPPRESSED else
          "" if pd.isna(r["ci_low"]) else f" ({tr.percent(r['ci_low'])}–{tr.percent(r['ci_high'])})")
    n = "" if pd.isna(r["n"]) else f", n = {int(r['n'])}"
    return f"{tr.percent(r[value], 1)}{ci}{n}{_weighted_text(r, tr)}"


def _wide_data(cells: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation | None = None,
               printed: Printed | None = None, page: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Percent per printed column and n per group: a table of a round without published numbers.

    With ``ci_low``/``ci_high`` in ``cells`` (:func:`add_intervals`) each printed column gets its
    interval, with the :data:`~samanalyse.analysis.weighted.WEIGHTED_COLUMNS` its weighted share;
    cells masked by disclosure control (``symbol`` ``:``, :func:`mask_cells`) print ``:``.
    ``printed``: the :func:`_printed` layout of ``cells``, when the caller has it. ``page`` (a list) gets
    the web page's frame, the shares and n without intervals and weighted shares (the frame of ``cells``
    without those columns: every column is made from its own cells), and that frame as it is before any
    ``:`` is printed (the frame of those cells without ``symbol``, which only says where to print ``:``).
    """
    tr = tr or translation()
    rows, columns = printed if printed is not None else _printed(_layout(cells, spec, codebook, tr))
    out: dict[str, pd.Series] = {}
    hidden: dict[str, pd.Series] = {}   # output column -> rows whose number disclosure control removed
    lo_word, hi_word = tr.t("column", "ci_low"), tr.t("column", "ci_high")
    not_paged: set[str] = set()   # the intervals' and weighted shares' columns
    for pop, kol, sel in columns:
        head = _head(pop, kol)
        gone = sel["symbol"] == SUPPRESSED if "symbol" in sel else None
        at = _aligned(sel, rows, ("value", "ci_low", "ci_high"))
        before = set(out)
        out[f"{head} – prosent"] = at["value"]
        if "ci_low" in sel:
            out[f"{head} – {lo_word}"] = at["ci_low"].astype(float).round(1)
            out[f"{head} – {hi_word}"] = at["ci_high"].astype(float).round(1)
        _weighted_columns(out, head, at, tr)
        not_paged.update(c for c in out if c not in before and c != f"{head} – prosent")
        if gone is not None:
            hidden.update({c: gone for c in out if c not in before})
    _n_columns(out, hidden, rows, columns)
    paged = [c for c in out if c not in not_paged]
    if page is not None:   # ``symbol`` only adds to ``hidden``: what ``out`` holds is the same without it
        page.append(pd.DataFrame({c: out[c] for c in paged}, index=rows.rename(""), columns=paged).reset_index())
    on_rows: dict[int, np.ndarray] = {}   # a printed column's ``gone`` on the table's rows, once for its columns
    for col, gone in hidden.items():
        if id(gone) not in on_rows:
            on_rows[id(gone)] = gone.reindex(rows).fillna(False).astype(bool).to_numpy()
        mask = on_rows[id(gone)] & out[col].isna().to_numpy()
        if mask.any():
            out[col] = out[col].astype(object).where(~mask, SUPPRESSED)
    frame = pd.DataFrame(out, index=rows.rename(""), columns=list(out))
    if page is not None:
        page.insert(0, pd.DataFrame({c: out[c] for c in paged}, index=rows.rename(""), columns=paged).reset_index())
    return frame.reset_index()


def _n_columns(out: dict[str, pd.Series], hidden: dict[str, pd.Series], rows: pd.Index,
               columns: list[tuple[str, str, pd.DataFrame]]) -> None:
    """The n of each population's groups: one column when every printed column has the same n on a row, else one each.

    ``hidden`` gets, per n column, the rows whose n disclosure control removed (``symbol`` ``:``, n blank).
    """
    index = rows
    for pop in dict.fromkeys(p for p, _, _ in columns):
        mine = [(kol, sel) for p, kol, sel in columns if p == pop]
        ns = np.full((len(rows), len(mine)), np.nan)    # each printed column's n on the table's rows
        at = [index.get_indexer(sel.index) for _, sel in mine]
        for j, (_, sel) in enumerate(mine):
            ns[at[j], j] = sel["n"].to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(ns)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # a row without any n
            one = known.any(axis=1) & (np.nanmax(ns, axis=1) == np.nanmin(ns, axis=1))
        if (one | ~known.any(axis=1)).all():   # one n per row (group): one column, each row's first n
            first = ns[np.arange(len(rows)), np.argmax(known, axis=1)] if len(mine) else np.full(len(rows), np.nan)
            out[f"{pop}: n"] = pd.Series(first, index=index).astype("Int64")
            marked = [(ix, (sel["symbol"].eq(SUPPRESSED) & sel["n"].isna()).to_numpy())
                      for ix, (_, sel) in zip(at, mine) if "symbol" in sel]
            if marked:   # hidden where a column has the row, every such column says so, and none has its n
                every, some = np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool)
                for ix, m in marked:   # a column's rows (unique: each printed column has a row once)
                    every[ix] &= m.astype(bool)
                    some[ix] = True
                hidden[f"{pop}: n"] = pd.Series(every & some & ~known.any(axis=1), index=index)
        else:
            for kol, sel in mine:
                out[f"{_head(pop, kol)} – n"] = sel["n"].astype("Int64").reindex(rows)
                if "symbol" in sel:
                    hidden[f"{_head(pop, kol)} – n"] = sel["symbol"].eq(SUPPRESSED) & sel["n"].isna()


def _compact(cmp: pd.DataFrame, spec: dict[str, Any], codebook: Codebook, tr: Translation,
             printed: Printed | None = None) -> pd.DataFrame:
    """One text cell per printed cell, "regenerated / published", for the HTML page."""
    rows, columns = printed if printed is not None else _printed(_layout(cmp, spec, codebook, tr))
    out: dict[str, list[str]] = {}
    for pop, kol, sel in columns:
        recs = _records(sel, ["regenerated", "published", "status_published", "outcome"])
        out[_head(pop, kol)] = ["" if rad not in recs else _compact_text(recs[rad]) for rad in rows]
    return pd.DataFrame(out, index=rows.rename(""), columns=list(out)).reset_index()


def _compact_text(r: dict[str, Any]) -> str:
    """A printed cell of a reproduction: "regenerated / published", `` ≠`` where they disagree."""
    reg = "–" if pd.isna(r["regenerated"]) else f"{r['regenerated']:.0f}"
    pub = {"unknown": "?", "anomaly": f"{r['published']:.0f}!"}.get(r["status_published"],
                                                                   "–" if pd.isna(r["published"]) else f"{r['published']:.0f}")
    mark = "" if r["outcome"] in ("matched", "unknown", "not regenerated") else " ≠"
    return f"{reg} / {pub}{mark}"


def _n_text(ctx: Context, spec: dict[str, Any], counts: Any = None) -> str:
    """The respondents a table rests on, e.g. ``n: kommuner 187, helseforetak 18``.

    ``counts``: the respondents per form (:func:`_form_counts`), when the caller has them.
    """
    forms = spec.get("forms") or ([spec["form"]] if spec.get("form") else list(ctx.round.frame))
    counts = _form_counts(ctx) if counts is None else counts
    parts = [f"{population_label(ctx.round.codebook, f)} {int(counts.get(f, 0))}" for f in forms]
    return "n: " + ", ".join(parts)


def _form_counts(ctx: Context) -> Any:
    """The respondents per form (empty without data)."""
    return ctx.data["form"].value_counts() if ctx.data is not None and "form" in ctx.data else {}


def _percent_columns(frame: pd.DataFrame, *words: str) -> tuple[str, ...]:
    return tuple(c for c in frame.columns if any(w in str(c) for w in words))


def run(ctx: Context) -> None:
    """Every table of the round's catalogue: compared with the published numbers, or from the data alone."""
    from samanalyse.analysis._reuse import reusing
    from samanalyse.report.sections.disclosure import annotate_tables

    with reusing():   # each table's cells counted once in the step (the disclosure hook lays them out again)
        if ctx.round.has_published:
            _run_published(ctx)
        else:
            _run_data(ctx)
        annotate_tables(ctx)   # the merge notes of disclosure control under every table by a merged column


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
    sizes = frame_sizes(rnd)
    designs = report_designs(ctx)
    by_table = dict(tuple(cells.groupby("table", sort=False)))
    counts = _form_counts(ctx)   # the same respondents under every table
    for tid, spec in catalogue.tables.items():
        mine = by_table[tid].copy() if tid in by_table else cells.iloc[:0].copy()
        cmp = _derived_under_rules(ctx, _with_weighted(add_intervals(mine, rnd, spec=spec, sizes=sizes), designs, tid,
                                                       ctx))
        ctx.write_csv(tid, cmp)
        ctx.facts["table_cells"][tid] = cmp
        printed = _printed(_layout(cmp, spec, rnd.codebook, tr))
        wide = _wide(cmp, spec, rnd.codebook, tr, printed)
        title = (spec["title_en"] if tr.lang == "en" and spec.get("title_en")
                 else titles.get(tid, spec.get("title", "")))
        sec = Section(key=tid, title=f"{catalogue.label(tid)}: {title}", frame=wide,
                      kind="study", html_frame=_compact(cmp, spec, rnd.codebook, tr, printed),
                      detail_frame=_details(cmp, spec, rnd.codebook, tr, printed=printed),
                      percent_columns=_percent_columns(wide, tr.t("column", "regenerated"),
                                                       tr.t("column", "published")),
                      n_text=_n_text(ctx, spec, counts),
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
        if designs is not None:
            sec.notes.append(tr.t("design", "tables_note").format(method=designs.weights.method))
        if any(c in cmp and (cmp[c] == SUPPRESSED).any() for c in ("weighted_symbol", "ci_method")):
            sec.notes.append(tr.t("design", "suppressed_intervals").format(
                min_base=rnd.disclosure.min_base, min_count=rnd.disclosure.min_count))
        ctx.add("tabeller", sec)


def _run_data(ctx: Context) -> None:
    """Every table of the catalogue from the data alone (a round without published numbers).

    Each cell gets its n and interval (:func:`add_intervals`), with weights its weighted share
    (:func:`_with_weighted`); cells that disclosure control suppresses lose their numbers here, before
    any layout is made (:func:`_masked`). The workbook's sheet has the intervals (and weighted shares)
    as columns, the web page the percentages and n with the intervals on demand (the detail table).
    """
    from samanalyse.analysis.tables import table_cells

    rnd = ctx.round
    catalogue = rnd.catalogue
    tr = ctx.tr
    from samanalyse.report.sections.disclosure import merged_frame_sizes

    sizes = frame_sizes(rnd)
    sizes = {**sizes, **merged_frame_sizes(ctx, sizes)}   # small groups merged by disclosure control (issue 16)
    designs = report_designs(ctx)
    plain = translation()   # the disclosure hook's layouts are in the default language
    parts = []
    charted: dict[str, pd.DataFrame] = {}
    ctx.facts["data_table_cells"] = charted
    for tid, spec in catalogue.tables.items():
        cells = add_intervals(table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=catalogue), rnd,
                              spec=spec, sizes=sizes)
        if spec.get("kind") == "by_group" and "variants" not in spec:
            charted[tid] = cells.copy()   # the charts' cells (they pass the publish hook themselves)
        masked = ctx.round.disclosure is not None and ctx.facts.get("disclosure") is not None and not cells.empty
        cells = _masked(ctx, _with_weighted(cells, designs, tid, ctx), spec)
        parts.append(cells)
        ctx.write_csv(tid, cells)
        first = cells["variant"].iloc[0] if len(cells) else ""
        shown = cells[cells["variant"] == first] if first else cells
        printed = _printed(_layout(shown, spec, rnd.codebook, tr))
        page: list[pd.DataFrame] = []   # the web page's frame (no intervals), and before ':' is printed
        wide = _wide_data(shown, spec, rnd.codebook, tr, printed, page)
        if masked and tr.lang == plain.lang and spec["kind"] not in ("index_crosstab", "response_rates"):
            _provide_masked_layout(ctx, tid, page[1])
        sec = Section(key=tid, title=f"{catalogue.label(tid)}: {spec.get('title', '')}".rstrip(": "), frame=wide,
                      percent_columns=_percent_columns(wide, "prosent"), html_frame=page[0],
                      detail_frame=_details(shown, spec, rnd.codebook, tr, printed=printed))
        if first:
            sec.notes.append(f"{catalogue.label(tid)} {tr.t('note', 'variants_data')} {first} "
                             f"(tables/{tid}.csv).")
        if designs is not None:
            sec.notes.append(tr.t("design", "tables_note").format(method=designs.weights.method))
        if spec["kind"] == "index_crosstab" and "symbol" in cells and (cells["symbol"] == SUPPRESSED).any():
            sec.notes.append(tr.t("design", "suppressed_groups").format(min_base=rnd.disclosure.min_base))
        ctx.add("tabeller", sec)
    ctx.write_csv("alle_celler", pd.concat(parts, ignore_index=True))


def _provide_masked_layout(ctx: Context, tid: str, layout: pd.DataFrame) -> None:
    """Give the disclosure hook its masked layout of a table: the step's page frame before ``:`` is printed.

    The hook lays out the table's cells as :func:`~samanalyse.report.sections.disclosure.mask_cells`
    leaves them, without ``symbol``, in the default language, to compare the published frames with.
    For a table the step masks no further than ``mask_cells`` (not an index cross-table nor a
    response-rate table) those are the page's cells (no intervals, no weighted shares) in the same
    layout, and without ``symbol`` :func:`_wide_data` makes what it holds before printing ``:``.
    """
    from samanalyse.analysis._reuse import reused
    from samanalyse.report.sections.disclosure import masked_layout_key

    reused(ctx.data, masked_layout_key(ctx, tid), lambda: layout)


def _key(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """The cell keys of ``frame`` (spaces dropped: the transcription prints some labels with a space)."""
    return list(zip(*(frame[c].fillna("").astype(str).str.replace(" ", "", regex=False) for c in CELL_KEYS)))


def _with_weighted(cells: pd.DataFrame, designs: FormDesigns | None, tid: str, ctx: Context) -> pd.DataFrame:
    """``cells`` with the weighted share of each cell (:data:`WEIGHTED_COLUMNS`); unchanged without weights."""
    if designs is None:
        return cells
    rnd = ctx.round
    wc = weighted_cells(tid, designs, codebook=rnd.codebook, catalogue=rnd.catalogue)
    look = dict(zip(_key(wc), wc[list(WEIGHTED_COLUMNS)].to_dict("records")))
    extra = pd.DataFrame([look.get(k, {}) for k in _key(cells)], index=cells.index, columns=list(WEIGHTED_COLUMNS))
    extra["weighted_method"] = extra["weighted_method"].fillna("")
    return pd.concat([cells, extra], axis=1)


def _derived_under_rules(ctx: Context, cmp: pd.DataFrame) -> pd.DataFrame:
    """A published reproduction's cells with the intervals and weighted shares samanalyse adds following the rules.

    The study's own numbers are public and printed as they are (``published_reproduction``); the
    intervals and weighted shares are samanalyse's (issue 16, item 5):

    - an interval follows the primary rules cell by cell: a share whose base is under ``min_base``
      or whose count is 1 to ``min_count`` - 1 loses its interval (``ci_low``/``ci_high`` empty,
      ``ci_method`` ``:``). No secondary suppression: the share it would narrow is published;
    - a weighted share is new information, so a group (population, breakdown, group) with a base
      under ``min_base`` or any cell of 1 to ``min_count`` - 1 units loses every weighted number
      (``weighted_symbol`` ``:``), so that no hidden one follows from the others.

    Unchanged without rules.
    """
    rules = ctx.round.disclosure
    if rules is None or cmp.empty:
        return cmp
    n = cmp["n"].to_numpy(dtype=float, na_value=np.nan)
    count = np.round(cmp["percent"].to_numpy(dtype=float, na_value=np.nan) * n / 100)
    with np.errstate(invalid="ignore"):
        small = (n < rules.min_base) | ((count > 0) & (count < rules.min_count))
    out = cmp.copy()
    if "ci_low" in out and small.any():
        for col in ("ci_low", "ci_high"):
            out[col] = np.where(small, np.nan, out[col].to_numpy(dtype=float, na_value=np.nan))
        out["ci_method"] = out["ci_method"].astype(object).where(~small, SUPPRESSED)
    if "weighted" in out:
        keys = list(zip(cmp["population"].fillna(""), cmp["breakdown"].fillna(""), cmp["group"].fillna("")))
        hidden = {k for k, s in zip(keys, small) if s}
        gone = pd.Series([k in hidden for k in keys], index=cmp.index)
        for col in WEIGHTED_COLUMNS[:-1]:
            out[col] = out[col].astype(float).where(~gone)
        out["weighted_symbol"] = np.where(gone, SUPPRESSED, "")
    return out


def _masked_pooled(ctx: Context, out: pd.DataFrame) -> pd.DataFrame:
    """A response-rate table's pooled rows (several items, e.g. the priorities of one virkemiddel) under the rules.

    The prikking step cannot model them (their counts are answers, not units), so a row (population,
    breakdown, group, pooled item, variant) with a base under ``min_base`` or any count of 1 to
    ``min_count`` - 1 loses every number but its n (``symbol`` ``:``): no hidden count follows from
    the row's others. Rows of one item are the prikking step's.
    """
    from samanalyse.analysis.tables import response_rate_units

    rules = ctx.round.disclosure
    pooled = {unit for form in ctx.round.codebook.forms for unit, its in response_rate_units(ctx.round.codebook, form)
              if len(its) > 1}
    rows = out["item"].isin(pooled)
    if not rows.any():
        return out
    small = rows & ((out["n"] < rules.min_base) | ((out["count"] > 0) & (out["count"] < rules.min_count)))
    keys = ["population", "breakdown", "group", "item", "variant"]
    key = pd.MultiIndex.from_frame(out[keys].astype(str))
    hidden = pd.Series(key.isin(key[small.to_numpy()]), index=out.index) & rows
    for col in ("count", "percent", "value", "ci_low", "ci_high"):
        out[col] = out[col].astype(float).where(~hidden)
    out["symbol"] = np.where(hidden, SUPPRESSED, out["symbol"].fillna("") if "symbol" in out else "")
    return out


def _masked(ctx: Context, cells: pd.DataFrame, spec: dict[str, Any] | None = None) -> pd.DataFrame:
    """``cells`` with every number disclosure control suppresses removed (``symbol`` ``:``), weighted ones too.

    :func:`~samanalyse.report.sections.disclosure.mask_cells` removes counts, shares and intervals;
    the weighted columns go where it removed the share. An index cross-table (which the prikking step
    does not cover) loses every number of a column (a class of the other index) whose base is under
    the rules' ``min_base`` or that has a count of 1 to ``min_count`` - 1 (its n too when under
    ``min_count``); so do the pooled rows of a response-rate table (:func:`_masked_pooled`). Unchanged
    when the round has no rules.
    """
    from samanalyse.report.sections.disclosure import mask_cells

    rules = ctx.round.disclosure
    if rules is None or ctx.facts.get("disclosure") is None or cells.empty:
        return cells
    out = mask_cells(ctx, cells)
    if spec is not None and spec.get("kind") == "index_crosstab":
        small = (out["n"] < rules.min_base) | ((out["count"] > 0) & (out["count"] < rules.min_count))
        hidden = out["group"].isin(set(out.loc[small, "group"]))
        out["n"] = out["n"].astype(float).where(~(hidden & (out["n"] < rules.min_count)))
        for col in ("count", "percent", "value", "ci_low", "ci_high"):
            out[col] = out[col].astype(float).where(~hidden)
        out["symbol"] = np.where(hidden, SUPPRESSED, out["symbol"])
    if spec is not None and spec.get("kind") == "response_rates":
        out = _masked_pooled(ctx, out)
    gone = out["symbol"] == SUPPRESSED
    for col in WEIGHTED_COLUMNS[:-1]:
        if col in out:
            out[col] = out[col].astype(float).where(~gone)
    return out
