"""Tests for codelib.second_order: Newton and saddle-free Newton on quadratic and cubic saddles,
perturbed gradient descent, the critical-point finder, and bad input. (The index of a critical
point, ``negative_eigenvalue_fraction``, is tested in tests/test_curvature.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib import nets
from codelib.curvature import gradient_flatness, negative_eigenvalue_fraction
from codelib.gd import Trajectory
from codelib.second_order import find_critical_point, newton, perturbed_gd, saddle_free_newton


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def quadratic(eigenvalues, rotation=None):
    """f = 1/2 x^T A x with A = Q diag(eigenvalues) Q^T; returns f, grad, hess, A."""
    lam = np.asarray(eigenvalues, dtype=float)
    Q = np.eye(len(lam)) if rotation is None else rotation
    A = Q @ np.diag(lam) @ Q.T
    return (lambda x: 0.5 * x @ A @ x), (lambda x: A @ x), (lambda x: A), A


def monkey():
    """f = x^3 - 3 x y^2, its gradient and Hessian."""
    f = lambda p: p[0] ** 3 - 3 * p[0] * p[1] ** 2
    grad = lambda p: np.array([3 * p[0] ** 2 - 3 * p[1] ** 2, -6 * p[0] * p[1]])
    hess = lambda p: np.array([[6 * p[0], -6 * p[1]], [-6 * p[1], -6 * p[0]]])
    return f, grad, hess


nonzero = st.floats(0.1, 10.0)
coordinate = st.floats(-5.0, 5.0)


# ---------------------------------------------------------------- Newton and saddle-free Newton


@settings(max_examples=40, deadline=None)
@given(a=nonzero, b=nonzero, x=coordinate, y=coordinate)
def test_newton_on_a_quadratic_saddle_lands_on_it_in_one_step(a, b, x, y):
    f, grad, hess, _ = quadratic([a, -b])
    run = newton(grad, hess, [x, y], lr=1.0, steps=1, f=f)
    assert isinstance(run, Trajectory) and run.steps_taken == 1 and not run.diverged
    assert np.allclose(run.final, 0.0, atol=1e-12 * (1 + abs(x) + abs(y)))
    assert run.grad_norms[-1] == pytest.approx(0.0, abs=1e-10 * (1 + abs(x) + abs(y)))


def test_newton_in_higher_dimension_with_rotation(rng):
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    f, grad, hess, _ = quadratic([3.0, -1.0, 0.5, -2.0, 1.0], Q)
    run = newton(grad, hess, rng.standard_normal(5), lr=1.0, steps=1)
    assert np.allclose(run.final, 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=nonzero, b=nonzero, x=coordinate, y=st.floats(0.01, 5.0))
def test_saddle_free_newton_moves_away_along_negative_curvature(a, b, x, y):
    f, grad, hess, _ = quadratic([a, -b])
    run = saddle_free_newton(grad, hess, [x, y], lr=1.0, steps=3, f=f)
    # each step: the positive-curvature coordinate is zeroed, the negative one doubles
    assert np.allclose(run.points[:, 0], [x, 0.0, 0.0, 0.0], atol=1e-12 * (1 + abs(x)))
    assert np.allclose(run.points[:, 1], y * 2.0 ** np.arange(4), rtol=1e-12)
    assert np.all(np.diff(run.losses) < 0)  # it descends; Newton would climb to the saddle


def test_saddle_free_newton_equals_newton_on_a_convex_quadratic(rng):
    f, grad, hess, _ = quadratic([1.0, 4.0, 9.0])
    x0 = rng.standard_normal(3)
    a = newton(grad, hess, x0, steps=2, lr=0.5)
    b = saddle_free_newton(grad, hess, x0, steps=2, lr=0.5)
    assert np.allclose(a.points, b.points)


def test_monkey_saddle_newton_halves_the_distance_saddle_free_escapes():
    f, grad, hess = monkey()
    x0 = np.array([0.4, 0.3])
    run = newton(grad, hess, x0, lr=1.0, steps=10, f=f)
    assert np.allclose(run.points, x0 * 0.5 ** np.arange(11)[:, None])  # drawn into the saddle
    escape = saddle_free_newton(grad, hess, x0, lr=1.0, steps=30, f=f, damping=1e-3)
    assert escape.losses[-1] < f(x0) - 1.0  # found a descending valley of x^3 - 3xy^2


def test_newton_at_a_singular_hessian_uses_the_pseudo_inverse():
    _, grad, hess = monkey()
    run = newton(grad, hess, [0.0, 0.0], lr=1.0, steps=2)
    assert np.array_equal(run.points, np.zeros((3, 2)))  # H = 0 and g = 0: no step, no error


def test_damping_shortens_the_newton_step():
    _, grad, hess, _ = quadratic([2.0, 2.0])
    run = newton(grad, hess, [1.0, 1.0], lr=1.0, steps=1, damping=2.0)
    assert np.allclose(run.final, [0.5, 0.5])  # (H + 2I)^{-1} H x = x / 2


def test_newton_reports_divergence():
    # f = 3/4 |x|^(4/3): grad = cbrt(x), hess = 1 / (3 cbrt(x)^2), so the Newton step is
    # x - 3x = -2x: it doubles |x| and the gradient grows by 2^(1/3) per step until the rule fires.
    grad = lambda x: np.cbrt(x)
    hess = lambda x: np.diag(1.0 / (3.0 * np.cbrt(x) ** 2))
    run = newton(grad, hess, [1.0], lr=1.0, steps=200)
    assert run.diverged and run.steps_taken < 200 and np.all(np.isfinite(run.points))
    assert np.allclose(run.points[:5, 0], [1.0, -2.0, 4.0, -8.0, 16.0])
    ok = newton(grad, hess, [1.0], steps=1, lr=1 / 3)  # the shortened step lands on 0 exactly
    assert not ok.diverged and ok.final[0] == 0.0


def test_callback_sees_every_step():
    _, grad, hess, _ = quadratic([1.0, -1.0])
    seen = []
    saddle_free_newton(grad, hess, [1.0, 0.1], lr=1.0, steps=3, callback=lambda x, i, g: seen.append(i))
    assert seen == [0, 1, 2]


# ---------------------------------------------------------------- perturbed gradient descent


def saddle_with_minima(d):
    """f = 1/2 sum_{i<d} x_i^2 - 1/2 x_d^2 + 1/4 x_d^4, batched over the leading axes."""
    def f(x):
        return 0.5 * np.sum(x[..., :-1] ** 2, axis=-1) - 0.5 * x[..., -1] ** 2 + 0.25 * x[..., -1] ** 4

    def grad(x):
        g = x.copy()
        g[..., -1] = -x[..., -1] + x[..., -1] ** 3
        return g
    return f, grad


def test_perturbed_gd_escapes_from_the_stable_manifold_plain_gd_does_not(rng):
    f, grad = saddle_with_minima(4)
    x0 = np.array([1.0, -1.0, 0.5, 0.0])  # on the stable manifold x_d = 0
    kwargs = dict(lr=0.1, steps=400, radius=1e-2, kick_tol=1e-3, t_thresh=20)
    run = perturbed_gd(grad, x0, rng=rng, f=f, **kwargs)
    assert isinstance(run, Trajectory) and run.points.shape == (401, 4)
    assert run.events.any() and not run.diverged
    assert run.losses[-1] == pytest.approx(-0.25, abs=1e-6)  # a minimum, f = -1/4
    plain = perturbed_gd(grad, x0, rng=rng, f=f, **{**kwargs, "kick_tol": 1e-300})  # never kicks
    assert not plain.events.any()
    assert plain.points[-1, -1] == 0.0 and plain.losses[-1] == pytest.approx(0.0, abs=1e-12)


def test_perturbed_gd_batch_has_independent_runs(rng):
    f, grad = saddle_with_minima(3)
    X0 = np.zeros((50, 3))
    run = perturbed_gd(grad, X0, lr=0.1, steps=300, radius=1e-3, kick_tol=1e-4, t_thresh=10, rng=rng, f=f)
    assert run.points.shape == (301, 50, 3) and run.losses.shape == (301, 50)
    assert run.grad_norms.shape == (301, 50) and run.events.shape == (301, 50)
    assert run.events[0].all()  # every run starts at the saddle with zero gradient: kicked at t = 0
    signs = np.sign(run.points[-1, :, -1])
    assert set(signs.tolist()) == {-1.0, 1.0}  # independent noise sends runs to both minima
    assert np.allclose(run.losses[-1], -0.25, atol=1e-6)


def test_perturbed_gd_kicks_stay_in_the_ball_and_respect_t_thresh(rng):
    grad = lambda x: np.zeros_like(x)  # flat: a kick every t_thresh + 1 steps
    run = perturbed_gd(grad, np.zeros(3), lr=0.1, steps=30, radius=0.5, kick_tol=1.0, t_thresh=9, rng=rng)
    assert np.flatnonzero(run.events).tolist() == [0, 10, 20]
    # points[0] is recorded after the kick at t = 0; the later kicks show as jumps
    assert 0 < np.linalg.norm(run.points[0]) <= 0.5
    jumps = np.linalg.norm(np.diff(run.points, axis=0), axis=1)
    assert np.all(jumps <= 0.5 + 1e-12) and np.flatnonzero(jumps).tolist() == [9, 19]


def test_perturbed_gd_same_seed_same_run():
    f, grad = saddle_with_minima(3)
    kw = dict(lr=0.1, steps=50, radius=1e-2, kick_tol=1e-2, t_thresh=5)
    a = perturbed_gd(grad, np.zeros(3), rng=np.random.default_rng(3), **kw)
    b = perturbed_gd(grad, np.zeros(3), rng=np.random.default_rng(3), **kw)
    assert np.array_equal(a.points, b.points)


def test_perturbed_gd_reports_divergence(rng):
    grad = lambda x: -x  # f = -|x|^2 / 2: every run runs away
    run = perturbed_gd(grad, np.ones((4, 2)), lr=1.0, steps=100, radius=1e-3, kick_tol=1e-6, t_thresh=5, rng=rng)
    assert np.all(run.diverged) and run.steps_taken < 100 and np.all(np.isfinite(run.points))


# ---------------------------------------------------------------- critical-point finding


def test_find_critical_point_finds_a_saddle_and_a_minimum():
    grad = lambda p: np.array([p[0] ** 2 - 1, 2 * p[1]])
    hess = lambda p: np.array([[2 * p[0], 0.0], [0.0, 2.0]])
    saddle = find_critical_point(grad, hess, [-0.5, 0.3])
    minimum = find_critical_point(grad, hess, [0.5, -0.3])
    assert isinstance(saddle, Trajectory) and saddle.converged and minimum.converged
    assert np.allclose(saddle.final, [-1.0, 0.0]) and np.allclose(minimum.final, [1.0, 0.0])
    assert negative_eigenvalue_fraction(hess(saddle.final)) == 0.5
    assert negative_eigenvalue_fraction(hess(minimum.final)) == 0.0
    accepted = ~saddle.events[1:]  # a rejected trial step repeats the point
    assert np.all(np.diff(saddle.grad_norms)[accepted] < 0)  # only improving steps are accepted
    assert np.all(np.diff(saddle.points, axis=0)[~accepted] == 0)


def test_find_critical_point_on_a_quadratic_saddle_is_one_step(rng):
    _, grad, hess, _ = quadratic([3.0, -1.0, 2.0])
    found = find_critical_point(grad, hess, rng.standard_normal(3), mu=1e-12)
    assert found.converged and np.allclose(found.final, 0.0, atol=1e-10) and found.steps_taken <= 2


def test_find_critical_point_stops_at_a_gradient_flat_point():
    # f = x^3/3 + x + y^2 has no critical point (df/dx = x^2 + 1 > 0), but 1/2 ||g||^2 has a
    # minimum at (0, 0), where H = diag(0, 2) and g = (1, 0): H g = 0 with ||g|| = 1.
    grad = lambda p: np.array([p[0] ** 2 + 1.0, 2 * p[1]])
    hess = lambda p: np.diag([2.0 * p[0], 2.0])
    found = find_critical_point(grad, hess, [0.7, 0.4], steps=500)
    assert not found.converged
    assert found.grad_norms[-1] == pytest.approx(1.0, abs=1e-6)
    assert gradient_flatness(hess(found.final), grad(found.final)) < 1e-5


def test_find_critical_point_on_a_network(rng):
    net = nets.MLP((1, 2, 1), activation="tanh")
    X = np.linspace(-2, 2, 15)[:, None]
    y = np.sin(X[:, 0])
    grad = lambda th: nets.loss_and_grad(net, th, X, y)[1] + 1e-3 * th  # weight decay: isolated points
    hess = lambda th: nets.hessian(net, th, X, y) + 1e-3 * np.eye(net.n_params)
    found = find_critical_point(grad, hess, nets.init_params(net, rng), steps=300, tol=1e-9)
    assert found.converged and found.grad_norms[-1] <= 1e-9
    assert 0.0 <= negative_eigenvalue_fraction(hess(found.final)) < 1.0


# ---------------------------------------------------------------- bad input


def test_bad_input_messages(rng):
    _, grad, hess, _ = quadratic([1.0, -1.0])
    with pytest.raises(TypeError, match="hess must be callable"):
        newton(grad, np.eye(2), [1.0, 1.0], lr=1.0, steps=1)
    with pytest.raises(ValueError, match=r"hess\(x\) must return an array of shape \(2, 2\)"):
        newton(grad, lambda x: np.eye(3), [1.0, 1.0], lr=1.0, steps=1)
    with pytest.raises(ValueError, match="damping must be a finite number >= 0"):
        saddle_free_newton(grad, hess, [1.0, 1.0], lr=1.0, steps=1, damping=-1e-3)
    with pytest.raises(TypeError, match="steps must be an integer"):
        saddle_free_newton(grad, hess, [1.0, 1.0], lr=1.0, steps=1.5)
    with pytest.raises(ValueError, match=r"x0 must be one start of shape \(n,\) or a batch"):
        newton(grad, hess, [[[1.0, 1.0]]], lr=1.0, steps=1)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        perturbed_gd(grad, [1.0, 1.0], lr=0.1, steps=5, radius=0.1, kick_tol=0.1, t_thresh=2, rng=1)
    with pytest.raises(ValueError, match=r"x0 must be one start of shape \(n,\) or a batch"):
        perturbed_gd(grad, np.zeros((2, 2, 2)), lr=0.1, steps=5, radius=0.1, kick_tol=0.1, t_thresh=2, rng=rng)
    with pytest.raises(ValueError, match="radius must be a finite number > 0"):
        perturbed_gd(grad, [1.0, 1.0], lr=0.1, steps=5, radius=0.0, kick_tol=0.1, t_thresh=2, rng=rng)
    with pytest.raises(ValueError, match=r"f must return shape \(3,\), one loss per run"):
        perturbed_gd(lambda X: X, np.ones((3, 2)), lr=0.1, steps=5, radius=0.1, kick_tol=0.1, t_thresh=2,
                     rng=rng, f=lambda X: 0.0)
    with pytest.raises(ValueError, match="NaN or inf"):
        find_critical_point(grad, hess, [np.nan, 1.0])
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        find_critical_point(grad, hess, [1.0, 1.0], tol=0.0)
