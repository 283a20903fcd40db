"""The Excel workbook of a report: one sheet per table, byte-identical on rerun."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.report.context import GROUPS, Context, Section, fmt_cell

if TYPE_CHECKING:
    from openpyxl import Workbook

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


def _overview(wb: Workbook, ctx: Context) -> None:
    ws0 = wb.active
    ws0.title = "Oversikt"
    ws0.append([ctx.round.title])
    if ctx.round.reconstructed:
        ws0.append(["Respondentdataene er REKONSTRUERT, ikke de opprinnelige svarene."])
    for k, v in ctx.facts.get("scorecard", {}).items():
        ws0.append([k, v])
    ws0.column_dimensions["A"].width = 40


def _cell_value(v: Any, percent: bool) -> Any:
    if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.integer, np.floating, int, float)) and not isinstance(v, bool):
        return float(v) / 100 if percent else float(v)
    return str(v)


def _sheet(wb: Workbook, sec: Section, used: set[str]) -> None:
    """One section as a sheet: title, bold header, values (percent columns as %), notes, fitted widths."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    ws = wb.create_sheet(_sheet_name(sec.key, used))
    ws.append([sec.title])
    ws["A1"].font = bold
    header = [str(c) for c in sec.frame.columns]
    ws.append(header)
    for c in ws[2]:
        c.font, c.fill = bold, PatternFill("solid", fgColor="DDDDEE")
    pct_cols = {i for i, c in enumerate(header) if c in sec.percent_columns}
    for row in sec.frame.itertuples(index=False):
        values = [_cell_value(v, i in pct_cols) for i, v in enumerate(row)]
        ws.append(values)
        r = ws.max_row
        for i, v in enumerate(values):
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(v, str):
                cell.data_type = "s"  # literal text, never a formula
            elif i in pct_cols and v is not None:
                cell.number_format = "0%"
    for n in sec.notes + [f"Revisjon: {f}" for f in sec.findings]:
        ws.append([n])
        ws.cell(row=ws.max_row, column=1).data_type = "s"
    ws.freeze_panes = "B3"
    for i, col in enumerate(header, start=1):
        width = max([len(col)] + [len(fmt_cell(v)) for v in sec.frame.iloc[:, i - 1]])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))


def _save_fixed(wb: Workbook, path: Path) -> None:
    """Save with fixed document and zip entry times, so reruns give identical bytes."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\2",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16  # mode of an entry once unzipped (the file itself follows the umask)
            dst.writestr(zi, data)


def write_xlsx(ctx: Context) -> None:
    """One workbook, one sheet per table; percentages as %, frozen header, fitted widths, no formulas."""
    from openpyxl import Workbook

    wb = Workbook()
    _overview(wb, ctx)
    used = {"Oversikt"}
    for key, _title in GROUPS:
        for sec in ctx.sections.get(key, []):
            _sheet(wb, sec, used)
    wb.properties.creator = f"samanalyse {__version__}"
    _save_fixed(wb, ctx.out / "rapport.xlsx")
    ctx.files.append("rapport.xlsx")
