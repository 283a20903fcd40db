"""Today's registers and the 2010 -> 2024 crosswalk: expected values from data/registers/SOURCES.md
(SSB's totals, SKDE's change list as counted there), not from the code."""

from __future__ import annotations

import pytest

from samanalyse.errors import UnknownKommuneError
from samanalyse.survey.crosswalk import crosswalk_years, kommune_changes, kommunenummer_history, place_kommunenummer
from samanalyse.survey.registers import helseforetak, kommuner, ordinal_columns


def test_kommuner_2024_as_sources_describe_them() -> None:
    k = kommuner(2024)
    assert len(k) == 357
    # "Totals: 5 550 203 (2024) ... 5 594 340 (2025); 5 627 400 (2026)"
    assert [int(k[f"folkemengde_{y}"].sum()) for y in (2024, 2025, 2026)] == [5_550_203, 5_594_340, 5_627_400]
    # "Helse Sør-Øst (146 kommuner); ... Helse Vest (66); ... Helse Midt-Norge (65); ... Helse Nord (80)"
    assert k["rhf"].value_counts().to_dict() == {"Helse Sør-Øst": 146, "Helse Nord": 80, "Helse Vest": 66,
                                                 "Helse Midt": 65}
    assert set(k["sentralitet_2024"].dropna()) <= set(range(1, 7))


def test_helseforetak_2024() -> None:
    h = helseforetak(2024)
    assert len(h) == 20
    assert (h["opptaksomraade"] == "ja").sum() == 19          # "19 of them have a catchment area"
    assert h.loc["Sunnaas sykehus HF", "opptaksomraade"] == "nei"


def test_centrality_direction_is_declared_per_register() -> None:
    assert ordinal_columns(2010)["sentralitet"].higher_is_more is True       # 0-3, 3 = sentrale
    assert ordinal_columns(2024)["sentralitet_2024"].higher_is_more is False  # 1 = most central


def test_crosswalk_counts() -> None:
    assert (2010, 2024) in crosswalk_years()
    cw = kommune_changes(2010, 2024)
    assert len(cw) == 433                                        # "It has 433 rows"
    assert cw["kommunenummer_2010"].nunique() == 430
    assert cw["kommunenummer_2024"].nunique() == 357            # "all 357 kommuner of 2024 are reached"
    assert cw["endring"].value_counts().to_dict() == {"nytt_nummer": 226, "sammenslått": 120, "uendret": 82,
                                                     "delt": 5}
    assert cw.loc[cw["endring"] == "delt", "andel"].isna().all()
    hist = kommunenummer_history(2010, 2024)
    assert hist["kommunenummer"].nunique() == 844               # "844 codes"


@pytest.mark.parametrize("given, today, name", [
    ("1601", "5001", "Trondheim - Tråante"),   # Trondheim until 2017
    ("101", "3101", "Halden"),                # 0101 Halden, leading zero lost
    ("3005", "3301", "Drammen"),              # Drammen of 2020-2023
    ("5401", "5501", "Tromsø"),               # Tromsø of 2020-2023
])
def test_old_numbers_are_placed_on_todays_kommune(given: str, today: str, name: str) -> None:
    p = place_kommunenummer(given, 2024, kommuner(2024))
    assert (p.kommunenummer, p.navn) == (today, name)
    assert p.given.zfill(4) in p.note and today in p.note


def test_todays_number_is_itself() -> None:
    p = place_kommunenummer("0301", 2024, kommuner(2024))
    assert (p.kommunenummer, p.note) == ("0301", "")


def test_split_and_unknown_numbers_are_errors() -> None:
    reg = kommuner(2024)
    with pytest.raises(UnknownKommuneError, match="1850 .*split between 1806 Narvik, 1875 Hábmer - Hamarøy"):
        place_kommunenummer("1850", 2024, reg)
    with pytest.raises(UnknownKommuneError, match="5012 .*split between 5055 Heim, 5056 Hitra, 5059 Orkland"):
        place_kommunenummer("5012", 2024, reg)
    with pytest.raises(UnknownKommuneError, match="9999 has never existed"):
        place_kommunenummer("9999", 2024, reg)
