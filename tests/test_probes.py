"""Tests for codelib.probes: filter normalisation, loss slices (against the exact quadratic of a
linear model and against a loop of single evaluations), invariance under ReLU rescaling, the
gradient-norm test at known points, grid minima, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib import nets, probes
from codelib.probes import (
    GradientNormTest,
    filter_normalize,
    gradient_norm_test,
    grid_minima,
    random_direction,
    slice_1d,
    slice_2d,
)

FAST = settings(max_examples=30, deadline=None, derandomize=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _relu_problem(rng, sizes=(2, 5, 4, 1), n=30):
    net = nets.MLP(sizes, "relu", "mse")
    theta = nets.init_params(net, rng) + 0.1 * rng.standard_normal(net.n_params)  # nonzero biases
    return net, theta, rng.standard_normal((n, sizes[0])), rng.standard_normal((n, sizes[-1]))


def _rescale_layer(net, theta, layer, beta):
    """Rescale every unit of a hidden layer by beta (so the next layer by 1/beta)."""
    for unit in range(net.sizes[layer + 1]):
        theta = nets.rescale_hidden(net, theta, layer, unit, beta)
    return theta


# ---------------------------------------------------------------- filter normalisation

@FAST
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 6), min_size=1, max_size=3))
def test_filter_norms_equal_the_weights_and_biases_are_zero(seed, hidden):
    rng = np.random.default_rng(seed)
    net = nets.MLP((3, *hidden, 2), "tanh")
    theta = nets.init_params(net, rng) + rng.standard_normal(net.n_params)
    d = filter_normalize(net, theta, rng.standard_normal(net.n_params))
    for (W, _), (D, b) in zip(nets.unflatten(net, theta), nets.unflatten(net, d)):
        np.testing.assert_allclose(np.linalg.norm(D, axis=1), np.linalg.norm(W, axis=1), rtol=1e-12)
        np.testing.assert_array_equal(b, 0.0)


def test_filter_normalize_keeps_row_directions_and_does_not_mutate(rng):
    net, theta, _, _ = _relu_problem(rng)
    raw = rng.standard_normal(net.n_params)
    raw_copy, theta_copy = raw.copy(), theta.copy()
    d = filter_normalize(net, theta, raw)
    np.testing.assert_array_equal(raw, raw_copy)
    np.testing.assert_array_equal(theta, theta_copy)
    for (R, _), (D, _) in zip(nets.unflatten(net, raw), nets.unflatten(net, d)):
        scale = np.linalg.norm(D, axis=1) / np.linalg.norm(R, axis=1)
        np.testing.assert_allclose(D, R * scale[:, None], rtol=1e-12)  # a positive multiple of each row
        assert np.all(scale > 0)


def test_zero_rows_stay_zero():
    net = nets.MLP((2, 2, 1))
    theta = np.array([1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    d = filter_normalize(net, theta, [0.0, 0.0, 1.0, 0.0, 5.0, 5.0, 1.0, 0.0, 5.0])
    np.testing.assert_allclose(d, [0.0, 0.0, 5.0, 0.0, 0.0, 0.0, np.sqrt(2.0), 0.0, 0.0])


def test_filter_normalisation_commutes_with_permuting_units(rng):
    net, theta, _, _ = _relu_problem(rng)
    raw = rng.standard_normal(net.n_params)
    perm = [3, 0, 4, 1, 2]
    left = filter_normalize(net, nets.permute_hidden(net, theta, 0, perm), nets.permute_hidden(net, raw, 0, perm))
    right = nets.permute_hidden(net, filter_normalize(net, theta, raw), 0, perm)
    np.testing.assert_allclose(left, right, rtol=1e-12)


def test_random_direction_is_the_seeded_gaussian_draw(rng):
    net, theta, _, _ = _relu_problem(rng)
    raw = random_direction(net, theta, np.random.default_rng(7), normalize=False)
    np.testing.assert_array_equal(raw, np.random.default_rng(7).standard_normal(net.n_params))
    np.testing.assert_array_equal(random_direction(net, theta, np.random.default_rng(7)),
                                  filter_normalize(net, theta, raw))


# ---------------------------------------------------------------- slices

def test_slices_of_a_quadratic_are_exact(rng):
    # mse of a linear model is exactly quadratic: L(t + a d) = L + a g.d + a^2/2 d.H.d
    net = nets.MLP((3, 2), "linear", "mse")
    theta = rng.standard_normal(net.n_params)
    X, y = rng.standard_normal((40, 3)), rng.standard_normal((40, 2))
    value, g = nets.loss_and_grad(net, theta, X, y)
    H = nets.hessian(net, theta, X, y)
    d1, d2 = rng.standard_normal((2, net.n_params))
    alphas, betas = np.linspace(-2, 3, 11), np.linspace(-1, 1, 7)
    expected_1d = value + alphas * (g @ d1) + 0.5 * alphas**2 * (d1 @ H @ d1)
    np.testing.assert_allclose(slice_1d(net, theta, X, y, d1, alphas), expected_1d, rtol=1e-12)
    A, B = np.meshgrid(alphas, betas)
    expected_2d = (value + A * (g @ d1) + B * (g @ d2)
                   + 0.5 * (A**2 * (d1 @ H @ d1) + 2 * A * B * (d1 @ H @ d2) + B**2 * (d2 @ H @ d2)))
    Z = slice_2d(net, theta, X, y, (d1, d2), alphas, betas)
    assert Z.shape == (len(betas), len(alphas))
    np.testing.assert_allclose(Z, expected_2d, rtol=1e-12)


def test_slice_matches_single_evaluations_in_any_chunking(rng, monkeypatch):
    net, theta, X, y = _relu_problem(rng)
    d1, d2 = rng.standard_normal((2, net.n_params))
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 4)
    loop = np.array([[nets.loss(net, theta + a * d1 + b * d2, X, y) for a in alphas] for b in betas])
    np.testing.assert_allclose(slice_2d(net, theta, X, y, np.stack([d1, d2]), alphas, betas), loop, rtol=1e-12)
    monkeypatch.setattr(probes, "_CHUNK_FLOATS", 1)  # one network per chunk
    np.testing.assert_allclose(slice_2d(net, theta, X, y, [d1, d2], alphas, betas), loop, rtol=1e-12)
    np.testing.assert_allclose(slice_1d(net, theta, X, y, d1, alphas),
                               [nets.loss(net, theta + a * d1, X, y) for a in alphas], rtol=1e-12)


def test_interpolation_endpoints_are_the_two_networks(rng):
    net, theta, X, y = _relu_problem(rng)
    other = nets.init_params(net, rng)
    path = slice_1d(net, theta, X, y, other - theta, [0.0, 1.0])
    np.testing.assert_allclose(path, [nets.loss(net, theta, X, y), nets.loss(net, other, X, y)], rtol=1e-12)


@pytest.mark.parametrize("layer", [0, 1])
@pytest.mark.parametrize("beta", [0.1, 3.0, 25.0])
def test_filter_normalised_slice_is_invariant_to_relu_rescaling(rng, layer, beta):
    net, theta, X, y = _relu_problem(rng)
    scaled = _rescale_layer(net, theta, layer, beta)
    np.testing.assert_allclose(nets.forward(net, scaled, X), nets.forward(net, theta, X), rtol=1e-10, atol=1e-12)
    alphas = np.linspace(-1, 1, 9)

    def slices(normalize):
        return [slice_1d(net, t, X, y, random_direction(net, t, np.random.default_rng(3), normalize=normalize),
                         alphas) for t in (theta, scaled)]

    normalised, raw = slices(True), slices(False)
    np.testing.assert_allclose(normalised[1], normalised[0], rtol=1e-10)
    assert np.max(np.abs(raw[1] - raw[0])) > 1e-3 * np.max(np.abs(raw[0]))  # the raw slice changes


# ---------------------------------------------------------------- gradient-norm test

def test_gradient_norm_test_finds_the_least_squares_minimum(rng):
    net = nets.MLP((2, 1), "linear")
    X = rng.standard_normal((30, 2))
    A = np.hstack([X, np.ones((30, 1))])
    y = A @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(30)
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    result = gradient_norm_test(net, solution, X, y)
    assert isinstance(result, GradientNormTest)
    assert result.converged and result.kind == "minimum" and result.grad_norm < 1e-12
    np.testing.assert_allclose(result.eigenvalues, np.linalg.eigvalsh(A.T @ A / 30), rtol=1e-10)
    assert result.loss == pytest.approx(nets.loss(net, solution, X, y))


def test_gradient_norm_test_finds_the_saddle_at_zero():
    # tanh net with all weights 0 and mean-zero targets: grad = 0; W1 and W2 couple through
    # -mean(x y) != 0, so the Hessian has eigenvalues of both signs.
    net = nets.MLP((1, 1, 1), "tanh")
    X = np.linspace(-1, 1, 21)[:, None]
    result = gradient_norm_test(net, np.zeros(net.n_params), X, X[:, 0])
    assert result.converged and result.grad_norm < 1e-15  # mean(y) = 0 up to round-off
    assert result.kind == "saddle" and result.eigenvalues[0] < 0 < result.eigenvalues[-1]


def test_gradient_norm_test_flags_a_flat_direction():
    net = nets.MLP((2, 1), "linear")  # two identical inputs: w1 - w2 is a flat direction
    x = np.linspace(-1, 1, 11)
    result = gradient_norm_test(net, [1.0, 1.0, 0.0], np.column_stack([x, x]), 2 * x)
    assert result.converged and result.kind == "degenerate"
    assert abs(result.eigenvalues[0]) < 1e-12


def test_gradient_norm_test_reports_a_non_stationary_point(rng):
    net, theta, X, y = _relu_problem(rng)
    result = gradient_norm_test(net, theta, X, y)
    assert not result.converged and result.kind == "not stationary"
    assert result.grad_norm == pytest.approx(np.linalg.norm(nets.loss_and_grad(net, theta, X, y)[1]))
    assert result.eigenvalues.shape == (net.n_params,) and np.all(np.diff(result.eigenvalues) >= 0)
    loose = gradient_norm_test(net, theta, X, y, tol=10 * result.grad_norm, htol=1e-9)
    assert loose.converged and loose.kind in ("minimum", "saddle", "degenerate")


# ---------------------------------------------------------------- grid minima

def test_grid_minima_of_a_sampled_periodic_function():
    x = np.linspace(0, 4 * np.pi, 81)  # cos x cos y has minima where cos x = -cos y = +-1
    X, Y = np.meshgrid(x, x)
    rows, cols = grid_minima(np.cos(X) * np.cos(Y))
    found = sorted(zip(np.round(x[cols] / np.pi, 6), np.round(x[rows] / np.pi, 6)))
    assert found == [(1.0, 2.0), (2.0, 1.0), (2.0, 3.0), (3.0, 2.0)]  # interior ones only


def test_grid_minima_ignores_plateaus_and_borders():
    Z = np.full((4, 5), 2.0)
    Z[1, 1] = Z[1, 2] = 0.0  # a flat two-point valley: not strict
    Z[0, 4] = -1.0  # on the border
    rows, cols = grid_minima(Z)
    assert rows.size == 0 and cols.size == 0


# ---------------------------------------------------------------- bad input

def test_bad_input_messages(rng):
    net, theta, X, y = _relu_problem(rng)
    d = rng.standard_normal(net.n_params)
    with pytest.raises(TypeError, match="net must be a codelib.nets.MLP"):
        filter_normalize("net", theta, d)
    with pytest.raises(ValueError, match=r"theta must be one parameter vector of shape \(P,\)"):
        slice_1d(net, np.stack([theta, theta]), X, y, d, [0.0])
    with pytest.raises(ValueError, match="direction must have shape"):
        filter_normalize(net, theta, d[:-1])
    with pytest.raises(ValueError, match="NaN or inf"):
        slice_1d(net, theta, X, y, d, [0.0, np.nan])
    with pytest.raises(ValueError, match="non-empty 1-D vector"):
        slice_1d(net, theta, X, y, d, [])
    with pytest.raises(TypeError, match="directions must be a pair"):
        slice_2d(net, theta, X, y, d, [0.0], [0.0])
    with pytest.raises(ValueError, match=r"directions\[1\] must have shape"):
        slice_2d(net, theta, X, y, (d, d[:3]), [0.0], [0.0])
    with pytest.raises(ValueError, match="X must have shape"):
        slice_1d(net, theta, X[:, :1], y, d, [0.0])
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        random_direction(net, theta, 0)
    with pytest.raises(TypeError, match="normalize must be True"):
        random_direction(net, theta, rng, normalize="filter")
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        gradient_norm_test(net, theta, X, y, tol=0.0)
    with pytest.raises(TypeError, match="htol must be a positive real number"):
        gradient_norm_test(net, theta, X, y, htol="small")
    with pytest.raises(ValueError, match="at least 3 x 3"):
        grid_minima(np.zeros((2, 5)))
    with pytest.raises(TypeError, match="values must be numeric"):
        grid_minima("grid")
