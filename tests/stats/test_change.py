"""samanalyse.stats.change against R (tests/reference/make_trend_reference.R -> trend.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from samanalyse.errors import ArgumentError, DataError, SamanalyseError
from samanalyse.stats.change import cohen_h, mcnemar, proportion_difference, stuart_maxwell

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "trend.json").read_text(encoding="utf-8"))
TOL = 1e-8

#: Catalogued bad inputs of the change statistics.
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "change-count-above-n", "area": "Endring mellom runder",
     "input": "proportion_difference with more respondents with the property than respondents",
     "message": "count1=5 and n1=3 must satisfy 0 <= count <= n and n >= 1."},
    {"id": "change-frame-below-n", "area": "Endring mellom runder",
     "input": "proportion_difference with a frame smaller than the sample",
     "message": "frame_size2=50 is smaller than n2=60; the frame holds every respondent."},
    {"id": "change-count-not-whole", "area": "Endring mellom runder",
     "input": "proportion_difference with a count that is not a whole number",
     "message": "count1 must be a whole number; got 2.5."},
    {"id": "mcnemar-not-2x2", "area": "Endring mellom runder",
     "input": "McNemar's test on a 3 x 3 table",
     "message": "McNemar's test needs a 2 x 2 table; got 3 x 3 (use stuart_maxwell for more categories)."},
    {"id": "paired-table-not-square", "area": "Endring mellom runder",
     "input": "a paired table that is not square",
     "message": "A paired table must be square with at least 2 categories; got shape (2, 3)."},
    {"id": "paired-table-negative", "area": "Endring mellom runder",
     "input": "a paired table with a negative count",
     "message": "A paired table holds counts: whole numbers >= 0."},
]

_CALLS = {
    "change-count-above-n": lambda: proportion_difference(5, 3, 1, 4),
    "change-frame-below-n": lambda: proportion_difference(5, 30, 10, 60, frame_size1=100, frame_size2=50),
    "change-count-not-whole": lambda: proportion_difference(2.5, 3, 1, 4),
    "mcnemar-not-2x2": lambda: mcnemar(np.ones((3, 3))),
    "paired-table-not-square": lambda: stuart_maxwell(np.ones((2, 3))),
    "paired-table-negative": lambda: mcnemar([[1, -1], [2, 3]]),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c["id"])
def test_bad_input_message(case: dict[str, str]) -> None:
    with pytest.raises(SamanalyseError) as exc:
        _CALLS[case["id"]]()
    assert str(exc.value) == case["message"]
    assert isinstance(exc.value, (ArgumentError, DataError))


@pytest.mark.parametrize("row", REF["independent"], ids=lambda r: f"{r['item']}-{r['category']}-{r['group']}")
def test_difference_equals_svymean_per_round(row: dict) -> None:
    x1, x2 = round(row["share_old"] * row["n_old"]), round(row["share_new"] * row["n_new"])
    d = proportion_difference(x1, row["n_old"], x2, row["n_new"], frame_size1=row["frame_old"],
                              frame_size2=row["frame_new"])
    for ours, theirs in ((d.p1, "share_old"), (d.se1, "se_old"), (d.p2, "share_new"), (d.se2, "se_new"),
                         (d.difference, "difference"), (d.se, "se"), (d.ci_low, "ci_low"), (d.ci_high, "ci_high")):
        assert ours == pytest.approx(row[theirs], abs=TOL), theirs
    assert d.p == pytest.approx(row["p"], rel=1e-8, abs=1e-300)


def test_mcnemar_equals_r() -> None:
    ref = REF["fixed"]["mcnemar"]
    res = mcnemar(ref["table"])
    assert res.statistic == pytest.approx(ref["statistic"], abs=TOL)
    assert res.p == pytest.approx(ref["p"], abs=TOL)
    assert (res.df, res.n, res.discordant) == (1, 107, 37)


@pytest.mark.parametrize("key", ["stuart_maxwell_3", "stuart_maxwell_4"])
def test_stuart_maxwell_equals_coin_mh_test(key: str) -> None:
    ref = REF["fixed"][key]
    res = stuart_maxwell(ref["table"])
    assert res.statistic == pytest.approx(ref["statistic"], abs=TOL)
    assert res.p == pytest.approx(ref["p"], abs=TOL)
    assert res.df == len(ref["table"]) - 1


def test_by_hand_small_case() -> None:
    # p1 = 0.5 (n 10 of N 20), p2 = 0.8 (n 10, no fpc): var1 = 0.5 * 0.25 / 9, var2 = 0.16 / 9
    d = proportion_difference(5, 10, 8, 10, frame_size1=20)
    assert d.se == pytest.approx(math.sqrt(0.5 * 0.25 / 9 + 0.16 / 9), abs=1e-12)
    assert d.cohen_h == pytest.approx(2 * math.asin(math.sqrt(0.8)) - 2 * math.asin(math.sqrt(0.5)), abs=1e-12)
    assert cohen_h(0.3, 0.3) == 0


def test_census_of_both_rounds_has_no_sampling_error() -> None:
    d = proportion_difference(5, 10, 8, 10, frame_size1=10, frame_size2=10)
    assert d.se == 0 and math.isnan(d.p)


def test_mcnemar_without_discordant_pairs_is_nan_as_in_r() -> None:
    res = mcnemar([[5, 0], [0, 7]])
    assert math.isnan(res.statistic) and math.isnan(res.p)


def test_mcnemar_symmetric_table_is_not_corrected_as_in_r() -> None:
    # R: YATES is 0 when x == t(x), so the statistic is 0 and p is 1
    res = mcnemar([[5, 4], [4, 7]])
    assert res.statistic == 0 and res.p == 1
