"""Write responses as CSV, XLSX or SAV, atomically and without losing anything.

Writes go through :mod:`samanalyse.io.atomic`, so a failed write leaves the
target untouched and every file gets the usual permissions (``0666 & ~umask``).
Formula neutralisation and Excel escapes are described in
:mod:`samanalyse.io.responses`.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from samanalyse.errors import ArgumentError, DataFixWarning
from samanalyse.io.atomic import atomic_file, atomic_path
from samanalyse.io.formats import SUPPORTED_SUFFIXES
from samanalyse.io.report import Responses
from samanalyse.io.text import neutralise, xl_escape

__all__ = ["write_responses"]


def _check_format(format: str | None, path: Path) -> str:
    fmt = format or SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt not in ("csv", "xlsx", "sav"):
        raise ArgumentError(
            f"Cannot tell which format to write {path.name} in (format={format!r}); "
            "use a name ending in .csv, .xlsx or .sav, or format='csv', 'xlsx' or 'sav'."
        )
    return fmt


def _as_text_frame(responses: Responses) -> pd.DataFrame:
    """All columns as object arrays of str ('' for no answer): labels for closed items."""
    return pd.DataFrame({
        col: s.astype(object).where(s.notna(), "").to_numpy(dtype=object) for col, s in responses.data.items()
    })


def _neutralised(responses: Responses) -> pd.DataFrame:
    """The text frame with every formula-like cell neutralised (per distinct value)."""
    text = _as_text_frame(responses)
    for col in text.columns:
        vals = text[col].to_numpy(dtype=object)
        codes, uniques = pd.factorize(vals)
        fixed = np.array([neutralise(u) for u in uniques] or [""], dtype=object)
        text[col] = fixed[codes] if len(uniques) else vals
    return text


def write_responses(responses: Responses, path: str | Path, *,
                    format: Literal["csv", "xlsx", "sav"] | None = None) -> Path:
    """Write responses as CSV, XLSX or SAV, atomically and without losing anything.

    Parameters
    ----------
    responses : Responses
        What to write.
    path : str or Path
        Target file; replaced only when the write succeeds.
    format : {"csv", "xlsx", "sav"}, optional
        Default: from the file name's ending.

    Returns
    -------
    Path
        The file written (mode ``0666 & ~umask``).

    Raises
    ------
    ArgumentError
        If ``responses`` is not a :class:`Responses` or the format is unknown.

    Notes
    -----
    CSV: UTF-8 without BOM, ``,`` separator, header ``respondent`` + item ids,
    answers as labels, blank for no answer; every field is quoted if any free
    text holds a bare carriage return. XLSX: one sheet ``responses`` in the
    same layout. SAV: closed items as numeric codes with the scale's value
    labels (codes marked *missing* in the codebook declared as SPSS missing
    values), free text and the respondent as strings, item texts as variable
    labels. In CSV and XLSX, cells a spreadsheet would run as formulas are
    neutralised with a leading ``'`` that :func:`~samanalyse.io.read.read_responses`
    removes again.
    """
    if not isinstance(responses, Responses):
        raise ArgumentError(f"write_responses needs a Responses object; got {type(responses).__name__}.")
    target = Path(path)
    fmt = _check_format(format, target)
    if fmt == "sav":
        _write_sav(responses, target)
    elif fmt == "csv":
        _write_csv(_neutralised(responses), target)
    else:
        _write_xlsx(_neutralised(responses), target)
    return target


def _write_csv(text: pd.DataFrame, target: Path) -> None:
    # csv quotes a field holding "\n" but not one holding only "\r", which readers take as a line end
    has_cr = any(
        (text[c].str.contains("\r", regex=False) & ~text[c].str.contains("\n", regex=False)).any()
        for c in text.columns
    )
    with atomic_file(target, "w", encoding="utf-8", newline="") as fh:
        text.to_csv(fh, index=False, lineterminator="\n", quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)


def _write_xlsx(text: pd.DataFrame, target: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("responses")
    ws.append([xl_escape(c) for c in text.columns])
    arrays = [text[c].to_numpy(dtype=object) for c in text.columns]
    for i in range(len(text)):
        ws.append([xl_escape(a[i]) if a[i] != "" else None for a in arrays])
    with atomic_path(target) as tmp:
        wb.save(tmp)


def _write_sav(responses: Responses, target: Path) -> None:
    import pyreadstat

    cb = responses.codebook
    rid = responses.data["respondent"]
    df = pd.DataFrame({"respondent": rid.astype(object).where(rid.notna(), "").to_numpy(dtype=object)})
    labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[float]] = {}
    col_labels = ["Respondent"]
    measure = {"respondent": "nominal"}
    if responses.unit is not None:   # a person form's kommune, as text (leading zeros kept)
        unit = responses.data[responses.unit]
        df[responses.unit] = unit.astype(object).where(unit.notna(), "").to_numpy(dtype=object)
        col_labels.append(responses.unit.capitalize())
        measure[responses.unit] = "nominal"
    lost: list[str] = []
    for iid in responses.item_ids:
        item = cb.item(iid)
        s = responses.data[iid]
        col_labels.append(item.text)
        measure[iid] = "nominal"
        if item.scale is not None:
            codes = np.asarray(item.scale.codes(), dtype=float)
            cat = s.cat.codes.to_numpy()
            df[iid] = np.where(cat >= 0, codes[np.maximum(cat, 0)], np.nan)
            labels[iid] = {float(c.code): c.label for c in item.scale.categories}
            miss = [float(c.code) for c in item.scale.categories if c.missing is not None]
            if 0 < len(miss) <= 3:
                missing[iid] = miss
        else:
            vals = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
            lost += [f"{iid} of {r}" for r, v in zip(rid, vals) if v != v.rstrip(" ")]
            df[iid] = vals
    if lost:
        warnings.warn(DataFixWarning(
            f"SPSS files cannot keep trailing spaces of text; they are dropped in {target.name} for "
            f"{len(lost)} cell(s): {', '.join(lost[:5])}{' ...' if len(lost) > 5 else ''}"
        ), stacklevel=3)
    with atomic_path(target) as tmp:
        pyreadstat.write_sav(df, str(tmp), column_labels=col_labels, variable_value_labels=labels,
                             missing_ranges=missing, variable_measure=measure)
