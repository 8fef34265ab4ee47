"""Tests for codelib.plotting: the house style and the ax-in, ax-out helpers."""

import sys
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from codelib.gd import gradient_descent  # noqa: E402
from codelib.plotting import STYLE_PATH, contour, contour_with_trajectory, surface, trajectory, use_book_style  # noqa: E402

OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def bowl(xy):
    """An ill-conditioned quadratic, vectorised over the last axis."""
    return 0.5 * (xy[..., 0] ** 2 + 10 * xy[..., 1] ** 2)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    return plt.figure().add_subplot()


@pytest.fixture
def ax3d():
    return plt.figure().add_subplot(projection="3d")


# --- style --------------------------------------------------------------------------------


def test_style_file_loads_with_a_colour_and_linestyle_cycle():
    rc = matplotlib.rc_params_from_file(STYLE_PATH, use_default_template=False)
    cycle = rc["axes.prop_cycle"].by_key()
    assert set(cycle) == {"color", "linestyle"}
    assert [c.upper() for c in cycle["color"]] == OKABE_ITO
    assert len({str(ls) for ls in cycle["linestyle"]}) == len(OKABE_ITO)
    assert rc["svg.hashsalt"] == "codelib" and rc["savefig.format"] == "png"
    assert rc["image.cmap"] == "viridis" and rc["figure.dpi"] == 100 and rc["savefig.dpi"] == 150
    assert not rc["axes.spines.top"] and not rc["axes.spines.right"]


def test_use_book_style_applies_the_style_outside_ipython():
    had_ipython = "IPython" in sys.modules
    with matplotlib.rc_context():
        use_book_style()
        assert matplotlib.rcParams["svg.hashsalt"] == "codelib"
        assert list(matplotlib.rcParams["figure.figsize"]) == [6.4, 4.0]
    assert matplotlib.rcParams["svg.hashsalt"] != "codelib"
    assert ("IPython" in sys.modules) == had_ipython  # no IPython import outside a kernel


def test_use_book_style_asks_the_inline_backend_for_png(monkeypatch):
    import matplotlib_inline.backend_inline as inline

    calls = []
    monkeypatch.setattr(inline, "set_matplotlib_formats", lambda *formats: calls.append(formats))
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: object()))
    with matplotlib.rc_context():
        use_book_style()
    assert calls == [("png",)]


def test_consecutive_paths_differ_in_colour_and_linestyle():
    with plt.style.context(STYLE_PATH):
        ax = plt.figure().add_subplot()
        for shift in range(3):
            trajectory(ax, [[0.0, shift], [1.0, shift]])
        paths = ax.lines[::3]
        assert [to_hex(line.get_color()).upper() for line in paths] == OKABE_ITO[:3]
        assert len({line.get_linestyle() for line in paths}) == 3


# --- contour ------------------------------------------------------------------------------


def test_contour_returns_ax_with_one_contour_set_on_the_box(ax):
    assert contour(ax, bowl, (-2, 2), (-1, 3), levels=7) is ax
    assert len(ax.collections) == 1 and not ax.lines
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 3.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")


def test_contour_keeps_labels_the_chapter_set(ax):
    ax.set_xlabel("$w$")
    contour(ax, bowl, (-1, 1), (-1, 1))
    assert ax.get_xlabel() == "$w$"


def test_contour_log_levels_are_geometric(ax):
    contour(ax, bowl, (-1, 1), (-1, 1), levels=8, log=True)
    levels = ax.collections[0].levels
    assert len(levels) == 8 and np.all(levels > 0)
    np.testing.assert_allclose(np.diff(np.log(levels)), np.log(levels[1] / levels[0]))


def test_contour_accepts_explicit_levels(ax):
    contour(ax, bowl, (-1, 1), (-1, 1), levels=[0.1, 0.5, 1.0])
    assert ax.collections[0].levels.tolist() == [0.1, 0.5, 1.0]


@pytest.mark.parametrize(("xlim", "error", "match"), [
    ((1.0, 0.0), ValueError, "xlim must be an increasing pair"),
    ((0.0, 0.0), ValueError, "xlim must be an increasing pair"),
    ((0.0, np.nan), ValueError, "xlim contains NaN or inf"),
    ((0.0, 1.0, 2.0), ValueError, "xlim must have 2 entries"),
    ("ab", TypeError, "xlim must be numeric"),
])
def test_bad_limits_raise(ax, xlim, error, match):
    with pytest.raises(error, match=match):
        contour(ax, bowl, xlim, (-1, 1))
    with pytest.raises(error, match=match.replace("xlim", "ylim")):
        contour(ax, bowl, (-1, 1), xlim)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"resolution": 1}, ValueError, "resolution must be an integer >= 2"),
    ({"resolution": 2.5}, TypeError, "resolution must be an integer"),
    ({"f": lambda xy: 1.0}, ValueError, r"f must be vectorised.*\(200, 200\)"),
    ({"f": lambda xy: np.log(xy[..., 0])}, ValueError, "f is NaN or inf somewhere on the grid"),
    ({"f": "bowl"}, TypeError, "f must be callable"),
    ({"f": lambda xy: -bowl(xy) - 1, "log": True}, ValueError, "log=True needs .* positive"),
    ({"levels": [1.0, 0.5]}, ValueError, "levels must be increasing"),
    ({"levels": 0}, ValueError, "levels must be an integer >= 1"),
])
def test_contour_rejects_bad_arguments(ax, kwargs, error, match):
    args = {"f": bowl, **kwargs}
    with pytest.raises(error, match=match):
        contour(ax, args.pop("f"), (-1, 1), (-1, 1), **args)


@pytest.mark.parametrize("bad_ax", [None, "ax", "figure", "3d"])
def test_contour_needs_2d_axes(bad_ax, ax3d):
    bad = {"figure": plt.figure(), "3d": ax3d}.get(bad_ax, bad_ax)
    with pytest.raises(TypeError, match="ax must be 2-D matplotlib Axes"):
        contour(bad, bowl, (-1, 1), (-1, 1))


# --- trajectory ---------------------------------------------------------------------------


def test_trajectory_draws_path_start_and_end(ax, rng):
    points = rng.normal(size=(6, 2))
    assert trajectory(ax, points, label="gd", color="k") is ax
    path, start, end = ax.lines
    np.testing.assert_array_equal(np.column_stack(path.get_data()), points)
    np.testing.assert_array_equal(np.ravel(start.get_data()), points[0])
    np.testing.assert_array_equal(np.ravel(end.get_data()), points[-1])
    assert path.get_label() == "gd" and path.get_color() == start.get_color() == end.get_color() == "k"
    assert [h.get_label() for h in ax.get_legend_handles_labels()[0]] == ["gd"]


def test_trajectory_accepts_a_trajectory(ax):
    run = gradient_descent(lambda x: x, [1.0, 2.0], lr=0.5, steps=3)
    trajectory(ax, run)
    np.testing.assert_array_equal(np.column_stack(ax.lines[0].get_data()), run.points)


@pytest.mark.parametrize("points", [[1.0, 2.0], np.zeros((3, 3)), np.zeros((0, 2)), [[0.0, np.nan]]])
def test_trajectory_rejects_bad_points(ax, points):
    with pytest.raises(ValueError, match="points"):
        trajectory(ax, points)


# --- contour_with_trajectory --------------------------------------------------------------


def test_contour_with_one_trajectory(ax):
    run = gradient_descent(lambda x: np.array([1.0, 10.0]) * x, [1.5, 0.8], lr=0.15, steps=20)
    assert contour_with_trajectory(ax, bowl, (-2, 2), (-1, 1), run, log=True) is ax
    assert len(ax.collections) == 1 and len(ax.lines) == 3
    assert ax.get_legend() is None


def test_contour_with_several_trajectories_and_labels(ax, rng):
    paths = [rng.normal(size=(4, 2)), rng.normal(size=(5, 2))]
    contour_with_trajectory(ax, bowl, (-3, 3), (-3, 3), paths, labels=["slow", "fast"])
    assert len(ax.lines) == 6
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["slow", "fast"]


def test_a_diverging_path_does_not_move_the_view(ax):
    lam = np.array([1.0, 10.0])
    run = gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.3, steps=100)
    assert run.diverged
    contour_with_trajectory(ax, bowl, (-2, 2), (-2, 2), [run])
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-2.0, 2.0)


@pytest.mark.parametrize("labels", [["only one"], "ab"])
def test_labels_must_match_the_paths(ax, labels):
    with pytest.raises(ValueError, match="one label per path"):
        contour_with_trajectory(ax, bowl, (-1, 1), (-1, 1), [np.zeros((2, 2))] * 2, labels=labels)


def test_a_bad_path_is_named(ax):
    with pytest.raises(ValueError, match=r"trajectories\[1\]"):
        contour_with_trajectory(ax, bowl, (-1, 1), (-1, 1), [np.zeros((2, 2)), np.zeros(2)])
    assert not ax.collections  # validated before anything is drawn


@pytest.mark.parametrize("single", [
    [[1.0, 1.0], [0.0, 0.0]],  # a nested list of points is one path
    np.array([[1.0, 1.0], [0.0, 0.0], [0.5, 0.5]]),
])
def test_a_single_path_given_as_points(ax, single):
    contour_with_trajectory(ax, bowl, (-1, 1), (-1, 1), single)
    assert len(ax.lines) == 3


# --- surface ------------------------------------------------------------------------------


def test_surface_draws_one_surface_on_3d_axes(ax3d):
    assert surface(ax3d, bowl, (-1, 1), (-1, 1), resolution=12, cmap="magma") is ax3d
    assert len(ax3d.collections) == 1
    assert ax3d.get_zlabel() == "$f$"


def test_surface_rejects_2d_axes(ax):
    with pytest.raises(TypeError, match="ax must be 3-D axes"):
        surface(ax, bowl, (-1, 1), (-1, 1))


def test_surface_rejects_bad_limits(ax3d):
    with pytest.raises(ValueError, match="ylim must be an increasing pair"):
        surface(ax3d, bowl, (-1, 1), (2, 1))



def test_print_figures_follows_the_environment(monkeypatch):
    from codelib.plotting import print_figures
    monkeypatch.delenv("BOOK_FIGURES", raising=False)
    assert not print_figures()
    monkeypatch.setenv("BOOK_FIGURES", "print")
    assert print_figures()
    with matplotlib.rc_context():
        use_book_style()
        assert matplotlib.rcParams["savefig.dpi"] == 300  # rasters inside vector figures, for print
