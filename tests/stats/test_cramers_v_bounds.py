"""stats.contingency's noncentral chi-square bounds of Cramér's V without the scipy.stats wrappers.

R references of the interval (``effectsize::cramers_v``) are in tests/stats/test_contingency.py; here the
cdf the bisection uses (:func:`samanalyse.stats.contingency._chi2_cdf`) is the value of
``scipy.stats.ncx2.cdf`` / ``chi2.cdf`` to the bit, and the bisection is unchanged, so the bounds are
those of the scipy.stats path.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from samanalyse.stats.contingency import _chi2_cdf


def test_cdf_bit_equal_to_scipy_stats() -> None:
    rng = np.random.default_rng(3)
    for _ in range(500):
        x, df, lam = float(rng.gamma(2, 5)), int(rng.integers(1, 20)), float(rng.choice([0.0, rng.gamma(1, 8)]))
        want = stats.ncx2.cdf(x, df, lam) if lam > 0 else stats.chi2.cdf(x, df)
        assert _chi2_cdf(x, df, lam) == want
    assert _chi2_cdf(0.0, 3, 2.0) == stats.ncx2.cdf(0.0, 3, 2.0)
    assert _chi2_cdf(0.0, 3, 0.0) == stats.chi2.cdf(0.0, 3)
