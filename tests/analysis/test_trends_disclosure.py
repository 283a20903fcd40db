"""The trend table under the disclosure rules: no change or share of a small group is published.

The made-up rounds tests/data/rounds/trend_ny (newer) and trend_gammel (older) have 32 to 79 kommuner per
RHF. Here the newer round keeps only 4 kommuner of Helse Vest (n = 4 < min_base 5): every share of Helse Vest
in the newer round, and every change of Helse Vest, must go; and since the n per RHF are published, a second
group (or the total) must go with it in each category, else Helse Vest is the total less the others.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samanalyse.analysis.trends import TREND_COLUMNS, compare_rounds
from samanalyse.io.datasets import load_round_data
from samanalyse.survey.disclosure import DisclosureRules
from samanalyse.survey.rounds import load_round

TESTS = Path(__file__).resolve().parents[1]
NEW = TESTS / "data" / "rounds" / "trend_ny"
OLD = TESTS / "data" / "rounds" / "trend_gammel"


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    new = load_round_data(load_round(NEW))
    vest = new.index[new["rhf"] == "Helse Vest"]
    new = new.drop(vest[4:]).reset_index(drop=True)
    return new, load_round_data(load_round(OLD))


def _compare(data: tuple[pd.DataFrame, pd.DataFrame], **kw: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_rounds(NEW, OLD, by=("rhf",), data=data, **kw)  # type: ignore[arg-type]


def test_a_small_group_loses_its_shares_and_changes(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    plain = _compare(data)
    safe = _compare(data, disclosure=DisclosureRules())
    assert list(safe.columns) == TREND_COLUMNS and (plain["symbol"] == "").all()
    vest = safe[safe["group"] == "Helse Vest"]
    assert (vest["n_new"] == 4).all() and (vest["symbol"] == ":").all()
    assert vest[["count_new", "share_new", "ci_low_new", "ci_high_new", "difference", "ci_low", "ci_high", "p",
                 "p_adjusted", "cohen_h"]].isna().all().all()
    # the older round's own Helse Vest shares (45 kommuner) stay where their counts are 3 or more
    big = vest["count_old"].notna()
    assert big.any()
    assert (vest.loc[big, "share_old"] == plain.loc[vest.index[big], "share_old"]).all()
    # what is published is what the plain table says
    kept = safe["symbol"] == ""
    for col in ("share_new", "share_old", "difference", "p_adjusted"):
        np.testing.assert_array_equal(safe.loc[kept, col].to_numpy(float), plain.loc[kept, col].to_numpy(float))


def test_no_suppressed_group_is_the_total_less_the_others(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    safe = _compare(data, disclosure=DisclosureRules())
    for (item, cat), rows in safe.groupby(["item", "category"]):
        groups = rows[rows["by"] == "rhf"]
        total = rows[rows["by"] == "total"].iloc[0]
        hidden = groups["count_new"].isna().sum()
        # one hidden group with every other group and the total published would give it away
        assert hidden != 1 or pd.isna(total["count_new"]), (item, cat)
    assert safe["count_new"].isna().any()


def test_merged_groups_take_both_rounds_and_their_frames(data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    merges = {"rhf": {"Helse Vest": "Øvrige", "Helse Midt": "Øvrige"}}
    t = _compare(data, merges=merges, disclosure=DisclosureRules())
    assert set(t.loc[t["by"] == "rhf", "group"]) == {"Helse Nord", "Helse Sør-Øst", "Øvrige"}
    other = t[t["group"] == "Øvrige"].iloc[0]
    new, old = data
    # hand counts: Helse Vest 4 + Helse Midt 40 kommuner in the newer data, 45 + 33 in the older
    assert (other["n_new"], other["n_old"]) == (4 + int((new["rhf"] == "Helse Midt").sum()),
                                                int(old["rhf"].isin(["Helse Vest", "Helse Midt"]).sum()))
    assert (other["n_new"], other["n_old"]) == (44, 78)
    # the frame of the merged group is the two RHF's frames added up (register)
    frame = load_round(NEW).frame_by("kommune", "rhf")
    assert other["frame_new"] == frame["Helse Vest"] + frame["Helse Midt"]
    # a count of 1 or 2 in either round (e.g. newer q14 "Dårlig" in Øvrige: 1) is never published
    plain = _compare(data, merges=merges)
    small = plain["count_new"].between(1, 2) | plain["count_old"].between(1, 2)
    assert small.any() and (t.loc[small, "symbol"] == ":").all()
    gone = t["count_new"].isna() & plain["count_new"].between(1, 2)
    assert gone.any() and t.loc[gone, "difference"].isna().all()
