"""Reliability of a set of item scores: Cronbach's alpha, McDonald's omega, item–rest statistics.

Generic: the input is a numeric score matrix (a DataFrame, one column per
item, no missing values: the caller applies listwise deletion). The
codebook-aware wrappers that score answers first are in
:mod:`samanalyse.analysis.indices`.

- :func:`cronbach_alpha`: raw and standardised alpha, the Feldt interval and
  the Duhachek–Iacobucci standard error, item–rest correlations and
  alpha-if-dropped, as R ``psych::alpha`` reports them.
- :func:`mcdonald_omega`: omega total from a one-factor minres model
  (:func:`samanalyse.stats.factor.extraction.extract`, the package's one
  minres), as ``psych::omega(x, nfactors = 1)``, with a percentile bootstrap interval.
- :func:`item_rest`: the per-item table alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from samanalyse.errors import ArgumentError, ConvergenceWarning, HeywoodWarning
from samanalyse.stats._checks import WarningLog, check_level, check_seed, check_whole
from samanalyse.stats.factor.checks import blas_single_thread
from samanalyse.stats.factor.extraction import PSI_LOWER, extract_minres_many

__all__ = ["ITEM_REST_COLUMNS", "AlphaResult", "OmegaResult", "cronbach_alpha", "item_rest", "mcdonald_omega"]

#: Fixed columns of :func:`item_rest` (and :attr:`AlphaResult.items`).
ITEM_REST_COLUMNS: tuple[str, ...] = (
    "item", "n", "mean", "sd", "r_total", "r_rest", "alpha_if_dropped", "std_alpha_if_dropped",
)


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of an item set.

    Attributes
    ----------
    alpha : float
        Raw alpha ``k/(k-1) (1 - sum var_i / var_total)`` from the covariance matrix
        (psych's ``raw_alpha``).
    std_alpha : float
        Standardised alpha ``k r / (1 + (k-1) r)``, r the mean inter-item correlation.
    average_r : float
        Mean inter-item (Pearson) correlation.
    ci_low, ci_high : float
        Feldt interval ``1 - (1 - alpha) F_{1-a/2, 1-a/2}(n-1, (n-1)(k-1))``
        (psych ``alpha.ci``, printed as "Feldt").
    ase : float
        Asymptotic standard error of Duhachek & Iacobucci (2004), psych's ``ase``
        (its "Duhachek" interval is ``alpha -/+ 1.96 ase``).
    n : int
        Respondents used (complete on all items).
    n_items : int
        Number of items.
    confidence : float
        Level of the Feldt interval.
    items : pandas.DataFrame
        Per item: :data:`ITEM_REST_COLUMNS`.
    scoring : str
        How items were scored (set by the caller; ``"numeric"`` here).
    warnings : tuple of str
        Warnings raised (also emitted).
    """

    alpha: float
    std_alpha: float
    average_r: float
    ci_low: float
    ci_high: float
    ase: float
    n: int
    n_items: int
    confidence: float
    items: pd.DataFrame = field(repr=False)
    scoring: str = "numeric"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total of an item set from a one-factor model.

    Attributes
    ----------
    omega_total : float
        ``1 - sum(u2) / sum(R)``: ``u2 = 1 - lambda^2`` the uniquenesses of a
        one-factor minres (unweighted least squares) fit to the Pearson
        correlation matrix R, ``sum(R)`` the sum of all entries of R — the
        value R ``psych::omega(x, nfactors = 1)`` prints as ``omega.tot``.
    omega_model : float
        The textbook ``(sum lambda)^2 / ((sum lambda)^2 + sum u2)`` from the same fit.
    loadings : pandas.Series
        One-factor loadings (signs chosen so their sum is positive).
    ci_low, ci_high : float
        Percentile bootstrap interval of ``omega_total``.
    n, n_items, n_boot : int
        Respondents used, items, bootstrap resamples.
    seed : int or None
        Seed of the bootstrap (None without one).
    confidence : float
        Level of the interval.
    estimator : str
        Description of the estimator.
    warnings : tuple of str
        Warnings raised (also emitted).
    """

    omega_total: float
    omega_model: float
    loadings: pd.Series = field(repr=False)
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: int = 0
    n_items: int = 0
    n_boot: int = 0
    seed: int | None = None
    confidence: float = 0.95
    estimator: str = ""
    warnings: tuple[str, ...] = ()


def _check_scores(x: object, minimum: int) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame):
        raise ArgumentError(f"scores must be a pandas DataFrame (one column per item); got {type(x).__name__}.")
    if x.shape[1] < minimum:
        raise ArgumentError(f"Need at least {minimum} items; got {x.shape[1]}: {list(x.columns)!r}.")
    return x.astype(float).dropna(axis=0, how="any")


def _alpha_from_cov(C: np.ndarray) -> float:
    k = C.shape[0]
    total = C.sum()
    if not np.isfinite(total) or total <= 0:
        return math.nan
    return k / (k - 1) * (1 - np.trace(C) / total)


def _std_alpha(R: np.ndarray) -> tuple[float, float]:
    k = R.shape[0]
    rbar = (R.sum() - np.trace(R)) / (k * (k - 1))
    return k * rbar / (1 + (k - 1) * rbar), rbar


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.std(a) == 0 or np.std(b) == 0:
        return math.nan
    return float(np.corrcoef(a, b)[0, 1])


def _item_table(x: pd.DataFrame) -> pd.DataFrame:
    X = x.to_numpy(dtype=float)
    n, k = X.shape
    total = X.sum(axis=1)
    rows = []
    for j, it in enumerate(x.columns):
        others = [i for i in range(k) if i != j]
        with np.errstate(invalid="ignore", divide="ignore"):
            sub = X[:, others]
            a_drop = _alpha_from_cov(np.cov(sub, rowvar=False)) if len(others) >= 2 else math.nan
            sa_drop = _std_alpha(np.corrcoef(sub, rowvar=False))[0] if len(others) >= 2 else math.nan
            rows.append({
                "item": it, "n": n, "mean": float(X[:, j].mean()) if n else math.nan,
                "sd": float(X[:, j].std(ddof=1)) if n > 1 else math.nan,
                "r_total": _corr(X[:, j], total), "r_rest": _corr(X[:, j], total - X[:, j]),
                "alpha_if_dropped": a_drop, "std_alpha_if_dropped": sa_drop,
            })
    return pd.DataFrame(rows, columns=list(ITEM_REST_COLUMNS))


def _usable(x: pd.DataFrame, log: WarningLog, what: str) -> bool:
    """Warn about too few respondents or constant items; False if nothing can be computed."""
    n = len(x)
    if n < 2:
        log.warn(f"{what}: only {n} respondent(s) with a score on every item; result is NaN")
        return False
    const = [c for c in x.columns if x[c].nunique() < 2]
    if const:
        log.warn(
            f"{what}: item(s) {', '.join(map(repr, const))} have the same score for every respondent "
            "(zero variance); correlations involving them are NaN"
        )
    return True


def cronbach_alpha(scores: pd.DataFrame, *, confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha with Feldt interval, item–rest correlations and alpha-if-dropped.

    Parameters
    ----------
    scores : pandas.DataFrame
        Numeric scores, one column per item (at least two); rows with a
        missing score are left out (listwise deletion).
    confidence : float
        Level of the Feldt interval.

    Returns
    -------
    AlphaResult
        Matches R ``psych::alpha(x, check.keys = FALSE)`` on complete data:
        ``raw_alpha``, ``std.alpha``, ``average_r``, ``ase``, ``feldt``,
        ``item.stats$r.drop`` (``r_rest``), ``item.stats$raw.r`` (``r_total``),
        ``alpha.drop$raw_alpha``/``std.alpha``.

    Warns
    -----
    SmallCellWarning
        Fewer than two complete respondents (all NaN) or an item without variance.
    """
    check_level(confidence)
    x = _check_scores(scores, 2)
    log = WarningLog()
    n, k = x.shape
    if not _usable(x, log, "cronbach_alpha"):
        empty = pd.DataFrame({"item": list(x.columns), "n": n}, columns=list(ITEM_REST_COLUMNS))
        return AlphaResult(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, n, k, confidence, empty,
                           warnings=tuple(log.messages))
    X = x.to_numpy(dtype=float)
    C = np.cov(X, rowvar=False)
    alpha = _alpha_from_cov(C)
    if not np.isfinite(alpha):
        log.warn("cronbach_alpha: the total score has no variance; alpha is NaN")
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.corrcoef(X, rowvar=False)
    std_alpha, rbar = _std_alpha(R)
    a = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # F quantiles by scipy.special.fdtri, which scipy.stats.f.ppf calls (the same numbers, NaN for df <= 0),
    # without importing scipy.stats: the report computes this in a process that has not imported it (issue 17)
    lo = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - a / 2)
    hi = 1 - (1 - alpha) * special.fdtri(df1, df2, a / 2)
    # Duhachek & Iacobucci (2004) ASE, psych::alpha's formula
    sC, tC, CC = C.sum(), np.trace(C), C @ C
    Q = (2 * k**2 / ((k - 1) ** 2 * sC**3)) * (sC * (np.trace(CC) + tC**2) - 2 * tC * CC.sum())
    ase = math.sqrt(Q / n) if Q >= 0 else math.nan
    if alpha < 0:
        log.warn(
            f"cronbach_alpha: alpha is negative ({alpha:.3f}); items may need reverse keying or do not form a scale"
        )
    return AlphaResult(float(alpha), float(std_alpha), float(rbar), float(lo), float(hi), float(ase), n, k,
                       confidence, _item_table(x), warnings=tuple(log.messages))


def item_rest(scores: pd.DataFrame) -> pd.DataFrame:
    """Item statistics: item–total and item–rest correlations, alpha if the item is dropped.

    Returns
    -------
    pandas.DataFrame
        One row per item, :data:`ITEM_REST_COLUMNS`. ``r_rest`` is the
        correlation of the item with the sum of the *other* items (psych
        ``r.drop``), ``r_total`` with the sum of all items (psych ``raw.r``).
        Listwise deletion over all items.
    """
    x = _check_scores(scores, 2)
    if not _usable(x, WarningLog(), "item_rest"):
        return pd.DataFrame({"item": list(x.columns), "n": len(x)}, columns=list(ITEM_REST_COLUMNS))
    return _item_table(x)


def _omega_from_loadings(R: np.ndarray, lam: np.ndarray) -> tuple[float, float]:
    u2 = 1 - lam**2
    return float(1 - u2.sum() / R.sum()), float(lam.sum() ** 2 / (lam.sum() ** 2 + u2.sum()))


def _one_factor_many(Rs: np.ndarray, start: np.ndarray | None = None) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The one-factor minres fit of each matrix of ``Rs``: (loadings, uniquenesses, converged) each.

    Started at ``start`` (every fit), else at ``1 - smc`` of each matrix; loadings summing to less
    than 0 are reflected. The fits are :func:`~samanalyse.stats.factor.extraction.extract`'s
    (``minres``, one factor), run side by side by
    :func:`~samanalyse.stats.factor.extraction.extract_minres_many`: each fit takes the same steps
    as alone, the criterion of every resample computed at once.
    """
    out = []
    for fit in extract_minres_many(list(Rs), 1, start):
        lam = fit.loadings[:, 0]
        out.append((lam if lam.sum() >= 0 else -lam, fit.psi, fit.converged))
    return out


def _bootstrap(X: np.ndarray, psi: np.ndarray, n_boot: int, seed: int, confidence: float,
               log: WarningLog) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    Rs, failed = [], 0
    with blas_single_thread():  # hundreds of tiny fits: a multi-threaded BLAS only waits (see blas_single_thread)
        for _ in range(n_boot):
            Xb = X[rng.integers(0, n, n)]
            if np.any(Xb.std(axis=0) == 0):
                failed += 1
                continue
            Rs.append(np.corrcoef(Xb, rowvar=False))
        Rb = np.array(Rs).reshape(len(Rs), X.shape[1], X.shape[1])
        vals = []
        for r, (lb, _, okb) in zip(Rb, _one_factor_many(Rb, psi)):
            if not okb:
                failed += 1
                continue
            vals.append(_omega_from_loadings(r, lb)[0])
    if failed > 0.05 * n_boot:
        log.warn(
            f"mcdonald_omega: {failed} of {n_boot} bootstrap resamples failed (constant item or no convergence); "
            "the interval rests on the others"
        )
    if not vals:
        return math.nan, math.nan
    a = 1 - confidence
    lo, hi = (float(v) for v in np.quantile(vals, [a / 2, 1 - a / 2]))
    return lo, hi


def mcdonald_omega(
    scores: pd.DataFrame, *, confidence: float = 0.95, n_boot: int = 0, seed: int | None = None,
) -> OmegaResult:
    """McDonald's omega total from a one-factor minres model, with a bootstrap interval.

    Estimator: one-factor minres (unweighted least squares) on the Pearson
    correlation matrix with :func:`samanalyse.stats.factor.extraction.extract`
    (psych's criterion, uniquenesses bounded below by ``PSI_LOWER``); omega
    total ``= 1 - sum(1 - lambda^2) / sum(R)`` as ``psych::omega(x, nfactors = 1)``
    (``fm = "minres"``, Pearson correlations). Unlike psych, items with a
    negative loading are *not* reversed (a warning says so). The interval is
    a percentile bootstrap over respondents (``n_boot`` resamples, ``seed``,
    each refit started at the full-sample uniquenesses); resamples in which an
    item has no variance are skipped.

    Parameters
    ----------
    scores : pandas.DataFrame
        Numeric scores, one column per item (at least three, so that the
        one-factor model is identified); listwise deletion.
    confidence : float
        Level of the bootstrap interval.
    n_boot : int
        Bootstrap resamples (0: no interval).
    seed : int or None
        Seed of ``numpy.random.default_rng``; required when ``n_boot > 0``.

    Returns
    -------
    OmegaResult

    Warns
    -----
    HeywoodWarning
        A uniqueness at its lower bound (communality at or near 1).
    ConvergenceWarning
        The minres fit did not converge.
    SmallCellWarning
        Too few respondents, items without variance, or many failed resamples.
    """
    check_level(confidence)
    check_whole(n_boot, "n_boot", 0)
    if n_boot > 0:
        if seed is None:
            raise ArgumentError("mcdonald_omega's bootstrap needs a seed: pass seed=... (or n_boot=0).")
        check_seed(seed)
    x = _check_scores(scores, 3)
    items = list(x.columns)
    log = WarningLog()
    n, k = x.shape
    estimator = (
        "one-factor minres (ULS) on Pearson correlations (samanalyse.stats.factor.extraction); "
        "omega_total = 1 - sum(u2)/sum(R) (psych::omega nfactors=1); "
        f"percentile bootstrap CI, {n_boot} resamples, numpy default_rng(seed={seed})"
    )
    nan_load = pd.Series(np.nan, index=items)
    if not _usable(x, log, "mcdonald_omega") or any(x[c].nunique() < 2 for c in x.columns):
        if n >= 2:
            log.warn("mcdonald_omega: an item without variance leaves the correlation matrix undefined; omega is NaN")
        return OmegaResult(math.nan, math.nan, nan_load, n=n, n_items=k, n_boot=n_boot, seed=seed,
                           confidence=confidence, estimator=estimator, warnings=tuple(log.messages))
    X = x.to_numpy(dtype=float)
    R = np.corrcoef(X, rowvar=False)
    lam, psi, ok = _one_factor_many(R[None])[0]
    if not ok:
        log.warn("mcdonald_omega: the one-factor minres fit did not converge", ConvergenceWarning)
    if np.any(psi <= PSI_LOWER * (1 + 1e-9)):
        bad = [items[i] for i in np.flatnonzero(psi <= PSI_LOWER * (1 + 1e-9))]
        log.warn(f"mcdonald_omega: Heywood case, communality at its bound for {', '.join(map(repr, bad))}",
                 HeywoodWarning)
    if np.any(lam < 0):
        neg = [items[i] for i in np.flatnonzero(lam < 0)]
        log.warn(
            f"mcdonald_omega: negative loading(s) for {', '.join(map(repr, neg))}; reverse-key them before "
            "computing omega (psych would flip them)"
        )
    omega_tot, omega_model = _omega_from_loadings(R, lam)
    lo, hi = _bootstrap(X, psi, n_boot, seed, confidence, log) if n_boot > 0 else (math.nan, math.nan)
    return OmegaResult(omega_tot, omega_model, pd.Series(lam, index=items, name="loading"), lo, hi, n, k, n_boot,
                       seed, confidence, estimator, tuple(log.messages))
