"""The report's figures made and saved by two processes at once: the same files whatever the number of workers.

A figure is planned as its file name, its caption and a function that makes it
(:class:`FigurePlan`); :func:`draw_figures` makes every planned figure and saves
it into a folder as PNG and SVG (:func:`~samanalyse.report.canvas.save_figure`),
and says what it wrote, in the plans' order. Drawing text is most of a report's
figures' time (issue 17): with more than one worker, a forked process
(:class:`~samanalyse.report.background.BackgroundJob`) makes and saves every
second figure while this process does the others. A figure depends on its plan
only, so its files are the same, byte for byte, whichever process draws it; if
the child fails, this process draws its figures as well, raising the error the
child met, if any.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samanalyse.report.background import BackgroundJob, can_fork

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FigurePlan", "Drawn", "draw_figures", "draw_claimed", "unique_plans"]


@dataclass(frozen=True)
class FigurePlan:
    """A figure to draw: its file name (without suffix), its caption, and ``make()`` returning the figure."""

    name: str
    caption: str
    make: Callable[[], Figure]


@dataclass(frozen=True)
class Drawn:
    """A figure drawn: its file name, its caption and the files written (``name.png``, ``name.svg``)."""

    name: str
    caption: str
    files: tuple[Path, ...]

    @property
    def png(self) -> Path:
        """The PNG written (the report's HTML and workbook embed it)."""
        return next(p for p in self.files if p.suffix == ".png")


def _draw(plan: FigurePlan, folder: Path) -> Drawn:
    from samanalyse.report.canvas import save_figure

    paths = save_figure(plan.make(), folder / plan.name, formats=("png", "svg"))
    return Drawn(plan.name, plan.caption, tuple(paths))


def _draw_all(plans: Sequence[FigurePlan], folder: Path) -> list[Drawn]:
    return [_draw(p, folder) for p in plans]


def unique_plans(plans: Sequence[FigurePlan]) -> list[FigurePlan]:
    """One plan per figure name: a name planned twice keeps its last plan, at its first plan's place."""
    return list({p.name: p for p in plans}.values())


def draw_claimed(plans: Sequence[FigurePlan], folder: str | Path, claims: str | Path) -> list[Drawn]:
    """Draw, in the plans' order, each figure whose claim this process wins; what it drew.

    A claim is a file ``claims/<name>`` created only if it does not exist yet (``O_EXCL``), so of
    processes drawing the same plans into the same folder each figure is drawn by exactly one, the first
    to come to it: a background process draws the figures from the start, and the report's process, when
    it comes to the step, those the other has not begun (issue 17). The caller removes ``claims`` when
    every process is done, and draws itself any figure claimed but not delivered (a process that failed).

    Parameters
    ----------
    plans : sequence of FigurePlan
        The figures, as for :func:`draw_figures` (a name planned twice is drawn once).
    folder : str or Path
        Where the files go (``folder/<name>.png``, ``.svg``).
    claims : str or Path
        The folder of the claims, shared by the processes (created if missing).

    Returns
    -------
    list of Drawn
    """
    folder, claims = Path(folder), Path(claims)
    claims.mkdir(parents=True, exist_ok=True)
    drawn = []
    for plan in unique_plans(plans):
        try:
            os.close(os.open(claims / plan.name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:   # another process has it
            continue
        drawn.append(_draw(plan, folder))
    return drawn


def draw_figures(plans: Sequence[FigurePlan], folder: str | Path, *, workers: int = 1,
                 ctx: Any = None) -> list[Drawn]:
    """Make and save the planned figures into ``folder`` (PNG and SVG); what was written, in the plans' order.

    Parameters
    ----------
    plans : sequence of FigurePlan
        The figures; a name planned twice is drawn once, from its last plan, at its first plan's place.
    folder : str or Path
        Where the files go (``folder/<name>.png``, ``.svg``).
    workers : int
        Processes that may draw (default 1: this one); with 2 or more, and where processes can be forked,
        a child draws every second figure. The files do not depend on it.
    ctx : Context, optional
        The report's context, so that the child closes the other background jobs' pipes
        (:class:`~samanalyse.report.background.BackgroundJob`).

    Returns
    -------
    list of Drawn
    """
    plans, folder = unique_plans(plans), Path(folder)
    if workers <= 1 or len(plans) < 2 or not can_fork():
        return _draw_all(plans, folder)
    theirs = plans[1::2]
    job = BackgroundJob(lambda _ctx: _draw_all(theirs, folder), ctx)
    try:
        mine = _draw_all(plans[0::2], folder)
    except BaseException:   # this process failed: the child ends before the error leaves
        job.stop()
        raise
    ok, drawn = job.result()
    if not ok:   # the child failed: its figures drawn here (the same files; its error, if any, raised here)
        drawn = _draw_all(theirs, folder)
    by_name = {d.name: d for d in [*mine, *drawn]}
    return [by_name[p.name] for p in plans]
