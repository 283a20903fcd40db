"""Tests of samanalyse.indices (codebook indices, alpha, omega, item-rest).

Reference values: tests/reference/alpha_omega.json (R psych::alpha and
psych::omega(nfactors = 1), plus the same minres model solved to a fixed
point; see make_reference.R). Index scores are checked by hand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.indices import (
    INDEX_SCORES_COLUMNS,
    cronbach_alpha,
    index_crosstab,
    index_scores,
    item_rest,
    item_scores,
    mcdonald_omega,
)
from samanalyse.errors import SamanalyseError, SmallCellWarning
from samanalyse.survey.codebook import Index
from samanalyse.survey.rounds import load_codebook

REF = Path(__file__).resolve().parents[1] / "reference"
CLOSED = 1e-6
ITER = 1e-3

GOOD = "Gjennomført med gode erfaringer"
NOT = "Ikke gjennomført"
BAD = "Gjennomført med usikre/dårlige erfaringer"
DK = "Vet ikke/ikke aktuelt"


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


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


# --------------------------------------------------------------------------
# Cronbach's alpha against psych::alpha
# --------------------------------------------------------------------------


def test_weak_item_raises_alpha_when_dropped(ref, items7):
    t = item_rest(items7, list(items7.columns)).set_index("item")
    a = cronbach_alpha(items7, list(items7.columns)).alpha
    assert t.loc["q7", "alpha_if_dropped"] > a
    assert t["r_rest"].idxmin() == "q7"


def test_alpha_listwise_deletion(items7):
    x = items7.astype(float).copy()
    x.iloc[0, 0] = np.nan
    x.iloc[5, 3] = np.nan
    a = cronbach_alpha(x, list(x.columns))
    b = cronbach_alpha(x.dropna(), list(x.columns))
    assert a.n == 148 and a.alpha == pytest.approx(b.alpha, abs=1e-12)


# --------------------------------------------------------------------------
# Omega against psych::omega(nfactors = 1)
# --------------------------------------------------------------------------


def test_omega_needs_three_items(items7):
    with pytest.raises(ValueError, match="at least 3 items"):
        mcdonald_omega(items7, ["q1", "q2"])


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------


def test_scale_scoring(cb):
    labels = cb.item("q14").scale.labels()
    df = pd.DataFrame({"q14": pd.Categorical(labels + [np.nan], categories=labels)})
    s = item_scores(df, ["q14"], codebook=cb, scoring="scale")["q14"]
    # codebook: Svært godt 4, Nokså godt 3, Nokså dårlig 2, Svært dårlig 1, Vet ikke -> missing
    assert s.iloc[:4].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert s.iloc[4:].isna().all()


def test_experience_scale_has_no_scores(cb):
    df = pd.DataFrame({"q5a": pd.Categorical([GOOD])})
    with pytest.raises(SamanalyseError, match="has no scores; use scoring='index'"):
        item_scores(df, ["q5a"], codebook=cb, scoring="scale")


def test_index_scoring_zero_rule(cb):
    df = pd.DataFrame({"q5a": [GOOD, NOT, BAD, DK, np.nan]})
    s = item_scores(df, ["q5a"], codebook=cb, scoring="index", index="avtaler_og_ledelse")["q5a"]
    assert s.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_unknown_label_is_reported(cb):
    df = pd.DataFrame({"q5a": ["Kjempebra"]})
    with pytest.raises(SamanalyseError, match="'Kjempebra'"):
        item_scores(df, ["q5a"], codebook=cb, scoring="index", index="avtaler_og_ledelse")


def test_numeric_scoring_rejects_text():
    with pytest.raises(SamanalyseError, match="not numeric"):
        item_scores(pd.DataFrame({"a": ["x", "y"]}), ["a"])


def test_bad_scoring_and_items():
    x = pd.DataFrame({"a": [1, 2], "b": [2, 3]})
    with pytest.raises(ValueError, match="Unknown scoring 'sum'"):
        cronbach_alpha(x, ["a", "b"], scoring="sum")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(x, ["a"])
    with pytest.raises(ValueError, match="more than once"):
        cronbach_alpha(x, ["a", "a"])
    with pytest.raises(SamanalyseError, match="'c'"):
        cronbach_alpha(x, ["a", "c"])


# --------------------------------------------------------------------------
# Index scores and cross-tables (hand calculations)
# --------------------------------------------------------------------------


def _avtaler(rows: list[list[object]]) -> pd.DataFrame:
    items = ["q5a", "q5b", "q5c", "q5d", "q5e", "q5f"]
    df = pd.DataFrame(rows, columns=items)
    df.insert(0, "respondent", [f"{i + 1:04d}" for i in range(len(rows))])
    return df


def test_index_scores_by_hand(cb):
    df = _avtaler(
        [
            [GOOD] * 6,  # 6 points -> Godt
            [GOOD] * 4 + [NOT, BAD],  # 4 -> Godt (cut [4,6])
            [GOOD] * 3 + [DK, np.nan, NOT],  # 3 -> Dårlig (cut [0,3]); DK and NA count 0
            [np.nan] * 6,  # nobody answered: 0 under missing: zero
        ]
    )
    s = index_scores(df, "avtaler_og_ledelse", codebook=cb)
    assert tuple(s.columns) == INDEX_SCORES_COLUMNS
    assert s["score"].tolist() == [6, 4, 3, 0]
    assert s["class"].astype(str).tolist() == ["Godt", "Godt", "Dårlig", "Dårlig"]
    assert s["n_answered"].tolist() == [6, 6, 4, 0]
    assert s["respondent"].tolist() == ["0001", "0002", "0003", "0004"]
    assert s["class"].cat.ordered and list(s["class"].cat.categories) == ["Dårlig", "Godt"]


def test_index_require_all(cb):
    base = cb.indices["avtaler_og_ledelse"]
    strict = Index(name="strict", label="x", items=base.items, score_codes=base.score_codes, missing="require_all",
                   cuts=base.cuts)
    df = _avtaler([[GOOD] * 6, [GOOD] * 5 + [DK], [GOOD] * 5 + [np.nan], [NOT] * 6])
    s = index_scores(df, strict, codebook=cb)
    assert s["score"].tolist()[0] == 6 and s["score"].tolist()[3] == 0
    assert s["score"].isna().tolist() == [False, True, True, False]
    assert s["class"].isna().tolist() == [False, True, True, False]
    assert s["n_points"].tolist() == [6, 5, 5, 0]


def _kvalitet_and_avtaler(cb) -> pd.DataFrame:
    sat = cb.item("q14").scale.labels()
    good, bad = sat[0], sat[2]
    # avtaler Godt (6 points) for 3 respondents, Dårlig (0 points) for 2
    rows = []
    kval = [[good] * 4, [good] * 3 + [bad], [bad] * 4, [good] * 2 + [bad] * 2, [bad] * 4]
    avt = [[GOOD] * 6, [GOOD] * 6, [GOOD] * 6, [NOT] * 6, [NOT] * 6]
    for k, a in zip(kval, avt):
        rows.append(a + k)
    df = pd.DataFrame(rows, columns=["q5a", "q5b", "q5c", "q5d", "q5e", "q5f", "q14", "q16", "q18", "q20"])
    return df


def test_index_crosstab_by_hand(cb):
    df = _kvalitet_and_avtaler(cb)
    t = index_crosstab(df, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb)
    # kvalitet scores: 4, 3, 0, 2, 0 -> Godt, Godt, Dårlig, Dårlig, Dårlig
    # avtaler Godt (first 3): kvalitet Godt 2 of 3; avtaler Dårlig (last 2): kvalitet Godt 0 of 2
    assert t.loc["Godt", "Godt"] == pytest.approx(2 / 3)
    assert t.loc["Dårlig", "Godt"] == pytest.approx(1 / 3)
    assert t.loc["Dårlig", "Dårlig"] == pytest.approx(1.0)
    assert t.loc["Godt", "Dårlig"] == pytest.approx(0.0)
    assert t.index.name == "kvalitet_pasientforlop" and t.columns.name == "avtaler_og_ledelse"
    np.testing.assert_allclose(t.sum(axis=0), 1.0)
    assert t.attrs["n"] == 5
    counts = index_crosstab(df, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb, normalize=None)
    assert counts.to_numpy().tolist() == [[2, 1], [0, 2]]


def test_index_crosstab_empty_column_is_nan_with_warning(cb):
    df = _kvalitet_and_avtaler(cb).iloc[:3]  # avtaler all Godt
    with pytest.warns(SmallCellWarning, match="'Dårlig'"):
        t = index_crosstab(df, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb)
    assert t["Dårlig"].isna().all()
    assert t["Godt"].sum() == pytest.approx(1.0)


def test_index_crosstab_bad_arguments(cb):
    df = _kvalitet_and_avtaler(cb)
    with pytest.raises(ValueError, match="normalize"):
        index_crosstab(df, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb, normalize="index")  # type: ignore[arg-type]
    with pytest.raises(SamanalyseError, match="No index 'forankring'"):
        index_crosstab(df, "forankring", "avtaler_og_ledelse", codebook=cb)
    with pytest.raises(SamanalyseError, match="'q8a'"):
        index_crosstab(df, "kvalitet_pasientforlop", "kompetanse", codebook=cb)


def test_alpha_of_index_items(cb):
    rng = np.random.default_rng(3)
    eta = rng.normal(size=80)
    rows = [[GOOD if e + rng.normal() > 0 else NOT for _ in range(6)] for e in eta]
    df = _avtaler(rows)
    a = cronbach_alpha(df, codebook=cb, scoring="index", index="avtaler_og_ledelse")
    x = item_scores(df, codebook=cb, scoring="index", index="avtaler_og_ledelse")
    # alpha by hand from the 0/1 scores: k/(k-1) (1 - sum var_i / var(total))
    k = 6
    expected = k / (k - 1) * (1 - x.var(ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert a.alpha == pytest.approx(expected, abs=1e-12)
    assert a.scoring == "index" and a.n == 80


# --------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------


def test_single_respondent_gives_nan_with_warning():
    x = pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]})
    with pytest.warns(SmallCellWarning, match="only 1 respondent"):
        a = cronbach_alpha(x, ["a", "b", "c"])
    assert math.isnan(a.alpha) and a.warnings
    with pytest.warns(SmallCellWarning):
        o = mcdonald_omega(x, ["a", "b", "c"])
    assert math.isnan(o.omega_total)


def test_constant_item_warns():
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [1, 1, 1, 1, 1]})
    with pytest.warns(SmallCellWarning, match="'c'"):
        a = cronbach_alpha(x, ["a", "b", "c"])
    assert math.isnan(a.std_alpha)
    assert np.isfinite(a.alpha)
    assert math.isnan(a.items.set_index("item").loc["c", "r_rest"])


def test_item_nobody_answered_gives_nan(cb):
    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 2.5, 3.0], "c": [np.nan] * 3})
    with pytest.warns(SmallCellWarning, match="0 respondent"):
        a = cronbach_alpha(x, ["a", "b", "c"])
    assert math.isnan(a.alpha) and a.n == 0
