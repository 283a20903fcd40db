"""Tests of samanalyse.analysis.tests (tests against background variables) and stats.contingency / stats.ordinal.

Reference values: tests/reference/{crosstab,ordinal_regression,nonparametric}.json
(R chisq.test, fisher.test, MASS::polr, kruskal.test, prop.trend.test; see
make_reference.R). Where R gives nothing (Cramér's V interval,
linear-by-linear, epsilon-squared), the test checks a hand calculation or scipy.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samanalyse.analysis.tests import (
    RESULT_COLUMNS,
    chi_square,
    cramers_v,
    fisher_exact,
    kruskal_wallis,
    ordinal_regression,
    trend_test,
)
from samanalyse.errors import (
    SamanalyseError,
    SmallCellWarning,
)
from samanalyse.stats.multiple import adjust_pvalues
from samanalyse.survey.rounds import load_codebook

#: The seed the tests used before seed became a required argument (the 2010 plan's seed).
SEED = 20100401

REF = Path(__file__).resolve().parents[1] / "reference"
CLOSED = 1e-6
ITER = 1e-3

SIZE = ["Små kommuner", "Mellomstore kommuner", "Store kommuner"]
GOOD = "Gjennomført med gode erfaringer"
NOT = "Ikke gjennomført"


def _ref(name: str) -> dict:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet (Rscript tests/reference/make_reference.R)")
    return json.loads(path.read_text(encoding="utf-8"))


def _csv(name: str) -> pd.DataFrame:
    path = REF / name
    if not path.exists():
        pytest.skip(f"{path} not generated yet")
    return pd.read_csv(path)


def _expand(counts: pd.DataFrame, answers: list[str], groups: list[str]) -> pd.DataFrame:
    """One row per respondent from a count table (columns group + one per answer)."""
    g, a = [], []
    for _, row in counts.iterrows():
        for ans in answers:
            g += [row["group"]] * int(row[ans])
            a += [ans] * int(row[ans])
    return pd.DataFrame(
        {"group": pd.Categorical(g, categories=groups, ordered=True), "answer": pd.Categorical(a, categories=answers)}
    )


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


@pytest.fixture(scope="module")
def crosstab() -> dict:
    return _ref("crosstab.json")


@pytest.fixture(scope="module")
def tab32() -> pd.DataFrame:
    return _expand(_csv("crosstab_3x2.csv"), ["yes", "no"], ["small", "medium", "large"])


@pytest.fixture(scope="module")
def tab22() -> pd.DataFrame:
    return _expand(_csv("crosstab_2x2.csv"), ["yes", "no"], ["A", "B"])


@pytest.fixture(scope="module")
def ordreg() -> pd.DataFrame:
    d = _csv("ordinal_regression.csv")
    d["size_class"] = pd.Categorical(d["size_class"], categories=["small", "medium", "large"], ordered=True)
    return d



# --------------------------------------------------------------------------
# Chi-square, Fisher, Cramér's V against R
# --------------------------------------------------------------------------


def test_chi_square_3x2_matches_chisq_test(crosstab, tab32):
    r = crosstab["crosstab_3x2"]
    with pytest.warns(SmallCellWarning, match="below 5"):
        res = chi_square(tab32, "answer", "group", p_value="asymptotic", seed=SEED)
    assert tuple(res.columns) == RESULT_COLUMNS and len(res) == 1
    row = res.iloc[0]
    assert row["statistic"] == pytest.approx(r["chisq"]["statistic"], abs=CLOSED)
    assert row["df"] == r["chisq"]["df"]
    assert row["p"] == pytest.approx(r["chisq"]["p_value"], abs=CLOSED)
    assert row["effect"] == pytest.approx(r["cramers_v"]["value"], abs=CLOSED)
    assert row["effect_name"] == "cramers_v" and row["n"] == 89
    assert "below 5" in row["warnings"]


def test_exact_p_3x2_matches_fisher_test(crosstab, tab32):
    r = crosstab["crosstab_3x2"]["fisher"]
    res = chi_square(tab32, "answer", "group", p_value="exact", seed=SEED).iloc[0]
    assert res["p"] == pytest.approx(r["p_value"], abs=CLOSED)
    assert "exact" in res["method"]
    assert fisher_exact(tab32, "answer", "group", seed=SEED).iloc[0]["p"] == pytest.approx(r["p_value"], abs=CLOSED)


def test_auto_uses_exact_when_expected_counts_are_small(crosstab, tab32):
    # expected (small, yes) = 10 * 41 / 89 = 4.61 < 5
    with pytest.warns(SmallCellWarning, match="4.61"):
        row = chi_square(tab32, "answer", "group", seed=SEED).iloc[0]
    assert row["p"] == pytest.approx(crosstab["crosstab_3x2"]["fisher"]["p_value"], abs=CLOSED)


def test_monte_carlo_p_is_seeded_and_close_to_exact(crosstab, tab32):
    a = chi_square(tab32, "answer", "group", p_value="monte_carlo", n_sim=20000, seed=1).iloc[0]
    b = chi_square(tab32, "answer", "group", p_value="monte_carlo", n_sim=20000, seed=1).iloc[0]
    assert a["p"] == b["p"]
    # X2-ordered Monte Carlo p estimates the exact permutation p of X2, close to the asymptotic 0.0497
    # and to Fisher's 0.0603; MC standard error sqrt(0.05 * 0.95 / 20000) = 0.0015
    assert abs(a["p"] - crosstab["crosstab_3x2"]["chisq"]["p_value"]) < 0.015
    assert "Monte Carlo" in a["method"] and "seed 1" in a["method"]


def test_2x2_matches_r(crosstab, tab22):
    r = crosstab["crosstab_2x2"]
    no = chi_square(tab22, "answer", "group", p_value="asymptotic", seed=SEED).iloc[0]
    assert no["statistic"] == pytest.approx(r["chisq_no_yates"]["statistic"], abs=CLOSED)
    assert no["p"] == pytest.approx(r["chisq_no_yates"]["p_value"], abs=CLOSED)
    assert no["effect"] == pytest.approx(r["phi_cramers_v"]["value"], abs=CLOSED)
    yates = chi_square(tab22, "answer", "group", p_value="asymptotic", correct=True, seed=SEED).iloc[0]
    assert yates["statistic"] == pytest.approx(r["chisq_yates"]["statistic"], abs=CLOSED)
    assert yates["p"] == pytest.approx(r["chisq_yates"]["p_value"], abs=CLOSED)
    assert yates["effect"] == pytest.approx(r["phi_cramers_v"]["value"], abs=CLOSED)  # V from the uncorrected X2
    f = fisher_exact(tab22, "answer", "group", seed=SEED).iloc[0]
    assert f["p"] == pytest.approx(r["fisher"]["p_value"], abs=CLOSED)
    # conditional MLE and its exact interval: root finding in both R and scipy -> iterative tolerance
    assert f["effect"] == pytest.approx(r["fisher"]["odds_ratio_conditional_mle"], abs=ITER)
    assert [f["ci_low"], f["ci_high"]] == pytest.approx(r["fisher"]["conf_int"], abs=ITER)
    assert f["effect_name"] == "odds_ratio"


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_cramers_v_interval_by_noncentral_chi_square(tab32):
    # V = sqrt(X2 / (n (min(r,c) - 1))); bounds are lambda with P(X2'(df=2, lambda) <= X2) = 0.975 / 0.025
    x2 = chi_square(tab32, "answer", "group", p_value="asymptotic", seed=SEED).iloc[0]["statistic"]
    v, lo, hi = cramers_v(tab32, "answer", "group")
    n, k = 89, 1
    assert v == pytest.approx(math.sqrt(x2 / (n * k)), abs=1e-12)
    lam_lo, lam_hi = lo**2 * n * k, hi**2 * n * k
    if lam_lo > 0:
        assert stats.ncx2.cdf(x2, 2, lam_lo) == pytest.approx(0.975, abs=1e-8)
    else:
        assert stats.chi2.cdf(x2, 2) <= 0.975
    assert stats.ncx2.cdf(x2, 2, lam_hi) == pytest.approx(0.025, abs=1e-8)
    assert lo <= v <= hi


# --------------------------------------------------------------------------
# Kruskal–Wallis, trend tests against R
# --------------------------------------------------------------------------


def test_kruskal_wallis_matches_r(ordreg):
    r = _ref("nonparametric.json")["kruskal_wallis"]
    row = kruskal_wallis(ordreg, "outcome", "size_class").iloc[0]
    assert row["statistic"] == pytest.approx(r["statistic"], abs=CLOSED)
    assert row["df"] == r["df"]
    assert row["p"] == pytest.approx(r["p_value"], abs=CLOSED)
    # epsilon-squared by hand: H / (n - 1)
    assert row["effect"] == pytest.approx(r["statistic"] / 179, abs=CLOSED)


def test_cochran_armitage_matches_prop_trend_test(ordreg):
    r = _ref("nonparametric.json")["prop_trend_test"]
    d = ordreg.copy()
    d["high"] = pd.Categorical(np.where(d["outcome"] >= 3, "3-4", "1-2"), categories=["1-2", "3-4"])
    row = trend_test(d, "high", "size_class").iloc[0]
    assert row["test"] == "cochran_armitage"
    assert row["statistic"] == pytest.approx(r["statistic"], abs=CLOSED)
    assert row["p"] == pytest.approx(r["p_value"], abs=CLOSED)
    row2 = trend_test(d, "high", "size_class", scores=[0, 1, 2]).iloc[0]
    assert row2["statistic"] == pytest.approx(r["statistic_scores_0_1_2"], abs=CLOSED)
    # positive r: "3-4" more common in larger groups (x/n: 39/81, 38/64, 30/35)
    assert row["effect"] > 0


def test_linear_by_linear_by_hand(ordreg):
    row = trend_test(ordreg, "outcome", "size_class").iloc[0]
    assert row["test"] == "linear_by_linear"
    s = ordreg["size_class"].cat.codes + 1
    r = np.corrcoef(ordreg["outcome"], s)[0, 1]
    # M2 = (N - 1) r^2, df 1
    assert row["statistic"] == pytest.approx(179 * r**2, abs=1e-10)
    assert row["p"] == pytest.approx(stats.chi2.sf(179 * r**2, 1), abs=1e-12)
    z = stats.norm.ppf(0.975)
    assert row["ci_low"] == pytest.approx(math.tanh(math.atanh(r) - z / math.sqrt(177)), abs=1e-12)


def test_trend_needs_ordered_groups(tab22):
    d = tab22.copy()
    d["group"] = d["group"].cat.as_unordered()
    with pytest.raises(SamanalyseError, match="unordered categorical"):
        trend_test(d, "answer", "group")
    assert np.isfinite(trend_test(d, "answer", "group", scores={"A": 0, "B": 1}).iloc[0]["p"])


# --------------------------------------------------------------------------
# Ordinal regression against MASS::polr
# --------------------------------------------------------------------------


def test_ordinal_regression_matches_polr(ordreg):
    r = _ref("ordinal_regression.json")["polr_tight"]
    res = ordinal_regression(ordreg, "outcome", ["size_class", "sentralitet", "log_pop"])
    wald = res[res["test"] == "ordinal_regression"].set_index("predictor")
    names = {"size_class[medium]": "size_class_fmedium", "size_class[large]": "size_class_flarge",
             "sentralitet": "sentralitet", "log_pop": "log_pop"}
    assert list(wald.index) == list(names)
    for ours, theirs in names.items():
        beta = r["coefficients"][theirs]
        se = r["se_coefficients"][theirs]
        assert math.log(wald.loc[ours, "effect"]) == pytest.approx(beta, abs=ITER)
        assert wald.loc[ours, "statistic"] == pytest.approx(beta / se, abs=ITER)
        assert math.log(wald.loc[ours, "ci_low"]) == pytest.approx(beta - stats.norm.ppf(0.975) * se, abs=ITER)
    np.testing.assert_allclose(res.attrs["thresholds"].to_numpy(), list(r["zeta"].values()), atol=ITER)
    assert res.attrs["loglik"] == pytest.approx(r["logLik"], abs=ITER)
    assert (res["n"] == r["nobs"]).all()
    lr = res[res["test"] == "ordinal_regression_lr"].set_index("predictor")
    assert list(lr.index) == ["size_class", "sentralitet", "log_pop", "(all)"]
    assert lr.loc["size_class", "df"] == 2 and lr.loc["(all)", "df"] == 4


def test_ordinal_regression_lr_by_hand(ordreg):
    # LR of a single predictor against the thresholds-only model, whose log-likelihood is
    # sum_k n_k log(n_k / n) (closed form)
    res = ordinal_regression(ordreg, "outcome", ["sentralitet"])
    counts = ordreg["outcome"].value_counts().to_numpy()
    ll0 = float(np.sum(counts * np.log(counts / counts.sum())))
    lr = res[res["predictor"] == "(all)"].iloc[0]
    assert lr["statistic"] == pytest.approx(2 * (res.attrs["loglik"] - ll0), abs=1e-9)


def test_ordinal_regression_single_category_outcome(ordreg):
    d = ordreg.copy()
    d["outcome"] = 2
    with pytest.warns(SmallCellWarning, match="1 distinct value"):
        res = ordinal_regression(d, "outcome", ["sentralitet"])
    assert res["p"].isna().all() and res["warnings"].str.len().gt(0).all()


def test_adjust_pvalues_on_results_table(tab22, tab32):
    t = pd.concat([chi_square(tab22, "answer", "group", p_value="asymptotic", seed=SEED),
                   fisher_exact(tab22, "answer", "group", seed=SEED)], ignore_index=True)
    out = adjust_pvalues(t, method="bh")
    assert out["p_adjusted"].tolist() == pytest.approx(adjust_pvalues(t["p"].to_numpy(), method="bh").tolist())
    assert out["method"].str.contains("Benjamini-Hochberg adjustment over 2 tests").all()
    assert t["p_adjusted"].isna().all()  # input not modified
    with pytest.raises(ValueError, match="Unknown adjustment 'sidak'"):
        adjust_pvalues([0.1], method="sidak")
    with pytest.raises(ValueError, match=r"\[1.5\]"):
        adjust_pvalues([0.1, 1.5])


# --------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------


def _small(cb) -> pd.DataFrame:
    labels = cb.item("q14").scale.labels()
    rng = np.random.default_rng(5)
    n = 40
    return pd.DataFrame(
        {
            "q14": pd.Categorical(rng.choice(labels, n), categories=labels),
            "size_class": pd.Categorical(
                rng.choice(["Små kommuner", "Store kommuner"], n), categories=SIZE, ordered=True
            ),
            "sentralitet": pd.array(rng.integers(0, 4, n), dtype="Int64"),
        }
    )


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_group_with_zero_respondents_is_left_out_with_warning(cb):
    d = _small(cb)
    with pytest.warns(SmallCellWarning, match="'Mellomstore kommuner'"):
        row = chi_square(d, "q14", "size_class", codebook=cb, collapse="godt_darlig",
                         exclude=["Vet ikke/ikke aktuelt"], p_value="asymptotic", seed=SEED).iloc[0]
    assert row["df"] == 1 and np.isfinite(row["p"])
    assert "no respondents" in row["warnings"]
    with pytest.warns(SmallCellWarning, match="'Mellomstore kommuner'"):
        kw = kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]
    assert kw["df"] == 1


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_item_nobody_answered(cb):
    d = _small(cb)
    d["q14"] = pd.Categorical([np.nan] * len(d), categories=cb.item("q14").scale.labels())
    for fn in (chi_square, fisher_exact):
        with pytest.warns(SmallCellWarning, match="no respondents"):
            row = fn(d, "q14", "size_class", seed=SEED).iloc[0]
        assert row["n"] == 0 and math.isnan(row["p"]) and row["warnings"]
    with pytest.warns(SmallCellWarning):
        assert math.isnan(kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])
    with pytest.warns(SmallCellWarning):
        assert math.isnan(trend_test(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_all_answers_in_one_category(cb):
    d = _small(cb)
    d["q14"] = pd.Categorical(["Svært godt"] * len(d), categories=cb.item("q14").scale.labels())
    with pytest.warns(SmallCellWarning, match="one category"):
        row = chi_square(d, "q14", "size_class", seed=SEED).iloc[0]
    assert math.isnan(row["statistic"]) and math.isnan(row["p"]) and row["n"] == 40
    with pytest.warns(SmallCellWarning, match="equal"):
        assert math.isnan(kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])
    with pytest.warns(SmallCellWarning, match="same value"):
        assert math.isnan(trend_test(d, "q14", "sentralitet", codebook=cb, scoring="scale").iloc[0]["p"])


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_single_respondent(cb):
    d = _small(cb).iloc[:1]
    with pytest.warns(SmallCellWarning, match="single respondent"):
        row = chi_square(d, "q14", "size_class", seed=SEED).iloc[0]
    assert row["n"] == 1 and math.isnan(row["p"])
    with pytest.warns(SmallCellWarning):
        assert math.isnan(kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])
    with pytest.warns(SmallCellWarning):
        res = ordinal_regression(d, "q14", ["sentralitet"], codebook=cb, scoring="scale")
    assert res["p"].isna().all()


def test_input_errors(cb):
    d = _small(cb)
    with pytest.raises(SamanalyseError, match="'q99'"):
        chi_square(d, "q99", "size_class", seed=SEED)
    with pytest.raises(ValueError, match="p_value"):
        chi_square(d, "q14", "size_class", p_value="bootstrap", seed=SEED)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_sim"):
        chi_square(d, "q14", "size_class", n_sim=0, seed=SEED)
    with pytest.raises(SamanalyseError, match="'Bra'"):
        chi_square(d, "q14", "size_class", exclude=["Bra"], seed=SEED)
    with pytest.raises(ValueError, match="at least one predictor"):
        ordinal_regression(d, "q14", [], codebook=cb, scoring="scale")


