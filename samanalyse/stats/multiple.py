"""Multiple testing: adjusted p-values for a family of tests (R ``p.adjust``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, DataError

__all__ = ["ADJUST_LABELS", "ADJUST_METHODS", "adjust_pvalues", "check_adjust"]

#: Methods of :func:`adjust_pvalues` (R ``p.adjust`` names: holm, BH, bonferroni, hochberg, BY, none).
ADJUST_METHODS: tuple[str, ...] = ("holm", "bh", "bonferroni", "hochberg", "by", "none")

#: Name of each method in the ``method`` text of an adjusted results table.
ADJUST_LABELS: dict[str, str] = {"holm": "Holm", "bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni",
                                 "hochberg": "Hochberg", "by": "Benjamini-Yekutieli", "none": "no"}

_ALIASES = {"fdr_bh": "bh", "BH": "bh", "fdr": "bh", "BY": "by", "fdr_by": "by"}


def check_adjust(method: str) -> str:
    """The canonical name of an adjustment method (R's ``"BH"``/``"BY"`` accepted); ArgumentError if unknown."""
    m = _ALIASES.get(method, method)
    if m not in ADJUST_METHODS:
        raise ArgumentError(f"Unknown adjustment {method!r}; use one of {', '.join(ADJUST_METHODS)}.")
    return m


def _adjust(arr: np.ndarray, m: str) -> np.ndarray:
    out = np.full(arr.shape, np.nan)
    ok = np.isfinite(arr)
    q = arr[ok]
    n = q.size
    if n == 0:
        return out
    if m == "none":
        res = q.copy()
    elif m == "bonferroni":
        res = np.minimum(1, n * q)
    elif m == "holm":
        o = np.argsort(q, kind="stable")
        i = np.arange(1, n + 1)
        res = np.empty(n)
        res[o] = np.minimum(1, np.maximum.accumulate((n - i + 1) * q[o]))
    else:
        o = np.argsort(-q, kind="stable")
        i = np.arange(n, 0, -1)
        if m == "hochberg":
            f = (n - i + 1) * q[o]
        elif m == "bh":
            f = n / i * q[o]
        else:  # by
            f = np.sum(1 / np.arange(1, n + 1)) * n / i * q[o]
        res = np.empty(n)
        res[o] = np.minimum(1, np.minimum.accumulate(f))
    out[ok] = res
    return out


def adjust_pvalues(
    p: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame, *, method: str = "holm"
) -> np.ndarray | pd.Series | pd.DataFrame:
    """Adjust p-values for multiple testing across a family of tests.

    Exactly R ``p.adjust(p, method)``: ``"holm"`` (Holm 1979, step-down
    family-wise error), ``"bh"`` (Benjamini–Hochberg false discovery rate;
    R ``"BH"``), ``"bonferroni"``, ``"hochberg"``, ``"by"`` (Benjamini–Yekutieli),
    ``"none"``. NaN p-values stay NaN and do not count in the family size.

    Parameters
    ----------
    p : array-like, Series or DataFrame
        p-values, or a results table whose ``p`` column forms the family.
    method : str
        Adjustment method.

    Returns
    -------
    numpy.ndarray, Series or DataFrame
        Adjusted p-values in the input order; for a results table a copy with
        ``p_adjusted`` filled and, if it has a ``method`` column, the
        adjustment appended to it.

    Raises
    ------
    ArgumentError
        For an unknown method or p-values that are not one-dimensional.
    DataError
        For p-values outside [0, 1] or a table without a ``p`` column.
    """
    m = check_adjust(method)
    if isinstance(p, pd.DataFrame):
        if "p" not in p.columns:
            raise DataError(f"The table has no 'p' column; columns are {', '.join(map(str, p.columns))}.")
        out = p.copy()
        out["p_adjusted"] = adjust_pvalues(out["p"].to_numpy(dtype=float), method=m)
        if "method" in out.columns:
            k = int(np.isfinite(out["p"].to_numpy(dtype=float)).sum())
            out["method"] = out["method"].astype(str) + f"; {ADJUST_LABELS[m]} adjustment over {k} tests"
        return out
    if isinstance(p, pd.Series):
        return pd.Series(adjust_pvalues(p.to_numpy(dtype=float), method=m), index=p.index, name=p.name)
    arr = np.asarray(p, dtype=float)
    if arr.ndim != 1:
        raise ArgumentError(f"p must be one-dimensional; got shape {arr.shape}.")
    bad = arr[np.isfinite(arr) & ((arr < 0) | (arr > 1))]
    if bad.size:
        raise DataError(f"p-values must lie in [0, 1]; got {bad.tolist()!r}.")
    return _adjust(arr, m)
