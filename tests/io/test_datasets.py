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


def test_a_round_folder_loads_without_code_changes(repo):
    """The made-up round (other items, forms' files named in its round.yaml) goes through the same loaders."""
    from samanalyse.io.read import load_responses, validate_responses
    from samanalyse.survey.rounds import load_round

    folder = repo / "tests" / "data" / "rounds" / "annen"
    rnd = load_round(folder)
    d = load_round_data(folder)
    assert d.attrs["round"] == rnd.name and d.attrs["reconstructed"] is rnd.reconstructed
    assert d["form"].value_counts().to_dict() == {f: len(load_responses(rnd, f)) for f in rnd.forms}
    for form in rnd.forms:
        report = validate_responses(rnd.responses_path(form), str(folder), form, round=str(folder))
        assert report.ok and report.round == rnd.name
    assert "RECONSTRUCTED" not in describe(rnd) or rnd.reconstructed
