"""Benchmark: a new round's whole path, init -> add -> report, through the command line.

Target: the new round's report takes at most 1.5 x as long as the 2010 report run in the same session
(a ratio, so a busy machine does not decide it); the absolute times are printed too.

A made-up round of 200 kommuner (2024 register) and 15 helseforetak, the exports written by
``tests/data/platform_exports.py`` when it is there (the Questionback-style XLSX of each form), otherwise
by ``tests/data/minimal_exports.py`` (plain CSV with the item ids as headers). Each command runs in a
fresh interpreter (imports included), as a user runs it, with the plan's own settings (the study's 1000
bootstrap resamples and so on). The 2010 report, run once in the same session, is the baseline: the
ratio says how the new round's report compares with it on the same machine at the same time.

Run: .venv/bin/python benchmarks/bench_new_round.py
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.5


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "data" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _exports(folder: Path) -> dict[str, Path]:
    if (ROOT / "tests" / "data" / "platform_exports.py").is_file():
        shapes = _module("platform_exports").write_exports(folder, n_kommuner=200, n_hf=15, seed=18)
        return {"kommune": shapes["questback_xlsx"], "helseforetak": shapes["questback_xlsx_helseforetak"]}
    return _module("minimal_exports").write_minimal_exports(folder, n_kommuner=200, n_hf=15, seed=18)


def _timed(*argv: str, cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "samanalyse", *argv], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench_new_round_") as name:
        tmp = Path(name)
        exports = _exports(tmp / "eksport")
        steps = {"init": _timed("init", "runde", "--from", "2010", cwd=tmp)}
        for form, file in exports.items():
            steps[f"add {form}"] = _timed("add", str(file), "--round", "runde", "--form", form, cwd=tmp)
        steps["report"] = _timed("report", "--round", "runde", "--out", "rapport", "--quiet", cwd=tmp)
        baseline = _timed("report", "--round", "2010", "--out", "rapport2010", "--quiet", cwd=tmp)
    total = sum(steps.values())
    print("new round (200 kommuner, 15 helseforetak, made-up answers), each command a fresh process:")
    for step, seconds in steps.items():
        print(f"  {step:<18} {seconds:6.2f} s")
    print(f"  {'whole path':<18} {total:6.2f} s")
    ratio = steps["report"] / baseline
    print(f"2010 report in the same run: {baseline:.2f} s; the new round's report takes {ratio:.2f} x as long "
          f"(target <= {TARGET_RATIO} x)")
    raise SystemExit(0 if ratio <= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
