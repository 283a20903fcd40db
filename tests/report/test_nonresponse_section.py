"""The report's nonresponse section on the reconstructed 2010 round, unweighted and raked.

Expected weights from R (tests/reference/weighting.json, ``rake`` on the same respondents).
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.io.datasets import load_round_data
from samanalyse.report.context import Context, ReportSettings
from samanalyse.report.sections import nonresponse
from samanalyse.survey.rounds import load_round

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "weighting.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rnd():
    return load_round("2010")


@pytest.fixture(scope="module")
def data(rnd):
    return load_round_data(rnd)


def _ctx(rnd, data, tmp: Path, weights: str | None) -> Context:
    settings = replace(ReportSettings.from_plan(rnd.plan), weights=weights)
    return Context(round=rnd, out=tmp, settings=settings, data=data)


def test_unweighted_round_has_no_weights_table(rnd, data, tmp_path: Path) -> None:
    ctx = _ctx(rnd, data, tmp_path, None)
    nonresponse.run(ctx)
    assert (tmp_path / "tables" / "bortfall.csv").exists()
    assert not (tmp_path / "tables" / "vekter.csv").exists()
    assert [s.key for s in ctx.sections["respondenter"]] == ["bortfall", "bortfall_tester", "bortfall_modell"]
    assert "bortfall" in ctx.figures


def test_raked_weights_table_and_comparison(rnd, data, tmp_path: Path) -> None:
    ctx = _ctx(rnd, data, tmp_path, "raking")
    nonresponse.run(ctx)
    w = pd.read_csv(tmp_path / "tables" / "vekter.csv", dtype={"respondent": str})
    assert list(w.columns) == ["form", "respondent", "weight"]
    k = w[w["form"] == "kommune"]
    np.testing.assert_allclose(k["weight"], REF["k2010"]["designs"]["rake"]["weights"], atol=1e-6)
    comp = pd.read_csv(tmp_path / "tables" / "vektet_sammenligning.csv")
    assert list(comp.columns) == nonresponse.COMPARISON_COLUMNS
    # q5a "Gjennomført med gode erfaringer" among those who answered, raked: by hand from the weights
    sub = data[data["form"] == "kommune"].set_index("respondent")
    ww = k.set_index("respondent")["weight"]
    answered = sub["q5a"].notna()
    share = (ww[answered[answered].index] * (sub.loc[answered, "q5a"] == "Gjennomført med gode erfaringer")).sum() \
        / ww[answered[answered].index].sum()
    row = comp[(comp["item"] == "q5a") & (comp["category"] == "Gjennomført med gode erfaringer")].iloc[0]
    assert row["weighted"] == pytest.approx(100 * share, abs=1e-9)
    assert row["ci_lower"] < row["weighted"] < row["ci_upper"]
    sec = [s for s in ctx.sections["respondenter"] if s.key == "vekter"][0]
    assert any("ikke for publisering" in n for n in sec.notes)


def test_reruns_are_byte_identical(rnd, data, tmp_path: Path) -> None:
    for sub in ("a", "b"):
        nonresponse.run(_ctx(rnd, data, tmp_path / sub, "raking"))
    for name in ("bortfall", "bortfall_tester", "bortfall_modell", "vekter", "vektet_sammenligning"):
        assert (tmp_path / "a" / "tables" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / "tables" / f"{name}.csv").read_bytes()
    assert (tmp_path / "a" / "figures" / "bortfall.png").read_bytes() == \
        (tmp_path / "b" / "figures" / "bortfall.png").read_bytes()


def test_cells_shown_say_form_grouping_and_term_in_words(rnd, data, tmp_path: Path) -> None:
    """The page shows "Kommuner", "Størrelsesklasse" and "RHF: Helse Nord", not kommune/size_class/rhf=...;
    the tidy CSVs keep the program's values."""
    ctx = _ctx(rnd, data, tmp_path, None)
    nonresponse.run(ctx)
    secs = {s.key: s.frame for s in ctx.sections["respondenter"]}
    rates, model = secs["bortfall"], secs["bortfall_modell"]
    assert set(rates["Skjema"]) == {"Kommuner", "Helseforetak"}
    assert {"RHF", "Størrelsesklasse"} <= set(rates["Gruppering"])
    assert "RHF: Helse Nord" in set(model.iloc[:, 1]) and "Konstantledd" in set(model.iloc[:, 1])
    assert not any("=" in str(t) or "_" in str(t) for t in model.iloc[:, 1])
    raw = pd.read_csv(tmp_path / "tables" / "bortfall_modell.csv")
    assert "rhf=Helse Nord" in set(raw["term"]) and "const" in set(raw["term"])


def test_weights_summary_in_words(rnd, data, tmp_path: Path) -> None:
    """The weights' summary on the page: margins and method in words, the CSV keeps the program's values."""
    ctx = _ctx(rnd, data, tmp_path, "raking")
    nonresponse.run(ctx)
    shown = next(s.frame for s in ctx.sections["respondenter"] if s.key == "vekter")
    assert list(shown["Marginer"]) == ["RHF + Størrelsesklasse", "RHF"]
    assert set(shown["Metode"]) == {"raking"} and "Effektiv n (Kish)" in shown
    raw = pd.read_csv(tmp_path / "tables" / "vekter_oppsummering.csv")
    assert list(raw["margins"]) == ["rhf + size_class", "rhf"]
