"""The CLI never shows a traceback for what a user can do: one message, exit 1 (input) or 2 (usage)."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import time

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
]


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


@pytest.mark.parametrize("case", BAD_INPUTS, ids=lambda c: c["id"])
def test_bad_input_gives_one_message(case, tmp_path, monkeypatch, capsys):
    argv, fill = _trigger(case["id"], tmp_path, monkeypatch)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == (2 if case["id"].startswith(("cli-missing", "cli-unknown")) else 1)
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
