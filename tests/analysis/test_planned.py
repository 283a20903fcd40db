"""Tests of samanalyse.analysis.planned (the plan's named analyses) on synthetic respondent data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from samanalyse.analysis.planned import (
    AnalysisResult,
    forankring_and_samhandling,
    satisfaction_by_background,
)
from samanalyse.analysis.tests import RESULT_COLUMNS, chi_square
from samanalyse.errors import (
    ConvergenceWarning,
    SamanalyseWarning,
    SmallCellWarning,
)
from samanalyse.stats.multiple import adjust_pvalues
from samanalyse.survey.rounds import load_codebook, load_round

#: The seed the tests used before seed became a required argument (the 2010 plan's seed).
SEED = 20100401

PLAN = load_round("2010").plan
CAT = load_round("2010").catalogue

SIZE = ["Små kommuner", "Mellomstore kommuner", "Store kommuner"]
GOOD = "Gjennomført med gode erfaringer"
NOT = "Ikke gjennomført"


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")


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
        res = satisfaction_by_background(synth, codebook=cb, plan=PLAN, n_sim=2000)
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
        res = forankring_and_samhandling(synth, codebook=cb, plan=PLAN, catalogue=CAT)
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
    both = forankring_and_samhandling(synth, codebook=cb, plan=PLAN, catalogue=CAT, form=None)
    assert (both.table["n"] == 155).all()  # form=None pools the 5 helseforetak too
    assert (t["p_adjusted"] < 0.05).all()
    fisher = t[t["test"] == "fisher_exact"]
    assert (fisher["effect"] > 1).all()
    # chi-square row equals a direct call on the index classes
    kommuner = synth[synth["form"] == "kommune"]
    direct = chi_square(kommuner, "kvalitet_pasientforlop", "avtaler_og_ledelse", codebook=cb, seed=SEED).iloc[0]
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
        res = forankring_and_samhandling(df, codebook=cb, plan=PLAN, catalogue=CAT)
    t56 = res.crosstabs["Tabell 56"]
    assert t56.loc["Godt", "Godt"] == pytest.approx(0.5) and t56.loc["Godt", "Dårlig"] == pytest.approx(0.0)
    # Fisher on [[2, 0], [1, 1]] (rows avtaler Dårlig/Godt, cols kvalitet Dårlig/Godt): two-sided p = 1
    assert res.table.iloc[1]["p"] == pytest.approx(stats.fisher_exact([[2, 0], [1, 1]]).pvalue)


def test_every_warning_is_a_samanalyse_warning(cb, synth):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        satisfaction_by_background(synth.iloc[:30], codebook=cb, plan=PLAN, n_sim=500)
    assert rec and all(issubclass(w.category, SamanalyseWarning) for w in rec), [str(w.message) for w in rec]


def test_convergence_warning_is_a_samanalyse_warning():
    assert issubclass(ConvergenceWarning, SamanalyseWarning)

