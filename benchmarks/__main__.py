"""Run every ``bench_*.py`` in this folder, each in its own process.

Usage: ``python -m benchmarks [NAME ...]`` (names without ``bench_`` or ``.py``
select benchmarks; default: all). Exit code 0 if every benchmark met its
targets, 1 otherwise.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and print one status line each."""
    wanted = set(argv if argv is not None else sys.argv[1:])
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem in wanted or s.stem.removeprefix("bench_") in wanted]
        unknown = wanted - {s.stem for s in scripts} - {s.stem.removeprefix("bench_") for s in scripts}
        if unknown:
            print(f"No benchmark called {', '.join(sorted(unknown))}; "
                  f"available: {', '.join(s.stem for s in sorted(HERE.glob('bench_*.py')))}", file=sys.stderr)
            return 2
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False).returncode
        status = "ok" if rc == 0 else f"FAILED (exit {rc})"
        print(f"== {script.name}: {status} in {time.perf_counter() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(script.name)
    print(f"{len(scripts) - len(failed)}/{len(scripts)} benchmarks met their targets"
          + (f"; missed: {', '.join(failed)}" if failed else "."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
