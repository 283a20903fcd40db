"""Report step: disclosure control of the report's count tables (``tables/prikking.csv``).

A no-op for a round without ``disclosure:`` rules in its ``round.yaml``.
Otherwise every ``by_group`` table of the round's catalogue is taken, per form,
as a :class:`~samanalyse.analysis.disclosure.CountTable` (its printed
categories, the note categories, and each group's n), all of them are
suppressed together and the attacker's check is run
(:func:`~samanalyse.analysis.disclosure.protect_tables`); if a suppressed cell
could be worked out, the report is refused (:class:`DisclosureError`; nothing
is written, as for any failed step). ``tables/prikking.csv`` lists every
suppressed cell, why, and its proven range. Tables the rules name as
``published_reproduction`` (a catalogue table id, or ``tabeller`` for every
catalogue table) are public: printed as they are and known to the attacker.

The protection is left in ``ctx.facts["disclosure"]`` and
:func:`mask_cells` removes, from a frame of the report's cells (the columns
of :func:`samanalyse.analysis.tables.table_cells`), every number that is
suppressed and says what to print instead (``:``), for the one place the
writers (CSV/XLSX/HTML/figures) take their cells from.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.analysis.disclosure import (BASE, CountTable, GroupMerge, TableProtection, apply_merges, merge_note,
                                             plan_merges, protect_tables)
from samanalyse.analysis.tables import category_labels, population_label
from samanalyse.report.context import Context, Section
from samanalyse.survey.disclosure import SUPPRESSED
from samanalyse.survey.rounds import Round

__all__ = ["run", "prepare", "Protected", "catalogue_count_tables", "suppressed_cells", "mask_cells", "MASKED_COLUMNS", "STEP",
           "publish_hook", "masked_layout_key", "merge_groups", "merge_notes", "merged_frame_sizes", "annotate_tables"]

#: The report step's name in a round's ``published_reproduction`` meaning every catalogue table.
STEP = "tabeller"
_BLANK = "\x00blank"        # a blank answer of the form: in every base, counted where a category counts blanks
_ANSWERED = "\x00answered"  # the respondents who answered (the n of a share of those who answered)


def _raw_column(work: pd.DataFrame, item: str, form: str) -> pd.Series:
    """Each respondent's answer to ``item`` as text, blank as :data:`_BLANK`; None for another form."""
    values = work[item].astype(object)
    text = pd.Series([_BLANK if pd.isna(v) else str(v) for v in values], index=work.index, dtype=object)
    return text.where((work["form"] == form).to_numpy(), None)


def _labels(rnd: Round, item: str, rules: dict[str, dict[str, Any]]) -> tuple[tuple[str, frozenset[str]], ...]:
    """``(category, answers)`` of each printed category (blank as :data:`_BLANK`)."""
    it = rnd.codebook.item(item)
    return tuple((c, frozenset(_BLANK if v is None else str(v) for v in category_labels(it, r)))
                 for c, r in rules.items())


def _answered_variants(rnd: Round) -> set[tuple[str, str]]:
    """(table, variant) of the counting variants whose n is of those who answered (base ``answered``)."""
    from samanalyse.analysis.tables import variants

    cat = rnd.catalogue
    return {(tid, name) for tid in cat.tables if cat.spec(tid).get("kind") == "response_rates"
            for name, base, _ in variants(cat.spec(tid), cat) if base != "all"}


#: What a count table of the report stands for: (catalogue table, form, item, variant).
Origin = tuple[str, str, str, str]


def catalogue_count_tables(rnd: Round, data: pd.DataFrame) -> tuple[pd.DataFrame, list[CountTable],
                                                                   dict[str, Origin], list[str]]:
    """The round's catalogue tables of counts as count tables, per form (and item and variant).

    ``by_group`` tables give one count table per form (id ``"<table> (<population>)"``); a
    ``response_rates`` table (Vedlegg 3) one per form, single-item row and counting variant (id
    ``"<table> (<population>, <item>, <variant>)"``, with the n of those who answered a cell when the
    variant's base is ``answered`` (the blanks are the form's n less it). Every table of the same item
    and form counts the same answers (one column per item and form, blanks included), so they are
    protected together.

    Returns
    -------
    (data, tables, origin, skipped)
        ``data`` with one answer column per (item, form); the count tables; for each id the catalogue
        table, form, item and variant (``""``); and the catalogue tables not covered (index
        cross-tables, pooled rows of a response-rate table), which the step lists in its facts.
    """
    from samanalyse.analysis.tables import response_rate_units, variants

    cat = rnd.catalogue
    work = data.copy()
    tables: list[CountTable] = []
    origin: dict[str, Origin] = {}
    skipped: list[str] = []

    def column(item: str, form: str) -> str:
        name = f"\x00{item}|{form}"
        if name not in work:
            work[name] = _raw_column(work, item, form)
        return name

    for tid in cat.tables:
        spec = cat.spec(tid)
        by, kind = spec.get("by"), spec.get("kind")
        if kind == "response_rates":
            for form in spec.get("forms", []):
                pop = population_label(rnd.codebook, form)
                for unit, its in response_rate_units(rnd.codebook, form):
                    if len(its) != 1 or its[0].id not in work:
                        skipped.append(tid)   # a pooled row (several items): not a count of units
                        continue
                    for vname, base, rules in variants(spec, cat):
                        key = f"{tid} ({pop}, {unit}, {vname})" if vname else f"{tid} ({pop}, {unit})"
                        labels = _labels(rnd, its[0].id, rules)
                        if base != "all":   # the n printed is of those who answered: a cell (blanks = N - n)
                            labels += ((_ANSWERED, frozenset(str(x) for x in its[0].scale.labels())),)
                        tables.append(CountTable(key, column(its[0].id, form), None, tuple(c for c, _ in labels),
                                                 known_n=True, labels=labels))
                        origin[key] = (tid, form, its[0].id, vname)
            continue
        if kind != "by_group" or "variants" in spec or (by is not None and by not in work):
            skipped.append(tid)
            continue
        cats = [*spec.get("categories", []), *spec.get("notes", [])]
        for form in spec.get("forms") or ([spec["form"]] if spec.get("form") else []):
            key = f"{tid} ({population_label(rnd.codebook, form)})"
            # every respondent of the form is in the base, and the respondents step publishes the
            # respondents per group: the attacker knows each group's n
            tables.append(CountTable(key, column(spec["item"], form), by, tuple(cats), known_n=True,
                                     labels=_labels(rnd, spec["item"], {c: cat.rule(c) for c in cats})))
            origin[key] = (tid, form, spec["item"], "")
    return work, tables, origin, sorted(set(skipped))


def suppressed_cells(ctx: Context, cells: pd.DataFrame, *, category: str | None = None) -> pd.Series:
    """True for each of the report's cells (``table``, ``population``, ``breakdown``, ``group``, ``category``,
    and ``item``/``variant`` where a table has several) whose count the disclosure step suppressed
    (all False without rules).

    ``category=BASE`` ("n") asks instead whether the n of the cell's group was suppressed (for a
    counting variant of those who answered: their n).
    """
    return pd.Series(_suppressed(ctx, cells, category), index=cells.index)


def _hidden_keys(ctx: Context, prot: TableProtection) -> frozenset[tuple[Any, ...]]:
    """(table, population, item, variant, group, category) of every suppressed cell of the disclosure step.

    Made once per tables step (:func:`~samanalyse.analysis._reuse.reused`: the protection does not change).
    """
    from samanalyse.analysis._reuse import reused

    origin: dict[str, Origin] = ctx.facts.get("disclosure_origin", {})
    book = ctx.round.codebook

    def compute() -> frozenset[tuple[Any, ...]]:
        hidden = prot.cells[prot.cells["status"].isin(["primary", "secondary"])]
        labels: dict[str, str] = {}
        keys = set()
        for t, g, c in zip(hidden["table"], hidden["group"], hidden["category"]):
            tid, form, item, variant = origin[t]
            if form not in labels:
                labels[form] = population_label(book, form)
            keys.add((tid, labels[form], item, variant, g, c))
        return frozenset(keys)

    return reused(prot, ("suppressed_keys", id(origin), id(book)), compute)


def _suppressed(ctx: Context, cells: pd.DataFrame, category: str | None = None) -> np.ndarray:
    """:func:`suppressed_cells` as a boolean array."""
    prot: TableProtection | None = ctx.facts.get("disclosure")
    if prot is None or cells.empty:
        return np.zeros(len(cells), dtype=bool)
    keys = _hidden_keys(ctx, prot)
    total = prot.rules.total_label
    group = np.where(cells["breakdown"].isin(["total", "note"]), total, cells["group"])
    cats: Any = cells["category"].to_numpy(dtype=object) if category is None else [category] * len(cells)
    if category == BASE and "variant" in cells:   # the n of a variant of those who answered is theirs
        answered = _answered_variants(ctx.round)
        cats = [_ANSWERED if (t, v) in answered else BASE for t, v in
                zip(cells["table"].to_numpy(dtype=object), cells["variant"].fillna("").to_numpy(dtype=object))]
    if "item" not in cells:   # cells of by_group tables without their item: match table and group only
        keys = frozenset((k[0], k[1], "", "", k[4], k[5]) for k in keys)
    blank = [""] * len(cells)
    items = cells["item"].fillna("").to_numpy(dtype=object) if "item" in cells else blank
    variant = cells["variant"].fillna("").to_numpy(dtype=object) if "variant" in cells else blank
    return np.fromiter((k in keys for k in zip(cells["table"].to_numpy(dtype=object),
                                                cells["population"].to_numpy(dtype=object), items, variant, group,
                                                cats)), dtype=bool, count=len(cells))


#: Columns of the report's cells that :func:`mask_cells` blanks where a cell is suppressed.
MASKED_COLUMNS = ("count", "percent", "value", "ci_low", "ci_high", "regenerated")


def _blank(col: pd.Series, gone: np.ndarray) -> pd.Series:
    """``col`` without the values where ``gone``; a column of whole numbers stays whole (``Int64``)."""
    if pd.api.types.is_integer_dtype(col.dtype):
        whole = col.astype("Int64")
        return whole.where(~gone, pd.NA) if gone.any() else whole
    values = col.astype(float)
    return values.where(~gone) if gone.any() else values


def mask_cells(ctx: Context, cells: pd.DataFrame) -> pd.DataFrame:
    """The report's cells with every suppressed number removed, for the writers (CSV, XLSX, HTML, figures).

    A cell whose count is suppressed, or whose group's n is, loses its count, share, printed value and
    interval (:data:`MASKED_COLUMNS`, where present); a suppressed n is removed too. The column
    ``symbol`` says what to print instead: ``:`` (SSB: cannot be published), else ``""``.
    """
    return _masked_by(cells, *_hidden(ctx, cells))


def _hidden(ctx: Context, cells: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(number gone, n gone) per cell: its count or its group's n suppressed; its group's n suppressed."""
    n_hidden = _suppressed(ctx, cells, category=BASE)
    return _suppressed(ctx, cells) | n_hidden, n_hidden


def _masked_by(cells: pd.DataFrame, gone: np.ndarray, n_hidden: np.ndarray) -> pd.DataFrame:
    """:func:`mask_cells` with the cells whose numbers (``gone``) and n (``n_hidden``) are suppressed known."""
    out = cells.copy()
    for col in MASKED_COLUMNS:
        if col in out:
            out[col] = _blank(out[col], gone)
    if "n" in out:
        out["n"] = _blank(out["n"], n_hidden)
    out["symbol"] = np.where(gone, SUPPRESSED, "")
    return out


_CELL_KEYS = ("table", "population", "breakdown", "group", "category")


def masked_layout_key(ctx: Context, tid: str) -> tuple[str, str, int]:
    """The key (with ``ctx.data``, :func:`~samanalyse.analysis._reuse.reused`) of a table's masked layout.

    The tables step, which has the masked cells laid out already, may provide the layout under it.
    """
    return ("masked_wide", tid, id(ctx.facts.get("disclosure")))


def _mask_wide(ctx: Context, tid: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A study table's wide layout (a round without published numbers) with ``:`` where a number is suppressed.

    The layout is rebuilt from the masked cells (the tables step's own layout), and every number of
    ``frame`` that the masked layout no longer has is printed as ``:``.
    """
    from samanalyse.analysis._reuse import reused
    from samanalyse.analysis.tables import table_cells
    from samanalyse.report.sections.tables import _wide_data

    def layout() -> pd.DataFrame:
        rnd = ctx.round
        cells = table_cells(tid, ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
        first = cells["variant"].iloc[0] if len(cells) else ""
        shown = cells[cells["variant"] == first] if first else cells
        return _wide_data(mask_cells(ctx, shown).drop(columns="symbol"), rnd.catalogue.spec(tid), rnd.codebook)

    # the same for the table's three frames (workbook, page, details): made once inside the tables step
    masked = reused(ctx.data, masked_layout_key(ctx, tid), layout)
    if list(masked.columns) != list(frame.columns) or len(masked) != len(frame):
        return frame
    out = frame.copy()
    for col in out.columns[1:]:
        gone = masked[col].isna().to_numpy() & frame[col].notna().to_numpy()
        if gone.any():
            out[col] = out[col].astype(object).where(~gone, SUPPRESSED)
    return out


def publish_hook(ctx: Context) -> Any:
    """The :data:`~samanalyse.report.context.TableHook` that masks every published frame holding suppressed cells.

    Frames of the report's cells (the tidy CSVs, the charts' cells) go through :func:`mask_cells` (a
    ``symbol`` column says ``:``); a study table's wide layout (``tabeller/<id>``, XLSX and HTML) is
    masked cell by cell. Other frames pass unchanged.
    """
    def hook(name: str, frame: pd.DataFrame) -> pd.DataFrame:
        if ctx.facts.get("disclosure") is None or frame.empty:
            return frame
        if all(c in frame for c in _CELL_KEYS):   # a frame of cells: masked where a cell is suppressed
            gone, n_hidden = _hidden(ctx, frame)
            return _masked_by(frame, gone, n_hidden) if gone.any() else frame
        group, _, key = name.partition("/")
        tid = key.split("#")[0]
        if group == "tabeller" and not ctx.round.has_published and tid in ctx.round.catalogue.tables:
            return _merged_rows_first(ctx, _mask_wide(ctx, tid, frame))
        return frame
    return hook


def _merged_rows_first(ctx: Context, frame: pd.DataFrame) -> pd.DataFrame:
    """A wide table with the rows of merged groups moved up to just before its total row (``Samlet``).

    The layout takes rows in the order the cells come, form by form, so a group only one form merged
    would come after the total and the footnotes.
    """
    from samanalyse.analysis.tables import TOTAL

    labels = {m.label for m in ctx.facts.get("disclosure_merges", []) if m.label}
    rows = frame.iloc[:, 0].astype(str).tolist() if len(frame.columns) else []
    if not labels or TOTAL not in rows:
        return frame
    at = rows.index(TOTAL)
    late = [i for i, r in enumerate(rows) if r in labels and i > at]
    if not late:
        return frame
    order = [i for i in range(at) if i not in late] + late + [i for i in range(at, len(rows)) if i not in late]
    return frame.iloc[order].reset_index(drop=True)


def _public_columns(rnd: Round, rules: Any) -> set[str]:
    """Grouping columns of a published reproduction's tables: their groups are public already (not merged)."""
    out = set()
    for tid, spec in rnd.catalogue.tables.items():
        if spec.get("by") and (STEP in rules.published_reproduction or tid in rules.published_reproduction):
            out.add(spec["by"])
    return out


def merge_groups(ctx: Context, rules: Any) -> list[GroupMerge]:
    """Merge (or leave out) the small groups of every grouping column the catalogue's tables use.

    ``ctx.data`` is replaced by a copy with the merged groups relabelled (:func:`apply_merges`), so
    the tables, tests and charts that follow see merged groups only; ``ctx.facts["data_unmerged"]``
    keeps the data as loaded and ``ctx.facts["disclosure_merges"]`` the merges (:class:`GroupMerge`).
    A column by which a published reproduction is broken down is left as it is (its groups are
    public). RHF are taken in the register's order, other columns in their categories' or sorted order.
    """
    from samanalyse.survey.registers import rhf_order

    rnd, data = ctx.round, ctx.data
    public = _public_columns(rnd, rules)
    bys = [b for b in dict.fromkeys(spec.get("by") for spec in rnd.catalogue.tables.values())
           if b and b in data and b not in public]
    and_word = ctx.tr.t("disclosure", "and", default="og")
    merges = [m for b in bys for m in plan_merges(data, b, rules, order=list(rhf_order()) if b == "rhf" else None,
                                                   and_word=and_word)]
    ctx.facts["disclosure_merges"] = merges
    if merges:
        ctx.facts["data_unmerged"] = data
        ctx.data = apply_merges(data, merges)
    return merges


def merged_frame_sizes(ctx: Context, sizes: dict[tuple[str, str, str], int]) -> dict[tuple[str, str, str], int]:
    """Frame sizes of the merged groups, for finite-population intervals: their members' frames added up.

    ``sizes`` are the round's frame sizes per ``(population label, breakdown, group)``
    (:func:`samanalyse.report.intervals.frame_sizes`); a merged group gets the sum over its members
    under every breakdown that has them all. Empty without merges or without a frame.
    """
    out: dict[tuple[str, str, str], int] = {}
    for m in ctx.facts.get("disclosure_merges", []):
        if not m.label:
            continue
        pop = population_label(ctx.round.codebook, m.form)
        for bd in {b for (p, b, _) in sizes if p == pop}:
            parts = [sizes.get((pop, bd, g)) for g in m.members]
            if all(n is not None for n in parts):
                out[(pop, bd, m.label)] = int(sum(parts))   # type: ignore[arg-type]
    return out


def merge_notes(ctx: Context, merges: list[GroupMerge] | None = None, *, by: str | None = None) -> list[str]:
    """The bokmål notes saying which groups were merged (or left out) and why, e.g. under a table by ``by``."""
    rules = ctx.round.disclosure
    merges = ctx.facts.get("disclosure_merges", []) if merges is None else merges
    if rules is None:
        return []
    out = []
    for m in merges:
        if by is not None and m.by != by:
            continue
        prefix = ctx.tr.t("disclosure", "merge_prefix", default="{population} etter {by}").format(
            population=population_label(ctx.round.codebook, m.form).capitalize(),
            by=ctx.tr.t("column", m.by, default=m.by).lower() if m.by != "rhf" else "RHF")
        out.append(merge_note(m, rules, prefix=prefix, and_word=ctx.tr.t("disclosure", "and", default="og")))
    return out


def annotate_tables(ctx: Context) -> None:
    """Put the merge notes under every catalogue table (``tabeller`` section) broken down by a merged column.

    Run at the end of the tables step: the tables are built without knowing of the merge, and a
    reader of one table must see there which groups it pools and why.
    """
    cat = ctx.round.catalogue
    for sec in ctx.sections.get("tabeller", []):
        by = cat.tables.get(sec.key, {}).get("by")
        for note in merge_notes(ctx, by=by) if by else []:
            if note not in sec.notes:
                sec.notes.append(note)


def _merge_frame(ctx: Context, merges: list[GroupMerge]) -> pd.DataFrame:
    tr = ctx.tr
    return pd.DataFrame({
        tr.t("column", "form"): [population_label(ctx.round.codebook, m.form).capitalize() for m in merges],
        tr.t("disclosure", "grouping", default="Gruppering"): [tr.t("column", m.by, default=m.by) for m in merges],
        tr.t("disclosure", "small", default="For små grupper"): [", ".join(m.small) for m in merges],
        tr.t("disclosure", "members", default="Slått sammen"): [", ".join(m.members) for m in merges],
        tr.t("disclosure", "label", default="Vises som"): [m.label or tr.t("disclosure", "omitted", default="utelatt")
                                                          for m in merges],
        tr.t("column", "respondents"): [m.units for m in merges]})


def _section(ctx: Context, prot: TableProtection, merges: list[GroupMerge]) -> None:
    """The report's account of the disclosure control (group ``respondenter``): rules, merges, counts."""
    tr, rules = ctx.tr, prot.rules
    hidden = prot.prikking()
    notes = [tr.t("disclosure", "rules", default="").format(
        min_count=rules.min_count, min_base=rules.min_base, min_range=rules.min_range,
        k=rules.min_units_per_group, primary=int((hidden["reason"] == "primary").sum()),
        secondary=int((hidden["reason"] == "secondary").sum()))]
    notes += merge_notes(ctx, merges)
    if rules.published_note:
        notes.append(rules.published_note)
    notes.append(tr.t("disclosure", "symbols", default=""))
    frame = _merge_frame(ctx, merges) if merges else pd.DataFrame()
    ctx.add("respondenter", Section("prikking", tr.t("disclosure", "title", default="Prikking"), frame,
                                    notes=[n for n in notes if n]))


@dataclass(frozen=True)
class Protected:
    """The report's count tables protected together (the heavy part of the step, :func:`prepare`).

    ``protection``: the suppression (checked: no suppressed cell can be worked out); ``not_covered``:
    the catalogue's tables the step leaves out; ``origin``: per count table its table, population, item
    and variant.
    """

    protection: TableProtection
    not_covered: Any
    origin: dict[str, Any]


def prepare(ctx: Context) -> Protected | None:
    """Suppress the report's count tables together and check the result, on the data with its small groups
    merged already (the report's ``grupper`` step); None for a round without disclosure rules.

    Needs only the round and ``ctx.data``, so the report may compute it ahead in a background process.

    Raises
    ------
    DisclosureError
        If a suppressed cell could be worked out from what is published.
    """
    rules = ctx.round.disclosure
    if rules is None or ctx.data is None:
        return None
    work, tables, origin, skipped = catalogue_count_tables(ctx.round, ctx.data)
    public = tuple(k for k, (tid, _, _, _) in origin.items()
                   if STEP in rules.published_reproduction or tid in rules.published_reproduction)
    # the groups are merged already (per form): the tables' groups are printed as they are now
    effective = replace(rules, published_reproduction=public, min_units_per_group=1)
    prot = protect_tables(work, tables, effective)
    prot.check()
    return Protected(prot, skipped, origin)


def run(ctx: Context) -> None:
    """Merge small groups, suppress the report's count tables together, refuse if a cell can be worked out,
    write prikking.csv."""
    rules = ctx.round.disclosure
    if rules is None or ctx.data is None:
        return
    # merged already by the report's step before (build.STEPS 'grupper'), else here
    merges = ctx.facts["disclosure_merges"] if "disclosure_merges" in ctx.facts else merge_groups(ctx, rules)
    done = ctx.prepared(prepare)
    if done is None:   # not reached: prepare has the rules and the data run has
        return
    prot, skipped, origin = done.protection, done.not_covered, done.origin
    ctx.facts["disclosure"] = prot
    ctx.facts["disclosure_not_covered"] = skipped
    ctx.facts["disclosure_origin"] = origin
    ctx.hooks.append(publish_hook(ctx))
    out = prot.prikking()
    out["item"] = [origin[t][2] for t in out["table"]]
    out["category"] = out["category"].replace({_ANSWERED: "n (svarte)"})
    ctx.write_csv("prikking", out)
    if merges:
        ctx.write_csv("prikking_grupper", pd.DataFrame(
            [{"form": m.form, "by": m.by, "small": "|".join(m.small), "members": "|".join(m.members),
              "label": m.label, "units": m.units, "k": m.k} for m in merges]))
    _section(ctx, replace(prot, rules=rules), merges)
