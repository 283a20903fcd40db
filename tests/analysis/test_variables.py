"""analysis._variables and analysis.tests' table building: the faster code gives the frames of the plain one.

- the contingency table counted by category codes equals the cell-by-cell count it replaced;
- results_frame built column by column equals the frame of the records (values, dtypes, CSV bytes);
- inside reusing() an analysis's index scores and collapsed answers are computed once, and equal the fresh ones.
"""

from __future__ import annotations

import math
from contextlib import nullcontext

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis import _variables
from samanalyse.analysis._reuse import reusing
from samanalyse.analysis.tests import RESULT_COLUMNS, _row, results_frame
from samanalyse.errors import SmallCellWarning
from samanalyse.stats._checks import WarningLog, category_order


def _cellwise(y: pd.Series, g: pd.Series) -> np.ndarray:
    ok = y.notna() & g.notna()
    yy, gg = y[ok], g[ok]
    return np.array([[int(((gg == r) & (yy == c)).sum()) for c in category_order(y)] for r in category_order(g)],
                    dtype=np.int64)


@pytest.mark.parametrize("kind", ["categorical", "object", "numeric"])
def test_table_equals_cellwise_count(kind: str) -> None:
    rng = np.random.default_rng(5)
    n = 300
    y = pd.Series(rng.choice(["a", "b", "c", None], n), dtype=object)
    g = pd.Series(rng.choice([1.0, 2.0, 3.0, np.nan], n))
    if kind == "categorical":
        y = pd.Series(pd.Categorical(y, categories=["c", "a", "b", "d"]))
        g = pd.Series(pd.Categorical(g, categories=[3.0, 1.0, 2.0], ordered=True))
    elif kind == "numeric":
        y = pd.Series(rng.choice([0, 1, 5], n)).astype(float).where(rng.random(n) > 0.1)
    with pytest.warns(SmallCellWarning, match="'d'") if kind == "categorical" else nullcontext():
        table, rows, cols, count = _variables._table(y, g, "y", "g", WarningLog())
    want = _cellwise(y, g)
    keep_r, keep_c = want.sum(axis=1) > 0, want.sum(axis=0) > 0
    assert np.array_equal(table, want[keep_r][:, keep_c])
    assert count == int(want.sum())


def test_results_frame_equals_frame_of_records() -> None:
    rows = [_row("chi_square", "q1", "size_class", 10), _row("trend", "q2", "x", 0),
            {**_row("fisher_exact", "q3", "y", 7), "p": 0.25, "effect": math.inf, "warnings": "a; b"}]
    got = results_frame(rows)
    want = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    want["n"] = want["n"].astype("int64")
    for c in ("statistic", "df", "p", "p_adjusted", "effect", "ci_low", "ci_high"):
        want[c] = want[c].astype(float)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.dtypes) == list(want.dtypes)
    assert got.to_csv(index=False) == want.to_csv(index=False)
    assert list(results_frame([]).columns) == list(RESULT_COLUMNS)


@pytest.fixture(scope="module")
def round2010():
    from samanalyse.io.datasets import load_round_data
    from samanalyse.survey.rounds import load_round

    rnd = load_round("2010")
    return load_round_data(rnd), rnd.codebook


def test_index_scores_computed_once_within_reusing(round2010, monkeypatch) -> None:
    data2010, codebook2010 = round2010
    calls = []
    real = _variables.index_scores
    monkeypatch.setattr(_variables, "index_scores", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    name = next(iter(codebook2010.indices))
    fresh = _variables._numeric(data2010, name, codebook2010)
    with reusing():
        first = _variables._numeric(data2010, name, codebook2010)
        again = _variables._categorical(data2010, name, codebook2010)
    assert calls == [name, name]            # once outside, once inside the block
    pd.testing.assert_series_equal(first, fresh)
    pd.testing.assert_series_equal(again, real(data2010, name, codebook=codebook2010)["class"])


def test_collapse_of_distinct_answers_equals_collapse_values(round2010) -> None:
    from samanalyse.survey.answers import collapse_values, item_scale

    data2010, codebook2010 = round2010
    checked = 0
    for column in data2010.columns:
        try:
            scale = item_scale(codebook2010, column)
        except Exception:  # noqa: BLE001 - not a closed item
            continue
        for rule in scale.collapses:
            big = pd.concat([data2010[column]] * 5, ignore_index=True)  # many repeats: the distinct-answers path
            pd.testing.assert_series_equal(_variables._collapsed(big, scale, rule.name, column),
                                           collapse_values(big, scale, rule.name, column))
            small = data2010[column].iloc[:3]
            pd.testing.assert_series_equal(_variables._collapsed(small, scale, rule.name, column),
                                           collapse_values(small, scale, rule.name, column))
            checked += 1
    assert checked >= 5
