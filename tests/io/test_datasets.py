"""The dataset registry: one analysis-ready frame per round."""

from __future__ import annotations

import pandas as pd

from samanalyse.io.datasets import BACKGROUND_COLUMNS, describe, load_round_data


def test_2010_round_data():
    d = load_round_data("2010")
    # Vedlegg 2: 187 kommuner and 18 helseforetak
    assert d["form"].value_counts().to_dict() == {"kommune": 187, "helseforetak": 18}
    assert list(d.columns[:7]) == ["form", "respondent", *BACKGROUND_COLUMNS]
    assert d.attrs["reconstructed"] is True
    assert isinstance(d["q20"].dtype, pd.CategoricalDtype)
    assert list(d["q20"].cat.categories)[:2] == ["Svært godt", "Nokså godt"]
    # q11a was asked of kommuner only: all blank for helseforetak
    assert d.loc[d["form"] == "helseforetak", "q11a"].isna().all()
    # Helse Nord kommuner: 26 (study, respondents per RHF)
    assert ((d["form"] == "kommune") & (d["rhf"] == "Helse Nord")).sum() == 26


def test_describe_says_reconstructed():
    assert "RECONSTRUCTED respondent data" in describe("2010")
