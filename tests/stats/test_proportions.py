"""Tests of samanalyse.stats.proportions (intervals for shares from counts).

Reference values: tests/reference/survey.json (R binom.test, prop.test,
survey::svymean/svyciprop; see make_reference.R) and statsmodels'
proportion_confint. Hand calculations are shown in comments.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pytest
from statsmodels.stats.proportion import proportion_confint

from samanalyse.errors import SamanalyseError, SamanalyseWarning, SmallCellWarning
from samanalyse.stats.proportions import METHODS, ProportionCI, proportion_ci

REF = Path(__file__).resolve().parents[1] / "reference"
CLOSED = 1e-6  # closed-form results
ITER = 1e-3  # iterative fits


def _ref(name: str) -> dict:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def survey_ref() -> dict:
    return _ref("survey.json")


# --------------------------------------------------------------------------
# Against R
# --------------------------------------------------------------------------


def test_exact_matches_binom_test(survey_ref):
    ref = survey_ref["binom_test"]
    ci = proportion_ci(131, 187, method="exact")
    assert ci.estimate == pytest.approx(ref["estimate"], abs=CLOSED)
    assert ci.ci_low == pytest.approx(ref["conf_int"][0], abs=CLOSED)
    assert ci.ci_high == pytest.approx(ref["conf_int"][1], abs=CLOSED)


@pytest.mark.parametrize("method,key", [("wilson", "prop_test_wilson"), ("wilson_cc", "prop_test_wilson_cc")])
def test_wilson_matches_prop_test(survey_ref, method, key):
    ci = proportion_ci(131, 187, method=method)
    assert [ci.ci_low, ci.ci_high] == pytest.approx(survey_ref[key]["conf_int"], abs=CLOSED)


def test_srs_fpc_standard_error_matches_svymean(survey_ref):
    ref = survey_ref["designs"]["srs_fpc"]
    ci = proportion_ci(131, 187, method="fpc", frame_size=430)
    assert ci.estimate == pytest.approx(ref["svymean"]["mean"], abs=CLOSED)
    assert ci.se == pytest.approx(ref["svymean"]["SE"], abs=CLOSED)
    # hand: sqrt((1 - 187/430) * p (1 - p) / 186), p = 131/187
    p = 131 / 187
    assert ci.se == pytest.approx(math.sqrt((1 - 187 / 430) * p * (1 - p) / 186), abs=1e-12)
    assert ci.df == 186


def test_fpc_shrinks_the_standard_error_as_survey_says(survey_ref):
    d = survey_ref["designs"]
    # survey without fpc: sqrt(p(1-p)/(n-1)); with fpc the factor sqrt(1 - n/N) = sqrt(1 - 187/430) = 0.7518
    ratio = d["srs_fpc"]["svymean"]["SE"] / d["srs_nofpc"]["svymean"]["SE"]
    assert ratio == pytest.approx(math.sqrt(1 - 187 / 430), abs=1e-9)
    ci = proportion_ci(131, 187, method="fpc", frame_size=430)
    assert ci.se / d["srs_nofpc"]["svymean"]["SE"] == pytest.approx(math.sqrt(1 - 187 / 430), abs=1e-9)
    # and the fpc interval is narrower than the binomial ones
    assert ci.ci_high - ci.ci_low < proportion_ci(131, 187, method="wilson").ci_high - proportion_ci(131, 187).ci_low


@pytest.mark.parametrize(
    "method,r_method,tol",
    [("fpc_logit", "logit", CLOSED), ("fpc", "logit", CLOSED), ("fpc_wald", "mean", CLOSED), ("fpc_beta", "beta", CLOSED)],
)
def test_srs_fpc_intervals_match_svyciprop(survey_ref, method, r_method, tol):
    # logit: R fits an intercept-only svyglm(quasibinomial) by IRLS; it converges to the closed form
    # expit(logit(p) -/+ t SE / (p (1 - p))), so the closed-form tolerance applies
    ref = survey_ref["designs"]["srs_fpc"]["svyciprop"][r_method]
    ci = proportion_ci(131, 187, method=method, frame_size=430)
    assert ci.estimate == pytest.approx(ref["estimate"], abs=tol)
    assert [ci.ci_low, ci.ci_high] == pytest.approx(ref["ci"], abs=tol)


STRATA_N = {1: 95, 2: 60, 3: 180, 4: 95}


@pytest.mark.parametrize(
    "method,r_method,tol", [("fpc_logit", "logit", CLOSED), ("fpc_wald", "mean", CLOSED), ("fpc_beta", "beta", CLOSED)]
)
def test_stratified_fpc_matches_svyciprop(survey_ref, method, r_method, tol):
    d = survey_ref["designs"]["strat_fpc"]
    s = survey_ref["data"]["strata"]
    counts = dict(zip(s["stratum"], s["y_h"]))
    ns = dict(zip(s["stratum"], s["n_h"]))
    ci = proportion_ci(counts, ns, method=method, frame_size=STRATA_N)
    assert ci.se == pytest.approx(d["svymean"]["SE"], abs=CLOSED)
    assert ci.estimate == pytest.approx(d["svymean"]["mean"], abs=CLOSED)
    assert ci.df == d["degf"] == 183
    assert [ci.ci_low, ci.ci_high] == pytest.approx(d["svyciprop"][r_method]["ci"], abs=tol)
    # the same from respondent-level data: tests/analysis/test_shares.py


# --------------------------------------------------------------------------
# Against statsmodels and by hand
# --------------------------------------------------------------------------


@pytest.mark.parametrize("x,n", [(0, 10), (1, 10), (5, 10), (10, 10), (131, 187), (3, 430)])
@pytest.mark.parametrize("method,sm", [("wilson", "wilson"), ("exact", "beta")])
def test_binomial_intervals_match_statsmodels(x, n, method, sm):
    lo, hi = proportion_confint(x, n, alpha=0.05, method=sm)
    ci = proportion_ci(x, n, method=method)
    assert ci.ci_low == pytest.approx(lo, abs=1e-9)
    assert ci.ci_high == pytest.approx(hi, abs=1e-9)


def test_confidence_level_is_used():
    lo, hi = proportion_confint(40, 90, alpha=0.10, method="wilson")
    ci = proportion_ci(40, 90, confidence=0.90)
    assert (ci.ci_low, ci.ci_high) == pytest.approx((lo, hi), abs=1e-9)
    assert ci.confidence == 0.90


def test_wald_fpc_by_hand():
    # p = 20/50 = 0.4; SE = sqrt((1 - 50/100) * 0.4 * 0.6 / 49) = 0.049487...; t_{0.975, 49} = 2.009575
    ci = proportion_ci(20, 50, method="fpc_wald", frame_size=100)
    se = math.sqrt(0.5 * 0.24 / 49)
    assert ci.se == pytest.approx(se, abs=1e-12)
    assert ci.ci_low == pytest.approx(0.4 - 2.0095752344892093 * se, abs=1e-9)


def test_census_has_zero_width_with_warning():
    # n = N: the fpc is 0, the share is known exactly
    with pytest.warns(SmallCellWarning, match="standard error is 0"):
        ci = proportion_ci(7, 10, method="fpc", frame_size=10)
    assert ci.se == 0 and ci.ci_low == ci.ci_high == 0.7
    assert ci.warnings


def test_share_zero_with_fpc_warns_and_collapses():
    with pytest.warns(SmallCellWarning, match="exact"):
        ci = proportion_ci(0, 40, method="fpc_logit", frame_size=100)
    assert (ci.estimate, ci.ci_low, ci.ci_high) == (0.0, 0.0, 0.0)


def test_result_object_is_frozen():
    ci = proportion_ci(3, 10)
    assert isinstance(ci, ProportionCI)
    with pytest.raises(Exception):
        ci.estimate = 0.5  # type: ignore[misc]


# --------------------------------------------------------------------------
# Input checks and edge cases
# --------------------------------------------------------------------------


def test_zero_respondents_gives_nan_with_warning():
    with pytest.warns(SmallCellWarning, match="n = 0"):
        ci = proportion_ci(0, 0)
    assert math.isnan(ci.estimate) and math.isnan(ci.ci_low)
    assert ci.warnings


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(count=5, n=3), r"count \(5\) is larger than n \(3\)"),
        (dict(count=-1, n=3), "must be >= 0"),
        (dict(count=1.5, n=3), "whole number"),
        (dict(count=1, n=3, method="bogus"), "Unknown method 'bogus'"),
        (dict(count=1, n=3, confidence=95), "confidence must be"),
        (dict(count=1, n=3, frame_size=10), "only used by the design-based"),
        (dict(count=1, n=3, method="fpc"), "needs the population"),
        (dict(count=1, n=30, method="fpc", frame_size=10), r"population \(10\) is smaller"),
        (dict(count={1: 1}, n={1: 3}, method="wilson", frame_size=None), "design-based method"),
        (dict(count={1: 1}, n={2: 3}, method="fpc", frame_size={1: 5}), "strata"),
    ],
)
def test_bad_input_raises_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        proportion_ci(**kwargs)


def test_stratum_with_single_respondent_gives_nan_se():
    with pytest.warns(SmallCellWarning, match="single respondent"):
        ci = proportion_ci({"a": 1, "b": 3}, {"a": 1, "b": 6}, method="fpc", frame_size={"a": 5, "b": 10})
    assert math.isnan(ci.se) and math.isnan(ci.ci_low)
    # the point estimate is still defined: W_a p_a + W_b p_b = 5/15 * 1 + 10/15 * 0.5 = 2/3
    assert ci.estimate == pytest.approx(2 / 3)


def test_empty_stratum_gives_nan_with_warning():
    with pytest.warns(SmallCellWarning, match="no respondents"):
        ci = proportion_ci({"a": 0, "b": 3}, {"a": 0, "b": 6}, method="fpc", frame_size={"a": 5, "b": 10})
    assert math.isnan(ci.estimate)


def test_every_warning_is_a_samanalyse_warning():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        proportion_ci(0, 0)
        proportion_ci(3, 3, method="fpc", frame_size=3)
    assert rec and all(issubclass(w.category, SamanalyseWarning) for w in rec)


def test_methods_constant():
    assert set(METHODS) == {"wilson", "wilson_cc", "exact", "fpc", "fpc_logit", "fpc_wald", "fpc_beta"}


#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "share-frame-smaller-than-sample", "area": "Andeler", "input": "A frame of 10 units with 30 respondents",
     "message": "the frame's population (10) is smaller than the number of respondents n (30); frame_size must be "
                "at least n."},
    {"id": "share-fpc-without-frame", "area": "Andeler", "input": "A finite-population interval without frame_size",
     "message": "method 'fpc' needs the population size of the frame: pass frame_size=N."},
    {"id": "share-count-above-n", "area": "Andeler", "input": "More respondents with the property than respondents",
     "message": "count (5) is larger than n (3)."},
]

_BAD_CALLS = {
    "share-frame-smaller-than-sample": lambda: proportion_ci(1, 30, method="fpc", frame_size=10),
    "share-fpc-without-frame": lambda: proportion_ci(1, 3, method="fpc"),
    "share-count-above-n": lambda: proportion_ci(5, 3),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case):
    with pytest.raises(SamanalyseError) as err:
        _BAD_CALLS[case["id"]]()
    assert str(err.value) == case["message"]
