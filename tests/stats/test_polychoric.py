"""Tests of samanalyse.polychoric against psych::polychoric and closed forms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samanalyse.errors import DataError, SmallCellWarning
from samanalyse.stats.polychoric import (
    NotPositiveDefiniteWarning,
    bvn_cdf,
    polychoric,
    smooth_correlation,
)

def ref_matrix(m: dict) -> pd.DataFrame:
    return pd.DataFrame(m["values"], index=m["rownames"], columns=m["colnames"], dtype=float)


# ----------------------------------------------------------------- bvn_cdf --


def test_bvn_closed_form_at_origin() -> None:
    # P(X <= 0, Y <= 0) = 1/4 + asin(rho) / (2 pi)
    rho = np.array([-0.99, -0.95, -0.7, -0.3, 0.0, 0.2, 0.5, 0.92, 0.93, 0.999])
    got = bvn_cdf(0.0, 0.0, rho)
    np.testing.assert_allclose(got, 0.25 + np.arcsin(rho) / (2 * np.pi), atol=1e-14)


def test_bvn_independent_and_infinite_limits() -> None:
    x = np.array([-1.3, 0.4, 2.2])
    y = np.array([0.7, -0.2, 1.1])
    np.testing.assert_allclose(bvn_cdf(x, y, 0.0), stats.norm.cdf(x) * stats.norm.cdf(y), atol=1e-15)
    np.testing.assert_allclose(bvn_cdf(np.inf, y, 0.6), stats.norm.cdf(y), atol=1e-15)
    np.testing.assert_allclose(bvn_cdf(x, np.inf, -0.6), stats.norm.cdf(x), atol=1e-15)
    assert np.all(bvn_cdf(-np.inf, y, 0.3) == 0.0)
    assert bvn_cdf(np.inf, np.inf, 0.3) == 1.0


def test_bvn_against_scipy() -> None:
    rng = np.random.default_rng(3)
    pts = rng.normal(scale=1.5, size=(25, 2))
    rhos = rng.uniform(-0.98, 0.98, size=25)
    got = bvn_cdf(pts[:, 0], pts[:, 1], rhos)
    want = [stats.multivariate_normal(mean=[0, 0], cov=[[1, r], [r, 1]]).cdf(p) for p, r in zip(pts, rhos)]
    np.testing.assert_allclose(got, want, atol=1e-6)  # scipy's own accuracy is ~1e-6..1e-8


# ------------------------------------------------------- against psych 2.2 --


@pytest.mark.parametrize("missing, key", [("listwise", "complete_cases"), ("pairwise", "pairwise")])
def test_polychoric_matches_psych(priorities: pd.DataFrame, ref: dict, missing: str, key: str) -> None:
    res = polychoric(priorities, missing=missing)
    expected = ref["polychoric"][key]
    rho = ref_matrix(expected["rho"])
    assert res.global_thresholds
    assert np.max(np.abs(res.rho.to_numpy() - rho.to_numpy())) < 1e-3
    # psych solves to ~1e-4; the tight solution of the same estimator to ~1e-9
    tight = ref_matrix(expected["tight"]["rho"])
    assert np.max(np.abs(res.rho.to_numpy() - tight.to_numpy())) < 1e-6
    tau = ref_matrix(expected["tau"])
    np.testing.assert_allclose(res.tau.to_numpy(), tau.to_numpy(), atol=1e-10)


def test_polychoric_unequal_categories_uses_correction() -> None:
    # Item 'c' never reaches the top code, so psych switches global off and uses
    # per-pair thresholds with the continuity correction (correct = 0.5).
    # Golden values: psych 2.2.9, psych::polychoric(d)$rho, data as below.
    cols = {
        "a": "11.011.1020001110121101011211011120121011120101101202000121011112101110221122102",
        "b": "022132221.1011122011101010133012233131021130100300202011133123122312121131122111",
        "c": "12121100221210210100220210001200010001200102222021010221100200000200201100000021",
        "d": "12213223131112221232122021332123332332133231302321312002133223223112022232323212",
    }
    d = pd.DataFrame({k: [np.nan if ch == "." else float(ch) for ch in v] for k, v in cols.items()})
    want = np.array([
        [1.0, 0.556528433765, -0.608184929932, 0.671220620928],
        [0.556528433765, 1.0, -0.607793118878, 0.598292827571],
        [-0.608184929932, -0.607793118878, 1.0, -0.668450777822],
        [0.671220620928, 0.598292827571, -0.668450777822, 1.0],
    ])
    with pytest.warns(SmallCellWarning, match="4 item pair"):
        res = polychoric(d, missing="pairwise")
    assert not res.global_thresholds
    assert res.corrected_pairs == 4
    assert np.max(np.abs(res.rho.to_numpy() - want)) < 1e-4


def test_cor_smooth_matches_psych() -> None:
    m = np.array([[1, .9, .9, -.5], [.9, 1, .3, .2], [.9, .3, 1, .1], [-.5, .2, .1, 1]])
    s, done = smooth_correlation(m)
    assert done
    # psych::cor.smooth(m), lower triangle column by column (psych 2.2.9)
    want = [0.712908501530634, 0.723770697987167, -0.374859294766417, 0.339603033180787,
            0.138822892747810, 0.048267644629164]
    np.testing.assert_allclose(s[np.triu_indices(4, 1)], want, atol=1e-12)
    assert np.linalg.eigvalsh(s).min() > 0
    same, done2 = smooth_correlation(np.eye(3))
    assert not done2 and np.array_equal(same, np.eye(3))


def test_perfectly_concordant_pair_goes_to_the_boundary() -> None:
    x = [0, 0, 1, 1, 2, 2, 0, 1, 2, 1]
    d = pd.DataFrame({"x": x, "y": x, "z": [0, 1, 2, 0, 1, 2, 2, 1, 0, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotPositiveDefiniteWarning)
        res = polychoric(d, missing="listwise", smooth=False)
    assert res.rho.loc["x", "y"] > 0.9999


# ---------------------------------------------------------------- checks --


def test_missing_must_be_chosen(priorities: pd.DataFrame) -> None:
    with pytest.raises(TypeError):
        polychoric(priorities)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'complete'"):
        polychoric(priorities, missing="complete")  # type: ignore[arg-type]


def test_rejects_non_integer_and_too_many_categories() -> None:
    d = pd.DataFrame({"x": [0, 0.5, 1, 2], "y": [0, 1, 1, 2]})
    with pytest.raises(DataError, match="'x'.*non-integer"):
        polychoric(d, missing="pairwise")
    d = pd.DataFrame({"x": list(range(10)), "y": list(range(10))[::-1]})
    with pytest.raises(DataError, match="10 categories"):
        polychoric(d, missing="pairwise")
    d = pd.DataFrame({"x": [1, 1, 1, 1], "y": [0, 1, 2, 1]})
    with pytest.raises(DataError, match="'x'.*no variance"):
        polychoric(d, missing="pairwise")
    with pytest.raises(DataError, match="'nope'"):
        polychoric(d, ["x", "nope"], missing="pairwise")


def test_result_frame(priorities: pd.DataFrame) -> None:
    res = polychoric(priorities, missing="pairwise")
    f = res.to_frame()
    assert list(f.columns) == ["item_1", "item_2", "rho", "n"]
    assert len(f) == 45
    assert res.n.loc["p1", "p1"] == priorities["p1"].notna().sum()
    assert res.n.loc["p1", "p2"] == (priorities["p1"].notna() & priorities["p2"].notna()).sum()
    assert "Polychoric correlations of 10 items" in res.summary()
