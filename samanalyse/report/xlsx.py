"""The Excel workbook of a report: one sheet per table, byte-identical on rerun."""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import pandas as pd

from samanalyse import __version__
from samanalyse.report.context import GROUPS, Context, fmt_cell

__all__ = ["write_xlsx"]


_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sheet_name(key: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if c in bad else c for c in key)[:31]
    base, i = name, 2
    while name in used:
        name = f"{base[:28]}_{i}"
        i += 1
    used.add(name)
    return name


def write_xlsx(ctx: Context) -> None:
    """One workbook, one sheet per table; percentages as %, frozen header, fitted widths, no formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws0 = wb.active
    ws0.title = "Oversikt"
    notice = ("Respondentdataene er REKONSTRUERT, ikke de opprinnelige svarene." if ctx.round.reconstructed else "")
    ws0.append([ctx.round.title])
    if notice:
        ws0.append([notice])
    for k, v in ctx.facts.get("scorecard", {}).items():
        ws0.append([k, v])
    ws0.column_dimensions["A"].width = 40
    used = {"Oversikt"}
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDEE")
    for key, _title in GROUPS:
        for sec in ctx.sections.get(key, []):
            ws = wb.create_sheet(_sheet_name(sec.key, used))
            ws.append([sec.title])
            ws["A1"].font = bold
            header = [str(c) for c in sec.frame.columns]
            ws.append(header)
            for c in ws[2]:
                c.font, c.fill = bold, fill
            pct_cols = {i for i, c in enumerate(header) if sec.kind == "study" and ("regenerert" in c or "publisert" in c)}
            for row in sec.frame.itertuples(index=False):
                values = []
                for i, v in enumerate(row):
                    if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v)):
                        values.append(None)
                    elif isinstance(v, (np.integer, np.floating, int, float)) and not isinstance(v, bool):
                        values.append(float(v) / 100 if i in pct_cols else float(v))
                    else:
                        values.append(str(v))
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
    from datetime import datetime

    wb.properties.created = wb.properties.modified = datetime(2010, 4, 30)
    wb.properties.creator = f"samanalyse {__version__}"
    buf = io.BytesIO()
    wb.save(buf)
    # rewrite the zip with fixed entry times so reruns give identical bytes
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = ctx.out / "rapport.xlsx"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the clock on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2010-04-30T00:00:00Z\2",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    ctx.files.append("rapport.xlsx")
