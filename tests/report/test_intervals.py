"""Intervals for the report's shares, at the edges 0 % and 100 % (exact fallback) and inside (finite population)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samanalyse.report.intervals import add_intervals
from samanalyse.survey.rounds import load_round

REF = pd.read_csv(Path(__file__).parents[1] / "reference" / "exact_edge.csv")  # R binom.test, see the .R beside it
ROUND = load_round("2010")


def _ref(x: int, n: int) -> tuple[float, float]:
    row = REF[(REF["x"] == x) & (REF["n"] == n)].iloc[0]
    return 100 * row["ci_low"], 100 * row["ci_high"]


def _cells(rows):
    return pd.DataFrame(rows, columns=["population", "breakdown", "group", "n", "percent"])


@pytest.mark.parametrize("pop,bd,group,x,n", [
    ("helseforetak", "total", "Samlet", 0, 18),      # 18 of 22 HF answered
    ("helseforetak", "total", "Samlet", 18, 18),
    ("kommuner", "total", "Samlet", 0, 187),         # 187 of 430 kommuner
    ("kommuner", "total", "Samlet", 187, 187),
    ("helseforetak", "rhf", "Helse Nord", 0, 3),     # 3 of the 4 HF of one RHF
    ("helseforetak", "rhf", "Helse Nord", 3, 3),
])
def test_zero_and_hundred_percent_get_the_exact_interval_as_r_binom_test(pop, bd, group, x, n):
    out = add_intervals(_cells([(pop, bd, group, n, 100 * x / n)]), ROUND)
    lo, hi = _ref(x, n)
    assert out["ci_method"].iloc[0] == "exact"
    assert out["ci_low"].iloc[0] == pytest.approx(lo, abs=1e-9)
    assert out["ci_high"].iloc[0] == pytest.approx(hi, abs=1e-9)


def test_a_group_that_answered_whole_keeps_its_zero_width_interval():
    # all 4 HF of the RHF answered: the share is known, not estimated
    out = add_intervals(_cells([("helseforetak", "rhf", "Helse Nord", 4, 100.0)]), ROUND)
    assert (out["ci_low"].iloc[0], out["ci_high"].iloc[0]) == (100.0, 100.0)
    assert out["ci_method"].iloc[0] != "exact"


def test_shares_inside_keep_the_finite_population_interval():
    # 9 of 18 HF: the finite-population interval is narrower than the exact binomial one (R binom.test(9, 18):
    # 26.0-74.0 %). By hand: se = sqrt((1 - 18/22) * 0.25 / 17) = 0.051709, t(17) = 2.109816, on the logit
    # scale 0 -/+ 2.109816 * 0.051709 / 0.25 = -/+ 0.436387, back: 1 / (1 + e^0.436387) = 0.392603.
    out = add_intervals(_cells([("helseforetak", "total", "Samlet", 18, 50.0)]), ROUND)
    assert out["ci_method"].iloc[0] == "fpc_logit"
    assert out["ci_low"].iloc[0] == pytest.approx(39.2603, abs=1e-3)
    assert out["ci_high"].iloc[0] == pytest.approx(60.7397, abs=1e-3)


def test_frame_sizes_given_once_give_the_same_intervals():
    """The tables step reads the frame's sizes once (issue 17) and passes them to every table."""
    from samanalyse.report.intervals import frame_sizes

    cells = _cells([("kommuner", "rhf", "Helse Nord", 26, 100 * 9 / 26), ("kommuner", "total", "Samlet", 187, 50.0),
                    ("helseforetak", "rhf", "Helse Nord", 4, 100.0), ("", "index", "x", 10, 30.0)])
    sizes = frame_sizes(ROUND)
    assert sizes[("kommuner", "total", "Samlet")] == 430
    pd.testing.assert_frame_equal(add_intervals(cells, ROUND, sizes=sizes), add_intervals(cells, ROUND))
