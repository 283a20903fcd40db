"""Benchmark: a staff-level round, 100 000 persons in the 357 kommuner of 2024, weighted (issue 15, item 6).

Run with ``.venv/bin/python benchmarks/bench_weighting.py``. Generates (at bench time, in a
temporary folder; nothing is committed) a codebook with one form whose respondent is a
``person`` and 20 closed items, and a CSV export with a ``kommune`` column. The persons are
drawn from a synthetic staff frame (about 4 % of each kommune's 2024 population, at least 5)
with response rates that differ by size class, so raking has something to correct.

Measured (wall time, one process; peak resident memory ``ru_maxrss`` at the end):

1. read + validate: :func:`samanalyse.io.read.read_responses` of the export (the ``kommune``
   column ignored by the loader, read beside it) and the register join (RHF, size class). Target <= 5 s.
2. weighted tables: raking to the frame's person totals by RHF and size class from N/n, then every
   item's category shares by RHF and by size class with design-based SE and logit intervals
   (clusters = kommuner). Target <= 2 s.
3. peak memory. Target <= 1 GiB.

The whole report (target <= 60 s) is NOT measured: the report, ``Round.frame_units`` and the
respondents list know kommuner and helseforetak only (see the closing note of issue 15).
Exit code 1 if a target is missed.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_PERSONS = 100_000
N_ITEMS = 20
SEED = 20261201
TARGETS = {"read_validate_s": 5.0, "weighted_tables_s": 2.0, "peak_mib": 1024.0}
LABELS = ["Svært godt", "Nokså godt", "Nokså dårlig", "Svært dårlig", "Vet ikke/ikke aktuelt"]
SIZE_LABELS = ["Små kommuner", "Mellomstore kommuner", "Store kommuner"]
RESPONSE = {"Små kommuner": 0.25, "Mellomstore kommuner": 0.35, "Store kommuner": 0.5}


def _register() -> pd.DataFrame:
    from samanalyse.survey.registers import SizeClasses, kommuner

    reg = kommuner(2024)
    reg = reg[reg["er_kommune"].astype(str).isin(["True", "true", "1"])] if "er_kommune" in reg else reg
    classes = SizeClasses(labels=tuple(SIZE_LABELS), upper=(3000, 10000))
    out = pd.DataFrame({"rhf": reg["rhf"].astype(str),
                        "size_class": classes.classify(reg["folkemengde_2024"]).astype(str).to_numpy(),
                        "staff": np.maximum(5, (reg["folkemengde_2024"].astype(float) * 0.04).round()).astype(int)},
                       index=reg.index.astype(str))
    return out


def make_inputs(folder: Path, frame: pd.DataFrame) -> tuple[Path, Path]:
    """Write the codebook and the export of ``N_PERSONS`` persons; return their paths."""
    lines = ["codebook_version: 1", 'round: "bench-ansatte"', "forms:",
             "  ansatt: {label: Ansatte, respondent: person}", "scales:", "  tilfredshet:", "    categories:"]
    for i, lab in enumerate(LABELS, start=1):
        code, extra = (9, ", missing: dont_know") if lab.startswith("Vet ikke") else (i, "")
        lines.append(f'      - {{code: {code}, label: "{lab}"{extra}}}')
    lines.append("questions:")
    for q in range(N_ITEMS):
        lines += [f'  - number: "{q + 1}"', "    scale: tilfredshet", "    items:",
                  f'      - {{id: q{q + 1}, text: "Spørsmål {q + 1}"}}']
    cb = folder / "codebook.yaml"
    cb.write_text("\n".join(lines) + "\n", encoding="utf-8")
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
    csv = folder / "ansatte.csv"
    pd.DataFrame(data).to_csv(csv, index=False)
    return cb, csv


def read_validate(cb: Path, csv: Path, frame: pd.DataFrame) -> pd.DataFrame:
    from samanalyse.io.read import read_responses
    from samanalyse.survey.codebook import read_codebook

    resp = read_responses(csv, read_codebook(cb), "ansatt", mapping={"kommune": None})
    kommune = pd.read_csv(csv, usecols=["respondent", "kommune"], dtype=str).set_index("respondent")["kommune"]
    data = resp.data.join(kommune, on="respondent")
    data["kommune"] = data["kommune"].str.zfill(4)
    unknown = ~data["kommune"].isin(frame.index)
    if unknown.any():
        raise SystemExit(f"{int(unknown.sum())} persons in kommuner not in the 2024 register")
    return data.join(frame[["rhf", "size_class"]], on="kommune")


def weighted_tables(data: pd.DataFrame, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    from samanalyse.stats.design import design_share, survey_design
    from samanalyse.stats.weighting import rake

    margins = {m: frame.groupby(m)["staff"].sum().astype(float).to_dict() for m in ("rhf", "size_class")}
    n_frame = float(frame["staff"].sum())
    w = rake(data[["rhf", "size_class"]], margins, weights=[n_frame / len(data)] * len(data))
    cols = {}
    for q in range(N_ITEMS):
        item = data[f"q{q + 1}"].astype(object)
        for j, lab in enumerate(LABELS[:4]):
            cols[f"q{q + 1}_{j}"] = (item == lab).to_numpy(float)
    frame_y = pd.concat([data[["kommune", "rhf", "size_class"]].reset_index(drop=True), pd.DataFrame(cols)], axis=1)
    design = survey_design(frame_y, weights=w, clusters="kommune")
    return {by: design_share(design, list(cols), by=by) for by in ("rhf", "size_class")}


def main() -> int:
    import samanalyse.io.read  # noqa: F401 - imports are not what is measured
    import samanalyse.stats.design  # noqa: F401

    frame = _register()
    with tempfile.TemporaryDirectory() as tmp:
        cb, csv = make_inputs(Path(tmp), frame)
        t0 = time.perf_counter()
        data = read_validate(cb, csv, frame)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        tables = weighted_tables(data, frame)
        t_tab = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    got = {"read_validate_s": t_read, "weighted_tables_s": t_tab, "peak_mib": peak}
    rows = sum(len(t) for t in tables.values())
    print(f"persons {len(data)}, kommuner {data['kommune'].nunique()}, weighted shares {rows} "
          f"({N_ITEMS} items x 4 categories x RHF/size class domains)")
    ok = True
    for k, v in got.items():
        hit = v <= TARGETS[k]
        ok &= hit
        print(f"  {k:20s} {v:8.2f}  (target <= {TARGETS[k]:g}) {'ok' if hit else 'MISSED'}")
    print("  whole report          not measured: the report does not yet run a person-level round")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
