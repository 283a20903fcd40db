"""Benchmark of the priority factor analysis (samanalyse.analysis.priorities), issue 7.

Run from the repository root:

    .venv/bin/python benchmarks/bench_factors.py [--n-boot 1000] [--n-iter 100] [--seed 1]

Synthetic data like the 2010 kommune form: 187 respondents x 10 virkemidler x
4 challenges (q22a ... q28j) with labels Høy/Middels/Ikke prioritet and a few
Vet ikke / no answers, from two correlated latent factors (clusters A and B).
Prints the time of each step and the total for two variants (Pearson on the
mean over challenges; polychoric on the rounded mean). Targets (issue 17): the
whole analysis within 15 s per variant; the bootstrap of the clusters (1000
resamples) within 1 s; the polychoric parallel analysis at least 20 x faster
than ``psych::fa.parallel(cor = "poly", fa = "both")`` on the same data with
the same number of iterations, timed in R when ``Rscript`` (with psych) is
installed, otherwise skipped and said so. ``--workers`` sets the processes of
the bootstrap (default: the CPUs available, at most 2). CPU seconds (this
process and its worker processes) are printed beside the wall times: on a
machine shared with other work the wall time of the bootstrap says little.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import samanalyse.analysis.priorities as fx
from samanalyse.survey.rounds import load_round
from samanalyse.errors import SamanalyseWarning
from samanalyse.stats.factor.parallel import parallel_analysis

LETTERS = "abcdefghij"
QUESTIONS = ("q22", "q24", "q26", "q28")
LABELS = np.array(["Høy prioritet", "Middels prioritet", "Ikke prioritet", "Vet ikke/ikke aktuelt"])
# loadings of a..j on (A, B): a-c = A (prosessuelle), f-h = B (institusjonelle)
LOAD_A = np.array([0.75, 0.70, 0.65, 0.30, 0.20, 0.00, 0.05, 0.00, 0.25, 0.15])
LOAD_B = np.array([0.00, 0.05, 0.00, 0.25, 0.30, 0.75, 0.70, 0.65, 0.20, 0.30])


def synthetic_priorities(n: int = 187, seed: int = 1, p_dont_know: float = 0.04, p_na: float = 0.02) -> pd.DataFrame:
    """Respondent-level answer labels for q22a..q28j (Categorical), column ``respondent``."""
    rng = np.random.default_rng(seed)
    fa = rng.standard_normal(n)
    fb = 0.3 * fa + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    out = {"respondent": [f"{1000 + i:04d}" for i in range(n)]}
    dtype = pd.CategoricalDtype(list(LABELS))
    for j, letter in enumerate(LETTERS):
        common = LOAD_A[j] * fa + LOAD_B[j] * fb
        h2 = LOAD_A[j] ** 2 + LOAD_B[j] ** 2 + 2 * 0.3 * LOAD_A[j] * LOAD_B[j]
        trait = common + np.sqrt(1 - h2) * 0.8 * rng.standard_normal(n)
        for q in QUESTIONS:
            ystar = trait + 0.6 * rng.standard_normal(n)
            code = np.where(ystar > 0.2, 0, np.where(ystar > -0.9, 1, 2))  # index into LABELS
            lab = LABELS[code].astype(object)
            lab[rng.random(n) < p_dont_know] = LABELS[3]
            lab[rng.random(n) < p_na] = None
            out[q + letter] = pd.Categorical(lab, dtype=dtype)
    return pd.DataFrame(out)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the bootstrap's worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(variant: str, n_iter: int, n_boot: int, seed: int, workers: int | None = None) -> tuple[float, float]:
    rnd = load_round("2010")
    cb = rnd.codebook
    data = synthetic_priorities(seed=seed)
    steps: dict[str, float] = {}
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    agg = "mean" if variant == "pearson" else "round"
    scores = fx.priority_scores(data, codebook=cb, aggregate=agg)
    steps["scores"] = time.perf_counter() - t0
    cpu0 = _cpu()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamanalyseWarning)
        res = fx.factor_analysis(scores, codebook=cb, markers=rnd.plan.priorities.clusters, correlation=variant,
                                 missing="pairwise", n_factors=2,
                                 method="minres", rotation="oblimin", n_iter=n_iter, n_boot=n_boot, seed=seed,
                                 workers=workers)
    steps.update(res.timings)
    total = time.perf_counter() - t_all
    print(f"\n{variant} ({'mean' if variant == 'pearson' else 'rounded mean'} over 4 challenges), "
          f"187 x 10 items, PA {n_iter} iterations, bootstrap {n_boot} resamples")
    for k, v in steps.items():
        print(f"  {k:<20} {v:8.3f} s")
    print(f"  {'TOTAL':<20} {total:8.3f} s   {'OK' if total <= 15 else 'OVER BUDGET'} (budget 15 s); "
          f"CPU {_cpu() - cpu0:.3f} s (all processes)")
    print(f"  clusters: {res.clusters.factor_clusters}; stability min {res.clusters.items['stability'].min():.3f}; "
          f"bootstrap ok {res.clusters.n_boot_ok}/{n_boot}")
    cpu0, t0 = _cpu(), time.perf_counter()
    fx.item_clusters(res.efa, codebook=cb, n_boot=n_boot, seed=seed, markers=rnd.plan.priorities.clusters,
                     workers=workers)
    print(f"  bootstrap once more: wall {time.perf_counter() - t0:.3f} s, CPU {_cpu() - cpu0:.3f} s (all workers; "
          "the wall time is about CPU / cores when the cores are free)")
    return total, steps["bootstrap"]


_R_SCRIPT = """
suppressMessages(library(psych))
x <- read.csv(commandArgs(TRUE)[1])
set.seed(1)
t <- system.time(invisible(capture.output(
  fa.parallel(x, cor = "poly", fa = "both", n.iter = as.integer(commandArgs(TRUE)[2]), plot = FALSE))))
cat(t[["elapsed"]], "\\n")
"""


def parallel_vs_r(n_iter: int, seed: int) -> float | None:
    """Seconds of psych::fa.parallel(cor = "poly") / ours on the same rounded scores; None if R is not there."""
    cb = load_round("2010").codebook
    scores = fx.priority_scores(synthetic_priorities(seed=seed), codebook=cb, aggregate="round")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SamanalyseWarning)
        t0 = time.perf_counter()
        parallel_analysis(scores, correlation="polychoric", missing="pairwise", method="minres", n_iter=n_iter,
                          seed=seed)
        ours = time.perf_counter() - t0
    print(f"\nparallel analysis, polychoric, {n_iter} iterations: samanalyse {ours:.3f} s")
    if shutil.which("Rscript") is None:
        print("  psych::fa.parallel(cor = 'poly'): skipped (no Rscript on PATH)")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "scores.csv"
        scores.drop(columns=["respondent"]).to_csv(data, index=False)
        script = Path(tmp) / "pa.R"
        script.write_text(_R_SCRIPT, encoding="utf-8")
        r = subprocess.run(["Rscript", str(script), str(data), str(n_iter)], capture_output=True, text=True,
                           check=False)
    if r.returncode != 0:
        print(f"  psych::fa.parallel(cor = 'poly'): skipped (R failed: {r.stderr.strip()[:200]})")
        return None
    theirs = float(r.stdout.split()[-1])
    ratio = theirs / ours
    print(f"  psych::fa.parallel(cor = 'poly', fa = 'both') {theirs:.3f} s: samanalyse is {ratio:.1f} x faster "
          f"(target >= 20 x): {'OK' if ratio >= 20 else 'UNDER TARGET'}")
    return ratio


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--n-iter", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None, help="processes of the bootstrap (default: CPUs, at most 2)")
    ap.add_argument("--r-iter", type=int, default=20,
                    help="iterations of the parallel analysis timed against R (default 20, psych's default)")
    a = ap.parse_args(argv)
    runs = [run(v, a.n_iter, a.n_boot, a.seed, a.workers) for v in ("pearson", "polychoric")]
    boot = runs[1][1]
    print(f"\nbootstrap of the clusters (polychoric, {a.n_boot} resamples): {boot:.3f} s (target <= 1 s): "
          f"{'OK' if boot <= 1 else 'OVER TARGET'}")
    ratio = parallel_vs_r(a.r_iter, a.seed)
    ok = max(t for t, _ in runs) <= 15 and boot <= 1 and (ratio is None or ratio >= 20)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
