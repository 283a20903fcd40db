"""Disclosure control through the whole report (issue 16): a made-up round with groups of 1, 2 and 3
helseforetak per RHF goes through build_report, and no written CSV/XLSX/HTML cell gives a suppressed
number away.

The round is tests/data/rounds/annen with one Helse Nord trust (Helse Finnmark HF) taken out, so the
helseforetak per RHF are 1 (Helse Vest), 2 (Helse Nord), 3 (Helse Midt) and 5 (Helse Sør-Øst); the
respondents step publishes those n, so the attacker knows them. The groups are kept (min_units_per_group: 1)
and the rule is min_range: 1 (never exact), which a group of one can meet; the default (3) refuses such a
round (tests/report/test_disclosure_section.py). With the defaults the groups of 1 and 2 are merged
(tests/report/test_disclosure_merge.py).
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from samanalyse.analysis import disclosure as analysis_disclosure
from samanalyse.errors import DisclosureError
from samanalyse.io.datasets import load_round_data
from samanalyse.report.build import build_report
from samanalyse.report.sections import disclosure
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parents[1] / "data" / "rounds" / "annen"
DROPPED = "Helse Finnmark HF"


def _round(tmp_path: Path) -> Path:
    d = tmp_path / "runde"
    shutil.copytree(ANNEN, d)
    for name in ("responses_helseforetak.csv", "respondents.csv"):
        lines = (d / name).read_text(encoding="utf-8").splitlines(keepends=True)
        (d / name).write_text("".join(x for x in lines if DROPPED not in x), encoding="utf-8")
    with open(d / "round.yaml", "a", encoding="utf-8") as fh:
        fh.write("disclosure:\n  min_range: 1\n  min_units_per_group: 1\n")
    return d


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("prikking")
    d = _round(tmp)
    out = tmp / "rapport"
    build_report(d, out)
    return d, out


def test_groups_are_1_2_3(report: tuple[Path, Path]) -> None:
    d, _ = report
    rnd = load_round(d)
    n = load_round_data(rnd).query("form == 'helseforetak'").groupby("rhf").size()
    assert sorted(n.tolist()) == [1, 2, 3, 5]


def test_prikking_lists_every_suppressed_cell_with_its_range(report: tuple[Path, Path]) -> None:
    d, out = report
    f = pd.read_csv(out / "tables" / "prikking.csv")
    assert set(f["reason"]) == {"primary", "secondary"}
    assert (f["hi"] - f["lo"] >= 1).all()
    # every count of 1 or 2 helseforetak in an RHF of table A (hand count from the responses) is listed
    a = pd.read_csv(out / "tables" / "A.csv")
    small = a[(a["population"] == "helseforetak") & (a["breakdown"] == "rhf") & (a["symbol"] == ":")]
    listed = set(zip(f["group"], f["category"]))
    assert len(small) and all((g, c) in listed for g, c in zip(small["group"], small["category"]))
    # the attacker's check, rerun from scratch on the round, proves every cell safe and gives the same ranges
    rnd = load_round(d)
    work, tables, _, _ = disclosure.catalogue_count_tables(rnd, load_round_data(rnd))
    from dataclasses import replace
    prot = analysis_disclosure.protect_tables(work, tables, replace(rnd.disclosure, min_units_per_group=1))
    prot.check()
    again = prot.prikking()
    assert sorted(zip(again["group"], again["category"], again["lo"], again["hi"])) == \
        sorted(zip(f["group"], f["category"], f["lo"], f["hi"]))


def test_no_written_cell_gives_a_suppressed_count_away(report: tuple[Path, Path]) -> None:
    d, out = report
    a = pd.read_csv(out / "tables" / "A.csv", dtype={"symbol": str})
    gone = a[a["symbol"] == ":"]
    assert len(gone) and gone[["count", "percent", "value"]].isna().all().all()
    # the same cells in the combined CSV and the Excel CSV
    alle = pd.read_csv(out / "tables" / "alle_celler.csv", dtype={"symbol": str})
    assert alle.loc[alle["symbol"] == ":", ["count", "percent", "value"]].isna().all().all()
    excel = pd.read_csv(out / "tabeller_excel" / "A.csv", sep=";", decimal=",", dtype={"symbol": str})
    assert excel.loc[excel["symbol"] == ":", ["count", "percent", "value"]].isna().all().all()
    spec = load_round(d).catalogue.spec("A")
    # the workbook's sheet of table A: every suppressed helseforetak row/column prints ":"
    wb = load_workbook(out / "rapport.xlsx", read_only=True)
    sheet = next(ws for ws in wb.worksheets if ws.title.startswith("A"))
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if any(isinstance(v, str) and "prosent" in v for v in r))
    body = {r[0]: r for r in rows if r and r[0] in set(gone["group"])}
    for _, r in gone[gone["category"].isin(spec["categories"])].iterrows():
        col = next(i for i, h in enumerate(header) if isinstance(h, str) and h.startswith("Helseforetak")
                   and r["category"] in h and "prosent" in h)
        assert body[r["group"]][col] == ":", (r["group"], r["category"], body[r["group"]][col])
    # the HTML table A: the Helse Vest helseforetak (n = 1) shares print ":" and its n, 1, stays
    html = (out / "index.html").read_text(encoding="utf-8")
    seg = html[html.index("id='tabeller-A'"):html.index("id='tabeller-B'")]
    vest = seg[seg.index("Helse Vest</td>"):].split("</tr>")[0]
    # (kommuner: "Ikke fornøyd" secondary, "Fornøyd" 61; helseforetak: both ":"; n 23 and 1)
    assert vest.endswith("<td>:</td><td>:</td><td>23</td><td>1</td>")
    assert vest.count("<td>:</td>") == 3


def test_without_secondary_suppression_the_report_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # primary cells alone can be worked out from the totals and the published n: the check must fail
    monkeypatch.setattr(disclosure, "protect_tables",
                        functools.partial(analysis_disclosure.protect_tables, secondary=False))
    d = _round(tmp_path)
    out = tmp_path / "rapport"
    with pytest.raises(DisclosureError, match="can be worked out from the published ones"):
        build_report(d, out)
    assert not out.exists()
