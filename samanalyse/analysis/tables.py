"""Report tables: frequencies and cross-tabs driven by the codebook, and the study's catalogue.

Two layers:

- generic functions, :func:`frequencies` and :func:`crosstab`, for any item by any
  background variable, with the study's conventions as options (percentages of
  *all* respondents in the group, blanks and *Vet ikke* as their own rows,
  collapses such as Godt/Dårlig, integer rounding as printed);
- a catalogue (``data/rounds/<round>/tables.yaml``) naming each table of the
  study (``"T01"`` ... ``"T57"``, ``"V3"``) as a spec, so
  ``build_table("T01", data)`` returns it laid out as printed and
  :func:`table_cells` gives the same numbers in the tidy long format of the
  published transcription, for comparison (:func:`samanalyse.published.comparison.compare_with_published`).

``data`` is always one DataFrame with a row per respondent: ``form``,
``respondent``, one column per item (codebook labels; blank/NA = no answer) and
background columns (``rhf``, ``size_class``, ``sentralitet``, ``population``),
as :func:`samanalyse.datasets.load_round_data` returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from samanalyse.analysis._checks import check_columns
from samanalyse.analysis._reuse import reused
from samanalyse.errors import SamanalyseError
from samanalyse.stats.rounding import Rounding, printed_percent
from samanalyse.survey.catalogue import Catalogue
from samanalyse.survey.codebook import Codebook, Item, Scale

__all__ = [
    "BY_BREAKDOWN",
    "all_table_cells",
    "build_table",
    "category_labels",
    "crosstab",
    "frequencies",
    "population_label",
    "response_rate_units",
    "table_cells",
    "variants",
]

#: Background column -> breakdown label used in the published transcription.
BY_BREAKDOWN = {"rhf": "rhf", "size_class": "size", None: "total"}
TOTAL = "Samlet"

def category_labels(item: Item, rule: dict[str, Any]) -> frozenset:
    """Codebook labels (``None`` = blank) that a printed category stands for on ``item``.

    ``rule`` is one entry of the catalogue's ``categories``: ``{labels: [...]}``,
    ``{not_labels: [...]}`` (every label and blank but these) or
    ``{collapse: name, group: label}`` (a collapse group of the item's scale).
    """
    scale = item.scale
    if scale is None:
        raise SamanalyseError(f"Item {item.id!r} is free text; it has no categories to count.")
    if "not_labels" in rule:
        return frozenset([*scale.labels(), None]) - frozenset(rule["not_labels"])
    if "collapse" in rule:
        codes = dict(scale.collapse(rule["collapse"]).groups)
        if rule["group"] not in codes:
            raise SamanalyseError(
                f"Collapse {rule['collapse']!r} of scale {scale.name!r} has no group {rule['group']!r}; "
                f"groups: {', '.join(codes)}."
            )
        return frozenset(scale.category(c).label for c in codes[rule["group"]])
    if "labels" in rule:
        unknown = [lab for lab in rule["labels"] if lab is not None and lab not in scale.labels()]
        if unknown:
            raise SamanalyseError(
                f"Category rule names {unknown} for item {item.id!r}; its labels are {scale.labels()}."
            )
        return frozenset(rule["labels"])
    raise SamanalyseError(f"A category rule needs labels, not_labels or collapse; got {rule!r}.")


# ----------------------------------------------------------------------------
# Generic tables
# ----------------------------------------------------------------------------


_BLANK = ""  # blank answers inside this module's string arrays


def _values(data: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """Answers as a string array (rows x items), blanks as ``""``."""
    frame = data[list(items)].astype(object)
    return frame.where(frame.notna(), _BLANK).astype(str).to_numpy()


def _answers(data: pd.DataFrame, items: Sequence[str], rows: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """The answers of :func:`_values` as ``(labels, codes)``: ``labels[codes]`` is :func:`_values`.

    ``labels`` are the distinct answers (``""`` for a blank) and ``codes`` (rows x items) index
    them, so that counting the answers of a category is a sum over a few labels. A categorical
    column is read from its codes (its categories as ``str`` gives each answer's text, as
    :func:`_values` does); another column through :func:`_values`. ``rows``: a boolean mask of the
    respondents to take (default all).
    """
    n = len(data) if rows is None else int(np.count_nonzero(rows))
    where: dict[str, int] = {}
    out = np.empty((n, len(items)), dtype=np.intp)
    for j, item in enumerate(items):
        col = data[item]
        if isinstance(col.dtype, pd.CategoricalDtype):
            texts = [str(c) for c in col.cat.categories] + [_BLANK]
            codes = col.cat.codes.to_numpy()
            codes = codes if rows is None else codes[rows]
            local = np.where(codes < 0, len(texts) - 1, codes)
        else:
            values = _values(data[[item]], [item])[:, 0]
            texts_arr, local = np.unique(values if rows is None else values[rows], return_inverse=True)
            texts = [str(t) for t in texts_arr]
        remap = np.array([where.setdefault(t, len(where)) for t in texts], dtype=np.intp)
        out[:, j] = remap[local] if len(local) else local
    return np.array(list(where) if where else [_BLANK], dtype=object), out


def _counts(codes: np.ndarray, size: int) -> np.ndarray:
    """How many answers of ``codes`` have each label (0 .. size - 1)."""
    return np.bincount(codes.ravel(), minlength=size)


def _in_labels(labels: np.ndarray, members: frozenset | set) -> np.ndarray:
    """Which of ``labels`` a category (:func:`category_labels`) counts."""
    return np.isin(labels.astype(str), _members(members))


def _members(labels: frozenset | set) -> list[str]:
    return [_BLANK if lab is None else lab for lab in labels]


def _levels(col: pd.Series) -> list[Any]:
    """Groups of a background column: a categorical's categories (empty ones too), else sorted values."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return list(col.cat.categories)
    return sorted(col.dropna().unique())


def frequencies(
    data: pd.DataFrame,
    items: str | Sequence[str],
    *,
    codebook: Codebook,
    by: str | None = None,
    collapse: str | None = None,
    percent_of: Literal["all", "answered", "substantive"] = "all",
    include_missing: bool = True,
    rounding: Rounding = "none",
) -> pd.DataFrame:
    """Frequencies of one or more items, optionally by a background variable.

    Parameters
    ----------
    data : DataFrame
        Respondent-level data (see module docstring).
    items : str or sequence of str
        Item ids; several items are pooled (as Vedlegg 3 pools the priority
        questions over the four challenges).
    codebook : Codebook
    by : str, optional
        Background column (``rhf``, ``size_class``, ``sentralitet``, ...).
        Every group gets a row set; the total comes last as ``Samlet``.
    collapse : str, optional
        Name of a collapse of the items' scale (e.g. ``godt_darlig``).
    percent_of : {"all", "answered", "substantive"}
        Base of the percentages: every respondent in the group (the study's
        convention), those who answered (blanks excluded), or those who gave
        a substantive answer (blanks and *Vet ikke* excluded).
    include_missing : bool
        Show *Vet ikke* and blanks (``Manglende svar``) as their own rows.
    rounding : {"none", "half-up", "half_even"}
        Round ``percent`` to an integer as printed.

    Returns
    -------
    DataFrame
        Fixed columns ``by, group, item, category, count, n, percent``.
    """
    items = [items] if isinstance(items, str) else list(items)
    check_columns(data, items + ([by] if by else []), "frequencies")
    its = [codebook.item(i) for i in items]
    scales = {it.scale.name if it.scale else None for it in its}
    if len(scales) != 1 or None in scales:
        raise SamanalyseError(f"Pooled items must share one closed scale; {items} have scales {sorted(map(str, scales))}.")
    scale = cast(Scale, its[0].scale)  # closed: checked just above
    if collapse:
        groups = list(scale.collapse(collapse).groups)
        cats = [(lab, frozenset(scale.category(c).label for c in codes)) for lab, codes in groups]
        covered = set().union(*(s for _, s in cats))
        rest = [c for c in scale.categories if c.label not in covered]
        cats += [(c.label, frozenset([c.label])) for c in rest]
    else:
        cats = [(c.label, frozenset([c.label])) for c in scale.categories]
    dont_know = {c.label for c in scale.categories if not c.substantive}
    if include_missing:
        cats.append(("Manglende svar", frozenset([None])))
    else:
        cats = [(lab, s) for lab, s in cats if not (s <= dont_know)]
    rows = []
    groups: list[tuple[Any, np.ndarray]] = []
    if by:
        col = data[by]
        groups += [(g, (col == g).to_numpy()) for g in _levels(col)]
    groups.append((TOTAL, np.ones(len(data), dtype=bool)))
    values = _values(data, items)
    for g, mask in groups:
        v = values[mask].ravel()
        if percent_of == "all":
            n = v.size
        elif percent_of == "answered":
            n = int((v != _BLANK).sum())
        else:
            n = int((~np.isin(v, [_BLANK, *dont_know])).sum())
        for lab, members in cats:
            count = int(np.isin(v, _members(members)).sum())
            rows.append({"by": by or "", "group": g, "item": "+".join(items), "category": lab, "count": count,
                         "n": n, "percent": printed_percent(count, n, rounding)})
    return pd.DataFrame(rows, columns=["by", "group", "item", "category", "count", "n", "percent"])


def crosstab(
    data: pd.DataFrame,
    item: str,
    by: str,
    *,
    codebook: Codebook,
    collapse: str | None = None,
    percent_of: Literal["all", "answered", "substantive"] = "all",
    rounding: Rounding = "none",
) -> pd.DataFrame:
    """Wide cross-tab of an item (columns) by a background variable (rows), in percent.

    A convenience pivot of :func:`frequencies`; the total row is ``Samlet``.
    """
    f = frequencies(data, item, codebook=codebook, by=by, collapse=collapse, percent_of=percent_of,
                    rounding=rounding)
    wide = f.pivot(index="group", columns="category", values="percent")
    order_rows = list(dict.fromkeys(f["group"]))
    order_cols = list(dict.fromkeys(f["category"]))
    return wide.loc[order_rows, order_cols]


# ----------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------

_CELL_COLUMNS = ["table", "population", "breakdown", "group", "item", "category", "variant", "count", "n", "percent",
                 "value"]


def _share(values: np.ndarray, labels: frozenset) -> tuple[int, int]:
    return int(np.isin(values, _members(labels)).sum()), int(values.size)


def population_label(codebook: Codebook, form: str) -> str:
    """How the cells name the respondents of ``form``: its codebook label in lower case ("" for no form)."""
    return codebook.forms[form].label.lower() if form in codebook.forms else form


def _row(table: str, population: str, breakdown: str, group: str, item: str, category: str, count: int, n: int,
         rounding: Rounding, variant: str = "") -> dict[str, Any]:
    pct = 100 * count / n if n else float("nan")
    return {
        "table": table, "population": population, "breakdown": breakdown, "group": group,
        "item": item, "category": category, "variant": variant, "count": count, "n": n, "percent": pct,
        "value": printed_percent(count, n, rounding),
    }


def response_rate_units(codebook: Codebook, form: str) -> list[tuple[str, list[Item]]]:
    """Vedlegg 3's rows for a form: each closed item, priority items pooled per virkemiddel (``prio_a`` ...)."""
    closed = codebook.items(form, type="closed")
    units: list[tuple[str, list[Item]]] = [(it.id, [it]) for it in closed if it.topic != "prioritet"]
    letters = sorted({it.id[-1] for it in closed if it.topic == "prioritet"})
    units += [(f"prio_{x}", [it for it in closed if it.topic == "prioritet" and it.id[-1] == x]) for x in letters]
    return units


def variants(spec: dict[str, Any], catalogue: Catalogue) -> list[tuple[str, str, dict[str, dict[str, Any]]]]:
    """A table's counting variants as ``(name, base, {category: rule})``; one unnamed variant if none."""
    if "variants" not in spec:
        return [("", "all", {c: catalogue.rule(c) for c in spec.get("categories", [])})]
    return [(name, v.get("base", "all"), v["categories"]) for name, v in spec["variants"].items()]


def table_cells(
    table: str,
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    catalogue: Catalogue,
    rounding: Rounding = "half-up",
) -> pd.DataFrame:
    """Regenerate one catalogue table as tidy cells.

    Parameters
    ----------
    table : str
        Table id in ``catalogue``.
    data : pandas.DataFrame
        Respondent-level data with a ``form`` column.
    codebook : Codebook
        The round's codebook.
    catalogue : Catalogue
        The round's table catalogue (``rnd.catalogue``).
    rounding : str
        Rounding rule of ``value`` (see :mod:`samanalyse.stats.rounding`).

    Returns
    -------
    DataFrame
        Fixed columns ``table, population, breakdown, group, item, category,
        variant, count, n, percent, value`` (``percent`` unrounded, ``value``
        rounded as printed; ``variant`` names the counting variant for tables
        that have several, e.g. Vedlegg 3's bases). Keys match
        ``data/published/<round>/cells.csv``.
    """
    spec = catalogue.spec(table)
    check_columns(data, ["form"], f"table {table}")
    kind = spec["kind"]
    if kind not in _KINDS:
        raise SamanalyseError(f"Table {table}: unknown kind {kind!r} (by_group, index_crosstab, response_rates).")
    # inside a report step (analysis._reuse.reusing) a table's cells are counted once: the disclosure
    # hook lays each published table out again from its cells
    cells = reused(data, ("table_cells", table, rounding, id(codebook), id(catalogue)),
                   lambda: pd.DataFrame(_KINDS[kind](table, spec, data, codebook, catalogue, rounding),
                                        columns=_CELL_COLUMNS))
    return cells.copy(deep=False)


def _by_group_rows(table: str, spec: dict[str, Any], data: pd.DataFrame, codebook: Codebook, cat: Catalogue,
                   rounding: Rounding) -> list[dict[str, Any]]:
    """The cells of a ``by_group`` table: each printed category per group of each form, then the notes."""
    rows: list[dict[str, Any]] = []
    item = codebook.item(spec["item"])
    by = spec.get("by")
    forms = data["form"].to_numpy()
    for form in spec["forms"]:
        if not item.on_form(form):
            continue
        mine = forms == form
        pop = population_label(codebook, form)
        labels, codes = _answers(data, [item.id], mine)
        member = {c: _in_labels(labels, category_labels(item, cat.rule(c)))
                  for c in [*spec["categories"], *spec.get("notes", [])]}
        groups: list[tuple[str, str, np.ndarray]] = []
        if by:
            col = data[by]
            values = col.to_numpy(dtype=object)[mine]
            # a background the form's respondents do not have (all blank) gives no breakdown
            if pd.notna(values).any():
                levels = (list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype)
                          else sorted(pd.unique(values[pd.notna(values)])))   # as _levels of the form's rows
                groups += [(BY_BREAKDOWN.get(by, by), str(g), values == g) for g in levels]
        groups.append(("total", TOTAL, np.ones(len(codes), dtype=bool)))
        for breakdown, g, mask in groups:
            counts, n = _counts(codes[mask], len(labels)), int(mask.sum())
            for c in spec["categories"]:
                rows.append(_row(table, pop, breakdown, g, item.id, c, int(counts[member[c]].sum()), n, rounding))
        counts = _counts(codes, len(labels))
        for c in spec.get("notes", []):
            rows.append(_row(table, pop, "note", TOTAL, item.id, c, int(counts[member[c]].sum()), len(codes),
                             rounding))
    return rows


def _index_rows(table: str, spec: dict[str, Any], data: pd.DataFrame, codebook: Codebook, cat: Catalogue,
                rounding: Rounding) -> list[dict[str, Any]]:
    """The cells of an ``index_crosstab`` table: the classes of one index within each class of the other."""
    from samanalyse.analysis.indices import index_scores  # local import: indices builds on tables' conventions

    rows: list[dict[str, Any]] = []
    d = data[data["form"] == spec["form"]]
    ci, ri = codebook.index(spec["columns"]), codebook.index(spec["rows"])

    def classes(name: str) -> np.ndarray:   # an index's classes on the form: once per step (tables share indices)
        return reused(data, ("index_classes", spec["form"], name, id(codebook)), lambda: index_scores(
            d, codebook.index(name), codebook=codebook)["class"].astype(object).to_numpy())

    col, row = classes(spec["columns"]), classes(spec["rows"])
    for clab, cmin, cmax in ci.cuts:
        in_col = col == clab
        for rlab, rmin, rmax in ri.cuts:
            k, n = int((in_col & (row == rlab)).sum()), int(in_col.sum())
            rows.append(_row(table, "", "index", f"[{cmin},{cmax}] = {clab}", "", f"[{rmin},{rmax}] = {rlab}", k, n,
                             rounding))
    return rows


def _response_rate_rows(table: str, spec: dict[str, Any], data: pd.DataFrame, codebook: Codebook, cat: Catalogue,
                        rounding: Rounding) -> list[dict[str, Any]]:
    """The cells of a ``response_rates`` table: each printed category of each row (:func:`response_rate_units`)."""
    rows: list[dict[str, Any]] = []
    for form in spec["forms"]:
        units = response_rate_units(codebook, form)
        ids = list(dict.fromkeys(it.id for _, its in units for it in its))
        labels, codes = _answers(data, ids, (data["form"] == form).to_numpy())
        at = {i: j for j, i in enumerate(ids)}
        blank = labels.astype(str) == _BLANK
        for name, its in units:
            counts = _counts(codes[:, [at[it.id] for it in its]], len(labels))
            size = len(codes) * len(its)
            for vname, base, rules in variants(spec, cat):
                n = int(size if base == "all" else size - counts[blank].sum())
                for c in spec["categories"]:
                    k = int(counts[_in_labels(labels, category_labels(its[0], rules[c]))].sum())
                    rows.append(_row(table, population_label(codebook, form), "total", TOTAL, name, c, k, n,
                                     rounding, vname))
    return rows


_KINDS = {"by_group": _by_group_rows, "index_crosstab": _index_rows, "response_rates": _response_rate_rows}


def build_table(
    table: str,
    data: pd.DataFrame,
    *,
    codebook: Codebook,
    catalogue: Catalogue,
    rounding: Rounding = "half-up",
) -> pd.DataFrame:
    """One of the study's tables, laid out as printed (integer percentages).

    ``by_group`` tables: rows are groups (then ``Samlet``), columns are
    (population, category) pairs, with the notes as extra rows named after
    the note; ``index_crosstab``: rows and columns are the two indices'
    classes; ``response_rates``: rows (item, category), columns populations.
    """
    cells = table_cells(table, data, codebook=codebook, catalogue=catalogue, rounding=rounding)
    kind = catalogue.spec(table)["kind"]
    if kind == "by_group":
        body = cells[cells["breakdown"] != "note"]
        wide = body.pivot_table(index="group", columns=["population", "category"], values="value", sort=False)
        notes = cells[cells["breakdown"] == "note"]
        for _, r in notes.iterrows():
            wide.loc[f"{r['category']} ({r['population']})", (r["population"], body["category"].iloc[0])] = r["value"]
        return wide
    if kind == "index_crosstab":
        return cells.pivot_table(index="category", columns="group", values="value", sort=False)
    first = cells[cells["variant"] == cells["variant"].iloc[0]]
    return first.pivot_table(index=["item", "category"], columns="population", values="value", sort=False)


def all_table_cells(data: pd.DataFrame, *, codebook: Codebook, catalogue: Catalogue,
                    rounding: Rounding = "half-up") -> pd.DataFrame:
    """:func:`table_cells` for every table of the catalogue, concatenated."""
    cat = catalogue
    return pd.concat([table_cells(t, data, codebook=codebook, catalogue=cat, rounding=rounding) for t in cat.tables],
                     ignore_index=True)
