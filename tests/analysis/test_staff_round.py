"""The made-up staff-level round tests/data/rounds/ansatte end to end (issue 15, item 6).

Persons within kommuner: the frame of persons per kommune, nonresponse at person level, raking to the
frame's persons by RHF and size class, the design with clusters = kommuner, and the whole report.
Expected values from R survey (tests/reference/make_staff_round_reference.R -> staff_round.json).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.nonresponse import response_by, response_propensity, response_tests
from samanalyse.analysis.weights import form_design, round_weights
from samanalyse.io.datasets import load_round_data, round_respondents
from samanalyse.report.build import build_report
from samanalyse.stats.design import design_share
from samanalyse.survey.rounds import load_round

HERE = Path(__file__).resolve().parents[1]
ROUND = HERE / "data" / "rounds" / "ansatte"
REF = json.loads((HERE / "reference" / "staff_round.json").read_text(encoding="utf-8"))
TOL = 1e-6


@pytest.fixture(scope="module")
def rnd():
    return load_round(ROUND)


@pytest.fixture(scope="module")
def data(rnd):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # the export's earlier kommunenummer, placed with a warning
        return load_round_data(rnd)


def test_frame_counts_persons_per_group(rnd) -> None:
    assert rnd.frame["ansatt"] == REF["frame"]["total"]
    for by in ("rhf", "size_class"):
        assert rnd.frame_by("ansatt", by).to_dict() == REF["frame"][by]


def test_persons_are_joined_to_their_kommune(data) -> None:
    assert len(data) == len(REF["weights"])
    assert {"kommune", "rhf", "size_class", "sentralitet"} <= set(data.columns)
    # written as '301' and '0301 Oslo' in the export; 1601 (Trondheim before 2018) placed on 5001
    assert set(data.loc[data["navn"].str.startswith("Oslo"), "kommune"]) == {"0301"}
    assert "1601" not in set(data["kommune"]) and "5001" in set(data["kommune"])


def test_nonresponse_at_person_level_equals_r(rnd) -> None:
    rates = response_by(rnd, "ansatt", by=["rhf", "size_class"])
    tests = response_tests(rnd, "ansatt", by=["rhf", "size_class"]).set_index("by")
    for by in ("rhf", "size_class"):
        ref = REF["nonresponse"][by]
        sub = rates[rates["by"] == by].set_index("group").loc[ref["groups"]]
        assert sub["frame_size"].tolist() == ref["frame_size"]
        assert sub["respondents"].tolist() == ref["respondents"]
        assert tests.at[by, "chi2"] == pytest.approx(ref["chi2"], abs=TOL)
        assert tests.at[by, "p_value"] == pytest.approx(ref["p_value"], abs=TOL)
    model = response_propensity(rnd, "ansatt", by=["rhf", "size_class"])
    np.testing.assert_allclose(model.coefficients["coef"], REF["propensity"]["coef"], atol=TOL)
    np.testing.assert_allclose(model.coefficients["se"], REF["propensity"]["se"], atol=TOL)
    assert model.pseudo_r2 == pytest.approx(REF["propensity"]["pseudo_r2"], abs=TOL)
    assert model.n == REF["frame"]["total"] and model.respondents == len(REF["weights"])


def test_raking_to_the_frame_of_persons_equals_r(rnd) -> None:
    w = round_weights(rnd)
    assert w.method == "raking" and w.margins["ansatt"] == ("rhf", "size_class")
    got = w.forms["ansatt"].weights
    ref = pd.Series(REF["weights"])
    np.testing.assert_allclose(got.reindex(ref.index).to_numpy(), ref.to_numpy(), rtol=TOL)
    assert w.clusters["ansatt"].nunique() == 39


@pytest.mark.parametrize("key, item, labels, by", [
    ("A_ikke", "s_hjem", ["Lite fornøyd", "Ikke fornøyd"], "rhf"),
    ("A_fornoyd", "s_hjem", ["Svært fornøyd", "Ganske fornøyd"], "rhf"),
    ("B_ikke", "s_akutt", ["Lite fornøyd", "Ikke fornøyd"], "size_class"),
    ("B_fornoyd", "s_akutt", ["Svært fornøyd", "Ganske fornøyd"], "size_class"),
])
def test_shares_under_the_cluster_design_equal_r(rnd, data, key, item, labels, by) -> None:
    w = round_weights(rnd)
    frame = pd.DataFrame({"respondent": data["respondent"], by: data[by].astype(str),
                          "y": data[item].isin(labels).astype(float)})
    got = design_share(form_design(frame, "ansatt", w, w.frame_size["ansatt"]), "y", by=by).set_index("domain")
    ref = REF["shares"][key]
    got = got.loc[ref["groups"]]
    for col in ("estimate", "se", "ci_lower", "ci_upper", "deff"):
        np.testing.assert_allclose(got[col], ref[col], atol=TOL, rtol=TOL, err_msg=col)


def test_the_whole_report_runs_on_the_staff_round(rnd, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = build_report(rnd, tmp_path / "rapport")
    out = result.out
    for name in ("respondenter_rhf", "bortfall", "bortfall_tester", "bortfall_modell", "vekter", "A", "B", "C", "D",
                 "alle_celler", "tester_tilfredshet_bakgrunn", "indekser_reliabilitet", "vektet_sammenligning"):
        assert (out / "tables" / f"{name}.csv").exists(), name
    cells = pd.read_csv(out / "tables" / "alle_celler.csv")
    for key, table, category in (("A_ikke", "A", "Ikke fornøyd"), ("B_fornoyd", "B", "Fornøyd")):
        ref = REF["shares"][key]
        sub = cells[(cells["table"] == table) & (cells["category"] == category)].set_index("group").loc[ref["groups"]]
        np.testing.assert_allclose(sub["weighted"], 100 * np.asarray(ref["estimate"]), atol=100 * TOL)
        np.testing.assert_allclose(sub["weighted_ci_low"], 100 * np.asarray(ref["ci_lower"]), atol=100 * TOL)
    rates = pd.read_csv(out / "tables" / "bortfall.csv")
    rhf = rates[rates["by"] == "rhf"].set_index("group").loc[REF["nonresponse"]["rhf"]["groups"]]
    assert rhf["respondents"].tolist() == REF["nonresponse"]["rhf"]["respondents"]
    comp = pd.read_csv(out / "tables" / "vektet_sammenligning.csv")
    row = comp[(comp["item"] == "s_hjem") & (comp["category"] == "Svært fornøyd")].iloc[0]
    assert row["weighted"] == pytest.approx(100 * REF["answered_share"]["estimate"], abs=100 * TOL)
    assert row["ci_lower"] == pytest.approx(100 * REF["answered_share"]["ci"][0], abs=100 * TOL)
    persons = pd.read_csv(out / "tables" / "respondenter_rhf.csv")
    assert persons.set_index("rhf").at["Samlet", "utvalg"] == REF["frame"]["total"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "svarprosent" in html and "response_rate" not in html   # the bortfall headers in bokmål
    assert "Ansatte per størrelsesklasse for kommunen de arbeider i" in html


def test_respondents_come_from_the_export(rnd) -> None:
    who = round_respondents(rnd, "ansatt")
    assert who["respondent"].is_unique and len(who) == len(REF["weights"])
    assert who["kommune"].str.fullmatch(r"\d{4}").all()


@pytest.mark.parametrize("key, item, labels, by", [
    ("A_ikke", "s_hjem", ["Lite fornøyd", "Ikke fornøyd"], "rhf"),
    ("B_ikke", "s_akutt", ["Lite fornøyd", "Ikke fornøyd"], "size_class"),
])
def test_declared_strata_equal_r(data, tmp_path: Path, key, item, labels, by) -> None:
    import shutil

    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    yaml = (folder / "round.yaml").read_text(encoding="utf-8")
    (folder / "round.yaml").write_text(yaml.replace("weights:\n  method: raking\n",
                                                    "weights:\n  method: raking\n  strata: {ansatt: rhf}\n"),
                                       encoding="utf-8")
    w = round_weights(load_round(folder))
    frame = pd.DataFrame({"respondent": data["respondent"], by: data[by].astype(str),
                          "y": data[item].isin(labels).astype(float)})
    design = form_design(frame, "ansatt", w, w.frame_size["ansatt"])
    assert design.df == 39 - 4   # kommuner minus strata
    got = design_share(design, "y", by=by).set_index("domain")
    ref = REF["stratified"][key]
    got = got.loc[ref["groups"]]
    for col in ("estimate", "se", "ci_lower", "ci_upper", "deff"):
        np.testing.assert_allclose(got[col], ref[col], atol=TOL, rtol=TOL, err_msg=col)


def test_a_staff_round_with_only_a_total_frame_still_reports(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "runde"
    shutil.copytree(ROUND, folder)
    yaml = (folder / "round.yaml").read_text(encoding="utf-8")
    yaml = yaml.replace("person_frames:\n  ansatt: {file: ramme_ansatte.csv, count: ansatte}\n", "frame:\n  ansatt: 2041\n")
    (folder / "round.yaml").write_text(yaml.replace("weights:\n  method: raking\n", ""), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = build_report(load_round(folder), tmp_path / "rapport").out
    persons = pd.read_csv(out / "tables" / "respondenter_rhf.csv").set_index("rhf")
    assert persons.at["Samlet", "utvalg"] == 2041 and persons.at["Samlet", "respondenter"] == 923
    assert persons.loc["Helse Midt", ["utvalg", "svarprosent"]].isna().all()   # no frame per RHF
    assert not (out / "tables" / "bortfall.csv").exists()
