"""Factor extraction as psych::fa does it: squared multiple correlations, minres and ML.

One implementation for every factor model in the package (the exploratory
factor analysis of the priorities, McDonald's omega): :func:`extract` fits
``k`` factors to a correlation matrix by minimising the minres (unweighted
least squares) or ML criterion over the uniquenesses with L-BFGS-B, bounded
below by psych's 0.005, starting from ``1 - smc``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import optimize

__all__ = ["PSI_LOWER", "Extraction", "smc", "extract", "extract_minres_many"]

#: psych's lower bound on uniquenesses.
PSI_LOWER = 0.005

#: The L-BFGS-B options of :func:`extract` (scipy's defaults for the others: maxcor 10, maxls 20, maxfun 15000).
_LBFGSB = {"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000}


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
                            options=_LBFGSB)
    return _finish(r, k, method, res.x, bool(res.success), int(res.nit), float(res.fun), str(res.message))


def _finish(r: np.ndarray, k: int, method: str, psi: np.ndarray, converged: bool, nit: int, fun: float,
            message: str) -> Extraction:
    """Loadings and convergence of an optimised psi (the end of :func:`extract`)."""
    L = _minres_loadings(psi, r, k) if method == "minres" else _ml_loadings(psi, r, k)
    if not converged:
        upper = max(1.0, float(np.max(smc(r))))
        fun_ = _minres_obj if method == "minres" else _ml_obj
        # L-BFGS-B reports an "abnormal" line search when the criterion is
        # already at its floor (an exactly fitting model): accept the point if
        # the projected gradient vanishes (KKT conditions for the bounds).
        _, g = fun_(psi, r, k)
        free = ~(((psi <= PSI_LOWER + 1e-12) & (g > 0)) | ((psi >= upper - 1e-12) & (g < 0)))
        converged = bool(np.all(np.abs(g[free]) < 1e-6))
    return Extraction(L, psi, converged, nit, fun, message)


def _minres_values(rs: np.ndarray, xs: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_minres_obj` of several (matrix, psi) pairs: the values (n,) and gradients (n, p), the same
    numbers, bit for bit, computed on the stack (one eigh; the sums of squares reduced along the same
    contiguous rows; the gradients by one matrix-vector product per pair, as the scalar ``@``)."""
    p = rs.shape[1]
    s = rs.copy()
    d = np.arange(p)
    s[:, d, d] -= xs
    vals, vecs = np.linalg.eigh(s)
    rest_v = vals[:, : p - k]
    return 0.5 * np.sum(rest_v**2, axis=1), -np.matmul(vecs[:, :, : p - k] ** 2, rest_v[:, :, None])[:, :, 0]


class _Run:
    """The state of one L-BFGS-B run (scipy's work arrays) between calls of ``setulb``."""

    __slots__ = ("x", "f", "g", "low", "up", "nbd", "wa", "iwa", "task", "ln_task", "lsave", "isave", "dsave",
                 "nit", "nfev")

    def __init__(self, x: np.ndarray, upper: float, m: int) -> None:
        p = x.shape[0]
        self.x, self.f, self.g = x, np.array(0.0), np.zeros(p)
        self.low, self.up, self.nbd = np.full(p, PSI_LOWER), np.full(p, upper), np.full(p, 2, np.int32)
        self.wa = np.zeros(2 * m * p + 5 * p + 11 * m * m + 8 * m)
        self.iwa = np.zeros(3 * p, np.int32)
        self.task, self.ln_task = np.zeros(2, np.int32), np.zeros(2, np.int32)
        self.lsave, self.isave, self.dsave = np.zeros(4, np.int32), np.zeros(44, np.int32), np.zeros(29)
        self.nit, self.nfev = 0, 0

    def advance(self, setulb: Callable[..., None], m: int, factr: float, maxls: int) -> bool:
        """Run until the optimiser asks for a function value (True) or stops (False), as scipy's loop does.

        scipy's ``nfev`` counts the value at the start once, and so does this
        count of the requests; ``g`` is handed back as scipy hands it back.
        """
        gtol, maxiter = _LBFGSB["gtol"], _LBFGSB["maxiter"]
        task = self.task
        while True:
            setulb(m, self.x, self.low, self.up, self.nbd, self.f, self.g, factr, gtol, self.wa, self.iwa, task,
                   self.lsave, self.isave, self.dsave, maxls, self.ln_task)
            t = int(task[0])
            if t == 3:
                self.nfev += 1
                return True
            if t != 1:
                return False
            self.nit += 1
            if self.nit >= maxiter:
                task[0], task[1] = 5, 504
            elif self.nfev > 15000:
                task[0], task[1] = 5, 502


#: The argument list of the scipy L-BFGS-B kernel that :func:`extract_minres_many` drives (scipy's C version;
#: older scipy releases had a Fortran kernel with other arguments).
_SETULB = "setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,lsave,isave,dsave,maxls,ln_task)"


def _lockstep_kernel() -> tuple[Any, Any, Any] | None:
    """scipy's private L-BFGS-B kernel and its messages, or None if this scipy has another one."""
    try:
        from scipy.optimize import _lbfgsb
        from scipy.optimize._lbfgsb_py import status_messages, task_messages
    except ImportError:
        return None
    doc = getattr(getattr(_lbfgsb, "setulb", None), "__doc__", None) or ""
    return (_lbfgsb, status_messages, task_messages) if doc.startswith(_SETULB) else None


def extract_minres_many(rs: Sequence[np.ndarray], k: int, start: np.ndarray | None = None) -> list[Extraction]:
    """``[extract(r, k, "minres", start) for r in rs]``, the L-BFGS-B runs advanced side by side.

    The same optimiser as :func:`extract` (scipy's L-BFGS-B kernel ``setulb``
    driven as ``scipy.optimize.minimize`` drives it, same options), so every
    result is the one of :func:`extract`, bit for bit; the criterion of all
    runs waiting for a value is computed with one stacked ``eigh``, which
    saves scipy's per-call overhead.
    """
    if len(rs) == 0:
        return []
    kernel = _lockstep_kernel()
    if kernel is None:   # a scipy whose private L-BFGS-B kernel is not the one driven here: the fits one by one
        return [extract(np.asarray(r, float), k, "minres", start) for r in rs]
    _lbfgsb, status_messages, task_messages = kernel
    rs = np.asarray(rs, float)
    m, maxls = 10, 20
    factr = _LBFGSB["ftol"] / np.finfo(float).eps
    runs = []
    for r in rs:
        upper = max(1.0, float(np.max(smc(r))))
        x0 = 1.0 - smc(r) if start is None else np.asarray(start, float)
        runs.append(_Run(np.array(np.clip(x0, PSI_LOWER, upper), dtype=np.float64), upper, m))
    waiting = [i for i, run in enumerate(runs) if run.advance(_lbfgsb.setulb, m, factr, maxls)]
    while waiting:
        fs, gs = _minres_values(rs[waiting], np.stack([runs[i].x for i in waiting]), k)
        nxt = []
        for i, f, g in zip(waiting, fs.tolist(), gs):
            run = runs[i]
            run.f, run.g = f, g
            if run.advance(_lbfgsb.setulb, m, factr, maxls):
                nxt.append(i)
        waiting = nxt
    out = []
    for r, run in zip(rs, runs):
        msg = status_messages[run.task[0]] + ": " + task_messages[run.task[1]]
        out.append(_finish(r, k, "minres", run.x, bool(run.task[0] == 4), run.nit, float(run.f), msg))
    return out
