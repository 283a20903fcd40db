"""Disclosure control of a report's count tables, driven by the round's rules.

Every table a report publishes from respondent data is described by a
:class:`CountTable` (the answers to one item, overall or by a grouping
column). :func:`protect_tables` builds every published count of all the
tables together — each category by each group, each group's base n, the totals
— as sums of *atoms* (the respondents of one answer in one cell of every
grouping column the item's tables use), so the relations across tables (the
same answers by RHF, by size class and in total) are all known to the
attacker's program. It then applies the round's rules
(:class:`~samanalyse.survey.disclosure.DisclosureRules`):

1. groups with fewer than ``min_units_per_group`` respondents are merged (or
   left out) first, with a note (:func:`merge_small_groups`);
2. primary cells: counts of 1 .. ``min_count - 1``, and every category of a
   group whose base n is under ``min_base`` (its shares would be printed);
3. secondary cells, chosen across all tables of an item together
   (:func:`samanalyse.stats.suppression.secondary_suppression`);
4. the attacker's check: each suppressed cell's proven range over every table
   consistent with all published cells; :meth:`TableProtection.check` refuses
   (:class:`~samanalyse.errors.DisclosureError`) if one is narrower than the rule.

Cells of tables named in the rules' ``published_reproduction`` (a study's own
numbers, public already) are printed as they are and may not be suppressed;
the attacker knows them, and every other table is protected given them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from samanalyse.analysis._checks import check_columns
from samanalyse.errors import DisclosureError
from samanalyse.stats.suppression import primary_suppression, suppress
from samanalyse.survey.disclosure import MISSING, SUPPRESSED, ZERO, DisclosureRules

__all__ = ["CountTable", "TableProtection", "protect_tables", "merge_small_groups", "plan_merges", "apply_merges",
           "merge_note", "GroupMerge", "CELL_COLUMNS",
           "PRIKKING_COLUMNS", "BASE"]

#: The category name of a group's base n (the respondents who answered the item).
BASE = "n"
#: Columns of :attr:`TableProtection.cells`.
CELL_COLUMNS = ["table", "item", "group", "category", "count", "base", "status", "rule", "lo", "hi"]
#: Columns of :meth:`TableProtection.prikking` (``tables/prikking.csv``).
PRIKKING_COLUMNS = ["table", "item", "group", "category", "reason", "rule", "lo", "hi"]


@dataclass(frozen=True)
class CountTable:
    """A published table of counts: the answers to ``item``, by ``by`` (or overall if None).

    ``categories`` gives the printed categories in order (default: the values seen, sorted).
    ``labels`` (optional) says which values of ``item`` each printed category counts, one
    ``(category, values)`` pair per category: categories may then overlap or pool values (e.g. a
    collapse group, "Vet ikke" with the blanks), and every table of the same ``item`` column is one
    model over the same answers. Without ``labels`` a category counts the value of its own name.
    ``known_n``: each group's n is published elsewhere (e.g. a table of respondents per group),
    so the attacker knows it and it may not be suppressed here. ``known``: further categories
    (by name) that are published whatever the rules say (e.g. the n of those who answered).
    """

    table: str
    item: str
    by: str | None = None
    categories: tuple[str, ...] | None = None
    known_n: bool = False
    labels: tuple[tuple[str, frozenset[str]], ...] | None = None
    known: tuple[str, ...] = ()

    def values_of(self, category: str) -> frozenset[str]:
        """The values of ``item`` that ``category`` counts."""
        return dict(self.labels or ()).get(category, frozenset([category]))


@dataclass(frozen=True)
class GroupMerge:
    """Small groups of one grouping column of one form, merged into one (or left out).

    Attributes
    ----------
    form : str
        The form (``""``: every row of the data).
    by : str
        The grouping column (``rhf``, ``size_class``, a register column).
    small : tuple of str
        The groups with fewer than ``k`` responding units (the reason for the merge).
    members : tuple of str
        Every group merged (``small`` and the groups added to reach ``k``), in the groups' order.
    label : str
        The merged group's label (``""`` when the groups are left out).
    units : int
        The merged group's responding units.
    k : int
        The rule: ``min_units_per_group``.
    """

    form: str
    by: str
    small: tuple[str, ...]
    members: tuple[str, ...]
    label: str
    units: int
    k: int


def _join(names: list[str] | tuple[str, ...], last: str) -> str:
    """``A``, ``A og B``, ``A, B og C`` (``last`` is the word before the last name)."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def _group_order(col: pd.Series, order: list[str] | None) -> list[str]:
    """The groups of ``col`` in their order: a categorical's categories, ``order``, else sorted."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [str(c) for c in col.cat.categories]
    seen = sorted(str(v) for v in col.dropna().unique())
    first = [g for g in (order or []) if g in seen]
    return first + [g for g in seen if g not in first]


def _plan_ordered(sizes: dict[str, int], k: int) -> list[list[str]]:
    """Ordered classes (size classes): a class under ``k`` is merged with its smaller neighbour, repeatedly.

    Classes with no units are dropped from consideration (nothing to protect); ties go to the next class.
    """
    runs = [[g] for g, n in sizes.items() if n > 0]
    while len(runs) > 1:
        n = [sum(sizes[g] for g in r) for r in runs]
        small = [i for i in range(len(runs)) if n[i] < k]
        if not small:
            break
        i = min(small, key=lambda j: (n[j], j))
        left = n[i - 1] if i > 0 else None
        right = n[i + 1] if i + 1 < len(runs) else None
        j = i + 1 if left is None or (right is not None and right <= left) else i - 1
        a, b = sorted((i, j))
        runs[a:b + 1] = [runs[a] + runs[b]]
    return [r for r in runs if len(r) > 1]


def _plan_nominal(sizes: dict[str, int], k: int) -> list[list[str]]:
    """Nominal groups (RHF, fylke): every group under ``k`` pooled in one; topped up with the smallest others.

    If the pooled groups have fewer than ``k`` units together, the smallest other group (ties: the
    later in the groups' order) joins, until the pool reaches ``k`` or holds every group.
    """
    present = {g: n for g, n in sizes.items() if n > 0}
    pool = [g for g, n in present.items() if n < k]
    if not pool:
        return []
    rest = [g for g in present if g not in pool]
    while sum(present[g] for g in pool) < k and rest:
        add = min(reversed(rest), key=lambda g: present[g])
        rest.remove(add)
        pool.append(add)
    return [[g for g in present if g in pool]] if len(pool) > 1 or rest else [pool]


def plan_merges(data: pd.DataFrame, by: str, rules: DisclosureRules, *, form_column: str | None = "form",
                order: list[str] | None = None, and_word: str = "og") -> list[GroupMerge]:
    """Which groups of ``by`` each form must merge (or leave out) under ``min_units_per_group``.

    The rule, and why. A demanding (SSB-style) reader wants the large groups shown as they are,
    each published group to stand for at least ``k`` units, and the merged group to mean something:

    - **ordered classes** (an ordered categorical, e.g. the round's size classes): a class with
      fewer than ``k`` responding units is merged with its *neighbour* (the smaller of the two; a
      tie goes to the next class), again until every class has ``k``; the merged class is labelled
      by its members ("Små kommuner og mellomstore kommuner") and stays an interval of the scale.
      Pooling non-adjacent classes would give a group with no place on the scale.
    - **nominal groups** (RHF, fylke: no order between them): the groups with fewer than ``k``
      units are pooled in one residual group, ``rules.merged_label`` ("Øvrige"), as SSB does with
      small categories; if the pool has fewer than ``k`` units, the smallest other group joins it
      (then the next smallest) until it has. Merging a small RHF with a "neighbour" in the
      register's order would be arbitrary: the order is alphabetical, not geographic.

    Groups are counted per form (a form's units are the rows with that ``form``; a helseforetak
    form may have one unit in an RHF where the kommune form has thirty). Groups with no unit are
    left alone (nothing to protect).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per responding unit, with ``by`` (and ``form_column``).
    by : str
        The grouping column.
    rules : DisclosureRules
        ``min_units_per_group`` (``k``), ``small_groups``, ``merged_label``.
    form_column : str or None
        The column naming each row's form; ``None`` counts every row as one form (``form`` ``""``).
    order : list of str, optional
        The groups' order for a column that is not categorical (e.g. the register's RHF order).
    and_word : str
        The word joining the last two members of an ordered merge's label ("og").

    Returns
    -------
    list of GroupMerge
        One per merged group, by form in order of appearance.
    """
    check_columns(data, [by] + ([form_column] if form_column else []), "plan_merges")
    k = rules.min_units_per_group
    forms = list(dict.fromkeys(data[form_column])) if form_column else [""]
    ordered = isinstance(data[by].dtype, pd.CategoricalDtype) and bool(data[by].cat.ordered)
    groups = _group_order(data[by], order)
    out: list[GroupMerge] = []
    for form in forms:
        col = data[by] if not form_column else data.loc[data[form_column] == form, by]
        counts = col.astype(object).dropna().astype(str).value_counts()
        sizes = {g: int(counts.get(g, 0)) for g in groups}
        plans = _plan_ordered(sizes, k) if ordered else _plan_nominal(sizes, k)
        for members in plans:
            small = tuple(g for g in members if sizes[g] < k)
            if rules.small_groups == "omit":
                members, label = list(small), ""
            else:
                label = _join(members, and_word) if ordered else rules.merged_label
            out.append(GroupMerge(form=str(form), by=by, small=small, members=tuple(members), label=label,
                                  units=sum(sizes[g] for g in members), k=k))
    return out


def apply_merges(data: pd.DataFrame, merges: list[GroupMerge], *, form_column: str | None = "form") -> pd.DataFrame:
    """``data`` with the merged groups relabelled, and the units of left-out groups removed.

    A left-out group's units are removed from every table (totals too): kept in a total, their
    answers would be the total less the groups printed. An ordered categorical keeps its order:
    each merged class takes the place of its first member, and a class is merged in every form if
    one form merges it (the column has one set of classes, all of them printed).
    """
    out = data.copy()
    for by in dict.fromkeys(m.by for m in merges):
        mine = [m for m in merges if m.by == by]
        drop = np.zeros(len(out), dtype=bool)
        for m in mine:
            hit = out[by].astype(object).map(lambda v: not pd.isna(v) and str(v) in m.members).to_numpy(dtype=bool).copy()
            if form_column:
                hit &= (out[form_column] == m.form).to_numpy()
            drop |= hit & (m.label == "")
        out = out[~drop]
        col = out[by]
        rename = {g: m.label for m in mine for g in m.members if m.label}
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = list(dict.fromkeys(rename.get(str(c), str(c)) for c in col.cat.categories))
            values = col.astype(object).map(lambda v: v if pd.isna(v) else rename.get(str(v), str(v)))
            out[by] = pd.Categorical(values, categories=cats, ordered=bool(col.cat.ordered))
            continue
        values = col.astype(object)
        for m in (x for x in mine if x.label):
            hit = values.map(lambda v, s=m.members: not pd.isna(v) and str(v) in s).to_numpy(dtype=bool).copy()
            if form_column:
                hit &= (out[form_column] == m.form).to_numpy()
            values = values.where(~hit, m.label)
        out[by] = values
    return out


def merge_note(m: GroupMerge, rules: DisclosureRules, *, prefix: str = "", and_word: str = "og") -> str:
    """The note printed under the tables by ``m.by``: ``rules.group_note`` (or ``omit_note``) filled in.

    Placeholders: ``{groups}`` (the small groups), ``{members}`` (every merged group), ``{k}``,
    ``{label}``, ``{units}``. ``prefix`` (e.g. "Helseforetak etter RHF") goes before, with a colon.
    """
    template = rules.group_note if m.label else rules.omit_note
    text = template.format(groups=_join(m.small, and_word), members=_join(m.members, and_word), k=m.k,
                           label=m.label, units=m.units).strip()
    return f"{prefix}: {text}" if prefix else text


def merge_small_groups(data: pd.DataFrame, by: str, rules: DisclosureRules, *, form_column: str | None = None
                       ) -> tuple[pd.DataFrame, list[str]]:
    """Merge (or leave out) the groups of ``by`` with fewer than ``rules.min_units_per_group`` units.

    :func:`plan_merges` then :func:`apply_merges`. Returns the data and the notes to print under
    every table by ``by`` (:func:`merge_note`).
    """
    merges = plan_merges(data, by, rules, form_column=form_column)
    if not merges:
        return data, []
    return apply_merges(data, merges, form_column=form_column), [merge_note(m, rules) for m in merges]


def _atoms(data: pd.DataFrame, item: str, bys: list[str], categories: list[str]) -> pd.DataFrame:
    """Counts of every combination of answer (missing kept as None) and grouping columns, zeros included.

    Every combination is an atom, also those nobody is in: the attacker does not know which are empty.
    The atoms are in the order of the full cross-classification (answers sorted, None last; each grouping
    column's groups sorted as text), counted by their positions in it; respondents without a group in a
    grouping column are atoms of their own after those (:func:`_atoms_with_missing_groups`).
    """
    cols = [item, *bys]
    frame = data[cols].astype(object).where(data[cols].notna(), None)
    if bys and frame[bys].isna().any().any():
        return _atoms_with_missing_groups(frame, item, bys, categories)
    answers = [None if v is None else str(v) for v in frame[item]]
    levels: list[list[Any]] = [sorted({v for v in answers if v is not None} | set(categories)) + [None]]
    levels += [sorted(frame[b].dropna().unique(), key=str) for b in bys]
    positions = [{v: i for i, v in enumerate(lev)} for lev in levels]
    codes = [np.array([at[v] for v in col], dtype=np.intp)
             for at, col in zip(positions, [answers, *(frame[b] for b in bys)])]
    shape = tuple(len(lev) for lev in levels)
    flat = np.ravel_multi_index(tuple(codes), shape) if len(frame) else np.zeros(0, np.intp)
    counts = np.bincount(flat, minlength=int(np.prod(shape))).astype(np.int64)
    full = pd.MultiIndex.from_product(levels, names=cols)
    return pd.Series(counts, index=full, name="count").reset_index()


def _atoms_with_missing_groups(frame: pd.DataFrame, item: str, bys: list[str], categories: list[str]) -> pd.DataFrame:
    """:func:`_atoms` when a grouping column has blanks: the counts of the full cross-classification set one
    by one, and each combination with a blank group added after them (in the order of ``groupby``)."""
    cols = [item, *bys]
    frame = frame.assign(**{item: frame[item].map(lambda v: None if v is None else str(v))})
    counts = frame.groupby(cols, dropna=False, sort=True).size()
    levels = [sorted(set(frame[item].dropna()) | set(categories)) + [None]]
    levels += [sorted(frame[b].dropna().unique(), key=str) for b in bys]
    out = pd.Series(0, index=pd.MultiIndex.from_product(levels, names=cols), name="count")
    for key, n in counts.items():
        out[key if isinstance(key, tuple) else (key,)] = n
    return out.reset_index()


def _item_cells(data: pd.DataFrame, tables: list[CountTable], rules: DisclosureRules) -> tuple[
        dict[str, list[Any]], sparse.csr_matrix, np.ndarray]:
    """The cells of one item's tables (CELL_COLUMNS' first 6, as columns) and the cells x atoms matrix."""
    item = tables[0].item
    bys = sorted({t.by for t in tables if t.by})
    values = [v for t in tables for c in (t.categories or ()) for v in t.values_of(c)]
    atoms = _atoms(data, item, bys, values)
    counts = atoms["count"].to_numpy()
    answered = atoms[item].notna().to_numpy()
    answer = atoms[item].astype(str).to_numpy()
    seen = sorted(str(v) for v in atoms.loc[answered, item].unique())
    cols: dict[str, list[Any]] = {"table": [], "item": [], "group": [], "category": [], "count": [], "base": []}
    members: list[np.ndarray] = []
    for t in tables:
        cats = list(t.categories) if t.categories is not None else seen
        of_cat = {cat: np.isin(answer, list(t.values_of(cat))) for cat in cats}
        levels = [(rules.total_label, np.ones(len(atoms), dtype=bool))]
        if t.by:
            by = atoms[t.by].to_numpy()
            levels = [(str(g), by == g) for g in sorted(atoms[t.by].dropna().unique(), key=str)] + levels
        for group, in_group in levels:
            base = in_group & answered
            n_base = int(counts[base].sum())
            for cat in [*cats, BASE]:
                mask = base if cat == BASE else base & of_cat[cat]
                for col, v in zip(cols.values(), (t.table, item, group, cat, int(counts[mask].sum()), n_base)):
                    col.append(v)
                members.append(mask)
    m = sparse.csr_matrix(np.vstack(members).astype(float))
    return cols, m, atoms["count"].to_numpy(dtype=float)


@dataclass(frozen=True)
class TableProtection:
    """The protected cells of a report's count tables (see :func:`protect_tables`).

    Attributes
    ----------
    cells : pandas.DataFrame
        :data:`CELL_COLUMNS`, one row per published cell; ``status`` is
        ``published``, ``primary``, ``secondary`` or ``public`` (a published
        reproduction's cell); ``rule`` is ``min_count`` or ``min_base`` for a
        primary cell; ``lo``/``hi`` the proven range of a suppressed one.
    rules : DisclosureRules
    notes : dict of str to list of str
        Notes per table (merged or left-out groups).
    """

    cells: pd.DataFrame
    rules: DisclosureRules
    notes: dict[str, list[str]]

    def prikking(self) -> pd.DataFrame:
        """Every suppressed cell, why, and its proven range (``tables/prikking.csv``): :data:`PRIKKING_COLUMNS`."""
        c = self.cells[self.cells["status"].isin(["primary", "secondary"])]
        return c.rename(columns={"status": "reason"})[PRIKKING_COLUMNS].reset_index(drop=True)

    def violations(self) -> pd.DataFrame:
        """Suppressed cells proven narrower than the rule (primary: ``min_range``; secondary: > 0)."""
        c = self.cells
        need = np.where(c["status"] == "primary", self.rules.min_range, 1)
        bad = c["status"].isin(["primary", "secondary"]) & ((c["hi"] - c["lo"]) < need)
        return c[bad].reset_index(drop=True)

    def check(self) -> None:
        """Refuse to publish if any suppressed cell can be narrowed below the rule.

        Raises
        ------
        DisclosureError
            Naming every such cell (table, group, category) and its proven range.
        """
        bad = self.violations()
        if len(bad):
            cells = "; ".join(f"{r.table} {r.group} / {r.category}: {r.lo:g}..{r.hi:g}" for r in bad.itertuples())
            raise DisclosureError(
                f"{len(bad)} suppressed cell(s) can be worked out from the published ones to a range narrower "
                f"than the round's rule (min_range {self.rules.min_range}): {cells}. Nothing was written; "
                f"suppress more cells (secondary suppression) or publish fewer tables.")

    def display(self, table: str, *, share: bool = False, decimals: int = 0) -> pd.DataFrame:
        """A table as printed: groups as rows, categories (and n) as columns, SSB symbols.

        Suppressed cells show ``:``, zeros ``-``, cells of an empty base ``..``; with
        ``share=True`` the categories are percentages of the base (suppressed when the
        count or the base is).
        """
        c = self.cells[self.cells["table"] == table]
        hidden = c["status"].isin(["primary", "secondary"]).to_numpy()
        hidden_bases = set(c.loc[hidden & (c["category"] == BASE).to_numpy(), "group"])
        base_hidden = c["group"].isin(hidden_bases).to_numpy()
        is_base = (c["category"] == BASE).to_numpy()
        if share:
            num = np.where(c["base"] > 0, 100 * c["count"] / c["base"].where(c["base"] > 0, 1), np.nan)
            text = [f"{v:.{decimals}f}" for v in num]
            text = np.where(is_base, c["count"].astype(str), text)
            hidden = hidden | (~is_base & base_hidden)
        else:
            text = c["count"].astype(str).to_numpy()
        text = np.where(c["count"] == 0, ZERO, text)
        text = np.where(~is_base & (c["base"] == 0) & share, MISSING, text)
        text = np.where(hidden, SUPPRESSED, text)
        out = c.assign(text=text).pivot(index="group", columns="category", values="text")
        return out.reindex(index=list(dict.fromkeys(c["group"])), columns=list(dict.fromkeys(c["category"])))


def _check_tables(tables: list[CountTable]) -> None:
    from samanalyse.errors import ArgumentError

    names = [t.table for t in tables]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ArgumentError(f"Table id(s) {', '.join(map(repr, dup))} given more than once; each table needs "
                            f"its own id.")


def protect_tables(data: pd.DataFrame, tables: list[CountTable], rules: DisclosureRules, *,
                   secondary: bool = True) -> TableProtection:
    """Suppress the count tables of a report together and prove every suppressed cell safe.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (unit), with every item and grouping column of ``tables``.
    tables : list of CountTable
        Every count table the report publishes from ``data``.
    rules : DisclosureRules
        The round's rules (:attr:`Round.disclosure`).
    secondary : bool
        False leaves out secondary suppression (only to show that the check then fails).

    Returns
    -------
    TableProtection
        Call :meth:`~TableProtection.check` before publishing.
    """
    check_columns(data, [c for t in tables for c in (t.item, t.by)], "protect_tables")
    _check_tables(tables)
    notes: dict[str, list[str]] = {}
    work = data
    for by in sorted({t.by for t in tables if t.by}):
        work, by_notes = merge_small_groups(work, by, rules)
        for t in tables:
            if t.by == by and by_notes:
                notes.setdefault(t.table, []).extend(by_notes)
    parts = [_protect_item(work, [t for t in tables if t.item == item], rules, secondary)
             for item in dict.fromkeys(t.item for t in tables)]
    cells = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) if c in _ARRAYS else
                          [v for p in parts for v in p[c]] for c in CELL_COLUMNS})
    return TableProtection(cells=cells, rules=rules, notes=notes)


#: Columns of :func:`_protect_item` given as arrays (the others are lists).
_ARRAYS = frozenset({"status", "rule", "lo", "hi"})


def _protect_item(data: pd.DataFrame, tables: list[CountTable], rules: DisclosureRules,
                  secondary: bool) -> dict[str, Any]:
    """Suppress one item's tables together (the same cell in two tables is one model cell); its cells as
    columns (:data:`CELL_COLUMNS`)."""
    rows, m, atoms = _item_cells(data, tables, rules)
    keys = [tuple(m.indices[m.indptr[i]:m.indptr[i + 1]]) for i in range(m.shape[0])]
    firsts: dict[tuple, int] = {}
    for i, k in enumerate(keys):
        firsts.setdefault(k, i)
    uniq = list(firsts)
    where = {k: i for i, k in enumerate(uniq)}
    cell_of = np.array([where[k] for k in keys])
    first = list(firsts.values())
    mu = m[first]
    values = mu @ atoms
    is_base = np.array([c == BASE for c in rows["category"]], dtype=bool)
    known_n = {t.table for t in tables if t.known_n}
    known = {(t.table, c) for t in tables for c in t.known}
    published = {tb: bool(rules.is_published_reproduction(tb)) for tb in dict.fromkeys(rows["table"])}
    public_row = (np.array([published[tb] for tb in rows["table"]], dtype=bool)
                  | (is_base & np.array([tb in known_n for tb in rows["table"]], dtype=bool))
                  | np.array([(tb, c) in known for tb, c in zip(rows["table"], rows["category"])], dtype=bool))
    by_count = primary_suppression(values, min_count=rules.min_count, protect_zeros=rules.protect_zeros)
    base_n = np.asarray(rows["base"], dtype=np.int64)
    small_base = (base_n < rules.min_base) & ~is_base & (base_n > 0)
    p_count = np.zeros(len(uniq), dtype=bool)
    p_base = np.zeros(len(uniq), dtype=bool)
    fixed = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(p_count, cell_of, ~is_base & ~public_row & by_count[cell_of])
    np.logical_or.at(p_base, cell_of, small_base & ~public_row)
    np.logical_or.at(fixed, cell_of, public_row)
    primary = (p_count | p_base) & ~fixed
    names = [f"{rows['table'][i]} {rows['group'][i]} / {rows['category'][i]}" for i in first]
    result = suppress(mu, atoms, primary, min_range=rules.min_range, fixed=fixed, secondary=secondary,
                      names=names)
    status = np.where(fixed, "public", result.status.astype(str))[cell_of]
    rule = np.where(p_count, "min_count", np.where(p_base, "min_base", ""))[cell_of]
    rule = np.where(status == "primary", rule, "")
    return {**rows, "status": status, "rule": rule, "lo": result.lo[cell_of], "hi": result.hi[cell_of]}
