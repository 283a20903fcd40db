"""Tests of samanalyse.inference (tests against background variables).

Reference values: tests/reference/{crosstab,ordinal_regression,nonparametric,
padjust}.json (R chisq.test, fisher.test, MASS::polr, kruskal.test,
prop.trend.test, p.adjust; see make_reference.R). Where R gives nothing
(Cramér's V interval, linear-by-linear, epsilon-squared), the test checks a
hand calculation or scipy.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samanalyse.survey.rounds import load_codebook
from samanalyse.errors import ConvergenceWarning, SamanalyseError, SamanalyseWarning, SmallCellWarning
from samanalyse.analysis.inference import (
    RESULT_COLUMNS,
    AnalysisResult,
    adjust_pvalues,
    chi_square,
    cramers_v,
    fisher_exact,
    forankring_and_samhandling,
    kruskal_wallis,
    ordinal_regression,
    satisfaction_by_background,
    trend_test,
)

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
        res = chi_square(tab32, "answer", "group", p_value="asymptotic")
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
    res = chi_square(tab32, "answer", "group", p_value="exact").iloc[0]
    assert res["p"] == pytest.approx(r["p_value"], abs=CLOSED)
    assert "exact" in res["method"]
    assert fisher_exact(tab32, "answer", "group").iloc[0]["p"] == pytest.approx(r["p_value"], abs=CLOSED)


def test_auto_uses_exact_when_expected_counts_are_small(crosstab, tab32):
    # expected (small, yes) = 10 * 41 / 89 = 4.61 < 5
    with pytest.warns(SmallCellWarning, match="4.61"):
        row = chi_square(tab32, "answer", "group").iloc[0]
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
    no = chi_square(tab22, "answer", "group", p_value="asymptotic").iloc[0]
    assert no["statistic"] == pytest.approx(r["chisq_no_yates"]["statistic"], abs=CLOSED)
    assert no["p"] == pytest.approx(r["chisq_no_yates"]["p_value"], abs=CLOSED)
    assert no["effect"] == pytest.approx(r["phi_cramers_v"]["value"], abs=CLOSED)
    yates = chi_square(tab22, "answer", "group", p_value="asymptotic", correct=True).iloc[0]
    assert yates["statistic"] == pytest.approx(r["chisq_yates"]["statistic"], abs=CLOSED)
    assert yates["p"] == pytest.approx(r["chisq_yates"]["p_value"], abs=CLOSED)
    assert yates["effect"] == pytest.approx(r["phi_cramers_v"]["value"], abs=CLOSED)  # V from the uncorrected X2
    f = fisher_exact(tab22, "answer", "group").iloc[0]
    assert f["p"] == pytest.approx(r["fisher"]["p_value"], abs=CLOSED)
    # conditional MLE and its exact interval: root finding in both R and scipy -> iterative tolerance
    assert f["effect"] == pytest.approx(r["fisher"]["odds_ratio_conditional_mle"], abs=ITER)
    assert [f["ci_low"], f["ci_high"]] == pytest.approx(r["fisher"]["conf_int"], abs=ITER)
    assert f["effect_name"] == "odds_ratio"


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_cramers_v_interval_by_noncentral_chi_square(tab32):
    # V = sqrt(X2 / (n (min(r,c) - 1))); bounds are lambda with P(X2'(df=2, lambda) <= X2) = 0.975 / 0.025
    x2 = chi_square(tab32, "answer", "group", p_value="asymptotic").iloc[0]["statistic"]
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


# --------------------------------------------------------------------------
# p-value adjustment against p.adjust
# --------------------------------------------------------------------------


@pytest.mark.parametrize("ours,theirs", [("holm", "holm"), ("bh", "BH"), ("bonferroni", "bonferroni"),
                                         ("hochberg", "hochberg"), ("by", "BY"), ("BH", "BH")])
def test_adjust_pvalues_matches_p_adjust(ours, theirs):
    r = _ref("padjust.json")
    np.testing.assert_allclose(adjust_pvalues(r["p"], method=ours), r["adjusted"][theirs], atol=1e-12, rtol=0)


def test_adjust_pvalues_keeps_nan_out_of_the_family():
    # holm over the 2 finite p: sorted 0.01, 0.04 -> 2 * 0.01 = 0.02, max(0.02, 1 * 0.04) = 0.04
    out = adjust_pvalues([0.04, np.nan, 0.01], method="holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.04, 0.02])


def test_adjust_pvalues_on_results_table(tab22, tab32):
    t = pd.concat([chi_square(tab22, "answer", "group", p_value="asymptotic"),
                   fisher_exact(tab22, "answer", "group")], ignore_index=True)
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
                         exclude=["Vet ikke/ikke aktuelt"], p_value="asymptotic").iloc[0]
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
            row = fn(d, "q14", "size_class").iloc[0]
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
        row = chi_square(d, "q14", "size_class").iloc[0]
    assert math.isnan(row["statistic"]) and math.isnan(row["p"]) and row["n"] == 40
    with pytest.warns(SmallCellWarning, match="equal"):
        assert math.isnan(kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])
    with pytest.warns(SmallCellWarning, match="same value"):
        assert math.isnan(trend_test(d, "q14", "sentralitet", codebook=cb, scoring="scale").iloc[0]["p"])


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_single_respondent(cb):
    d = _small(cb).iloc[:1]
    with pytest.warns(SmallCellWarning, match="single respondent"):
        row = chi_square(d, "q14", "size_class").iloc[0]
    assert row["n"] == 1 and math.isnan(row["p"])
    with pytest.warns(SmallCellWarning):
        assert math.isnan(kruskal_wallis(d, "q14", "size_class", codebook=cb, scoring="scale").iloc[0]["p"])
    with pytest.warns(SmallCellWarning):
        res = ordinal_regression(d, "q14", ["sentralitet"], codebook=cb, scoring="scale")
    assert res["p"].isna().all()


def test_input_errors(cb):
    d = _small(cb)
    with pytest.raises(SamanalyseError, match="'q99'"):
        chi_square(d, "q99", "size_class")
    with pytest.raises(ValueError, match="p_value"):
        chi_square(d, "q14", "size_class", p_value="bootstrap")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_sim"):
        chi_square(d, "q14", "size_class", n_sim=0)
    with pytest.raises(SamanalyseError, match="'Bra'"):
        chi_square(d, "q14", "size_class", exclude=["Bra"])
    with pytest.raises(ValueError, match="at least one predictor"):
        ordinal_regression(d, "q14", [], codebook=cb, scoring="scale")


# --------------------------------------------------------------------------
# Named analyses on synthetic respondent data
# --------------------------------------------------------------------------


def _synthetic(cb, n: int = 150, seed: int = 11, link: float = 1.2) -> pd.DataFrame:
    """Kommuner whose satisfaction depends on forankring but not on background."""
    rng = np.random.default_rng(seed)
    eta = rng.normal(size=n)
    d: dict[str, object] = {"respondent": [f"{i:04d}" for i in range(n)], "form": ["kommune"] * n}
    erf = cb.scales["erfaring"].labels()
    for it in ["q5a", "q5b", "q5c", "q5d", "q5e", "q5f", "q8a", "q8b", "q8c", "q8d", "q8e", "q8f", "q8g", "q8h"]:
        z = eta + rng.normal(size=n)
        code = np.where(z > 0.0, 1, np.where(z > -1.0, 2, 0))
        code = np.where(rng.random(n) < 0.05, 3, code)
        d[it] = pd.Categorical([erf[c] for c in code], categories=erf)
    sat = cb.scales["tilfredshet"].labels()
    for it in ["q14", "q16", "q18", "q20"]:
        z = link * eta + rng.normal(size=n)
        code = np.digitize(-z, [-1.0, 0.2, 1.2])
        code = np.where(rng.random(n) < 0.05, 4, code)
        d[it] = pd.Categorical([sat[c] for c in code], categories=sat)
    df = pd.DataFrame(d)
    pop = np.round(np.exp(rng.normal(8.6, 1.1, n))).astype(int)
    df["population"] = pd.array(pop, dtype="Int64")
    df["size_class"] = pd.Categorical(
        np.where(pop < 5000, SIZE[0], np.where(pop < 20000, SIZE[1], SIZE[2])), categories=SIZE, ordered=True
    )
    df["sentralitet"] = pd.array(rng.integers(0, 4, n), dtype="Int64")
    df["rhf"] = rng.choice(["Helse Sør-Øst", "Helse Vest", "Helse Midt-Norge", "Helse Nord"], n)
    return df


def _with_helseforetak(df: pd.DataFrame) -> pd.DataFrame:
    hf = df.iloc[:5].copy()
    hf["form"] = "helseforetak"
    hf["respondent"] = [f"HF{i}" for i in range(5)]
    hf["population"] = pd.array([pd.NA] * 5, dtype="Int64")
    hf["sentralitet"] = pd.array([pd.NA] * 5, dtype="Int64")
    hf["size_class"] = pd.Categorical([np.nan] * 5, categories=SIZE, ordered=True)
    return pd.concat([df, hf], ignore_index=True)


@pytest.fixture(scope="module")
def synth(cb) -> pd.DataFrame:
    return _with_helseforetak(_synthetic(cb))


def test_satisfaction_by_background(cb, synth):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = satisfaction_by_background(synth, codebook=cb, n_sim=2000)
    assert isinstance(res, AnalysisResult)
    t = res.table
    assert tuple(t.columns) == RESULT_COLUMNS
    assert (t["n"] <= 150).all()  # helseforetak left out
    assert set(t["outcome"]) == {"q14", "q16", "q18", "q20", "kvalitet_pasientforlop"}
    assert set(t["predictor"]) >= {"size_class", "sentralitet", "log_population"}
    # 4 items x (2 + 2 + 1) + index (2 + 2 + 1) + regression (4 Wald: 2 size dummies, sentralitet,
    # log_population; 3 LR, one per variable; 1 overall LR)
    assert len(t) == 4 * 5 + 5 + (4 + 3 + 1)
    assert t["p_adjusted"].notna().all()
    np.testing.assert_allclose(t["p_adjusted"], adjust_pvalues(t["p"].to_numpy(), method="holm"))
    assert any("helseutgifter" in n and "NOT" in n for n in res.notes)
    # background is independent of satisfaction in this synthetic data: no adjusted p below 0.05
    assert res.significant.empty


def test_forankring_and_samhandling(cb, synth):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = forankring_and_samhandling(synth, codebook=cb)
    t = res.table
    assert tuple(t.columns) == RESULT_COLUMNS
    assert list(t["test"]) == ["chi_square", "fisher_exact", "linear_by_linear"] * 2
    assert set(res.crosstabs) == {"Tabell 56", "Tabell 57"}
    for tab in res.crosstabs.values():
        np.testing.assert_allclose(tab.sum(axis=0), 1.0)
        assert list(tab.index) == ["Dårlig", "Godt"] and list(tab.columns) == ["Dårlig", "Godt"]
        # better forankring -> larger share with Godt kvalitet
        assert tab.loc["Godt", "Godt"] > tab.loc["Godt", "Dårlig"]
    assert (t["n"] == 150).all()  # the 150 synthetic kommuner: the default is form="kommune", as Tabell 56
    both = forankring_and_samhandling(synth, codebook=cb, form=None)
    assert (both.table["n"] == 155).all()  # form=None pools the 5 helseforetak too
    assert (t["p_adjusted"] < 0.05).all()
    fisher = t[t["test"] == "fisher_exact"]
    assert (fisher["effect"] > 1).all()
    # chi-square row equals a direct call on the index classes
    kommuner = synth[synth["form"] == "kommune"]
    direct = chi_square(kommuner, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb).iloc[0]
    assert t.iloc[0]["statistic"] == pytest.approx(direct["statistic"])


def test_forankring_crosstab_by_hand(cb):
    # 4 respondents: avtaler Godt/Godt/Dårlig/Dårlig, kvalitet Godt/Dårlig/Dårlig/Dårlig
    sat = cb.scales["tilfredshet"].labels()
    rows = []
    for avt, kv in [(GOOD, sat[0]), (GOOD, sat[3]), (NOT, sat[3]), (NOT, sat[3])]:
        r = {f"q5{c}": avt for c in "abcdef"} | {f"q8{c}": avt for c in "abcdefgh"}
        r |= {q: kv for q in ["q14", "q16", "q18", "q20"]}
        rows.append(r)
    df = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = forankring_and_samhandling(df, codebook=cb)
    t56 = res.crosstabs["Tabell 56"]
    assert t56.loc["Godt", "Godt"] == pytest.approx(0.5) and t56.loc["Godt", "Dårlig"] == pytest.approx(0.0)
    # Fisher on [[2, 0], [1, 1]] (rows avtaler Dårlig/Godt, cols kvalitet Dårlig/Godt): two-sided p = 1
    assert res.table.iloc[1]["p"] == pytest.approx(stats.fisher_exact([[2, 0], [1, 1]]).pvalue)


def test_every_warning_is_a_samanalyse_warning(cb, synth):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        satisfaction_by_background(synth.iloc[:30], codebook=cb, n_sim=500)
    assert rec and all(issubclass(w.category, SamanalyseWarning) for w in rec), [str(w.message) for w in rec]


def test_convergence_warning_is_a_samanalyse_warning():
    assert issubclass(ConvergenceWarning, SamanalyseWarning)
