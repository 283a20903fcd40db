"""Benchmark: a staff-level round, 100 000 persons in the 357 kommuner of 2024, weighted (issue 15, item 6).

Run with ``.venv/bin/python benchmarks/bench_weighting.py [--keep DIR]``. Writes (at bench time, in a
temporary folder; nothing is committed) a whole round folder: a codebook with one form whose
respondent is a ``person`` with ``unit: kommune`` and 20 closed items, the frame of persons per
kommune (``person_frames`` in ``round.yaml``: about 4 % of each kommune's 2024 population, at least
5), a CSV export with a ``kommune`` column, tables by RHF and size class, an analysis plan with
background tests and reliability, and raking weights. Response rates differ by size class, so
raking has something to correct.

Measured (wall time; peak resident memory ``ru_maxrss`` of this process and of the report's
process, the larger):

1. read + validate: :func:`samanalyse.io.read.read_responses` of the export against the round
   (every kommunenummer checked against the 2024 register) and the persons joined to the register
   (:func:`samanalyse.io.datasets.load_round_data`: RHF, size class, fylke, centrality). Target <= 5 s.
2. weighted tables: the round's raking weights (:func:`samanalyse.analysis.weights.round_weights`,
   N/n to the frame's persons by RHF and size class), the design with clusters = kommuner
   (:func:`~samanalyse.analysis.weights.form_design`), and every item's four substantive shares by
   RHF and by size class with design-based SE, design effect and logit interval. Target <= 2 s.
3. the whole report: ``samanalyse report --round <folder>`` in its own process. Target <= 60 s.
4. peak memory. Target <= 1 GiB.

Exit code 1 if a target is missed.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

N_PERSONS = 100_000
N_ITEMS = 20
SEED = 20261201
TARGETS = {"read_validate_s": 5.0, "weighted_tables_s": 2.0, "report_s": 60.0, "peak_mib": 1024.0}
LABELS = ["Svært godt", "Nokså godt", "Nokså dårlig", "Svært dårlig", "Vet ikke/ikke aktuelt"]
SIZE_LABELS = ["Små kommuner", "Mellomstore kommuner", "Store kommuner"]
RESPONSE = {"Små kommuner": 0.25, "Mellomstore kommuner": 0.35, "Store kommuner": 0.5}
ROOT = Path(__file__).resolve().parents[1]


def _register() -> pd.DataFrame:
    from samanalyse.survey.registers import SizeClasses, kommuner

    reg = kommuner(2024)
    classes = SizeClasses(labels=tuple(SIZE_LABELS), upper=(3000, 10000))
    return pd.DataFrame({"size_class": classes.classify(reg["folkemengde_2024"]).astype(str).to_numpy(),
                         "staff": np.maximum(5, (reg["folkemengde_2024"].astype(float) * 0.04).round()).astype(int)},
                        index=reg.index.astype(str))


_ROUND = """round: bench-ansatte
title: "Ansatte i kommunene (syntetisk runde for benchmark)"
codebook: codebook.yaml
tables: tables.yaml
plan: plan.yaml
register_year: 2024
register_columns: {sentralitet: sentralitet_2024}
person_frames:
  ansatt: {file: ramme.csv, count: ansatte}
size_classes:
  population_column: folkemengde_2024
  classes:
    - {label: "Små kommuner", max: 3000}
    - {label: "Mellomstore kommuner", max: 10000}
    - {label: "Store kommuner"}
responses:
  ansatt: ansatte.csv
weights: {method: raking}
reconstructed: false
"""

_PLAN = """settings: {seed: 1, n_boot: 20, n_iter: 10, n_sim: 200, alpha: 0.05, confidence: 0.95, adjust: holm}
background:
  size_class: {kind: ordinal, label: "Kommunestørrelse", concept: "innbyggere", higher_is_more: true}
  sentralitet: {kind: ordinal, label: "Sentralitet", concept: "sentral"}
reliability: {form: ansatt, indices: [samlet], omega_n_boot: 10}
satisfaction: {form: ansatt, items: [q1, q2, q3], collapse: godt_darlig, index: samlet, by: [size_class, sentralitet]}
"""


def _codebook() -> str:
    lines = ["codebook_version: 1", 'round: "bench-ansatte"', "forms:",
             "  ansatt: {label: Ansatte, respondent: person, unit: kommune}", "scales:", "  tilfredshet:",
             "    categories:"]
    for i, lab in enumerate(LABELS, start=1):
        code, extra = (9, ", missing: dont_know") if lab.startswith("Vet ikke") else (i, f", score: {5 - i}")
        lines.append(f'      - {{code: {code}, label: "{lab}"{extra}}}')
    lines += ["    collapses:", "      godt_darlig:", '        label: "Godt / dårlig"', "        groups:",
              '          - {label: "Godt", codes: [1, 2]}', '          - {label: "Dårlig", codes: [3, 4]}',
              '          - {label: "Vet ikke", codes: [9]}', "questions:"]
    for q in range(N_ITEMS):
        lines += [f'  - number: "{q + 1}"', "    scale: tilfredshet", "    items:",
                  f'      - {{id: q{q + 1}, text: "Spørsmål {q + 1}"}}']
    lines += ["indices:", "  samlet:", '    label: "Godt samarbeid"', "    items: [q1, q2, q3, q4, q5]",
              "    score_codes: [1, 2]", "    missing: zero", "    cuts:", '      - {label: "Lav", min: 0, max: 2}',
              '      - {label: "Høy", min: 3, max: 5}']
    return "\n".join(lines) + "\n"


def _tables() -> str:
    lines = ["categories:", '  "Godt": {collapse: godt_darlig, group: "Godt"}',
             '  "Dårlig": {collapse: godt_darlig, group: "Dårlig"}', '  "Vet ikke / ubesvart": {labels: ["Vet ikke/ikke aktuelt", null]}',
             "tables:"]
    for q in range(1, 7):
        by = "rhf" if q % 2 else "size_class"
        lines += [f"  T{q}:", "    kind: by_group", f'    label: "Tabell {q}"', f'    title: "Spørsmål {q} etter {by}"',
                  f"    item: q{q}", "    forms: [ansatt]", f"    by: {by}", '    categories: ["Godt", "Dårlig"]',
                  '    notes: ["Vet ikke / ubesvart"]']
    return "\n".join(lines) + "\n"


def make_round(folder: Path, frame: pd.DataFrame) -> Path:
    """Write the round folder with ``N_PERSONS`` persons; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "round.yaml").write_text(_ROUND, encoding="utf-8")
    (folder / "codebook.yaml").write_text(_codebook(), encoding="utf-8")
    (folder / "tables.yaml").write_text(_tables(), encoding="utf-8")
    (folder / "plan.yaml").write_text(_PLAN, encoding="utf-8")
    pd.DataFrame({"kommune": frame.index, "ansatte": frame["staff"]}).to_csv(folder / "ramme.csv", index=False)
    rng = np.random.default_rng(SEED)
    p = frame["staff"].to_numpy() * frame["size_class"].map(RESPONSE).to_numpy()
    per = np.ones(len(frame), int) + rng.multinomial(N_PERSONS - len(frame), p / p.sum())
    per = np.minimum(per, frame["staff"].to_numpy())
    per[0] += N_PERSONS - per.sum()
    knr = np.repeat(frame.index.to_numpy(), per)
    data = {"respondent": [f"P{i:06d}" for i in range(N_PERSONS)], "kommune": knr}
    big = np.repeat((frame["size_class"] == "Store kommuner").to_numpy(), per)
    for q in range(N_ITEMS):
        probs = np.where(big[:, None], [0.3, 0.4, 0.15, 0.05, 0.05, 0.05], [0.2, 0.4, 0.2, 0.1, 0.05, 0.05])
        u = rng.random(N_PERSONS)[:, None]
        idx = (u > probs.cumsum(axis=1)).sum(axis=1)
        data[f"q{q + 1}"] = np.array(LABELS + [""], dtype=object)[idx]
    pd.DataFrame(data).to_csv(folder / "ansatte.csv", index=False)
    return folder


def read_validate(folder: Path) -> pd.DataFrame:
    """The export read and checked against the round, the persons joined to the register."""
    from samanalyse.io.datasets import load_round_data
    from samanalyse.survey.rounds import load_round

    return load_round_data(load_round(folder))


def weighted_tables(folder: Path, data: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every item's four substantive shares by RHF and by size class, raked, clusters = kommuner."""
    from samanalyse.analysis.weights import form_design, round_weights
    from samanalyse.stats.design import design_share
    from samanalyse.survey.rounds import load_round

    rnd = load_round(folder)
    weights = round_weights(rnd)
    cols = {}
    for q in range(N_ITEMS):
        item = data[f"q{q + 1}"]
        codes = item.cat.codes.to_numpy()
        for j, lab in enumerate(LABELS[:4]):
            cols[f"q{q + 1}_{j}"] = (codes == item.cat.categories.get_loc(lab)).astype(float)
    frame_y = pd.concat([data[["respondent", "rhf", "size_class"]].reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    frame_y["size_class"] = frame_y["size_class"].astype(str)
    design = form_design(frame_y, "ansatt", weights, weights.frame_size["ansatt"])
    return {by: design_share(design, list(cols), by=by) for by in ("rhf", "size_class")}


def whole_report(folder: Path, out: Path) -> tuple[float, float, dict]:
    """``samanalyse report`` in its own process: seconds, its peak memory (MiB) and the steps' times."""
    probe = ("import resource, sys; from samanalyse.cli import main; rc = main(sys.argv[1:]); "
             "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
    t0 = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", probe, "report", "--round", str(folder), "--out", str(out), "--quiet"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    if run.returncode != 0:
        print(run.stdout[-2000:], run.stderr[-4000:], file=sys.stderr)
        return float("inf"), float("inf"), {}
    peak = max(int(x) for x in run.stdout.split("PEAK", 1)[1].split()[:2]) / 1024.0
    steps = {s["step"]: s["seconds"] for s in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["steps"]}
    return took, peak, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the round and report here and keep them")
    args = parser.parse_args(argv)
    import samanalyse.analysis.weights  # noqa: F401 - imports are not what is measured
    import samanalyse.io.datasets  # noqa: F401
    import samanalyse.stats.design  # noqa: F401

    warnings.simplefilter("ignore")   # the export's renumbered kommuner etc. are not what is measured
    frame = _register()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        folder = make_round(base / "runde", frame)
        t0 = time.perf_counter()
        data = read_validate(folder)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        tables = weighted_tables(folder, data)
        t_tab = time.perf_counter() - t0
        peak_here = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        t_report, peak_report, steps = whole_report(folder, base / "rapport")
    got = {"read_validate_s": t_read, "weighted_tables_s": t_tab, "report_s": t_report,
           "peak_mib": max(peak_here, peak_report)}
    rows = sum(len(t) for t in tables.values())
    print(f"persons {len(data)}, kommuner {data['kommune'].nunique()}, frame {int(frame['staff'].sum())} persons, "
          f"weighted shares {rows} ({N_ITEMS} items x 4 categories x RHF/size class domains)")
    ok = True
    for k, v in got.items():
        hit = v <= TARGETS[k]
        ok &= hit
        print(f"  {k:20s} {v:8.2f}  (target <= {TARGETS[k]:g}) {'ok' if hit else 'MISSED'}")
    print(f"  peak memory: bench process {peak_here:.0f} MiB, report process {peak_report:.0f} MiB")
    print("  report steps: " + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
