"""The report's tables, tests and indices with a design (issue 15, item 3), and without one.

The 2010 round is weighted by raking (``--weights raking``); the weighted numbers the report writes
are checked against R survey (tests/reference/design_tables.json, make_design_tables_reference.R).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from samanalyse.report import build
from samanalyse.report.context import Context, ReportSettings
from samanalyse.survey.rounds import load_round

matplotlib.use("Agg")
REF = json.loads((Path(__file__).parents[1] / "reference" / "design_tables.json").read_text(encoding="utf-8"))
#: The tidy CSV of a 2010 study table before issue 15 (a default report keeps exactly these columns).
UNWEIGHTED_COLUMNS = ["cell_id", "table", "population", "breakdown", "group", "item", "category", "published",
                      "status_published", "variant", "regenerated", "percent", "n", "difference", "match", "outcome",
                      "audit", "ci_low", "ci_high", "ci_method"]


def _run(tmp: Path, steps: list[str], weights: str | None, rnd=None) -> Context:
    rnd = rnd or load_round("2010")
    settings = dataclasses.replace(ReportSettings.from_plan(rnd.plan, n_sim=500), weights=weights)
    ctx = Context(round=rnd, out=tmp, settings=settings)
    fns = dict(build.STEPS)
    for name in steps:
        fns[name](ctx)
    return ctx


@pytest.fixture(scope="module")
def weighted(tmp_path_factory: pytest.TempPathFactory) -> Context:
    return _run(tmp_path_factory.mktemp("vektet"), ["data", "respondenter", "prikking", "tabeller", "tester",
                                                     "indekser"], "raking")


def _section(ctx: Context, group: str, key: str):
    return next(s for s in ctx.sections[group] if s.key == key)


def test_weighted_tables_sit_beside_the_unweighted_and_equal_r(weighted: Context) -> None:
    t01 = pd.read_csv(weighted.out / "tables" / "T01.csv")
    assert list(t01.columns[:len(UNWEIGHTED_COLUMNS)]) == UNWEIGHTED_COLUMNS
    assert list(t01.columns[len(UNWEIGHTED_COLUMNS):]) == ["weighted", "weighted_se", "deff", "weighted_ci_low",
                                                            "weighted_ci_high", "weighted_method", "weighted_symbol"]
    ref = REF["T01"]["kommune"]["darlig"]["Helse Midt"]
    row = t01[(t01["population"] == "kommuner") & (t01["group"] == "Helse Midt") & (t01["category"] == "Dårlig")]
    assert row["weighted"].iloc[0] == pytest.approx(100 * ref["estimate"], abs=1e-4)
    assert row["weighted_se"].iloc[0] == pytest.approx(100 * np.ravel(ref["se"])[0], abs=1e-4)
    assert row["weighted_ci_low"].iloc[0] == pytest.approx(100 * ref["ci"][0], abs=1e-4)
    # every regenerated cell of every table has its weighted share (the transcription's labels matched the
    # cells); the printed "Sum" rows are not regenerated and have none
    for f in sorted((weighted.out / "tables").glob("T*.csv")) + [weighted.out / "tables" / "V3.csv"]:
        cells = pd.read_csv(f, dtype={"weighted_symbol": str}, keep_default_na=False, na_values=[""])
        shown = cells["regenerated"].notna() & (cells["weighted_symbol"] != ":")
        assert cells.loc[shown, "weighted"].notna().all(), f.name
    # the weighted shares are samanalyse's, so they follow 2010's rules (min_base 5, min_count 3): the
    # helseforetak per RHF (n = 3, 4, 4, 7 with a cell of 1) are ':', the study's own numbers stay
    hf = t01[(t01["population"] == "helseforetak") & (t01["breakdown"] == "rhf")]
    assert (hf["weighted_symbol"] == ":").all() and hf["weighted"].isna().all() and hf["regenerated"].notna().all()
    assert t01.loc[t01["population"] == "kommuner", "weighted"].notna().all()
    sec = _section(weighted, "tabeller", "T01")
    assert {"Kommuner: Dårlig – vektet", "Kommuner: Dårlig – vektet SF", "Kommuner: Dårlig – designeffekt",
            "Kommuner: Dårlig – vektet KI nedre", "Kommuner: Dårlig – vektet KI øvre"} <= set(sec.frame.columns)
    assert sec.detail_frame.iloc[0, 1] == "25,6 (17–37), n = 39; vektet 27,4 (17–40)"
    assert any("Vektet andel" in n and "raking" in n for n in sec.notes)
    # n = 4 is under min_base 5: the study's share is printed, samanalyse's interval is not
    assert sec.detail_frame.iloc[0, 3] == "25,0 (:), n = 4; vektet :"
    assert sec.frame.loc[0, "Helseforetak: Dårlig – vektet"] == ":"


def test_tests_are_rao_scott_and_say_so(weighted: Context) -> None:
    sec = _section(weighted, "tester", "tilfredshet")
    tests = set(sec.frame.iloc[:, 0])
    assert "Rao–Scott-justert kjikvadrattest" in tests
    assert sec.notes[0].startswith("Med vekter (raking) er kjikvadrattestene Rao–Scotts")
    raw = pd.read_csv(weighted.out / "tables" / "tester_tilfredshet_bakgrunn.csv")
    ref = REF["rao_scott"]["q14_size_class"]
    row = raw[(raw["test"] == "rao_scott") & (raw["outcome"] == "q14") & (raw["predictor"] == "size_class")].iloc[0]
    assert row["statistic"] == pytest.approx(ref["statistic"], rel=1e-6)
    assert row["p"] == pytest.approx(ref["p_value"], rel=1e-6)


def test_weighted_index_section(weighted: Context) -> None:
    est = pd.read_csv(weighted.out / "tables" / "indekser_vektet.csv", keep_default_na=False)
    ref = REF["indices"]["kompetanse"]["Helse Nord"]["mean"]
    row = est[(est["index"] == "kompetanse") & (est["group"] == "Helse Nord") & (est["statistic"] == "mean")].iloc[0]
    assert float(row["weighted"]) == pytest.approx(ref["estimate"], abs=1e-6)
    assert float(row["deff"]) == pytest.approx(ref["deff"], abs=1e-6)
    sec = _section(weighted, "indekser", "vektet")
    assert sec.title == "Indekser: gjennomsnitt og andeler, uvektet og vektet"
    assert ":" not in set(est["weighted"])       # 2010's rules (min_base 5): no kommune group is that small


def test_without_weights_nothing_changes(tmp_path: Path) -> None:
    ctx = _run(tmp_path, ["data", "respondenter", "prikking", "tabeller", "tester", "indekser"], None)
    assert list(pd.read_csv(tmp_path / "tables" / "T01.csv").columns) == UNWEIGHTED_COLUMNS
    assert not (tmp_path / "tables" / "indekser_vektet.csv").exists()
    assert [s.key for s in ctx.sections["indekser"]] == ["reliabilitet"]
    raw = pd.read_csv(tmp_path / "tables" / "tester_tilfredshet_bakgrunn.csv")
    assert "rao_scott" not in set(raw["test"]) and "chi_square" in set(raw["test"])
    assert not any("vektet" in c for s in ctx.sections["tabeller"] for c in s.frame.columns)


def test_small_groups_are_not_published(tmp_path: Path) -> None:
    """With min_base 70, the RHF groups of 26-39 kommuner and the size class of 63 lose their numbers."""
    rnd = load_round("2010")
    rnd = dataclasses.replace(rnd, meta={**rnd.meta, "disclosure": {**rnd.meta["disclosure"], "min_base": 70}})
    ctx = _run(tmp_path, ["data", "tester", "indekser"], "raking", rnd=rnd)
    est = pd.read_csv(tmp_path / "tables" / "indekser_vektet.csv", keep_default_na=False, dtype=str)
    small = est["n"].astype(int) < 70
    assert small.any() and (~small).any()
    assert (est.loc[small, ["unweighted", "weighted", "weighted_se", "deff"]] == ":").all().all()
    assert (est.loc[~small, "weighted"] != ":").all()
    sec = _section(ctx, "indekser", "vektet")
    assert any("færre enn 70" in n for n in sec.notes)
    tests = _section(ctx, "tester", "tilfredshet")
    pred = tests.frame.iloc[:, 2].astype(str)
    store = pred.str.endswith(": Store kommuner")       # the regression term of 63 kommuner
    assert store.any() and (tests.frame.loc[store, "p"] == ":").all()
    assert any("færre enn 70" in n for n in tests.notes)


def test_key_findings_of_a_weighted_report_name_the_test_in_words(weighted: Context) -> None:
    """A Rao–Scott test has no effect size: its finding names the test in words and leaves no empty '; )'."""
    from samanalyse.report.findings import key_findings

    texts = [f.text for f in key_findings(weighted)]
    assert any("Rao–Scott" in t for t in texts)
    assert not any("rao_scott" in t or "; )" in t for t in texts)


def test_analysis_notes_are_in_the_report_language(weighted: Context, tmp_path: Path) -> None:
    """The tests section's notes come from the translation table with labels, not the analysis' English ids."""
    notes = [n for s in weighted.sections["tester"] for n in s.notes]
    text = " ".join(notes)
    assert "Bakgrunnsvariabler som er testet:" in text and "Justert p: Holm-justering over alle" in text
    assert "Kvalitet i pasientforløp" in text          # the index's label (codebook), not kvalitet_pasientforlop
    for english in ("Background variables", "p_adjusted", "collapsed with", "Rows of the cross-tables",
                    "kvalitet_pasientforlop", "fisher_exact", "Weights (raking)"):
        assert english not in text, english
    ctx = _run(tmp_path, ["data", "tester"], None)
    rnd = ctx.round
    en = Context(round=rnd, out=tmp_path / "en", settings=ctx.settings, data=ctx.data, lang="en")
    build.STEPS[[name for name, _ in build.STEPS].index("tester")][1](en)
    en_text = " ".join(n for s in en.sections["tester"] for n in s.notes)
    assert "Background variables tested:" in en_text and "Bakgrunnsvariabler" not in en_text
