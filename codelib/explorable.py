"""Figures the reader varies with sliders, precomputed by the page and played without a kernel.

An *explorable* shows a family of results indexed by one or two parameters, each a 1-D grid of
values: optimiser paths, curves ``y`` over ``x`` or images, computed beforehand by the page's
own Python. :func:`explore` turns them into an :class:`Explorable`, which a notebook displays

* as HTML (``_repr_html_``): the figure without its variable part as one PNG, the variable part
  as SVG on top (paths and curves as SVG paths, images as ``<image>`` elements), one labelled
  ``<input type="range">`` per parameter and, when there are paths, a step slider and a Play
  button. A short inline script switches the SVG to the precomputed result of the chosen values;
  it plays in a static web page without a kernel and is keyboard accessible (arrow keys,
  Home/End, PageUp/PageDown on each slider);
* as PNG (``_repr_png_``): a still at the value the caller states (``still``, default the first
  of each grid), every path drawn in full. The PDF build and front ends without scripts show it;
  when the book is built for print (``BOOK_FIGURES=print``) the still is also vector PDF
  (``_repr_pdf_``), which the LaTeX build prefers.

The variable part is described by *layers*, each on one axes of the figure:
:func:`paths_layer` (paths revealed step by step), :func:`curves_layer` (curves drawn in full)
and :func:`images_layer`. The axes keep what the caller drew on them (contours, labels, a
landscape) as the background.

The output is deterministic: no timestamp, element ids from a hash of the content, so two builds
of the same cell give byte-identical HTML. Every drawn SVG element carries ``data-layer``,
``data-param-index`` (the grid indices it shows, such as ``"3,0"``) and, for paths,
``data-step``, so a test can read back what is drawn.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import matplotlib as mpl
import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.lines import Line2D

from . import _render
from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, as_real, positive_int, show
from .plotting import print_figures

__all__ = ["Explorable", "Layer", "explore", "paths_layer", "curves_layer", "images_layer"]

#: Radius in pixels of the marker at the head of a path.
HEAD_RADIUS = 4.0
#: Coordinates are written in whole units of 1/SUBPIXELS pixel.
SUBPIXELS = 4
#: Coordinates are kept within this many figure sizes around the figure (segments are clipped).
MARGIN = 1.0

_SCRIPT = """
(function () {
  var here = document.currentScript;  // the root is the script's parent, even when an output repeats
  var root = here && here.parentElement.classList.contains("codelib-explorable")
    ? here.parentElement : document.getElementById("%(id)s");
  var data = JSON.parse(root.querySelector("script.codelib-explorable-data").textContent);
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  var sliders = root.querySelectorAll("input.codelib-explorable-param");
  var values = root.querySelectorAll("output.codelib-explorable-value");
  var stepper = root.querySelector("input.codelib-explorable-step");
  var stepValue = root.querySelector("output.codelib-explorable-step-value");
  var note = root.querySelector("output.codelib-explorable-note");
  var button = root.querySelector("button");
  var drawn = root.querySelectorAll("[data-layer]");
  var cache = {}, timer = null, last = data.steps;
  function expand(layer, path, flat) {
    var key = layer + "/" + path + "/" + flat;
    if (!(key in cache)) {
      var tokens = [], heads = [], x = 0, y = 0;
      data.layers[layer].items[path][flat].split(" ").forEach(function (token) {
        var star = token.indexOf("*"), n = star < 0 ? 1 : parseInt(token.slice(star + 1), 10);
        for (var r = 0; r < n; r++) { tokens.push(star < 0 ? token : token.slice(0, star)); }
      });
      tokens.forEach(function (token) {
        var move = /([Ml])(-?[0-9]+),(-?[0-9]+)/g, m;
        while ((m = move.exec(token))) {
          if (m[1] === "M") { x = parseInt(m[2], 10); y = parseInt(m[3], 10); }
          else { x += parseInt(m[2], 10); y += parseInt(m[3], 10); }
        }
        heads.push(token === "" || token.charAt(token.length - 1) === "~" ? null : [x, y]);
      });
      cache[key] = {tokens: tokens, heads: heads};
    }
    return cache[key];
  }
  function flatIndex(shape, index) {
    var f = 0;
    for (var d = 0; d < shape.length; d++) { f = f * shape[d] + Math.min(index[d], shape[d] - 1); }
    return f;
  }
  function draw() {
    var index = Array.prototype.map.call(sliders, function (s) { return parseInt(s.value, 10); });
    var step = stepper ? parseInt(stepper.value, 10) : last;
    each(drawn, function (el) {
      var number = parseInt(el.getAttribute("data-layer"), 10), layer = data.layers[number];
      var flat = flatIndex(layer.shape, index), path = parseInt(el.getAttribute("data-path"), 10);
      if (layer.kind === "images") {
        el.setAttribute("href", layer.items[path][flat]);
      } else {
        var path_ = expand(number, path, flat), t = path_.tokens;
        var upto = layer.kind === "paths" ? Math.min(step, t.length - 1) : t.length - 1;
        if (el.tagName.toLowerCase() === "circle") {
          var xy = path_.heads[upto];
          el.setAttribute("visibility", xy ? "visible" : "hidden");
          if (xy) { el.setAttribute("cx", String(xy[0])); el.setAttribute("cy", String(xy[1])); }
        } else {
          el.setAttribute("d", t.slice(0, upto + 1).join("").replace(/~/g, ""));
        }
        if (layer.kind === "paths") { el.setAttribute("data-step", String(step)); }
      }
      el.setAttribute("data-param-index", index.join(","));
    });
    each(sliders, function (s, d) {
      var text = data.values[d][index[d]];
      s.setAttribute("aria-valuetext", data.names[d] + " = " + text);
      values[d].textContent = text;
    });
    if (stepper) {
      stepper.setAttribute("aria-valuetext", "step " + step + " of " + last);
      stepValue.textContent = step + " of " + last;
    }
    note.textContent = data.notes[flatIndex(data.shape, index)];
  }
  function stop() { clearInterval(timer); timer = null; button.textContent = "Play"; }
  if (button) {
    var stride = Math.max(1, Math.round(last / 100));
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (parseInt(stepper.value, 10) >= last) { stepper.value = "0"; draw(); }
      button.textContent = "Pause";
      timer = setInterval(function () {
        var next = Math.min(last, parseInt(stepper.value, 10) + stride);
        stepper.value = String(next);
        draw();
        if (next >= last) { stop(); }
      }, %(interval)d);
    });
    stepper.addEventListener("input", function () { stop(); draw(); });
  }
  each(sliders, function (s) { s.addEventListener("input", draw); });
  draw();
})();
"""


class Layer(NamedTuple):
    """One variable part of an explorable, on one axes; made by :func:`paths_layer`,
    :func:`curves_layer` or :func:`images_layer`.

    Attributes
    ----------
    kind : str
        ``"paths"``, ``"curves"`` or ``"images"``.
    ax : matplotlib.axes.Axes
        The axes it is drawn on.
    data : ndarray
        Paths and curves: points ``(*grid, k, m, 2)`` or ``(*grid, m, 2)``; images ``(*grid, h, w)``.
        NaN and inf are kept (see :func:`paths_layer`).
    labels : tuple of str, or None
        Legend entries, one per path or curve.
    styles : tuple of dict
        Paths and curves: the property cycle (colour, line style and width) in effect when the
        layer was made; :func:`explore` gives the paths of a grid point its entries in turn,
        continuing after earlier layers on the same axes with the same cycle, as successive
        ``ax.plot`` calls do. Images: one dict with ``cmap``, ``vmin``, ``vmax`` and ``extent``.
    diverged : ndarray of bool, or None
        Paths only: which runs diverged, shape ``grid`` or ``(*grid, k)``.
    """

    kind: str
    ax: Axes
    data: FloatArray
    labels: tuple[str, ...] | None
    styles: tuple[dict, ...]
    diverged: np.ndarray | None


class Explorable:
    """A figure whose parameters the reader varies with sliders; see :func:`explore`.

    Attributes
    ----------
    names : tuple of str
        The parameter names, as shown on the sliders.
    grids : tuple of ndarray
        The values of each parameter.
    still_index : tuple of int
        The grid indices the still PNG shows.
    layers : tuple of Layer
        The layers, each with one style per path or curve of a grid point.
    notes : ndarray of str
        The text shown under the sliders for each grid point ("diverged" appended where a path
        diverged); empty strings where there is nothing to say.
    background_png, still_png : bytes
        The figure without the variable part, and the still.
    still_pdf : bytes or None
        The still as vector PDF when the book is built for print (``BOOK_FIGURES=print``), else
        None.
    size : tuple of int
        Width and height of both PNGs in pixels.
    n_steps : int
        The number of steps of the longest path (0 without paths: no step slider).
    html : str
        What ``_repr_html_`` returns.
    """

    def __init__(self, names: tuple[str, ...], grids: tuple[FloatArray, ...], still_index: tuple[int, ...],
                 layers: tuple[Layer, ...], notes: np.ndarray, background_png: bytes, still_png: bytes,
                 size: tuple[int, int], n_steps: int, html: str, still_pdf: bytes | None = None) -> None:
        self.names = names
        self.grids = grids
        self.still_index = still_index
        self.layers = layers
        self.notes = notes
        self.background_png = background_png
        self.still_png = still_png
        self.still_pdf = still_pdf
        self.size = size
        self.n_steps = n_steps
        self.html = html

    def __repr__(self) -> str:
        # No memory address: notebook outputs must be identical from build to build.
        grid = " x ".join(f"{name} ({len(values)} values)" for name, values in zip(self.names, self.grids))
        return f"Explorable({grid}, {len(self.layers)} layers, {self.n_steps} steps)"

    @property
    def still_label(self) -> str:
        """The parameter values of the still, as the sliders show them (for a caption)."""
        return ", ".join(f"{name} = {_format(grid[i])}"
                         for name, grid, i in zip(self.names, self.grids, self.still_index))

    def _repr_png_(self) -> bytes:
        return self.still_png

    def _repr_pdf_(self) -> bytes | None:
        return self.still_pdf

    def _repr_html_(self) -> str:
        return self.html


# --- the layers --------------------------------------------------------------------------------


def paths_layer(ax: Axes, paths: ArrayLike, *, labels: Sequence[str] | None = None,
                diverged: ArrayLike | None = None) -> Layer:
    """Paths (optimiser runs) on ``ax``, one family per grid point, revealed by the step slider.

    Colours and line styles come from the property cycle in effect when the layer is made (wrap
    the call in ``plt.rc_context({"axes.prop_cycle": ...})`` to change them), continuing after
    earlier layers on the same axes, as successive ``ax.plot`` calls do; the line width from
    ``lines.linewidth``. The head of each path, at the step the slider shows, is a dot.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The 2-D axes to draw on (contours, a loss curve, an empty axes with log scale ...).
    paths : array_like, shape (*grid, k, steps + 1, 2) or (*grid, steps + 1, 2)
        ``k`` paths (or one) per grid point: one leading axis per parameter of :func:`explore`,
        of the grid's length or 1 (the same paths for every value of that parameter). A batch
        run gives them as ``run.points`` of shape ``(steps + 1, B, 2)``: move the batch axis to
        the front and reshape it to the grid. A path stops at its first non-finite point (a
        diverged run; the slider's note then says "diverged"); a path whose last points repeat
        (a stopped run of a batch) stays at its end.
    labels : sequence of str, optional
        Legend entries, one per path of a grid point.
    diverged : array_like of bool, optional
        Which runs diverged, shape ``grid`` or ``(*grid, k)`` (such as ``run.diverged`` reshaped):
        their note says "diverged".

    Returns
    -------
    Layer

    Raises
    ------
    TypeError
        If ``ax`` is not a 2-D matplotlib Axes, ``paths`` is not numeric, ``labels`` is not a list
        of strings or ``diverged`` does not hold booleans.
    ValueError
        If ``paths`` does not have at least 3 axes with a last axis of length 2, or has no point.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> layer = paths_layer(Figure().add_subplot(), np.zeros((5, 11, 2)), labels=["run"])
    >>> layer.kind, layer.data.shape
    ('paths', (5, 11, 2))
    """
    _require_axes(ax)
    data = _points(paths, "paths")
    flags = None
    if diverged is not None:
        flags = np.array(_array(diverged, "diverged"), copy=True)
        if flags.dtype != bool:
            raise TypeError("diverged must hold booleans (True where a run diverged), such as "
                            f"run.diverged reshaped to the grid; got an array of dtype {flags.dtype}.")
    return Layer("paths", ax, data, _labels(labels), _cycle(), flags)


def curves_layer(ax: Axes, x: ArrayLike, ys: ArrayLike, *, labels: Sequence[str] | None = None) -> Layer:
    """Curves on ``ax``, one family per grid point, drawn in full: ``ys`` over ``x``, or
    parametric curves (contour lines, a circle) when ``x`` has the shape of ``ys``.

    Colours and line styles come from the property cycle in effect when the layer is made (wrap
    the call in ``plt.rc_context({"axes.prop_cycle": ...})`` to change them), continuing after
    earlier layers on the same axes, as successive ``ax.plot`` calls do; the line width from
    ``lines.linewidth``. Non-finite values of ``ys`` leave a gap, as in matplotlib.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The 2-D axes to draw on.
    x : array_like, shape (n,) or broadcastable to the shape of ``ys``
        The abscissae: shared by every curve (shape ``(n,)``), or one per point of each curve.
        Finite.
    ys : array_like, shape (*grid, k, n) or (*grid, n)
        ``k`` curves (or one) per grid point, one leading axis per parameter of :func:`explore`,
        of the grid's length or 1 (the same curves for every value of that parameter).
    labels : sequence of str, optional
        Legend entries, one per curve of a grid point.

    Returns
    -------
    Layer

    Raises
    ------
    TypeError
        If ``ax`` is not a 2-D matplotlib Axes, ``x`` or ``ys`` is not numeric or ``labels`` is not
        a list of strings.
    ValueError
        If ``x`` is not finite, ``ys`` has fewer than 2 axes or no point, or ``x`` does not
        broadcast to the shape of ``ys``.

    Examples
    --------
    Parabolas ``a x^2`` for three values of ``a``, and circles of three radii:

    >>> from matplotlib.figure import Figure
    >>> x = np.linspace(0, 1, 50)
    >>> curves_layer(Figure().add_subplot(), x, [a * x**2 for a in (1, 2, 3)]).data.shape
    (3, 50, 2)
    >>> t = np.linspace(0, 2 * np.pi, 40)
    >>> radii = np.array([1.0, 2.0, 3.0])[:, None]
    >>> curves_layer(Figure().add_subplot(), radii * np.cos(t), radii * np.sin(t)).data.shape
    (3, 40, 2)
    """
    _require_axes(ax)
    xs = as_float_array(x, "x")
    values = np.array(_array(ys, "ys"), dtype=float, copy=True)
    if values.ndim < 2 or 0 in values.shape:
        raise ValueError(f"ys must have shape (*grid, k, n) or (*grid, n): one leading axis per parameter, "
                         f"then the points of each curve; got an array of shape {values.shape}.")
    try:
        fits = xs.ndim >= 1 and np.broadcast_shapes(xs.shape, values.shape) == values.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"x must have shape ({values.shape[-1]},) (shared by every curve) or broadcast to the "
                         f"shape of ys {values.shape}; got an array of shape {xs.shape}.")
    data = np.stack(np.broadcast_arrays(xs, values), axis=-1)
    return Layer("curves", ax, data, _labels(labels), _cycle(), None)


def images_layer(ax: Axes, images: ArrayLike, *, extent: Sequence[float], cmap: str | None = None,
                 vmin: float | None = None, vmax: float | None = None) -> Layer:
    """Images (2-D arrays, such as a loss landscape) on ``ax``, one per grid point.

    Each image is colour-mapped with one colour scale for all (so colours compare across
    values) and embedded as its own PNG; NaN pixels are transparent. The image covers the
    background (contours drawn by the caller underneath do not show through) and lies below
    later layers. Use linear, non-inverted axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The 2-D axes to draw on.
    images : array_like, shape (*grid, h, w)
        One image per grid point, one leading axis per parameter of :func:`explore` (of the
        grid's length or 1); row 0 is the bottom edge (as ``imshow(origin="lower")``).
    extent : sequence of 4 floats
        ``(left, right, bottom, top)`` of the images in data coordinates, increasing pairs.
    cmap : str, optional
        A matplotlib colour map name; default ``image.cmap`` of the house style.
    vmin, vmax : float, optional
        The ends of the colour scale; default the smallest and largest finite value.

    Returns
    -------
    Layer

    Raises
    ------
    TypeError
        If ``ax`` is not a 2-D matplotlib Axes or an argument has the wrong type.
    ValueError
        If ``images`` has fewer than 3 axes or no finite value, ``extent`` is not 4 finite numbers
        in increasing pairs, ``cmap`` is unknown, or ``vmin >= vmax``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> layer = images_layer(Figure().add_subplot(), np.zeros((3, 8, 8)) + [[[0]], [[1]], [[2]]],
    ...                      extent=(0, 1, 0, 1))
    >>> layer.styles[0]["vmin"], layer.styles[0]["vmax"]
    (0.0, 2.0)
    """
    _require_axes(ax)
    data = np.array(_array(images, "images"), dtype=float, copy=True)
    if data.ndim < 3 or 0 in data.shape:
        raise ValueError(f"images must have shape (*grid, h, w) with one leading axis per parameter, "
                         f"got an array of shape {data.shape}.")
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        raise ValueError("images has no finite value; pass images with at least one finite pixel.")
    box = _extent(extent)
    if cmap is not None and not isinstance(cmap, str):
        raise TypeError(f"cmap must be the name of a matplotlib colour map such as 'viridis', got "
                        f"{type(cmap).__name__}.")
    name = mpl.rcParams["image.cmap"] if cmap is None else cmap
    if name not in mpl.colormaps:
        raise ValueError(f"cmap must be the name of a matplotlib colour map such as 'viridis', got {show(name)}.")
    low = float(finite.min()) if vmin is None else _finite(vmin, "vmin")
    high = float(finite.max()) if vmax is None else _finite(vmax, "vmax")
    if low == high and vmin is None and vmax is None:
        high = low + 1.0  # a constant family: any scale shows it
    if not low < high:
        raise ValueError(f"vmin must be below vmax; the colour scale runs from {show(low)} to {show(high)}.")
    style = {"cmap": name, "vmin": low, "vmax": high, "extent": box}
    return Layer("images", ax, data, None, (style,), None)


# --- the explorable -----------------------------------------------------------------------------


def explore(params: Mapping[str, ArrayLike], layers: Sequence[Layer], *, alt: str,
            still: Mapping[str, float] | None = None, notes: ArrayLike | None = None,
            legend_loc: str = "best", dpi: int = 100, interval_ms: int = 100) -> Explorable:
    """A figure with one slider per parameter that shows the precomputed result for its values.

    The figure of the layers' axes is drawn once at ``dpi`` without the layers (the background
    PNG), then the layers at the ``still`` values are drawn over it (the still PNG), and the
    figure is closed, so a notebook shows only the explorable. Draw everything that does not
    change (contours, fixed curves, labels, limits) before the call.

    Size: the HTML holds the background PNG (base64, 4/3 of its bytes) and, for every path or
    curve and grid point, one token per step: the move from the previous point, ``l dx,dy`` in
    quarter pixels, about 5 to 10 bytes; runs of equal moves are written once with a count, and
    a path that has stopped moving on screen ends. A 9 x 9 grid of one 101-point path on a
    640 x 400 contour plot weighs about 90 KB (27 KB of paths, 58 KB of background); images add
    one PNG per grid point.

    Parameters
    ----------
    params : mapping of str to array_like
        One or two parameters: the name shown on the slider (plain text such as
        ``"step size α"``) to its grid of values, a finite 1-D array of distinct numbers. The
        order of the entries is the order of the layers' leading axes.
    layers : sequence of Layer
        What varies, from :func:`paths_layer`, :func:`curves_layer` and :func:`images_layer`,
        all on axes of one figure; drawn in this order (later layers on top).
    alt : str
        Text alternative of the figure for readers who cannot see it (required).
    still : mapping of str to float, optional
        The parameter values of the PNG still (and of the HTML before the reader moves a slider):
        a value of each named grid; parameters not named take their first value.
    notes : array_like of str, shape grid, optional
        A short text per grid point shown under the sliders (such as "escapes after 31 steps").
    legend_loc : str, default "best"
        Where the legend of the labelled layers goes on each axes, a matplotlib location such as
        ``"upper right"``. ``"best"`` avoids what the caller drew, not the layers (which vary),
        and is slow on a large mesh: name a free corner there.
    dpi : int, default 100
        Resolution of the PNGs, >= 10.
    interval_ms : int, default 100
        Milliseconds between frames when the reader presses Play (each frame advances
        ``max(1, steps / 100)`` steps, so a long run plays in about ten seconds).

    Returns
    -------
    Explorable

    Raises
    ------
    TypeError
        If ``params`` is not a mapping of names to grids, ``layers`` does not hold layers, ``alt``
        is not a non-empty string, ``still`` names a value that is not a number, or ``notes`` does
        not hold strings.
    ValueError
        If there are not one or two parameters, a grid is not a finite 1-D array of distinct
        numbers, a layer's leading axes do not match the grids, the layers lie on different
        figures, a ``still`` value is not on its grid, ``legend_loc`` is not a legend location,
        or ``dpi < 10``.

    Examples
    --------
    Gradient descent on ``x**2 / 2`` for three step sizes, one path each:

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> lrs = np.array([0.5, 1.0, 1.5])
    >>> steps = np.arange(6)
    >>> xs = (1 - lrs[:, None]) ** steps              # (3 step sizes, 6 points)
    >>> points = np.stack([steps + 0 * xs, xs], axis=-1)
    >>> ax.set(xlim=(0, 5), ylim=(-1, 1))
    [(0.0, 5.0), (-1.0, 1.0)]
    >>> view = explore({"step size": lrs}, [paths_layer(ax, points)], alt="x against the step",
    ...                still={"step size": 1.5})
    >>> view.still_label, view.n_steps
    ('step size = 1.5', 5)
    >>> 'aria-valuetext="step size = 1.5"' in view._repr_html_()
    True
    """
    names, grids = _params(params)
    shape = tuple(len(grid) for grid in grids)
    layer_list = _layer_list(layers)
    if not isinstance(alt, str) or not alt.strip():
        raise TypeError("alt must be a non-empty string describing the figure for screen readers.")
    still_index = _still(still, names, grids)
    texts = _notes(notes, shape)
    if not isinstance(legend_loc, str):
        raise TypeError(f"legend_loc must be a string such as 'upper right', got {type(legend_loc).__name__}.")
    if legend_loc not in Legend.codes:
        raise ValueError(f"legend_loc must be a matplotlib legend location such as 'upper right', one of "
                         f"{list(Legend.codes)}; got {show(legend_loc)}.")
    interval_ms = positive_int(interval_ms, "interval_ms")
    dpi = positive_int(dpi, "dpi")
    if dpi < 10:  # below, matplotlib cannot render text (FreeType: "invalid ppem value")
        raise ValueError(f"dpi must be an integer >= 10, got {dpi}.")
    resolved = [_resolve(layer, i, shape) for i, layer in enumerate(layer_list)]
    layer_list = _with_styles(layer_list, resolved, len(shape))

    figure = layer_list[0].ax.figure
    handles: dict[Axes, list[Line2D]] = {}
    for layer in layer_list:
        if layer.labels is not None:
            handles.setdefault(layer.ax, []).extend(
                Line2D([], [], label=label, **style) for label, style in zip(layer.labels, layer.styles))
    for ax, lines in handles.items():
        # An explicit location (even "best") goes without matplotlib's timing warning ("can be
        # slow"), which a busy machine triggers and a strict build fails on.
        ax.legend(handles=lines, loc=legend_loc)
    axes = list(dict.fromkeys(layer.ax for layer in layer_list))
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
    screen_dpi = figure.dpi
    figure.set_dpi(dpi)  # drawn once at dpi: the background, then the still's artists over it
    try:
        canvas = _render.draw(figure)
        background = _render.canvas_png(canvas)
        width, height = _render.pixel_size(figure, dpi)
        box = (-MARGIN * width, -MARGIN * height, (1 + MARGIN) * width, (1 + MARGIN) * height)
        diverged = np.zeros(shape, dtype=bool)
        encoded, shapes, artists = [], [], []
        for number, (layer, (data, flags, grid_shape)) in enumerate(zip(layer_list, resolved)):
            items, still_part = _encode(layer, data, flags, grid_shape, shape, still_index, box, dpi, diverged)
            encoded.append(items)
            shapes.append(grid_shape)
            artists += _still_artists(layer, still_part, 10 + number, dpi)
        for ax, (xlim, ylim) in zip(axes, limits):
            ax.set_xlim(xlim)
            ax.set_ylim(ylim)
        _render.draw_over(canvas, artists)
        still_png = _render.canvas_png(canvas)
    finally:
        figure.set_dpi(screen_dpi)
    still_pdf = _render.pdf(figure) if print_figures() else None
    plt.close(figure)  # release it from pyplot, so the notebook shows only the explorable
    n_steps = max([max(len(p) for p in _flat_points(data)) - 1
                   for layer, (data, _, _) in zip(layer_list, resolved) if layer.kind == "paths"] or [0])

    full_notes = np.array([_join(text, flag) for text, flag in zip(texts.ravel(), diverged.ravel())],
                          dtype=object).reshape(shape)
    page = _html(names, grids, still_index, layer_list, encoded, shapes, full_notes, background,
                 (width, height), n_steps, alt, interval_ms, dpi)
    return Explorable(names, grids, still_index, tuple(layer_list), full_notes.astype(str), background,
                      still_png, (width, height), n_steps, page, still_pdf)


# --- validation ---------------------------------------------------------------------------------


def _require_axes(ax: object) -> None:
    if not isinstance(ax, Axes) or ax.name != "rectilinear":
        raise TypeError(f"ax must be a 2-D matplotlib Axes (plt.subplots()), got {type(ax).__name__}.")


def _array(value: object, name: str) -> np.ndarray:
    """``value`` as a float or bool array; NaN and inf are allowed (a diverged run)."""
    if isinstance(value, np.ndarray) and value.dtype == bool:
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (bool, np.bool_)) for v in value):
        return np.array(value, dtype=bool)
    return as_float_array(value, name, finite=False)


def _points(value: ArrayLike, name: str) -> FloatArray:
    data = np.array(_array(value, name), dtype=float, copy=True)
    if data.ndim < 3 or data.shape[-1] != 2 or 0 in data.shape:
        raise ValueError(f"{name} must have shape (*grid, k, steps + 1, 2) or (*grid, steps + 1, 2): one leading "
                         f"axis per parameter, then the points (x, y) of each path; got an array of shape "
                         f"{data.shape}.")
    return data


def _labels(labels: object) -> tuple[str, ...] | None:
    if labels is None:
        return None
    if isinstance(labels, (str, bytes, Mapping)) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a list of strings, one per path, got {type(labels).__name__}.")
    for label in labels:
        if not isinstance(label, str):
            raise TypeError(f"labels must hold strings, got {type(label).__name__} {show(label)}.")
    return tuple(labels)


def _finite(value: object, name: str) -> float:
    number = as_real(value, name, "a real number")
    if not np.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {show(value)}.")
    return number


def _extent(extent: object) -> tuple[float, float, float, float]:
    if isinstance(extent, (str, bytes, Mapping)) or not isinstance(extent, (Sequence, np.ndarray)):
        raise TypeError(f"extent must be 4 numbers (left, right, bottom, top), got {type(extent).__name__}.")
    if len(extent) != 4:
        raise ValueError(f"extent must be 4 numbers (left, right, bottom, top), got {len(extent)}.")
    left, right, bottom, top = (_finite(v, "extent") for v in extent)
    if not (left < right and bottom < top):
        raise ValueError(f"extent must be (left, right, bottom, top) with left < right and bottom < top, "
                         f"got {show(tuple(extent))}.")
    return (left, right, bottom, top)


def _params(params: object) -> tuple[tuple[str, ...], tuple[FloatArray, ...]]:
    if not isinstance(params, Mapping):
        raise TypeError("params must be a dict of parameter names to grids of values, such as "
                        f"{{'step size α': [0.1, 0.2, 0.4]}}; got {type(params).__name__}.")
    if not 1 <= len(params) <= 2:
        raise ValueError(f"params must name one or two parameters (one slider each), got {len(params)}.")
    names, grids = [], []
    for name, grid in params.items():
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"params must be keyed by non-empty names (strings) shown on the sliders, got {show(name)}.")
        values = as_float_array(grid, f"params[{name!r}]")
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"params[{name!r}] must be a non-empty 1-D grid of values, got shape {values.shape}.")
        if len(np.unique(values)) != values.size:
            raise ValueError(f"params[{name!r}] must hold distinct values (one per slider position).")
        names.append(name)
        grids.append(values.copy())
    return tuple(names), tuple(grids)


def _layer_list(layers: object) -> list[Layer]:
    if isinstance(layers, Layer) or isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise TypeError("layers must be a list of layers made by paths_layer, curves_layer or images_layer, "
                        f"got {type(layers).__name__}.")
    if not layers:
        raise ValueError("layers is empty; pass at least one layer (paths_layer, curves_layer, images_layer).")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Layer):
            raise TypeError(f"layers[{i}] must be a layer made by paths_layer, curves_layer or images_layer, "
                            f"got {type(layer).__name__}.")
        if layer.kind not in ("paths", "curves", "images") or not isinstance(layer.ax, Axes) \
                or not isinstance(layer.data, np.ndarray):
            raise TypeError(f"layers[{i}] is not a layer made by paths_layer, curves_layer or images_layer; "
                            "make layers with those functions.")
    figures = {id(layer.ax.figure) for layer in layers}
    if len(figures) != 1:
        raise ValueError("layers must all lie on axes of one figure (plt.subplots(1, 2) for two panels).")
    return list(layers)


def _still(still: object, names: tuple[str, ...], grids: tuple[FloatArray, ...]) -> tuple[int, ...]:
    index = [0] * len(names)
    if still is None:
        return tuple(index)
    if not isinstance(still, Mapping):
        raise TypeError(f"still must be a dict of parameter names to values, such as {{{names[0]!r}: "
                        f"{_format(grids[0][0])}}}; got {type(still).__name__}.")
    for name, value in still.items():
        if name not in names:
            raise ValueError(f"still must name parameters of params; {show(name)} is not one of {list(names)}.")
        d = names.index(name)
        number = _finite(value, f"still[{name!r}]")
        i = int(np.argmin(np.abs(grids[d] - number)))
        if not np.isclose(grids[d][i], number, rtol=1e-9, atol=0.0):
            raise ValueError(f"still[{name!r}] = {show(value)} is not on the grid; pass one of "
                             f"{', '.join(_format(v) for v in grids[d])}.")
        index[d] = i
    return tuple(index)


def _notes(notes: object, shape: tuple[int, ...]) -> np.ndarray:
    if notes is None:
        return np.full(shape, "", dtype=object)
    if isinstance(notes, (str, bytes)) or not isinstance(notes, (Sequence, np.ndarray)):
        raise TypeError(f"notes must be an array of strings of shape {shape} (one per grid point), "
                        f"got {type(notes).__name__}.")
    try:
        array = np.array(notes, dtype=object)
    except ValueError:  # ragged
        raise ValueError(f"notes must be an array of strings of shape {shape}, one per grid point; "
                         "its rows have different lengths.") from None
    if array.shape != shape:
        raise ValueError(f"notes must be an array of strings of shape {shape}, one per grid point, "
                         f"got shape {array.shape}.")
    for text in array.ravel():
        if not isinstance(text, str):
            raise TypeError(f"notes must hold strings, got {type(text).__name__} {show(text)}.")
    return array


def _cycle() -> tuple[dict, ...]:
    """The current property cycle as line styles (colour, line style, width)."""
    return tuple(_render.line_styles(len(plt.rcParams["axes.prop_cycle"])))


def _with_styles(layers: list[Layer], resolved: list, g: int) -> list[Layer]:
    """The layers with one style per path or curve of a grid point, each layer continuing the cycle
    after the earlier layers on the same axes with the same cycle."""
    used: dict[tuple[int, str], int] = {}
    out = []
    for layer, (data, _, _) in zip(layers, resolved):
        if layer.kind == "images":
            out.append(layer)
            continue
        count, key = data.shape[g], (id(layer.ax), repr(layer.styles))
        offset = used.get(key, 0)
        used[key] = offset + count
        cycle = layer.styles
        out.append(layer._replace(styles=tuple(cycle[(offset + k) % len(cycle)] for k in range(count))))
    return out


def _resolve(layer: Layer, i: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """The layer's data with its path axis made explicit, its divergence flags ``(*grid, k)`` and its
    grid shape (each axis the grid's length or 1)."""
    g = len(shape)
    data = layer.data
    if layer.kind == "images":
        if data.ndim != g + 2:
            raise ValueError(f"layers[{i}] (images) must have shape (*grid, h, w) with {g} grid axes "
                             f"for {g} parameter(s), got {data.shape}.")
    elif data.ndim == g + 2:
        data = data[..., None, :, :]
    elif data.ndim != g + 3:
        raise ValueError(f"layers[{i}] ({layer.kind}) must have shape (*grid, k, m, 2) or (*grid, m, 2) with "
                         f"{g} grid axes for {g} parameter(s), got {data.shape}.")
    grid_shape = data.shape[:g]
    for d, (n_layer, n) in enumerate(zip(grid_shape, shape)):
        if n_layer not in (1, n):
            raise ValueError(f"layers[{i}] has {n_layer} entries along grid axis {d}, but the parameter has "
                             f"{n} values; pass {n} (or 1, the same for every value).")
    count = 1 if layer.kind == "images" else data.shape[g]
    if layer.labels is not None and len(layer.labels) != count:
        raise ValueError(f"layers[{i}] has {len(layer.labels)} labels for {count} paths per grid point; "
                         "pass one label per path.")
    flags = np.zeros(grid_shape + (count,), dtype=bool)
    if layer.diverged is not None:
        if layer.diverged.shape == grid_shape:
            flags |= layer.diverged[..., None]
        elif layer.diverged.shape == grid_shape + (count,):
            flags |= layer.diverged
        else:
            raise ValueError(f"layers[{i}] has diverged flags of shape {layer.diverged.shape}; pass shape "
                             f"{grid_shape} or {grid_shape + (count,)}.")
    return data, flags, grid_shape


# --- encoding -----------------------------------------------------------------------------------


def _format(value: float) -> str:
    """A grid value as the slider shows it: 3 significant digits, short exponents (1e-6)."""
    text = f"{float(value):.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e+").replace("e+", "e")


def _join(text: str, diverged: bool) -> str:
    return "; ".join(part for part in (text, "diverged" if diverged else "") if part)


def _flat_points(data: np.ndarray) -> list[np.ndarray]:
    return list(data.reshape(-1, *data.shape[-2:]))


def _encode_path(pixels: np.ndarray, box: tuple[float, ...]) -> str:
    """A path (or curve) in pixels as the SVG path tokens the script reads, run-length coded.

    One token per point, for the segment that ends there: ``ldx,dy`` relative to the pen, or
    ``Mx,y`` where the pen must move first (the segment enters ``box``, after a gap); segments are
    clipped to ``box`` (Liang-Barsky) and coordinates are whole units of ``1 / SUBPIXELS`` pixel.
    A trailing ``~`` marks a point outside the box (no head is drawn there); a non-finite point
    leaves a gap. A run of r equal tokens is written ``token*r``, and the steps after the path
    has stopped moving on screen are dropped.
    """
    finite = np.all(np.isfinite(pixels), axis=-1)
    with np.errstate(invalid="ignore"):
        inside = finite & (pixels[:, 0] >= box[0]) & (pixels[:, 0] <= box[2]) \
            & (pixels[:, 1] >= box[1]) & (pixels[:, 1] <= box[3])
        here = np.where(inside[:, None], np.rint(SUBPIXELS * pixels), 0).astype(np.int64)
    first = f"M{here[0, 0]},{here[0, 1]}" if inside[0] else "~"
    if len(pixels) == 1:
        return first
    plain = inside[:-1] & inside[1:]          # a segment inside the box: ldx,dy from the last point
    step = np.where(plain[:, None], here[1:] - here[:-1], 0)
    general = {int(i): _general_token(pixels[i], pixels[i + 1], inside[i], inside[i + 1], box)
               for i in np.flatnonzero(~plain)}
    change = np.ones(len(plain), dtype=bool)
    change[1:] = np.any(step[1:] != step[:-1], axis=1) | ~plain[1:] | ~plain[:-1]
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, len(plain))).tolist()
    moves = step[starts].tolist()
    runs: list[list] = []
    for start, count, (dx, dy) in zip(starts.tolist(), counts, moves):
        token = f"l{dx},{dy}" if plain[start] else general[start]
        if runs and runs[-1][0] == token:
            runs[-1][1] += count
        else:
            runs.append([token, count])
    while runs:                               # the path has stopped moving on screen: drop those steps
        token, previous = runs[-1][0], runs[-2][0] if len(runs) > 1 else first
        if token == "l0,0" or token == "~" and previous.endswith("~"):
            runs.pop()
        elif token == "~" and runs[-1][1] > 1:
            runs[-1][1] = 1
            break
        else:
            break
    return " ".join([first] + [token if count == 1 else f"{token}*{count}" for token, count in runs])


def _general_token(p: np.ndarray, q: np.ndarray, p_inside: bool, q_inside: bool, box: tuple[float, ...]) -> str:
    """The token of segment p -> q when one end is outside ``box`` or not finite (see _encode_path)."""
    def xy(v: np.ndarray) -> str:
        return f"{int(np.rint(SUBPIXELS * v[0]))},{int(np.rint(SUBPIXELS * v[1]))}"

    token = ""
    if np.all(np.isfinite(p)) and np.all(np.isfinite(q)):
        t0, t1, d = 0.0, 1.0, q - p
        for delta, low, high, start in ((d[0], box[0], box[2], p[0]), (d[1], box[1], box[3], p[1])):
            if delta == 0.0:
                if start < low or start > high:
                    t0, t1 = 1.0, 0.0
                continue
            a, b = (low - start) / delta, (high - start) / delta
            t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
        if t0 <= t1:
            a_end, b_end = p + t0 * d, q + (t1 - 1.0) * d
            if p_inside and t0 == 0.0:            # the pen is at p: draw on from there
                pen = np.rint(SUBPIXELS * p)
                b_pen = np.rint(SUBPIXELS * b_end)
                token = f"l{int(b_pen[0] - pen[0])},{int(b_pen[1] - pen[1])}"
            else:
                a_pen, b_pen = np.rint(SUBPIXELS * a_end), np.rint(SUBPIXELS * b_end)
                token = f"M{xy(a_end)}l{int(b_pen[0] - a_pen[0])},{int(b_pen[1] - a_pen[1])}"
    elif q_inside:
        token = f"M{xy(q)}"                       # after a gap
    return token if q_inside else token + "~"


def _head(tokens: list[str]) -> tuple[int, int] | None:
    """Where the pen is after the last token, or None if that point is outside (as the script does)."""
    x = y = 0
    for token in tokens:
        for command, dx, dy in re.findall(r"([Ml])(-?[0-9]+),(-?[0-9]+)", token):
            x, y = (int(dx), int(dy)) if command == "M" else (x + int(dx), y + int(dy))
    return None if not tokens[-1] or tokens[-1].endswith("~") else (x, y)


def _encode(layer: Layer, data: np.ndarray, flags: np.ndarray, grid_shape: tuple[int, ...],
            shape: tuple[int, ...], still_index: tuple[int, ...], box: tuple[float, ...], dpi: int,
            diverged: np.ndarray) -> tuple[list[list[str]], object]:
    """The HTML items of one layer (per path, per grid point of the layer) and what the still draws.

    Marks ``diverged`` (the full grid) where a path diverged."""
    g = len(shape)
    still_at = tuple(min(i, n - 1) for i, n in zip(still_index, grid_shape))
    if layer.kind == "images":
        style = layer.styles[0]
        cmap = mpl.colormaps[style["cmap"]]
        norm = mpl.colors.Normalize(style["vmin"], style["vmax"])
        images = data.reshape(-1, *data.shape[-2:])
        items = [[_render.data_uri(_image_png(image, cmap, norm)) for image in images]]
        return items, data[still_at]
    count = data.shape[g]
    items: list[list[str]] = [[] for _ in range(count)]
    cut = data.copy()
    if layer.kind == "paths":
        # a path stops at its first non-finite point: a diverged run
        bad = ~np.all(np.isfinite(data), axis=-1)                       # (*grid, k, m)
        stopped = np.cumsum(bad, axis=-1) > 0
        cut[stopped] = np.nan
        flags = flags | bad.any(axis=-1)
        diverged |= np.broadcast_to(flags.any(axis=-1), shape)
    pixels = _render.to_pixels(layer.ax, cut, dpi)
    pixels = np.clip(pixels, -1e12, 1e12)  # NaN stays NaN; huge finite values stay finite
    for k in range(count):
        for index in np.ndindex(*grid_shape):
            path = pixels[index + (k,)]
            if layer.kind == "paths":
                path = path[~np.isnan(path).any(axis=-1)]  # the finite prefix
                if len(path) == 0:
                    items[k].append("~")
                    continue
            items[k].append(_encode_path(path, box))
    return items, cut[still_at]


def _image_png(image: np.ndarray, cmap, norm) -> bytes:
    rgba = cmap(norm(np.ma.masked_invalid(image)), bytes=True)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgba, format="png", origin="lower", metadata={"Software": None})
    return buffer.getvalue()


def _still_artists(layer: Layer, part: np.ndarray, zorder: int, dpi: int) -> list:
    """Add the layer's variable part at the still values to its axes; the artists added."""
    ax = layer.ax
    if layer.kind == "images":
        style = layer.styles[0]
        return [ax.imshow(part, extent=style["extent"], cmap=style["cmap"], vmin=style["vmin"], vmax=style["vmax"],
                          origin="lower", interpolation="nearest", aspect=ax.get_aspect(), zorder=zorder)]
    artists = []
    for path, style in zip(part, layer.styles):
        artists += ax.plot(path[:, 0], path[:, 1], zorder=zorder, **style)
        if layer.kind == "paths":
            finite = path[~np.isnan(path).any(axis=-1)]
            if len(finite):
                size = 2 * HEAD_RADIUS * 72 / dpi
                artists += ax.plot(*finite[-1], marker="o", markersize=size, markeredgewidth=0,
                                   color=style["color"], linestyle="none", zorder=zorder)
    return artists


def _html(names: tuple[str, ...], grids: tuple[FloatArray, ...], still_index: tuple[int, ...],
          layers: list[Layer], encoded: list, shapes: list, notes: np.ndarray, background: bytes,
          size: tuple[int, int], n_steps: int, alt: str, interval_ms: int, dpi: int) -> str:
    width, height = size
    S = SUBPIXELS  # the SVG's unit is 1/S pixel of the PNG
    unit_per_point = S * dpi / 72
    marker = "@@ID@@"
    data = {"names": list(names), "values": [[_format(v) for v in grid] for grid in grids],
            "shape": [len(grid) for grid in grids], "notes": [str(n) for n in notes.ravel()],
            "steps": n_steps,
            "layers": [{"kind": layer.kind, "shape": list(shape), "items": items}
                       for layer, shape, items in zip(layers, shapes, encoded)]}
    blob = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    index_text = ",".join(str(i) for i in still_index)
    clips, shapes_svg = [], []
    axes = list(dict.fromkeys(layer.ax for layer in layers))
    for a, ax in enumerate(axes):
        x0, y0, x1, y1 = (S * v for v in _render.clip_box(ax, dpi))
        clips.append(f'<clipPath id="{marker}-clip{a}"><rect x="{x0:.0f}" y="{y0:.0f}" '
                     f'width="{x1 - x0:.0f}" height="{y1 - y0:.0f}"/></clipPath>')
    for number, (layer, shape, items) in enumerate(zip(layers, shapes, encoded)):
        clip = f'clip-path="url(#{marker}-clip{axes.index(layer.ax)})"'
        common = f'data-layer="{number}" data-param-index="{index_text}"'
        flat = int(np.ravel_multi_index(tuple(min(i, n - 1) for i, n in zip(still_index, shape)), shape))
        if layer.kind == "images":
            left, right, bottom, top = layer.styles[0]["extent"]
            corners = S * _render.to_pixels(layer.ax, np.array([[left, top], [right, bottom]]), dpi)
            (ix0, iy0), (ix1, iy1) = corners
            shapes_svg.append(
                f'<image {common} data-path="0" href="{items[0][flat]}" x="{ix0:.0f}" y="{iy0:.0f}" '
                f'width="{ix1 - ix0:.0f}" height="{iy1 - iy0:.0f}" preserveAspectRatio="none" '
                f'style="image-rendering:pixelated" {clip}/>')
            continue
        step_attr = f' data-step="{n_steps}"' if layer.kind == "paths" else ""
        for k, style in enumerate(layer.styles[:len(items)]):
            tokens = _expand(items[k][flat])
            d = "".join(tokens).replace("~", "")
            stroke = style["linewidth"] * unit_per_point
            dash = _render.svg_dasharray(style["linestyle"], style["linewidth"], unit_per_point)
            shapes_svg.append(
                f'<path {common}{step_attr} data-path="{k}" d="{d}" fill="none" stroke="{style["color"]}" '
                f'stroke-width="{stroke:.2f}" stroke-dasharray="{dash}" stroke-linejoin="round" {clip}/>')
            if layer.kind == "paths":
                head = _head(tokens)
                cx, cy = head or (0, 0)
                visible = "visible" if head else "hidden"
                shapes_svg.append(
                    f'<circle {common}{step_attr} data-path="{k}" r="{S * HEAD_RADIUS:g}" cx="{cx}" cy="{cy}" '
                    f'fill="{style["color"]}" visibility="{visible}" {clip}/>')
    controls = []  # one row per slider: label, slider, its value, (Play)
    for d, (name, grid, i) in enumerate(zip(names, grids, still_index)):
        value = _format(grid[i])
        controls.append(
            f'<label for="{marker}-p{d}">{html.escape(name)}</label>'
            f'<input type="range" class="codelib-explorable-param" id="{marker}-p{d}" min="0" '
            f'max="{len(grid) - 1}" step="1" value="{i}" aria-valuetext="{html.escape(name)} = {value}"/>'
            f'<output class="codelib-explorable-value" for="{marker}-p{d}">{value}</output><span></span>')
    if n_steps:
        controls.append(
            f'<label for="{marker}-step">step</label>'
            f'<input type="range" class="codelib-explorable-step" id="{marker}-step" min="0" max="{n_steps}" '
            f'step="1" value="{n_steps}" aria-valuetext="step {n_steps} of {n_steps}"/>'
            f'<output class="codelib-explorable-step-value" for="{marker}-step">{n_steps} of {n_steps}</output>'
            f'<button type="button">Play</button>')
    note = html.escape(str(notes[still_index]))
    script = _SCRIPT % {"id": marker, "interval": interval_ms}
    page = (
        f'<div class="codelib-explorable" id="{marker}" style="max-width:{width}px;text-align:left">'
        f'<div style="position:relative">'
        f'<img src="{_render.data_uri(background)}" alt="{html.escape(alt)}" style="width:100%;display:block"/>'
        f'<svg viewBox="0 0 {S * width} {S * height}" aria-hidden="true" '
        f'style="position:absolute;left:0;top:0;width:100%;height:100%">'
        f'{"".join(clips)}{"".join(shapes_svg)}</svg></div>'
        f'<div style="display:grid;grid-template-columns:max-content 1fr max-content max-content;'
        f'gap:0.2em 0.75em;align-items:center">{"".join(controls)}</div>'
        f'<output class="codelib-explorable-note" aria-live="polite">{note}</output>'
        f'<script type="application/json" class="codelib-explorable-data">{blob}</script>'
        f'<script>{script}</script></div>')
    element_id = f"codelib-explorable-{_render.digest(page)}"
    return page.replace(marker, element_id)


def _expand(text: str) -> list[str]:
    """The tokens of a run-length coded path (as :func:`_encode_path` wrote them)."""
    out: list[str] = []
    for token in text.split(" "):
        body, _, count = token.partition("*")
        out.extend([body] * (int(count) if count else 1))
    return out
