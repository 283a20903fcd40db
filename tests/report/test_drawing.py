"""Tests of samanalyse.report.drawing: figures drawn by two processes give the files one process writes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from samanalyse.report import canvas
from samanalyse.report.background import can_fork
from samanalyse.report.drawing import FigurePlan, draw_figures

needs_fork = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")


def _bars(title: str, values: list[float], pid_file: Path | None = None):
    """A small figure with bars, tick labels and a title; its maker writes the drawing process's id."""
    def make():
        if pid_file is not None:
            pid_file.write_text(str(os.getpid()))
        fig = canvas.new_figure((5.0, 2.5))
        ax = fig.subplots()
        ax.barh(np.arange(len(values)), values, color="#1b4f72")
        ax.set_yticks(range(len(values)), [f"Gruppe {i}" for i in range(len(values))], fontsize=8)
        canvas.set_title(ax, title, loc="left", fontsize=9)
        return canvas.freeze_layout(fig)
    return make


def _plans(tmp: Path) -> list[FigurePlan]:
    return [FigurePlan(f"fig{i}", f"Figur {i}", _bars(f"Andel {i}", [10.0 * (i + 1), 50.0, 70.0 - i],
                                                       tmp / f"pid{i}"))
            for i in range(5)]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@needs_fork
def test_two_workers_write_the_bytes_one_worker_writes_in_the_plans_order(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    pids = tmp_path / "pids"
    pids.mkdir()
    d1 = draw_figures(_plans(pids), one, workers=1)
    assert {(pids / f"pid{i}").read_text() for i in range(5)} == {str(os.getpid())}
    d2 = draw_figures(_plans(pids), two, workers=2)
    assert _files(one) == _files(two)
    assert sorted(_files(one)) == sorted(f"fig{i}.{s}" for i in range(5) for s in ("png", "svg"))
    assert [d.name for d in d2] == [f"fig{i}" for i in range(5)]
    assert [d.caption for d in d2] == [f"Figur {i}" for i in range(5)]
    assert [d.png for d in d2] == [two / f"fig{i}.png" for i in range(5)]
    # every second figure was drawn by another process, the others by this one
    drawn_by = [(pids / f"pid{i}").read_text() for i in range(5)]
    assert [p == str(os.getpid()) for p in drawn_by] == [True, False, True, False, True]


@needs_fork
def test_a_figure_that_fails_in_the_child_raises_its_error_here(tmp_path: Path) -> None:
    def broken():
        raise RuntimeError("figur 1 kan ikke tegnes")

    plans = _plans(tmp_path)
    plans[1] = FigurePlan("fig1", "Figur 1", broken)   # the child's figure
    with pytest.raises(RuntimeError, match="figur 1 kan ikke tegnes"):
        draw_figures(plans, tmp_path / "out", workers=2)


def test_one_figure_or_one_worker_is_drawn_here(tmp_path: Path) -> None:
    plans = _plans(tmp_path)[:1]
    (d,) = draw_figures(plans, tmp_path / "out", workers=2)
    assert (tmp_path / "pid0").read_text() == str(os.getpid())
    assert d.files == (tmp_path / "out" / "fig0.png", tmp_path / "out" / "fig0.svg")
    assert draw_figures([], tmp_path / "none", workers=2) == []


def test_a_name_planned_twice_is_drawn_once_from_its_last_plan_at_its_first_place(tmp_path: Path) -> None:
    plans = _plans(tmp_path)[:3]
    again = FigurePlan("fig0", "Figur 0 på nytt", _bars("Andel 0 på nytt", [1.0, 2.0]))
    drawn = draw_figures([*plans, again], tmp_path / "out", workers=1)
    assert [d.name for d in drawn] == ["fig0", "fig1", "fig2"]
    assert drawn[0].caption == "Figur 0 på nytt"
    assert not (tmp_path / "pid0").exists()   # the first plan of fig0 was never drawn


@needs_fork
def test_claimed_figures_are_drawn_once_by_whichever_process_comes_first(tmp_path: Path) -> None:
    """draw_claimed: a child and this process draw the same plans into one folder; each figure is drawn by
    exactly one of them (its maker runs once), the files are those one process writes, and a figure
    claimed already is left to its claimant."""
    from samanalyse.report.background import BackgroundJob
    from samanalyse.report.drawing import draw_claimed

    one, two, claims = tmp_path / "one", tmp_path / "two", tmp_path / "claims"
    pids = tmp_path / "pids"
    pids.mkdir()
    draw_figures(_plans(pids), one, workers=1)
    runs = tmp_path / "runs"
    runs.mkdir()

    def counted(plan: FigurePlan, i: int) -> FigurePlan:
        def make():
            (runs / f"{i}-{os.getpid()}").touch()
            return plan.make()
        return FigurePlan(plan.name, plan.caption, make)

    plans = [counted(p, i) for i, p in enumerate(_plans(pids))]
    (claims).mkdir()
    (claims / "fig4").touch()    # claimed by a process that never delivers: drawn by neither here
    job = BackgroundJob(lambda _ctx: draw_claimed(plans, two, claims), None)
    mine = draw_claimed(plans, two, claims)
    ok, theirs = job.result()
    assert ok
    names = sorted(d.name for d in [*mine, *theirs])
    assert names == ["fig0", "fig1", "fig2", "fig3"]            # each once, fig4 left to its claimant
    assert sorted(p.name.split("-")[0] for p in runs.iterdir()) == ["0", "1", "2", "3"]   # one drawing each
    assert {n: b for n, b in _files(two).items()} == {n: b for n, b in _files(one).items() if not n.startswith("fig4")}
    assert sorted(p.name for p in claims.iterdir()) == [f"fig{i}" for i in range(5)]
