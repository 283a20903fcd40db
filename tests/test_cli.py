"""The command-line interface."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from samanalyse.cli import main


def test_help_lists_every_subcommand(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("report", "reproduce", "audit", "validate", "reconstruct"):
        assert cmd in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == 2


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["report", "--colour"]) == 2
    assert "unrecognized arguments: --colour" in capsys.readouterr().err


def test_python_dash_m_works():
    r = subprocess.run([sys.executable, "-m", "samanalyse", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("samanalyse ")


_RUN = """
import atexit, sys
atexit.register(lambda: print("atexit ran", file=sys.stderr))
from samanalyse.cli import run
run(sys.argv[1:])
print("not reached")
"""


@pytest.mark.parametrize(("argv", "code"), [(["--version"], 0), ([], 2), (["reproduce", "--round", "2010"], 0)])
def test_run_exits_with_main_s_code_after_the_exit_handlers_and_all_output(argv, code, capsys):
    """run() (the command's entry point) skips the interpreter's teardown, not its exit handlers nor any output:
    the same code and standard output as main() in this process, then the atexit handler, nothing after."""
    expected = main(argv)
    out = capsys.readouterr().out
    r = subprocess.run([sys.executable, "-c", _RUN, *argv], capture_output=True, text=True)
    assert r.returncode == code == expected
    assert r.stdout == out
    assert "not reached" not in r.stdout
    assert r.stderr.rstrip().endswith("atexit ran")


def test_run_under_a_profiler_exits_as_usual_so_the_profile_is_written(tmp_path):
    """``python -m cProfile -o f -m samanalyse ...`` still writes its profile (it does so after the module ends)."""
    out = tmp_path / "p.prof"
    r = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "samanalyse", "--version"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("samanalyse ")
    import pstats

    assert pstats.Stats(str(out)).total_calls > 0


def test_run_writes_a_long_output_whole_into_a_pipe(capsys):
    """A command printing tens of kilobytes through a pipe loses nothing to the fast exit: the bytes main()
    prints in this process."""
    argv = ["audit", "--round", "2010", "--format", "csv"]
    assert main(argv) == 0
    expected = capsys.readouterr().out
    r = subprocess.run([sys.executable, "-m", "samanalyse", *argv], capture_output=True, text=True)
    assert r.returncode == 0
    assert len(expected) > 16384 and r.stdout == expected


def test_report_writes_what_it_says(tmp_path, capsys):
    out = tmp_path / "r2010"
    assert main(["report", "--round", "2010", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        assert (out / f).is_file()
        assert f in printed
    assert manifest["reconstructed_data"] is True
    # response rates: 187/430 kommuner and 18/22 helseforetak (frame of the study, 1.2)
    rows = (out / "tables" / "respondenter_rhf.csv").read_text(encoding="utf-8").splitlines()
    assert "kommune,Samlet,187,430,43.5" in rows
    assert "helseforetak,Samlet,18,22,81.8" in rows
    assert "rekonstruert" in (out / "index.html").read_text(encoding="utf-8")


def test_reproduce_scorecard_exit_code(capsys):
    # every published number that the audit does not prove impossible is met -> exit 0
    assert main(["reproduce", "--round", "2010"]) == 0
    out = capsys.readouterr().out
    assert "RECONSTRUCTED" in out and "unmet (possible, a failure): 0" in out


def test_help_lists_the_new_round_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "init" in out and "add" in out
    assert main(["add", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--round", "--form", "--mapping", "--sheet", "--replace"):
        assert option in out


def test_init_needs_from_and_a_folder(capsys):
    assert main(["init"]) == 2
    assert main(["init", "x"]) == 2
    assert "the following arguments are required: --from" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["audit", "reproduce", pytest.param("reconstruct", marks=pytest.mark.slow)])
def test_every_command_takes_the_round_as_a_folder(command, capsys):
    """The shipped round given by its folder path gives what its name gives (``validate``/``add``/``report``
    with a folder: tests/test_cli_validate.py and tests/test_new_round_path.py)."""
    from samanalyse.survey.paths import data_dir

    extra = ["--check", "--quiet"] if command == "reconstruct" else []
    assert main([command, "--round", "2010", *extra]) == 0
    by_name = capsys.readouterr().out
    assert main([command, "--round", str(data_dir() / "rounds" / "2010"), *extra]) == 0
    assert capsys.readouterr().out == by_name
