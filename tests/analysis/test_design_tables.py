"""Weighted tables, Rao–Scott tests and weighted index estimates against R survey (issue 15, item 3).

Reference: tests/reference/design_tables.json, made by make_design_tables_reference.R from the
2010 (reconstructed) data with raking weights; every number to 1e-6.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.design_indices import index_estimates
from samanalyse.analysis.design_tests import rao_scott
from samanalyse.analysis.planned import forankring_and_samhandling, satisfaction_by_background
from samanalyse.analysis.weighted import FormDesigns, weighted_cells
from samanalyse.analysis.weights import round_weights
from samanalyse.io.datasets import load_round_data
from samanalyse.survey.rounds import load_round

REF = json.loads((Path(__file__).parents[1] / "reference" / "design_tables.json").read_text(encoding="utf-8"))
TOL = 1e-6


@pytest.fixture(scope="module")
def setup():
    rnd = load_round("2010")
    data = load_round_data(rnd)
    return rnd, data, FormDesigns(data, round_weights(rnd, "raking"))


def _se(v: object) -> float:
    return float(np.ravel(v)[0])


def _check_share(row: pd.Series, ref: dict) -> None:
    assert row["weighted"] == pytest.approx(100 * ref["estimate"], abs=100 * TOL)
    assert row["weighted_se"] == pytest.approx(100 * _se(ref["se"]), abs=100 * TOL)
    if ref["deff"] == "Inf":   # R's deff of a group asked whole (no SRS variance): undefined, shown blank
        assert np.isnan(row["deff"])
    else:
        assert row["deff"] == pytest.approx(ref["deff"], abs=TOL)
    assert row["weighted_ci_low"] == pytest.approx(100 * ref["ci"][0], abs=100 * TOL)
    assert row["weighted_ci_high"] == pytest.approx(100 * ref["ci"][1], abs=100 * TOL)


@pytest.mark.parametrize("form,population", [("kommune", "kommuner"), ("helseforetak", "helseforetak")])
def test_tabell_1_weighted_per_rhf_equals_svyciprop(setup, form, population):
    rnd, _, fd = setup
    w = weighted_cells("T01", fd, codebook=rnd.codebook, catalogue=rnd.catalogue)
    w = w[w["population"] == population]
    checked = 0
    for key, cat in (("darlig", "Dårlig"), ("godt", "Godt")):
        for group, ref in REF["T01"][form][key].items():
            row = w[(w["group"] == group) & (w["category"] == cat) & (w["breakdown"] != "note")].iloc[0]
            _check_share(row, ref)
            checked += 1
    assert checked == 2 * (1 + 4)
    if form == "kommune":
        _check_share(w[w["breakdown"] == "note"].iloc[0], REF["T01"]["kommune"]["mangler"])


def test_tabell_2_by_size_class(setup):
    rnd, _, fd = setup
    w = weighted_cells("T02", fd, codebook=rnd.codebook, catalogue=rnd.catalogue)
    for group, ref in REF["T02"]["darlig"].items():
        _check_share(w[(w["group"] == group) & (w["category"] == "Dårlig")].iloc[0], ref)


def test_index_crosstab_column_shares(setup):
    rnd, _, fd = setup
    w = weighted_cells("T56", fd, codebook=rnd.codebook, catalogue=rnd.catalogue)
    for cls, ref in REF["T56"].items():
        row = w[w["group"].str.endswith(f"= {cls}") & w["category"].str.endswith("= Dårlig")].iloc[0]
        _check_share(row, ref)


def test_pooled_answers_are_a_ratio_as_svyratio(setup):
    rnd, _, fd = setup
    w = weighted_cells("V3", fd, codebook=rnd.codebook, catalogue=rnd.catalogue)
    for form, pop in (("kommune", "kommuner"), ("helseforetak", "helseforetak")):
        row = w[(w["item"] == "prio_a") & (w["variant"] == "answered") & (w["category"] == "Gjennomført")
                & (w["population"] == pop)].iloc[0]
        ref = REF["V3"][form]
        assert row["weighted"] == pytest.approx(100 * ref["estimate"], abs=100 * TOL)
        assert row["weighted_se"] == pytest.approx(100 * _se(ref["se"]), abs=100 * TOL)
        assert np.isnan(row["deff"])


def _check_rs(row: pd.Series, ref: dict) -> None:
    assert row["test"] == "rao_scott"
    assert row["statistic"] == pytest.approx(ref["statistic"], rel=TOL)
    assert row["df"] == pytest.approx(ref["ndf"], rel=TOL)
    assert row["p"] == pytest.approx(ref["p_value"], rel=TOL)
    assert f"denominator df {ref['ddf']:.4f}" in row["method"]


def test_rao_scott_equals_svychisq(setup):
    rnd, data, fd = setup
    k = data[data["form"] == "kommune"]
    got = rao_scott(k, "q14", "size_class", designs=fd, form="kommune", codebook=rnd.codebook,
                    collapse="godt_darlig", exclude=["Vet ikke/ikke aktuelt"]).iloc[0]
    _check_rs(got, REF["rao_scott"]["q14_size_class"])


def test_the_plan_uses_rao_scott_when_weighted_and_says_so(setup):
    rnd, data, fd = setup
    sat = satisfaction_by_background(data, codebook=rnd.codebook, plan=rnd.plan, n_sim=200, designs=fd)
    t = sat.table
    assert "chi_square" not in set(t["test"])
    _check_rs(t[(t["test"] == "rao_scott") & (t["outcome"] == "q14") & (t["predictor"] == "size_class")].iloc[0],
              REF["rao_scott"]["q14_size_class"])
    assert any("Rao-Scott" in n for n in sat.notes)
    fo = forankring_and_samhandling(data, codebook=rnd.codebook, plan=rnd.plan, catalogue=rnd.catalogue, n_sim=200,
                                    designs=fd).table
    for by, key in (("avtaler_og_ledelse", "kvalitet_avtaler"), ("kompetanse", "kvalitet_kompetanse")):
        _check_rs(fo[(fo["test"] == "rao_scott") & (fo["predictor"] == by)].iloc[0], REF["rao_scott"][key])
    # unweighted: the plan's chi-square tests as before
    plain = satisfaction_by_background(data, codebook=rnd.codebook, plan=rnd.plan, n_sim=200).table
    assert "rao_scott" not in set(plain["test"]) and "chi_square" in set(plain["test"])


def test_weighted_index_means_and_shares_equal_svymean(setup):
    rnd, data, fd = setup
    est = index_estimates(data, list(REF["indices"]), codebook=rnd.codebook, form="kommune", by=["rhf"], designs=fd)
    for ix, groups in REF["indices"].items():
        for group, ref in groups.items():
            sel = est[(est["index"] == ix) & (est["group"] == group)].set_index("statistic")
            m = sel.loc["mean"]
            assert m["weighted"] == pytest.approx(ref["mean"]["estimate"], abs=TOL)
            assert m["weighted_se"] == pytest.approx(_se(ref["mean"]["se"]), abs=TOL)
            assert m["deff"] == pytest.approx(ref["mean"]["deff"], abs=TOL)
            _check_share(sel.loc["Dårlig"], ref["darlig"])
    unweighted = index_estimates(data, ["kompetanse"], codebook=rnd.codebook, form="kommune")
    assert unweighted["weighted"].isna().all()
    k = data[data["form"] == "kommune"]
    from samanalyse.analysis.indices import index_scores
    assert unweighted.iloc[0]["unweighted"] == pytest.approx(
        index_scores(k, "kompetanse", codebook=rnd.codebook)["score"].astype(float).mean())
