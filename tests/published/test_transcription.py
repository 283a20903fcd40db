"""Loading the published figures (samanalyse.published)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from samanalyse.errors import DataError
from samanalyse.published.transcription import (
    CELL_COLUMNS,
    STATEMENT_COLUMNS,
    TABLE_COLUMNS,
    load_published,
    read_cells,
    read_published,
    read_statements,
    read_tables,
)


@pytest.fixture(scope="module")
def pub():
    return load_published("2010")


def test_2010_counts(pub):
    # data/published/2010/README.md: 426 cells (395 printed, 30 unknown, 1 anomaly), 59 tables, 138 statements
    assert len(pub.cells) == 426 and len(pub.tables) == 59 and len(pub.statements) == 138
    assert pub.cells["status"].value_counts().to_dict() == {"printed": 395, "unknown": 30, "anomaly": 1}
    assert list(pub.cells.columns) == list(CELL_COLUMNS)


def test_types(pub):
    assert str(pub.cells["value"].dtype) == "Float64"
    assert str(pub.cells["line"].dtype) == "Int64"
    assert str(pub.tables["n_kommuner"].dtype) == "Int64"
    assert str(pub.statements["line"].dtype) == "Int64"
    # unknown cells have no value; printed ones have one
    assert pub.cells.loc[pub.cells["status"] == "unknown", "value"].isna().all()
    assert pub.cells.loc[pub.cells["status"] != "unknown", "value"].notna().all()
    # T16-004 prints 77 (helseforetak, gode); V3-026 the anomalous 144
    by_id = pub.cells.set_index("cell_id")["value"]
    assert by_id["T16-004"] == 77 and by_id["V3-026"] == 144


def test_caption_n_and_table(pub):
    n = pub.caption_n()
    assert n[("T01", "kommuner")] == 187 and n[("T01", "helseforetak")] == 18
    assert ("T49", "helseforetak") not in n  # kommuner-only table
    assert set(pub.table("T01")["table"]) == {"T01"} and len(pub.table("T01")) == 21


#: The columns of the 2010 tables.csv: the fixed ones and a caption n per population.
TABLE_COLUMNS_2010 = (*TABLE_COLUMNS, "n_kommuner", "n_helseforetak")


def _write(path: Path, cols, rows) -> Path:
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)
    return path


def _cell(**kw):
    base = dict(cell_id="T01-001", table="T01", population="kommuner", breakdown="total", group="Samlet",
                item="q20", category="Godt", value="71", unit="%", status="printed", base="", line="10", note="")
    base.update(kw)
    return base


def test_read_cells_errors(tmp_path):
    ok = _write(tmp_path / "ok.csv", CELL_COLUMNS, [_cell()])
    assert read_cells(ok)["value"].iloc[0] == 71
    with pytest.raises(DataError, match="missing column"):
        _write(tmp_path / "a.csv", CELL_COLUMNS[:-1], [{k: v for k, v in _cell().items() if k != "note"}])
        read_cells(tmp_path / "a.csv")
    with pytest.raises(DataError, match="not a number"):
        read_cells(_write(tmp_path / "b.csv", CELL_COLUMNS, [_cell(value="seventy")]))
    with pytest.raises(DataError, match="status is 'unknown'"):
        read_cells(_write(tmp_path / "c.csv", CELL_COLUMNS, [_cell(status="unknown")]))
    with pytest.raises(DataError, match="empty but status"):
        read_cells(_write(tmp_path / "d.csv", CELL_COLUMNS, [_cell(value="")]))
    with pytest.raises(DataError, match="not allowed"):
        read_cells(_write(tmp_path / "e.csv", CELL_COLUMNS, [_cell(status="guessed")]))
    with pytest.raises(DataError, match="used twice"):
        read_cells(_write(tmp_path / "f.csv", CELL_COLUMNS, [_cell(), _cell()]))
    with pytest.raises(DataError, match="whole number"):
        read_cells(_write(tmp_path / "g.csv", CELL_COLUMNS, [_cell(line="ten")]))


def test_read_tables_and_statements_errors(tmp_path):
    row = dict(table="T01", title="t", kind="numeric", items="q20", populations="kommuner", n_kommuner="18x",
               n_helseforetak="", breakdowns="total", line="5", note="")
    with pytest.raises(DataError, match="whole number"):
        read_tables(_write(tmp_path / "t.csv", TABLE_COLUMNS_2010, [row]))
    st = dict(statement_id="S1", line="3", quote="q", population="", item="", claim="", implied="", tables="",
              wording="roughly")
    with pytest.raises(DataError, match="not allowed"):
        read_statements(_write(tmp_path / "s.csv", STATEMENT_COLUMNS, [st]))


def test_unknown_round():
    with pytest.raises(FileNotFoundError, match="2010"):
        load_published("1999")


def test_reference_to_unknown_table(tmp_path):
    folder = tmp_path / "published" / "2099"
    folder.mkdir(parents=True)
    _write(folder / "cells.csv", CELL_COLUMNS, [_cell(table="T99", cell_id="T99-001")])
    _write(folder / "tables.csv", TABLE_COLUMNS_2010,
           [dict(table="T01", title="t", kind="numeric", items="", populations="", n_kommuner="", n_helseforetak="",
                 breakdowns="", line="1", note="")])
    _write(folder / "statements.csv", STATEMENT_COLUMNS, [])
    with pytest.raises(DataError, match="unknown tables"):
        read_published(folder, round="2099")
