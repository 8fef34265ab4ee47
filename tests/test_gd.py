"""Tests for codelib.gd: gradient descent, clipping and divergence detection."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from codelib.gd import Trajectory, clip_by_norm, clip_by_value, gradient_descent


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def quadratic(eigenvalues):
    """f = 1/2 x^T A x with A = diag(eigenvalues), and its gradient."""
    lam = np.asarray(eigenvalues, dtype=float)
    return (lambda x: 0.5 * float(np.sum(lam * x**2))), (lambda x: lam * x)


eigenvalue_sets = st.lists(st.floats(0.1, 100.0), min_size=1, max_size=5)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


# --- gradient descent on a quadratic --------------------------------------------------------


@pytest.mark.parametrize("eigenvalues", [[1.0], [1.0, 4.0], [0.5, 2.0, 10.0]])
def test_converges_below_two_over_lambda_max(eigenvalues, rng):
    f, grad = quadratic(eigenvalues)
    lr = 0.9 * 2 / max(eigenvalues)
    run = gradient_descent(grad, rng.normal(size=len(eigenvalues)), lr=lr, steps=500, f=f)
    assert not run.diverged
    assert run.steps_taken == 500
    assert np.linalg.norm(run.final) < 1e-8
    assert np.all(np.diff(run.losses) <= 0)  # every component shrinks, so the loss never rises


@settings(max_examples=30, deadline=None)
@given(eigenvalues=eigenvalue_sets, factor=st.floats(1.2, 3.0))
def test_diverges_above_two_over_lambda_max(eigenvalues, factor):
    f, grad = quadratic(eigenvalues)
    x0 = np.ones(len(eigenvalues))
    run = gradient_descent(grad, x0, lr=factor * 2 / max(eigenvalues), steps=1000, f=f)
    assert run.diverged
    assert run.steps_taken < 1000
    assert np.all(np.isfinite(run.points)) and np.all(np.isfinite(run.losses))
    assert run.grad_norms[-1] > 1e6 * max(run.grad_norms[0], 1.0)


def test_diverged_example_from_the_brief():
    f, grad = quadratic([1.0, 10.0])
    run = gradient_descent(grad, [1.0, 1.0], lr=1.5 * 2 / 10.0, steps=200, f=f)
    assert run.diverged and np.all(np.isfinite(run.points))


def test_blowup_rule_stops_at_the_first_norm_above_the_bound():
    # x <- x - 3x = -2x, so |g| = 2**k; the bound is 100 * max(1, 1) and 2**7 = 128 > 100.
    run = gradient_descent(lambda x: x, [1.0], lr=3.0, steps=50, blowup=100)
    assert run.diverged
    assert run.grad_norms.tolist() == [2.0**k for k in range(8)]
    assert run.points[:, 0].tolist() == [(-2.0) ** k for k in range(8)]


@settings(max_examples=50, deadline=None)
@given(eigenvalues=eigenvalue_sets, fraction=st.floats(0.01, 0.99), steps=st.integers(1, 30), data=st.data())
def test_each_eigendirection_is_scaled_by_one_minus_lr_lambda(eigenvalues, fraction, steps, data):
    lam = np.array(eigenvalues)
    x0 = data.draw(arrays(float, len(lam), elements=finite))
    lr = fraction * 2 / lam.max()
    run = gradient_descent(lambda x: lam * x, x0, lr=lr, steps=steps)
    k = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(run.points, (1 - lr * lam) ** k * x0, rtol=1e-9, atol=1e-9)


def test_losses_equal_f_at_each_point_and_norms_the_gradient(rng):
    f, grad = quadratic([1.0, 3.0, 7.0])
    run = gradient_descent(grad, rng.normal(size=3), lr=0.1, steps=20, f=f)
    np.testing.assert_allclose(run.losses, [f(p) for p in run.points], rtol=1e-14)
    np.testing.assert_allclose(run.grad_norms, [np.linalg.norm(grad(p)) for p in run.points], rtol=1e-14)


def test_trajectory_shapes_and_helpers():
    run = gradient_descent(lambda x: x, [1.0, 2.0], lr=0.5, steps=4)
    assert isinstance(run, Trajectory)
    assert run.points.shape == (5, 2) and run.grad_norms.shape == (5,)
    assert run.losses is None and run.diverged is False
    assert run.points[0].tolist() == [1.0, 2.0]
    assert run.final.tolist() == run.points[-1].tolist() and run.steps_taken == 4


def test_inputs_are_not_mutated():
    x0 = np.array([1.0, -1.0])

    def grad(x):
        g = 2 * x
        x[:] = 99.0  # a careless gradient that scribbles on its argument
        return g

    run = gradient_descent(grad, x0, lr=0.25, steps=3)
    assert x0.tolist() == [1.0, -1.0]
    np.testing.assert_allclose(run.points[:, 0], 0.5 ** np.arange(4))


# --- clipping -----------------------------------------------------------------------------


@given(g=arrays(float, st.integers(1, 6), elements=finite), h=st.floats(1e-3, 1e3))
def test_clip_by_norm_caps_the_norm_at_h_and_keeps_the_direction(g, h):
    norm = np.linalg.norm(g)
    clipped = clip_by_norm(g, h)
    if norm > h:
        assert np.isclose(np.linalg.norm(clipped), h, rtol=1e-12)
        cosine = clipped @ g / (np.linalg.norm(clipped) * norm)
        assert np.isclose(cosine, 1.0, rtol=1e-12)
    else:
        assert np.array_equal(clipped, g)


@given(g=arrays(float, st.integers(1, 6), elements=st.floats(-1.0, 1.0)), h=st.floats(3.0, 10.0))
def test_clip_by_norm_leaves_small_gradients_untouched_as_a_copy(g, h):
    clipped = clip_by_norm(g, h)
    assert np.array_equal(clipped, g)
    clipped[:] = 123.0
    assert not np.any(g == 123.0)


@given(g=arrays(float, st.integers(1, 6), elements=finite), h=st.floats(1e-3, 1e3))
def test_clip_by_value_bounds_every_component(g, h):
    clipped = clip_by_value(g, h)
    assert np.all(np.abs(clipped) <= h)
    inside = np.abs(g) <= h
    assert np.array_equal(clipped[inside], g[inside])


def test_clip_by_value_changes_the_direction():
    g = np.array([10.0, 0.5])
    clipped = clip_by_value(g, 1.0)
    assert clipped.tolist() == [1.0, 0.5]
    assert clipped @ g / (np.linalg.norm(clipped) * np.linalg.norm(g)) < 0.99


def test_clip_norm_bounds_every_step_and_tames_a_too_large_lr():
    lam = np.array([1.0, 10.0])
    run = gradient_descent(lambda x: lam * x, [5.0, 5.0], lr=0.3, steps=200, clip_norm=1.0)
    assert not run.diverged
    assert np.all(np.linalg.norm(np.diff(run.points, axis=0), axis=1) <= 0.3 * (1 + 1e-12))
    assert np.all(np.abs(run.points) <= 5.0)


@pytest.mark.parametrize(("clip", "name"), [(clip_by_norm, "clip_norm"), (clip_by_value, "clip_value")])
@pytest.mark.parametrize("h", [0.0, -1.0, np.nan])
def test_clip_rejects_a_non_positive_threshold(clip, name, h):
    with pytest.raises(ValueError, match=f"{name} must be a finite number > 0"):
        clip([1.0, 2.0], h)


# --- callback -----------------------------------------------------------------------------


def test_callback_is_called_once_per_step_with_point_index_and_gradient():
    lam = np.array([1.0, 2.0])
    calls = []
    run = gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.1, steps=5,
                           callback=lambda x, i, g: calls.append((x.copy(), i, g.copy())))
    assert [i for _, i, _ in calls] == [0, 1, 2, 3, 4]
    for x, i, g in calls:
        np.testing.assert_array_equal(x, run.points[i])
        np.testing.assert_array_equal(g, lam * run.points[i])


def test_callback_cannot_mutate_the_trajectory():
    def vandal(x, i, g):
        x[:] = 1e9
        g[:] = -1e9

    grad = lambda x: 2 * x  # noqa: E731
    clean = gradient_descent(grad, [1.0, -2.0], lr=0.1, steps=6)
    touched = gradient_descent(grad, [1.0, -2.0], lr=0.1, steps=6, callback=vandal)
    np.testing.assert_array_equal(touched.points, clean.points)
    np.testing.assert_array_equal(touched.grad_norms, clean.grad_norms)


# --- non-finite values --------------------------------------------------------------------


def test_nan_gradient_stops_with_diverged_and_no_warning():
    # 1 - 2 * 1 = -1, where 1 / sqrt(x) is NaN (and NumPy would warn "invalid value").
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = gradient_descent(lambda x: 1 / np.sqrt(x), [1.0], lr=2.0, steps=10)
    assert run.diverged
    assert run.points.tolist() == [[1.0]] and run.grad_norms.tolist() == [1.0]


def test_overflow_stops_with_diverged_and_no_warning():
    # Ascent on exp: the iterates run away until exp overflows to inf.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = gradient_descent(lambda x: -np.exp(x), [1.0], lr=1.0, steps=100,
                               f=lambda x: -np.exp(x).sum(), blowup=1e308)
    assert run.diverged and run.steps_taken < 100
    assert np.all(np.isfinite(run.points)) and np.all(np.isfinite(run.losses))


def test_nan_loss_stops_with_diverged():
    run = gradient_descent(lambda x: np.ones(1), [0.5], lr=1.0, steps=10, f=lambda x: np.log(x[0]))
    assert run.diverged and run.points.tolist() == [[0.5]]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"lr": 0.0}, ValueError, "lr must be a finite number > 0"),
    ({"lr": -0.1}, ValueError, "lr must be a finite number > 0"),
    ({"lr": np.inf}, ValueError, "lr must be a finite number > 0"),
    ({"lr": "0.1"}, TypeError, "lr must be a positive real number"),
    ({"steps": 0}, ValueError, "steps must be an integer >= 1"),
    ({"steps": 2.5}, TypeError, "steps must be an integer >= 1"),
    ({"clip_norm": 0.0}, ValueError, "clip_norm must be a finite number > 0"),
    ({"clip_norm": -1.0}, ValueError, "clip_norm must be a finite number > 0"),
    ({"blowup": 1.0}, ValueError, "blowup must be a number > 1"),
    ({"x0": [np.nan, 1.0]}, ValueError, "x0 contains NaN or inf"),
    ({"x0": [np.inf, 1.0]}, ValueError, "x0 contains NaN or inf"),
    ({"x0": [[[1.0, 2.0]]]}, ValueError, r"x0 must be one start of shape \(n,\) or a batch of shape \(B, n\)"),
    ({"grad": lambda x: np.zeros(3)}, ValueError, r"grad\(x\) must return an array of shape \(2,\).*\(3,\)"),
    ({"grad": lambda x: x[:, None]}, ValueError, r"shape \(2,\) like x0, got shape \(2, 1\)"),
    ({"grad": "x"}, TypeError, "grad must be callable"),
    ({"f": 3.0}, TypeError, "f must be callable"),
    ({"callback": []}, TypeError, "callback must be callable"),
    ({"f": lambda x: x}, ValueError, r"f\(x\) must return a scalar"),
    ({"grad": lambda x: x / 0.0}, ValueError, "gradient or loss at x0 is NaN or inf"),
])
def test_bad_input_is_rejected_with_a_helpful_message(kwargs, error, match):
    args = {"grad": lambda x: x, "x0": [1.0, 2.0], "lr": 0.1, "steps": 5, **kwargs}
    with pytest.raises(error, match=match):
        gradient_descent(args.pop("grad"), args.pop("x0"), **args)
