"""L-BFGS-B with simple bounds, as ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` runs it, without its overhead.

``scipy.optimize.minimize`` wraps the objective in several layers (bounds standardisation, a
memoising :class:`~scipy.optimize._differentiable_functions.ScalarFunction`, array-API checks)
that cost more than the objective itself when it is a small eigen-decomposition called a few
thousand times (the bootstrap of McDonald's omega). :func:`minimize_lbfgsb` drives the same
compiled L-BFGS-B routine (``scipy.optimize._lbfgsb.setulb``) with the same arguments and the same
sequence of points, so its result is the same to the last bit (tested against ``minimize``); when
that routine is not there in the installed SciPy, it calls ``minimize`` itself.
:func:`minimize_lbfgsb_many` runs many such problems side by side, each with its own L-BFGS-B state,
and evaluates the objective of every problem that asks for a new point in one call, so that the
objective can be computed for all of them with stacked array operations; each problem still takes
exactly the steps it would take alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["LbfgsbResult", "minimize_lbfgsb", "minimize_lbfgsb_many"]

try:  # the compiled routine scipy.optimize.minimize uses (SciPy >= 1.15: the C translation)
    from scipy.optimize import _lbfgsb
    from scipy.optimize._lbfgsb_py import status_messages as _STATUS, task_messages as _TASK
except ImportError:  # pragma: no cover - another SciPy layout: fall back on minimize
    _lbfgsb = None

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
#: ``fun(which, points) -> (values, gradients)``: the objectives of problems ``which`` at ``points`` (one row each).
ManyObjective = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class LbfgsbResult:
    """Where L-BFGS-B ended: the fields of scipy's ``OptimizeResult`` a caller reads."""

    x: np.ndarray
    fun: float
    success: bool
    nit: int
    message: str


def _scipy(fun: Objective, x0: np.ndarray, lower: float, upper: float, ftol: float, gtol: float,
           maxiter: int) -> LbfgsbResult:
    from scipy import optimize

    res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=[(lower, upper)] * x0.size,
                            options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter})
    return LbfgsbResult(res.x, float(res.fun), bool(res.success), int(res.nit), str(res.message))


class _State:
    """The working arrays of one L-BFGS-B problem (scipy's ``_minimize_lbfgsb`` locals)."""

    def __init__(self, x0: np.ndarray, lower: float, upper: float, maxcor: int) -> None:
        n = x0.size
        self.low, self.up = np.full(n, float(lower)), np.full(n, float(upper))
        self.x = np.array(np.clip(x0, self.low, self.up), dtype=np.float64)
        self.nbd = np.full(n, 2, np.int32)   # both bounds finite
        m = maxcor
        self.wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, np.float64)
        self.iwa = np.zeros(3 * n, np.int32)
        self.task, self.ln_task = np.zeros(2, np.int32), np.zeros(2, np.int32)
        self.lsave, self.isave, self.dsave = np.zeros(4, np.int32), np.zeros(44, np.int32), np.zeros(29, np.float64)
        # scipy evaluates at the start when it builds its ScalarFunction, and again only at a new point
        self.last = self.x.copy()
        self.f, self.g = 0.0, np.zeros(n)
        self.nfev, self.nit = 1, 0

    def step(self, factr: float, gtol: float, maxcor: int, maxls: int, maxiter: int, maxfun: int) -> bool:
        """Run L-BFGS-B until it needs the objective at a new point (True) or has ended (False)."""
        while True:
            self.g = np.asarray(self.g).astype(np.float64)
            _lbfgsb.setulb(maxcor, self.x, self.low, self.up, self.nbd, self.f, self.g, factr, gtol, self.wa,
                           self.iwa, self.task, self.lsave, self.isave, self.dsave, maxls, self.ln_task)
            task = self.task
            if task[0] == 3:
                if not np.array_equal(self.x, self.last):
                    self.last = self.x.copy()
                    self.nfev += 1
                    return True
            elif task[0] == 1:
                self.nit += 1
                if self.nit >= maxiter:
                    task[0], task[1] = 5, 504
                elif self.nfev > maxfun:
                    task[0], task[1] = 5, 502
            else:
                return False

    def result(self) -> LbfgsbResult:
        message = _STATUS[self.task[0]] + ": " + _TASK[self.task[1]]
        return LbfgsbResult(self.x, float(self.f), bool(self.task[0] == 4), self.nit, message)


def minimize_lbfgsb(fun: Objective, x0: np.ndarray, lower: float, upper: float, *, ftol: float, gtol: float,
                    maxiter: int, maxcor: int = 10, maxls: int = 20, maxfun: int = 15000) -> LbfgsbResult:
    """Minimise ``fun`` (value and gradient) over ``lower <= x <= upper`` with L-BFGS-B.

    The same as ``scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=[(lower,
    upper)] * len(x0), options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter})`` (and scipy's
    defaults for ``maxcor``, ``maxls``, ``maxfun``), point by point.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (value, gradient)``; called with a copy of the point.
    x0 : numpy.ndarray
        Starting point (clipped to the bounds).
    lower, upper : float
        Bounds of every coordinate (finite, ``lower < upper``).
    ftol, gtol, maxiter, maxcor, maxls, maxfun
        scipy's L-BFGS-B options of the same names.

    Returns
    -------
    LbfgsbResult
    """
    x0 = np.asarray(x0, dtype=float).ravel()
    if _lbfgsb is None:  # pragma: no cover
        return _scipy(fun, x0, lower, upper, ftol, gtol, maxiter)
    st = _State(x0, lower, upper, maxcor)
    st.f, st.g = fun(st.last.copy())
    factr = ftol / np.finfo(float).eps
    while st.step(factr, gtol, maxcor, maxls, maxiter, maxfun):
        st.f, st.g = fun(st.last.copy())
    return st.result()


def minimize_lbfgsb_many(fun: ManyObjective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, ftol: float,
                         gtol: float, maxiter: int, maxcor: int = 10, maxls: int = 20, maxfun: int = 15000
                         ) -> list[LbfgsbResult]:
    """:func:`minimize_lbfgsb` of many problems at once, the objective asked for all that need it together.

    Parameters
    ----------
    fun : callable
        ``fun(which, points) -> (values, gradients)``: for the problems numbered ``which`` (an integer
        array), their objectives at ``points`` (one row per problem; a copy) and the gradients (one row each).
    x0 : numpy.ndarray
        Starting points, one row per problem.
    lower, upper : numpy.ndarray
        Each problem's bounds (one value for all its coordinates).
    ftol, gtol, maxiter, maxcor, maxls, maxfun
        As :func:`minimize_lbfgsb`.

    Returns
    -------
    list of LbfgsbResult
        One per problem, each the same as :func:`minimize_lbfgsb` of that problem alone.
    """
    x0 = np.atleast_2d(np.asarray(x0, dtype=float))
    if _lbfgsb is None:  # pragma: no cover
        return [_scipy(lambda x, i=i: tuple(v[0] for v in fun(np.array([i]), x[None])), x0[i], lower[i], upper[i],
                       ftol, gtol, maxiter) for i in range(len(x0))]
    states = [_State(x0[i], lower[i], upper[i], maxcor) for i in range(len(x0))]
    factr = ftol / np.finfo(float).eps
    todo = np.arange(len(states))
    while todo.size:
        f, g = fun(todo, np.array([states[i].last for i in todo]))
        for i, fi, gi in zip(todo, f, g):
            states[i].f, states[i].g = float(fi), gi
        todo = np.array([i for i in todo if states[i].step(factr, gtol, maxcor, maxls, maxiter, maxfun)], dtype=int)
    return [st.result() for st in states]
