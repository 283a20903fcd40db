"""The one-command report: regenerate a round's tables and figures into a folder.

:func:`build_report` runs named steps; each writes into a temporary folder,
which replaces the target folder only when every step has succeeded (nothing
half-written; see :mod:`samanalyse.report.output` for which folders may be
written and how). Output:

- ``index.html``: one self-contained report (Norwegian; the catalogue's table
  numbers and titles; for a round with published numbers the regenerated
  value, published value and difference side by side, and audit findings
  where they apply; a banner when the data is reconstructed; a short methods
  section; figures embedded);
- ``rapport.xlsx``: one sheet per table, percentages formatted, frozen
  headers, fitted column widths, no formulas;
- ``tables/*.csv``: every table in tidy form (with published value and
  difference when the round has published numbers);
- ``figures/*.png`` and ``*.svg``;
- ``manifest.json``: package version, inputs with sha256, settings, time per step.

With more than one worker (the default on a machine with two CPUs), the factor
analysis, the nonresponse model and the study tables' charts are computed ahead
in forked processes while the tables are built (:data:`BACKGROUND`,
:data:`BACKGROUND_STEPS`, :mod:`samanalyse.report.background`), each in its one
process;
the files are the same, byte for byte, and warnings and errors are reported as
by a report run in one process (``workers=1``). Each step's module is imported
when the step runs (:class:`Lazy`). The first steps, which load the data and
merge its small groups, run in a forked process while this one imports the
libraries the later steps and the background processes use
(:data:`SHARED_LIBRARIES`), once, so that every background process inherits
them instead of importing a copy of its own (:func:`head_steps`); having sent
the context back, that child computes the cell suppression ahead
(:data:`HEAD_PREPARED`).

Table files carry no timestamps, so a rerun on the same input gives
byte-identical CSV and XLSX files; run times go to ``manifest.json`` only.
"""

from __future__ import annotations

import dataclasses
import gc
import time
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from samanalyse.errors import SamanalyseWarning
from samanalyse.report.background import (BackgroundJob, WholeStep, as_sent, can_fork, job_key, raise_again,
                                          take_over)
from samanalyse.report.context import Context, ReportResult, ReportSettings
from samanalyse.report.manifest import (
    MANIFEST,
    build_manifest,
    round_inputs,
    write_manifest,
)
from samanalyse.report.output import report_folder, signals_deferred
from samanalyse.stats.factor.checks import blas_single_thread
from samanalyse.stats.factor.workers import resolve_workers
from samanalyse.survey.rounds import Round, load_round

__all__ = ["ReportResult", "ReportSettings", "build_report", "STEPS", "PUBLISHED_STEPS", "BACKGROUND",
           "BACKGROUND_STEPS", "SHARED_LIBRARIES", "HEAD_PREPARED", "Lazy", "head_steps"]


def _import_all(names: tuple[str, ...]) -> None:
    """Import modules ahead of their use; one that fails is left to its use, which then raises the error
    where it would have without this."""
    import importlib

    for name in names:
        try:
            with signals_deferred():   # a stop during an import is not swallowed by a library's bare except
                importlib.import_module(name)
        except ImportError:
            continue


class Lazy:
    """A report step's function, imported when it is first called (``Lazy("samanalyse.report.html", "write_html")``).

    The report's process then imports a step's modules and libraries only when it comes to that step
    (or while it waits for a child, :meth:`prefetch`), and a background process forked before pays for
    its own, so the two CPUs import and compute at once instead of one importing everything first
    (issue 17). A step run whole in a child is never imported by the report's process. ``key`` names
    the function for :meth:`~samanalyse.report.context.Context.prepared` before it is imported.
    """

    def __init__(self, module: str, name: str, *, needs: tuple[str, ...] = ()) -> None:
        self.module = module
        self.name = name
        self.needs = needs   # libraries the function imports when called (prefetched with the module)
        self.key = f"{self.module}.{name}"
        self.__name__ = self.__qualname__ = name

    def __call__(self, ctx: Context) -> Any:
        import importlib

        with signals_deferred():   # see _import_all
            module = importlib.import_module(self.module)
        return getattr(module, self.name)(ctx)

    def prefetch(self) -> None:
        """Import the function's module and the libraries it needs, without calling it."""
        _import_all((self.module, *self.needs))

    def __repr__(self) -> str:
        return f"Lazy({self.key!r})"


def _step_data(ctx: Context) -> None:
    """Load the round's data (through the validating loaders); audit the published numbers if there are any."""
    from samanalyse.io.datasets import load_round_data

    rnd = ctx.round
    ctx.data = load_round_data(rnd)
    if rnd.has_published:
        from samanalyse.published.audit import audit_round

        ctx.facts["audit_result"] = audit_round(rnd)
    ctx.inputs += round_inputs(rnd)


def _step_groups(ctx: Context) -> None:
    """Merge the small groups (disclosure rules, issue 16) before any analysis sees the data.

    The first half of disclosure control, cheap and apart from the cell suppression (``prikking``), so
    that the factor analysis can start in the background on the data every later step sees.
    """
    from samanalyse.report.sections.disclosure import merge_groups

    if ctx.round.disclosure is not None and ctx.data is not None:
        merge_groups(ctx, ctx.round.disclosure)


_R = "samanalyse.report."
#: The factor analysis and the figures of its results, computed ahead in a background process (:data:`BACKGROUND`);
#: the step draws the figures of the data alone itself while it runs.
_FACTORS = Lazy(_R + "sections.priorities", "prepare",
               needs=("samanalyse.analysis.priorities", _R + "figures", _R + "drawing", "scipy.stats",
                      "statsmodels.discrete.discrete_model", "statsmodels.tools.tools",
                      "matplotlib.backends.backend_agg"))
#: Report steps in run order: (name, function).
STEPS: list[tuple[str, Callable[[Context], None]]] = [
    ("data", _step_data),
    ("grupper", _step_groups),            # small groups merged (issue 16), before any step reads the data
    ("respondenter", Lazy(_R + "sections.respondents", "run")),
    # disclosure control (issue 16) before any table is published: tables/prikking.csv, and a hook in
    # ctx.hooks that masks every published frame holding suppressed cells
    ("prikking", Lazy(_R + "sections.disclosure", "run")),
    ("bortfall", Lazy(_R + "sections.nonresponse", "run")),         # nonresponse and weights (issue 15)
    ("tabeller", Lazy(_R + "sections.tables", "run")),
    ("revisjon", Lazy(_R + "sections.audit", "run")),
    ("indekser", Lazy(_R + "sections.indices", "run")),
    ("tester", Lazy(_R + "sections.tests", "run")),
    ("faktoranalyse", Lazy(_R + "sections.priorities", "run")),
    ("trend", Lazy(_R + "sections.trend", "run")),
    ("figurer", Lazy(_R + "charts", "run")),
    ("html", Lazy(_R + "html", "write_html")),
    ("xlsx", Lazy(_R + "xlsx", "write_xlsx", needs=("openpyxl", "openpyxl.styles"))),
]
#: Steps that need the round's published numbers (left out for a round without them).
PUBLISHED_STEPS = frozenset({"revisjon"})
#: Computations run ahead in a forked process (issue 17): once the named step is done, ``fn(ctx)`` starts
#: in the background; the step that needs it collects it with ``ctx.prepared(fn)``.
BACKGROUND: list[tuple[str, Callable[[Context], Any]]] = [
    # the factor analysis and its results' figures, while the tables are built; after the small groups are merged,
    # which replaces ctx.data by a copy (a job that saw data replaced since is computed again)
    ("grupper", _FACTORS),
    ("grupper", Lazy(_R + "sections.nonresponse", "prepare")),  # response against the frame, its model and chart
    # the study tables' charts (they need the table cells only), while the report's process goes on; it
    # draws those the background process has not begun when it comes to the step (charts.run)
    ("tabeller", Lazy(_R + "charts", "prepare")),
]
#: Libraries the report's process and its background processes both use: imported here while the first steps
#: run in a child (:func:`head_steps`), before the first fork of a background job, so that every such child
#: inherits them instead of importing a copy of its own (three copies of matplotlib, two of statsmodels: more
#: CPU than the report's own tables). A name missing here only costs time.
SHARED_LIBRARIES = ("scipy.stats", "statsmodels.genmod.generalized_linear_model", "statsmodels.genmod.families",
                    "statsmodels.discrete.discrete_model", "statsmodels.miscmodels.ordinal_model",
                    "matplotlib.figure", "matplotlib.backends.backend_agg")
#: Steps run whole in a forked process (issue 17): step -> the step after which it starts. Such a step may
#: only add files, figures and facts (:class:`~samanalyse.report.background.WholeStep`); at its place in
#: the order the report takes over what it added, unless the data or a fact was replaced meanwhile, and
#: otherwise (or if the child failed) runs it itself.
BACKGROUND_STEPS: dict[str, str] = {}


def _run_step(fn: Callable[[Context], None], ctx: Context) -> list[str]:
    """Run one step; return its samanalyse warnings as text (any other warning is shown as usual)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", SamanalyseWarning)
        fn(ctx)
    for w in seen:
        if not issubclass(w.category, SamanalyseWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return [f"{w.category.__name__}: {w.message}" for w in seen if issubclass(w.category, SamanalyseWarning)]


def head_steps(steps: list[tuple[str, Callable[[Context], None]]]) -> list[tuple[str, Callable[[Context], None]]]:
    """The first steps, run in a forked child while the report's process imports (with more than one worker).

    Up to the first step after which a background job starts (:data:`BACKGROUND`,
    :data:`BACKGROUND_STEPS`): loading the data and merging its small groups. These
    steps only need pandas; the jobs forked after them need the libraries of the
    analyses (:data:`SHARED_LIBRARIES`, the jobs' ``needs``), which the report's
    process imports meanwhile, on the CPU that would otherwise wait, once for itself
    and every background process. The child sends back the context as the steps left
    it. Empty when no background job starts.
    """
    starts = {after for after, _ in BACKGROUND} | set(BACKGROUND_STEPS.values())
    for i, (name, _) in enumerate(steps):
        if name in starts:
            return steps[:i + 1]
    return []


#: Context fields a report run is given (not filled by its steps): a context the head steps sent back
#: (:func:`head_steps`) is taken over but for these and the background jobs.
_GIVEN = frozenset({"round", "out", "settings", "lang", "compare", "workers", "background"})
#: Computations of later steps that the child of the :func:`head_steps` makes once it has sent the context
#: back, on a CPU the report's process leaves free while it imports: the cell suppression and the indices'
#: reliability (omega's bootstrap), which need only the merged data (each step collects its value with
#: ``ctx.prepared``; the child's failure leaves it to the step).
HEAD_PREPARED: list[Callable[[Context], Any]] = [Lazy(_R + "sections.disclosure", "prepare"),
                                                 Lazy(_R + "sections.indices", "prepare")]


class _Head:
    """The :func:`head_steps` in the child: the context they left, sent through ``side``; then each of the
    :data:`HEAD_PREPARED` computations, sent as soon as it is made: (key, ok, value, warnings)."""

    def __init__(self, steps: list[tuple[str, Callable[[Context], None]]], side: Connection,
                 prepared: list[Callable[[Context], Any]]) -> None:
        self.steps, self.side, self.prepared = steps, side, prepared

    def __call__(self, ctx: Context) -> None:
        from samanalyse.io.datasets import respondent_cache

        timings: list[tuple[str, float]] = []
        caught: list[str] = []
        with warnings.catch_warnings(record=True) as other:   # warnings other than samanalyse's
            for name, fn in self.steps:
                t0 = time.perf_counter()
                caught += [f"{name}: {w}" for w in _run_step(fn, ctx)]
                timings.append((name, time.perf_counter() - t0))
        self._send((dataclasses.replace(ctx, background={}), timings, caught, respondent_cache(), as_sent(other)))
        for fn in self.prepared:
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always", SamanalyseWarning)
                try:
                    value = fn(ctx)
                except Exception:  # noqa: BLE001 - the step computes it itself, meeting the real error
                    self._send((job_key(fn), False, None, []))
                    continue
            self._send((job_key(fn), True, value, as_sent(seen)))
        self._send(None)
        self._sender.join()

    _sender: Any = None

    def _send(self, message: Any) -> None:
        """Send ``message`` (None: the last) by a thread: a pipe holds 64 KiB, and the next computation
        need not wait until the report's process reads a larger one."""
        import pickle
        import queue
        import threading

        if self._sender is None:
            self._queue: queue.Queue[bytes | None] = queue.Queue()

            def send() -> None:
                while (item := self._queue.get()) is not None:
                    self.side.send_bytes(item)
                self.side.close()

            self._sender = threading.Thread(target=send, name="samanalyse-head", daemon=True)
            self._sender.start()
        self._queue.put(None if message is None else pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


class _HeadChannel:
    """The report's end of the head child's messages after the context: its computations, by key."""

    def __init__(self, job: BackgroundJob, conn: Connection) -> None:
        self.job, self.conn = job, conn
        self.got: dict[str, tuple[bool, Any, list[Any]]] = {}

    def get(self, key: str) -> tuple[bool, Any, list[Any]]:
        """The computation ``key``, waiting for it; ``(False, None, [])`` if the child failed or ended first."""
        import pickle

        while key not in self.got and not self.conn.closed:
            try:
                k, ok, value, caught = pickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                self.stop()
                break
            self.got[k] = (ok, value, caught)
        return self.got.pop(key, (False, None, []))

    def stop(self) -> None:
        self.job.stop()
        self.conn.close()

    @property
    def _conn(self) -> Connection:   # closed in every later child, as a job's own (background._die_with)
        return self.conn


class _HeadResult:
    """One :data:`HEAD_PREPARED` value as a background job of the context (``ctx.prepared`` collects it)."""

    def __init__(self, channel: _HeadChannel, key: str, ctx: Context) -> None:
        self.channel, self.key = channel, key
        self.data = ctx.data
        self.facts = dict(ctx.facts)

    def result(self) -> tuple[bool, Any]:
        ok, value, caught = self.channel.get(self.key)
        if not ok:
            return False, None
        raise_again(caught)
        return True, value

    def stop(self) -> None:
        """Nothing to end for this value alone: the child ends with the report's other jobs (or its last value)."""

    @property
    def _conn(self) -> Connection:   # closed in every later child, as a job's own (background._die_with)
        return self.channel.conn


def _import_ahead(ready: Callable[[], bool], later: list[tuple[str, Callable[[Context], None]]]) -> None:
    """While the head steps run in a child: import what every background job needs (:data:`SHARED_LIBRARIES`,
    the jobs' functions and their ``needs``), then, until the child is ``ready``, the modules of the later
    steps this process runs."""
    _import_all(SHARED_LIBRARIES)
    for _, fn in BACKGROUND:
        if isinstance(fn, Lazy):
            fn.prefetch()
    for name, fn in later:
        if ready():
            return
        if isinstance(fn, Lazy) and name not in BACKGROUND_STEPS:
            fn.prefetch()


def _run_head(steps: list[tuple[str, Callable[[Context], None]]], ctx: Context, timings: list[tuple[str, float]],
              caught: list[str]) -> int:
    """Run the :func:`head_steps` in a forked child and take over the context they left; the number run.

    0 if there are none or the child failed (the report then runs them itself and meets their errors).
    The child goes on with the :data:`HEAD_PREPARED` computations, left in ``ctx.background``.
    """
    import multiprocessing
    import pickle

    head = head_steps(steps)
    if not head:
        return 0
    _freeze_before_fork()
    side, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    later = {getattr(f, "module", None) for _, f in steps[len(head):]} - {None}   # the later steps' modules
    prepared = [fn for fn in HEAD_PREPARED if getattr(fn, "module", None) in later]
    # in ctx.background at once: the report's end (a failure, a signal, Ctrl-C) ends the child, before its
    # folder goes (a BackgroundJob stopped while it starts its child ends the child itself)
    channel = ctx.background["(head)"] = _HeadChannel(BackgroundJob(_Head(head, send, prepared), ctx), side)
    send.close()   # the child has the only sending end: its end (or failure) is seen here
    try:
        if not side.poll():
            _import_ahead(side.poll, steps[len(head):])
        done, head_timings, head_caught, read, shown = pickle.loads(side.recv_bytes())
    except (EOFError, OSError, pickle.UnpicklingError):   # the child failed before sending the context: the
        ctx.background.pop("(head)").stop()                 # steps are run here
        return 0
    from samanalyse.io.datasets import adopt_respondent_cache

    raise_again(shown)   # warnings other than samanalyse's, shown as usual
    adopt_respondent_cache(read)   # the later steps do not read the exports again (nor warn again)
    for f in dataclasses.fields(Context):
        if f.name not in _GIVEN:
            setattr(ctx, f.name, getattr(done, f.name))
    timings += head_timings
    caught += head_caught
    for fn in prepared:
        ctx.background[job_key(fn)] = _HeadResult(channel, job_key(fn), ctx)
    return len(head)


def _run_steps(steps: list[tuple[str, Callable[[Context], None]]], ctx: Context, workers: int,
               progress: Callable[[str], None] | None) -> tuple[list[tuple[str, float]], list[str]]:
    """Run the steps in order, starting the :data:`BACKGROUND` jobs; (time per step, warnings as text)."""
    timings: list[tuple[str, float]] = []
    caught: list[str] = []
    fork = workers > 1 and can_fork()

    def prefetch() -> None:   # while waiting for a child: import what the later steps run here will need
        for later, f in steps[len(timings) + 1:]:
            if isinstance(f, Lazy) and later not in ctx.background and later not in BACKGROUND_STEPS:
                f.prefetch()

    def done(i: int, name: str, dt: float) -> None:
        if progress:
            progress(f"[{i}/{len(steps)}] {name} ({dt:.1f} s)")

    try:
        start = _run_head(steps, ctx, timings, caught) if fork else 0
        for i, (name, dt) in enumerate(timings, 1):
            done(i, name, dt)
        if start:
            _start_jobs(steps[start - 1][0], steps, ctx, prefetch)
        for name, fn in steps[start:]:
            t0 = time.perf_counter()
            job = ctx.background.pop(name, None)   # a WholeStep's job, by step name
            run = fn if job is None else (lambda c, job=job, fn=fn: take_over(job, c) or fn(c))
            caught += [f"{name}: {w}" for w in _run_step(run, ctx)]
            dt = time.perf_counter() - t0
            timings.append((name, dt))
            done(len(timings), name, dt)
            if fork:
                _start_jobs(name, steps, ctx, prefetch)
    finally:  # a child still running (a step failed before collecting it) ends before the folder is removed
        for job in ctx.background.values():
            job.stop()
    return timings, caught


class _InOneProcess:
    """A background job's function, run in its child with ``ctx.workers = 1``.

    The report's own process and its other background processes already keep the CPUs busy, so a job
    that forked workers of its own (the bootstrap's, a second figure drawer) would only add the cost of
    more processes: measured on the 2010 report, 10 % more CPU in all for no shorter run (issue 17).
    The results do not depend on the number of workers.
    """

    def __init__(self, fn: Callable[[Context], Any]) -> None:
        self.fn = fn

    def __call__(self, ctx: Context) -> Any:
        ctx.workers = 1
        return self.fn(ctx)


def _start_jobs(name: str, steps: list[tuple[str, Callable[[Context], None]]], ctx: Context,
                prefetch: Callable[[], None]) -> None:
    """Fork the background jobs and whole steps that start after step ``name`` (:data:`BACKGROUND`,
    :data:`BACKGROUND_STEPS`), with the :data:`SHARED_LIBRARIES` imported here first (a no-op once done),
    so that they inherit them."""
    jobs: list[tuple[str, Callable[[Context], Any]]] = [(job_key(bg), bg) for after, bg in BACKGROUND
                                                         if after == name]
    jobs += [(s, WholeStep(f)) for s, f in steps if BACKGROUND_STEPS.get(s) == name]
    if jobs:
        _import_all(SHARED_LIBRARIES)
        _freeze_before_fork()
    for key, fn in jobs:
        job = BackgroundJob(_InOneProcess(fn), ctx)
        job.while_waiting = prefetch
        ctx.background[key] = job


def _freeze_before_fork() -> None:
    """Move every object made so far (the imported libraries, most of them) out of the garbage collector's reach.

    ``gc.freeze()``, as Python's documentation advises before a fork: a child's collections then do not
    touch the parent's objects (each touch copies a page), and the report's own full collections no longer
    go through the libraries' objects: measured on the 2010 report, 0.45 s of collecting in the report's
    process became 0.23 s, 0.13 s in its children 0.07 s (issue 17). :func:`build_report` unfreezes them
    when it ends. Nothing computed depends on it.
    """
    gc.freeze()


def _agg_backend() -> None:
    """Figures are drawn without a screen (matplotlib's Agg), without importing matplotlib for it.

    Set in the environment when matplotlib is not imported yet: a report in one process imports it when
    it first draws, one with background processes before their first fork (:data:`SHARED_LIBRARIES`).
    """
    import os
    import sys

    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"


def build_report(
    round: Round | str | Path,
    out: str | Path,
    *,
    settings: ReportSettings | None = None,
    progress: Callable[[str], None] | None = None,
    lang: str = "nb",
    compare: Round | str | Path | None = None,
    workers: int | None = None,
) -> ReportResult:
    """Regenerate a round's report into ``out`` (replaced whole, or not at all).

    Parameters
    ----------
    round : Round, str or Path
        The survey round (a :class:`~samanalyse.survey.rounds.Round`, a shipped
        round's name or a round folder).
    out : str or Path
        Target folder: new, empty, or an earlier report; written via a
        temporary folder and swapped in at the end.
    settings : ReportSettings, optional
        Seeds and iteration counts (recorded in the manifest); default: the
        round's plan (:meth:`ReportSettings.from_plan`).
    progress : callable, optional
        Called with one line of text per finished step.
    lang : {"nb", "en"}
        Language of the report's words (``data/translations/<lang>.yaml``); the tables are the same.
    compare : Round, str or Path, optional
        An earlier round: adds the trend section (``tables/trend.csv``, ``trend.html``).
    workers : int, optional
        Processes the report may use (default: the CPUs available, at most 2);
        1 runs every step in this process. The files do not depend on it.

    Returns
    -------
    ReportResult

    Raises
    ------
    OutputError
        If ``out`` may not be written (a file, a folder with other files, busy),
        or the disk refused a write; nothing is changed at ``out``.
    """
    _agg_backend()
    workers = resolve_workers(workers)
    rnd = load_round(round)
    settings = settings or ReportSettings.from_plan(rnd.plan)
    steps = [(n, fn) for n, fn in STEPS if (rnd.has_published or n not in PUBLISHED_STEPS)
             and (compare is not None or n != "trend")]
    with report_folder(out) as tmp:
        ctx = Context(round=rnd, out=tmp, settings=settings, lang=lang,
                      compare=load_round(compare) if compare is not None else None, workers=workers)
        # every matrix of a report is small: a multi-threaded BLAS would only wait for its threads (and take a
        # core from the background processes, which inherit the limit); the numbers are the same
        frozen = gc.get_freeze_count()
        try:
            with blas_single_thread():
                timings, caught = _run_steps(steps, ctx, workers, progress)
        finally:
            if not frozen:   # as the caller had it (a caller's own frozen objects stay frozen)
                gc.unfreeze()
        manifest = build_manifest(rnd, settings=settings.__dict__, inputs=ctx.inputs, files=ctx.files,
                                  steps=timings, facts=ctx.facts, warnings=caught)
        write_manifest(tmp, manifest)
        ctx.files.append(MANIFEST)
    return ReportResult(Path(out), tuple(sorted(ctx.files)), tuple(timings), ctx.facts.get("scorecard", {}))
