"""A new round folder from an earlier round: what init writes, and what it refuses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from samanalyse.errors import OutputError
from samanalyse.io.round_folder import init_round
from samanalyse.survey.paths import data_dir
from samanalyse.survey.rounds import load_round

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "rounds" / "2010"


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return h.hexdigest()


def test_init_copies_questionnaire_tables_plan_and_sits_on_todays_registers(tmp_path: Path) -> None:
    before = _tree_hash(data_dir())
    rnd = init_round(tmp_path / "runde2026", "2010")
    assert sorted(p.name for p in rnd.path.iterdir()) == ["README.md", "codebook.yaml", "plan.yaml", "round.yaml",
                                                         "tables.yaml"]
    for f in ("tables.yaml", "plan.yaml"):
        assert (rnd.path / f).read_bytes() == (SHIPPED / f).read_bytes()
    assert rnd.codebook.round == "runde2026"
    assert [it.id for it in rnd.codebook.item_list] == [it.id for it in load_round("2010").codebook.item_list]
    # today's map: 357 kommuner of 2024, the 19 trusts with a catchment area (SOURCES.md)
    assert rnd.register_year == 2024 and rnd.frame == {"kommune": 357, "helseforetak": 19}
    assert rnd.population_column == "folkemengde_2026" and rnd.size_reference_date == "2026-01-01"
    # the 2024 centrality index runs the other way (1 = most central): the plan takes the register's direction
    assert rnd.plan.background["sentralitet"].higher_is_more is False
    assert not rnd.has_published and not rnd.reconstructed
    assert "samanalyse add" in (rnd.path / "README.md").read_text(encoding="utf-8")
    assert _tree_hash(data_dir()) == before  # nothing written inside the package


def test_init_refuses_a_folder_with_files_and_the_package(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notater.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"already holds files \(notater.txt\); nothing was written"):
        init_round(tmp_path / "full", "2010")
    assert (tmp_path / "full" / "notater.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(OutputError, match="inside samanalyse's own data folder"):
        init_round(data_dir() / "rounds" / "ny", "2010")
    assert not (data_dir() / "rounds" / "ny").exists()
