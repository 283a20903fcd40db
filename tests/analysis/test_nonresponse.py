"""Nonresponse against the 2010 frame (reconstructed respondents), against R (chisq.test, glm).

Expected values: tests/reference/weighting.json ``k2010.nonresponse`` (R on the frame file
tests/reference/weighting_2010_frame.csv, made by make_weighting_reference.R).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samanalyse.analysis.nonresponse import RESPONSE_COLUMNS, TEST_COLUMNS, response_by, response_propensity, response_tests
from samanalyse.survey.rounds import load_round

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "weighting.json").read_text(encoding="utf-8"))
NR = REF["k2010"]["nonresponse"]


@pytest.fixture(scope="module")
def rnd():
    return load_round("2010")


def test_response_by_counts_equal_r(rnd) -> None:
    rates = response_by(rnd, "kommune")
    assert list(rates.columns) == RESPONSE_COLUMNS
    for b in ("rhf", "size_class", "sentralitet", "fylke"):
        sub = rates[rates["by"] == b].set_index("group")
        assert sub["frame_size"].to_dict() == NR[b]["frame_size"]
        assert sub["respondents"].to_dict() == NR[b]["responded"]
        np.testing.assert_allclose(sub["response_rate"], 100 * sub["respondents"] / sub["frame_size"])
    # Spitsbergen (2111) answered but is not one of the 430 kommuner of the register
    assert rates.attrs["outside_frame"] == ["2111"]
    assert rates[rates["by"] == "rhf"]["frame_size"].sum() == 430


def test_response_tests_equal_r(rnd) -> None:
    raw = response_tests(rnd, "kommune")
    assert list(raw.columns) == TEST_COLUMNS
    tests = raw.set_index("by")
    for b in ("rhf", "size_class", "sentralitet", "fylke"):
        assert tests.loc[b, "chi2"] == pytest.approx(NR[b]["statistic"], abs=1e-9)
        assert tests.loc[b, "df"] == NR[b]["df"]
        assert tests.loc[b, "p_value"] == pytest.approx(NR[b]["p_value"], abs=1e-9)


def test_propensity_model_equals_r(rnd) -> None:
    res = response_propensity(rnd, "kommune")
    glm = NR["glm"]
    np.testing.assert_allclose(res.coefficients["coef"], glm["coef"], atol=1e-6)
    np.testing.assert_allclose(res.coefficients["se"], glm["se"], atol=1e-6)
    np.testing.assert_allclose(res.coefficients["p_value"], glm["p_value"], atol=1e-6)
    assert res.pseudo_r2 == pytest.approx(1 - glm["deviance"] / glm["null_deviance"], abs=1e-9)
    assert res.n == 430 and res.respondents == 186
    assert 0.5 < res.auc < 1
