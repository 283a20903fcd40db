"""The variables of the tests, prepared from the respondent data (once per analysis).

:mod:`samanalyse.analysis.tests` takes outcomes and predictors as columns of the respondent data or
names of codebook indices (categorical tests use the index's class, rank and trend tests its score);
answers are collapsed and scored through :mod:`samanalyse.survey.answers`. This module prepares those
values (:func:`_categorical`, :func:`_numeric`) and the checked contingency table (:func:`_two_way`).

:mod:`samanalyse.analysis.planned` tests the same outcome against every background variable, and
each test (chi-square, trend, Kruskal–Wallis, ordinal regression) prepares its variables on its own.
Inside :func:`samanalyse.analysis._reuse.reusing` (the planned analyses) the first preparation of a
value (keyed by the data frame and the arguments) is kept and handed to the later tests of the same
analysis; nothing outlives the block, so nothing is kept between analyses or runs. The values are the
same objects the tests would have computed (pandas' copy-on-write keeps them unchanged by the tests).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from samanalyse.analysis._checks import check_columns
from samanalyse.analysis._reuse import reused
from samanalyse.analysis.indices import Scoring, index_scores, item_scores
from samanalyse.errors import DataError
from samanalyse.stats._checks import WarningLog, category_order
from samanalyse.survey.answers import collapse_values, item_scale
from samanalyse.survey.codebook import Codebook, Scale

__all__: list[str] = []  # private helpers of analysis.tests and analysis.design_tests


def _is_index(name: str, data: pd.DataFrame, codebook: Codebook | None) -> bool:
    return name not in data.columns and codebook is not None and name in codebook.indices


def _index_scores(data: pd.DataFrame, name: str, codebook: Codebook) -> pd.DataFrame:
    """:func:`~samanalyse.analysis.indices.index_scores`, once per analysis (:mod:`samanalyse.analysis._reuse`)."""
    return reused(data, ("index_scores", name), lambda: index_scores(data, name, codebook=codebook))


def _check_names(data: pd.DataFrame, names: Sequence[str], codebook: Codebook | None, what: str) -> None:
    check_columns(data, names, what, indices=list(codebook.indices) if codebook is not None else ())


def _categorical(
    data: pd.DataFrame, name: str, codebook: Codebook | None, collapse: str | None = None, exclude: Sequence[Hashable] = ()
) -> pd.Series:
    """Values of a column (optionally collapsed) or an index's class, excluded categories set to NA."""
    return reused(data, ("categorical", name, collapse, tuple(exclude)),
                  lambda: _categorical_of(data, name, codebook, collapse, exclude))


def _collapsed(values: pd.Series, scale: Scale, collapse: str, name: str) -> pd.Series:
    """:func:`~samanalyse.survey.answers.collapse_values` of a column, applied to its distinct answers only.

    Collapsing maps each answer on its own (and its errors name the distinct answers, in order of
    appearance), so collapsing the distinct answers and spreading the result back gives the same
    Categorical; a column with few repeats is collapsed directly.
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    if 4 * len(uniques) > len(values):
        return collapse_values(values, scale, collapse, name)
    small = collapse_values(pd.Series(uniques, dtype=object), scale, collapse, name)
    per_answer = small.cat.codes.to_numpy()
    full = np.where(codes >= 0, per_answer[np.maximum(codes, 0)], -1) if len(per_answer) else np.full(len(codes), -1)
    return pd.Series(pd.Categorical.from_codes(full, dtype=small.dtype), index=values.index, name=values.name)


def _categorical_of(data: pd.DataFrame, name: str, codebook: Codebook | None, collapse: str | None,
                    exclude: Sequence[Hashable]) -> pd.Series:
    if codebook is not None and _is_index(name, data, codebook):
        values = _index_scores(data, name, codebook)["class"]
    else:
        values = data[name]
        if collapse is not None:
            values = _collapsed(values, item_scale(codebook, name), collapse, name)
    if exclude:
        order = category_order(values)
        bad = [e for e in exclude if e not in order]
        if bad:
            raise DataError(
                f"Excluded categor(y/ies) {', '.join(map(repr, bad))} not found in {name!r}; it has {order!r}."
            )
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.cat.remove_categories([e for e in exclude])
        else:
            values = values.where(~values.isin(list(exclude)))
    return values


def _numeric(data: pd.DataFrame, name: str, codebook: Codebook | None, scoring: Scoring | None = None) -> pd.Series:
    """Numeric values of a column (by ``scoring``) or an index's score."""
    if codebook is not None and _is_index(name, data, codebook):
        return _index_scores(data, name, codebook)["score"].astype("Float64").astype(float)
    col = data[name]
    if scoring is None:
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.ordered:
            return col.cat.codes.where(col.notna()).astype(float).where(col.notna())
        scoring = "numeric"
    return item_scores(data, [name], codebook=codebook, scoring=scoring)[name]


def _table(
    y: pd.Series, g: pd.Series, outcome: str, by: str, log: WarningLog
) -> tuple[np.ndarray, list[Hashable], list[Hashable], int]:
    """Contingency table (rows = groups of ``by``, columns = outcome categories).

    Rows without both values are dropped; empty groups and empty outcome
    categories are dropped with a warning. Returns (table, row labels, column
    labels, n).
    """
    ok = y.notna() & g.notna()
    rows = category_order(g)
    cols = category_order(y)
    yy, gg = y[ok], g[ok]
    ri = pd.Categorical(gg, categories=rows).codes.astype(np.int64)
    ci = pd.Categorical(yy, categories=cols).codes.astype(np.int64)
    if (ri < 0).any() or (ci < 0).any():  # a value matching no category by hash (never, by category_order)
        table = np.array([[int(((gg == r) & (yy == c)).sum()) for c in cols] for r in rows], dtype=np.int64)
    else:
        table = np.bincount(ri * len(cols) + ci, minlength=len(rows) * len(cols)).astype(np.int64)
    table = table.reshape(len(rows), len(cols))
    n = int(table.sum())
    if n == 0:
        log.warn(f"no respondents have both {outcome!r} and {by!r}; the test is NaN")
        return table, rows, cols, 0
    empty_r = [r for r, s in zip(rows, table.sum(axis=1)) if s == 0]
    empty_c = [c for c, s in zip(cols, table.sum(axis=0)) if s == 0]
    if empty_r:
        log.warn(f"group(s) {', '.join(map(repr, empty_r))} of {by!r} have no respondents and are left out")
    if empty_c:
        log.warn(f"nobody answered {', '.join(map(repr, empty_c))} on {outcome!r}; the category is left out")
    keep_r = table.sum(axis=1) > 0
    keep_c = table.sum(axis=0) > 0
    table = table[keep_r][:, keep_c]
    rows = [r for r, k in zip(rows, keep_r) if k]
    cols = [c for c, k in zip(cols, keep_c) if k]
    return table, rows, cols, n


def _degenerate(table: np.ndarray, outcome: str, by: str, n: int, log: WarningLog) -> bool:
    """True (with a warning) if a table has fewer than two non-empty rows or columns."""
    if n == 0:
        return True
    if n == 1:
        log.warn(f"a single respondent has both {outcome!r} and {by!r}; no test is possible (NaN)")
        return True
    if table.shape[1] < 2:
        log.warn(f"all {n} answers to {outcome!r} are in one category; no association can be tested (NaN)")
        return True
    if table.shape[0] < 2:
        log.warn(f"all {n} respondents are in one group of {by!r}; no association can be tested (NaN)")
        return True
    return False


def _two_way(data: pd.DataFrame, outcome: str, by: str, codebook: Codebook | None, collapse: str | None,
             exclude: Sequence[Hashable], log: WarningLog, what: str
             ) -> tuple[np.ndarray, list[Hashable], list[Hashable], int, bool]:
    """The checked contingency table of ``outcome`` by ``by`` and whether it is degenerate."""
    _check_names(data, [outcome, by], codebook, what)
    y = _categorical(data, outcome, codebook, collapse, exclude)
    g = _categorical(data, by, codebook)
    table, rows, cols, n = _table(y, g, outcome, by, log)
    return table, rows, cols, n, _degenerate(table, outcome, by, n, log)
