"""Regenerated cells against the published ones (samanalyse.published.comparison).

Moved from tests/analysis/test_tables.py (compare_with_published moved to the published layer).
"""

from __future__ import annotations

import pandas as pd
import pytest

from samanalyse.analysis.tables import all_table_cells
from samanalyse.errors import ArgumentError, DataError
from samanalyse.published.comparison import COMPARISON_COLUMNS, compare_with_published
from samanalyse.survey.rounds import load_round

ROUND = load_round("2010")
CB = ROUND.codebook


@pytest.fixture(scope="module")
def data2010() -> pd.DataFrame:
    from samanalyse.io.datasets import load_round_data

    return load_round_data("2010")


def test_every_possible_published_cell_is_regenerated(data2010):
    cmp = compare_with_published(all_table_cells(data2010, codebook=CB, catalogue=ROUND.catalogue), round="2010")
    assert len(cmp) == 426
    assert int(cmp["match"].eq(True).sum()) == 383
    unmatched = set(cmp.loc[cmp["match"].eq(False), "cell_id"])
    # impossible for n = 18 (T16 HF: 77 % and 23 %), Tabell 57 (impossible with Tabell 1-11)
    assert unmatched == {"T16-004", "T16-006", "T57-001", "T57-002", "T57-003", "T57-004"}
    # Vedlegg 3, kommuner q5c: 11 % Vet ikke only when blanks count as Vet ikke (Tabell 19: 10 % + NA 1 %)
    assert cmp.set_index("cell_id").loc["V3-011", "variant"] == "blanks_as_vet_ikke"
    missing = cmp[cmp["match"].isna()]
    assert set(missing["status_published"]) == {"unknown", "anomaly", "printed"}
    printed_missing = missing[missing["status_published"] == "printed"]
    assert set(printed_missing["item"]) == {"prio_h", "prio_i", "prio_j"}  # not on the helseforetak form
    assert tuple(cmp.columns) == COMPARISON_COLUMNS


def test_needs_published_cells_or_a_round():
    with pytest.raises(ArgumentError, match="needs the published cells or the round"):
        compare_with_published(pd.DataFrame())


def test_missing_columns_are_named():
    with pytest.raises(DataError, match="regenerated cells: missing column"):
        compare_with_published(pd.DataFrame({"table": []}), pd.DataFrame({"cell_id": []}))
