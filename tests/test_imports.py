"""Commands import only what they need (issue 17, item 4), checked in a fresh interpreter per command.

``samanalyse --help`` builds the whole parser and needs no library at all; ``validate`` of a CSV reads it
with pandas against the codebook (YAML, JSON schema) but draws nothing and fits nothing, so it must not
pay for matplotlib, statsmodels, openpyxl or scipy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from samanalyse.survey.rounds import load_round

#: Runs the CLI in this interpreter and prints the top-level modules it loaded (as JSON) on the last line.
PROBE = """
import json, sys
from samanalyse.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print()
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""

HEAVY = {"matplotlib", "statsmodels", "openpyxl", "scipy"}


def _loaded(*argv: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=False,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.stdout.strip(), run.stderr
    return set(json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["report", "--help"], ["validate", "--help"], ["--version"]])
def test_help_imports_no_library(argv: list[str]) -> None:
    loaded = _loaded(*argv)
    assert "samanalyse" in loaded
    assert not loaded & (HEAVY | {"pandas", "numpy", "yaml", "jsonschema"}), sorted(loaded)


def test_validate_does_not_import_plotting_models_or_excel() -> None:
    rnd = load_round("2010")
    export = rnd.responses_path("kommune")
    assert export.suffix == ".csv"
    loaded = _loaded("validate", str(export), "--round", "2010", "--form", "kommune")
    assert "pandas" in loaded            # the probe saw the command do its work
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_the_probe_sees_a_heavy_import() -> None:
    """The check can fail: a command that draws (the report's figure module) shows matplotlib."""
    run = subprocess.run([sys.executable, "-c", "import json, sys, samanalyse.report.figures, matplotlib.pyplot;"
                          "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"],
                         capture_output=True, text=True, check=True)
    assert "matplotlib" in json.loads(run.stdout)


#: Runs the report's first steps and the computations its first child makes ahead (build.head_steps,
#: build.HEAD_PREPARED) on the 2010 round in this interpreter; prints whether scipy.stats was loaded.
HEAD_PROBE = """
import sys, tempfile
from pathlib import Path
from samanalyse.report.build import HEAD_PREPARED, STEPS, head_steps
from samanalyse.report.context import Context, ReportSettings
from samanalyse.survey.rounds import load_round

rnd = load_round("2010")
ctx = Context(round=rnd, out=Path(tempfile.mkdtemp()), settings=ReportSettings.from_plan(rnd.plan))
for _, fn in head_steps(STEPS):
    fn(ctx)
values = [fn(ctx) for fn in HEAD_PREPARED]
print(ctx.data is not None and all(v is not None for v in values), "scipy.stats" in sys.modules)
"""


def test_the_report_s_first_child_does_not_import_scipy_stats() -> None:
    """The report's process imports scipy.stats while its first child loads the data and computes the
    suppression and the indices' reliability ahead (issue 17): a second import of it there (0.45 CPU s)
    would take a CPU the report's other processes need. The probe checks that the work was done."""
    run = subprocess.run([sys.executable, "-c", HEAD_PROBE], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.stdout.split() == ["True", "False"], run.stdout + run.stderr
