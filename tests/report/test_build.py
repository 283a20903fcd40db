"""The one-command report: what it writes, that it is whole, labelled and reproducible."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest

from samanalyse.report.build import ReportSettings, build_report

FAST = ReportSettings(n_boot=50, n_iter=20, n_sim=2000)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "2010"
    lines: list[str] = []
    result = build_report("2010", out, settings=FAST, progress=lines.append)
    return out, result, lines


def test_everything_listed_exists(report):
    out, result, lines = report
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == sorted(f for f in result.files if f != "manifest.json")
    for f in result.files:
        assert (out / f).is_file(), f
    for needed in ("index.html", "rapport.xlsx", "tables/T01.csv", "tables/V3.csv", "tables/revisjon_funn.csv",
                   "figures/figur8_kommuner.png", "figures/figur8_kommuner.svg", "figures/parallellanalyse.png"):
        assert needed in result.files
    assert len(lines) == len(manifest["steps"])  # one progress line per step
    assert manifest["reconstructed_data"] is True
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])


def test_html_is_labelled_and_self_contained(report):
    out, _, _ = report
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "respondentdataene er rekonstruert" in page
    assert "Tabell 1: Tilfredshet med samhandling om helsetjenester til kronisk syke" in page
    assert "Vedlegg 3" in page and "Metode" in page
    assert "http://" not in page and "https://" not in page  # opens from disk, no network
    assert page.count("data:image/png;base64,") == 4


def test_tables_carry_published_value_and_difference(report):
    out, _, _ = report
    t01 = pd.read_csv(out / "tables" / "T01.csv", dtype={"cell_id": str})
    row = t01.set_index("cell_id").loc["T01-001"]  # Tabell 1, kommuner, Helse Midt, Dårlig: printed 26 %
    assert row["published"] == 26 and row["regenerated"] == 26 and row["difference"] == 0
    assert {"published", "regenerated", "difference", "match", "outcome"} <= set(t01.columns)


def test_xlsx_formatting(report):
    from openpyxl import load_workbook

    out, _, _ = report
    wb = load_workbook(out / "rapport.xlsx")
    ws = wb["T01"]
    assert ws.freeze_panes == "B3"
    assert ws["B3"].number_format == "0%" and abs(ws["B3"].value - 0.26) < 1e-12
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
    assert ws.column_dimensions["A"].width >= len("Helse Sør-Øst")


def test_rerun_gives_identical_tables(report, tmp_path):
    out, _, _ = report
    again = tmp_path / "again"
    build_report("2010", again, settings=FAST)
    for f in sorted((out / "tables").iterdir()):
        assert f.read_bytes() == (again / "tables" / f.name).read_bytes(), f.name
    assert (out / "rapport.xlsx").read_bytes() == (again / "rapport.xlsx").read_bytes()
    for name in ("figur8_kommuner.svg", "figur8_kommuner.png"):
        assert (out / "figures" / name).read_bytes() == (again / "figures" / name).read_bytes()


def test_failure_leaves_target_untouched(tmp_path, monkeypatch):
    from samanalyse.report import build as rep

    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("old", encoding="utf-8")

    def boom(ctx):
        raise RuntimeError("step failed")

    monkeypatch.setattr(rep, "STEPS", rep.STEPS[:2] + [("boom", boom)])
    with pytest.raises(RuntimeError):
        build_report("2010", out, settings=FAST)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]


def test_xlsx_zip_has_fixed_times(report):
    out, _, _ = report
    with zipfile.ZipFile(out / "rapport.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
