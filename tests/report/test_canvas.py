"""Tests of samanalyse.report.canvas: one layout per figure, PNGs with matplotlib's pixels, the same bytes on rerun."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from samanalyse.report import canvas


def _chart(*, title: str = "Andel «godt» per RHF, 2010", colorbar: bool = True, facecolor: str = "white"):
    """A small figure with what the report's figures have: bars, text, a legend, a colorbar, a note."""
    fig = canvas.new_figure((6.0, 3.5))
    fig.set_facecolor(facecolor)
    ax, ax2 = fig.subplots(1, 2)
    bars = ax.barh(np.arange(4), [12.5, 40.0, 77.0, 3.0], color="#1b4f72", label="Kommuner")
    for rect in bars:
        ax.text(rect.get_width() / 2, rect.get_y() + rect.get_height() / 2, f"{rect.get_width():.0f}",
                ha="center", va="center", fontsize=7, color="white")
    ax.set_yticks(range(4), ["Helse Nord", "Helse Midt-Norge", "Helse Vest", "Helse Sør-Øst"])
    canvas.set_title(ax, title, loc="left", fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    im = ax2.imshow(np.linspace(-1, 1, 12).reshape(4, 3), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    canvas.set_title(ax2, "Ladninger")
    if colorbar:
        fig.colorbar(im, ax=ax2, shrink=0.8, label="ladning")
    fig.supxlabel("Rekonstruerte data", fontsize=8, color="#a00", x=0.01, ha="left")
    return fig


def test_png_has_the_pixels_of_matplotlibs_own_png(tmp_path: Path) -> None:
    fig = canvas.freeze_layout(_chart())
    png = canvas.save_figure(fig, tmp_path / "a", formats=("png",))[0]
    ours = Image.open(png)
    ours.load()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=canvas.DPI)  # matplotlib's writer (Pillow), the reference
    theirs = Image.open(buf)
    assert ours.size == theirs.size == (900, 525)
    assert ours.mode == "RGB"              # an opaque figure: no alpha channel to store
    assert np.array_equal(np.asarray(ours), np.asarray(theirs.convert("RGB")))
    assert np.asarray(theirs)[:, :, 3].min() == 255
    assert ours.info["dpi"] == theirs.info["dpi"] == pytest.approx((canvas.DPI, canvas.DPI), abs=0.05)
    assert not ours.text                   # no software version or date


def test_png_of_a_transparent_figure_keeps_its_alpha(tmp_path: Path) -> None:
    fig = canvas.freeze_layout(_chart(facecolor="none"))
    ours = Image.open(canvas.save_figure(fig, tmp_path / "t", formats=("png",))[0])
    ours.load()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=canvas.DPI)
    theirs = Image.open(buf)
    assert ours.mode == "RGBA"
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))


def test_frozen_layout_is_the_constrained_layout_of_a_full_draw(tmp_path: Path) -> None:
    """The layout engine run alone puts every axes where draw_without_rendering (the old freeze) did."""
    new = canvas.freeze_layout(_chart())
    old = _chart()
    old.draw_without_rendering()
    old.set_layout_engine("none")
    assert new.get_layout_engine() is None            # so a save draws the figure once
    for a, b in zip(new.axes, old.axes, strict=True):
        mine, theirs = a.get_position(original=True).bounds, b.get_position(original=True).bounds
        assert np.allclose(mine, theirs, rtol=0, atol=1e-12)
    for f in ("png", "svg"):
        mine = canvas.save_figure(new, tmp_path / "new", formats=(f,))[0].read_bytes()
        theirs = canvas.save_figure(old, tmp_path / "old", formats=(f,))[0].read_bytes()
        assert mine == theirs, f


def test_set_title_lands_where_matplotlib_places_it() -> None:
    ours, theirs = canvas.new_figure((4, 3)), canvas.new_figure((4, 3))
    a, b = ours.subplots(), theirs.subplots()
    for ax in (a, b):
        ax.set_yticks([0, 1], ["én", "to"])
    canvas.set_title(a, "Tittel over to\nlinjer", loc="left", fontsize=9)
    b.set_title("Tittel over to\nlinjer", loc="left", fontsize=9)
    for fig in (ours, theirs):
        canvas.freeze_layout(fig)
        fig.canvas.draw()
    box = a._left_title.get_window_extent(ours.canvas.get_renderer())
    assert np.allclose(box.bounds, b._left_title.get_window_extent(theirs.canvas.get_renderer()).bounds)
    # ticks on top: matplotlib's own placement (above the tick labels)
    top = canvas.new_figure((4, 3)).subplots()
    top.xaxis.tick_top()
    assert canvas.set_title(top, "Tittel").get_position()[1] == 1.0 and top._autotitlepos is not False


@pytest.mark.parametrize("colorbar", [True, False])
def test_rebuilt_figures_save_the_same_bytes(tmp_path: Path, colorbar: bool) -> None:
    a = canvas.save_figure(canvas.freeze_layout(_chart(colorbar=colorbar)), tmp_path / "a")
    fig = canvas.freeze_layout(_chart(colorbar=colorbar))
    b = canvas.save_figure(fig, tmp_path / "b.png")
    c = canvas.save_figure(fig, tmp_path / "c")      # the same figure saved again
    assert [p.suffix for p in a] == [".png", ".svg"]
    for pa, pb, pc in zip(a, b, c, strict=True):
        assert pa.read_bytes() == pb.read_bytes() == pc.read_bytes(), pa.name
    svg = a[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "<text" not in svg   # no date; text as paths
