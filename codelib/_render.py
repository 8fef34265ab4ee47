"""Rendering helpers shared by :mod:`codelib.animation` and :mod:`codelib.explorable`.

Both draw a figure once as a PNG background and the variable part as SVG on top of it, in the
PNG's pixel coordinates. The helpers here take validated input (the module is private).
"""

from __future__ import annotations

import base64
import hashlib
import io

import matplotlib as mpl
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._typing import FloatArray

__all__ = ["png", "draw", "canvas_png", "draw_over", "data_uri", "digest", "line_styles", "svg_dasharray",
           "pixel_size", "to_pixels", "clip_box"]


def png(figure: Figure, dpi: float) -> bytes:
    """The whole canvas of ``figure`` as PNG bytes, without a timestamp or version (deterministic)."""
    buffer = io.BytesIO()
    # The full canvas, never "tight" (the house style's default): the pixel coordinates of the
    # variable part are computed on the full canvas.
    with plt.rc_context({"savefig.bbox": "standard"}):
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def pdf(figure: Figure) -> bytes:
    """The figure as it stands as vector PDF, without dates or producer (deterministic)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", bbox_inches=None,
                   metadata={"Creator": None, "Producer": None, "CreationDate": None})
    return buffer.getvalue()


def draw(figure: Figure) -> FigureCanvasAgg:
    """Draw ``figure`` on an Agg canvas at its current dpi (its own canvas if it is one) and return it."""
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    return canvas


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """What ``canvas`` shows now as PNG bytes, without a timestamp or version (deterministic)."""
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, np.asarray(canvas.buffer_rgba()), format="png", dpi=canvas.figure.dpi,
                            metadata={"Software": None})
    return buffer.getvalue()


def draw_over(canvas: FigureCanvasAgg, artists: list[Artist]) -> None:
    """Draw ``artists`` (of axes of the canvas's figure) on top of what the canvas shows, in zorder,
    without drawing the rest again (a blit: the figure's text is laid out once)."""
    renderer = canvas.get_renderer()
    for artist in sorted(artists, key=lambda a: a.get_zorder()):
        artist.draw(renderer)


def data_uri(png_bytes: bytes) -> str:
    """A ``data:image/png;base64,...`` URI of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")


def digest(*parts: bytes | str) -> str:
    """A short content hash (12 hex digits) of ``parts``: element ids that repeat from build to build."""
    sha = hashlib.sha1()
    for part in parts:
        sha.update(part.encode("utf-8") if isinstance(part, str) else part)
    return sha.hexdigest()[:12]


def line_styles(n: int) -> list[dict]:
    """The first ``n`` colour/line-style pairs of the current property cycle, and the line width."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()
    colors = cycle.get("color", ["black"])
    dashes = cycle.get("linestyle", ["-"])
    width = float(mpl.rcParams["lines.linewidth"])
    return [{"color": mpl.colors.to_hex(colors[i % len(colors)], keep_alpha=False),
             "linestyle": dashes[i % len(dashes)], "linewidth": width} for i in range(n)]


def svg_dasharray(linestyle: object, linewidth: float, px_per_point: float) -> str:
    """A matplotlib line style (name, short name or ``(offset, (on, off, ...))``) as an SVG dash array.

    ``linewidth`` is in points; the dash lengths are scaled by it as matplotlib does
    (``lines.scale_dashes``) and given in pixels. Anything unknown is drawn solid.
    """
    names = {"--": "dashed", ":": "dotted", "-.": "dashdot"}
    style = names.get(linestyle, linestyle) if isinstance(linestyle, str) else linestyle
    if isinstance(style, str) and style in ("dashed", "dotted", "dashdot"):
        pattern = mpl.rcParams[f"lines.{style}_pattern"]
    elif isinstance(style, tuple) and len(style) == 2 and style[1]:
        pattern = style[1]
    else:
        return "none"
    scale = (linewidth if mpl.rcParams["lines.scale_dashes"] else 1.0) * px_per_point
    return ",".join(f"{max(float(v) * scale, 0.5):.1f}" for v in pattern)


def pixel_size(figure: Figure, dpi: float) -> tuple[int, int]:
    """Width and height in pixels of ``figure`` saved at ``dpi`` (the full canvas)."""
    width, height = (int(round(v)) for v in figure.get_size_inches() * dpi)
    return width, height


def to_pixels(ax: Axes, points: FloatArray, dpi: float) -> FloatArray:
    """Data coordinates ``(..., 2)`` of ``ax`` as pixel coordinates of the PNG saved at ``dpi``.

    x runs right and y down from the top-left corner. NaN stays NaN; on a log axis a value
    ``<= 0`` maps far outside the canvas, as matplotlib clips it.
    """
    figure = ax.figure
    scale = dpi / figure.dpi
    height = pixel_size(figure, dpi)[1]
    flat = points.reshape(-1, 2)
    with np.errstate(all="ignore"):
        display = ax.transData.transform(flat) * scale
    pixels = np.column_stack([display[:, 0], height - display[:, 1]])
    return pixels.reshape(points.shape)


def clip_box(ax: Axes, dpi: float) -> tuple[float, float, float, float]:
    """The axes area of ``ax`` in pixel coordinates: ``(left, top, right, bottom)``."""
    figure = ax.figure
    scale = dpi / figure.dpi
    height = pixel_size(figure, dpi)[1]
    (x0, y0), (x1, y1) = ax.bbox.get_points() * scale
    return (x0, height - y1, x1, height - y0)
