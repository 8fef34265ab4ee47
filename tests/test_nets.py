"""Tests for codelib.nets: backprop, Hessian-vector products and the exact Hessian against
finite differences and closed forms, batching, weight-space symmetries, data, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib.nets import (
    MLP,
    flatten,
    forward,
    hessian,
    hvp,
    init_params,
    loss,
    loss_and_grad,
    make_moons,
    make_regression,
    permute_hidden,
    rescale_hidden,
    unflatten,
)

ACTIVATIONS = ["tanh", "relu", "sigmoid", "linear"]
LOSSES = ["mse", "logistic"]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _problem(rng, activation="tanh", loss_name="mse", sizes=(3, 5, 4, 1), n=20):
    net = MLP(sizes, activation, loss_name)
    theta = init_params(net, rng, scale=0.8) + 0.1 * rng.standard_normal(net.n_params)  # nonzero biases
    X = rng.standard_normal((n, sizes[0]))
    if loss_name == "logistic":
        y = (rng.random((n, 1)) < 0.5).astype(float)
    else:
        y = rng.standard_normal((n, sizes[-1]))
    return net, theta, X, y


def _rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# ---------------------------------------------------------------- derivatives

@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss_name", LOSSES)
def test_gradient_matches_central_differences(rng, activation, loss_name):
    net, theta, X, y = _problem(rng, activation, loss_name)
    h = 1e-5
    steps = h * np.eye(net.n_params)
    fd = (loss(net, theta + steps, X, y) - loss(net, theta - steps, X, y)) / (2 * h)  # batched: all P at once
    value, grad = loss_and_grad(net, theta, X, y)
    assert value == pytest.approx(loss(net, theta, X, y), rel=1e-14)
    assert _rel_err(grad, fd) < 1e-6  # relu: no pre-activation lies within h of its kink here


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss_name", LOSSES)
def test_hvp_matches_differences_of_the_gradient(rng, activation, loss_name):
    net, theta, X, y = _problem(rng, activation, loss_name)
    v = rng.standard_normal(net.n_params)
    h = 1e-5
    fd = (loss_and_grad(net, theta + h * v, X, y)[1] - loss_and_grad(net, theta - h * v, X, y)[1]) / (2 * h)
    assert _rel_err(hvp(net, theta, X, y, v), fd) < 1e-6


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_hessian_is_symmetric_and_stacks_hvp(rng, activation):
    net, theta, X, y = _problem(rng, activation, "mse", sizes=(2, 4, 3, 2))
    H = hessian(net, theta, X, y)
    stacked = np.array([hvp(net, theta, X, y, e) for e in np.eye(net.n_params)])
    assert H.shape == (net.n_params, net.n_params)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(stacked, H, rtol=0, atol=1e-12)
    v = rng.standard_normal(net.n_params)
    np.testing.assert_allclose(H @ v, hvp(net, theta, X, y, v), rtol=0, atol=1e-12)
    V = rng.standard_normal((3, net.n_params))  # several vectors in one call: the rows H v_k
    np.testing.assert_allclose(hvp(net, theta, X, y, V), V @ H, rtol=0, atol=1e-12)


def test_hessian_of_linear_models_has_closed_form(rng):
    X = rng.standard_normal((30, 2))
    A = np.hstack([X, np.ones((30, 1))])  # layout: w1, w2, then b
    theta = np.array([0.5, -1.0, 0.2])
    mse = MLP((2, 1), "linear", "mse")
    np.testing.assert_allclose(hessian(mse, theta, X, rng.standard_normal(30)), A.T @ A / 30, atol=1e-14)
    logistic = MLP((2, 1), "linear", "logistic")
    s = 1 / (1 + np.exp(-A @ theta))
    expected = A.T @ (A * (s * (1 - s))[:, None]) / 30
    np.testing.assert_allclose(hessian(logistic, theta, X, np.zeros(30)), expected, atol=1e-14)


def test_hessian_works_in_blocks_for_many_parameters(rng):
    net, theta, X, y = _problem(rng, "tanh", "mse", sizes=(3, 30, 8, 1), n=10)
    assert net.n_params > 256
    H = hessian(net, theta, X, y)
    v = rng.standard_normal(net.n_params)
    np.testing.assert_allclose(H @ v, hvp(net, theta, X, y, v), atol=1e-11)


def test_logistic_loss_is_stable_for_huge_logits():
    net = MLP((1, 1), "linear", "logistic")
    assert loss(net, [1000.0, 0.0], [[1.0]], [[0.0]]) == pytest.approx(1000.0)
    value, grad = loss_and_grad(net, [1000.0, 0.0], [[1.0]], [[1.0]])
    assert value == pytest.approx(0.0, abs=1e-300) and np.all(np.isfinite(grad))


# ---------------------------------------------------------------- batches

@pytest.mark.parametrize("loss_name", LOSSES)
def test_batched_results_equal_per_theta_results(rng, loss_name):
    net, _, X, y = _problem(rng, "tanh", loss_name)
    thetas = np.stack([init_params(net, np.random.default_rng(seed)) for seed in range(7)])
    values, grads = loss_and_grad(net, thetas, X, y)
    assert values.shape == (7,) and grads.shape == (7, net.n_params)
    for theta, value, grad, out in zip(thetas, values, grads, forward(net, thetas, X)):
        single_value, single_grad = loss_and_grad(net, theta, X, y)
        assert value == pytest.approx(single_value, rel=1e-12)
        np.testing.assert_allclose(grad, single_grad, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(out, forward(net, theta, X), rtol=1e-12)
    np.testing.assert_allclose(loss(net, thetas, X, y), values, rtol=1e-14)


def test_batched_gradient_descent_trains_fifty_seeds(rng):
    net = MLP((1, 16, 1), "tanh")
    X, y = make_regression(64, rng)
    thetas = np.stack([init_params(net, np.random.default_rng(seed)) for seed in range(50)])
    start = loss(net, thetas, X, y)
    for _ in range(300):
        thetas = thetas - 0.2 * loss_and_grad(net, thetas, X, y)[1]
    end = loss(net, thetas, X, y)
    assert end.shape == (50,) and np.all(end < start) and np.median(end) < 0.5 * np.median(start)


def test_single_row_batch_keeps_its_batch_axis(rng):
    net, theta, X, y = _problem(rng)
    values, grads = loss_and_grad(net, theta[None, :], X, y)
    assert values.shape == (1,) and grads.shape == (1, net.n_params)
    assert isinstance(loss(net, theta, X, y), float)


# ---------------------------------------------------------------- symmetries

@settings(max_examples=30, deadline=None)
@given(data=st.data(), layer=st.sampled_from([0, 1]))
def test_permuting_hidden_units_keeps_the_function(data, layer):
    rng = np.random.default_rng(1)
    net, theta, X, _ = _problem(rng, "tanh", sizes=(3, 5, 4, 2))
    width = net.sizes[layer + 1]
    perm = data.draw(st.permutations(range(width)))
    permuted = permute_hidden(net, theta, layer, perm)
    np.testing.assert_allclose(forward(net, permuted, X), forward(net, theta, X), rtol=1e-12, atol=1e-14)
    assert np.array_equal(permuted, theta) == (list(perm) == list(range(width)))
    np.testing.assert_array_equal(permute_hidden(net, permuted, layer, np.argsort(perm)), theta)


def test_permute_hidden_moves_rows_bias_and_columns_together(rng):
    net = MLP((2, 3, 1))
    theta = np.arange(net.n_params, dtype=float)
    (W1, b1), (W2, b2) = unflatten(net, permute_hidden(net, theta, 0, [2, 0, 1]))
    (V1, c1), (V2, _) = unflatten(net, theta)
    np.testing.assert_array_equal(W1, V1[[2, 0, 1]])
    np.testing.assert_array_equal(b1, c1[[2, 0, 1]])
    np.testing.assert_array_equal(W2, V2[:, [2, 0, 1]])
    batch = np.stack([theta, -theta])
    np.testing.assert_array_equal(permute_hidden(net, batch, 0, [2, 0, 1])[1],
                                  -permute_hidden(net, theta, 0, [2, 0, 1]))


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_rescaling_a_homogeneous_unit_keeps_the_function(rng, activation):
    net, theta, X, y = _problem(rng, activation, sizes=(3, 5, 4, 1))
    scaled = rescale_hidden(net, theta, 1, 2, 7.5)
    np.testing.assert_allclose(forward(net, scaled, X), forward(net, theta, X), rtol=1e-12, atol=1e-14)
    assert not np.allclose(scaled, theta)
    # same loss, different gradient: flatness is not invariant under reparametrisation
    assert loss(net, scaled, X, y) == pytest.approx(loss(net, theta, X, y), rel=1e-12)
    assert not np.allclose(loss_and_grad(net, scaled, X, y)[1], loss_and_grad(net, theta, X, y)[1])


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_rescaling_a_saturating_unit_is_refused(rng, activation):
    net, theta, _, _ = _problem(rng, activation)
    with pytest.raises(ValueError, match="not positively homogeneous"):
        rescale_hidden(net, theta, 0, 0, 2.0)


# ---------------------------------------------------------------- layout, init, data

def test_flatten_unflatten_round_trip(rng):
    net, theta, _, _ = _problem(rng)
    layers = unflatten(net, theta)
    assert [W.shape for W, _ in layers] == [(5, 3), (4, 5), (1, 4)]
    np.testing.assert_array_equal(flatten(layers), theta)
    layers[0][0][:] = 0.0  # copies: theta is untouched
    assert np.all(theta[:15] != 0)
    batch = np.stack([theta, 2 * theta])
    np.testing.assert_array_equal(flatten(unflatten(net, batch)), batch)


def test_layout_is_row_major_weights_then_bias():
    net = MLP((2, 3, 1))
    (W1, b1), (W2, b2) = unflatten(net, np.arange(13.0))
    np.testing.assert_array_equal(W1, [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(b1, [6, 7, 8])
    np.testing.assert_array_equal(W2, [[9, 10, 11]])
    np.testing.assert_array_equal(b2, [12])


def test_init_params_shapes_scales_and_determinism():
    net = MLP((4, 200, 3), "relu")
    theta = init_params(net, np.random.default_rng(5))
    np.testing.assert_array_equal(theta, init_params(net, np.random.default_rng(5)))
    (W1, b1), (W2, b2) = unflatten(net, theta)
    assert not b1.any() and not b2.any()
    assert W1.std() == pytest.approx(np.sqrt(2 / 4), rel=0.1)  # He
    tanh = unflatten(MLP((4, 200, 3)), init_params(MLP((4, 200, 3)), np.random.default_rng(5)))
    assert tanh[0][0].std() == pytest.approx(np.sqrt(2 / 204), rel=0.1)  # Glorot
    assert init_params(net, np.random.default_rng(5), scale=0.01)[:800].std() == pytest.approx(0.01, rel=0.1)


@pytest.mark.parametrize("make, n_in", [(make_regression, 1), (make_moons, 2)])
def test_datasets_are_deterministic_and_shaped(make, n_in):
    X, y = make(41, np.random.default_rng(3))
    X2, y2 = make(41, np.random.default_rng(3))
    assert X.shape == (41, n_in) and y.shape == (41, 1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make(41, np.random.default_rng(4)).X)


def test_dataset_contents():
    X, y = make_regression(30, np.random.default_rng(0), noise=0)
    np.testing.assert_allclose(y, np.sin(X))
    assert np.all(np.abs(X) <= np.pi)
    X, y = make_moons(200, np.random.default_rng(0), noise=0)
    assert set(np.unique(y)) == {0.0, 1.0} and y.mean() == 0.5
    np.testing.assert_allclose(np.linalg.norm(X[y[:, 0] == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y[:, 0] == 1] - [1.0, 0.5], axis=1), 1.0)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(sizes=(3,)), ValueError, "at least"),
    (dict(sizes=(3, 0, 1)), ValueError, r"sizes\[1\]"),
    (dict(sizes=(3, 2.5, 1)), TypeError, r"sizes\[1\]"),
    (dict(sizes=3), TypeError, "tuple of layer widths"),
    (dict(sizes=(2, 1), activation="softplus"), ValueError, "activation must be one of"),
    (dict(sizes=(2, 1), loss="hinge"), ValueError, "loss must be one of"),
    (dict(sizes=(2, 2), loss="logistic"), ValueError, "single output logit"),
])
def test_mlp_rejects_bad_configuration(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)


def test_mlp_is_frozen_and_normalises_sizes():
    net = MLP([2, np.int64(3), 1])
    assert net.sizes == (2, 3, 1) and net.n_params == 13
    with pytest.raises(AttributeError):
        net.sizes = (1, 1)


def test_bad_arrays_are_named(rng):
    net, theta, X, y = _problem(rng)
    with pytest.raises(ValueError, match="n_params = 49"):
        loss(net, theta[:-1], X, y)
    with pytest.raises(ValueError, match=r"shape \(P,\)"):
        hvp(net, np.stack([theta, theta]), X, y, theta)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 3\)"):
        forward(net, theta, X[:, :2])
    with pytest.raises(ValueError, match="reshape"):
        forward(MLP((1, 1)), [1.0, 0.0], np.ones(4))
    with pytest.raises(ValueError, match=r"y must have shape \(20, 1\)"):
        loss_and_grad(net, theta, X, y[:-1])
    with pytest.raises(ValueError, match="NaN or inf"):
        loss(net, theta, np.where(X > 1, np.nan, X), y)
    with pytest.raises(TypeError, match="numeric"):
        loss(net, "theta", X, y)
    with pytest.raises(ValueError, match=r"v must be one vector of length 49 \(P\) or K such vectors"):
        hvp(net, theta, X, y, theta[:3])
    with pytest.raises(ValueError, match=r"got an array of shape \(2, 2, 49\)"):
        hvp(net, theta, X, y, np.zeros((2, 2, 49)))
    with pytest.raises(ValueError, match=r"labels y in \{0, 1\}"):
        loss(MLP((3, 1), loss="logistic"), np.zeros(4), X, y)
    with pytest.raises(TypeError, match="net must be a codelib.nets.MLP"):
        loss((3, 5, 1), theta, X, y)


@pytest.mark.parametrize("bad", [0, np.random.RandomState(0), None])
def test_rng_must_be_a_generator(bad):
    for call in (lambda: init_params(MLP((2, 1)), bad), lambda: make_moons(10, bad),
                 lambda: make_regression(10, bad)):
        with pytest.raises(TypeError, match="numpy.random.Generator"):
            call()


def test_bad_scale_and_noise():
    with pytest.raises(ValueError, match="scale must be a finite number > 0"):
        init_params(MLP((2, 1)), np.random.default_rng(0), scale=-1.0)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, np.random.default_rng(0), noise=-0.1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        make_regression(0, np.random.default_rng(0))


def test_bad_symmetry_arguments(rng):
    net = MLP((2, 3, 4, 1), "relu")
    theta = init_params(net, rng)
    with pytest.raises(ValueError, match=r"layer must be in range\(2\)"):
        permute_hidden(net, theta, 2, [0, 1, 2])
    with pytest.raises(TypeError, match="layer must be an int"):
        permute_hidden(net, theta, 0.0, [0, 1, 2])
    with pytest.raises(ValueError, match="no hidden layer"):
        permute_hidden(MLP((2, 1)), np.zeros(3), 0, [0])
    for perm in ([0, 1], [0, 1, 1], [0, 1, 3], [0.0, 1.0, 2.0]):
        with pytest.raises(ValueError, match=r"permutation of range\(3\)"):
            permute_hidden(net, theta, 0, perm)
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        rescale_hidden(net, theta, 0, 0, 0.0)
    with pytest.raises(ValueError, match=r"unit must be in range\(4\)"):
        rescale_hidden(net, theta, 1, 4, 2.0)


def test_flatten_rejects_bad_layers():
    with pytest.raises(ValueError, match="empty"):
        flatten([])
    with pytest.raises(TypeError, match=r"pair \(W, b\)"):
        flatten([np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"b \(out,\)"):
        flatten([(np.ones((2, 2)), np.ones(3))])
    with pytest.raises(ValueError, match="takes 3 inputs"):
        flatten([(np.ones((2, 2)), np.ones(2)), (np.ones((1, 3)), np.ones(1))])


@pytest.mark.parametrize(("sizes", "batch"), [((2, 4, 1), 3), ((3, 30, 8, 1), 20)])  # the second in blocks
def test_hessian_of_a_batch_stacks_single_hessians(rng, sizes, batch):
    net, theta, X, y = _problem(rng, "tanh", "mse", sizes=sizes, n=10)
    thetas = np.stack([theta + 0.1 * rng.standard_normal(net.n_params) for _ in range(batch)])
    H = hessian(net, thetas, X, y)
    assert H.shape == (batch, net.n_params, net.n_params)
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))
    np.testing.assert_allclose(H, np.stack([hessian(net, t, X, y) for t in thetas]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad", [np.zeros((2, 3, 17)), np.zeros((2, 16)), np.zeros(16), np.zeros((0, 17))])
def test_hessian_rejects_a_batch_of_the_wrong_shape(rng, bad):
    net, _, X, y = _problem(rng, "tanh", "mse", sizes=(2, 4, 1))
    with pytest.raises(ValueError, match="theta"):
        hessian(net, bad, X, y)
