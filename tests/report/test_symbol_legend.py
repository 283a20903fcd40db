"""SSB's legend of the table symbols (":" kan ikke offentliggjøres, ".." mangler, "-" null), only where one occurs.

The round is the made-up round with groups of 1, 2, 3 and 5 helseforetak per RHF of
tests/report/test_disclosure_report.py, whose report suppresses cells (":"); the 2010 report
(tests/report/test_publication.py) has none and so no legend.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from samanalyse.report.build import build_report
from samanalyse.report.i18n import symbols_in, translation

sys.path.insert(0, str(Path(__file__).parent))
from test_disclosure_report import _round  # noqa: E402


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tegn")
    target = tmp / "rapport"
    build_report(_round(tmp), target)
    return target


def test_symbols_found_only_as_whole_cells() -> None:
    frame = pd.DataFrame({"a": ["12", ":", "x"], "b": [1.0, 2.0, 3.0], "c": ["0:3", "-", "..."]})
    assert symbols_in(frame, None) == ["suppressed", "zero"]   # "0:3" and "..." are not symbols
    assert symbols_in(pd.DataFrame({"a": [1, 2]})) == []
    assert symbols_in(pd.DataFrame({"a": ["25,0 (:), n = 4", "Tabell 1: x"]})) == ["suppressed"]  # an interval
    assert symbols_in(pd.DataFrame({"a": ["Hjem - fastlege", "kl. 10:30"]})) == []
    assert translation("nb").legend(["suppressed"]) == "Tegnforklaring: «:» kan ikke offentliggjøres."
    assert translation("nb").legend([]) == ""


def test_the_legend_stands_under_each_table_with_a_suppressed_cell(out: Path) -> None:
    page = (out / "index.html").read_text(encoding="utf-8")
    legend = translation("nb").legend(["suppressed"])
    sections = re.split(r"(?=<h3 id=')", page)
    with_symbol = [s for s in sections if "<td>:</td>" in s]
    assert with_symbol, "the made-up round's report suppresses cells"
    for s in sections[1:]:
        has = "<td>:</td>" in s or "(:)" in s
        assert (legend in s) == has, s[:80]
    # and once in the methods section
    methods = page[page.index("id='metode'"):page.index("<h3 id=")]
    assert legend in methods


def test_each_sheet_with_a_suppressed_cell_carries_the_legend(out: Path) -> None:
    wb = load_workbook(out / "rapport.xlsx")
    legend = translation("nb").legend(["suppressed"])
    seen = 0
    for ws in wb.worksheets[1:]:
        values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
        has = ":" in values
        assert (legend in values) == has, ws.title
        seen += has
    assert seen > 0
