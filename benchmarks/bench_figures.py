"""Benchmark (issue 17): the CPU time of the report's figures, built and written as PNG and SVG.

One report of the round (``--workers 1``, in this process's child) records the inputs of every figure
it draws (the priorities, loadings, parallel-analysis, satisfaction, experience and nonresponse charts);
each replay, in a fresh interpreter (so the first figure pays for loading the fonts, as in a report),
builds and saves them all and prints the CPU seconds per figure and in all, and a digest of the files.
Two replays must give the same digest (the figures are byte-identical on rerun). Target: at most 1 CPU
second for all the figures of the report; exit 1 if the median replay is above it or the digests differ.

Run: .venv/bin/python benchmarks/bench_figures.py [--runs 3] [--round 2010]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.0

_RECORD = """
import pickle, sys
import samanalyse.report.charts as C
import samanalyse.report.figures as F
import samanalyse.report.sections.nonresponse as N
from samanalyse.cli import main

calls = []
def wrap(mod, name):
    real = getattr(mod, name)
    def recorded(*a, **k):
        calls.append((mod.__name__, name, a, k))
        return real(*a, **k)
    setattr(mod, name, recorded)
for n in ("plot_priorities", "plot_loadings", "plot_parallel"):
    wrap(F, n)
for n in ("plot_shares_by_group", "plot_experience"):
    wrap(C, n)
chart = N._chart
def nonresponse(ctx, rates):
    calls.append(("nonresponse", "_chart", (rates,), {"reconstructed": ctx.round.reconstructed, "lang": ctx.lang}))
    return chart(ctx, rates)
N._chart = nonresponse
main(["report", "--round", sys.argv[1], "--out", sys.argv[2], "--quiet", "--workers", "1"])
pickle.dump(calls, open(sys.argv[3], "wb"))
"""

_REPLAY = """
import hashlib, pickle, sys, time
from pathlib import Path
from types import SimpleNamespace
import samanalyse.report.charts as C
import samanalyse.report.figures as F
import samanalyse.report.sections.nonresponse as N
from samanalyse.report.i18n import translation

calls = pickle.load(open(sys.argv[1], "rb"))
out = Path(sys.argv[2])
modules = {F.__name__: F, C.__name__: C}
start = time.process_time()
for i, (mod, name, a, k) in enumerate(calls):
    t0 = time.process_time()
    if mod == "nonresponse":
        ctx = SimpleNamespace(tr=translation(k["lang"]), round=SimpleNamespace(reconstructed=k["reconstructed"]),
                              out=out / f"{i:02d}")
        N._chart(ctx, *a)
    else:
        F.save_figure(getattr(modules[mod], name)(*a, **k), out / f"{i:02d}" / name)
    print(f"  {name:22s} {time.process_time() - t0:6.3f} s")
total = time.process_time() - start
digest = hashlib.sha256()
for p in sorted(out.rglob("*.*")):
    digest.update(p.relative_to(out).as_posix().encode()); digest.update(p.read_bytes())
print(f"TOTAL {total:.3f} {digest.hexdigest()[:16]}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--round", default="2010")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        calls = Path(tmp) / "calls.pkl"
        subprocess.run([sys.executable, "-c", _RECORD, args.round, str(Path(tmp) / "report"), str(calls)],
                       check=True, cwd=ROOT)
        totals, digests = [], set()
        for run in range(args.runs):
            res = subprocess.run([sys.executable, "-c", _REPLAY, str(calls), str(Path(tmp) / f"replay{run}")],
                                 check=True, cwd=ROOT, capture_output=True, text=True)
            *lines, last = res.stdout.strip().splitlines()
            if run == 0:
                print("\n".join(lines))
            _, total, digest = last.split()
            totals.append(float(total))
            digests.add(digest)
    median = statistics.median(totals)
    print(f"figures of round {args.round}: median {median:.2f} CPU s over {args.runs} replays "
          f"(range {min(totals):.2f}-{max(totals):.2f}); target <= {TARGET:.1f} s; "
          f"{'byte-identical replays' if len(digests) == 1 else 'REPLAYS DIFFER'}")
    return 0 if median <= TARGET and len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
