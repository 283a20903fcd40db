"""stats.contingency.exact_p (Fisher–Freeman–Halton by enumeration) against a plain enumeration.

The R references (``fisher.test``) are in tests/stats/test_contingency.py and tests/reference/exact_edge.csv;
here the faster enumeration (only the reachable counts generated, log binomials looked up) is compared
with the straightforward one it replaced: every product of first-column counts, filtered, the same
floating-point steps, so the p-values are equal to the bit; and with a third, independent computation
(exact hypergeometric probabilities with integers) to 1e-12.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.special import gammaln

from samanalyse.stats.contingency import exact_p


def _logc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)


def _old_exact_p(table: np.ndarray) -> float | None:
    """The enumeration before the speed-up (form every product, filter it), kept as the reference."""
    t = table if table.shape[1] == 2 else table.T
    if t.shape[1] != 2:
        return None
    m = t.sum(axis=1)
    c1 = int(t[:, 0].sum())
    n = int(m.sum())
    if np.prod(m[:-1] + 1.0) > 2_000_000:
        return None
    sums = np.zeros(1)
    logp = np.zeros(1)
    rest = np.concatenate([np.cumsum(m[::-1])[::-1][1:], [0]])
    for i in range(len(m) - 1):
        x = np.arange(m[i] + 1)
        s = (sums[:, None] + x[None, :]).ravel()
        lp = (logp[:, None] + _logc(np.full_like(x, m[i], dtype=float), x.astype(float))[None, :]).ravel()
        ok = (s <= c1) & (s + rest[i] >= c1)
        sums, logp = s[ok], lp[ok]
    last = c1 - sums
    lp = logp + _logc(np.full_like(last, m[-1], dtype=float), last)
    lp -= _logc(np.array(float(n)), np.array(float(c1)))
    obs = float(np.sum(_logc(m.astype(float), t[:, 0].astype(float))) - _logc(np.array(float(n)), np.array(float(c1))))
    probs = np.exp(lp)
    return min(1.0, float(np.sum(probs[lp <= obs + np.log1p(1e-7)])))


def _integer_exact_p(table: np.ndarray) -> float:
    """Exact probabilities as fractions of integers (math.comb), R's 1e-7 relative tolerance."""
    t = table if table.shape[1] == 2 else table.T
    m = [int(v) for v in t.sum(axis=1)]
    c1, n = int(t[:, 0].sum()), int(t.sum())
    denom = math.comb(n, c1)
    weight = lambda xs: math.prod(math.comb(mi, xi) for mi, xi in zip(m, xs))  # noqa: E731
    obs = weight([int(v) for v in t[:, 0]])
    total = 0
    for xs in itertools.product(*(range(mi + 1) for mi in m[:-1])):
        last = c1 - sum(xs)
        if 0 <= last <= m[-1]:
            w = weight([*xs, last])
            if w <= obs * (1 + 1e-7):
                total += w
    return min(1.0, total / denom)


def _tables(count: int, seed: int, max_n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        r = int(rng.integers(2, 8))
        size = int(rng.integers(2, max_n))
        t = rng.multinomial(size, rng.dirichlet(np.full(2 * r, rng.uniform(0.2, 3)))).reshape(r, 2)
        if rng.random() < 0.5:
            t = t.T
        if (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all():
            out.append(t)
    return out


#: tables of a made-up round's tests (most of each product reachable), and one with a small column total
#: (few reachable): the two ways exact_p builds the tables
ROUND_TABLES = [np.array(t) for t in (
    [[2, 7], [14, 10], [14, 14], [21, 21], [25, 24]], [[1, 1], [5, 3], [14, 9], [11, 15], [15, 22], [15, 32]],
    [[2, 0], [5, 4], [10, 12], [16, 13], [17, 19], [18, 28]], [[4, 1], [9, 2], [15, 5], [25, 5], [35, 6], [30, 8]],
    [[161, 35], [2, 2]], [[160, 37], [3, 0]])]


@pytest.mark.parametrize("table", ROUND_TABLES + _tables(150, 1, 260), ids=lambda t: "x".join(map(str, t.shape)))
def test_exact_p_bit_equal_to_full_enumeration(table: np.ndarray) -> None:
    old = _old_exact_p(table)
    new = exact_p(table)
    assert (old is None and new is None) or new == old


@pytest.mark.parametrize("table", _tables(25, 2, 40), ids=lambda t: "x".join(map(str, t.shape)))
def test_exact_p_matches_integer_enumeration(table: np.ndarray) -> None:
    assert exact_p(table) == pytest.approx(_integer_exact_p(table), rel=1e-12, abs=1e-15)
