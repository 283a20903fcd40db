"""Tests of samanalyse.stats.lbfgsb: the same L-BFGS-B steps as scipy.optimize.minimize, to the last bit.

The reference is scipy itself (``minimize(method="L-BFGS-B", jac=True)``) on the package's own
criteria (minres and ML of stats.factor.extraction) for random correlation matrices, among them
fits that stop abnormally or at a bound.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from samanalyse.stats.factor.extraction import PSI_LOWER, _minres_obj, _ml_obj, smc
from samanalyse.stats.lbfgsb import minimize_lbfgsb, minimize_lbfgsb_many

OPTIONS = {"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000}


def _problems(seed: int, count: int, p: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        x = rng.integers(1, 5, (60, p)).astype(float) + rng.normal(size=(60, 1)) * rng.uniform(0, 2)
        out.append(np.corrcoef(x, rowvar=False))
    return out


def _scipy(fun, x0, lower, upper, r, k):
    return optimize.minimize(fun, x0, args=(r, k), jac=True, method="L-BFGS-B", bounds=[(lower, upper)] * len(x0),
                             options=OPTIONS)


def _same(res, mine) -> bool:
    return (np.array_equal(res.x, mine.x) and float(res.fun) == mine.fun and res.nit == mine.nit
            and bool(res.success) == mine.success and res.message == mine.message)


@pytest.mark.parametrize("fun,k", [(_minres_obj, 1), (_minres_obj, 2), (_ml_obj, 1)])
def test_one_problem_takes_scipys_steps(fun, k):
    for r in _problems(1, 40, 6):
        upper = max(1.0, float(np.max(smc(r))))
        x0 = np.clip(1 - smc(r), PSI_LOWER, upper)
        mine = minimize_lbfgsb(lambda x, r=r: fun(x, r, k), x0, PSI_LOWER, upper, **OPTIONS)
        assert _same(_scipy(fun, x0, PSI_LOWER, upper, r, k), mine)


@pytest.mark.parametrize("p", [3, 5, 8])
def test_many_problems_side_by_side_take_each_its_own_steps(p):
    rs = np.array(_problems(p, 60, p))
    upper = np.array([max(1.0, float(np.max(smc(r)))) for r in rs])
    x0 = np.clip(np.array([1 - smc(r) for r in rs]), PSI_LOWER, upper[:, None])

    def fun(which, psi):
        out = [_minres_obj(x, rs[i], 1) for i, x in zip(which, psi)]
        return np.array([f for f, _ in out]), np.array([g for _, g in out])

    many = minimize_lbfgsb_many(fun, x0, np.full(len(rs), PSI_LOWER), upper, **OPTIONS)
    assert len(many) == len(rs)
    for r, x, up, mine in zip(rs, x0, upper, many):
        assert _same(_scipy(_minres_obj, x, PSI_LOWER, up, r, 1), mine)
