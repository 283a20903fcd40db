"""Background jobs of the report (samanalyse.report.background): a child never outlives the report process."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from samanalyse.report.background import can_fork

pytestmark = pytest.mark.skipif(not can_fork() or sys.platform != "linux", reason="fork and prctl: Linux")

#: A report process that starts two jobs that would run a minute, prints their pids and dies without
#: stopping them (as a process killed with SIGKILL would: no finally runs).
PARENT = """
import os, sys, time, types
from samanalyse.report.background import BackgroundJob
ctx = types.SimpleNamespace(data=None, facts={}, background={})
first = BackgroundJob(lambda c: time.sleep(60), ctx)
ctx.background["first"] = first
second = BackgroundJob(lambda c: time.sleep(60), ctx)
print(first._proc.pid, second._proc.pid, flush=True)
time.sleep(0.5)
os._exit(0)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"   # a zombie has ended
    except FileNotFoundError:
        return False


def test_children_end_when_the_report_process_dies() -> None:
    out = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "a background child outlived the report process"


def test_stop_signals_are_held_back_across_the_fork(monkeypatch):
    """SIGTERM/SIGHUP are blocked while the child is forked (so that a stop() sent at once cannot reach the
    report's raising handler in the child) and unblocked again in the parent afterwards."""
    import signal
    import types

    from samanalyse.report import background as bg

    if not hasattr(signal, "pthread_sigmask") or not bg.can_fork():
        pytest.skip("needs pthread_sigmask and fork")
    seen = []
    import multiprocessing.process as mpp

    real_start = mpp.BaseProcess.start

    def start(self):
        seen.append(signal.pthread_sigmask(signal.SIG_BLOCK, set()))   # the mask at the moment of the fork
        return real_start(self)

    monkeypatch.setattr(mpp.BaseProcess, "start", start)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    job = bg.BackgroundJob(len, types.SimpleNamespace(data=None, facts={}, background={}))
    job.stop()
    assert seen and {signal.SIGTERM, signal.SIGHUP} <= set(seen[0])
    assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == before


