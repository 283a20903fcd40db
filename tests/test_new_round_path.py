"""A new round from the platform's export to the finished report, through the command line only.

``samanalyse init`` -> ``add`` (kommune and helseforetak exports) -> ``validate`` -> ``report``, in a
temporary folder, each a fresh ``python -m samanalyse`` process. The exports are MADE UP (random answers
of 200 kommuner of the 2024 register and 15 helseforetak with a catchment area). Expected numbers come from
the export files and the shipped register, not from samanalyse: 357 kommuner and 19 helseforetak with a
catchment area were asked (data/registers/SOURCES.md), so 200/357 = 56.0 % and 15/19 = 78.9 % answered.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import samanalyse
from samanalyse.survey.paths import data_dir
from samanalyse.survey.registers import kommuner

DATA = Path(__file__).parent / "data"
PACKAGE = Path(samanalyse.__file__).resolve().parent
WRITES_LOG = "writes_inside_the_package.log"  # in each command's working folder; empty or absent = none
COMPARISON_WORDS = ("publ", "print", "trykt", "avvik", "diff", "deviation", "2010")

pytestmark = pytest.mark.slow  # four reports of a 200-kommune round: run by `make test`, not by -m "not slow"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


#: Run by each command: an audit hook (PEP 578) records every write, rename, removal or new folder under
#: the package's folders (compiled ``__pycache__`` files aside), then the command runs as ``python -m``.
_WATCHED_RUN = """
import os, runpy, sys
roots, log = sys.argv[1].split(os.pathsep), open(sys.argv[2], "a", encoding="utf-8")
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
def inside(path):
    if isinstance(path, int):
        return False
    full = os.path.abspath(os.fsdecode(path))
    return "__pycache__" not in full and any(full == r or full.startswith(r + os.sep) for r in roots)
def hook(event, args):
    if event == "open":
        writes = any(c in str(args[1] or "") for c in "wax+") or bool((args[2] or 0) & WRITE)
        paths = [args[0]] if writes else []
    elif event in ("os.rename", "os.link", "os.symlink"):
        paths = [args[1]]
    elif event in ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.truncate", "shutil.rmtree", "shutil.copyfile"):
        paths = [args[-1] if event == "shutil.copyfile" else args[0]]
    else:
        return
    for path in paths:
        if inside(path):
            log.write(f"{event} {os.fsdecode(path)}\\n")
            log.flush()
sys.addaudithook(hook)
sys.argv = ["samanalyse", *sys.argv[3:]]
runpy.run_module("samanalyse", run_name="__main__", alter_sys=True)
"""


def _run(*argv: str, cwd: Path, ok: int = 0) -> str:
    roots = os.pathsep.join(str(p) for p in (PACKAGE, data_dir().resolve()))
    r = subprocess.run([sys.executable, "-c", _WATCHED_RUN, roots, str(cwd / WRITES_LOG), *argv], cwd=cwd,
                       capture_output=True, text=True, check=False)
    assert r.returncode == ok, f"samanalyse {' '.join(argv)} -> {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr}"
    assert "Traceback" not in r.stderr
    return r.stdout


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _new_round_report(tmp: Path, exports: dict[str, Path]) -> Path:
    """init, add each form's export, validate, report: all through the CLI; returns the report folder."""
    _run("init", "runde", "--from", "2010", cwd=tmp)
    for form, file in exports.items():
        out = _run("add", str(file), "--round", "runde", "--form", form, cwd=tmp)
        assert f"Recorded as svar/{form}{file.suffix.lower()}" in out
    for form, file in exports.items():
        out = _run("validate", str(file), "--round", "./runde", "--form", form, cwd=tmp)
        assert out.strip().splitlines()[-1].startswith(f"VALID: {file.name} ({form} form, round runde)")
    _run("report", "--round", str(tmp / "runde"), "--out", "rapport", "--quiet", cwd=tmp)
    return tmp / "rapport"


def test_init_add_validate_report_through_the_cli(tmp_path: Path) -> None:
    exports = _module("minimal_exports").write_minimal_exports(tmp_path / "eksport", n_kommuner=200, n_hf=15)
    report = _new_round_report(tmp_path, exports)

    assert (report / "index.html").is_file() and (report / "rapport.xlsx").stat().st_size > 0
    html = (report / "index.html").read_text(encoding="utf-8")
    assert "2010" not in html  # no sentence, date or number of the 2010 study in the new round's report
    # response rates from the round's own frame (today's register)
    rates = {(r["form"], r["rhf"]): r for r in _rows(report / "tables" / "respondenter_rhf.csv")}
    assert (rates["kommune", "Samlet"]["respondenter"], rates["kommune", "Samlet"]["utvalg"],
            rates["kommune", "Samlet"]["svarprosent"]) == ("200", "357", "56.0")
    assert (rates["helseforetak", "Samlet"]["respondenter"], rates["helseforetak", "Samlet"]["utvalg"],
            rates["helseforetak", "Samlet"]["svarprosent"]) == ("15", "19", "78.9")
    # a catalogue table by RHF: n per group = the exported kommuner of that RHF in the 2024 register
    with open(exports["kommune"], encoding="utf-8", newline="") as fh:
        numbers = [row["kommunenummer"] for row in csv.DictReader(fh)]
    per_rhf = Counter(kommuner(2024).loc[numbers, "rhf"])
    t01 = [r for r in _rows(report / "tables" / "T01.csv") if r["population"] == "kommuner"]
    assert {r["group"]: int(r["n"]) for r in t01 if r["breakdown"] == "rhf"} == dict(per_rhf)
    assert {int(r["n"]) for r in t01 if r["breakdown"] == "total"} == {200}
    # the round's own report: no comparison with published numbers, no audit
    for table in sorted((report / "tables").glob("*.csv")):
        header = table.read_text(encoding="utf-8").splitlines()[0].lower()
        assert not [w for w in COMPARISON_WORDS if w in header], (table.name, header)
    names = [p.name.lower() for p in report.rglob("*")]
    assert not [n for n in names if "audit" in n or "revisjon" in n or "scorecard" in n]
    # nothing written inside the installed package by any command (checked per write, not by a hash of the
    # folder: the package's folders of an editable install may change under other hands while the test runs)
    log = tmp_path / WRITES_LOG
    assert not log.exists() or log.read_text(encoding="utf-8") == "", log.read_text(encoding="utf-8")


def test_the_four_platform_shapes_give_the_same_report(tmp_path: Path) -> None:
    if not (DATA / "platform_exports.py").is_file():
        pytest.skip("tests/data/platform_exports.py (the platforms' export shapes) is not there yet")
    platforms = _module("platform_exports")
    shapes = platforms.write_exports(tmp_path / "eksport", n_kommuner=200, n_hf=15, seed=18)
    tables = {}
    for shape in platforms.PLATFORMS:
        work = tmp_path / shape
        work.mkdir()
        report = _new_round_report(work, {"kommune": shapes[shape], "helseforetak": shapes[f"{shape}_helseforetak"]})
        tables[shape] = {p.name: p.read_bytes() for p in sorted((report / "tables").glob("*.csv"))}
    assert sorted(tables) == ["excel_csv", "nettskjema_csv", "questback_xlsx", "spss_sav"]
    first = next(iter(tables.values()))
    for shape, got in tables.items():
        assert sorted(got) == sorted(first), shape
        assert [n for n in got if got[n] != first[n]] == [], shape
        log = tmp_path / shape / WRITES_LOG
        assert not log.exists() or log.read_text(encoding="utf-8") == "", shape
