"""samanalyse.stats.weighting and .design against R survey 4.1.1 (tests/reference/weighting.json).

The reference values come from tests/reference/make_weighting_reference.R, run once. The 2010
inputs are the *reconstructed* 2010 kommune data (tests/reference/make_weighting_data.py); the
staff-level inputs are synthetic (persons in kommuner, strata = RHF, fpc on kommuner).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.stats.design import design_mean, design_share, design_total, rao_scott_chisq, survey_design
from samanalyse.stats.weighting import calibrate, poststratify, rake, trim_weights

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "weighting.json").read_text(encoding="utf-8"))
TOL = 1e-6
DESIGNS = ["none", "poststratify", "rake", "linear", "linear_bounded", "logit"]


def _data(which: str) -> pd.DataFrame:
    if which == "k2010":
        d = pd.read_csv(REF_DIR / "weighting_2010_sample.csv", dtype={"kommune": str})
        d["w0"] = 430 / len(d)
        return d
    return pd.read_csv(REF_DIR / "weighting_staff.csv")


def _weights(which: str, design: str, data: pd.DataFrame):
    ref = REF[which]
    margins = {m: ref["population"][m] for m in ref["margins"]}
    if design == "none":
        return "w0"
    if design == "poststratify":
        first = ref["margins"][0]
        return poststratify(data, first, ref["population"][first], weights="w0")
    if design == "rake":
        return rake(data, margins, weights="w0", tol=1e-13)
    if design == "linear":
        return calibrate(data, margins, weights="w0")
    if design == "linear_bounded":
        return calibrate(data, margins, weights="w0", bounds=tuple(ref["bounds"]["linear"]), tol=1e-13)
    return calibrate(data, margins, weights="w0", calfun="logit", bounds=tuple(ref["bounds"]["logit"]), tol=1e-13)


def _design(which: str, design: str):
    data = _data(which)
    w = _weights(which, design, data)
    if which == "k2010":
        return survey_design(data, weights=w, frame_size=430.0), w
    return survey_design(data, weights=w, strata="rhf", clusters="kommune", frame_size="N_psu"), w


CASES = [(which, design) for which in ("k2010", "staff") for design in DESIGNS]


def _se(x) -> float:
    return float(np.asarray(x).ravel()[0])


@pytest.mark.parametrize(("which", "design"), CASES)
def test_weights_equal_r(which: str, design: str) -> None:
    d, w = _design(which, design)
    want = np.asarray(REF[which]["designs"][design]["weights"])
    np.testing.assert_allclose(d.weights, want, rtol=0, atol=TOL * max(1.0, want.max()))
    if design != "none":
        assert w.converged
        assert w.max_error < 1e-9


@pytest.mark.parametrize(("which", "design"), CASES)
def test_mean_total_equal_r(which: str, design: str) -> None:
    d, _ = _design(which, design)
    ref = REF[which]["designs"][design]
    assert d.df == ref["df"]
    for fun, key, var in ((design_mean, "mean_y", "y"), (design_mean, "mean_x", "x"),
                          (design_total, "total_y", "y"), (design_total, "total_x", "x")):
        got = fun(d, var).iloc[0]
        scale = max(1.0, abs(ref[key]["estimate"]))
        assert got["estimate"] == pytest.approx(ref[key]["estimate"], abs=TOL * scale), key
        assert got["se"] == pytest.approx(_se(ref[key]["se"]), abs=TOL * max(1.0, _se(ref[key]["se"]))), key
        assert got["deff"] == pytest.approx(_se(ref[key]["deff"]), abs=TOL), key


@pytest.mark.parametrize(("which", "design"), CASES)
def test_share_intervals_equal_r(which: str, design: str) -> None:
    d, _ = _design(which, design)
    ref = REF[which]["designs"][design]["ciprop_y"]
    for method in ("logit", "beta", "wilson", "mean", "asin", "xlogit"):
        got = design_share(d, "y", method=method).iloc[0]
        assert [got["ci_lower"], got["ci_upper"]] == pytest.approx(ref[method], abs=TOL), method


@pytest.mark.parametrize(("which", "design"), CASES)
def test_domains_equal_r(which: str, design: str) -> None:
    d, _ = _design(which, design)
    ref = REF[which]["designs"][design]["domains"]
    means = design_mean(d, "y", by="size_class").set_index("domain")
    totals = design_total(d, "x", by="size_class").set_index("domain")
    shares = {m: design_share(d, "y", by="size_class", method=m).set_index("domain") for m in ("logit", "beta")}
    assert sorted(means.index) == sorted(ref)
    for lv, r in ref.items():
        assert means.loc[lv, "estimate"] == pytest.approx(r["mean_y"]["estimate"], abs=TOL)
        assert means.loc[lv, "se"] == pytest.approx(_se(r["mean_y"]["se"]), abs=TOL)
        assert means.loc[lv, "deff"] == pytest.approx(_se(r["mean_y"]["deff"]), abs=TOL)
        assert means.loc[lv, "df"] == r["df"]
        assert totals.loc[lv, "estimate"] == pytest.approx(r["total_x"]["estimate"], rel=TOL)
        assert totals.loc[lv, "se"] == pytest.approx(_se(r["total_x"]["se"]), rel=TOL)
        for m in ("logit", "beta"):
            got = shares[m].loc[lv]
            assert [got["ci_lower"], got["ci_upper"]] == pytest.approx(r["ciprop_y"][m], abs=TOL), (lv, m)


@pytest.mark.parametrize(("which", "design"), CASES)
def test_rao_scott_equal_r(which: str, design: str) -> None:
    d, _ = _design(which, design)
    ref = REF[which]["designs"][design]
    f = rao_scott_chisq(d, "y", "size_class", statistic="F")
    assert f.statistic == pytest.approx(ref["svychisq_F"]["statistic"], abs=TOL)
    assert f.df_num == pytest.approx(ref["svychisq_F"]["parameter"]["ndf"], abs=TOL)
    assert f.df_den == pytest.approx(ref["svychisq_F"]["parameter"]["ddf"], abs=TOL)
    assert f.p_value == pytest.approx(ref["svychisq_F"]["p_value"], abs=TOL)
    c = rao_scott_chisq(d, "y", "size_class", statistic="Chisq")
    assert c.statistic == pytest.approx(ref["svychisq_Chisq"]["statistic"], abs=TOL)
    assert c.df_num == ref["svychisq_Chisq"]["parameter"]["df"]
    assert c.p_value == pytest.approx(ref["svychisq_Chisq"]["p_value"], abs=TOL)


def test_trim_weights_equal_r() -> None:
    data = _data("k2010")
    ref = REF["k2010"]
    raked = rake(data, {m: ref["population"][m] for m in ref["margins"]}, weights="w0", tol=1e-13)
    trimmed = trim_weights(raked, lower=ref["trim"]["lower"], upper=ref["trim"]["upper"])
    np.testing.assert_allclose(trimmed.weights, ref["trim"]["weights"], atol=TOL)
    got = design_mean(survey_design(data, weights=trimmed, frame_size=430.0), "y").iloc[0]
    assert got["estimate"] == pytest.approx(ref["trim"]["mean_y"]["estimate"], abs=TOL)
    assert got["se"] == pytest.approx(_se(ref["trim"]["mean_y"]["se"]), abs=TOL)
