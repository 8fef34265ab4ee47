"""Tests for codelib.rnn: the one-unit recurrent network of Pascanu et al. (2013), its BPTT
gradient against finite differences and SymPy, batching, the cliff and the bifurcation
curve, the Jacobian-product tools, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib.gd import gradient_descent
from codelib.rnn import OneUnitRNN, RNNLossGrad, product_norms, random_matrix, saddle_node_curve, sigmoid


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _central_differences(net, w, b, h=1e-6):
    dw = (net.loss(w + h, b) - net.loss(w - h, b)) / (2 * h)
    db = (net.loss(w, b + h) - net.loss(w, b - h)) / (2 * h)
    return dw, db


def _sympy_loss_and_grad(steps, x0, target):
    """The loss and its gradient, unrolled symbolically and differentiated by SymPy."""
    w, b = sp.symbols("w b", real=True)
    sig = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    x = sp.Float(x0)
    for _ in range(steps):
        x = w * sig(x) + b
    loss = (sig(x) - target) ** 2
    return sp.lambdify((w, b), [loss, sp.diff(loss, w), sp.diff(loss, b)], "numpy")


# ---------------------------------------------------------------- the forward pass


def test_defaults_are_the_setting_of_pascanu_et_al():
    net = OneUnitRNN()
    assert (net.x0, net.steps, net.target) == (0.5, 50, 0.7)


def test_states_follow_the_recursion(rng):
    net = OneUnitRNN(x0=-0.3, steps=7)
    w, b = rng.normal(size=5) * 3, rng.normal(size=5)
    x = net.states(w, b)
    assert x.shape == (8, 5)
    np.testing.assert_array_equal(x[0], -0.3)
    for t in range(1, 8):
        np.testing.assert_allclose(x[t], w / (1 + np.exp(-x[t - 1])) + b, rtol=1e-13, atol=1e-13)


def test_loss_is_the_squared_error_of_the_last_output(rng):
    net = OneUnitRNN()
    w, b = rng.uniform(-6, 10, 20), rng.uniform(-8, 4, 20)
    np.testing.assert_allclose(net.loss(w, b), (1 / (1 + np.exp(-net.states(w, b)[-1])) - 0.7) ** 2, rtol=1e-12)


def test_sigmoid_is_the_logistic_function_and_does_not_overflow():
    x = np.linspace(-30, 30, 101)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid([-1e4, 1e4]).tolist() == [0.0, 1.0]


# ---------------------------------------------------------------- the gradient


@pytest.mark.parametrize("steps", [1, 2, 3, 5])
def test_bptt_matches_sympy_on_a_short_horizon(rng, steps):
    net = OneUnitRNN(x0=0.5, steps=steps, target=0.7)
    exact = _sympy_loss_and_grad(steps, 0.5, 0.7)
    w, b = rng.uniform(-6, 8, 25), rng.uniform(-5, 3, 25)
    loss, dw, db = net.loss_and_grad(w, b)
    ref = exact(w, b)
    np.testing.assert_allclose(loss, ref[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dw, ref[1], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(db, ref[2], rtol=1e-10, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(x0=st.floats(-2, 2), target=st.floats(0, 1), w=st.floats(-6, 8), b=st.floats(-5, 3))
def test_bptt_matches_sympy_for_any_start_and_target(x0, target, w, b):
    net = OneUnitRNN(x0=x0, steps=3, target=target)
    ref = _sympy_loss_and_grad(3, x0, target)(w, b)
    np.testing.assert_allclose(list(net.loss_and_grad(w, b)), ref, rtol=1e-9, atol=1e-13)


def test_bptt_matches_central_differences_over_fifty_steps(rng):
    net = OneUnitRNN()
    w, b = rng.uniform(-3, 8, 200), rng.uniform(-6, 3, 200)
    # Stay clear of the cliff: there the loss changes on a scale of (w sigmoid'(x0))**-50.
    far = (w < 4.0) | (np.abs(b - net.cliff_bias(w)) > 0.5)
    w, b = w[far], b[far]
    _, dw, db = net.loss_and_grad(w, b)
    fd_w, fd_b = _central_differences(net, w, b)
    scale = np.maximum(np.hypot(dw, db), 1e-3)
    assert np.max(np.abs(dw - fd_w) / scale) < 1e-6
    assert np.max(np.abs(db - fd_b) / scale) < 1e-6


def test_bptt_matches_central_differences_on_the_cliff_face():
    # Near the cliff the gradient is large; a step far below the cliff's width still agrees.
    net = OneUnitRNN()
    w = 5.0
    b = net.cliff_bias(w) + 1e-5  # the cliff is about 1e-4 wide here
    _, dw, db = net.loss_and_grad(w, b)
    fd_w, fd_b = _central_differences(net, w, b, h=1e-9)
    assert abs(float(db)) > 100.0
    np.testing.assert_allclose([dw, db], [fd_w, fd_b], rtol=1e-5)


def test_on_the_cliff_line_the_gradient_is_a_geometric_sum():
    # There x_t = x0 for every t, so dL/dx_t = delta_T * alpha**(T - t) with alpha = w sigmoid'(x0).
    net = OneUnitRNN()
    s0 = 1 / (1 + np.exp(-net.x0))
    for w in [2.0, 5.0, 6.0, 8.0]:
        alpha = w * s0 * (1 - s0)
        delta_T = 2 * (s0 - net.target) * s0 * (1 - s0)
        db = delta_T * (alpha**net.steps - 1) / (alpha - 1)
        out = net.loss_and_grad(w, net.cliff_bias(w))
        np.testing.assert_allclose(net.states(w, net.cliff_bias(w)), net.x0, rtol=1e-12)
        np.testing.assert_allclose([out.grad_w, out.grad_b], [s0 * db, db], rtol=1e-9)


def test_vectorised_equals_pointwise(rng):
    net = OneUnitRNN()
    w, b = np.meshgrid(np.linspace(-2, 10, 7), np.linspace(-8, 3, 5))
    out = net.loss_and_grad(w, b)
    assert isinstance(out, RNNLossGrad)
    assert all(part.shape == (5, 7) for part in out)
    for i, j in np.ndindex(w.shape):
        one = net.loss_and_grad(w[i, j], b[i, j])
        assert [float(v) for v in one] == [float(out.loss[i, j]), float(out.grad_w[i, j]),
                                           float(out.grad_b[i, j])]
    np.testing.assert_array_equal(net.loss(w, b), out.loss)


def test_broadcasting_a_row_of_weights_against_a_column_of_biases():
    net = OneUnitRNN()
    w, b = np.linspace(0, 8, 4), np.linspace(-5, 1, 3)[:, None]
    W, B = np.meshgrid(np.linspace(0, 8, 4), np.linspace(-5, 1, 3))
    np.testing.assert_array_equal(net.loss(w, b), net.loss(W, B))


def test_f_and_grad_take_points_of_the_plane(rng):
    net = OneUnitRNN()
    theta = np.stack([rng.uniform(0, 8, (3, 4)), rng.uniform(-5, 1, (3, 4))], axis=-1)
    np.testing.assert_array_equal(net.f(theta), net.loss(theta[..., 0], theta[..., 1]))
    g = net.grad(theta)
    out = net.loss_and_grad(theta[..., 0], theta[..., 1])
    assert g.shape == (3, 4, 2)
    np.testing.assert_array_equal(g[..., 0], out.grad_w)
    np.testing.assert_array_equal(g[..., 1], out.grad_b)


def test_gradient_descent_runs_on_the_network():
    net = OneUnitRNN()
    run = gradient_descent(net.grad, [3.0, 0.0], lr=5.0, steps=100, f=net.f)
    assert not run.diverged
    assert run.losses[-1] < 1e-3 < run.losses[0]


def test_overflow_is_reported_as_non_finite_without_a_warning():
    # On the cliff line with w = 1e7 the Jacobian factor is about 2.4e6, and (2.4e6)**50 overflows.
    net = OneUnitRNN()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = net.loss_and_grad(1e7, net.cliff_bias(1e7))
    assert np.isfinite(out.loss)
    assert not np.isfinite(out.grad_b)


# ---------------------------------------------------------------- the cliff and the bifurcation


def test_states_move_monotonically_away_from_the_cliff_line(rng):
    net = OneUnitRNN()
    w = rng.uniform(0.1, 10, 50)
    offset = rng.choice([-1, 1], 50) * rng.uniform(0.01, 2, 50)
    x = net.states(w, net.cliff_bias(w) + offset)
    steps = np.diff(x, axis=0)
    assert np.all(steps * np.sign(offset) >= -1e-12)  # up above the line, down below it


def test_the_cliff_separates_two_attractors_beyond_cliff_start():
    net = OneUnitRNN()
    for w in [5.0, 7.0, 9.0]:
        above, below = net.loss(w, net.cliff_bias(w) + 1e-3), net.loss(w, net.cliff_bias(w) - 1e-3)
        assert below > 0.3 and above < 0.1  # sigmoid(x_50) low below the line, high above it
    # Before cliff_start, x0 is an attracting fixed point on the line: the loss is continuous.
    w = 0.9 * net.cliff_start
    assert abs(net.loss(w, net.cliff_bias(w) + 1e-3) - net.loss(w, net.cliff_bias(w) - 1e-3)) < 1e-3


def test_cliff_starts_on_the_saddle_node_curve():
    net = OneUnitRNN()
    b_low, _ = saddle_node_curve(net.cliff_start)
    assert net.cliff_bias(net.cliff_start) == pytest.approx(float(b_low), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(w=st.floats(4.2, 20), where=st.floats(0.05, 0.95))
def test_three_fixed_points_inside_the_wedge_and_one_outside(w, where):
    b_low, b_high = saddle_node_curve(w)
    x = np.linspace(-40, 40, 400_001)

    def n_fixed_points(b):
        gap = w * sigmoid(x) + b - x
        return int(np.count_nonzero(np.diff(gap > 0)))

    assert n_fixed_points(b_low + where * (b_high - b_low)) == 3
    assert n_fixed_points(b_low - 0.5) == 1
    assert n_fixed_points(b_high + 0.5) == 1


def test_saddle_node_curve_has_a_tangent_fixed_point():
    w = np.array([4.5, 6.0, 10.0])
    for b, sign in zip(saddle_node_curve(w), (1, -1)):
        s = 0.5 * (1 + sign * np.sqrt(1 - 4 / w))
        x = np.log(s / (1 - s))
        np.testing.assert_allclose(w * sigmoid(x) + b, x, atol=1e-12)  # a fixed point ...
        np.testing.assert_allclose(w * s * (1 - s), 1.0, rtol=1e-12)   # ... where the map has slope 1


def test_saddle_node_curve_meets_at_the_cusp():
    b_low, b_high = saddle_node_curve(4.0)
    assert float(b_low) == float(b_high) == -2.0


# ---------------------------------------------------------------- products of Jacobians


def test_random_matrix_has_the_requested_spectral_radius(rng):
    W = random_matrix(8, 0.9, rng, shape=(3, 4))
    assert W.shape == (3, 4, 8, 8)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)).max(axis=-1), 0.9, rtol=1e-12)


def test_random_matrix_is_reproducible():
    a = random_matrix(4, 1.0, np.random.default_rng(5))
    b = random_matrix(4, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_product_norms_of_powers_grow_at_the_spectral_radius(rng):
    for rho in (0.9, 1.1):
        W = random_matrix(6, rho, rng)
        norms = product_norms(np.broadcast_to(W, (400, 6, 6)))
        assert norms[0] == 1.0
        assert (norms[400] / norms[200]) ** (1 / 200) == pytest.approx(rho, rel=1e-2)  # Gelfand's formula


def test_product_norms_multiply_in_order(rng):
    M = rng.normal(size=(2, 3, 4, 4))
    norms = product_norms(M)
    assert norms.shape == (2, 4)
    for i in range(2):
        expected = np.linalg.norm(M[i, 2] @ M[i, 1] @ M[i, 0], 2)
        assert norms[i, 3] == pytest.approx(expected, rel=1e-12)


def test_product_norms_report_overflow_as_inf_per_batch_without_a_warning():
    big = np.broadcast_to(1e200 * np.eye(2), (3, 2, 2))
    small = np.broadcast_to(0.5 * np.eye(2), (3, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = product_norms(np.stack([big, small]))
    assert norms[0].tolist() == [1.0, 1e200, np.inf, np.inf]
    assert norms[1].tolist() == [1.0, 0.5, 0.25, 0.125]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"steps": 0}, ValueError, "steps must be an integer >= 1"),
    ({"steps": 2.5}, TypeError, "steps must be an integer >= 1"),
    ({"target": 1.5}, ValueError, r"target must lie in \[0, 1\]"),
    ({"target": "0.7"}, TypeError, "target must be a real number"),
    ({"x0": np.nan}, ValueError, "x0 must be finite"),
    ({"x0": True}, TypeError, "x0 must be a real number"),
])
def test_bad_fields_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        OneUnitRNN(**kwargs)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda net: net.loss([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "w and b must broadcast"),
    (lambda net: net.loss_and_grad(np.nan, 0.0), ValueError, "w contains NaN or inf"),
    (lambda net: net.states(1.0, "b"), TypeError, "b must be numeric"),
    (lambda net: net.f([1.0, 2.0, 3.0]), ValueError, r"theta must have shape \(\.\.\., 2\)"),
    (lambda net: net.grad(1.0), ValueError, r"theta must have shape \(\.\.\., 2\)"),
    (lambda net: net.cliff_bias([np.inf]), ValueError, "w contains NaN or inf"),
])
def test_bad_arguments_are_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call(OneUnitRNN())


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: saddle_node_curve([3.0, 5.0]), ValueError, "w must be >= 4"),
    (lambda: random_matrix(3, 1.0, 0), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: random_matrix(0, 1.0, np.random.default_rng(0)), ValueError, "n must be an integer >= 1"),
    (lambda: random_matrix(3, -1.0, np.random.default_rng(0)), ValueError, "spectral_radius must be"),
    (lambda: random_matrix(3, 1.0, np.random.default_rng(0), shape=[2]), TypeError, "shape must be a tuple"),
    (lambda: product_norms(np.ones((3, 2, 3))), ValueError, r"matrices must have shape \(\.\.\., t, n, n\)"),
    (lambda: product_norms(np.ones((2, 2))), ValueError, r"matrices must have shape \(\.\.\., t, n, n\)"),
    (lambda: product_norms(np.full((1, 2, 2), np.nan)), ValueError, "matrices contains NaN or inf"),
    (lambda: sigmoid("x"), TypeError, "x must be numeric"),
])
def test_bad_arguments_of_the_functions_are_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()
