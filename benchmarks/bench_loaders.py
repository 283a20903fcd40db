"""Benchmark: read and validate a CSV export of 100 000 respondents x 60 closed items.

Run with ``.venv/bin/python benchmarks/bench_loaders.py``. Generates the CSV (and a
synthetic codebook with 60 closed items, form ``person`` so that 100 000
respondents need no register) in a temporary folder, then measures
:func:`samanalyse.io.read.read_responses` in a fresh subprocess: wall time and
peak resident memory (``ru_maxrss``; the interpreter and pandas included).

Targets on a 2-core machine: <= 5 s and <= 1 GiB. Exit code 1 if a target is missed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_RESPONDENTS = 100_000
N_ITEMS = 60
TARGET_SECONDS = 5.0
TARGET_MIB = 1024.0

SCALES = {
    "erfaring": ["Ikke gjennomført", "Gjennomført med gode erfaringer",
                 "Gjennomført med usikre/dårlige erfaringer", "Vet ikke/ikke aktuelt"],
    "tilfredshet": ["Svært godt", "Nokså godt", "Nokså dårlig", "Svært dårlig", "Vet ikke/ikke aktuelt"],
}


def make_inputs(folder: Path, seed: int = 12345) -> tuple[Path, Path]:
    """Write the synthetic codebook and the CSV export; return their paths."""
    lines = ["codebook_version: 1", 'round: "bench"', "forms:", "  person: {label: Personer, respondent: person}",
             "scales:"]
    for name, labels in SCALES.items():
        lines.append(f"  {name}:")
        lines.append("    categories:")
        for i, lab in enumerate(labels, start=1):
            code = 9 if lab.startswith("Vet ikke") else i
            extra = ", missing: dont_know" if code == 9 else ""
            lines.append(f'      - {{code: {code}, label: "{lab}"{extra}}}')
    lines.append("questions:")
    names = list(SCALES)
    for q in range(N_ITEMS):
        lines += [f'  - number: "{q + 1}"', f"    scale: {names[q % 2]}", "    items:",
                  f'      - {{id: q{q + 1}, text: "Spørsmål {q + 1}"}}']
    cb = folder / "codebook.yaml"
    cb.write_text("\n".join(lines) + "\n", encoding="utf-8")

    rng = np.random.default_rng(seed)
    data = {"respondent": [f"R{i:06d}" for i in range(N_RESPONDENTS)]}
    for q in range(N_ITEMS):
        labels = np.array(SCALES[names[q % 2]] + [""], dtype=object)
        data[f"q{q + 1}"] = labels[rng.integers(0, len(labels), N_RESPONDENTS)]
    csv = folder / "export.csv"
    pd.DataFrame(data).to_csv(csv, sep=";", index=False, encoding="utf-8")
    return cb, csv


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from samanalyse.survey.codebook import read_codebook
    from samanalyse.io.responses import read_responses
    cb = read_codebook(sys.argv[1])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    resp = read_responses(sys.argv[2], cb, "person")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert resp.data.shape == (int(sys.argv[3]), int(sys.argv[4]) + 1), resp.data.shape
    print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024, "baseline_mib": base / 1024}))
    """
)


def main() -> int:
    """Generate the inputs, run the measurement in a subprocess and print the figures."""
    with tempfile.TemporaryDirectory(prefix="bench_loaders_") as tmp:
        t0 = time.perf_counter()
        cb, csv = make_inputs(Path(tmp))
        gen = time.perf_counter() - t0
        size_mib = csv.stat().st_size / 2**20
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(cb), str(csv), str(N_RESPONDENTS), str(N_ITEMS)],
            capture_output=True, text=True, check=False,
        )
        if out.returncode != 0:
            print(out.stdout, out.stderr, file=sys.stderr)
            return 1
        res = json.loads(out.stdout.strip().splitlines()[-1])
    ok = res["seconds"] <= TARGET_SECONDS and res["peak_mib"] <= TARGET_MIB
    print(
        f"bench_loaders: read+validate {N_RESPONDENTS:,} x {N_ITEMS} CSV ({size_mib:.0f} MiB, generated in "
        f"{gen:.1f} s): {res['seconds']:.2f} s (target <= {TARGET_SECONDS:g} s), peak memory "
        f"{res['peak_mib']:.0f} MiB (after imports {res['baseline_mib']:.0f} MiB; target <= {TARGET_MIB:g} MiB) "
        f"-> {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
