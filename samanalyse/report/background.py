"""A report step's computation run ahead in a forked process, while the report's other steps run here.

:class:`BackgroundJob` forks the report process (Linux/macOS ``fork``), runs
``fn(ctx)`` in the child on the state the context had then, and sends back the
result together with every warning the computation raised. The step that needs
the result calls :meth:`BackgroundJob.result`: the warnings are raised again
there, in the step, so they are reported exactly as if the step had computed
them itself. Anything that goes wrong in the child (an exception, a result that
cannot be sent, the child killed) only means that the step computes the result
itself, so its errors are the same as without the background process.

The child writes files only into the report's temporary folder (for example
figures), which is removed whole if the report fails; :meth:`stop` ends a child
that is still running before that.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from samanalyse.errors import SamanalyseWarning

__all__ = ["BackgroundJob", "can_fork"]

#: A warning as sent from the child: category, message text, file, line.
_Warning = tuple[type[Warning], str, str, int]


def can_fork() -> bool:
    """Whether this platform can fork the report process (the ``fork`` start method exists)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _child(conn: Connection, fn: Callable[[Any], Any], ctx: Any) -> None:
    """In the forked child: run ``fn(ctx)`` catching its warnings as the report's steps do; send the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the parent, which stops this child
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", SamanalyseWarning)
            value = fn(ctx)
        caught: list[_Warning] = [(w.category, str(w.message), w.filename, w.lineno) for w in seen]
        conn.send((True, value, caught))
    except BaseException:  # noqa: BLE001 - the parent computes the result itself, with the real error
        try:
            conn.send((False, None, []))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()


class BackgroundJob:
    """``fn(ctx)`` computed in a forked child process; :meth:`result` collects it (see the module notes)."""

    def __init__(self, fn: Callable[[Any], Any], ctx: Any) -> None:
        self.fn = fn
        self.data = getattr(ctx, "data", None)   # the data the child sees (a step may replace ctx.data later)
        sys.stdout.flush()   # the child must not write out what the parent has buffered
        sys.stderr.flush()
        mp = multiprocessing.get_context("fork")
        self._conn, child_conn = mp.Pipe(duplex=False)
        self._proc = mp.Process(target=_child, args=(child_conn, fn, ctx), daemon=False)
        self._proc.start()
        child_conn.close()

    def result(self) -> tuple[bool, Any]:
        """Wait for the child: ``(True, value)`` with its warnings raised again here, or ``(False, None)``."""
        try:
            ok, value, caught = self._conn.recv()
        except (EOFError, OSError):
            ok, value, caught = False, None, []
        finally:
            self.stop()
        if ok:
            for category, message, filename, lineno in caught:
                warnings.warn_explicit(message, category, filename, lineno)
        return ok, value

    def stop(self) -> None:
        """End the child if it is still running, and wait for it."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()
