"""Weighted (design-based) shares of a round's catalogue tables, beside the unweighted cells.

When a round declares nonresponse weights (``round.yaml`` ``weights:`` or ``--weights``), every cell
of :func:`samanalyse.analysis.tables.table_cells` gets its weighted share with the design-based
standard error, design effect and 95 % interval: the design of each form is
:func:`samanalyse.analysis.weights.form_design` (calibrated weights, their linearised variance that
accounts for the calibration, and the finite-population correction from the frame), and each
share is a domain estimate as R ``svyciprop(~I(y), subset(design, group))`` / ``svyby(..., svymean,
deff = TRUE)``: units outside the group keep their place in the design.

The base of every share is the table's own (e.g. every respondent of the group, blanks included,
for ``by_group`` tables; those in the column's class for ``index_crosstab``; the variant's base for
``response_rates``). Answers pooled over several items per respondent (Vedlegg 3's priority items)
are a ratio of two totals (:func:`samanalyse.stats.design_ratio.design_ratios`, R ``svyratio``; no
design effect).

Columns of the result: :data:`CELL_KEYS` and :data:`WEIGHTED_COLUMNS` (shares in percent).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from samanalyse.analysis.indices import index_scores
from samanalyse.analysis.tables import (
    BY_BREAKDOWN,
    TOTAL,
    _levels,
    _members,
    _values,
    category_labels,
    population_label,
    response_rate_units,
    variants,
)
from samanalyse.analysis.weights import RoundWeights, form_design
from samanalyse.stats.design import Design, design_share
from samanalyse.stats.design_ratio import design_ratios
from samanalyse.survey.catalogue import Catalogue
from samanalyse.survey.codebook import Codebook

__all__ = ["CELL_KEYS", "WEIGHTED_COLUMNS", "FormDesigns", "weighted_cells"]

#: Columns that identify a cell (as :func:`samanalyse.analysis.tables.table_cells` names them).
CELL_KEYS: tuple[str, ...] = ("table", "population", "breakdown", "group", "item", "category", "variant")
#: Columns :func:`weighted_cells` adds: weighted share, its SE, design effect, interval (percent), method.
WEIGHTED_COLUMNS: tuple[str, ...] = ("weighted", "weighted_se", "deff", "weighted_ci_low", "weighted_ci_high",
                                     "weighted_method")
#: The interval of a weighted share (R ``svyciprop``'s default).
METHOD = "logit"


class FormDesigns:
    """The design of each weighted form of a round, built once and reused for every table.

    Parameters
    ----------
    data : pandas.DataFrame
        The round's respondent data (``form``, ``respondent`` and the items).
    weights : RoundWeights
        The round's weights (:func:`samanalyse.analysis.weights.round_weights`).
    """

    def __init__(self, data: pd.DataFrame, weights: RoundWeights) -> None:
        self.weights = weights
        self._data = {f: data[data["form"] == f].reset_index(drop=True) for f in weights.forms}
        self._designs: dict[str, Design] = {}

    def forms(self) -> list[str]:
        """The forms that have weights."""
        return list(self._data)

    def data(self, form: str) -> pd.DataFrame:
        """The respondents of ``form``, in the design's row order."""
        return self._data[form]

    def design(self, form: str, columns: pd.DataFrame) -> Design:
        """The design of ``form`` over ``columns`` (one row per respondent of :meth:`data`, same order)."""
        if form not in self._designs:
            d = self._data[form]
            self._designs[form] = form_design(d[["respondent"]], form, self.weights, self.weights.frame_size[form])
        return replace(self._designs[form], data=columns.reset_index(drop=True))


def _shares(design: Design, ys: dict[str, np.ndarray], groups: np.ndarray | None
            ) -> dict[tuple[object, str], dict[str, float]]:
    """Weighted share (R ``svyciprop``, logit) of each 0/1 column of ``ys`` in each domain of ``groups``.

    ``groups``: a label per row (None/NaN: in no domain); None: the whole form. Keys: ``(label, column)``
    (label None for the whole form). One call of :func:`design_share` for every column and domain.
    """
    if not ys:
        return {}
    frame = pd.DataFrame({k: v.astype(float) for k, v in ys.items()})
    if groups is not None:
        frame["_g"] = pd.Series(groups, dtype=object)
    got = design_share(replace(design, data=frame), list(ys), by="_g" if groups is not None else None,
                       method=METHOD)
    return {(r["domain"], r["variable"]): r for r in got.to_dict("records")}


def _row(keys: dict[str, Any], est: dict[str, float] | None) -> dict[str, Any]:
    if est is None:
        vals = dict.fromkeys(WEIGHTED_COLUMNS[:-1], np.nan)
    else:
        vals = {"weighted": 100 * est["estimate"], "weighted_se": 100 * est["se"], "deff": est.get("deff", np.nan),
                "weighted_ci_low": 100 * est["ci_lower"], "weighted_ci_high": 100 * est["ci_upper"]}
    return {**keys, **vals, "weighted_method": METHOD if est is not None else ""}


def _by_group(table: str, spec: dict[str, Any], fd: FormDesigns, codebook: Codebook, catalogue: Catalogue
              ) -> list[dict[str, Any]]:
    item = codebook.item(spec["item"])
    rows = []
    for form in spec["forms"]:
        if form not in fd.forms() or not item.on_form(form):
            continue
        d = fd.data(form)
        pop = population_label(codebook, form)
        values = _values(d, [item.id])[:, 0]
        cats = {c: np.isin(values, _members(category_labels(item, catalogue.rule(c))))
                for c in [*spec["categories"], *spec.get("notes", [])]}
        ys = {f"_y{i}": v for i, v in enumerate(cats.values())}
        names = dict(zip(cats, ys))
        design = fd.design(form, pd.DataFrame(ys))
        by = spec.get("by")
        labels, levels = None, []
        if by and d[by].notna().any():
            col = d[by]
            labels = np.array([str(v) if pd.notna(v) else None for v in col], dtype=object)
            levels = [str(g) for g in _levels(col)]
        body = {names[c]: ys[names[c]] for c in spec["categories"]}
        est = _shares(design, body, labels) if labels is not None else {}
        total = _shares(design, {**body, **{names[c]: ys[names[c]] for c in spec.get("notes", [])}}, None)
        for g in levels:
            for c in spec["categories"]:
                rows.append(_row(dict(table=table, population=pop, breakdown=BY_BREAKDOWN.get(by, by), group=g,
                                      item=item.id, category=c, variant=""), est.get((g, names[c]))))
        for c in spec["categories"]:
            rows.append(_row(dict(table=table, population=pop, breakdown="total", group=TOTAL, item=item.id,
                                  category=c, variant=""), total.get((None, names[c]))))
        for c in spec.get("notes", []):
            rows.append(_row(dict(table=table, population=pop, breakdown="note", group=TOTAL, item=item.id,
                                  category=c, variant=""), total.get((None, names[c]))))
    return rows


def _index_crosstab(table: str, spec: dict[str, Any], fd: FormDesigns, codebook: Codebook) -> list[dict[str, Any]]:
    form = spec["form"]
    if form not in fd.forms():
        return []
    d = fd.data(form)
    ci, ri = codebook.index(spec["columns"]), codebook.index(spec["rows"])
    col = index_scores(d, ci, codebook=codebook)["class"].astype(object).to_numpy()
    row = index_scores(d, ri, codebook=codebook)["class"].astype(object).to_numpy()
    ys = {f"_y{j}": (row == rlab) for j, (rlab, _, _) in enumerate(ri.cuts)}
    design = fd.design(form, pd.DataFrame(ys))
    est = _shares(design, ys, np.array([c if isinstance(c, str) else None for c in col], dtype=object))
    rows = []
    for clab, cmin, cmax in ci.cuts:
        for j, (rlab, rmin, rmax) in enumerate(ri.cuts):
            rows.append(_row(dict(table=table, population="", breakdown="index", group=f"[{cmin},{cmax}] = {clab}",
                                  item="", category=f"[{rmin},{rmax}] = {rlab}", variant=""), est.get((clab, f"_y{j}"))))
    return rows


def _response_rates(table: str, spec: dict[str, Any], fd: FormDesigns, codebook: Codebook, catalogue: Catalogue
                    ) -> list[dict[str, Any]]:
    """Vedlegg 3-type cells: one answer per respondent -> (domain) shares with deff; pooled answers -> ratios.

    Columns with the same base (every respondent, or those who answered the item) are estimated together.
    """
    rows = []
    for form in spec["forms"]:
        if form not in fd.forms():
            continue
        d = fd.data(form)
        design = fd.design(form, pd.DataFrame(index=d.index))
        pop = population_label(codebook, form)
        cells = []     # (keys, kind, column, base or domain)
        whole: dict[str, np.ndarray] = {}
        answered: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]] = {}
        ratio_y, ratio_x = [], []
        for name, its in response_rate_units(codebook, form):
            values = _values(d, [it.id for it in its])
            for vname, base, rules in variants(spec, catalogue):
                x = np.full(len(d), values.shape[1], float) if base == "all" else (values != "").sum(axis=1)
                for c in spec["categories"]:
                    y = np.isin(values, _members(category_labels(its[0], rules[c]))).sum(axis=1)
                    keys = dict(table=table, population=pop, breakdown="total", group=TOTAL, item=name, category=c,
                                variant=vname)
                    col = f"_y{len(cells)}"
                    if values.shape[1] > 1:
                        cells.append((keys, "ratio", len(ratio_y)))
                        ratio_y.append(y)
                        ratio_x.append(x)
                    elif base == "all":
                        cells.append((keys, "whole", col))
                        whole[col] = y.astype(bool)
                    else:
                        cells.append((keys, "answered", col))
                        answered.setdefault(name + "\0" + vname, (x.astype(bool), {}))[1][col] = y.astype(bool)
        est = _shares(design, whole, None)
        for dom, ys in answered.values():
            if dom.any():
                est.update(_shares(design, ys, np.where(dom, "1", None).astype(object)))
        ratios = design_ratios(design, np.column_stack(ratio_y), np.column_stack(ratio_x)) if ratio_y else []
        for keys, kind, ref in cells:
            if kind == "ratio":
                r = ratios[ref]
                rows.append(_row(keys, {"estimate": r.estimate, "se": r.se, "ci_lower": r.ci_lower,
                                        "ci_upper": r.ci_upper}))
            else:
                rows.append(_row(keys, est.get((None if kind == "whole" else "1", ref))))
    return rows


def weighted_cells(table: str, designs: FormDesigns, *, codebook: Codebook, catalogue: Catalogue) -> pd.DataFrame:
    """The weighted share of every cell of a catalogue table (the cells of ``table_cells``).

    Parameters
    ----------
    table : str
        Table id in ``catalogue``.
    designs : FormDesigns
        The designs of the round's weighted forms.
    codebook : Codebook
        The round's codebook.
    catalogue : Catalogue
        The round's table catalogue.

    Returns
    -------
    pandas.DataFrame
        :data:`CELL_KEYS` and :data:`WEIGHTED_COLUMNS`; a cell of a form without weights is left out.
        ``deff`` is R's ``deff = TRUE`` (against simple random sampling of the weighted total); NaN
        for a pooled ratio and where the share is 0 or 1.
    """
    spec = catalogue.spec(table)
    kind = spec["kind"]
    if kind == "by_group":
        rows = _by_group(table, spec, designs, codebook, catalogue)
    elif kind == "index_crosstab":
        rows = _index_crosstab(table, spec, designs, codebook)
    else:
        rows = _response_rates(table, spec, designs, codebook, catalogue)
    out = pd.DataFrame(rows, columns=[*CELL_KEYS, *WEIGHTED_COLUMNS])
    return out.replace([np.inf, -np.inf], np.nan)
