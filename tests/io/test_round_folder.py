"""A new round folder from an earlier round: what init writes, and what it refuses."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from samanalyse.errors import OutputError
from samanalyse.io.round_folder import add_export, init_round
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


def _exports(folder: Path) -> dict[str, Path]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("minimal_exports", Path(__file__).parents[1] / "data" /
                                                  "minimal_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_minimal_exports(folder, n_kommuner=30, n_hf=5)


def test_add_records_the_export_unchanged_under_a_stable_name_and_keeps_comments(tmp_path: Path) -> None:
    files = _exports(tmp_path / "eksport")
    rnd = init_round(tmp_path / "runde", "2010")
    yaml_before = (rnd.path / "round.yaml").read_text(encoding="utf-8")
    platform_name = tmp_path / "eksport" / "Nettskjema 12345 (2).CSV"
    files["kommune"].rename(platform_name)
    assert add_export(platform_name, rnd, "kommune").ok
    # the same (stale) Round object again: round.yaml is read again, the first entry is kept
    assert add_export(files["helseforetak"], rnd, "helseforetak").ok
    assert (rnd.path / "svar" / "kommune.csv").read_bytes() == platform_name.read_bytes()
    assert (rnd.path / "svar" / "helseforetak.csv").read_bytes() == files["helseforetak"].read_bytes()
    text = (rnd.path / "round.yaml").read_text(encoding="utf-8")
    assert load_round(rnd.path).meta["responses"] == {"helseforetak": "svar/helseforetak.csv",
                                                     "kommune": "svar/kommune.csv"}
    # every line but the responses block is as init wrote it, comments included
    kept = [ln for ln in yaml_before.splitlines() if not ln.startswith("responses:")]
    assert [ln for ln in text.splitlines() if ln not in ("responses:", "  helseforetak: svar/helseforetak.csv",
                                                          "  kommune: svar/kommune.csv")] == kept
    # the header's 3 comment lines and the 3 above the default disclosure rules (data/templates)
    assert sum(ln.startswith("#") for ln in text.splitlines()) == 6
    assert load_round(rnd.path).disclosure is not None


def test_add_refuses_to_replace_a_different_export_without_replace(tmp_path: Path) -> None:
    files = _exports(tmp_path / "eksport")
    other = _exports(tmp_path / "annen")  # the same seed: made different by hand below
    rnd = init_round(tmp_path / "runde", "2010")
    assert add_export(files["kommune"], rnd.path, "kommune").ok
    yaml_before = (rnd.path / "round.yaml").read_bytes()
    assert add_export(files["kommune"], rnd.path, "kommune").ok  # the same file again: nothing changes
    assert (rnd.path / "round.yaml").read_bytes() == yaml_before
    lines = other["kommune"].read_text(encoding="utf-8").splitlines()
    other["kommune"].write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one kommune fewer
    with pytest.raises(OutputError, match=r"already has a kommune export \(svar/kommune.csv\).*--replace"):
        add_export(other["kommune"], rnd.path, "kommune")
    assert (rnd.path / "svar" / "kommune.csv").read_bytes() == files["kommune"].read_bytes()
    assert (rnd.path / "round.yaml").read_bytes() == yaml_before
    # an XLSX of the same form replaces the CSV with replace=True; the CSV is gone, round.yaml points at the XLSX
    import pandas as pd

    xlsx = tmp_path / "kommune.xlsx"
    pd.read_csv(other["kommune"], dtype=str, keep_default_na=False).to_excel(xlsx, index=False)
    assert add_export(xlsx, rnd.path, "kommune", replace=True).ok
    assert sorted(p.name for p in (rnd.path / "svar").iterdir()) == ["kommune.xlsx"]
    assert load_round(rnd.path).meta["responses"] == {"kommune": "svar/kommune.xlsx"}


def test_an_invalid_export_changes_nothing(tmp_path: Path) -> None:
    files = _exports(tmp_path / "eksport")
    rnd = init_round(tmp_path / "runde", "2010")
    before = _tree_hash(rnd.path)
    report = add_export(files["helseforetak"], rnd.path, "kommune")  # a helseforetak file as a kommune file
    assert not report.ok
    assert _tree_hash(rnd.path) == before and not (rnd.path / "svar").exists()


def test_a_mapping_file_is_recorded_and_dropped_with_a_replaced_export(tmp_path: Path) -> None:
    files = _exports(tmp_path / "eksport")
    text = files["kommune"].read_text(encoding="utf-8")
    renamed = tmp_path / "k.csv"
    renamed.write_text(text.replace("kommunenummer,q5a,", "kommunenummer,Spm 5 første,", 1), encoding="utf-8")
    mapping = tmp_path / "koblinger.csv"
    mapping.write_text("column,item\nSpm 5 første,q5a\n", encoding="utf-8")
    rnd = init_round(tmp_path / "runde", "2010")
    assert add_export(renamed, rnd.path, "kommune", mapping=mapping).ok
    meta = load_round(rnd.path).meta
    assert meta["mappings"] == {"kommune": "svar/kommune-kolonner.csv"}
    assert (rnd.path / "svar" / "kommune-kolonner.csv").read_bytes() == mapping.read_bytes()
    assert add_export(files["kommune"], rnd.path, "kommune", replace=True).ok
    assert "mappings" not in load_round(rnd.path).meta
    assert sorted(p.name for p in (rnd.path / "svar").iterdir()) == ["kommune.csv"]
