"""A second, made-up round (tests/data/rounds/annen: other item ids, other table ids, its own plan) runs the
analyses of the library without code, and finds what its generator planted — and nothing it did not.

What was planted (tests/data/make_annen.py): satisfaction and good experiences share one latent quality
(so the index of the one goes with the index of the other); priorities come from two latent preferences, one
for avtaler/kultur/kunnskap and one for sentra/senger/team; central kommuner lean to the second; satisfaction
does not depend on any background variable.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from samanalyse.analysis.planned import forankring_and_samhandling, satisfaction_by_background
from samanalyse.analysis.priorities.pipeline import analyse_priorities
from samanalyse.analysis.tables import all_table_cells
from samanalyse.errors import SmallCellWarning
from samanalyse.io.datasets import load_round_data
from samanalyse.survey.rounds import load_round

ANNEN = Path(__file__).resolve().parent / "data" / "rounds" / "annen"


@pytest.fixture(scope="module")
def rnd():
    return load_round(ANNEN)


@pytest.fixture(scope="module")
def data(rnd):
    return load_round_data(rnd)  # through the validating loaders


def test_the_round_shares_no_id_with_2010(rnd):
    old = load_round("2010")
    assert not {i.id for i in rnd.codebook.item_list} & {i.id for i in old.codebook.item_list}
    assert not set(rnd.catalogue.tables) & set(old.catalogue.tables)
    assert not set(rnd.codebook.indices) & set(old.codebook.indices)
    assert not rnd.has_published and not rnd.reconstructed


def test_its_tables_come_from_its_catalogue(rnd, data):
    cells = all_table_cells(data, codebook=rnd.codebook, catalogue=rnd.catalogue)
    assert list(dict.fromkeys(cells["table"])) == ["A", "B", "C", "D"]
    assert (cells["n"] > 0).all()


def test_the_planted_association_is_found_and_no_other(rnd, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        fo = forankring_and_samhandling(data, codebook=rnd.codebook, plan=rnd.plan, catalogue=rnd.catalogue)
        sat = satisfaction_by_background(data, codebook=rnd.codebook, plan=rnd.plan)
    trend = fo.table[fo.table["test"] == "linear_by_linear"].iloc[0]
    assert trend["p_adjusted"] < 0.001 and trend["effect"] > 0        # planted: one latent quality
    assert list(fo.crosstabs) == ["Tabell D"]
    assert (sat.table["p_adjusted"] > rnd.plan.settings.alpha).all()  # planted: no background effect


def test_the_planted_clusters_and_preference_are_found(rnd, data):
    res = analyse_priorities(data, round=rnd, n_boot=30, n_iter=10)
    items = res.analysis.clusters.items.set_index("item")
    assert items.loc[["avtaler", "kultur", "kunnskap"], "cluster"].tolist() == ["X"] * 3
    assert items.loc[["sentra", "senger", "team"], "cluster"].tolist() == ["Y"] * 3
    assert res.finding is not None and res.finding.as_expected   # planted: central kommuner lean to Y
