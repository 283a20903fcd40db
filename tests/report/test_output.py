"""The report folder: new, empty or an earlier report only; whole or nothing; one run at a time; umask modes."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from samanalyse.errors import OutputError
from samanalyse.report.manifest import MANIFEST, input_name
from samanalyse.report.output import check_target, report_folder

#: Catalogued bad inputs (docs/bad_inputs.md is generated from these lists by the lead).
BAD_INPUTS: list[dict[str, str]] = [
    {"id": "report-out-foreign-folder", "area": "Skrive rapport",
     "input": "--out names a folder that holds other files (notes.txt) and no manifest.json",
     "message": "The folder {file} is not empty and is not a samanalyse report (it has no manifest.json): it holds "
                "notes.txt. A report replaces its folder whole, so samanalyse writes only to a new or empty folder "
                "or over an earlier report. Choose another folder. Nothing was written."},
    {"id": "report-out-report-with-extra-files", "area": "Skrive rapport",
     "input": "--out names an earlier report folder to which the user added notes.txt",
     "message": "The folder {file} is a samanalyse report but also holds files samanalyse did not write: "
                "notes.txt. Replacing the report would delete them; move them away or choose another folder. "
                "Nothing was written."},
    {"id": "report-out-foreign-manifest", "area": "Skrive rapport",
     "input": "--out names a folder whose manifest.json samanalyse did not write",
     "message": "The folder {file} is not empty and is not a samanalyse report (its manifest.json is not one "
                "samanalyse wrote): it holds manifest.json. A report replaces its folder whole, so samanalyse writes "
                "only to a new or empty folder or over an earlier report. Choose another folder. Nothing was written."},
    {"id": "report-out-is-a-file", "area": "Skrive rapport", "input": "--out names an existing file",
     "message": "The report folder {file} is a file, not a folder. Give a new folder. Nothing was written."},
    {"id": "report-out-under-a-file", "area": "Skrive rapport",
     "input": "--out names a folder inside an existing file (afile/r)",
     "message": "The report folder {file} cannot be made: {parent} is a file, not a folder. Nothing was written."},
    {"id": "report-out-current-folder", "area": "Skrive rapport", "input": "--out . (the current folder)",
     "message": "The report folder {file} is the current folder or holds it; a report is written to a folder of its "
                "own, replaced whole on every run. Give a new folder (for example reports/<round>). "
                "Nothing was written."},
    {"id": "report-out-busy", "area": "Skrive rapport",
     "input": "two runs write the same report folder at once (the second one)",
     "message": "Another samanalyse run is writing the report folder {file} (lock file {lock}); wait for it to "
                "finish and run again. Nothing was written."},
    {"id": "report-disk-full", "area": "Skrive rapport", "input": "the disk fills up while the report is written",
     "message": "The report could not be written to {file}: No space left on device. Nothing was written to "
                "{file}; the temporary folder was removed."},
]


def _report(folder: Path, files: dict[str, str]) -> None:
    """A folder as samanalyse writes it: the files and a manifest listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    manifest = {"samanalyse_version": "0", "round": "x", "files": sorted(files)}
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _write(tmp: Path, files: dict[str, str]) -> None:
    _report(tmp, files)


def _siblings(folder: Path) -> list[str]:
    """Everything beside ``folder`` but itself (temporary folders, locks, leftovers); above it if its parent is a file."""
    parent = folder.parent if folder.parent.is_dir() else folder.parent.parent
    return sorted(p.name for p in parent.iterdir() if p.name != folder.name)


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {".": path.read_bytes()}
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _make_bad(case: str, tmp_path: Path, monkeypatch) -> tuple[str, dict[str, str]]:
    """Build the bad input of ``case``; return the --out text and the placeholders of its message."""
    out = tmp_path / "r"
    if case == "report-out-foreign-folder":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif case == "report-out-report-with-extra-files":
        _report(out, {"index.html": "<html>"})
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    elif case == "report-out-foreign-manifest":
        out.mkdir()
        (out / MANIFEST).write_text('{"name": "something else"}', encoding="utf-8")
    elif case == "report-out-is-a-file":
        out.write_text("a file", encoding="utf-8")
    elif case == "report-out-under-a-file":
        (tmp_path / "afile").write_text("a file", encoding="utf-8")
        out = tmp_path / "afile" / "r"
        return str(out), {"file": str(out), "parent": str(tmp_path / "afile")}
    elif case == "report-out-current-folder":
        out.mkdir()
        monkeypatch.chdir(out)
        return ".", {"file": "."}
    return str(out), {"file": str(out), "lock": str(tmp_path / ".r.lock")}


@pytest.mark.parametrize("case", [c for c in BAD_INPUTS if c["id"] not in ("report-out-busy", "report-disk-full")],
                         ids=lambda c: c["id"])
def test_bad_target_is_refused_and_untouched(case, tmp_path, monkeypatch):
    out, fill = _make_bad(case["id"], tmp_path, monkeypatch)
    before = _snapshot(Path(out))
    beside = _siblings(Path(out).resolve())
    with pytest.raises(OutputError) as exc, report_folder(out) as tmp:
        (tmp / "index.html").write_text("new", encoding="utf-8")
    assert str(exc.value) == case["message"].format(**fill)
    assert _snapshot(Path(out)) == before
    assert _siblings(Path(out).resolve()) == beside  # no temporary folder, lock or .old left


def test_busy_target_is_refused(tmp_path):
    case = next(c for c in BAD_INPUTS if c["id"] == "report-out-busy")
    out = tmp_path / "r"
    with report_folder(out) as first:
        (first / "a.txt").write_text("first", encoding="utf-8")
        with pytest.raises(OutputError) as exc, report_folder(out):
            pass
        assert str(exc.value) == case["message"].format(file=out, lock=tmp_path / ".r.lock")
    assert (out / "a.txt").read_text(encoding="utf-8") == "first"  # the first run finished whole
    assert _siblings(out) == []


def test_disk_full_leaves_nothing(tmp_path):
    case = next(c for c in BAD_INPUTS if c["id"] == "report-disk-full")
    out = tmp_path / "r"
    _report(out, {"index.html": "old"})
    before = _snapshot(out)
    with pytest.raises(OutputError) as exc, report_folder(out) as tmp:
        (tmp / "index.html").write_text("new", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(exc.value) == case["message"].format(file=out)
    assert _snapshot(out) == before and _siblings(out) == []


def test_write_error_names_the_file(tmp_path):
    out = tmp_path / "r"
    with pytest.raises(OutputError, match=r"could not be written to .*r \(tables/T1\.csv\): Permission denied"):
        with report_folder(out) as tmp:
            raise PermissionError(errno.EACCES, "Permission denied", str(tmp / "tables" / "T1.csv"))
    assert not out.exists() and _siblings(out) == []


def test_new_empty_and_earlier_report_are_written(tmp_path):
    new = tmp_path / "a" / "b"  # parents are made
    with report_folder(new) as tmp:
        _write(tmp, {"index.html": "1"})
    assert (new / "index.html").read_text(encoding="utf-8") == "1"
    empty = tmp_path / "empty"
    empty.mkdir()
    with report_folder(empty) as tmp:
        _write(tmp, {"index.html": "2"})
    assert (empty / "index.html").read_text(encoding="utf-8") == "2"
    # an earlier report is replaced whole: old files go, new ones come
    _report(new, {"index.html": "old", "tables/T9.csv": "gone"})
    with report_folder(new) as tmp:
        _write(tmp, {"index.html": "3", "tables/T1.csv": "x"})
    assert _snapshot(new) == {"index.html": b"3", "tables/T1.csv": b"x", MANIFEST: (new / MANIFEST).read_bytes()}
    assert _siblings(new) == []


def test_failure_or_ctrl_c_leaves_target_untouched(tmp_path):
    out = tmp_path / "r"
    _report(out, {"index.html": "old"})
    before = _snapshot(out)
    for exc in (RuntimeError("step failed"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), report_folder(out) as tmp:
            (tmp / "index.html").write_text("half", encoding="utf-8")
            raise exc
        assert _snapshot(out) == before and _siblings(out) == []


def test_stale_lock_and_leftovers_of_a_killed_run_are_cleared(tmp_path):
    out = tmp_path / "r"
    (tmp_path / ".r.lock").write_text("999999\n", encoding="ascii")  # nobody holds it
    (tmp_path / ".r.tmp-dead").mkdir()
    (tmp_path / ".r.tmp-dead" / "index.html").write_text("half", encoding="utf-8")
    with report_folder(out) as tmp:
        _write(tmp, {"index.html": "new"})
    assert (out / "index.html").read_text(encoding="utf-8") == "new"
    assert _siblings(out) == []


def test_symlink_to_a_report_is_followed(tmp_path):
    real = tmp_path / "real"
    _report(real, {"index.html": "old"})
    link = tmp_path / "link"
    link.symlink_to(real)
    with report_folder(link) as tmp:
        _write(tmp, {"index.html": "new"})
    assert link.is_symlink() and (link / "index.html").read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_modes_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        out = tmp_path / "r"
        with report_folder(out) as tmp:
            (tmp / "tables").mkdir()
            _write(tmp, {"index.html": "1", "tables/T1.csv": "2"})
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == 0o777 & ~mask
    assert ((out / "tables").stat().st_mode & 0o777) == 0o777 & ~mask
    assert ((out / "index.html").stat().st_mode & 0o777) == 0o666 & ~mask


_HOLD = """
import sys, time
from samanalyse.report.output import report_folder
with report_folder(sys.argv[1]) as tmp:
    (tmp / "index.html").write_text("half", encoding="utf-8")
    print("ready", flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_remove_the_temporary_folder(tmp_path, sig):
    out = tmp_path / "r"
    _report(out, {"index.html": "old"})
    before = _snapshot(out)
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    assert any(n.startswith(".r.tmp-") for n in _siblings(out))
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert _snapshot(out) == before and _siblings(out) == []


def test_second_process_stops_while_first_writes(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        with pytest.raises(OutputError, match="Another samanalyse run is writing"):
            with report_folder(out):
                pass
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not out.exists() and _siblings(out) == []


def test_check_target_returns_the_absolute_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_target("new") == tmp_path / "new"
    with pytest.raises(OutputError, match="current folder"):
        check_target(str(tmp_path.parent))  # holds the current folder
    with pytest.raises(OutputError, match="root of the file system"):
        check_target("/")


def test_manifest_names_inputs_relative_to_the_rounds_parent(tmp_path):
    from samanalyse.survey.rounds import load_round

    rnd = load_round("2010")
    assert input_name(rnd.path / "round.yaml", rnd) == f"{rnd.path.name}/round.yaml"
    assert input_name(tmp_path / "x.csv", rnd) == (tmp_path / "x.csv").as_posix()
