"""Benchmark: reconstruct the 2010 round (target: at most 60 s on the 2-core machine).

Run: .venv/bin/python benchmarks/bench_reconstruction.py [ROUND]   (a round name or folder; default 2010)
"""

from __future__ import annotations

import resource
import sys
import time


def main() -> None:
    round_ = sys.argv[1] if len(sys.argv) > 1 else "2010"
    t0 = time.perf_counter()
    from samanalyse.published.reconstruction import reconstruct

    t_import = time.perf_counter() - t0
    result = reconstruct(round_)
    total = time.perf_counter() - t0
    print(f"import: {t_import:.2f} s")
    for name, n_items, seconds in result.blocks:
        if seconds > 0.2:
            print(f"  block {name} ({n_items} items): {seconds:.2f} s")
    print(f"reconstruct(): {result.seconds:.2f} s; total with imports: {total:.2f} s (target <= 60 s)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(result.summary())
    raise SystemExit(0 if total <= 60 else 1)


if __name__ == "__main__":
    main()
