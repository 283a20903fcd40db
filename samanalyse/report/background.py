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
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from samanalyse.errors import SamanalyseWarning

__all__ = ["BackgroundJob", "can_fork", "WholeStep", "StepDelta", "take_over", "raise_again", "as_sent", "job_key"]

#: Signals that stop a report (and a child: its parent's :meth:`BackgroundJob.stop` sends SIGTERM).
_STOP_SIGNALS = {getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)}
#: A warning as sent from the child: category, message text, file, line.
_Warning = tuple[type[Warning], str, str, int]


def job_key(fn: Callable[[Any], Any]) -> str:
    """The name a background job of ``fn`` is found by: ``fn.key`` (a function not imported yet, such as the
    report's ``Lazy``), else its module and qualified name; the same for the function once imported."""
    key = getattr(fn, "key", None)
    return key if isinstance(key, str) else f"{fn.__module__}.{fn.__qualname__}"


def can_fork() -> bool:
    """Whether this platform can fork the report process (the ``fork`` start method exists)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _die_with(parent: int, ctx: Any, own: Connection) -> None:
    """In the child: end when the report process ``parent`` ends, however it ends.

    Linux delivers SIGTERM to the child when its parent dies (``prctl(PR_SET_PDEATHSIG)``); a parent
    gone before that was set ends the child at once. The read ends of its own and the other jobs' pipes,
    inherited from the parent, are closed, so a child whose parent died gets a broken pipe instead of waiting for
    a sibling to read what it sends.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):   # not Linux: the closed pipe ends still stop the child
        pass
    if os.getppid() != parent:
        os._exit(1)
    own.close()
    for job in list(getattr(ctx, "background", {}).values()):
        conn = getattr(job, "_conn", None)
        if conn is not None:
            conn.close()


def _child(conn: Connection, fn: Callable[[Any], Any], ctx: Any, parent: int, own: Connection) -> None:
    """In the forked child: run ``fn(ctx)`` catching its warnings as the report's steps do; send the outcome."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the parent, which stops this child
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    if _STOP_SIGNALS and hasattr(signal, "pthread_sigmask"):   # blocked by the parent across the fork
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with(parent, ctx, own)
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always", SamanalyseWarning)
            value = fn(ctx)
        caught = as_sent(seen)
        conn.send((True, value, caught))
    except BaseException:  # noqa: BLE001 - the parent computes the result itself, with the real error
        try:
            conn.send((False, None, []))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()


def as_sent(seen: list[warnings.WarningMessage]) -> list[_Warning]:
    """Warnings caught in a child as it sends them (category, text, file, line): :func:`raise_again` takes them."""
    return [(w.category, str(w.message), w.filename, w.lineno) for w in seen]


def raise_again(caught: list[_Warning]) -> None:
    """Raise the warnings a child caught, here (so the running step reports them as its own)."""
    for category, message, filename, lineno in caught:
        warnings.warn_explicit(message, category, filename, lineno)


class BackgroundJob:
    """``fn(ctx)`` computed in a forked child process; :meth:`result` collects it (see the module notes)."""

    def __init__(self, fn: Callable[[Any], Any], ctx: Any) -> None:
        self.fn = fn
        self.data = getattr(ctx, "data", None)   # the data the child sees (a step may replace ctx.data later)
        self.facts = dict(getattr(ctx, "facts", {}))   # and the facts
        sys.stdout.flush()   # the child must not write out what the parent has buffered
        sys.stderr.flush()
        mp = multiprocessing.get_context("fork")
        self._conn, child_conn = mp.Pipe(duplex=False)
        self._proc = mp.Process(target=_child, args=(child_conn, fn, ctx, os.getpid(), self._conn), daemon=False)
        # SIGTERM/SIGHUP held back across the fork: until _child has reset them, the child has the report's
        # handlers, which raise (report.output), and a stop() sent at once would unwind the copy of the report's
        # stack in the child, whose cleanup removes the report's temporary folder
        blocked = _STOP_SIGNALS and hasattr(signal, "pthread_sigmask")
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if blocked else None
        try:
            try:
                self._proc.start()
            finally:
                if old is not None:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)   # a stop held back is raised from here on
            child_conn.close()
        except BaseException:   # stopped while starting it: the child ends too (nobody else could end it)
            if self._proc.pid is not None:
                self._proc.terminate()
                self._proc.join()
            raise

    #: Called (once) when :meth:`collect` would have to wait for the child: work the waiting process can do
    #: meanwhile without changing any result (the report imports the libraries of its later steps).
    while_waiting: Callable[[], None] | None = None

    def collect(self) -> tuple[bool, Any, list[_Warning]]:
        """Wait for the child: ``(True, value, warnings)``, or ``(False, None, [])`` if it failed."""
        try:
            if self.while_waiting is not None and not self._conn.poll():
                self.while_waiting()
            ok, value, caught = self._conn.recv()
        except (EOFError, OSError):
            ok, value, caught = False, None, []
        finally:
            self.stop()
        return (True, value, caught) if ok else (False, None, [])

    def result(self) -> tuple[bool, Any]:
        """:meth:`collect`, with the child's warnings raised again here: ``(True, value)`` or ``(False, None)``."""
        ok, value, caught = self.collect()
        raise_again(caught)
        return ok, value

    def stop(self) -> None:
        """End the child if it is still running, and wait for it."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._conn.close()


@dataclass(frozen=True)
class StepDelta:
    """What a step run whole in the child added to the context: files, figures and facts (new or changed).

    ``before`` holds the pickles of the changed facts as the step found them; ``complete`` is False when
    the step changed more than that (its files are then removed and the parent runs it itself).
    """

    files: tuple[str, ...]
    figures: dict[str, Any]
    facts: dict[str, Any]
    before: dict[str, bytes]
    complete: bool


class WholeStep:
    """A report step run whole in the child (``BackgroundJob(WholeStep(fn), ctx)``); returns its :class:`StepDelta`.

    The step may only add files, figures and facts; if it changes the data, the hooks, the sections or
    the inputs, or removes a fact, the delta is not ``complete`` and the parent runs the step itself.
    """

    def __init__(self, fn: Callable[[Any], None]) -> None:
        self.fn = fn

    def __call__(self, ctx: Any) -> StepDelta:
        before = {k: pickle.dumps(v) for k, v in ctx.facts.items()}
        files, figures, hooks, inputs = list(ctx.files), dict(ctx.figures), list(ctx.hooks), list(ctx.inputs)
        data = ctx.data
        kept = pickle.dumps((ctx.sections, ctx.data))   # also changes made in place (a note added to a section)
        self.fn(ctx)
        same = (ctx.data is data and ctx.hooks == hooks and ctx.inputs == inputs and ctx.files[:len(files)] == files
                and set(before) <= set(ctx.facts) and pickle.dumps((ctx.sections, ctx.data)) == kept)
        changed = {k: v for k, v in ctx.facts.items() if k not in before or pickle.dumps(v) != before[k]}
        return StepDelta(tuple(ctx.files[len(files):]),
                         {k: v for k, v in ctx.figures.items() if figures.get(k) is not v}, changed,
                         {k: before[k] for k in changed if k in before}, same)


def take_over(job: BackgroundJob, ctx: Any) -> bool:
    """Add what a :class:`WholeStep` child added to ``ctx``, if that is what the step would add now.

    False if the child failed, or the step changed more than files, figures and facts, or since the fork
    a step replaced the data or any fact, or changed a fact this step changes: the files the child wrote
    are removed and the caller runs the step itself.
    """
    current = job.data is ctx.data and all(ctx.facts.get(k) is v for k, v in job.facts.items())
    ok, delta, caught = job.collect()
    if not ok:
        return False
    if not (current and delta.complete and all(pickle.dumps(ctx.facts.get(k)) == b for k, b in delta.before.items())):
        for name in delta.files:
            (ctx.out / name).unlink(missing_ok=True)
        return False
    raise_again(caught)
    ctx.files += list(delta.files)
    ctx.figures.update(delta.figures)
    ctx.facts.update(delta.facts)
    return True
