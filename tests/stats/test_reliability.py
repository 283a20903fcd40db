"""Tests of samanalyse.stats.reliability (alpha, omega on score matrices).

Reference values: tests/reference/alpha_omega.json (R psych::alpha and
psych::omega(nfactors = 1), plus the same minres model solved to a fixed
point; see make_reference.R). Omega uses the package's one minres
(samanalyse.stats.factor.extraction.extract).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.errors import ArgumentError, SmallCellWarning
from samanalyse.stats.reliability import (
    ITEM_REST_COLUMNS,
    AlphaResult,
    OmegaResult,
    cronbach_alpha,
    item_rest,
    mcdonald_omega,
)

REF = Path(__file__).resolve().parents[1] / "reference"
CLOSED = 1e-6
ITER = 1e-3


@pytest.fixture(scope="module")
def ref() -> dict:
    path = REF / "alpha_omega.json"
    if not path.exists():
        pytest.skip("alpha_omega.json not generated yet")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items7() -> pd.DataFrame:
    path = REF / "ordinal_items.csv"
    if not path.exists():
        pytest.skip("ordinal_items.csv not generated yet")
    return pd.read_csv(path)


@pytest.mark.parametrize("scale,cols", [("scale_q1_q7", 7), ("scale_q1_q6", 6)])
def test_alpha_matches_psych(ref, items7, scale, cols):
    r = ref[scale]["alpha"]
    items = [f"q{i}" for i in range(1, cols + 1)]
    a = cronbach_alpha(items7[items])
    assert isinstance(a, AlphaResult)
    assert a.n == r["n_obs"] and a.n_items == r["n_items"]
    assert a.alpha == pytest.approx(r["total"]["raw_alpha"], abs=CLOSED)
    assert a.std_alpha == pytest.approx(r["total"]["std.alpha"], abs=CLOSED)
    assert a.average_r == pytest.approx(r["total"]["average_r"], abs=CLOSED)
    assert a.ase == pytest.approx(r["total"]["ase"], abs=CLOSED)
    assert a.ci_low == pytest.approx(r["ci_feldt"]["lower"], abs=CLOSED)
    assert a.ci_high == pytest.approx(r["ci_feldt"]["upper"], abs=CLOSED)
    t = a.items
    assert tuple(t.columns) == ITEM_REST_COLUMNS
    assert list(t["item"]) == r["item_stats"]["items"]
    np.testing.assert_allclose(t["r_rest"], r["item_stats"]["r_drop"], atol=CLOSED, rtol=0)
    np.testing.assert_allclose(t["r_total"], r["item_stats"]["raw_r"], atol=CLOSED, rtol=0)
    np.testing.assert_allclose(t["mean"], r["item_stats"]["mean"], atol=CLOSED, rtol=0)
    np.testing.assert_allclose(t["sd"], r["item_stats"]["sd"], atol=CLOSED, rtol=0)
    np.testing.assert_allclose(t["alpha_if_dropped"], r["alpha_drop"]["raw_alpha"], atol=CLOSED, rtol=0)
    np.testing.assert_allclose(t["std_alpha_if_dropped"], r["alpha_drop"]["std_alpha"], atol=CLOSED, rtol=0)


def test_alpha_by_hand():
    # items a = (1,2,3,4), b = (2,2,3,5); deviations a: -1.5,-0.5,0.5,1.5, b: -1,-1,0,2
    # var a = 5/3, var b = 6/3 = 2, cov = (1.5 + 0.5 + 0 + 3)/3 = 5/3
    # alpha = k/(k-1) (1 - sum var_i / var(total)) = 2 (1 - (5/3 + 2) / (5/3 + 2 + 2 * 5/3)) = 2 (1 - 11/21) = 20/21
    x = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 3, 5]})
    expected = 20 / 21
    assert cronbach_alpha(x[["a", "b"]]).alpha == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("scale,cols", [("scale_q1_q7", 7), ("scale_q1_q6", 6)])
def test_omega_matches_psych(ref, items7, scale, cols):
    r = ref[scale]["omega_nfactors1"]
    items = [f"q{i}" for i in range(1, cols + 1)]
    o = mcdonald_omega(items7[items], n_boot=0)
    assert isinstance(o, OmegaResult)
    # same estimator solved tightly in R (fixed point, tol 1e-15): closed-form tolerance
    assert o.omega_total == pytest.approx(r["tight_minres"]["omega_tot"], abs=CLOSED)
    np.testing.assert_allclose(o.loadings.to_numpy(), list(r["tight_minres"]["g_loadings"].values()), atol=CLOSED)
    # psych's own optimiser result: iterative tolerance
    assert o.omega_total == pytest.approx(r["omega_tot"], abs=ITER)
    np.testing.assert_allclose(o.loadings.to_numpy(), list(r["g_loadings"].values()), atol=ITER)
    assert o.omega_model == pytest.approx(r["model_based_omega"]["value"], abs=ITER)
    assert "minres" in o.estimator


def test_omega_bootstrap_is_reproducible(items7):
    a = mcdonald_omega(items7, n_boot=200, seed=7)
    b = mcdonald_omega(items7, n_boot=200, seed=7)
    c = mcdonald_omega(items7, n_boot=200, seed=8)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)
    assert a.ci_low < a.omega_total < a.ci_high
    assert a.n_boot == 200 and a.seed == 7


def test_omega_warns_on_negative_loading(items7):
    x = items7.copy()
    x["q1"] = 3 - x["q1"]  # reverse-keyed
    with pytest.warns(SmallCellWarning, match="negative loading"):
        o = mcdonald_omega(x, n_boot=0)
    assert o.loadings["q1"] < 0 and o.warnings


def test_item_rest_is_the_alpha_item_table(items7):
    pd.testing.assert_frame_equal(item_rest(items7), cronbach_alpha(items7).items)


#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "reliability-one-item", "area": "Reliabilitet", "input": "Cronbach's alpha of a single item",
     "message": "Need at least 2 items; got 1: ['q1']."},
    {"id": "omega-bootstrap-without-seed", "area": "Reliabilitet",
     "input": "McDonald's omega with bootstrap resamples but no seed",
     "message": "mcdonald_omega's bootstrap needs a seed: pass seed=... (or n_boot=0)."},
    {"id": "reliability-not-a-table", "area": "Reliabilitet", "input": "Scores given as a list instead of a DataFrame",
     "message": "scores must be a pandas DataFrame (one column per item); got list."},
]

_BAD_CALLS = {
    "reliability-one-item": lambda x: cronbach_alpha(x[["q1"]]),
    "omega-bootstrap-without-seed": lambda x: mcdonald_omega(x, n_boot=10),
    "reliability-not-a-table": lambda x: cronbach_alpha(x.to_numpy().tolist()),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case, items7):
    with pytest.raises(ArgumentError) as err:
        _BAD_CALLS[case["id"]](items7)
    assert str(err.value) == case["message"]


def _omega_bootstrap_one_by_one(x: pd.DataFrame, n_boot: int, seed: int) -> tuple[float, float]:
    """The bootstrap interval as it was computed before the fits ran side by side: one extract() per resample."""
    from samanalyse.stats.factor.extraction import extract

    X = x.to_numpy(dtype=float)
    R = np.corrcoef(X, rowvar=False)
    psi = extract(R, 1, "minres").psi
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(n_boot):
        Xb = X[rng.integers(0, len(X), len(X))]
        if np.any(Xb.std(axis=0) == 0):
            continue
        Rb = np.corrcoef(Xb, rowvar=False)
        e = extract(Rb, 1, "minres", start=psi)
        if not e.converged:
            continue
        lam = e.loadings[:, 0]
        lam = lam if lam.sum() >= 0 else -lam
        vals.append(1 - (1 - lam**2).sum() / Rb.sum())
    lo, hi = np.quantile(vals, [0.025, 0.975])
    return float(lo), float(hi)


@pytest.mark.parametrize("cols,n,seed", [(7, None, 7), (3, None, 11), (5, 40, 3)])
def test_omega_bootstrap_is_the_one_by_one_bootstrap(items7, cols, n, seed):
    # the resamples' fits run side by side (extraction.extract_minres_many): the same interval to the bit
    x = items7[[f"q{i}" for i in range(1, cols + 1)]]
    x = x if n is None else x.iloc[:n]
    o = mcdonald_omega(x, n_boot=150, seed=seed)
    assert (o.ci_low, o.ci_high) == _omega_bootstrap_one_by_one(x, 150, seed)
    # and the full-sample fit is extract()'s, bit for bit
    from samanalyse.stats.factor.extraction import extract

    R = np.corrcoef(x.to_numpy(dtype=float), rowvar=False)
    lam = extract(R, 1, "minres").loadings[:, 0]
    lam = lam if lam.sum() >= 0 else -lam
    assert np.array_equal(o.loadings.to_numpy(), lam)
    assert o.omega_total == 1 - (1 - lam**2).sum() / R.sum()
