"""Tests of samanalyse.analysis.shares (shares of an item's categories from respondent data).

Reference values: tests/reference/survey.json (R survey::svymean/svyciprop on
svy_sample.csv; see make_reference.R); the rest are hand calculations.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from samanalyse.analysis.shares import PROPORTIONS_COLUMNS, proportions
from samanalyse.errors import SamanalyseError, SmallCellWarning
from samanalyse.stats.proportions import proportion_ci
from samanalyse.survey.rounds import load_codebook

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


@pytest.fixture(scope="module")
def svy() -> pd.DataFrame:
    path = REF / "svy_sample.csv"
    if not path.exists():
        pytest.skip("svy_sample.csv not generated yet")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def cb():
    return load_codebook("2010")



# --------------------------------------------------------------------------
# against R survey
# --------------------------------------------------------------------------


STRATA_N = {1: 95, 2: 60, 3: 180, 4: 95}


@pytest.mark.parametrize(
    "method,r_method,tol", [("fpc_logit", "logit", CLOSED), ("fpc_wald", "mean", CLOSED), ("fpc_beta", "beta", CLOSED)]
)
def test_stratified_fpc_from_respondent_data_matches_svyciprop(survey_ref, svy, method, r_method, tol):
    d = survey_ref["designs"]["strat_fpc"]
    # the same from respondent-level data
    tab = proportions(svy, "y", strata="stratum", frame_size=STRATA_N, method=method)
    row = tab[tab["category"] == 1].iloc[0]
    assert row["share"] == pytest.approx(d["svymean"]["mean"], abs=CLOSED)
    assert row["se"] == pytest.approx(d["svymean"]["SE"], abs=CLOSED)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(d["svyciprop"][r_method]["ci"], abs=tol)
    assert row["count"] == 131 and row["n"] == 187


def test_srs_fpc_from_respondent_data_matches_svyciprop(survey_ref, svy):
    d = survey_ref["designs"]["srs_fpc"]
    tab = proportions(svy, "y", frame_size=430, method="fpc_beta")
    row = tab[tab["category"] == 1].iloc[0]
    assert row["group"] == "Alle"
    assert row["se"] == pytest.approx(d["svymean"]["SE"], abs=CLOSED)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(d["svyciprop"]["beta"]["ci"], abs=CLOSED)



# --------------------------------------------------------------------------
# proportions() on synthetic respondent data
# --------------------------------------------------------------------------


def _data(cb) -> pd.DataFrame:
    labels = cb.item("q14").scale.labels()  # Svært godt, Nokså godt, Nokså dårlig, Svært dårlig, Vet ikke
    answers = (
        [labels[0]] * 3 + [labels[1]] * 5 + [labels[2]] * 2 + [labels[4]] * 2  # small: 12
        + [labels[1]] * 4 + [labels[3]] * 4  # large: 8
    )
    size = ["Små kommuner"] * 12 + ["Store kommuner"] * 8
    df = pd.DataFrame(
        {
            "respondent": [f"{i:04d}" for i in range(20)],
            "q14": pd.Categorical(answers, categories=labels),
            "size_class": pd.Categorical(
                size, categories=["Små kommuner", "Mellomstore kommuner", "Store kommuner"], ordered=True
            ),
            "rhf": ["Helse Vest"] * 10 + ["Helse Nord"] * 10,
        }
    )
    df.loc[0, "q14"] = np.nan  # one respondent skipped the question
    return df


def test_proportions_columns_and_counts(cb):
    df = _data(cb)
    with pytest.warns(SmallCellWarning, match="'Mellomstore kommuner'"):
        tab = proportions(df, "q14", by="size_class", collapse="godt_darlig", codebook=cb,
                          exclude=["Vet ikke/ikke aktuelt"])
    assert tuple(tab.columns) == PROPORTIONS_COLUMNS
    small = tab[tab["group"] == "Små kommuner"].set_index("category")
    # small: answered 11 (one NA), Vet ikke 2 excluded -> n = 9; Godt = 2 + 5 = 7 (one Svært godt is NA)
    assert small.loc["Godt", "n"] == 9 and small.loc["Godt", "count"] == 7
    assert small.loc["Godt", "share"] == pytest.approx(7 / 9)
    lo, hi = proportion_confint(7, 9, method="wilson")
    assert (small.loc["Godt", "ci_low"], small.loc["Godt", "ci_high"]) == pytest.approx((lo, hi), abs=1e-9)
    mid = tab[tab["group"] == "Mellomstore kommuner"]
    assert (mid["n"] == 0).all() and mid["share"].isna().all()
    assert mid["warnings"].str.contains("no respondents").all()
    assert list(tab["category"].unique()) == ["Dårlig", "Godt"]


def test_proportions_without_by_includes_dont_know_by_default(cb):
    df = _data(cb)
    tab = proportions(df, "q14").set_index("category")
    assert (tab["group"] == "Alle").all()
    assert tab.loc["Vet ikke/ikke aktuelt", "count"] == 2
    assert (tab["n"] == 19).all()
    assert tab["share"].sum() == pytest.approx(1.0)


def test_proportions_fpc_overall_equals_proportion_ci(cb):
    df = _data(cb).dropna(subset=["q14"])
    tab = proportions(df, "q14", method="fpc", frame_size=40).set_index("category")
    # Nokså godt: 5 (small) + 4 (large) = 9 of 19
    ci = proportion_ci(9, 19, method="fpc", frame_size=40)
    row = tab.loc["Nokså godt"]
    assert (row["share"], row["se"], row["ci_low"], row["ci_high"]) == pytest.approx(
        (ci.estimate, ci.se, ci.ci_low, ci.ci_high), abs=1e-12
    )


@pytest.mark.filterwarnings("ignore::samanalyse.errors.SmallCellWarning")
def test_proportions_stratified_by_stratum_is_srs_within_stratum(cb):
    df = _data(cb).dropna(subset=["q14"])
    pops = {"Helse Vest": 30, "Helse Nord": 25}
    tab = proportions(df, "q14", by="rhf", frame_size=pops, method="fpc_wald")
    row = tab[(tab["group"] == "Helse Nord") & (tab["category"] == "Svært dårlig")].iloc[0]
    # Helse Nord: 10 respondents, 4 Svært dårlig -> SRS with N = 25: SE = sqrt((1 - 10/25) 0.4 0.6 / 9)
    assert row["share"] == pytest.approx(0.4)
    assert row["se"] == pytest.approx(math.sqrt(0.6 * 0.24 / 9), abs=1e-12)


def test_proportions_srs_domain_by_hand(cb):
    # SRS of n = 19 from N = 40; domain d = Store kommuner (n_d = 8, all answered), Svært dårlig 4 of 8.
    # Linearised domain ratio with w = N/n: w u_i = z_i (y_i - p_d) / n_d, whose mean is 0, so
    # var = (1 - n/N) n/(n-1) sum_d (y_i - p_d)^2 / n_d^2 = (1 - 19/40) * 19/18 * p(1-p) / n_d
    df = _data(cb).dropna(subset=["q14"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        tab = proportions(df, "q14", by="size_class", frame_size=40, method="fpc_wald")
    row = tab[(tab["group"] == "Store kommuner") & (tab["category"] == "Svært dårlig")].iloc[0]
    assert row["share"] == pytest.approx(0.5)
    assert row["se"] == pytest.approx(math.sqrt((1 - 19 / 40) * 19 / 18 * 0.25 / 8), abs=1e-12)


def test_item_nobody_answered(cb):
    df = _data(cb)
    df["q14"] = pd.Categorical([np.nan] * len(df), categories=cb.item("q14").scale.labels())
    with pytest.warns(SmallCellWarning, match="no respondents with an answer"):
        tab = proportions(df, "q14")
    assert tab["share"].isna().all() and (tab["n"] == 0).all()


def test_proportions_input_errors(cb):
    df = _data(cb)
    with pytest.raises(SamanalyseError, match="'q99'"):
        proportions(df, "q99")
    with pytest.raises(SamanalyseError, match="'Bra'"):
        proportions(df, "q14", categories=["Bra"])
    with pytest.raises(ValueError, match="codebook"):
        proportions(df, "q14", collapse="godt_darlig")
    with pytest.raises(SamanalyseError, match="No population size for stratum"):
        proportions(df, "q14", by="rhf", frame_size={"Helse Vest": 30}, method="fpc")
    with pytest.raises(ValueError, match="population"):
        proportions(df, "q14", frame_size=40)




#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "shares-unknown-column", "area": "Andeler", "input": "Shares of a column the data does not have",
     "message": "proportions: the data has no column(s) 'q99'; columns are form, respondent, q14."},
    {"id": "shares-frame-for-binomial", "area": "Andeler", "input": "frame_size given with the Wilson interval",
     "message": "frame_size (the population of the frame) is only used by the design-based methods fpc, fpc_logit, "
                "fpc_wald, fpc_beta; got method 'wilson'."},
]


def _tiny() -> pd.DataFrame:
    return pd.DataFrame({"form": ["kommune"] * 3, "respondent": ["1", "2", "3"], "q14": ["a", "b", "a"]})


_BAD_CALLS = {
    "shares-unknown-column": lambda: proportions(_tiny(), "q99"),
    "shares-frame-for-binomial": lambda: proportions(_tiny(), "q14", frame_size=40),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case):
    with pytest.raises(SamanalyseError) as err:
        _BAD_CALLS[case["id"]]()
    assert str(err.value) == case["message"]
