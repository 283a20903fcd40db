"""Tests of samanalyse.report.xlsx's saving: in memory, straight into a fixed-time zip, the bytes of openpyxl's save."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from samanalyse.report import xlsx


def _workbook() -> Workbook:
    """A workbook with what the report's has: several sheets, fonts, a fill, a link, percent cells, frozen panes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Innhold"
    xlsx._text(ws, "I gode og onde dager", bold=True)
    xlsx._text(ws, "Kilde: Statistisk sentralbyrå", italic=True)
    ws.append(["T01", "Respondenter"])
    ws.cell(row=ws.max_row, column=1).hyperlink = "#'T01'!A1"
    ws.cell(row=ws.max_row, column=1).font = xlsx._style("link")
    xlsx._page_setup(ws, 1)
    for name in ("T01", "T02"):
        sh = wb.create_sheet(name)
        xlsx._text(sh, f"Tabell {name}", bold=True)
        xlsx._text(sh, "=SUM(A1:A2) er tekst, ikke en formel")
        sh.append(["RHF", "Andel", "n"])
        for c in sh[sh.max_row]:
            c.font, c.fill = xlsx._style("header"), xlsx._style("header_fill")
        for g, share, n in (("Helse Nord", 0.42, 31), ("Helse Sør-Øst", 0.5, 80)):
            sh.append([g, share, n])
            sh.cell(row=sh.max_row, column=2).number_format = "0%"
        sh.freeze_panes = "B4"
        xlsx._page_setup(sh, 3)
    wb.properties.creator = "samanalyse test"
    return wb


def _openpyxl_save_made_fixed(wb: Workbook, path: Path) -> None:
    """The former way, as reference: openpyxl's own save, then every entry rewritten with the fixed times."""
    wb.properties.created = wb.properties.modified = xlsx.FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    stamp = xlsx.FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\2",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=xlsx.FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)


def test_in_memory_save_gives_the_bytes_of_openpyxls_save(tmp_path: Path) -> None:
    xlsx._save_fixed(_workbook(), tmp_path / "ours.xlsx")
    _openpyxl_save_made_fixed(_workbook(), tmp_path / "theirs.xlsx")
    assert (tmp_path / "ours.xlsx").read_bytes() == (tmp_path / "theirs.xlsx").read_bytes()


def test_saved_workbook_has_fixed_times_and_reads_back(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    for name in ("a.xlsx", "b.xlsx"):
        xlsx._save_fixed(_workbook(), tmp_path / name)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in z.infolist()} == {0o644}
        core = z.read("docProps/core.xml").decode("utf-8")
        assert "1980-01-01T00:00:00Z</dcterms:modified>" in core
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.sheetnames == ["Innhold", "T01", "T02"]
    sheet = wb["T01"]
    assert sheet["A2"].value == "=SUM(A1:A2) er tekst, ikke en formel" and sheet["A2"].data_type == "s"
    assert sheet["B4"].value == 0.42 and sheet["B4"].number_format == "0%"
    assert sheet["A3"].font.b and sheet["A3"].fill.fgColor.rgb == "00DDDDEE"
    assert wb["Innhold"]["A1"].font.sz == 12 and wb["Innhold"]["A2"].font.i
