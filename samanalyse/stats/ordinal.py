"""Proportional-odds (ordinal logistic) regression with Wald and likelihood-ratio tests.

Generic: an ordinal outcome (numbers whose distinct values are the ordered
categories) and a numeric design matrix whose columns are grouped into
predictor variables. The codebook-aware wrapper is
:func:`samanalyse.analysis.tests.ordinal_regression`.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from samanalyse.errors import ArgumentError, ConvergenceWarning
from samanalyse.stats._checks import WarningLog, check_level, check_whole

__all__ = ["ORDINAL_COLUMNS", "OrdinalFit", "proportional_odds"]

#: Fixed columns of :attr:`OrdinalFit.tests`.
ORDINAL_COLUMNS: tuple[str, ...] = ("kind", "term", "statistic", "df", "p", "effect", "ci_low", "ci_high")


@dataclass(frozen=True)
class OrdinalFit:
    """A fitted proportional-odds model.

    Attributes
    ----------
    tests : pandas.DataFrame
        :data:`ORDINAL_COLUMNS`: one ``kind = "wald"`` row per term (``statistic``
        = z, ``effect`` = odds ratio ``exp(beta)`` with interval
        ``exp(beta -/+ z se)``), one ``"lr"`` row per variable (all its terms
        dropped; df = number of terms) and a last ``"lr"`` row ``term = "(all)"``
        against the thresholds-only model.
    thresholds : pandas.Series
        The cut points ``zeta_k`` named ``"a|b"``.
    loglik : float
        Log-likelihood of the full model.
    n : int
        Observations.
    warnings : tuple of str
        Warnings raised (also emitted).
    """

    tests: pd.DataFrame = field(repr=False)
    thresholds: pd.Series = field(repr=False)
    loglik: float
    n: int
    warnings: tuple[str, ...] = ()


def _cell_loglik(thresh: np.ndarray, y2: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """``log(max(F(thresh[y + 1] - xb) - F(thresh[y] - xb), 0) + 1e-20)`` per observation, ``F`` = expit.

    ``y2`` stacks ``y + 1`` over ``y`` (both bounds looked up, shifted and
    transformed in one go; every element is the same operation on the same numbers).
    """
    f = thresh[y2]
    f -= xb
    expit(f, out=f)
    p = f[0] - f[1]
    np.maximum(p, 0, out=p)
    p += 1e-20
    return np.log(p, out=p)


def _patterns(exog: np.ndarray, endog: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(first row, pattern of every row) of the distinct (covariates, outcome) rows, or None if few repeat."""
    n = len(endog)
    key, size = np.zeros(n, dtype=np.int64), 1
    for col in [*np.asarray(exog, dtype=float).T, endog.astype(float)]:
        if not np.isfinite(col).all():
            return None
        values, codes = np.unique(col, return_inverse=True)
        size *= len(values)
        if size > n // 2:        # too many patterns to gain anything
            return None
        key = key * len(values) + codes.ravel()
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.ravel()


class _Loglike:
    """What :func:`logit_loglike` needs of a model's data, prepared once (bounds' indices, patterns)."""

    def __init__(self, exog: np.ndarray, endog: np.ndarray, k_levels: int,
                 patterns: tuple[np.ndarray, np.ndarray] | None) -> None:
        self.exog, self.k = exog, k_levels - 1
        self.y2 = np.stack([endog + 1, endog])
        self.thresh = np.concatenate(([-np.inf], np.zeros(self.k), [np.inf]))
        self.patterns = patterns
        if patterns is not None:
            self.y2_first = self.y2[:, patterns[0]]

    def __call__(self, params: np.ndarray) -> float:
        k, nb = self.k, len(params) - self.k
        inc = np.empty(k)  # (zeta_1, exp(increments)), cumulated into the thresholds between -inf and inf
        inc[0] = params[nb]
        np.exp(params[nb + 1:], out=inc[1:])
        thresh = self.thresh
        np.cumsum(inc, out=thresh[1:-1])
        xb = self.exog.dot(params[:nb])
        if self.patterns is not None:
            first, inverse = self.patterns
            xb_first = xb[first]
            if np.array_equal(xb_first[inverse], xb):
                return float(_cell_loglik(thresh, self.y2_first, xb_first)[inverse].sum())
        return float(_cell_loglik(thresh, self.y2, xb).sum())

    def many(self, params: np.ndarray) -> np.ndarray:
        """The values of :meth:`__call__` for each row of ``params``, computed together.

        Per row the same operations on the same numbers: the thresholds and
        ``exog @ beta`` row by row (each beta a fresh array, as a call gets it;
        rows with bit-equal betas share one product), then the per-observation
        terms of all rows in one array and each row summed on its own.
        """
        if len(params) * self.exog.shape[0] > 1_000_000:  # large data: one vector at a time keeps memory small
            return np.array([self(row.copy()) for row in params])
        k, nb = self.k, params.shape[1] - self.k
        thresh = np.empty((len(params), k + 2))
        thresh[:, 0], thresh[:, -1] = -np.inf, np.inf
        xb = np.empty((len(params), self.exog.shape[0]))
        products: dict[bytes, np.ndarray] = {}
        for r, row in enumerate(params):
            inc = np.empty(k)
            inc[0] = row[nb]
            np.exp(row[nb + 1:], out=inc[1:])
            np.cumsum(inc, out=thresh[r, 1:-1])
            beta = row[:nb].copy()
            key = beta.tobytes()
            if key not in products:
                products[key] = self.exog.dot(beta)
            xb[r] = products[key]
        if self.patterns is not None:
            first, inverse = self.patterns
            xb_first = xb[:, first]
            if all(np.array_equal(xb_first[r][inverse], xb[r]) for r in range(len(xb))):
                return _row_sums(_cell_logliks(thresh, self.y2_first, xb_first)[:, inverse])
        return _row_sums(_cell_logliks(thresh, self.y2, xb))


def _row_sums(a: np.ndarray) -> np.ndarray:
    """Each row summed as numpy sums a contiguous 1-d array (pairwise; a strided row may be summed otherwise)."""
    return np.ascontiguousarray(a).sum(axis=1)


def _cell_logliks(thresh: np.ndarray, y2: np.ndarray, xb: np.ndarray) -> np.ndarray:
    """:func:`_cell_loglik` of each row of ``thresh`` and ``xb`` (rows x observations, C order as a row's own array)."""
    f = thresh[:, y2]
    f -= xb[:, None, :]
    expit(f, out=f)
    p = np.empty(xb.shape)
    np.subtract(f[:, 0], f[:, 1], out=p)
    np.maximum(p, 0, out=p)
    p += 1e-20
    return np.log(p, out=p)


def logit_loglike(params: np.ndarray, exog: np.ndarray, endog: np.ndarray, k_levels: int,
                  patterns: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """The log-likelihood statsmodels' ``OrderedModel(distr="logit")`` computes, bit for bit, but faster.

    The same floating-point operations as statsmodels'
    ``loglikeobs(params).sum()``: thresholds from the increments
    ``(zeta_1, log(zeta_2 - zeta_1), ...)``, ``xb = exog @ beta``,
    ``log(max(F(zeta_{y+1} - xb) - F(zeta_y - xb), 0) + 1e-20)`` summed over the
    observations, with ``F`` the function ``scipy.stats.logistic.cdf``
    evaluates (``scipy.special.expit``; 0 at -inf and 1 at +inf), without the
    per-call argument checks of ``scipy.stats``. With ``patterns`` (the
    distinct (covariate, outcome) rows, :func:`_patterns`), the per-observation
    terms are computed once per pattern and spread back before the sum when
    every row's ``xb`` is bit-equal to its pattern's (checked on every call;
    else the plain way): the summed array, and so the sum, are the same.
    """
    return _Loglike(exog, endog, k_levels, patterns)(params)


@functools.cache
def _logit_model() -> type:
    """statsmodels ``OrderedModel`` whose ``loglike`` is :func:`logit_loglike` (the same values, faster).

    Every value, and with it the BFGS path, the numerical gradients and the
    Hessian (statsmodels differentiates ``loglike`` numerically), is the same
    to the bit as statsmodels' own.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class _LogitOrderedModel(OrderedModel):  # type: ignore[misc]
        _loglike_: _Loglike | None = None

        def loglike(self, params: np.ndarray) -> float:
            if self._loglike_ is None:
                exog, endog = np.asarray(self.exog), np.asarray(self.endog)
                self._loglike_ = _Loglike(exog, endog, self.k_levels, _patterns(exog, endog))
            return self._loglike_(np.asarray(params))

        def score(self, params: np.ndarray) -> np.ndarray:
            """statsmodels' centred numerical gradient (``approx_fprime(..., centered=True)``), its values exactly.

            The same steps and the same differences of the same log-likelihoods
            (:meth:`_Loglike.many` evaluates the 2 x k shifted parameter vectors
            together); the log-likelihood at ``params`` itself, which statsmodels
            computes but does not use for a centred gradient, is left out.
            """
            from statsmodels.tools.numdiff import _get_epsilon

            x = np.asarray(params)
            n = len(x)
            self.loglike(x) if self._loglike_ is None else None
            eps = _get_epsilon(x, 3, None, n) / 2.0
            shift = np.zeros((n, n))
            shift[np.arange(n), np.arange(n)] = eps
            f = self._loglike_.many(np.concatenate([x + shift, x - shift]))  # type: ignore[union-attr]
            return (f[:n] - f[n:]) / (2 * eps)

        def hessian(self, params: np.ndarray) -> np.ndarray:
            """statsmodels' numerical Hessian (``approx_hess3``), its values exactly, the shifts evaluated together."""
            from statsmodels.tools.numdiff import _get_epsilon

            x = np.asarray(params)
            n = len(x)
            self.loglike(x) if self._loglike_ is None else None
            h = _get_epsilon(x, 4, None, n)
            ee = np.diag(h)
            hess = np.outer(h, h)
            pairs = [(i, j) for i in range(n) for j in range(i, n)]
            shifted = [v for i, j in pairs for v in (x + ee[i, :] + ee[j, :], x + ee[i, :] - ee[j, :],
                                                     x - ee[i, :] + ee[j, :], x - ee[i, :] - ee[j, :])]
            f = self._loglike_.many(np.array(shifted)).reshape(-1, 4)  # type: ignore[union-attr]
            for (i, j), (a, b, c, d) in zip(pairs, f):
                hess[i, j] = (a - b - (c - d)) / (4.0 * hess[i, j])
                hess[j, i] = hess[i, j]
            return hess

    return _LogitOrderedModel


def _fit(y: pd.Series, X: pd.DataFrame, maxiter: int) -> tuple[object, bool]:
    mod = _logit_model()(y, X.reset_index(drop=True), distr="logit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mod.fit(method="bfgs", maxiter=maxiter, disp=False, gtol=1e-8)
    return res, bool(res.mle_retvals.get("converged", False))


def proportional_odds(
    y: np.ndarray, X: pd.DataFrame, *, terms: Mapping[str, Sequence[str]] | None = None,
    confidence: float = 0.95, maxiter: int = 2000, what: str = "the outcome",
) -> OrdinalFit:
    """Fit ``logit P(Y <= k | x) = zeta_k - x'beta`` by maximum likelihood (BFGS).

    The parameterisation of R ``MASS::polr`` and statsmodels
    ``OrderedModel(distr="logit")``; thresholds reported as ``zeta_k``.

    Parameters
    ----------
    y : numpy.ndarray
        Outcome values (no NaN); the distinct values are the ordered categories (at least 2).
    X : pandas.DataFrame
        Numeric terms (no NaN, none constant), one row per observation of ``y``.
    terms : mapping or None
        Predictor variable -> its columns of ``X`` (for the likelihood-ratio
        tests); default one variable per column.
    confidence : float
        Level of the odds-ratio intervals.
    maxiter : int
        Maximum BFGS iterations.
    what : str
        Name of the outcome in warnings.

    Returns
    -------
    OrdinalFit

    Warns
    -----
    ConvergenceWarning
        If a fit does not converge.
    SmallCellWarning
        For an extreme or undefined estimate (likely separation).
    """
    check_level(confidence)
    check_whole(maxiter, "maxiter", 1)
    yv = np.asarray(y, dtype=float)
    terms = {c: [c] for c in X.columns} if terms is None else {k: list(v) for k, v in terms.items()}
    cols = [c for v in terms.values() for c in v]
    levels_y = np.unique(yv)
    if len(levels_y) < 2 or X.shape[1] == 0 or len(yv) != len(X) or np.isnan(yv).any():
        raise ArgumentError("proportional_odds needs an outcome with at least 2 values, no NaN, and >= 1 term.")
    log = WarningLog()
    n = len(yv)
    ycat = pd.Series(pd.Categorical(yv, categories=levels_y, ordered=True))
    counts = ycat.value_counts(sort=False).to_numpy(dtype=float)
    ll_null = float(np.sum(counts * np.log(counts / n)))
    res, ok = _fit(ycat, X[cols], maxiter)
    if not ok:
        log.warn(f"the ordinal regression of {what} did not converge within {maxiter} iterations", ConvergenceWarning)
    params, bse = res.params, res.bse
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    rows = []
    for t in cols:
        b, se = float(params[t]), float(bse[t])
        if not np.isfinite(se) or abs(b) > 15:
            log.warn(f"term {t!r} has an extreme or undefined estimate (beta {b:.3g}, se {se:.3g}); likely separation")
        rows.append(("wald", t, b / se, 1.0, float(2 * stats.norm.sf(abs(b / se))), math.exp(b),
                     math.exp(b - z * se), math.exp(b + z * se)))
    ll_full = float(res.llf)
    for v, v_terms in terms.items():
        keep = [t for t in cols if t not in v_terms]
        if keep:
            r_res, r_ok = _fit(ycat, X[keep], maxiter)
            if not r_ok:
                log.warn(f"the reduced ordinal regression without {v!r} did not converge", ConvergenceWarning)
            ll_red = float(r_res.llf)
        else:
            ll_red = ll_null
        lr = max(0.0, 2 * (ll_full - ll_red))
        rows.append(("lr", v, lr, float(len(v_terms)), float(stats.chi2.sf(lr, len(v_terms))), math.nan, math.nan,
                     math.nan))
    lr_all = max(0.0, 2 * (ll_full - ll_null))
    rows.append(("lr", "(all)", lr_all, float(len(cols)), float(stats.chi2.sf(lr_all, len(cols))), math.nan,
                 math.nan, math.nan))
    k = len(levels_y) - 1
    th = np.asarray(params[-k:], dtype=float)
    thresholds = pd.Series(
        np.concatenate([[th[0]], th[0] + np.cumsum(np.exp(th[1:]))]),
        index=[f"{levels_y[i]:g}|{levels_y[i + 1]:g}" for i in range(k)],
    )
    return OrdinalFit(pd.DataFrame(rows, columns=list(ORDINAL_COLUMNS)), thresholds, ll_full, n, tuple(log.messages))
