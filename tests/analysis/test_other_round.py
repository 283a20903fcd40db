"""Tables, indices and the planned tests on the made-up round tests/data/rounds/annen (other ids, its own plan).

Nothing here names an item of that round except through its plan and
catalogue: the check is that the analyses run from the round folder alone.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.indices import cronbach_alpha, mcdonald_omega
from samanalyse.analysis.planned import (
    forankring_and_samhandling,
    satisfaction_by_background,
)
from samanalyse.analysis.tables import all_table_cells, build_table
from samanalyse.errors import ArgumentError, SmallCellWarning
from samanalyse.survey.plan import Background
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


@pytest.fixture(scope="module")
def rnd():
    if not (ANNEN / "round.yaml").exists():
        pytest.skip("tests/data/rounds/annen not there")
    return load_round(ANNEN)


@pytest.fixture(scope="module")
def data(rnd) -> pd.DataFrame:
    # Background from the round's register, answers read plainly (this test is about the analyses, not the loader;
    # the made-up export spells one answer 'Vet ikk', which the loader rightly rejects).
    parts = []
    for form in rnd.forms:
        resp = pd.read_csv(rnd.responses_path(form), dtype=str).replace("Vet ikk", "Vet ikke")
        parts.append(rnd.respondents(form).merge(resp, on="respondent", how="left"))
    return pd.concat(parts, ignore_index=True)


def test_catalogue_tables_run(rnd, data):
    cells = all_table_cells(data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    assert set(cells["table"]) == set(rnd.catalogue.tables)
    for t in rnd.catalogue.tables:
        assert build_table(t, data, codebook=rnd.codebook, catalogue=rnd.catalogue).size > 0


def test_reliability_of_the_planned_indices(rnd, data):
    plan = rnd.plan.reliability
    on_form = data[data["form"] == plan.form]
    for name in plan.indices:
        a = cronbach_alpha(on_form, codebook=rnd.codebook, index=name, scoring="index")
        o = mcdonald_omega(on_form, codebook=rnd.codebook, index=name, scoring="index", n_boot=plan.omega_n_boot,
                           seed=rnd.plan.settings.seed)
        assert a.n == int((data["form"] == plan.form).sum())
        assert 0 < a.alpha < 1 and 0 < o.omega_total < 1 and o.ci_low < o.omega_total < o.ci_high


def test_planned_tests_run(rnd, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        sat = satisfaction_by_background(data, codebook=rnd.codebook, plan=rnd.plan)
        fo = forankring_and_samhandling(data, codebook=rnd.codebook, plan=rnd.plan, catalogue=rnd.catalogue)
    sp = rnd.plan.satisfaction
    assert set(sat.table["outcome"]) == {*sp.items, sp.index}
    assert sat.table["p_adjusted"].notna().all()
    assert list(fo.crosstabs) == [rnd.catalogue.label(t) for t in rnd.plan.forankring.tables.values()]
    assert set(fo.table["predictor"]) == set(rnd.plan.forankring.by)


def test_direction_comes_from_the_plan(rnd, data):
    """A background whose scale runs the other way (higher_is_more: false) flips the effect, not the test."""
    plan = rnd.plan
    flipped = dataclasses.replace(plan, background={
        name: dataclasses.replace(bg, higher_is_more=not bg.higher_is_more) for name, bg in plan.background.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        a = satisfaction_by_background(data, codebook=rnd.codebook, plan=plan).table
        b = satisfaction_by_background(data, codebook=rnd.codebook, plan=flipped).table
    trend = a["test"].isin(["cochran_armitage", "linear_by_linear"]).to_numpy()
    np.testing.assert_allclose(a["p"], b["p"], rtol=1e-6)
    np.testing.assert_allclose(a.loc[trend, "effect"], -b.loc[trend, "effect"], rtol=1e-9)
    numeric = (a["test"] == "ordinal_regression").to_numpy() & ~a["predictor"].str.contains(r"\[").to_numpy()
    np.testing.assert_allclose(np.log(a.loc[numeric, "effect"]), -np.log(b.loc[numeric, "effect"]), rtol=1e-4)


def test_a_nominal_background_gets_no_trend_test(rnd, data):
    plan = dataclasses.replace(rnd.plan, background={
        **rnd.plan.background, "size_class": Background(name="size_class", kind="nominal", label="Størrelse")})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        t = satisfaction_by_background(data, codebook=rnd.codebook, plan=plan).table
    by_size = t[t["predictor"] == "size_class"]
    assert set(by_size["test"]) == {"chi_square", "kruskal_wallis", "ordinal_regression_lr"}
    assert not math.isnan(by_size["p"].iloc[0])


#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "planned-tests-without-seed", "area": "Tester",
     "input": "satisfaction_by_background with explicit items and by but neither a plan nor a seed",
     "message": "seed is required: pass seed=... or plan=... (its settings.seed)."},
    {"id": "planned-tests-without-items", "area": "Tester",
     "input": "satisfaction_by_background with neither a plan nor items",
     "message": "items is not given and the plan has no 'satisfaction' section to take it from; pass items=... "
                "or plan=..."},
    {"id": "forankring-tables-without-catalogue", "area": "Tester",
     "input": "forankring_and_samhandling with a plan that names tables but no catalogue",
     "message": "The plan names a table for each cross-table; pass catalogue=... to label them."},
]


def _bad_call(case_id: str, rnd, data):
    sp = rnd.plan.satisfaction
    if case_id == "planned-tests-without-seed":
        return satisfaction_by_background(data, codebook=rnd.codebook, items=sp.items, by=sp.by, collapse=sp.collapse)
    if case_id == "planned-tests-without-items":
        return satisfaction_by_background(data, codebook=rnd.codebook, seed=1)
    return forankring_and_samhandling(data, codebook=rnd.codebook, plan=rnd.plan)


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case, rnd, data):
    with pytest.raises(ArgumentError) as err:
        _bad_call(case["id"], rnd, data)
    assert str(err.value) == case["message"]
