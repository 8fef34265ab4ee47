"""Optimiser paths that play step by step in a static web page.

A :class:`PathAnimation` holds two renderings of one figure:

* HTML (``_repr_html_``): the figure without the paths as a PNG, with the paths drawn on top
  as SVG polylines that a few lines of inline JavaScript extend one step at a time. It plays
  in the published book without a kernel and weighs one PNG plus the coordinates.
* PNG (``_repr_png_``): the last frame, every path drawn in full. Front ends that cannot run
  scripts show this still; so does the PDF, as vector graphics (``_repr_pdf_``) when the book is
  built for print (``BOOK_FIGURES=print``, :func:`codelib.plotting.print_figures`).

The output is deterministic: the element id is a hash of the content, so two builds of the
same cell give identical HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from . import _render
from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, positive_int
from .plotting import print_figures

__all__ = ["PathAnimation", "animate_paths"]

_SCRIPT = """
(function () {
  var root = document.getElementById("%(id)s");
  var lines = root.querySelectorAll("polyline");
  var heads = root.querySelectorAll("circle");
  var slider = root.querySelector("input");
  var label = root.querySelector("output");
  var button = root.querySelector("button");
  var paths = Array.prototype.map.call(lines, function (l) { return l.dataset.points.split(" "); });
  var last = %(last)d, step = 0, timer = null;
  function show(k) {
    step = k;
    paths.forEach(function (p, i) {
      var upto = Math.min(k, p.length - 1);
      lines[i].setAttribute("points", p.slice(0, upto + 1).join(" "));
      var xy = p[upto].split(",");
      heads[i].setAttribute("cx", xy[0]);
      heads[i].setAttribute("cy", xy[1]);
    });
    slider.value = k;
    label.textContent = "step " + k + " of " + last;
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = "Play"; }
  function play() {
    if (step >= last) { show(0); }
    button.textContent = "Pause";
    timer = setInterval(function () { if (step >= last) { stop(); } else { show(step + 1); } }, %(interval)d);
  }
  button.addEventListener("click", function () { if (timer) { stop(); } else { play(); } });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
  play();
})();
"""


class PathAnimation:
    """Paths on a figure, animated in HTML and a still PNG elsewhere.

    Create it with :func:`animate_paths`; displaying it in a notebook shows the animation.

    Attributes
    ----------
    background_png, still_png : bytes
        The figure without the paths, and with every path drawn in full.
    still_pdf : bytes or None
        The still as PDF when built for print, else None.
    pixel_paths : list of ndarray
        Each path in the PNG's pixel coordinates (x right, y down), shape ``(k, 2)``.
    size : tuple of int
        Width and height of both PNGs in pixels.
    """

    def __init__(self, background_png: bytes, still_png: bytes, pixel_paths: list[FloatArray],
                 styles: list[dict], size: tuple[int, int], clip_box: tuple[float, float, float, float],
                 alt: str, interval_ms: int, still_pdf: bytes | None = None) -> None:
        self.background_png = background_png
        self.still_pdf = still_pdf
        self.still_png = still_png
        self.pixel_paths = pixel_paths
        self.styles = styles
        self.size = size
        self.clip_box = clip_box
        self.alt = alt
        self.interval_ms = interval_ms

    def __repr__(self) -> str:
        # No memory address: notebook outputs must be identical from build to build.
        return f"PathAnimation({len(self.pixel_paths)} paths, {self.n_steps} steps)"

    @property
    def n_steps(self) -> int:
        """The number of steps of the longest path."""
        return max(len(p) for p in self.pixel_paths) - 1

    def _repr_png_(self) -> bytes:
        return self.still_png

    def _repr_pdf_(self) -> bytes | None:
        return self.still_pdf

    def _repr_html_(self) -> str:
        element_id = f"codelib-animation-{_render.digest(self.still_png, self.background_png)}"
        width, height = self.size
        x0, y0, x1, y1 = self.clip_box
        shapes = []
        for path, style in zip(self.pixel_paths, self.styles):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in path)
            color = style["color"]
            # dashes as matplotlib draws a 2.5-pixel line (1.8 points at 100 dpi), so paths read in greyscale
            dash = _render.svg_dasharray(style["linestyle"], 1.8, 100 / 72)
            shapes.append(
                f'<polyline data-points="{points}" points="" fill="none" stroke="{color}" '
                f'stroke-dasharray="{dash}" stroke-width="2.5" stroke-linejoin="round" '
                f'clip-path="url(#{element_id}-clip)"/>'
                f'<circle r="5" cx="{path[0, 0]:.1f}" cy="{path[0, 1]:.1f}" fill="{color}" '
                f'clip-path="url(#{element_id}-clip)"/>')
        script = _SCRIPT % {"id": element_id, "last": self.n_steps, "interval": self.interval_ms}
        return (
            f'<div class="codelib-animation" id="{element_id}" style="max-width:{width}px">'
            f'<div style="position:relative">'
            f'<img src="{_render.data_uri(self.background_png)}" alt="{html.escape(self.alt)}" '
            f'style="width:100%;display:block"/>'
            f'<svg viewBox="0 0 {width} {height}" aria-hidden="true" '
            f'style="position:absolute;left:0;top:0;width:100%;height:100%">'
            f'<clipPath id="{element_id}-clip"><rect x="{x0:.1f}" y="{y0:.1f}" '
            f'width="{x1 - x0:.1f}" height="{y1 - y0:.1f}"/></clipPath>'
            f'{"".join(shapes)}</svg></div>'
            f'<div style="display:flex;gap:0.5em;align-items:center">'
            f'<button type="button">Pause</button>'
            f'<input type="range" min="0" max="{self.n_steps}" value="0" step="1" '
            f'aria-label="optimisation step" style="flex:1"/><output>step 0 of {self.n_steps}</output>'
            f'</div><script>{script}</script></div>')


def animate_paths(ax: Axes, paths: Sequence[ArrayLike], *, labels: Sequence[str] | None = None,
                  alt: str, interval_ms: int = 120, dpi: int = 100) -> PathAnimation:
    """Animate optimiser paths on the plot in ``ax`` (for example a contour plot).

    The figure of ``ax`` is rendered twice, without and with the paths, and then closed, so a
    notebook shows only the animation.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        A 2-D axes holding the background (contours, a landscape).
    paths : sequence of array_like
        One ``(k, 2)`` array of points per path, such as ``Trajectory.points``. Paths may have
        different lengths (a diverged run stops early); each stops at its last point.
    labels : sequence of str, optional
        Legend entries, one per path.
    alt : str
        Text alternative for readers who cannot see the figure (required, for accessibility).
    interval_ms : int, default 120
        Milliseconds between steps.
    dpi : int, default 100
        Resolution of the PNGs, >= 10.

    Returns
    -------
    PathAnimation

    Raises
    ------
    TypeError
        If ``ax`` is not a matplotlib Axes, ``alt`` is not a non-empty string, or ``paths`` or
        ``labels`` is not a list.
    ValueError
        If a path is not a ``(k, 2)`` array of finite numbers, no path is given, the number of
        labels does not match, or ``dpi < 10``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> animation = animate_paths(ax, [[[0, 0], [1, 1], [2, 0]]], alt="a zig-zag path")
    >>> animation.n_steps, animation._repr_png_()[:4] == b"\\x89PNG"
    (2, True)
    """
    if not isinstance(ax, Axes) or ax.name != "rectilinear":
        raise TypeError(f"ax must be a 2-D matplotlib Axes, got {type(ax).__name__}.")
    if not isinstance(alt, str) or not alt.strip():
        raise TypeError("alt must be a non-empty string describing the animation for screen readers.")
    if isinstance(paths, np.ndarray) and paths.ndim == 2:
        raise ValueError("paths must be a sequence of (k, 2) arrays; wrap a single path in a list.")
    if isinstance(paths, (str, bytes, dict)) or not hasattr(paths, "__iter__"):
        raise TypeError(f"paths must be a list of (k, 2) arrays of points, got {type(paths).__name__}.")
    arrays = [as_float_array(p, f"paths[{i}]") for i, p in enumerate(paths)]
    if not arrays:
        raise ValueError("paths is empty; pass at least one (k, 2) array of points.")
    for i, array in enumerate(arrays):
        if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
            raise ValueError(f"paths[{i}] must have shape (k, 2), got {array.shape}.")
    if labels is not None and (isinstance(labels, (str, bytes, dict)) or not hasattr(labels, "__len__")
                               or not hasattr(labels, "__getitem__")):
        raise TypeError(f"labels must be a list of strings, one per path, got {type(labels).__name__}.")
    if labels is not None and len(labels) != len(arrays):
        raise ValueError(f"labels has {len(labels)} entries for {len(arrays)} paths; pass one per path.")
    interval_ms = positive_int(interval_ms, "interval_ms")
    dpi = positive_int(dpi, "dpi")
    if dpi < 10:  # below, matplotlib cannot render text (FreeType: "invalid ppem value")
        raise ValueError(f"dpi must be an integer >= 10, got {dpi}.")

    figure = ax.figure
    styles = [{"color": style["color"], "linestyle": style["linestyle"]}
              for style in _render.line_styles(len(arrays))]
    if labels is not None:
        handles = [Line2D([], [], marker="o", label=lab, **style) for style, lab in zip(styles, labels)]
        # An explicit loc="best" places it as the default does, without matplotlib's timing
        # warning ("can be slow"), which a busy machine triggers and a strict build fails on.
        ax.legend(handles=handles, loc="best")
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    background = _render.png(figure, dpi)

    width, height = _render.pixel_size(figure, dpi)
    pixel_paths = [_render.to_pixels(ax, array, dpi) for array in arrays]
    clip_box = _render.clip_box(ax, dpi)

    for array, style in zip(arrays, styles):
        ax.plot(array[:, 0], array[:, 1], marker="o", markersize=3, **style)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    still = _render.png(figure, dpi)
    still_pdf = _render.pdf(figure) if print_figures() else None
    plt.close(figure)  # release it from pyplot, so the notebook shows only the animation
    return PathAnimation(background, still, pixel_paths, styles, (width, height), clip_box, alt,
                         interval_ms, still_pdf)

