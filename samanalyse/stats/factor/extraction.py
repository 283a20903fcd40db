"""Factor extraction as psych::fa does it: squared multiple correlations, minres and ML.

One implementation for every factor model in the package (the exploratory
factor analysis of the priorities, McDonald's omega): :func:`extract` fits
``k`` factors to a correlation matrix by minimising the minres (unweighted
least squares) or ML criterion over the uniquenesses with L-BFGS-B, bounded
below by psych's 0.005, starting from ``1 - smc``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize

__all__ = ["PSI_LOWER", "Extraction", "smc", "extract"]

#: psych's lower bound on uniquenesses.
PSI_LOWER = 0.005


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations, as ``psych::smc`` for a correlation matrix.

    A singular matrix is inverted with the pseudo-inverse; values are clipped to [0, 1].
    """
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    return np.clip(1.0 - 1.0 / np.diag(inv), 0.0, 1.0)


@dataclass(frozen=True)
class Extraction:
    """Unrotated loadings, uniquenesses and how the optimiser ended."""

    loadings: np.ndarray
    psi: np.ndarray
    converged: bool
    iterations: int
    objective: float
    message: str


def _minres_obj(psi: np.ndarray, r: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    s = r.copy()
    s.flat[:: r.shape[0] + 1] -= psi  # r - diag(psi), the same numbers without building diag(psi)
    vals, vecs = np.linalg.eigh(s)  # ascending
    rest_v = vals[: len(vals) - k]
    rest_u = vecs[:, : len(vals) - k]
    f = 0.5 * float(np.sum(rest_v**2))
    g = -(rest_u**2) @ rest_v
    return f, g


def _minres_loadings(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh(r - np.diag(psi))
    vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    return vecs * np.sqrt(np.maximum(vals, 0.0))


def _ml_obj(psi: np.ndarray, r: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    sc = 1.0 / np.sqrt(psi)
    sstar = r * np.outer(sc, sc)
    vals, vecs = np.linalg.eigh(sstar)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    e = vals[k:]
    f = -(float(np.sum(np.log(e) - e)) - k + r.shape[0])
    load = vecs[:, :k] * np.sqrt(np.maximum(vals[:k] - 1.0, 0.0))
    load = load * np.sqrt(psi)[:, None]
    g = (np.sum(load**2, axis=1) + psi - np.diag(r)) / psi**2
    return f, g


def _ml_loadings(psi: np.ndarray, r: np.ndarray, k: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(r * np.outer(sc, sc))
    vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    return (vecs * np.sqrt(np.maximum(vals - 1.0, 0.0))) * np.sqrt(psi)[:, None]


def extract(r: np.ndarray, k: int, method: Literal["minres", "ml"], start: np.ndarray | None = None,
             engine: Literal["native", "factor_analyzer"] = "native") -> Extraction:
    """Fit ``k`` factors to the correlation matrix ``r`` (``psych::fa(fm = "minres" | "ml")``, unrotated).

    Parameters
    ----------
    r : numpy.ndarray
        A correlation matrix.
    k : int
        Number of factors.
    method : {"minres", "ml"}
    start : numpy.ndarray, optional
        Starting uniquenesses (default ``1 - smc(r)``).
    engine : {"native", "factor_analyzer"}
        ``factor_analyzer`` cross-checks against that package's fit.

    Returns
    -------
    Extraction
    """
    p = r.shape[0]
    upper = max(1.0, float(np.max(smc(r))))
    if engine == "factor_analyzer":
        from factor_analyzer import FactorAnalyzer

        fa = FactorAnalyzer(n_factors=k, rotation=None, method=method, is_corr_matrix=True,
                            bounds=(PSI_LOWER, upper))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fa.fit(r)
        L = np.asarray(fa.loadings_, float)
        psi = 1.0 - np.sum(L**2, axis=1)
        return Extraction(L, psi, True, 0, float("nan"), "factor_analyzer")
    x0 = 1.0 - smc(r) if start is None else np.asarray(start, float)
    x0 = np.clip(x0, PSI_LOWER, upper)
    fun = _minres_obj if method == "minres" else _ml_obj
    res = optimize.minimize(fun, x0, args=(r, k), jac=True, method="L-BFGS-B",
                            bounds=[(PSI_LOWER, upper)] * p,
                            options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000})
    psi = res.x
    L = _minres_loadings(psi, r, k) if method == "minres" else _ml_loadings(psi, r, k)
    converged = bool(res.success)
    if not converged:
        # L-BFGS-B reports an "abnormal" line search when the criterion is
        # already at its floor (an exactly fitting model): accept the point if
        # the projected gradient vanishes (KKT conditions for the bounds).
        _, g = fun(psi, r, k)
        free = ~(((psi <= PSI_LOWER + 1e-12) & (g > 0)) | ((psi >= upper - 1e-12) & (g < 0)))
        converged = bool(np.all(np.abs(g[free]) < 1e-6))
    return Extraction(L, psi, converged, int(res.nit), float(res.fun), str(res.message))
