"""Benchmark: the whole 2010 report, cold start (target: at most 10 s on the 2-core machine).

Runs ``samanalyse report`` in a fresh interpreter (imports included), three times, and
reports the wall time and the share spent importing libraries (``python -X importtime``).

Run: .venv/bin/python benchmarks/bench_report.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time


def main() -> None:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "samanalyse", "report", "--out", f"{tmp}/r{i}", "--quiet"], check=True)
            times.append(time.perf_counter() - t0)
        # import share: the top-level imports the report needs, in a fresh interpreter
        r = subprocess.run(
            [sys.executable, "-X", "importtime", "-c",
             "import samanalyse.report, samanalyse.factors, samanalyse.inference, samanalyse.audit, "
             "samanalyse.loaders, samanalyse.tables, matplotlib.pyplot, openpyxl"],
            capture_output=True, text=True, check=True)
    # top-level modules only (nested ones are indented after the last "|")
    top = sum(int(m.group(1)) for m in re.finditer(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", r.stderr, re.M))
    import_s = top / 1e6
    best = min(times)
    print(f"report cold start: {', '.join(f'{t:.2f}' for t in times)} s (best {best:.2f} s; target <= 10 s)")
    print(f"importing libraries: {import_s:.2f} s = {100 * import_s / best:.0f} % of the best run")
    raise SystemExit(0 if best <= 10 else 1)


if __name__ == "__main__":
    main()
