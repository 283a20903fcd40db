"""Work split over processes: the same results whatever the number of workers.

:func:`map_chunks` runs a function over a list of jobs, in this process or in
forked worker processes (Linux/macOS ``fork`` start method), and returns the
results in the jobs' order. The callers split their work into jobs that do not
depend on the number of workers (fixed-size chunks of resamples whose random
draws were made beforehand in one stream), so 1 worker and 2 workers give the
same numbers, bit for bit.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from samanalyse.stats.factor.checks import check_int

__all__ = ["default_workers", "resolve_workers", "map_chunks"]

T = TypeVar("T")


def default_workers() -> int:
    """Worker processes used by default: the CPUs this process may run on, at most 2."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(2, n))


def resolve_workers(workers: int | None) -> int:
    """``workers`` checked (an integer >= 1), or :func:`default_workers` for None."""
    return default_workers() if workers is None else check_int("workers", workers, 1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def map_chunks(fn: Callable[[Any], T], jobs: Sequence[Any], workers: int) -> list[T]:
    """``[fn(job) for job in jobs]``, over ``workers`` forked processes when more than one is asked for.

    Runs in this process when ``workers`` is 1, when there is at most one job,
    or where processes cannot be forked (``fn`` and the jobs are then never
    pickled). ``fn`` must be a module-level function.
    """
    if workers <= 1 or len(jobs) <= 1 or not _can_fork():
        return [fn(job) for job in jobs]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        return list(pool.map(fn, jobs, chunksize=max(1, len(jobs) // (2 * workers))))
