"""Registers: expected values from SSB's published totals (data/registers/SOURCES.md)
and the study's definitions, not from the code."""

from __future__ import annotations

import pandas as pd
import pytest

from samanalyse.errors import RegisterError

from samanalyse.survey.registers import (
    SizeClasses,
    available_years,
    helseforetak,
    kommuner,
    rhf_label,
    size_class,
)

# The study's classes (Tabell 2, note: 0-3000, 3000-10000, >10000), as data/rounds/2010/round.yaml gives them.
STUDY_CLASSES = SizeClasses(("Små kommuner", "Mellomstore kommuner", "Store kommuner"), (3000, 10000))


def test_frame_sizes():
    # "sendt til alle landets 430 kommuner" / "de 22 aktuelle helseforetakene" (study, 1.2)
    assert len(kommuner(2010)) == 430
    assert len(kommuner(2010, include_svalbard=True)) == 431
    assert len(helseforetak(2010)) == 22


def test_population_totals_match_ssb():
    # SSB's official national totals quoted in SOURCES.md
    k = kommuner(2010)
    assert int(k["folkemengde_2008"].sum()) == 4_737_171
    assert int(k["folkemengde_2009"].sum()) == 4_799_252
    # the national total excludes Svalbard (kommuner() leaves 2111 out by default)
    assert int(k["folkemengde_2010"].sum()) == 4_858_199


def test_rhf_labels_as_the_study_prints_them():
    assert rhf_label("Helse Midt-Norge") == "Helse Midt"
    assert set(kommuner(2010)["rhf"]) == {"Helse Midt", "Helse Nord", "Helse Sør-Øst", "Helse Vest"}
    # helseforetak per RHF from the 2010 structure: 9 Sør-Øst, 4 Vest, 5 Midt-Norge, 4 Nord
    assert helseforetak(2010)["rhf"].value_counts().to_dict() == {
        "Helse Sør-Øst": 9, "Helse Midt": 5, "Helse Vest": 4, "Helse Nord": 4,
    }
    with pytest.raises(RegisterError, match="Unknown RHF 'Helse Øst'"):
        rhf_label("Helse Øst")


def test_rhf_follows_fylke():
    # SOURCES.md: 01-10 Sør-Øst; 11, 12, 14 Vest; 15-17 Midt-Norge; 18-21 Nord
    k = kommuner(2010)
    expected = {**{f"{i:02d}": "Helse Sør-Øst" for i in range(1, 11)},
                "11": "Helse Vest", "12": "Helse Vest", "14": "Helse Vest",
                "15": "Helse Midt", "16": "Helse Midt", "17": "Helse Midt",
                **{f"{i:02d}": "Helse Nord" for i in range(18, 22)}}
    assert (k["fylke"].map(expected) == k["rhf"]).all()


def test_size_class_boundaries_are_inclusive_upper_bounds():
    got = size_class(pd.Series([0, 2999, 3000, 3001, 10000, 10001, None]), STUDY_CLASSES)
    assert list(got.astype(object)[:6]) == [
        "Små kommuner", "Små kommuner", "Små kommuner", "Mellomstore kommuner",
        "Mellomstore kommuner", "Store kommuner",
    ]
    assert pd.isna(got.iloc[6])
    assert got.cat.ordered


def test_sentralitet_successor_values_are_filled_and_marked():
    k = kommuner(2010)
    # SOURCES.md: successors 1756 Inderøy = 1 and 1903 Harstad = 2
    assert k.loc[["1723", "1729", "1901", "1915"], "sentralitet"].tolist() == [1, 1, 2, 2]
    assert k.loc["1723", "sentralitet_kilde"].startswith("etterfølger")
    assert k["sentralitet"].notna().all()


def test_unknown_year_names_the_available_ones():
    assert 2010 in available_years()
    with pytest.raises(RegisterError, match=r"No kommuner register for 1999.*Available years: 2010"):
        kommuner(1999)


def test_bad_size_classes_are_rejected():
    with pytest.raises(ValueError, match="one upper bound fewer"):
        SizeClasses(("a", "b"), (1, 2))
    with pytest.raises(ValueError, match="increase strictly"):
        SizeClasses(("a", "b", "c"), (10, 5))
