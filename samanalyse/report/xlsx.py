"""The Excel workbook of a report: ready for Word, byte-identical on rerun.

An index sheet (``Innhold``) with a link to every sheet; one sheet per table
with its title, n, notes and source above the table, a bold header that
repeats on every printed page, percent columns as %, A4 landscape fitted to
the page width, frozen header, no formulas.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.report.context import GROUPS, Context, Section
from samanalyse.report.i18n import symbols_in

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["write_xlsx", "FIXED_TIME"]

#: The workbook's "created" and "modified" time: fixed, so reruns give identical bytes (the zip format's epoch).
FIXED_TIME = datetime(1980, 1, 1)
_FIXED_ZIP_TIME = FIXED_TIME.timetuple()[:6]


def _sheet_name(key: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if c in bad else c for c in key)[:31]
    base, i = name, 2
    while name in used:
        name = f"{base[:28]}_{i}"
        i += 1
    used.add(name)
    return name


@functools.cache
def _style(name: str) -> Any:
    """The workbook's fonts, fill and alignment, each made once (openpyxl keeps one copy of equal styles)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    styles = {"link": Font(color="1B4F72", underline="single"), "header": Font(bold=True),
              "header_fill": PatternFill("solid", fgColor="DDDDEE"), "no_wrap": Alignment(wrap_text=False)}
    for bold in (False, True):
        for italic in (False, True):  # the fonts of _text
            styles[f"text_{bold}_{italic}"] = Font(bold=bold, italic=italic, size=12 if bold else 10)
    return styles[name]


def _text(ws: Worksheet, text: str, bold: bool = False, italic: bool = False) -> None:
    ws.append([text])
    c = ws.cell(row=ws.max_row, column=1)
    c.data_type = "s"  # literal text, never a formula
    c.font = _style(f"text_{bold}_{italic}")
    c.alignment = _style("no_wrap")


def _page_setup(ws: Worksheet, header_row: int) -> None:
    """A4 landscape, fitted to the page width (as many pages down as needed), header row repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.5


def _cell_value(v: Any, percent: bool) -> Any:
    if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer, np.floating, int, float)) and not isinstance(v, bool):
        return float(v) / 100 if percent else float(v)
    return str(v)


def _index(wb: Workbook, ctx: Context, entries: list[tuple[str, str]]) -> None:
    """The first sheet: title, reconstruction note, citation, scorecard and a link to every sheet."""
    tr = ctx.tr
    ws = wb.active
    ws.title = "Innhold"
    _text(ws, ctx.round.title, bold=True)
    if ctx.round.reconstructed:
        _text(ws, f"{tr.t('note', 'reconstructed_banner')} {tr.round_note(ctx.round.notes, 'reconstruction')}".strip())
    if ctx.round.notes.get("citation"):
        _text(ws, f"{tr.t('heading', 'citation')}: {ctx.round.notes['citation']}")
    _text(ws, f"{tr.t('word', 'source_ssb')}. {tr.t('note', 'ssb_note')}", italic=True)
    for k, v in ctx.facts.get("scorecard", {}).items():
        ws.append([tr.t("status", k), v])
    ws.append([])
    _text(ws, tr.t("heading", "contents"), bold=True)
    for name, title in entries:
        ws.append([name, title])
        c = ws.cell(row=ws.max_row, column=1)
        c.hyperlink = f"#'{name}'!A1"
        c.font = _style("link")
        ws.cell(row=ws.max_row, column=2).data_type = "s"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 110
    _page_setup(ws, 1)


def _sheet(wb: Workbook, ctx: Context, sec: Section, name: str) -> None:
    """One section as a sheet: title, n, notes and source above; bold header; values; fitted widths."""
    from openpyxl.utils import get_column_letter

    tr = ctx.tr
    ws = wb.create_sheet(name)
    _text(ws, sec.title, bold=True)
    if sec.n_text:
        _text(ws, sec.n_text)
    if ctx.round.reconstructed:
        _text(ws, tr.t("word", "reconstructed_short").capitalize(), italic=True)
    for n in sec.notes:
        _text(ws, n)
    legend = tr.legend(symbols_in(sec.frame))
    if legend:
        _text(ws, legend)
    for i, w in enumerate(sec.warnings, start=1):
        _text(ws, f"{tr.t('word', 'warning')} ({i}): {w}")
    if sec.finding_ids:
        _text(ws, f"{tr.t('word', 'see_findings')}: " + ", ".join(a.split("-")[-1] for a in sec.finding_ids)
              + " (revisjon)")
    for s in sec.sources:
        _text(ws, s, italic=True)
    if sec.kind == "study" and ctx.round.notes.get("citation"):  # the published values come from the study
        _text(ws, f"{tr.t('word', 'source_study')} ({tr.t('column', 'published')}): {ctx.round.notes['citation']}",
              italic=True)
    if not len(sec.frame.columns):  # notes only
        _page_setup(ws, 1)
        return
    ws.append([])
    header = [str(c) for c in sec.frame.columns]
    ws.append([tr.header(c) for c in header])
    header_row = ws.max_row
    for c in ws[header_row]:
        c.font, c.fill = _style("header"), _style("header_fill")
    pct_cols = {i for i, c in enumerate(header) if c in sec.percent_columns}
    widths = [min(len(tr.header(c)), 24) for c in header]   # the widest printed value per column, from the rows
    for row in sec.frame.itertuples(index=False, name=None):
        values = [_cell_value(v, i in pct_cols) for i, v in enumerate(row)]
        ws.append(values)
        r = ws.max_row
        for i, (raw, v) in enumerate(zip(row, values)):
            if v is not None:
                widths[i] = max(widths[i], len(str(raw)))
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(v, str):
                cell.data_type = "s"
            elif i in pct_cols and v is not None:
                cell.number_format = "0%"
    ws.freeze_panes = f"B{header_row + 1}"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(50, max(8, width + 2))
    _page_setup(ws, header_row)


class _FixedZip(zipfile.ZipFile):
    """A zip whose every entry has the fixed time, mode 0644 and deflate, and whose ``docProps/core.xml`` has
    the fixed "modified" time, so reruns give identical bytes."""

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: str | bytes,  # type: ignore[override]
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if name == "docProps/core.xml":  # openpyxl stamps "modified" with the clock on save
            stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
            raw = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\2", raw)
        zi = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16  # mode of an entry once unzipped (the file itself follows the umask)
        super().writestr(zi, raw)


def _save_fixed(wb: Workbook, path: Path) -> None:
    """Save with fixed document and zip entry times, so reruns give identical bytes.

    openpyxl's own save writes every sheet to a temporary file and the zip
    with the clock's times (rewritten afterwards); here its writer writes
    each sheet in memory, straight into a :class:`_FixedZip`: the same entries
    in the same order with the same bytes.
    """
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemory(ExcelWriter):  # type: ignore[misc]
        def write_worksheet(self, ws: Worksheet) -> None:  # openpyxl's, with the sheet in memory
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            out = io.BytesIO()
            writer = WorksheetWriter(ws, out=out)
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], out.getvalue())
            self.manifest.append(ws)

    wb.properties.created = wb.properties.modified = FIXED_TIME
    with _FixedZip(path, "w", zipfile.ZIP_DEFLATED) as archive:
        InMemory(wb, archive).write_data()


def write_xlsx(ctx: Context) -> None:
    """One workbook: an index sheet with links, then one sheet per table, ready to print on A4 or paste into Word."""
    from openpyxl import Workbook

    wb = Workbook()
    used = {"Innhold"}
    secs = [(_sheet_name(sec.key, used), sec) for key, _ in GROUPS for sec in ctx.sections.get(key, [])]
    _index(wb, ctx, [(name, sec.title) for name, sec in secs])
    for name, sec in secs:
        _sheet(wb, ctx, sec, name)
    wb.properties.creator = f"samanalyse {__version__}"
    _save_fixed(wb, ctx.out / "rapport.xlsx")
    ctx.files.append("rapport.xlsx")
