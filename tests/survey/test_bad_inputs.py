"""Bad round folders, YAML files and registers: one clear error each, with its exact message.

Each case copies the shipped 2010 round (or the registers) to a temporary folder, breaks one thing,
and checks the exact message the user sees. ``BAD_INPUTS`` is the catalogue docs/bad_inputs.md lists.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Callable

import pytest

import samanalyse.survey.registers as registers
from samanalyse.errors import SamanalyseError
from samanalyse.survey.rounds import ROUND_SCHEMA, load_round, respondents

REPO = Path(__file__).resolve().parents[2]
ROUND = REPO / "data" / "rounds" / "2010"
REGISTERS = REPO / "data" / "registers"

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "round-unknown-name", "area": "Runder",
     "input": "--round names neither a shipped round nor a folder",
     "message": "No survey round 'runde-1999': it is neither a shipped round (2010) nor a folder with a "
                "round.yaml. Give a shipped round's name or the path of a round folder; to start a new round, run: "
                "samanalyse init DIR --from 2010"},
    {"id": "round-folder-missing", "area": "Runder",
     "input": "a round folder path that does not exist",
     "message": "The round folder {file} does not exist. A round folder holds round.yaml, codebook.yaml, "
                "tables.yaml and plan.yaml; shipped rounds: 2010."},
    {"id": "round-folder-without-round-yaml", "area": "Runder",
     "input": "a folder without round.yaml",
     "message": "The round folder {file} has no round.yaml. A round folder holds round.yaml, codebook.yaml, "
                "tables.yaml and plan.yaml; shipped rounds: 2010."},
    {"id": "round-yaml-syntax", "area": "Runder",
     "input": "round.yaml that is not valid YAML",
     "message": "The round has 1 problem:\n  - {file}, line 2: (YAML syntax): not valid YAML: expected "
                "<block end>, but found '<block mapping start>'"},
    {"id": "round-yaml-unknown-key", "area": "Runder",
     "input": "round.yaml with a misspelt key (register_yr)",
     "message": "The round has 2 problems:\n"
                "  - {file}, line 12: (top level): unknown key 'register_yr'. Allowed: {keys}.\n"
                "  - {file}, line 3: (top level): 'register_year' is a required property. "
                "Allowed: required keys: round, codebook, register_year, size_classes."},
    {"id": "round-frame-disagrees", "area": "Runder",
     "input": "round.yaml's frame says 428 kommuner where the register has 430",
     "message": "The round has 1 problem:\n  - {file}: frame.kommune: says 428, but the 2010 register has 430 units "
                "for form 'kommune'. Allowed: 430, or leave frame out to take the register's."},
    {"id": "round-yaml-not-utf8", "area": "Runder",
     "input": "round.yaml saved as cp1252 with a non-ASCII letter",
     "message": "The round has 1 problem:\n  - {file}: (file): the file is not UTF-8 text (byte 9). "
                "Allowed: save the file as UTF-8."},
    {"id": "plan-anchor-to-nowhere", "area": "Analyseplan",
     "input": "plan.yaml with an alias to an anchor that does not exist",
     "message": "The analysis plan has 1 problem:\n  - {file}, line 1: (YAML syntax): not valid YAML: found "
                "undefined alias 'nowhere'"},
    {"id": "plan-yaml-bomb", "area": "Analyseplan",
     "input": "plan.yaml whose aliases repeat anchors until it expands to millions of values",
     "message": "The analysis plan has 1 problem:\n  - {file}: (YAML): the file expands to more than 50000 values "
                "or nests more than 100 levels deep (aliases that repeat anchors?)"},
    {"id": "plan-missing", "area": "Analyseplan",
     "input": "a round folder without plan.yaml",
     "message": "The analysis plan has 1 problem:\n  - {file}: (file): the file does not exist"},
    {"id": "plan-unknown-index", "area": "Analyseplan",
     "input": "plan.yaml naming an index the codebook does not have",
     "message": "The analysis plan has 1 problem:\n  - {file}, line 55: satisfaction.index: index 'trivsel' is "
                "not in the round. Allowed: avtaler_og_ledelse, kompetanse, kvalitet_pasientforlop."},
    {"id": "plan-bad-seed", "area": "Analyseplan",
     "input": "plan.yaml whose seed is text",
     "message": "The analysis plan has 1 problem:\n  - {file}, line 10: settings.seed: 'tilfeldig' is not of "
                "type 'integer'. Allowed: a value of type integer."},
    {"id": "catalogue-unknown-item", "area": "Tabellkatalog",
     "input": "tables.yaml with a table of an item the codebook does not have",
     "message": "The table catalogue has 1 problem:\n  - {file}, line 34: tables.T01.item: item 'q99' is not "
                "in the codebook. Allowed: an item id of the codebook."},
    {"id": "catalogue-unknown-kind", "area": "Tabellkatalog",
     "input": "tables.yaml with a table of an unknown kind",
     "message": "The table catalogue has 1 problem:\n  - {file}, line 32: tables.T01.kind: 'pie' is not one of "
                "['by_group', 'index_crosstab', 'response_rates']. Allowed: 'by_group', 'index_crosstab', "
                "'response_rates'."},
    {"id": "register-population-column-missing", "area": "Registre",
     "input": "round.yaml's size_classes.population_column names a column the register lacks",
     "message": "The register {register} has no column 'folkemengde_2026' (size_classes.population_column in "
                "{file}). Its columns are: kommunenummer, navn, fylke, fylkesnavn, rhf, folkemengde_2008, "
                "folkemengde_2009, folkemengde_2010, sentralitet, sentralitet_2024, sentralitet_2024_samme_omraade, "
                "hf_opptak, hf_merknad."},
    {"id": "register-sentralitet-missing", "area": "Registre",
     "input": "a kommune register without the sentralitet column",
     "message": "The register {register} has no column 'sentralitet' (registers.yaml fills values in it). "
                "Its columns are: kommunenummer, navn, fylke, fylkesnavn, rhf, folkemengde_2008, folkemengde_2009, "
                "folkemengde_2010, sentralitet_2024, sentralitet_2024_samme_omraade, hf_opptak, hf_merknad."},
    {"id": "register-rhf-missing", "area": "Registre",
     "input": "a kommune register without the rhf column",
     "message": "The register {register} has no column 'rhf' (every register of this kind needs it). Its columns "
                "are: kommunenummer, navn, fylke, fylkesnavn, folkemengde_2008, folkemengde_2009, folkemengde_2010, "
                "sentralitet, sentralitet_2024, sentralitet_2024_samme_omraade, hf_opptak, hf_merknad."},
    {"id": "respondents-column-missing", "area": "Runder",
     "input": "respondents.csv without its form column",
     "message": "The respondents file {file} has no column(s) 'form'; it needs form, respondent, name_printed "
                "and has respondent, name_printed, number_printed, study_line."},
]


def _copy_round(tmp: Path) -> Path:
    d = tmp / "runde"
    shutil.copytree(ROUND, d)
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _registers(tmp: Path, monkeypatch: pytest.MonkeyPatch, drop: str) -> Path:
    reg = tmp / "registers"
    shutil.copytree(REGISTERS, reg)
    f = reg / "kommuner_2010.csv"
    lines = f.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    i = header.index(drop)
    f.write_text("\n".join(",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in lines) + "\n",
                 encoding="utf-8")
    monkeypatch.setattr(registers, "register_dir", lambda: reg)
    return f


def _case(case_id: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Callable[[], object], dict[str, str]]:
    """Build the bad input of ``case_id``; return the call that must fail and the placeholders of its message."""
    d = _copy_round(tmp)
    if case_id == "round-unknown-name":
        return lambda: load_round("runde-1999"), {}
    if case_id == "round-folder-missing":
        return lambda: load_round(tmp / "finnes-ikke"), {"file": str(tmp / "finnes-ikke")}
    if case_id == "round-folder-without-round-yaml":
        (d / "round.yaml").unlink()
        return lambda: load_round(d), {"file": str(d)}
    if case_id == "round-yaml-syntax":
        (d / "round.yaml").write_text('round: "x"\n  frame: [\n', encoding="utf-8")
        return lambda: load_round(d), {"file": str(d / "round.yaml")}
    if case_id == "round-yaml-unknown-key":
        _edit(d / "round.yaml", "\nregister_year:", "\nregister_yr:")
        # the allowed keys are the schema's (other rounds' features add keys to it)
        return lambda: load_round(d), {"file": str(d / "round.yaml"), "keys": ", ".join(ROUND_SCHEMA["properties"])}
    if case_id == "round-frame-disagrees":
        _edit(d / "round.yaml", "  kommune: 430 ", "  kommune: 428 ")
        return lambda: load_round(d).frame, {"file": str(d / "round.yaml")}
    if case_id == "round-yaml-not-utf8":
        (d / "round.yaml").write_bytes('round: "Høst"\n'.encode("cp1252"))
        return lambda: load_round(d), {"file": str(d / "round.yaml")}
    if case_id == "plan-anchor-to-nowhere":
        (d / "plan.yaml").write_text("settings: *nowhere\n", encoding="utf-8")
        return lambda: load_round(d).plan, {"file": str(d / "plan.yaml")}
    if case_id == "plan-yaml-bomb":
        (d / "plan.yaml").write_text("a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n"
                                                                    for i in range(1, 40)), encoding="utf-8")
        return lambda: load_round(d).plan, {"file": str(d / "plan.yaml")}
    if case_id == "plan-missing":
        (d / "plan.yaml").unlink()
        return lambda: load_round(d).plan, {"file": str(d / "plan.yaml")}
    if case_id == "plan-unknown-index":
        _edit(d / "plan.yaml", "  index: kvalitet_pasientforlop", "  index: trivsel")
        return lambda: load_round(d).plan, {"file": str(d / "plan.yaml")}
    if case_id == "plan-bad-seed":
        _edit(d / "plan.yaml", "seed: 20100401", "seed: tilfeldig")
        return lambda: load_round(d).plan, {"file": str(d / "plan.yaml")}
    if case_id == "catalogue-unknown-item":
        _edit(d / "tables.yaml", "    item: q20\n", "    item: q99\n")
        return lambda: load_round(d).catalogue, {"file": str(d / "tables.yaml")}
    if case_id == "catalogue-unknown-kind":
        _edit(d / "tables.yaml", "    kind: by_group\n", "    kind: pie\n")
        return lambda: load_round(d).catalogue, {"file": str(d / "tables.yaml")}
    if case_id == "register-population-column-missing":
        _edit(d / "round.yaml", "population_column: folkemengde_2009", "population_column: folkemengde_2026")
        return lambda: respondents(d), {"file": str(d / "round.yaml"), "register": str(REGISTERS / "kommuner_2010.csv")}
    if case_id in ("register-sentralitet-missing", "register-rhf-missing"):
        f = _registers(tmp, monkeypatch, case_id.split("-")[1])
        return lambda: respondents(d), {"register": str(f)}
    if case_id == "respondents-column-missing":
        f = d / "respondents.csv"
        lines = f.read_text(encoding="utf-8").splitlines()
        f.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n", encoding="utf-8")
        return lambda: respondents(d), {"file": str(f)}
    raise AssertionError(f"no builder for {case_id}")


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c["id"] for c in BAD_INPUTS])
def test_bad_input_gives_its_message(case: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registers._meta.cache_clear()
    call, fill = _case(case["id"], tmp_path, monkeypatch)
    before = _hashes(tmp_path)
    with pytest.raises(SamanalyseError) as exc:
        call()
    assert str(exc.value) == case["message"].format(**fill)
    assert _hashes(tmp_path) == before  # the input files are never modified


def test_catalogue_ids_are_unique() -> None:
    ids = [c["id"] for c in BAD_INPUTS]
    assert len(ids) == len(set(ids))
