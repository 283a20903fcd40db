"""The CLI never shows a traceback for what a user can do: one message, exit 1 (input) or 2 (usage)."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samanalyse.cli import main
from samanalyse.report.output import Terminated
from samanalyse.survey.rounds import available_rounds

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "cli-missing-round", "area": "Kommandolinjen", "input": "samanalyse report without --round",
     "message": "samanalyse report: error: --round is required: give a shipped round ({rounds}) or the path of a "
                "round folder"},
    {"id": "cli-unknown-option", "area": "Kommandolinjen", "input": "samanalyse report --colour",
     "message": "samanalyse: error: unrecognized arguments: --colour"},
    {"id": "cli-out-is-a-file", "area": "Kommandolinjen", "input": "samanalyse report --out FILE (an existing file)",
     "message": "samanalyse report: The report folder {file} is a file, not a folder. Give a new folder. "
                "Nothing was written."},
    {"id": "cli-out-current-folder", "area": "Kommandolinjen", "input": "samanalyse report --out .",
     "message": "samanalyse report: The report folder . is the current folder or holds it; a report is written to a "
                "folder of its own, replaced whole on every run. Give a new folder (for example reports/<round>). "
                "Nothing was written."},
    {"id": "cli-disk-full", "area": "Kommandolinjen", "input": "the disk fills up while samanalyse report writes",
     "message": "samanalyse report: The report could not be written to {file}: No space left on device. Nothing was "
                "written to {file}; the temporary folder was removed."},
    {"id": "cli-unreadable-file", "area": "Kommandolinjen", "input": "an input file the user may not read",
     "message": "samanalyse report: {file}: Permission denied."},
    {"id": "cli-init-not-empty", "area": "Ny runde", "input": "samanalyse init DIR --from 2010 (DIR holds a file)",
     "message": "samanalyse init: {file} already holds files (notater.txt); nothing was written. Choose a new or "
                "empty folder for the round."},
    {"id": "cli-init-unknown-from", "area": "Ny runde", "input": "samanalyse init DIR --from 1999 (no such round)",
     "message": "samanalyse init: No survey round '1999': it is neither a shipped round ({rounds}) nor a folder with a "
                "round.yaml. Give a shipped round's name or the path of a round folder; to start a new round, run: "
                "samanalyse init DIR --from {first}"},
    {"id": "cli-report-unknown-round", "area": "Ny runde", "input": "samanalyse report --round 1999 (no such round)",
     "message": "samanalyse report: No survey round '1999': it is neither a shipped round ({rounds}) nor a folder "
                "with a round.yaml. Give a shipped round's name or the path of a round folder; to start a new round, "
                "run: samanalyse init DIR --from {first}"},
    {"id": "cli-validate-unknown-round", "area": "Ny runde",
     "input": "samanalyse validate FILE --round 1999 (no such round)",
     "message": "samanalyse validate: No survey round '1999': it is neither a shipped round ({rounds}) nor a folder "
                "with a round.yaml. Give a shipped round's name or the path of a round folder; to start a new round, "
                "run: samanalyse init DIR --from {first}"},
    {"id": "cli-add-missing-file", "area": "Ny runde", "input": "samanalyse add FILE (FILE does not exist)",
     "message": "samanalyse add: {file} does not exist. Give the export file the survey platform wrote (CSV, XLSX or "
                "SAV). Nothing was added."},
    {"id": "cli-add-unknown-form", "area": "Ny runde", "input": "samanalyse add FILE --form sykehus",
     "message": "samanalyse add: unknown form 'sykehus'; round runde has the forms kommune, helseforetak. Give one "
                "of them with --form. Nothing was added."},
    {"id": "cli-add-no-round-folder", "area": "Ny runde", "input": "samanalyse add FILE --round DIR (DIR has no round)",
     "message": "samanalyse add: The round folder {file} does not exist. A round folder holds round.yaml, "
                "codebook.yaml, tables.yaml and plan.yaml; shipped rounds: {rounds}."},
    {"id": "cli-add-different-export", "area": "Ny runde",
     "input": "samanalyse add FILE2 --form kommune (the form already has another export)",
     "message": "samanalyse add: The round {file} already has a kommune export (svar/kommune.csv), and {file2} is a "
                "different file; nothing was changed. To replace it, run the same command with --replace "
                "(Python: replace=True)."},
    {"id": "cli-add-shipped-round", "area": "Ny runde", "input": "samanalyse add FILE --round 2010 (a shipped round)",
     "message": "samanalyse add: {file} is inside samanalyse's own data folder ({pkg}); a round folder belongs "
                "somewhere of your own, e.g. samanalyse init ~/samhandling/ny-runde --from <an existing round>."},
    {"id": "cli-add-missing-mapping", "area": "Ny runde", "input": "samanalyse add FILE --mapping MAP.CSV (no such file)",
     "message": "samanalyse add: The mapping file {file} does not exist. Give a CSV file with the columns column,item "
                "(one row per export column the automatic matching cannot place)."},
]

#: Cases that are usage errors (exit 2); every other case exits 1.
USAGE_ERRORS = {"cli-missing-round", "cli-unknown-option", "cli-add-missing-file", "cli-add-unknown-form",
                "cli-validate-unknown-round"}


def _fast_steps(monkeypatch, fn=None):
    """Replace the report's steps by one quick step (``fn``, default: write a page)."""
    from samanalyse.report import build

    def page(ctx):
        (ctx.out / "index.html").write_text("<html>", encoding="utf-8")
        ctx.files.append("index.html")

    monkeypatch.setattr(build, "STEPS", [("html", fn or page)])


def _trigger(case: str, tmp_path, monkeypatch) -> tuple[list[str], dict[str, str]]:
    """Build the bad input of ``case``; return the arguments and the placeholders of its message."""
    out = tmp_path / "r"
    if case.startswith(("cli-init", "cli-add", "cli-report-unknown", "cli-validate-unknown")):
        return _trigger_new_round(case, tmp_path)
    if case == "cli-missing-round":
        return ["report", "--out", str(out)], {"rounds": ", ".join(available_rounds())}
    if case == "cli-unknown-option":
        return ["report", "--colour"], {}
    if case == "cli-out-is-a-file":
        out.write_text("x", encoding="utf-8")
    elif case == "cli-out-current-folder":
        out.mkdir()
        monkeypatch.chdir(out)
        return ["report", "--round", "2010", "--out", "."], {}
    elif case == "cli-disk-full":
        def full(ctx):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        _fast_steps(monkeypatch, full)
    elif case == "cli-unreadable-file":
        secret = tmp_path / "codebook.yaml"

        def unreadable(ctx):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(secret))

        _fast_steps(monkeypatch, unreadable)
        return ["report", "--round", "2010", "--out", str(out)], {"file": str(secret)}
    return ["report", "--round", "2010", "--out", str(out)], {"file": str(out)}


def _trigger_new_round(case: str, tmp_path) -> tuple[list[str], dict[str, str]]:
    """The bad inputs of a new round: ``samanalyse init``, ``add``, and an unknown round."""
    from samanalyse.io.round_folder import init_round

    rounds = {"rounds": ", ".join(available_rounds()), "first": available_rounds()[0]}
    folder = tmp_path / "runde"
    if case == "cli-init-not-empty":
        folder.mkdir()
        (folder / "notater.txt").write_text("mine", encoding="utf-8")
        return ["init", str(folder), "--from", "2010"], {"file": str(folder)}
    if case == "cli-init-unknown-from":
        return ["init", str(folder), "--from", "1999"], rounds
    export = tmp_path / "kommune.csv"
    export.write_text("kommunenummer,q5a\n0301,Ikke gjennomført\n", encoding="utf-8")
    if case == "cli-report-unknown-round":
        return ["report", "--round", "1999", "--out", str(tmp_path / "r")], rounds
    if case == "cli-validate-unknown-round":
        return ["validate", str(export), "--round", "1999", "--form", "kommune"], rounds
    if case == "cli-add-no-round-folder":
        return ["add", str(export), "--round", str(folder), "--form", "kommune"], {"file": str(folder), **rounds}
    if case == "cli-add-shipped-round":
        from samanalyse.survey.paths import data_dir

        return ["add", str(export), "--round", "2010", "--form", "kommune"], \
               {"file": str(data_dir() / "rounds" / "2010"), "pkg": str(data_dir().resolve())}
    init_round(folder, "2010")
    if case == "cli-add-missing-file":
        return ["add", str(tmp_path / "eksport.csv"), "--round", str(folder), "--form", "kommune"], \
               {"file": str(tmp_path / "eksport.csv")}
    if case == "cli-add-unknown-form":
        return ["add", str(export), "--round", str(folder), "--form", "sykehus"], {}
    if case == "cli-add-missing-mapping":
        return ["add", str(export), "--round", str(folder), "--form", "kommune", "--mapping",
                str(tmp_path / "koblinger.csv")], {"file": str(tmp_path / "koblinger.csv")}
    # cli-add-different-export: a valid export is recorded, then another one is added without --replace
    import importlib.util

    spec = importlib.util.spec_from_file_location("minimal_exports", Path(__file__).parent / "data" /
                                                  "minimal_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    first = mod.write_minimal_exports(tmp_path / "a", n_kommuner=10, n_hf=3, seed=1)["kommune"]
    second = mod.write_minimal_exports(tmp_path / "b", n_kommuner=10, n_hf=3, seed=2)["kommune"]
    assert main(["add", str(first), "--round", str(folder), "--form", "kommune"]) == 0
    return ["add", str(second), "--round", str(folder), "--form", "kommune"], {"file": str(folder),
                                                                               "file2": str(second)}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c["id"])
def test_bad_input_gives_one_message(case, tmp_path, monkeypatch, capsys):
    argv, fill = _trigger(case["id"], tmp_path, monkeypatch)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == (2 if case["id"] in USAGE_ERRORS else 1)
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == case["message"].format(**fill)
    if code == 1:
        assert len(err.strip().splitlines()) == 1  # one message; usage errors add argparse's usage line


@pytest.mark.parametrize("command", ["report", "reproduce", "audit", "reconstruct"])
def test_every_command_needs_a_round(command, capsys):
    assert main([command]) == 2
    assert "--round is required" in capsys.readouterr().err


def test_unknown_round_is_one_message(capsys):
    assert main(["report", "--round", "1999"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("samanalyse report: ") and "1999" in err and "Traceback" not in err


def test_debug_shows_the_traceback(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x", encoding="utf-8")
    for argv in (["--debug", "report", "--round", "2010", "--out", str(f)],
                 ["report", "--debug", "--round", "2010", "--out", str(f)]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and "OutputError" in err
        assert err.strip().splitlines()[-1].startswith("samanalyse report: The report folder")


def test_a_bug_is_one_line_naming_it(tmp_path, monkeypatch, capsys):
    def bug(ctx):
        raise KeyError("sentralitet")

    _fast_steps(monkeypatch, bug)
    assert main(["report", "--round", "2010", "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("samanalyse report: internal error (KeyError: 'sentralitet'). This is a bug")
    assert "--debug" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing left


@pytest.mark.parametrize("exc, code, text", [(KeyboardInterrupt(), 130, "interrupted."),
                                             (Terminated(signal.SIGTERM), 143, "stopped by SIGTERM.")])
def test_interrupt_is_one_line(exc, code, text, tmp_path, monkeypatch, capsys):
    def stop(ctx):
        raise exc

    _fast_steps(monkeypatch, stop)
    assert main(["report", "--round", "2010", "--out", str(tmp_path / "r")]) == code
    assert capsys.readouterr().err == f"samanalyse report: {text}\n"
    assert not list(tmp_path.iterdir())


def test_report_into_an_earlier_report_replaces_it(tmp_path, monkeypatch, capsys):
    _fast_steps(monkeypatch)
    out = tmp_path / "r"
    assert main(["report", "--round", "2010", "--out", str(out), "--quiet"]) == 0
    (out / "index.html").write_text("edited by samanalyse? no", encoding="utf-8")
    assert main(["report", "--round", "2010", "--out", str(out), "--quiet"]) == 0
    assert (out / "index.html").read_text(encoding="utf-8") == "<html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert capsys.readouterr().out == ""


def test_broken_pipe_in_process_is_quiet(monkeypatch, capsys):
    class Closed(io.StringIO):
        def write(self, s):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["audit", "--round", "2010", "--format", "csv"]) == 1
    assert capsys.readouterr().err == ""


def test_broken_pipe_from_head_is_quiet():
    # the reader goes away before the command writes (like `samanalyse audit --format csv | head -1`)
    proc = subprocess.Popen([sys.executable, "-m", "samanalyse", "audit", "--round", "2010", "--format", "csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert err == "", err
    assert proc.returncode == 1


def test_sigterm_during_a_report_leaves_nothing(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "samanalyse", "report", "--round", "2010", "--out", str(out),
                             "--quiet"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".r.tmp-") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None, "the report never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 143
    assert err == "samanalyse report: stopped by SIGTERM.\n"
    assert list(tmp_path.iterdir()) == []


def test_validate_unknown_form_names_the_rounds_forms(tmp_path, capsys):
    f = tmp_path / "svar.csv"
    f.write_text("respondent\n0301\n", encoding="utf-8")
    assert main(["validate", str(f), "--round", "2010", "--form", "sykehus"]) == 2
    assert capsys.readouterr().err == ("samanalyse validate: unknown form 'sykehus'; round 2010 has the forms "
                                       "kommune, helseforetak. Nothing was checked.\n")
