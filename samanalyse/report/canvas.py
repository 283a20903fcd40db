"""The report's figures on an Agg canvas: laid out once, saved as PNG and SVG with the same bytes on every run.

A figure is made with :func:`new_figure` (constrained layout, at the PNG's
resolution), laid out by :func:`freeze_layout` (the layout engine run once,
without a drawing of its own), then written by :func:`save_figure`. Frozen,
the figure has no layout engine left, so a save draws it once (``savefig``
adds a layout draw of its own per format while any engine, even a
placeholder, is set); laid out at the PNG's resolution, the PNG is drawn by
the renderer that laid it out, whose text metrics are already measured.
Titles set with :func:`set_title`, and axis labels without text, are not
placed anew on every draw.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure

from samanalyse.errors import OutputError
from samanalyse.stats.factor.checks import check_choice

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.text import Text

__all__ = ["DPI", "PNG_COMPRESSION", "new_figure", "set_title", "freeze_layout", "save_figure"]

#: Resolution of the PNGs (dots per inch); figures are laid out at it.
DPI = 150
#: zlib level of the PNGs: 1 packs these flat-coloured figures nearly as tight as 6, in half the time.
PNG_COMPRESSION = 1
#: rc settings of every save: SVG element ids from a fixed salt (not random), text as paths (no font needed),
#: the whole figure (not cropped by a matplotlibrc's ``savefig.bbox: tight``, so the PNG's rows are the figure's).
_SAVE_RC = {"svg.hashsalt": "samanalyse", "svg.fonttype": "path", "savefig.bbox": "standard"}


def new_figure(figsize: tuple[float, float], *, dpi: float = DPI) -> Figure:
    """A Figure on the Agg canvas (no pyplot, no global state) with constrained layout.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches.
    dpi : float
        The resolution the layout is computed at: the PNG's, so that saving it reuses the layout's renderer.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def set_title(ax: Axes, text: str, **kwargs: Any) -> Text:
    """``ax.set_title(text, **kwargs)`` at the top of the axes (``y=1``), where matplotlib would put it.

    matplotlib places a title without ``y`` anew on every draw, measuring the
    axes' tick labels (to lift it above tick labels at the top, which the
    report's axes do not have): a tenth of a figure's drawing time for
    nothing. Given ``y=1`` it skips that and the title lands where it did.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str
    **kwargs
        Further arguments of :meth:`matplotlib.axes.Axes.set_title` (``loc``, ``fontsize``).

    Returns
    -------
    matplotlib.text.Text
    """
    if ax.xaxis.get_ticks_position() not in ("bottom", "none") or ax.xaxis.get_label_position() == "top":
        return ax.set_title(text, **kwargs)  # something at the top: matplotlib's placement above it
    return ax.set_title(text, y=1.0, **kwargs)


def _fix_empty_labels(fig: Figure) -> None:
    """Stop matplotlib placing axis labels that have no text (an axis without ``set_xlabel``/``set_ylabel``).

    On every draw, and twice in each layout pass, matplotlib measures the tick
    labels once more to move the axis label clear of them; a label without
    text is neither drawn nor counted in the layout (its box is empty), so
    where it stands changes nothing, and fixed it costs nothing.
    """
    for ax in fig.axes:
        if not ax.xaxis.label.get_text():
            ax.xaxis.set_label_coords(0.5, 0.0)
        if not ax.yaxis.label.get_text():
            ax.yaxis.set_label_coords(0.0, 0.5)


def freeze_layout(fig: Figure) -> Figure:
    """Run the constrained layout once and freeze it (no layout engine left on the figure).

    Constrained layout with a colorbar moves axes a little on every draw, so
    saving the same figure twice gave different bytes; freezing the computed
    layout makes every save of the figure (and every rerun) byte-identical.
    Add further artists (and axis labels) before this point.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``, laid out.
    """
    import matplotlib

    _fix_empty_labels(fig)
    engine = fig.get_layout_engine()
    if engine is not None:  # the layout alone (not draw_without_rendering, whose drawing every save does again)
        engine.execute(fig)
    # None, not "none": "none" leaves a placeholder engine, and savefig draws a figure with any engine twice
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    return fig


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(rgba: bytes, width: int, dpi: float) -> bytes:
    """A PNG file of Agg's RGBA pixels (rows top down): RGB where every pixel is opaque, no text chunks.

    Written here rather than by Pillow, whose PNG writer tries every row
    filter on every row (most of its time on these figures); rows unfiltered
    and zlib at :data:`PNG_COMPRESSION` give files of about the same size in
    a third of the time, with the same pixels.
    """
    import numpy as np

    pixels = np.frombuffer(rgba, dtype=np.uint8)
    height = len(pixels) // (4 * width)
    if width <= 0 or height * 4 * width != len(pixels):
        raise OutputError(f"The figure's pixels ({len(pixels)} bytes) are not rows of {width} RGBA pixels.")
    pixels = pixels.reshape(height, width, 4)
    opaque = bool((pixels[:, :, 3] == 255).all())
    if opaque:
        pixels = pixels[:, :, :3]
    rows = np.zeros((height, 1 + pixels.shape[1] * pixels.shape[2]), dtype=np.uint8)  # filter byte 0: none
    rows[:, 1:] = pixels.reshape(height, -1)
    per_metre = int(dpi / 0.0254 + 0.5)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
                     _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_COMPRESSION)), _chunk(b"IEND", b"")])


def save_figure(fig: Figure, path: str | Path, *, formats: Sequence[str] = ("png", "svg"),
                dpi: int = DPI) -> list[Path]:
    """Write a figure as PNG and/or SVG with identical bytes on every run.

    The PNG has the pixels matplotlib's Agg renderer draws and no metadata but
    its resolution (no software version or date); SVG gets no date and a fixed
    hash salt for its element ids.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or Path
        File name without or with suffix; the suffix is replaced per format.
    formats : sequence of {"png", "svg"}
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written.
    """
    import matplotlib

    for f in formats:
        check_choice("format", f, ["png", "svg"])
    path = Path(path)
    out = []
    for f in formats:
        target = path.with_suffix("." + f)
        target.parent.mkdir(parents=True, exist_ok=True)
        with matplotlib.rc_context(_SAVE_RC):
            if f == "png":
                raw = io.BytesIO()
                fig.savefig(raw, format="rgba", dpi=dpi)  # the pixels savefig would put in the PNG
                target.write_bytes(_png(raw.getvalue(), int(fig.get_figwidth() * dpi), dpi))
            else:
                fig.savefig(target, format="svg", metadata={"Date": None, "Creator": None})
        out.append(target)
    return out
