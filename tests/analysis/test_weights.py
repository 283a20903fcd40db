"""Round-driven weights (samanalyse.analysis.weights) on the reconstructed 2010 round, against R survey.

Expected weights: tests/reference/weighting.json (R ``rake``/``calibrate`` on the same respondents,
made by tests/reference/make_weighting_reference.R); expected margins: the register's frame counts.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.weights import WEIGHT_COLUMNS, form_design, round_weights, weights_setting
from samanalyse.errors import SamanalyseError
from samanalyse.stats.design import design_mean
from samanalyse.stats.weighting import calibrate
from samanalyse.survey.rounds import load_round

REPO = Path(__file__).resolve().parents[2]
REF = json.loads((REPO / "tests" / "reference" / "weighting.json").read_text(encoding="utf-8"))["k2010"]

BAD_INPUTS: list[dict[str, str]] = [
    {"id": "weights-method-unknown", "area": "Vekter",
     "input": "round.yaml weights.method that is not a weighting method",
     "message": "The round has 1 problem:\n  - {file}, line 99: weights.method: 'rakes' is not one of ['none', "
                "'poststratify', 'raking', 'linear', 'logit']. Allowed: 'none', 'poststratify', 'raking', 'linear', "
                "'logit'."},
    {"id": "weights-margin-unknown", "area": "Vekter",
     "input": "round.yaml weights.margins naming a column the respondents do not have",
     "message": "The round has 1 problem:\n  - {file}: weights.margins.kommune: 'kjonn' is not a respondent column. "
                "Allowed: navn, rhf, fylke, population, size_class, sentralitet, sentralitet_kilde, er_kommune, kommune."},
    {"id": "weights-logit-without-bounds", "area": "Vekter",
     "input": "calibrate(calfun='logit') without finite bounds",
     "message": "logit calibration needs finite bounds=(lower, upper) with lower < 1 < upper"},
    {"id": "weights-margin-value-without-total", "area": "Vekter",
     "input": "a respondent in a group the frame's margin has no total for",
     "message": "margin 'rhf': values ['Helse Øst'] have no population total; totals are given for Helse Midt, "
                "Helse Nord"},
]


@pytest.fixture(scope="module")
def rnd():
    return load_round("2010")


def _copy_round(tmp_path: Path, extra: str) -> Path:
    dst = tmp_path / "r"
    shutil.copytree(REPO / "data" / "rounds" / "2010", dst)
    text = (dst / "round.yaml").read_text(encoding="utf-8").replace("../../published/2010",
                                                                     str(REPO / "data" / "published" / "2010"))
    (dst / "round.yaml").write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    return dst


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_weights_unless_asked(rnd) -> None:
    assert weights_setting(rnd)["method"] == "none"
    assert round_weights(rnd) is None


@pytest.mark.parametrize(("method", "ref_key"), [("raking", "rake"), ("linear", "linear"), ("poststratify", "poststratify")])
def test_kommune_weights_equal_r(rnd, method: str, ref_key: str) -> None:
    w = round_weights(rnd, method)
    k = w.to_frame().query("form == 'kommune'")
    assert list(w.to_frame().columns) == WEIGHT_COLUMNS
    np.testing.assert_allclose(k["weight"].to_numpy(), REF["designs"][ref_key]["weights"], atol=1e-6)


def test_raked_weights_meet_the_frame_margins(rnd) -> None:
    w = round_weights(rnd, "raking")
    for form, margins in w.margins.items():
        resp = rnd.respondents(form).set_index("respondent")
        weights = w.forms[form].weights
        assert w.forms[form].converged
        for m in margins:
            got = weights.groupby(resp.loc[weights.index, m].astype(str)).sum()
            want = rnd.frame_by(form, m)
            want.index = want.index.astype(str)
            np.testing.assert_allclose(got.sort_index(), want.sort_index().astype(float), rtol=1e-9)
        assert weights.sum() == pytest.approx(rnd.frame[form])
    assert w.margins == {"kommune": ("rhf", "size_class"), "helseforetak": ("rhf",)}


def test_round_yaml_logit_with_bounds_equals_r(tmp_path: Path) -> None:
    folder = _copy_round(tmp_path, "weights:\n  method: logit\n  bounds: [0.6, 2]\n")
    w = round_weights(load_round(folder))
    assert w.method == "logit"
    k = w.to_frame().query("form == 'kommune'")
    np.testing.assert_allclose(k["weight"].to_numpy(), REF["designs"]["logit"]["weights"], atol=1e-6)


def test_form_design_mean_equals_r(rnd) -> None:
    """The weighted mean of y and its SE through the round's own respondents (R: rake, svymean)."""
    w = round_weights(rnd, "raking")
    sample = pd.read_csv(REPO / "tests" / "reference" / "weighting_2010_sample.csv", dtype={"kommune": str})
    data = sample.rename(columns={"kommune": "respondent"}).iloc[::-1].reset_index(drop=True)   # another order
    got = design_mean(form_design(data, "kommune", w, rnd.frame["kommune"]), "y").iloc[0]
    assert got["estimate"] == pytest.approx(REF["designs"]["rake"]["mean_y"]["estimate"], abs=1e-6)
    assert got["se"] == pytest.approx(REF["designs"]["rake"]["mean_y"]["se"][0][0], abs=1e-6)


def _bad_method(tmp_path: Path) -> str:
    folder = _copy_round(tmp_path, "weights:\n  method: rakes\n")
    with pytest.raises(SamanalyseError) as exc:
        load_round(folder)
    file = folder / "round.yaml"
    return str(exc.value).replace(str(file), "{file}").replace(f"line {_lines(file)}:", "line 99:")


def _bad_margin(tmp_path: Path) -> str:
    folder = _copy_round(tmp_path, "weights:\n  method: raking\n  margins:\n    kommune: [kjonn]\n")
    with pytest.raises(SamanalyseError) as exc:
        round_weights(load_round(folder))
    return str(exc.value).replace(str(folder / "round.yaml"), "{file}")


def _logit_without_bounds(tmp_path: Path) -> str:
    with pytest.raises(SamanalyseError) as exc:
        calibrate(pd.DataFrame({"rhf": ["a", "b"]}), {"rhf": {"a": 2, "b": 3}}, calfun="logit")
    return str(exc.value)


def _unknown_group(tmp_path: Path) -> str:
    with pytest.raises(SamanalyseError) as exc:
        calibrate(pd.DataFrame({"rhf": ["Helse Midt", "Helse Øst"]}), {"rhf": {"Helse Midt": 2, "Helse Nord": 3}})
    return str(exc.value)


CASES = {"weights-method-unknown": _bad_method, "weights-margin-unknown": _bad_margin,
         "weights-logit-without-bounds": _logit_without_bounds, "weights-margin-value-without-total": _unknown_group}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_inputs(case: dict[str, str], tmp_path: Path) -> None:
    assert CASES[case["id"]](tmp_path) == case["message"]
