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

__all__ = ["CountTable", "TableProtection", "protect_tables", "merge_small_groups", "CELL_COLUMNS",
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
    ``known_n``: each group's n is published elsewhere (e.g. a table of respondents per group),
    so the attacker knows it and it may not be suppressed here.
    """

    table: str
    item: str
    by: str | None = None
    categories: tuple[str, ...] | None = None
    known_n: bool = False


def merge_small_groups(data: pd.DataFrame, by: str, rules: DisclosureRules) -> tuple[pd.DataFrame, list[str]]:
    """Merge (or leave out) the groups of ``by`` with fewer than ``rules.min_units_per_group`` rows.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (kommune, helseforetak).
    by : str
        The grouping column (e.g. ``rhf``).
    rules : DisclosureRules
        ``min_units_per_group``, ``small_groups`` (``merge`` / ``omit``), ``merged_label``
        and ``group_note`` are used.

    Returns
    -------
    (pandas.DataFrame, list of str)
        The data with the small groups relabelled ``merged_label`` (or their rows left
        out), and the notes to print under every table by ``by`` (empty if none).
    """
    check_columns(data, [by], "merge_small_groups")
    sizes = data[by].value_counts()
    small = sorted(str(g) for g in sizes[sizes < rules.min_units_per_group].index)
    if not small:
        return data, []
    out = data.copy()
    hit = out[by].astype(str).isin(small)
    if rules.small_groups == "omit":
        out = out[~hit]
    else:
        out[by] = out[by].astype(object).where(~hit, rules.merged_label)
    note = rules.group_note.format(groups=", ".join(small), k=rules.min_units_per_group,
                                   label=rules.merged_label)
    return out, [note]


def _atoms(data: pd.DataFrame, item: str, bys: list[str], categories: list[str]) -> pd.DataFrame:
    """Counts of every combination of answer (missing kept as None) and grouping columns, zeros included.

    Every combination is an atom, also those nobody is in: the attacker does not know which are empty.
    """
    cols = [item, *bys]
    frame = data[cols].astype(object).where(data[cols].notna(), None)
    frame[item] = frame[item].map(lambda v: None if v is None else str(v))
    counts = frame.groupby(cols, dropna=False, sort=True).size()
    levels = [sorted(set(frame[item].dropna()) | set(categories)) + [None]]
    levels += [sorted(frame[b].dropna().unique(), key=str) for b in bys]
    full = pd.MultiIndex.from_product(levels, names=cols)
    out = pd.Series(0, index=full, name="count")
    for key, n in counts.items():
        out[key if isinstance(key, tuple) else (key,)] = n
    return out.reset_index()


def _item_cells(data: pd.DataFrame, tables: list[CountTable], rules: DisclosureRules) -> tuple[
        pd.DataFrame, sparse.csr_matrix, np.ndarray]:
    """The cells of one item's tables (rows of CELL_COLUMNS' first 6) and the cells x atoms matrix."""
    item = tables[0].item
    bys = sorted({t.by for t in tables if t.by})
    atoms = _atoms(data, item, bys, [c for t in tables for c in (t.categories or ())])
    answered = atoms[item].notna().to_numpy()
    rows: list[dict[str, Any]] = []
    members: list[np.ndarray] = []
    for t in tables:
        seen = sorted(str(v) for v in atoms.loc[answered, item].unique())
        cats = list(t.categories) if t.categories is not None else seen
        levels = [(rules.total_label, np.ones(len(atoms), dtype=bool))]
        if t.by:
            levels = [(str(g), (atoms[t.by] == g).to_numpy()) for g in
                      sorted(atoms[t.by].dropna().unique(), key=str)] + levels
        for group, in_group in levels:
            base = in_group & answered
            for cat in [*cats, BASE]:
                mask = base if cat == BASE else base & (atoms[item].astype(str) == cat).to_numpy()
                rows.append({"table": t.table, "item": item, "group": group, "category": cat,
                             "count": int(atoms["count"].to_numpy()[mask].sum()),
                             "base": int(atoms["count"].to_numpy()[base].sum())})
                members.append(mask)
    m = sparse.csr_matrix(np.vstack(members).astype(float))
    return pd.DataFrame(rows), m, atoms["count"].to_numpy(dtype=float)


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
    parts = []
    for item in dict.fromkeys(t.item for t in tables):
        parts.append(_protect_item(work, [t for t in tables if t.item == item], rules, secondary))
    cells = pd.concat(parts, ignore_index=True)[CELL_COLUMNS]
    return TableProtection(cells=cells, rules=rules, notes=notes)


def _protect_item(data: pd.DataFrame, tables: list[CountTable], rules: DisclosureRules,
                  secondary: bool) -> pd.DataFrame:
    """Suppress one item's tables together (the same cell in two tables is one model cell)."""
    rows, m, atoms = _item_cells(data, tables, rules)
    keys = [tuple(r.indices) for r in m]
    uniq = list(dict.fromkeys(keys))
    where = {k: i for i, k in enumerate(uniq)}
    cell_of = np.array([where[k] for k in keys])
    mu = m[[keys.index(k) for k in uniq]]
    values = mu @ atoms
    is_base = rows["category"].to_numpy() == BASE
    known_n = {t.table for t in tables if t.known_n}
    public_row = (rows["table"].map(rules.is_published_reproduction).to_numpy(dtype=bool)
                  | (is_base & rows["table"].isin(known_n).to_numpy()))
    by_count = primary_suppression(values, min_count=rules.min_count, protect_zeros=rules.protect_zeros)
    small_base = (rows["base"].to_numpy() < rules.min_base) & ~is_base & (rows["base"].to_numpy() > 0)
    p_count = np.zeros(len(uniq), dtype=bool)
    p_base = np.zeros(len(uniq), dtype=bool)
    fixed = np.zeros(len(uniq), dtype=bool)
    np.logical_or.at(p_count, cell_of, ~is_base & ~public_row & by_count[cell_of])
    np.logical_or.at(p_base, cell_of, small_base & ~public_row)
    np.logical_or.at(fixed, cell_of, public_row)
    primary = (p_count | p_base) & ~fixed
    first = [keys.index(k) for k in uniq]
    names = [f"{r.table} {r.group} / {r.category}" for r in rows.iloc[first].itertuples()]
    result = suppress(mu, atoms, primary, min_range=rules.min_range, fixed=fixed, secondary=secondary,
                      names=names)
    status = np.where(fixed, "public", result.status.astype(str))[cell_of]
    rule = np.where(p_count, "min_count", np.where(p_base, "min_base", ""))[cell_of]
    rule = np.where(status == "primary", rule, "")
    return rows.assign(status=status, rule=rule, lo=result.lo[cell_of], hi=result.hi[cell_of])
