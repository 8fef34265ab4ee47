"""The book's house style, and plot helpers that take an ``ax`` and return it.

The helpers set no figure size and no title (captions do that), label axes in
lowercase, and never show or save a figure: the chapter owns the figure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap
from mpl_toolkits.mplot3d import Axes3D

from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, as_vector, positive_int, require_callable, show
from .optim import Trajectory

__all__ = ["STYLE_PATH", "print_figures", "use_book_style", "contour", "trajectory", "contour_with_trajectory", "surface"]

#: The house style file, ``codelib/book.mplstyle``.
STYLE_PATH: Path = Path(__file__).with_name("book.mplstyle")

# f(xy) with xy of shape (..., 2) returns shape (...); limits are increasing pairs (low, high);
# a path is a Trajectory or a (k, 2) array of points.
GridFunction = Callable[[FloatArray], FloatArray]
Limits = Sequence[float]
Points2D = Union[Trajectory, ArrayLike]


#: ``BOOK_FIGURES=print`` in the environment (``make pdf`` sets it): figures for print.
PRINT_FIGURES = "print"


def print_figures() -> bool:
    """True when the book is built for print (``BOOK_FIGURES=print``, set by ``make pdf``)."""
    return os.environ.get("BOOK_FIGURES", "").strip().lower() == PRINT_FIGURES


def use_book_style() -> None:
    """Apply the house style; in IPython, also choose the inline figure formats.

    This is the one call that changes ``rcParams``; a chapter makes it in its
    first cell. Inline figures are PNG, which the web page shows. When the book is
    built for print (``BOOK_FIGURES=print``, see :func:`print_figures`), they are PDF
    instead, which the LaTeX build embeds: vector lines and text, and 300 ppi for what
    stays raster inside (images, 3-D surfaces).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     use_book_style()
    ...     mpl.rcParams["image.cmap"]
    'viridis'
    """
    matplotlib.style.use(STYLE_PATH)
    if print_figures():
        mpl.rcParams["savefig.dpi"] = 300
    ipython = sys.modules.get("IPython")  # imported only when running inside IPython
    if ipython is not None and ipython.get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats  # an IPython dependency
        if print_figures():  # only the PDF is used; its rasters (images, surfaces) at 300 ppi
            set_matplotlib_formats("pdf", dpi=300)
        else:
            set_matplotlib_formats("png")


def contour(ax: Axes, f: GridFunction, xlim: Limits, ylim: Limits, *,
            levels: int | ArrayLike = 20, resolution: int = 200, log: bool = False) -> Axes:
    """Draw contour lines of ``f`` over the box ``xlim`` x ``ylim``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        2-D axes to draw on; its limits are set to the box.
    f : callable
        Vectorised function: ``f(xy)`` with ``xy`` of shape ``(..., 2)`` returns
        shape ``(...)``, e.g. ``lambda xy: xy[..., 0]**2 + 10 * xy[..., 1]**2``.
    xlim, ylim : pair of float
        Increasing limits of the box.
    levels : int or array_like, default 20
        Number of levels, or the increasing levels themselves.
    resolution : int, default 200
        Grid points per axis, >= 2.
    log : bool, default False
        Log-spaced levels between the smallest positive value and the maximum
        of ``f`` on the grid; suits ill-conditioned quadratics and Rosenbrock.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with one contour set added.

    Raises
    ------
    TypeError
        If ``ax`` is not 2-D matplotlib axes, ``f`` is not callable or ``log`` is not a bool.
    ValueError
        If the limits are not increasing finite pairs (of finite width), ``resolution < 2``,
        ``f`` returns the wrong shape or non-finite values, or ``log=True`` and ``f`` has no
        positive value.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = contour(Figure().add_subplot(), lambda xy: (xy**2).sum(-1), (-1, 1), (-1, 1), log=True)
    >>> len(ax.collections), ax.get_xlabel()
    (1, '$x_1$')
    """
    _require_axes(ax)
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log must be True (log-spaced levels) or False, got {type(log).__name__}.")
    x, y, z = _grid(f, xlim, ylim, resolution)
    ax.contour(x, y, z, levels=_levels(z, levels, log), linewidths=0.8)
    ax.set(xlim=(x[0, 0], x[0, -1]), ylim=(y[0, 0], y[-1, 0]),
           xlabel=ax.get_xlabel() or "$x_1$", ylabel=ax.get_ylabel() or "$x_2$")
    return ax


def trajectory(ax: Axes, points: Points2D, *, label: str | None = None, **line_kwargs: Any) -> Axes:
    """Draw a path of iterates with small markers, an open start circle and an end cross.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        2-D axes to draw on.
    points : Trajectory or array_like, shape (k, 2)
        The path; a :class:`~codelib.optim.Trajectory` uses its ``points``.
    label : str, optional
        Legend label of the path.
    **line_kwargs
        Passed to ``ax.plot`` for the path (e.g. ``color``, ``marker``).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with three lines added: the path, the start and the end marker.

    Raises
    ------
    TypeError, ValueError
        If ``ax`` is not 2-D axes, ``points`` is not a finite ``(k, 2)`` array, or matplotlib
        rejects ``label`` or ``line_kwargs`` (an unknown property is a TypeError).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = trajectory(Figure().add_subplot(), [[1.0, 1.0], [0.5, -0.5], [0.0, 0.0]], label="gd")
    >>> len(ax.lines)
    3
    """
    _require_axes(ax)
    xy = _as_path(points, "points")
    style = {"marker": "o", "markersize": 3, **line_kwargs}
    try:
        (line,) = ax.plot(xy[:, 0], xy[:, 1], label=label, **style)
    except AttributeError as err:  # matplotlib: "Line2D.set() got an unexpected keyword argument 'foo'"
        raise TypeError(f"`line_kwargs` has a property Line2D does not know ({err}); pass Line2D properties "
                        "such as color, linestyle or marker.") from None
    except (TypeError, ValueError, OverflowError, LookupError) as err:  # e.g. marker=1j: matplotlib may not say
        kind = ValueError if isinstance(err, (ValueError, OverflowError)) else TypeError  # which argument is bad
        raise kind(f"`label` or `line_kwargs`: matplotlib rejects them ({type(err).__name__}: {err}).") from None
    marker_style = {"color": line.get_color(), "linestyle": "none", "markersize": 8}
    ax.plot(*xy[0], marker="o", markerfacecolor="white", **marker_style)
    ax.plot(*xy[-1], marker="X", **marker_style)
    return ax


def contour_with_trajectory(ax: Axes, f: GridFunction, xlim: Limits, ylim: Limits,
                            trajectories: Points2D | Sequence[Points2D], *, labels: Sequence[str] | None = None,
                            levels: int | ArrayLike = 20, log: bool = False) -> Axes:
    """Draw contour lines of ``f`` and one or more paths on top.

    The view stays on the box, so a diverging path runs off the edge instead of
    shrinking the contours to a dot.

    Parameters
    ----------
    ax, f, xlim, ylim, levels, log
        As in :func:`contour`.
    trajectories : Trajectory, array_like of shape (k, 2), or a list of them
        One path, or a list or tuple of paths.
    labels : sequence of str, optional
        One label per path; a legend is added when given.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`contour` and :func:`trajectory`; or if ``labels`` has not one entry per path.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> paths = [[[1.0, 1.0], [0.0, 0.0]], [[-1.0, 1.0], [0.0, 0.5]]]
    >>> ax = contour_with_trajectory(Figure().add_subplot(), lambda xy: (xy**2).sum(-1),
    ...                              (-2, 2), (-2, 2), paths, labels=["a", "b"])
    >>> len(ax.collections), len(ax.lines), [t.get_text() for t in ax.get_legend().get_texts()]
    (1, 6, ['a', 'b'])
    """
    paths = _as_paths(trajectories)
    if labels is not None and (isinstance(labels, (str, bytes, Mapping)) or not hasattr(labels, "__len__")
                               or not hasattr(labels, "__getitem__") or len(labels) != len(paths)):
        raise ValueError(f"labels must be a sequence with one label per path ({len(paths)}), got {labels!r}.")
    contour(ax, f, xlim, ylim, levels=levels, log=log)
    for k, path in enumerate(paths):
        trajectory(ax, path, label=None if labels is None else labels[k])
    if labels is not None:
        ax.legend()
    return ax


def surface(ax: Axes3D, f: GridFunction, xlim: Limits, ylim: Limits, *,
            resolution: int = 60, cmap: str | None = None) -> Axes3D:
    """Draw the graph of ``f`` over the box ``xlim`` x ``ylim`` as a 3-D surface.

    Parameters
    ----------
    ax : mpl_toolkits.mplot3d.Axes3D
        Created by the chapter with ``fig.add_subplot(projection="3d")``.
    f, xlim, ylim
        As in :func:`contour`.
    resolution : int, default 60
        Grid points per axis, >= 2.
    cmap : str, optional
        Colormap; defaults to ``rcParams["image.cmap"]``.

    Returns
    -------
    mpl_toolkits.mplot3d.Axes3D
        ``ax``, with one surface added.

    Raises
    ------
    TypeError, ValueError
        If ``ax`` is not 3-D axes or ``cmap`` is not a colormap name or ``Colormap``; otherwise as
        in :func:`contour`.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> saddle = lambda xy: xy[..., 0]**2 - xy[..., 1]**2
    >>> ax = surface(Figure().add_subplot(projection="3d"), saddle, (-1, 1), (-1, 1), resolution=10)
    >>> len(ax.collections)
    1
    """
    if not isinstance(ax, Axes3D):
        raise TypeError(f"ax must be 3-D axes from fig.add_subplot(projection='3d'), got {type(ax).__name__}.")
    if cmap is not None and not isinstance(cmap, (str, Colormap)):
        raise TypeError(f"cmap must be a colormap name such as 'viridis' (or a Colormap), got {type(cmap).__name__}.")
    if isinstance(cmap, str) and cmap not in mpl.colormaps:
        raise ValueError(f"cmap must be the name of a matplotlib colormap such as 'viridis', got {show(cmap)}.")
    x, y, z = _grid(f, xlim, ylim, resolution)
    ax.plot_surface(x, y, z, cmap=cmap or mpl.rcParams["image.cmap"], rcount=len(z), ccount=len(z),
                    linewidth=0, antialiased=False)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", zlabel="$f$")
    return ax


def _require_axes(ax: object) -> None:
    if not isinstance(ax, Axes) or isinstance(ax, Axes3D):
        raise TypeError(f"ax must be 2-D matplotlib Axes (e.g. fig.add_subplot()), got {type(ax).__name__}; "
                        "use surface() for 3-D axes.")


def _as_path(points: Points2D, name: str) -> FloatArray:
    xy = as_float_array(points.points if isinstance(points, Trajectory) else points, name)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
        raise ValueError(f"{name} must be a (k, 2) array of points (or a 2-D Trajectory), got shape {xy.shape}.")
    return xy


def _as_paths(trajectories: Points2D | Sequence[Points2D]) -> list[FloatArray]:
    # A Trajectory is a tuple too, and a nested list of points is one path, not many.
    if (isinstance(trajectories, (list, tuple)) and not isinstance(trajectories, Trajectory) and trajectories
            and (isinstance(trajectories[0], Trajectory) or np.ndim(trajectories[0]) >= 2)):
        return [_as_path(path, f"trajectories[{k}]") for k, path in enumerate(trajectories)]
    return [_as_path(trajectories, "trajectories")]


def _limits(value: Limits, name: str) -> FloatArray:
    pair = as_vector(value, name, size=2)
    if not pair[0] < pair[1]:
        raise ValueError(f"{name} must be an increasing pair (low, high), got {value!r}.")
    with np.errstate(over="ignore"):
        if not np.isfinite(pair[1] - pair[0]):
            raise ValueError(f"`{name}` spans more than the float range (high - low overflows); narrow it.")
    return pair


def _grid(f: GridFunction, xlim: Limits, ylim: Limits, resolution: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    require_callable(f, "f")
    (x0, x1), (y0, y1) = _limits(xlim, "xlim"), _limits(ylim, "ylim")
    n = positive_int(resolution, "resolution")
    if n < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}.")
    x, y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(all="ignore"):  # non-finite values are reported below
        z = as_float_array(f(np.stack([x, y], axis=-1)), "f(xy)", finite=False)
    if z.shape != x.shape:
        raise ValueError(f"f must be vectorised: given an array of shape {(n, n, 2)} (last axis = coordinates) "
                         f"it must return shape {(n, n)}, got {z.shape}.")
    if not np.all(np.isfinite(z)):
        raise ValueError("f is NaN or inf somewhere on the grid; shrink xlim/ylim to where f is finite.")
    return x, y, z


def _levels(z: FloatArray, levels: int | ArrayLike, log: bool) -> int | FloatArray:
    if not isinstance(levels, (int, np.integer)) or isinstance(levels, bool):
        values = as_vector(levels, "levels")
        if np.any(np.diff(values) <= 0):
            raise ValueError(f"levels must be increasing, got {values.tolist()}.")
        return values
    count, positive = positive_int(levels, "levels"), z[z > 0]
    if log and (positive.size == 0 or positive.min() == positive.max()):
        raise ValueError("log=True needs f to take at least two distinct positive values on the grid.")
    return np.geomspace(positive.min(), positive.max(), count) if log else count
