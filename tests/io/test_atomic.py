"""The one atomic writer: whole-or-nothing writes with the user's umask modes."""

from __future__ import annotations

import os
import stat
import warnings

import pandas as pd
import pytest

from samanalyse.errors import SamanalyseWarning
from samanalyse.io.atomic import (
    atomic_dir,
    atomic_file,
    atomic_path,
    default_mode,
    write_table_csv,
)
from samanalyse.io.responses import read_responses, write_responses
from samanalyse.survey.rounds import load_codebook

CB = load_codebook("2010")


@pytest.fixture(params=[0o022, 0o027], ids=["umask-022", "umask-027"])
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resp")
    rows = []
    for i, rid in enumerate(["0301", "1201"]):
        row = {"respondent": rid}
        for it in CB.items("kommune"):
            row[it.id] = it.scale.labels()[i] if it.scale else "tekst"
        rows.append(row)
    pd.DataFrame(rows).to_csv(folder / "in.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamanalyseWarning)
        return read_responses(folder / "in.csv", CB, "kommune")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_exports_get_the_umask_mode(tmp_path, umask, responses, fmt):
    out = write_responses(responses, tmp_path / f"out.{fmt}")
    assert _mode(out) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"out.{fmt}"]  # no temporary file left


def test_every_writer_gives_the_umask_mode(tmp_path, umask):
    assert default_mode() == 0o666 & ~umask and default_mode(folder=True) == 0o777 & ~umask
    with atomic_file(tmp_path / "a.txt", "w", encoding="utf-8") as fh:
        fh.write("x")
    write_table_csv(pd.DataFrame({"a": [1.5]}), tmp_path / "t.csv")
    with atomic_path(tmp_path / "b.bin") as tmp:
        tmp.write_bytes(b"y")
        os.chmod(tmp, 0o600)  # what a writer may leave behind
    with atomic_dir(tmp_path / "folder") as d:
        (d / "inside.csv").write_text("z")
    for name in ("a.txt", "t.csv", "b.bin"):
        assert _mode(tmp_path / name) == 0o666 & ~umask, name
    assert _mode(tmp_path / "folder") == 0o777 & ~umask
    assert (tmp_path / "t.csv").read_bytes() == b"a\n1.5\n"


def test_atomic_path_leaves_the_target_on_failure(tmp_path):
    target = tmp_path / "out.sav"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_path(target) as tmp:
        assert tmp.suffix == ".sav" and tmp.parent == tmp_path
        tmp.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.sav"]


def test_atomic_dir_replaces_a_folder_whole(tmp_path):
    target = tmp_path / "rapport"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_dir(target) as d:
        (d / "new.txt").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    with pytest.raises(RuntimeError), atomic_dir(target) as d:
        (d / "half.txt").write_text("half")
        raise RuntimeError
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport"]
