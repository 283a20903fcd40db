"""Tests of samanalyse.stats.contingency on count tables and score arrays.

Reference values: tests/reference/crosstab.json and nonparametric.json (R
chisq.test, fisher.test, prop.trend.test; see make_reference.R). The tables
are the reference CSVs; nothing is copied from the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.errors import ArgumentError, SmallCellWarning
from samanalyse.stats.contingency import (
    HypothesisTest,
    chi_square_test,
    exact_p,
    fisher_test,
    monte_carlo_p,
    trend_statistic,
)

REF = Path(__file__).resolve().parents[1] / "reference"
CLOSED = 1e-6


def _ref(name: str) -> dict:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(path.read_text(encoding="utf-8"))


def _table(name: str) -> np.ndarray:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet")
    return pd.read_csv(path)[["yes", "no"]].to_numpy()


def test_chi_square_3x2_matches_chisq_test():
    r = _ref("crosstab.json")["crosstab_3x2"]
    with pytest.warns(SmallCellWarning, match="below 5"):
        res = chi_square_test(_table("crosstab_3x2.csv"), p_value="asymptotic", seed=1)
    assert isinstance(res, HypothesisTest)
    assert res.statistic == pytest.approx(r["chisq"]["statistic"], abs=CLOSED)
    assert res.df == r["chisq"]["df"]
    assert res.p == pytest.approx(r["chisq"]["p_value"], abs=CLOSED)
    assert res.effect == pytest.approx(r["cramers_v"]["value"], abs=CLOSED)


def test_exact_p_matches_fisher_test():
    r = _ref("crosstab.json")
    assert exact_p(_table("crosstab_3x2.csv")) == pytest.approx(r["crosstab_3x2"]["fisher"]["p_value"], abs=CLOSED)
    assert exact_p(_table("crosstab_2x2.csv")) == pytest.approx(r["crosstab_2x2"]["fisher"]["p_value"], abs=CLOSED)


def test_fisher_2x2_conditional_odds_ratio_matches_r():
    r = _ref("crosstab.json")["crosstab_2x2"]["fisher"]
    res = fisher_test(_table("crosstab_2x2.csv"), seed=1)
    assert res.p == pytest.approx(r["p_value"], abs=CLOSED)
    assert res.effect == pytest.approx(r["odds_ratio_conditional_mle"], abs=CLOSED)
    assert [res.ci_low, res.ci_high] == pytest.approx(r["conf_int"], abs=1e-4)


def test_yates_correction_matches_chisq_test():
    r = _ref("crosstab.json")["crosstab_2x2"]
    res = chi_square_test(_table("crosstab_2x2.csv"), p_value="asymptotic", correct=True, seed=1)
    assert res.statistic == pytest.approx(r["chisq_yates"]["statistic"], abs=CLOSED)
    assert res.p == pytest.approx(r["chisq_yates"]["p_value"], abs=CLOSED)


def test_monte_carlo_p_is_seeded():
    t = _table("crosstab_3x2.csv")
    assert monte_carlo_p(t, 2000, 5) == monte_carlo_p(t, 2000, 5)


def test_cochran_armitage_matches_prop_trend_test():
    r = _ref("nonparametric.json")["prop_trend_test"]
    y, s = [], []
    for score, g in enumerate(["small", "medium", "large"], start=1):
        y += [1.0] * r["x"][g] + [0.0] * (r["n"][g] - r["x"][g])
        s += [float(score)] * r["n"][g]
    res = trend_statistic(np.array(y), np.array(s), binary=True)
    assert res.statistic == pytest.approx(r["statistic"], abs=CLOSED)
    assert res.p == pytest.approx(r["p_value"], abs=CLOSED)
    # reversing the scores (higher_is_more: false) keeps the test and flips the effect
    flipped = trend_statistic(np.array(y), -np.array(s), binary=True)
    assert flipped.p == pytest.approx(res.p) and flipped.effect == pytest.approx(-res.effect)


#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "contingency-one-column", "area": "Tester", "input": "A chi-square test of a table with one column",
     "message": "A contingency table needs at least 2 rows and 2 columns; got shape (3, 1)."},
    {"id": "contingency-empty-row", "area": "Tester", "input": "A chi-square test of a table with an empty row",
     "message": "A contingency table needs non-negative counts and no empty row or column."},
    {"id": "chi-square-unknown-p-value", "area": "Tester", "input": "p_value='bootstrap' for a chi-square test",
     "message": "p_value must be 'auto', 'asymptotic', 'monte_carlo' or 'exact'; got 'bootstrap'."},
    {"id": "chi-square-seed-not-integer", "area": "Tester", "input": "A seed given as the text '42'",
     "message": "seed must be an integer; got '42'."},
    {"id": "chi-square-no-simulations", "area": "Tester", "input": "n_sim=0 Monte Carlo tables",
     "message": "n_sim must be a whole number >= 1; got 0."},
]

_BAD_CALLS = {
    "contingency-one-column": lambda: chi_square_test(np.array([[1], [2], [3]]), seed=1),
    "contingency-empty-row": lambda: chi_square_test(np.array([[1, 2], [0, 0]]), seed=1),
    "chi-square-unknown-p-value": lambda: chi_square_test(np.array([[1, 2], [3, 4]]), p_value="bootstrap", seed=1),
    "chi-square-seed-not-integer": lambda: chi_square_test(np.array([[1, 2], [3, 4]]), seed="42"),
    "chi-square-no-simulations": lambda: chi_square_test(np.array([[1, 2], [3, 4]]), n_sim=0, seed=1),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case):
    with pytest.raises(ArgumentError) as err:
        _BAD_CALLS[case["id"]]()
    assert str(err.value) == case["message"]
