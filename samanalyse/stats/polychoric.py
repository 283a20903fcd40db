"""Polychoric correlations of ordinal items, as ``psych::polychoric`` computes them.

The estimator is the classical *two-step* maximum-likelihood estimate
(Olsson 1979), exactly as in psych 2.2 (``polychoric`` -> ``polyc`` ->
``polyF``):

1. **Thresholds.** For every item the thresholds are the normal quantiles of
   its cumulative category proportions, computed from *all* non-missing
   answers of that item (``global = TRUE``):
   ``tau_k = qnorm(P(X <= k))``.
2. **Correlation.** For every pair of items, rho maximises the multinomial
   log-likelihood of the pair's contingency table under a standard bivariate
   normal cut at the (fixed) thresholds:
   ``rho = argmax sum_ab n_ab log P_ab(rho)``; cells whose model probability is
   zero are skipped, as psych does.

psych details that are reproduced on purpose:

- Category codes are shifted by the *global* minimum over all items; the number
  of categories is ``max - min + 1`` over all items (at most ``max_categories``,
  psych's ``max.cat = 8``).
- If the items do **not** all reach the same maximum code, psych silently sets
  ``global = FALSE``. Then each pair gets its own thresholds from the margins of
  its table after dropping empty rows/columns and after the continuity
  correction for zero cells: every empty cell of the (proportion) table is set
  to ``correct / n_pair`` (``correct = 0.5``, i.e. half an observation). With
  ``global = TRUE`` the correction is **not** applied (psych 2.2 ignores
  ``correct`` in that branch) -- this module does the same and says so in
  :attr:`PolychoricResult.global_thresholds`.
- If the resulting matrix is not positive definite it is smoothed like
  ``psych::cor.smooth`` (eigenvalues below 1e-12 set to 1e-10, rescaled to sum
  to the number of items, back to a correlation matrix) and a
  :class:`NotPositiveDefiniteWarning` is emitted.

Differences from psych: psych maximises with ``optimize()`` (tolerance about
1.2e-4) and the bivariate normal from ``mnormt::sadmvn`` (absolute error
1e-6); here a safeguarded Newton iteration on the analytic score is run to
1e-10 with Genz's ``BVND`` algorithm (double precision), so results agree with
psych to about 1e-4 and with an exact solution to about 1e-9.

Missing values are handled explicitly (``missing="pairwise"`` or
``"listwise"``); there is no default.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from samanalyse.stats.bvn import _bvn_pdf_and_drho, bvn_cdf
from samanalyse.errors import DataError, NotPositiveDefiniteWarning, SmallCellWarning
from samanalyse.stats.factor.checks import (
    Missing,
    check_missing,
    check_variance,
    select_items,
)

__all__ = [
    "bvn_cdf",
    "check_ordinal",
    "polychoric",
    "polychoric_matrix",
    "polychoric_stack",
    "smooth_correlation",
    "PolychoricResult",
    "NotPositiveDefiniteWarning",
    "Missing",
]

#: Largest |rho| the estimator may return (psych's interval is (-1, 1)).
_RHO_MAX = 1.0 - 1e-7


# --------------------------------------------------------------------------
# The pairwise estimator (vectorised over pairs)
# --------------------------------------------------------------------------


def _cell_terms(rho: np.ndarray, a: np.ndarray, b: np.ndarray, seg: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell probabilities and their first two rho-derivatives.

    ``a`` (pairs, R+1) and ``b`` (pairs, C+1) are the cut points including the
    infinite ends; returns arrays of shape (pairs, R, C). Only the inner cut
    points need the bivariate normal; the outer rows/columns of the grid of
    cumulative probabilities are 0 or univariate normal.
    """
    m = rho.shape[0]
    nr, nc = a.shape[1] - 1, b.shape[1] - 1
    ai = a[:, 1:-1][:, :, None]
    bi = b[:, 1:-1][:, None, :]
    r = rho[:, None, None]
    A, B, R = np.broadcast_arrays(ai, bi, r)
    F = np.zeros((m, nr + 1, nc + 1))
    f1 = np.zeros_like(F)
    f2 = np.zeros_like(F)
    F[:, 1:-1, 1:-1] = bvn_cdf(A, B, R, None if seg is None else np.broadcast_to(seg[:, None, None], A.shape))
    F[:, -1, 1:-1] = ndtr(b[:, 1:-1])
    F[:, 1:-1, -1] = ndtr(a[:, 1:-1])
    F[:, -1, -1] = 1.0
    f1[:, 1:-1, 1:-1], f2[:, 1:-1, 1:-1] = _bvn_pdf_and_drho(A, B, R)

    def cells(G: np.ndarray) -> np.ndarray:
        return G[:, 1:, 1:] - G[:, :-1, 1:] - G[:, 1:, :-1] + G[:, :-1, :-1]

    return cells(F), cells(f1), cells(f2)


def _fit_rho(a: np.ndarray, b: np.ndarray, tab: np.ndarray, *, tol: float = 1e-10, maxit: int = 100,
             seg: np.ndarray | None = None) -> np.ndarray:
    """Maximise the pairwise log-likelihood in rho for every pair at once.

    Safeguarded Newton on the score: the bracket [lo, hi] always contains the
    root (score positive at lo, negative at hi); a Newton step outside the
    bracket, or one with a non-negative second derivative, is replaced by
    bisection. Each pair's iteration is its own; ``seg`` (a non-decreasing
    label per pair) makes each segment's numbers those of a call with its
    pairs alone, bit for bit (see :mod:`samanalyse.stats.bvn`).
    """
    m = tab.shape[0]
    lo = np.full(m, -_RHO_MAX)
    hi = np.full(m, _RHO_MAX)

    def score(rho: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        P, dP, d2P = _cell_terms(rho, a[idx], b[idx], None if seg is None else seg[idx])
        t = tab[idx]
        use = (t > 0) & (P > 0)
        Ps = np.where(use, P, 1.0)
        s = np.sum(np.where(use, t * dP / Ps, 0.0), axis=(1, 2))
        h = np.sum(np.where(use, t * (d2P / Ps - (dP / Ps) ** 2), 0.0), axis=(1, 2))
        return s, h

    # Start at 0; the bracket ends are not evaluated (cells of probability ~0
    # there would be skipped, as in psych's polyF, and hide the -inf likelihood).
    rho = np.zeros(m)
    active = np.ones(m, bool)
    for _ in range(maxit):
        if not np.any(active):
            break
        idx = np.flatnonzero(active)
        s, h = score(rho[idx], idx)
        pos = s > 0
        lo[idx[pos]] = rho[idx[pos]]
        hi[idx[~pos]] = rho[idx[~pos]]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(h < 0, -s / h, np.nan)
        new = rho[idx] + step
        small = np.isfinite(step) & (np.abs(step) < tol)
        bad = ~small & (~np.isfinite(new) | (new <= lo[idx]) | (new >= hi[idx]))
        new = np.where(bad, (lo[idx] + hi[idx]) / 2.0, new)
        rho[idx] = new
        done = small | ((hi[idx] - lo[idx]) < tol)
        active[idx[done]] = False
    return rho


def _cuts_from_props(cum: np.ndarray) -> np.ndarray:
    """Cut points with the infinite ends from cumulative proportions (K-1 values)."""
    with np.errstate(divide="ignore"):
        inner = ndtri(np.clip(cum, 0.0, 1.0))
    n = inner.shape[0]
    return np.concatenate([np.full((n, 1), -np.inf), inner, np.full((n, 1), np.inf)], axis=1)


def _onehot(codes: np.ndarray, ncat: int) -> np.ndarray:
    """(n, p, ncat) indicators of each answer's category (codes >= 0; -1 = missing)."""
    onehot = np.zeros(codes.shape + (ncat,))
    r_, c_ = np.nonzero(codes >= 0)
    onehot[r_, c_, codes[r_, c_]] = 1.0
    return onehot


def _pair_tables(onehot: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Contingency tables (pairs, ncat, ncat) of pairwise-complete observations (exact counts, one matmul)."""
    n, p, ncat = onehot.shape
    flat = onehot.reshape(n, p * ncat)
    full = (flat.T @ flat).reshape(p, ncat, p, ncat)
    return full[rows, :, cols, :]


def smooth_correlation(r: np.ndarray, eig_tol: float = 1e-12) -> tuple[np.ndarray, bool]:
    """Smooth a non-positive-definite correlation matrix as ``psych::cor.smooth``.

    Parameters
    ----------
    r : numpy.ndarray
        Symmetric correlation matrix.
    eig_tol : float
        Eigenvalues below this are set to ``100 * eig_tol``.

    Returns
    -------
    (numpy.ndarray, bool)
        The (possibly) smoothed matrix and whether smoothing was done.
    """
    vals, vecs = np.linalg.eigh(r)
    if vals.min() >= np.finfo(float).eps:
        return r, False
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * r.shape[0] / vals.sum()
    x = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(x))
    x = x / np.outer(d, d)
    np.fill_diagonal(x, 1.0)
    return x, True


@dataclass(frozen=True)
class _PolyFit:
    rho: np.ndarray
    tau: np.ndarray
    n_pair: np.ndarray
    global_thresholds: bool
    corrected_pairs: int
    smoothed: bool


@dataclass(frozen=True)
class _PairTables:
    """The pairwise tables of one data set and its item thresholds (the first step of the estimator)."""

    ncat: int
    use_global: bool
    cuts_item: np.ndarray   # (p, ncat + 1) item cut points with the infinite ends
    tabs: np.ndarray        # (pairs, ncat, ncat) counts, pairs in np.tril_indices(p, -1) order
    tot: np.ndarray         # (pairs,) observations per pair
    n_item: np.ndarray      # (p,) answers per item


def _pair_setup(codes: np.ndarray, global_thresholds: bool) -> _PairTables:
    """Category codes shifted to 0 (psych's global minimum), item thresholds and the pairs' tables."""
    x = np.asarray(codes, float)
    p = x.shape[1]
    xmin = np.nanmin(x)
    xi = np.where(np.isnan(x), -1, x - xmin).astype(int)
    maxes = xi.max(axis=0)
    ncat = int(maxes.max()) + 1
    use_global = bool(global_thresholds) and bool(np.all(maxes == maxes.max()))
    onehot = _onehot(xi, ncat)
    freq = onehot.sum(axis=0).astype(np.int64)  # (p, ncat) answers per category
    n_item = freq.sum(axis=1)
    cum = np.cumsum(freq, axis=1)[:, :-1] / n_item[:, None]
    rows, cols = np.tril_indices(p, -1)
    tabs = _pair_tables(onehot, rows, cols)
    return _PairTables(ncat, use_global, _cuts_from_props(cum), tabs, tabs.sum(axis=(1, 2)), n_item)


def _global_problem(t: _PairTables, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut points, proportions and the pairs with observations of the global-thresholds estimate."""
    rows, cols = np.tril_indices(p, -1)
    tot = t.tot
    props = np.where(tot[:, None, None] > 0, t.tabs / np.where(tot > 0, tot, 1)[:, None, None], 0.0)
    return t.cuts_item[rows], t.cuts_item[cols], props, tot > 0


def _per_pair_problem(t: _PairTables, correct: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """psych's fallback: per-pair thresholds after dropping empty rows/columns and the continuity correction."""
    m, ncat = t.tabs.shape[0], t.ncat
    a = np.empty((m, ncat + 1))
    b = np.empty((m, ncat + 1))
    props = np.zeros_like(t.tabs)
    valid = np.zeros(m, bool)
    corrected = 0
    for k in range(m):
        if t.tot[k] == 0:
            continue
        tk = t.tabs[k] / t.tot[k]
        keep_r = ~np.all(tk == 0, axis=1)
        keep_c = ~np.all(tk == 0, axis=0)
        tc = tk[np.ix_(keep_r, keep_c)].copy()
        if correct > 0 and np.any(tc == 0):
            corrected += 1
            tc[tc == 0] = correct / t.tot[k]
        if min(tc.shape) < 2:
            continue
        rr, cc = tc.shape
        rcum = np.cumsum(tc.sum(axis=1))[:-1]
        ccum = np.cumsum(tc.sum(axis=0))[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            a[k] = np.concatenate([[-np.inf], ndtri(rcum), np.full(ncat + 1 - rr, np.inf)])
            b[k] = np.concatenate([[-np.inf], ndtri(ccum), np.full(ncat + 1 - cc, np.inf)])
        props[k, :rr, :cc] = tc
        valid[k] = True
    return a, b, props, valid, corrected


def _symmetric(p: int, pairs: np.ndarray) -> np.ndarray:
    """The correlation matrix with ``pairs`` (np.tril_indices(p, -1) order) below and above the diagonal."""
    rows, cols = np.tril_indices(p, -1)
    R = np.eye(p)
    R[rows, cols] = pairs
    R[cols, rows] = pairs
    return R


def polychoric_matrix(
    codes: np.ndarray, *, correct: float = 0.5, smooth: bool = True, global_thresholds: bool = True
) -> _PolyFit:
    """Polychoric correlation matrix of integer codes (NaN = missing); low-level.

    ``codes`` is an (n, p) float array of integer category codes. Rows with
    missing values are used pairwise (pass complete rows for listwise).
    See :func:`polychoric` for the estimator.
    """
    p = np.shape(codes)[1]
    t = _pair_setup(codes, global_thresholds)
    rho_pairs = np.full(t.tot.shape[0], np.nan)
    corrected = 0
    if t.use_global:
        a, b, props, ok = _global_problem(t, p)
    else:
        a, b, props, ok, corrected = _per_pair_problem(t, correct)
    if np.any(ok):
        rho_pairs[ok] = _fit_rho(a[ok], b[ok], props[ok])
    R = _symmetric(p, rho_pairs)
    smoothed = False
    if smooth and not np.any(np.isnan(R)):
        R, smoothed = smooth_correlation(R)
    npair = _symmetric(p, t.tot).astype(int)
    np.fill_diagonal(npair, t.n_item.astype(int))
    return _PolyFit(R, t.cuts_item[:, 1:-1], npair, t.use_global, corrected, smoothed)


def polychoric_stack(codes: Sequence[np.ndarray], *, correct: float = 0.5, separate: bool = False
                     ) -> list[np.ndarray]:
    """Unsmoothed polychoric matrices of many data sets at once (the inner step of a bootstrap).

    The same estimate as ``polychoric_matrix(c, smooth=False).rho`` for each
    ``c`` in ``codes`` (each an (n, p) float array of integer codes, NaN =
    missing): the pairs of every data set that uses global thresholds are
    solved together in one vectorised Newton iteration (each pair's iteration
    is elementwise; a quadrature sum may round its last bit differently in a
    larger batch, unless ``separate``, which keeps every data set's numbers
    those of ``polychoric_matrix``, bit for bit); a data set with per-pair
    thresholds (psych's fallback) is solved on its own.
    """
    out: list[np.ndarray | None] = [None] * len(codes)
    batch: dict[int, list[tuple[int, tuple[np.ndarray, ...]]]] = {}
    for i, c in enumerate(codes):
        t = _pair_setup(c, True)
        if not t.use_global:
            out[i] = polychoric_matrix(c, correct=correct, smooth=False).rho
            continue
        batch.setdefault(t.ncat, []).append((i, _global_problem(t, np.shape(c)[1])))
    for group in batch.values():
        a = np.concatenate([g[1][0][g[1][3]] for g in group])
        b = np.concatenate([g[1][1][g[1][3]] for g in group])
        props = np.concatenate([g[1][2][g[1][3]] for g in group])
        seg = np.concatenate([np.full(int(g[1][3].sum()), j) for j, g in enumerate(group)]) if separate else None
        rho = _fit_rho(a, b, props, seg=seg)
        start = 0
        for i, (_a, _b, _props, ok) in group:
            pairs = np.full(ok.shape[0], np.nan)
            pairs[ok] = rho[start:start + int(ok.sum())]
            start += int(ok.sum())
            out[i] = _symmetric(np.shape(codes[i])[1], pairs)
    return out  # type: ignore[return-value]


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PolychoricResult:
    """Polychoric correlations of a set of ordinal items.

    Attributes
    ----------
    rho : pandas.DataFrame
        Items x items correlation matrix.
    tau : pandas.DataFrame
        Thresholds, one row per item, columns ``1 .. K-1`` (psych's ``tau``).
    n : pandas.DataFrame
        Items x items number of observations used for each pair (diagonal:
        answers of the item).
    n_obs : int
        Rows used (listwise: complete rows; pairwise: rows with at least one answer).
    missing : {"pairwise", "listwise"}
        How missing answers were handled.
    global_thresholds : bool
        True if the item thresholds were used for every pair (psych's
        ``global = TRUE``); False if psych's fallback (unequal numbers of
        categories) with per-pair thresholds and continuity correction applied.
    corrected_pairs : int
        Pairs whose table had zero cells corrected (only when not global).
    smoothed : bool
        True if the matrix was not positive definite and was smoothed.
    """

    rho: pd.DataFrame
    tau: pd.DataFrame
    n: pd.DataFrame
    n_obs: int
    missing: Missing
    global_thresholds: bool
    corrected_pairs: int
    smoothed: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per pair: columns ``item_1, item_2, rho, n``."""
        items = list(self.rho.index)
        rows = [
            (items[i], items[j], float(self.rho.iat[i, j]), int(self.n.iat[i, j]))
            for i in range(len(items))
            for j in range(i + 1, len(items))
        ]
        return pd.DataFrame(rows, columns=["item_1", "item_2", "rho", "n"])

    def summary(self) -> str:
        """A short text summary."""
        lines = [
            f"Polychoric correlations of {self.rho.shape[0]} items, n = {self.n_obs} ({self.missing} missing)",
            "thresholds: " + ("global (per item)" if self.global_thresholds else
                              f"per pair (unequal categories; {self.corrected_pairs} pairs corrected for zero cells)"),
        ]
        if self.smoothed:
            lines.append("the matrix was not positive definite and was smoothed (psych::cor.smooth)")
        lines.append(self.rho.round(3).to_string())
        return "\n".join(lines)


def check_ordinal(frame: pd.DataFrame, max_categories: int) -> np.ndarray:
    """The item columns as a float array of integer category codes (NaN = missing), at most ``max_categories``."""
    try:
        x = frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(f"Polychoric correlations need numeric item codes: {exc}") from None
    bad = [c for c, col in zip(frame.columns, x.T) if np.any(np.abs(col[~np.isnan(col)] % 1) > 1e-9)]
    if bad:
        raise DataError(
            f"Polychoric correlations need integer category codes; item(s) {', '.join(map(repr, bad))} "
            "have non-integer values (e.g. a mean over challenges). Use per-challenge items or "
            "priority_scores(..., aggregate='round')."
        )
    if np.all(np.isnan(x)):
        raise DataError("No answers at all in the items given.")
    k = int(np.nanmax(x) - np.nanmin(x) + 1)
    if k > max_categories:
        raise DataError(
            f"The items have {k} categories (codes {np.nanmin(x):g}..{np.nanmax(x):g}); polychoric "
            f"correlations are for at most {max_categories} (psych's max.cat)."
        )
    check_variance(frame.columns, x, "one category or no answers")
    return x


def polychoric(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    missing: Missing,
    correct: float = 0.5,
    smooth: bool = True,
    global_thresholds: bool = True,
    max_categories: int = 8,
) -> PolychoricResult:
    """Polychoric correlation matrix of ordinal items (two-step ML, as ``psych::polychoric``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; the item columns hold integer category codes
        (e.g. 0/1/2 priority scores), NA for no answer.
    items : sequence of str, optional
        Item columns to use; default every column except ``respondent``.
    missing : {"pairwise", "listwise"}
        ``"pairwise"``: every pair uses the rows where both items are answered,
        thresholds use every answer of the item (psych's default behaviour).
        ``"listwise"``: only rows that answer every item.
    correct : float
        Continuity correction for zero cells (psych default 0.5). As in psych it
        only applies when per-pair thresholds are used (see the module notes).
    smooth : bool
        Smooth a non-positive-definite result (``psych::cor.smooth``).
    global_thresholds : bool
        psych's ``global``; psych switches it off itself when items do not all
        reach the same highest code, and so does this function.
    max_categories : int
        Largest number of categories accepted (psych's ``max.cat``).

    Returns
    -------
    PolychoricResult

    Raises
    ------
    ValueError
        If ``missing`` is not given or unknown.
    DataError
        If an item is not integer-coded, has no variance, or there are too
        many categories.

    Warns
    -----
    NotPositiveDefiniteWarning
        When the matrix had to be smoothed.
    SmallCellWarning
        When zero cells were corrected (per-pair thresholds only).
    """
    missing = check_missing(missing)
    frame = select_items(data, items)
    if missing == "listwise":
        frame = frame.dropna()
        if len(frame) < 2:
            raise DataError(f"Only {len(frame)} respondent(s) answered every item; listwise deletion leaves too few.")
    x = check_ordinal(frame, max_categories)
    fit = polychoric_matrix(x, correct=correct, smooth=smooth, global_thresholds=global_thresholds)
    if fit.corrected_pairs and correct > 0:
        warnings.warn(
            f"{fit.corrected_pairs} item pair(s) had empty cells, set to {correct} observation(s) "
            "(psych's correction for continuity; per-pair thresholds because the items do not all use the "
            "same categories).",
            SmallCellWarning,
            stacklevel=2,
        )
    if fit.smoothed:
        warnings.warn(
            "The polychoric correlation matrix was not positive definite and was smoothed (psych::cor.smooth).",
            NotPositiveDefiniteWarning,
            stacklevel=2,
        )
    names = list(frame.columns)
    rho = pd.DataFrame(fit.rho, index=names, columns=names)
    tau = pd.DataFrame(fit.tau, index=names, columns=[str(k) for k in range(1, fit.tau.shape[1] + 1)])
    n = pd.DataFrame(fit.n_pair, index=names, columns=names)
    n_obs = int(frame.notna().any(axis=1).sum())
    return PolychoricResult(rho, tau, n, n_obs, missing, fit.global_thresholds, fit.corrected_pairs, fit.smoothed)
