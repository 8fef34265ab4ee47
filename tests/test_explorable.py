"""Tests for codelib.explorable: sliders over precomputed results, a static page, a still for the PDF."""

import asyncio
import json
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import require
from explorable_driver import drive_all, expand, head

from codelib import _render
from codelib.explorable import (
    SUBPIXELS,
    Explorable,
    curves_layer,
    explore,
    images_layer,
    paths_layer,
)
from codelib.gd import gradient_descent
from codelib.plotting import contour, use_book_style

LAM = np.array([0.2, 4.0])                      # the lecture's quadratic 0.1 x1^2 + 2 x2^2
ALPHAS = np.array([0.01, 0.1, 0.3, 0.48, 0.7])
KAPPAS = np.array([5.0, 20.0])


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def style():
    with plt.rc_context():
        use_book_style()  # its savefig.bbox "tight" must not shift the pixel coordinates
        yield
    plt.close("all")


def quadratic_runs(alphas=ALPHAS, kappas=KAPPAS, steps=40):
    """Gradient descent from (-10, -10) on 0.5 (4/kappa x1^2 + 4 x2^2), one run per (alpha, kappa)."""
    a, k = np.meshgrid(alphas, kappas, indexing="ij")
    lam = np.stack([4.0 / k.ravel(), np.full(k.size, 4.0)], axis=-1)
    run = gradient_descent(lambda x: lam * x, np.tile([-10.0, -10.0], (k.size, 1)), lr=a.ravel(), steps=steps)
    points = np.moveaxis(run.points, 1, 0).reshape(len(alphas), len(kappas), steps + 1, 2)
    return points, run.diverged.reshape(len(alphas), len(kappas))


def bowl(xy):
    return 0.1 * xy[..., 0] ** 2 + 2 * xy[..., 1] ** 2


def contour_axes():
    fig, ax = plt.subplots()
    contour(ax, bowl, (-11, 11), (-11, 11), levels=10)
    return ax


def data_of(view: Explorable) -> dict:
    blob = re.search(r'<script type="application/json" class="codelib-explorable-data">(.*?)</script>',
                     view.html).group(1)
    return json.loads(blob.replace("<\\/", "</"))


def decoded(text: str) -> np.ndarray:
    """The absolute points (in SVG units) of a path whose tokens are all inside the margin."""
    tokens = expand(text)
    return np.array([head(tokens[: i + 1]) for i in range(len(tokens))], dtype=float)


# --- what the HTML holds ------------------------------------------------------------------------


def test_html_has_a_labelled_slider_per_parameter_and_a_step_slider():
    points, _ = quadratic_runs()
    ax = contour_axes()
    view = explore({"step size α": ALPHAS, "condition number κ": KAPPAS}, [paths_layer(ax, points)],
                   alt="paths for each step size", still={"step size α": 0.48, "condition number κ": 20})
    page = view._repr_html_()
    assert page.count('type="range"') == 3 and page.count("<label for=") == 3
    ids = re.findall(r'<label for="([^"]+)"', page)
    assert all(f'id="{i}"' in page for i in ids)
    assert 'aria-valuetext="step size α = 0.48"' in page and 'aria-valuetext="condition number κ = 20"' in page
    assert 'aria-valuetext="step 40 of 40"' in page and "<button" in page
    assert 'class="codelib-explorable"' in page and 'alt="paths for each step size"' in page
    assert page.count('data-param-index="3,1"') == 2          # the path and its head
    assert view.still_index == (3, 1) and view.still_label == "step size α = 0.48, condition number κ = 20"
    assert view._repr_png_().startswith(b"\x89PNG") and view.n_steps == 40


def test_every_drawn_path_is_the_precomputed_one():
    """Decoded from the page's data, each path is the data in pixels, to within rounding."""
    points, _ = quadratic_runs(alphas=ALPHAS[:4])              # none diverges: all inside the margin
    ax = contour_axes()
    view = explore({"α": ALPHAS[:4], "κ": KAPPAS}, [paths_layer(ax, points)], alt="paths")
    data = data_of(view)
    layer = data["layers"][0]
    assert layer["shape"] == [4, 2] and len(layer["items"]) == 1
    for flat, (i, j) in enumerate(np.ndindex(4, 2)):
        drawn = decoded(layer["items"][0][flat])
        expected = SUBPIXELS * _render.to_pixels(ax, points[i, j], 100)
        assert len(drawn) <= len(expected)                     # a path that stops moving ends early
        assert np.abs(drawn - expected[: len(drawn)]).max() <= 0.5 + 1e-9
        assert np.abs(drawn[-1] - expected[-1]).max() <= 0.5 + 1e-9


def test_a_parameter_grid_of_one_broadcasts():
    """A layer with length 1 along a grid axis is stored once and shown for every value."""
    points, _ = quadratic_runs()
    fig, (ax1, ax2) = plt.subplots(1, 2)
    ax2.set(xlim=(0, 1), ylim=(0, 1))
    marker = np.array([0.5, 0.5]).reshape(1, 1, 1, 2)           # the same one-point path everywhere
    view = explore({"α": ALPHAS, "κ": KAPPAS}, [paths_layer(ax1, points), paths_layer(ax2, marker)], alt="x")
    layers = data_of(view)["layers"]
    assert layers[1]["shape"] == [1, 1] and len(layers[1]["items"][0]) == 1
    assert view.n_steps == 40


def test_curves_are_drawn_in_full_without_a_step_slider():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 30)
    ys = np.array([[a * x**2, a * x] for a in (0.5, 1.0, 2.0)])   # (3 values, 2 curves, 30 points)
    ax.set(xlim=(0, 1), ylim=(0, 2))
    view = explore({"a": [0.5, 1.0, 2.0]}, [curves_layer(ax, x, ys, labels=["square", "line"])], alt="curves",
                   legend_loc="upper left")
    page = view._repr_html_()
    assert 'class="codelib-explorable-step"' not in page and "<button" not in page and view.n_steps == 0
    assert not re.search(r"<path [^>]*data-step", page) and page.count("<path ") == 2 and "<circle" not in page
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["square", "line"] and legend._loc == 2  # upper left
    drawn = decoded(data_of(view)["layers"][0]["items"][1][2])    # the line of a = 2
    assert len(drawn) == 30


def test_parametric_curves_take_x_of_their_own_shape():
    """Circles of radius 1, 2, 3 (one per value): every drawn point lies on its circle."""
    fig, ax = plt.subplots()
    ax.set(xlim=(-4, 4), ylim=(-4, 4))
    t = np.linspace(0, 2 * np.pi, 40)
    radii = np.array([1.0, 2.0, 3.0])[:, None]
    view = explore({"r": radii[:, 0]}, [curves_layer(ax, radii * np.cos(t), radii * np.sin(t))], alt="circles")
    for r, item in zip(radii[:, 0], data_of(view)["layers"][0]["items"][0]):
        circle = np.column_stack([r * np.cos(t), r * np.sin(t)])
        assert np.abs(decoded(item) - SUBPIXELS * _render.to_pixels(ax, circle, 100)).max() <= 0.5 + 1e-9


def test_layers_on_one_axes_continue_the_colour_cycle():
    """As successive ax.plot calls: a second layer on the same axes takes the next colour, a layer on
    other axes starts again, and a layer made under another cycle keeps its own."""
    fig, (ax1, ax2) = plt.subplots(1, 2)
    one = np.zeros((2, 3, 2))
    with plt.rc_context({"axes.prop_cycle": plt.cycler(color=["0.5", "0.6"])}):
        grey = curves_layer(ax1, [0, 1], np.zeros((2, 2, 2)))
    view = explore({"a": [1.0, 2.0]}, [grey, paths_layer(ax1, one), paths_layer(ax1, one), paths_layer(ax2, one)],
                   alt="x")
    colours = [[style["color"] for style in layer.styles] for layer in view.layers]
    cycle = [matplotlib.colors.to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert colours == [["#808080", "#999999"], [cycle[0]], [cycle[1]], [cycle[0]]]
    assert [layer.styles[0]["linestyle"] for layer in view.layers[1:3]] == ["-", "--"]


def test_a_curve_leaves_a_gap_at_nan():
    fig, ax = plt.subplots()
    ax.set(xlim=(0, 3), ylim=(0, 3))
    view = explore({"a": [1.0]}, [curves_layer(ax, [0, 1, 2, 3], [[0, 1, np.nan, 3]])], alt="gap")
    tokens = expand(data_of(view)["layers"][0]["items"][0][0])
    assert tokens[2] == "~" and tokens[3].startswith("M")     # the pen is lifted, then moves


def test_images_are_switched_per_value():
    fig, ax = plt.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    images = np.array([np.outer(np.arange(6), np.ones(5)) * a for a in (1.0, 2.0, 3.0)])
    images[1, 0, 0] = np.nan
    view = explore({"a": [1.0, 2.0, 3.0]}, [images_layer(ax, images, extent=(0, 1, 0, 1))], alt="images",
                   still={"a": 3.0})
    items = data_of(view)["layers"][0]["items"][0]
    assert len(items) == 3 and len(set(items)) == 3 and all(i.startswith("data:image/png;base64,") for i in items)
    assert f'href="{items[2]}"' in view.html                    # the still's image is shown first
    assert view._repr_png_() != explore({"a": [1.0, 2.0, 3.0]}, [images_layer(
        plt.subplots()[1], images, extent=(0, 1, 0, 1))], alt="images").still_png


def test_a_diverged_run_stops_at_its_last_finite_point_and_says_so():
    ax = contour_axes()
    path = np.array([[-10.0, -10.0], [-5.0, 8.0], [0.0, -20.0], [np.nan, np.inf], [1.0, 1.0]])
    paths = np.stack([path, np.linspace([-10, -10], [0, 0], 5)])   # (2 values, 5 points, 2)
    view = explore({"α": [0.6, 0.1]}, [paths_layer(ax, paths)], alt="a diverging run",
                   notes=["too large", "fine"])
    data = data_of(view)
    assert len(expand(data["layers"][0]["items"][0][0])) == 3      # the three finite points
    assert data["notes"] == ["too large; diverged", "fine"] and view.notes.tolist() == data["notes"]
    assert "too large; diverged" in view.html                       # the still is the first value


def test_diverged_flags_of_a_batch_mark_the_note():
    points, diverged = quadratic_runs()
    assert diverged[-1].all() and not diverged[:-1].any()           # alpha = 0.7 > 2 / lambda_max blows up
    view = explore({"α": ALPHAS, "κ": KAPPAS}, [paths_layer(contour_axes(), points, diverged=diverged)], alt="x")
    notes = np.array(data_of(view)["notes"]).reshape(5, 2)
    assert (notes == "diverged").tolist() == diverged.tolist()


def test_far_points_are_clipped_to_a_margin_around_the_figure():
    ax = contour_axes()
    path = np.array([[0.0, 0.0], [1e6, 1.0], [-1e300, 1e300], [0.0, 0.0]])
    view = explore({"a": [1.0]}, [paths_layer(ax, path[None])], alt="far")
    tokens = expand(data_of(view)["layers"][0]["items"][0][0])
    width, height = view.size
    numbers = [abs(int(v)) for v in re.findall(r"-?\d+", " ".join(t for t in tokens if t.startswith("M")))]
    assert max(numbers) <= 2 * SUBPIXELS * max(width, height)
    assert tokens[1].endswith("~") and tokens[2] == "~" and tokens[3].startswith("M")


def test_repeated_points_are_run_length_coded_and_a_stopped_path_ends():
    fig, ax = plt.subplots()
    ax.set(xlim=(0, 10), ylim=(0, 10))
    path = np.array([[1.0, 1.0]] + [[1.0 + 0.01 * k, 1.0] for k in range(1, 6)] + [[2.0, 2.0]] * 20)
    view = explore({"a": [1.0]}, [paths_layer(ax, path[None])], alt="slow")
    text = data_of(view)["layers"][0]["items"][0][0]
    assert "*" in text and len(expand(text)) == 7 and view.n_steps == 25


def test_output_is_deterministic():
    def build():
        with plt.rc_context():
            use_book_style()
            points, _ = quadratic_runs()
            return explore({"α": ALPHAS, "κ": KAPPAS}, [paths_layer(contour_axes(), points)], alt="x")._repr_html_()

    first, second = build(), build()
    assert first == second
    assert re.search(r'id="codelib-explorable-[0-9a-f]{12}"', first)


def test_a_9_by_9_grid_stays_small():
    """A 9 x 9 grid of one 101-point path with its risk beside it, as on the ill-conditioning page."""
    alphas, kappas = np.linspace(0.01, 0.52, 9), np.geomspace(2, 200, 9)
    points, _ = quadratic_runs(alphas, kappas, steps=100)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    contour(ax1, bowl, (-11, 11), (-11, 11), levels=15)
    ax2.set(yscale="log", ylim=(1e-8, 1e4), xlim=(0, 100))
    lam = np.stack([4 / kappas, np.full(9, 4.0)], axis=-1)       # (9 kappas, 2)
    risk = 0.5 * np.sum(lam[None, :, None, :] * points**2, axis=-1)
    steps = np.broadcast_to(np.arange(101), risk.shape)
    view = explore({"α": alphas, "κ": kappas}, [paths_layer(ax1, points),
                                                  paths_layer(ax2, np.stack([steps, risk], axis=-1))], alt="x")
    assert len(view.html) < 250_000, len(view.html)


def test_the_still_is_the_rendering_of_the_stated_value():
    points, _ = quadratic_runs()

    def still(params, data, **kwargs):
        with plt.rc_context():
            use_book_style()
            return explore(params, [paths_layer(contour_axes(), data)], alt="x", **kwargs).still_png

    chosen = still({"α": ALPHAS, "κ": KAPPAS}, points, still={"α": 0.3, "κ": 20.0})
    alone = still({"α": [0.3], "κ": [20.0]}, points[2:3, 1:2])
    assert chosen == alone
    assert still({"α": ALPHAS, "κ": KAPPAS}, points) == still({"α": [0.01], "κ": [5.0]}, points[:1, :1])
    assert chosen != still({"α": ALPHAS, "κ": KAPPAS}, points)


def test_a_print_build_gets_a_vector_still(monkeypatch):
    """BOOK_FIGURES=print (make pdf): the still is also PDF, the same from build to build."""
    points, _ = quadratic_runs()

    def build():
        return explore({"α": ALPHAS, "κ": KAPPAS}, [paths_layer(contour_axes(), points)], alt="x")

    assert build()._repr_pdf_() is None
    monkeypatch.setenv("BOOK_FIGURES", "print")
    first, second = build()._repr_pdf_(), build()._repr_pdf_()
    assert first.startswith(b"%PDF") and first == second


def test_figure_is_closed_and_axes_keep_their_limits():
    ax = contour_axes()
    figure, limits = ax.figure, (ax.get_xlim(), ax.get_ylim())
    explore({"a": [1.0, 2.0]}, [paths_layer(ax, np.full((2, 3, 2), 50.0))], alt="x")
    assert not plt.fignum_exists(figure.number)
    assert (ax.get_xlim(), ax.get_ylim()) == limits


def test_repr_has_no_memory_address():
    view = explore({"step size α": [0.1, 0.2]}, [paths_layer(contour_axes(), np.zeros((2, 4, 2)))], alt="x")
    assert repr(view) == "Explorable(step size α (2 values), 1 layers, 3 steps)"


def test_values_are_shown_short():
    view = explore({"x₂ offset": [1e-6, 0.001, 12.0]}, [paths_layer(contour_axes(), np.zeros((3, 2, 2)))],
                   alt="x")
    assert data_of(view)["values"] == [["1e-6", "0.001", "12"]]


# --- bad input ----------------------------------------------------------------------------------


def paths(ax, **kwargs):
    return paths_layer(ax, np.zeros((2, 3, 2)), **kwargs)


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "match"),
    [
        (lambda ax: {"params": [0.1, 0.2]}, {}, TypeError, "dict of parameter names"),
        (lambda ax: {"params": {}}, {}, ValueError, "one or two"),
        (lambda ax: {"params": {"a": [1, 2], "b": [1], "c": [1]}}, {}, ValueError, "one or two"),
        (lambda ax: {"params": {"a": [1.0, 1.0]}}, {}, ValueError, "distinct"),
        (lambda ax: {"params": {"a": [[1.0, 2.0]]}}, {}, ValueError, r"params\['a'\] must be a non-empty 1-D"),
        (lambda ax: {"params": {"a": [1.0, np.nan]}}, {}, ValueError, "NaN"),
        (lambda ax: {"params": {"a": [1.0, 2.0, 3.0]}}, {}, ValueError, r"layers\[0\] has 2 entries .* 3 values"),
        (lambda ax: {"layers": paths(ax)}, {}, TypeError, "list of layers"),
        (lambda ax: {"layers": []}, {}, ValueError, "empty"),
        (lambda ax: {"layers": [paths(ax), paths(plt.subplots()[1])]}, {}, ValueError, "one figure"),
        (lambda ax: {}, {"still": {"a": 1.5}}, ValueError, r"not on the grid; pass one of 1, 2"),
        (lambda ax: {}, {"still": {"b": 1.0}}, ValueError, "is not one of"),
        (lambda ax: {}, {"notes": ["one"]}, ValueError, r"shape \(2,\)"),
        (lambda ax: {}, {"notes": ["one", 2]}, TypeError, "strings"),
        (lambda ax: {}, {"alt": ""}, TypeError, "alt"),
        (lambda ax: {}, {"dpi": 5}, ValueError, "dpi"),
        (lambda ax: {}, {"legend_loc": "top"}, ValueError, "legend_loc must be a matplotlib legend location"),
        (lambda ax: {"layers": [paths(ax, labels=["a", "b"])]}, {}, ValueError, "one label per path"),
        (lambda ax: {"layers": [paths(ax, diverged=[True, False, True])]}, {}, ValueError, "diverged flags"),
    ],
)
def test_bad_input_to_explore(make, kwargs, error, match):
    ax = contour_axes()
    call = {"params": {"a": [1.0, 2.0]}, "layers": [paths(ax)], "alt": "x", **make(ax), **kwargs}
    with pytest.raises(error, match=match):
        explore(**call)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda ax: paths_layer("ax", np.zeros((2, 3, 2))), TypeError, "2-D matplotlib Axes"),
        (lambda ax: paths_layer(ax, np.zeros((3, 2))), ValueError, r"shape \(\*grid, k, steps \+ 1, 2\)"),
        (lambda ax: paths_layer(ax, np.zeros((2, 3, 3))), ValueError, "shape"),
        (lambda ax: paths_layer(ax, np.zeros((2, 3, 2)), labels="ab"), TypeError, "list of strings"),
        (lambda ax: paths_layer(ax, np.zeros((2, 3, 2)), diverged=[0.0, 1.0]), TypeError, "booleans"),
        (lambda ax: curves_layer(ax, [0, 1], np.zeros((2, 3))), ValueError, r"x must have shape \(3,\)"),
        (lambda ax: curves_layer(ax, np.zeros((3, 2, 3)), np.zeros((2, 3))), ValueError, "broadcast"),
        (lambda ax: curves_layer(ax, [0, np.nan], np.zeros((2, 2))), ValueError, "NaN"),
        (lambda ax: images_layer(ax, np.zeros((2, 3)), extent=(0, 1, 0, 1)), ValueError, r"\(\*grid, h, w\)"),
        (lambda ax: images_layer(ax, np.full((2, 3, 3), np.nan), extent=(0, 1, 0, 1)), ValueError, "no finite"),
        (lambda ax: images_layer(ax, np.zeros((2, 3, 3)), extent=(1, 0, 0, 1)), ValueError, "left < right"),
        (lambda ax: images_layer(ax, np.zeros((2, 3, 3)), extent=(0, 1, 0, 1), cmap="nope"), ValueError, "cmap"),
        (lambda ax: images_layer(ax, np.zeros((2, 3, 3)), extent=(0, 1, 0, 1), vmin=2, vmax=1), ValueError, "vmin"),
    ],
)
def test_bad_input_to_the_layers(make, error, match):
    with pytest.raises(error, match=match):
        make(contour_axes())


# --- in a browser -------------------------------------------------------------------------------


def test_sliders_show_the_precomputed_result_in_a_browser(tmp_path):
    """Chromium moves every slider (keyboard and mouse) and sees the precomputed result each time."""
    executable = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
    require(executable is not None, "Debian's chromium is not installed (apt-get install chromium)")
    points, diverged = quadratic_runs()
    fig, (ax1, ax2) = plt.subplots(1, 2)
    contour(ax1, bowl, (-11, 11), (-11, 11), levels=10)
    ax2.set(xlim=(0, 1), ylim=(0, 1))
    images = np.arange(5 * 2 * 4 * 4, dtype=float).reshape(5, 2, 4, 4)
    view = explore({"step size α": ALPHAS, "condition number κ": KAPPAS},
                   [images_layer(ax2, images, extent=(0, 1, 0, 1)), paths_layer(ax1, points, diverged=diverged),
                    curves_layer(ax2, [0, 1], np.linspace(0, 1, 5)[:, None, None] * [[0, 1]])],
                   alt="x", notes=np.full((5, 2), "a note"))

    async def run() -> tuple[int, list[str], list[str]]:
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = await browser.new_page()
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                await page.set_content(f"<!DOCTYPE html><html lang='en'><body>{view.html}</body></html>")
                count, problems = await drive_all(page)
                return count, problems, errors
            finally:
                await browser.close()

    count, problems, errors = asyncio.run(run())
    assert count == 1
    assert not problems, "\n".join(problems[:20])
    assert not errors, errors
