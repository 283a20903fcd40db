"""A wheel built from the repo, installed in a fresh virtual environment, has its data."""

from __future__ import annotations

import subprocess
import sys
import venv

import pytest

CHECK = r"""
import samanalyse, pathlib
from samanalyse import load_codebook, kommuner, helseforetak, respondents
assert "site-packages" in samanalyse.__file__, samanalyse.__file__
cb = load_codebook("2010")
r = respondents("2010")
print(len(cb.items()), len(kommuner(2010)), len(helseforetak(2010)), len(r))
"""


@pytest.mark.slow
def test_wheel_installs_with_data(tmp_path, repo):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(repo)],
        check=True, capture_output=True, text=True,
    )
    wheel = next(dist.glob("samanalyse-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    # run from an empty folder so the checkout cannot be imported by accident
    r = subprocess.run([str(py), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    n_items, n_k, n_h, n_resp = map(int, r.stdout.split())
    assert (n_k, n_h, n_resp) == (430, 22, 205)
    assert n_items == 71
