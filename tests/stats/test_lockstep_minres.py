"""extract_minres_many (scipy's L-BFGS-B kernel driven for many fits side by side) against extract (scipy's
``optimize.minimize``), to the last bit, on random correlation matrices, among them fits that stop abnormally
or at a bound (the omega bootstrap of stats.reliability and the factor bootstrap rest on it)."""

from __future__ import annotations

import numpy as np
import pytest

from samanalyse.stats.factor.extraction import _minres_obj, _minres_values, extract, extract_minres_many


def _problems(seed: int, count: int, p: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        x = rng.integers(1, 5, (60, p)).astype(float) + rng.normal(size=(60, 1)) * rng.uniform(0, 2)
        out.append(np.corrcoef(x, rowvar=False))
    return out


def _same(a, b) -> bool:
    return (np.array_equal(a.loadings, b.loadings) and np.array_equal(a.psi, b.psi) and a.objective == b.objective
            and a.iterations == b.iterations and a.converged == b.converged and a.message == b.message)


@pytest.mark.parametrize("p,k", [(3, 1), (5, 1), (8, 1), (6, 2), (12, 2)])
def test_many_fits_side_by_side_take_each_scipys_steps(p, k):
    rs = _problems(p + k, 60, p)
    many = extract_minres_many(rs, k)
    assert len(many) == len(rs)
    assert all(_same(extract(r, k, "minres"), mine) for r, mine in zip(rs, many))
    messages = {m.message for m in many}
    assert len(messages) > 1 or p == 3, messages     # the set covers more than one way of stopping


def test_a_common_start_is_used_for_every_fit():
    rs = _problems(2, 20, 5)
    start = np.full(5, 0.5)
    assert all(_same(extract(r, 1, "minres", start=start), mine)
               for r, mine in zip(rs, extract_minres_many(rs, 1, start)))


def test_a_scipy_with_another_kernel_gets_the_fits_one_by_one(monkeypatch):
    """scipy before its C L-BFGS-B (the declared minimum is 1.11) has a kernel with other arguments: then the
    fits are extract()'s, one by one, with the same k and start."""
    from samanalyse.stats.factor import extraction

    monkeypatch.setattr(extraction, "_lockstep_kernel", lambda: None)
    rs = _problems(4, 6, 5)
    start = np.full(5, 0.4)
    assert all(_same(extract(r, 2, "minres", start=start), mine)
               for r, mine in zip(rs, extract_minres_many(rs, 2, start)))


@pytest.mark.parametrize("p,k", [(4, 1), (10, 2), (21, 3)])
def test_the_stacked_criterion_is_each_pairs_to_the_last_bit(p, k):
    """_minres_values computes the criterion and gradient of a whole stack at once (one eigh, sums of squares
    along the rows, one matrix-vector product per pair): each pair's numbers are _minres_obj's, bit for bit,
    also for rows long enough for numpy's unrolled summation (p - k >= 8)."""
    rng = np.random.default_rng(p)
    rs = np.stack(_problems(p, 40, p))
    psi = rng.uniform(0.005, 1.0, (40, p))
    f, g = _minres_values(rs, psi, k)
    assert f.shape == (40,) and g.shape == (40, p)
    for i in range(40):
        f0, g0 = _minres_obj(psi[i], rs[i], k)
        assert f0 == f[i] and np.array_equal(g0, g[i])
