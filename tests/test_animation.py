"""Tests for codelib.animation: HTML that plays without a kernel, a still PNG for the PDF."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from codelib.animation import PathAnimation, animate_paths
from codelib.gd import gradient_descent
from codelib.plotting import contour, use_book_style


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def ax():
    with plt.rc_context():
        use_book_style()  # its savefig.bbox "tight" must not shift the pixel coordinates
        fig, ax = plt.subplots()
        yield ax
    plt.close("all")


def quadratic(xy):
    return 0.1 * xy[..., 0] ** 2 + 2 * xy[..., 1] ** 2


def test_html_holds_every_step_and_a_player(ax):
    contour(ax, quadratic, (-11, 11), (-11, 11))
    run = gradient_descent(lambda x: np.array([0.2 * x[0], 4 * x[1]]), [-10.0, -10.0], lr=0.1, steps=30)
    animation = animate_paths(ax, [run.points], labels=["lr 0.1"], alt="gradient descent path")
    page = animation._repr_html_()
    points = re.search(r'data-points="([^"]+)"', page).group(1).split()
    assert len(points) == 31
    assert 'max="30"' in page and "<script>" in page and 'alt="gradient descent path"' in page
    assert animation._repr_png_().startswith(b"\x89PNG")


def test_pixel_coordinates_follow_the_data(ax):
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    animation = animate_paths(ax, [[[0, 0], [10, 10], [5, 5]]], alt="diagonal")
    (x0, y0), (x1, y1), (xm, ym) = animation.pixel_paths[0]
    left, top, right, bottom = animation.clip_box
    assert (x0, y0) == pytest.approx((left, bottom))  # data origin: bottom left of the axes
    assert (x1, y1) == pytest.approx((right, top))  # image y runs downwards
    assert (xm, ym) == pytest.approx(((left + right) / 2, (top + bottom) / 2))


def test_paths_of_different_lengths_stop_at_their_end(ax):
    animation = animate_paths(ax, [np.zeros((5, 2)), np.ones((12, 2))], alt="two runs")
    assert animation.n_steps == 11
    assert [len(p) for p in animation.pixel_paths] == [5, 12]


def test_output_is_deterministic(rng):
    def build():
        with plt.rc_context():
            fig, ax = plt.subplots()
            path = np.cumsum(np.random.default_rng(1).normal(size=(20, 2)), axis=0)
            return animate_paths(ax, [path], alt="random walk")._repr_html_()

    assert build() == build()


def test_figure_is_closed(ax):
    figure = ax.figure
    animate_paths(ax, [[[0, 0], [1, 1]]], alt="path")
    assert not plt.fignum_exists(figure.number)


@pytest.mark.parametrize(
    ("paths", "kwargs", "error", "match"),
    [
        ([[[0, 0, 0], [1, 1, 1]]], {}, ValueError, r"shape \(k, 2\)"),
        ([], {}, ValueError, "empty"),
        (np.zeros((3, 2)), {}, ValueError, "wrap a single path"),
        ([[[0, np.nan]]], {}, ValueError, "NaN"),
        ([[[0, 0]]], {"labels": ["a", "b"]}, ValueError, "one per path"),
        ([[[0, 0]]], {"interval_ms": 0}, ValueError, "interval_ms"),
        ([[[0, 0]]], {"alt": ""}, TypeError, "alt"),
    ],
)
def test_bad_input(ax, paths, kwargs, error, match):
    kwargs = {"alt": "a path", **kwargs}
    with pytest.raises(error, match=match):
        animate_paths(ax, paths, **kwargs)


def test_rejects_non_axes():
    with pytest.raises(TypeError, match="2-D matplotlib Axes"):
        animate_paths("not an axes", [[[0, 0]]], alt="path")


def test_is_a_path_animation(ax):
    assert isinstance(animate_paths(ax, [[[0, 0]]], alt="a point"), PathAnimation)


def test_repr_has_no_memory_address(ax):
    animation = animate_paths(ax, [np.zeros((3, 2)), np.ones((5, 2))], alt="two paths")
    assert repr(animation) == "PathAnimation(2 paths, 4 steps)"


def test_a_print_build_adds_a_vector_still_for_the_pdf(monkeypatch):
    def still_pdf():
        fig, ax = plt.subplots()
        return animate_paths(ax, [np.array([[0.0, 0.0], [1.0, 1.0]])], alt="a path")._repr_pdf_()

    assert still_pdf() is None                      # the web build: PNG only
    monkeypatch.setenv("BOOK_FIGURES", "print")
    first, second = still_pdf(), still_pdf()
    assert first.startswith(b"%PDF") and first == second  # vector, and the same from build to build
