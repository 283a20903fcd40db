"""stats.ordinal's log-likelihood against statsmodels' own (bit for bit), and the fits against the old path.

The R references of the ordinal regression (``MASS::polr``) are in tests/analysis/test_tests.py; here:
:func:`samanalyse.stats.ordinal.logit_loglike` (with and without the pattern shortcut) gives the very
floats of statsmodels ``OrderedModel(distr="logit").loglike``, so the fits (BFGS path, numerical
gradient and Hessian) are those statsmodels gives unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samanalyse.stats.ordinal import (
    _logit_model,
    _patterns,
    logit_loglike,
    proportional_odds,
)


def _data(n: int, seed: int, discrete: bool, cuts: tuple[float, ...] = (-1.0, 0.0, 1.5)
          ) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 3, n)
    x = rng.integers(0, 6, n).astype(float) if discrete else rng.normal(size=n)
    X = pd.DataFrame({"g1": (g == 1).astype(float), "g2": (g == 2).astype(float), "x": x})
    latent = 0.8 * X["g1"] - 0.5 * X["g2"] + 0.3 * X["x"] + rng.logistic(size=n)
    y = np.digitize(latent, list(cuts))
    cat = pd.Series(pd.Categorical(y, categories=sorted(set(y)), ordered=True))
    return cat, X


@pytest.mark.parametrize(("n", "discrete", "cuts"), [(37, False, (-1.0, 0.0, 1.5)), (500, True, (-1.0, 0.0, 1.5)),
                                                     (5003, True, (-1.0, 0.0, 1.5)), (186, False, (-1.0, 0.0, 1.5)),
                                                     (300, True, (0.2,)), (120, False, (0.2,))])
def test_loglike_bit_equal_to_statsmodels(n: int, discrete: bool, cuts: tuple[float, ...]) -> None:
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y, X = _data(n, n, discrete, cuts)
    ref = OrderedModel(y, X, distr="logit")
    exog, endog = np.asarray(ref.exog), np.asarray(ref.endog)
    patterns = _patterns(exog, endog)
    assert (patterns is not None) == discrete
    rng = np.random.default_rng(1)
    for _ in range(50):
        params = np.concatenate([rng.normal(scale=2, size=3), rng.normal(scale=1.5, size=ref.k_levels - 1)])
        want = ref.loglike(params)
        assert logit_loglike(params, exog, endog, ref.k_levels) == want
        assert logit_loglike(params, exog, endog, ref.k_levels, patterns) == want
        assert _logit_model()(y, X, distr="logit").loglike(params) == want


def test_loglike_extreme_params_equal() -> None:
    """Probabilities that underflow (p + 1e-20) and infinite linear predictors give the same values."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y, X = _data(400, 3, True)
    ref = OrderedModel(y, X, distr="logit")
    exog, endog = np.asarray(ref.exog), np.asarray(ref.endog)
    patterns = _patterns(exog, endog)
    for params in ([800.0, -800.0, 50.0, 0.0, 3.0, 3.0], [1e308, 0.0, 0.0, 0.0, 0.0, 0.0],
                   [0.0, 0.0, 0.0, -40.0, 6.0, -30.0]):
        p = np.array(params)
        want = ref.loglike(p)
        got = logit_loglike(p, exog, endog, ref.k_levels, patterns)
        assert got == want or (np.isnan(got) and np.isnan(want))


def test_fit_equal_to_statsmodels_fit() -> None:
    """proportional_odds gives the numbers of a plain statsmodels fit (as before the faster log-likelihood)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y, X = _data(3000, 7, True)
    fit = proportional_odds(y.to_numpy(dtype=float), X)
    ref = OrderedModel(y, X, distr="logit").fit(method="bfgs", maxiter=2000, disp=False, gtol=1e-8)
    assert fit.loglik == float(ref.llf)
    wald = fit.tests[fit.tests["kind"] == "wald"].set_index("term")
    for t in X.columns:
        assert wald.loc[t, "statistic"] == float(ref.params[t]) / float(ref.bse[t])


@pytest.mark.parametrize(("n", "discrete", "cuts"), [(186, False, (-1.0, 0.0, 1.5)), (400, True, (-1.0, 0.0, 1.5)),
                                                     (150, False, (0.2,)), (60000, True, (-0.5, 0.5))])
def test_score_equals_statsmodels_numerical_gradient(n: int, discrete: bool, cuts: tuple[float, ...]) -> None:
    """The batched centred gradient gives approx_fprime's values exactly (so BFGS takes the same path)."""
    from statsmodels.tools.numdiff import approx_fprime

    y, X = _data(n, n + 1, discrete, cuts)
    model = _logit_model()(y, X, distr="logit")
    rng = np.random.default_rng(2)
    for _ in range(10):
        params = np.concatenate([rng.normal(size=3), rng.normal(scale=1.5, size=model.k_levels - 1)])
        assert np.array_equal(model.score(params), approx_fprime(params, model.loglike, centered=True).ravel())
    params[:3] = 0.0  # equal betas shared by the threshold shifts, and a zero step in x - shift
    assert np.array_equal(model.score(params), approx_fprime(params, model.loglike, centered=True).ravel())


@pytest.mark.parametrize(("n", "discrete"), [(186, False), (400, True)])
def test_hessian_equals_statsmodels_numerical_hessian(n: int, discrete: bool) -> None:
    from statsmodels.tools.numdiff import approx_hess

    y, X = _data(n, n + 2, discrete)
    model = _logit_model()(y, X, distr="logit")
    rng = np.random.default_rng(4)
    for _ in range(5):
        params = np.concatenate([rng.normal(size=3), rng.normal(scale=1.5, size=model.k_levels - 1)])
        assert np.array_equal(model.hessian(params), approx_hess(params, model.loglike))
