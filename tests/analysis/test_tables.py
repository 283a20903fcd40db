"""Tables: generic frequencies (hand-computed expectations) and the study's catalogue
(expected values: the printed numbers in data/published/2010/cells.csv)."""

from __future__ import annotations

import pandas as pd
import pytest

from samanalyse.analysis.tables import (
    build_table,
    crosstab,
    frequencies,
    table_cells,
)
from samanalyse.errors import SamanalyseError
from samanalyse.stats.rounding import printed_percent
from samanalyse.survey.rounds import load_codebook, load_round

CB = load_codebook("2010")
CAT = load_round("2010").catalogue


@pytest.fixture(scope="module")
def data2010() -> pd.DataFrame:
    from samanalyse.io.datasets import load_round_data

    return load_round_data("2010")


def small() -> pd.DataFrame:
    # 8 kommuner: q20 answers and RHF, counted by hand below
    return pd.DataFrame({
        "form": ["kommune"] * 8,
        "respondent": [f"{i:04d}" for i in range(8)],
        "rhf": ["Helse Nord"] * 4 + ["Helse Vest"] * 4,
        "q20": ["Svært godt", "Nokså godt", "Nokså dårlig", None,
                "Nokså godt", "Nokså godt", "Vet ikke/ikke aktuelt", "Svært dårlig"],
    })


def test_round_percent_rules():
    assert printed_percent(1, 8, "half-up") == 13 and printed_percent(1, 8, "half-even") == 12   # 12.5 exactly
    assert printed_percent(13, 18, "half-up") == 72    # 72.22
    assert printed_percent(1, 40, "none") == 2.5
    assert printed_percent(0, 0, "half-up") != printed_percent(0, 0, "half-up")  # NaN for an empty base


def test_frequencies_by_group_with_collapse():
    f = frequencies(small(), "q20", codebook=CB, by="rhf", collapse="godt_darlig")
    nord = f[f["group"] == "Helse Nord"].set_index("category")
    # Nord: Godt 2 of 4 (Svært + Nokså godt), Dårlig 1, blank 1 -> 50 %, 25 %, 25 %
    assert nord.loc["Godt", "count"] == 2 and nord.loc["Godt", "percent"] == 50
    assert nord.loc["Dårlig", "percent"] == 25 and nord.loc["Manglende svar", "percent"] == 25
    total = f[f["group"] == "Samlet"].set_index("category")
    # all 8: Godt 4, Dårlig 2, Vet ikke 1, blank 1
    assert total.loc[["Godt", "Dårlig", "Vet ikke/ikke aktuelt", "Manglende svar"], "count"].tolist() == [4, 2, 1, 1]
    assert list(f.columns) == ["by", "group", "item", "category", "count", "n", "percent"]


def test_frequencies_bases():
    f = frequencies(small(), "q20", codebook=CB, collapse="godt_darlig", percent_of="substantive",
                    include_missing=False, rounding="half-up")
    t = f.set_index("category")
    # substantive answers: 6 (8 minus 1 blank minus 1 Vet ikke); Godt 4/6 = 66.7 -> 67
    assert t.loc["Godt", "n"] == 6 and t.loc["Godt", "percent"] == 67
    assert "Manglende svar" not in t.index and "Vet ikke/ikke aktuelt" not in t.index
    a = frequencies(small(), "q20", codebook=CB, percent_of="answered").set_index("category")
    assert a.loc["Nokså godt", "n"] == 7 and a.loc["Nokså godt", "count"] == 3


def test_crosstab_is_wide():
    ct = crosstab(small(), "q20", "rhf", codebook=CB, collapse="godt_darlig")
    assert list(ct.index) == ["Helse Nord", "Helse Vest", "Samlet"]
    assert ct.loc["Helse Vest", "Godt"] == 50  # 2 of 4


def test_unknown_printed_category_names_the_known_ones():
    with pytest.raises(SamanalyseError, match="Printed category 'Kanskje' has no rule.*Dårlig, Godt"):
        load_round("2010").catalogue.rule("Kanskje")


def test_errors_name_what_is_wrong():
    with pytest.raises(SamanalyseError, match="no column\\(s\\) 'q99'"):
        frequencies(small(), "q99", codebook=CB)
    with pytest.raises(SamanalyseError, match="No table 'T99'.*T01"):
        table_cells("T99", small(), codebook=CB, catalogue=CAT)
    with pytest.raises(SamanalyseError, match="share one closed scale"):
        frequencies(pd.DataFrame({"q20": [], "q5a": []}), ["q20", "q5a"], codebook=CB)


def test_zero_respondent_group_gives_nan_not_crash():
    d = small()
    d["rhf"] = pd.Categorical(d["rhf"], categories=["Helse Midt", "Helse Nord", "Helse Vest"])
    f = frequencies(d, "q20", codebook=CB, by="rhf")
    midt = f[f["group"] == "Helse Midt"]
    assert (midt["n"] == 0).all() and midt["percent"].isna().all()


def test_catalogue_covers_every_numeric_table():
    tables = pd.read_csv(CB.source.replace("rounds/2010/codebook.yaml", "published/2010/tables.csv"), dtype=str)
    numeric = set(tables.loc[tables["kind"] == "numeric", "table"])
    assert numeric == set(load_round("2010").catalogue.tables)


def test_tabell_1_as_printed(data2010):
    t = build_table("T01", data2010, codebook=CB, catalogue=CAT)
    # Tabell 1 (study line 999-1003): kommuner Dårlig/Godt, helseforetak Dårlig/Godt
    assert t.loc["Helse Midt"].tolist() == [26, 67, 25, 75]
    assert t.loc["Helse Vest"].tolist() == [24, 70, 50, 50]
    assert t.loc["Samlet"].tolist() == [23, 71, 28, 72]
    assert t.loc["Manglende svar (kommuner)", ("kommuner", "Dårlig")] == 6  # "Manglende svar i kommuner: 6%"


def test_tabell_56_as_printed(data2010):
    t = build_table("T56", data2010, codebook=CB, catalogue=CAT)
    # Tabell 56: [0,3] column 39/61, [4,6] column 15/85
    assert t["[0,3] = Dårlig"].tolist() == [39, 61]
    assert t["[4,6] = Godt"].tolist() == [15, 85]




def _cells_by_strings(table: str, data: pd.DataFrame) -> pd.DataFrame:
    """A by_group table's counts as table_cells counted them before it read categorical codes: string arrays + isin."""
    import numpy as np

    from samanalyse.analysis.tables import _members, _values, category_labels

    spec = CAT.spec(table)
    item = CB.item(spec["item"])
    rows = []
    for form in spec["forms"]:
        d = data[data["form"] == form]
        values = _values(d, [item.id])
        groups = [(str(g), (d[spec["by"]] == g).to_numpy()) for g in d[spec["by"]].cat.categories] if spec.get(
            "by") else []
        for g, mask in groups + [("Samlet", np.ones(len(d), bool))]:
            for c in spec["categories"]:
                rows.append((g, c, int(np.isin(values[mask], _members(category_labels(item, CAT.rule(c)))).sum()),
                             int(mask.sum())))
    return pd.DataFrame(rows, columns=["group", "category", "count", "n"])


def test_table_cells_count_as_string_matching_does(data2010):
    # categorical codes (analysis.tables._answers) give the same counts as comparing the answers' texts
    for tid, spec in CAT.tables.items():
        if spec["kind"] != "by_group" or spec.get("by") not in (None, "size_class"):
            continue
        cells = table_cells(tid, data2010, codebook=CB, catalogue=CAT)
        cells = cells[cells["breakdown"] != "note"][["group", "category", "count", "n"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(cells, _cells_by_strings(tid, data2010), check_dtype=False)


def test_answers_are_the_values_as_labels_and_codes(data2010):
    from samanalyse.analysis.tables import _answers, _values

    items = ["q14", "q20", "q5a", "rhf", "form"]   # categorical answers, text columns
    labels, codes = _answers(data2010, items)
    assert (labels[codes].astype(str) == _values(data2010, items)).all()
    assert len(set(labels)) == len(labels)


def test_table_cells_reused_within_a_step_are_fresh_copies(data2010):
    from samanalyse.analysis._reuse import reusing

    with reusing():
        a = table_cells("T01", data2010, codebook=CB, catalogue=CAT)
        a["count"] = -1                      # a caller changing its cells changes nobody else's
        b = table_cells("T01", data2010, codebook=CB, catalogue=CAT)
    pd.testing.assert_frame_equal(b, table_cells("T01", data2010, codebook=CB, catalogue=CAT))
    assert (b["count"] >= 0).all()
