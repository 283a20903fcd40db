"""Speed and memory benchmarks of samanalyse, run on demand (``make bench``).

Each ``bench_*.py`` file in this folder is a standalone script: it prints its
figures and exits 0 when its targets are met, 1 when not. ``python -m
benchmarks`` runs them all; see ``benchmarks/README.md``.
"""
