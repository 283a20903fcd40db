"""Tables of a round without published numbers (issue 13 item 2, issue 15 item 3): n and an interval per
share as columns (tidy CSV, Excel CSV, workbook sheet) and on demand in HTML; with weights, the weighted
share beside; with disclosure rules, no interval or weighted share of a suppressed cell is published.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.tables import table_cells
from samanalyse.analysis.weighted import FormDesigns, weighted_cells
from samanalyse.analysis.weights import round_weights
from samanalyse.report import build
from samanalyse.report.context import Context, ReportSettings
from samanalyse.stats.proportions import proportion_ci
from samanalyse.survey.rounds import load_round

matplotlib.use("Agg")
ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"


def _run(rnd, tmp: Path, weights: str | None) -> Context:
    settings = dataclasses.replace(ReportSettings.from_plan(rnd.plan), weights=weights)
    ctx = Context(round=rnd, out=tmp, settings=settings)
    fns = dict(build.STEPS)
    for name in ("data", "respondenter", "prikking", "tabeller"):
        fns[name](ctx)
    return ctx


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Context:
    return _run(load_round(ANNEN), tmp_path_factory.mktemp("annen"), None)


def test_every_share_has_n_and_a_finite_population_interval(plain: Context) -> None:
    a = pd.read_csv(plain.out / "tables" / "A.csv")
    assert {"n", "ci_low", "ci_high", "ci_method"} <= set(a.columns)
    assert "weighted" not in a.columns
    # the kommuner's total: a census of 430 kommuner -> the finite-population logit interval
    row = a[(a["population"] == "kommuner") & (a["breakdown"] == "total") & (a["category"] == "Fornøyd")].iloc[0]
    ci = proportion_ci(int(row["count"]), int(row["n"]), method="fpc", frame_size=430)
    assert row["ci_method"] == "fpc_logit"
    assert row["ci_low"] == pytest.approx(100 * ci.ci_low) and row["ci_high"] == pytest.approx(100 * ci.ci_high)
    excel = pd.read_csv(plain.out / "tabeller_excel" / "A.csv", sep=";", decimal=",")
    assert excel["ci_low"].to_numpy() == pytest.approx(a["ci_low"].to_numpy(), nan_ok=True)
    sec = next(s for s in plain.sections["tabeller"] if s.key == "A")
    assert "Kommuner: Fornøyd – KI nedre" in sec.frame.columns       # the workbook's sheet
    assert not any("KI" in c for c in sec.html_frame.columns)        # the web page: percentages and n ...
    total = sec.detail_frame[sec.detail_frame.iloc[:, 0] == "Samlet"]["Kommuner: Fornøyd"].iloc[0]
    tr = plain.tr                                                    # ... the interval on demand
    assert total == (f"{tr.percent(row['percent'], 1)} ({tr.percent(row['ci_low'])}–{tr.percent(row['ci_high'])}),"
                     f" n = {int(row['n'])}")


def test_weighted_shares_beside(tmp_path: Path) -> None:
    rnd = load_round(ANNEN)
    ctx = _run(rnd, tmp_path, "raking")
    a = pd.read_csv(tmp_path / "tables" / "A.csv")
    fd = FormDesigns(ctx.data, round_weights(rnd, "raking"))
    w = weighted_cells("A", fd, codebook=rnd.codebook, catalogue=rnd.catalogue)
    assert a["weighted"].to_numpy() == pytest.approx(w["weighted"].to_numpy(), nan_ok=True)
    assert a["weighted_ci_low"].notna().any()
    sec = next(s for s in ctx.sections["tabeller"] if s.key == "A")
    assert "Kommuner: Fornøyd – vektet SF" in sec.frame.columns
    assert "vektet" in sec.detail_frame["Kommuner: Fornøyd"].iloc[0]


def test_suppressed_cells_lose_interval_and_weighted_share(tmp_path: Path) -> None:
    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure:\n  min_range: 1\n  min_units_per_group: 1\n")
    rnd = load_round(d)
    ctx = _run(rnd, tmp_path / "ut", "raking")
    a = pd.read_csv(tmp_path / "ut" / "tables" / "A.csv", dtype={"symbol": str}, keep_default_na=False,
                    na_values=[""])
    gone = a["symbol"] == ":"
    assert gone.any()
    assert a.loc[gone, ["percent", "ci_low", "ci_high", "weighted", "weighted_se", "weighted_ci_low"]].isna().all().all()
    sec = next(s for s in ctx.sections["tabeller"] if s.key == "A")
    cells = table_cells("A", ctx.data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    for _, r in a[gone & (a["breakdown"] == "rhf") & (a["population"] == "helseforetak")].iterrows():
        head = f"Helseforetak: {r['category']}"
        row = sec.frame[sec.frame.iloc[:, 0] == r["group"]]
        for col in (f"{head} – prosent", f"{head} – KI nedre", f"{head} – vektet", f"{head} – vektet KI øvre"):
            assert row[col].iloc[0] == ":", (r["group"], col)
        assert sec.detail_frame[sec.detail_frame.iloc[:, 0] == r["group"]][head].iloc[0] == ":"
    assert len(cells) == len(a)
    assert not np.isnan(a.loc[~gone & a["n"].notna(), "percent"]).all()


def test_index_crosstab_column_under_min_base_is_not_published(tmp_path: Path) -> None:
    """Table D (an index cross-table, which the prikking step does not cover): with min_base 70 the column
    of 62 kommuner loses its shares, counts and intervals (n stays: it is over min_count), with a note."""
    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure:\n  min_base: 70\n")
    rnd = load_round(d)
    ctx = _run(rnd, tmp_path / "ut", None)
    cells = pd.read_csv(tmp_path / "ut" / "tables" / "D.csv", dtype={"symbol": str}, keep_default_na=False,
                        na_values=[""])
    small = cells["n"] < 70
    assert small.any() and (~small).any()
    assert (cells.loc[small, "symbol"] == ":").all() and cells.loc[~small, "symbol"].isna().all()
    assert cells.loc[small, ["count", "percent", "value", "ci_low", "ci_high"]].isna().all().all()
    assert cells.loc[small, "n"].notna().all()
    sec = next(s for s in ctx.sections["tabeller"] if s.key == "D")
    hidden = next(c for c in sec.html_frame.columns if "prosent" in c and cells.loc[small, "group"].iloc[0] in c)
    assert (sec.html_frame[hidden] == ":").all() and (sec.detail_frame.iloc[:, 2] == ":").all()
    assert any("færre enn 70" in n for n in sec.notes)
