"""Tests for codelib.optim: the one loop (iterate), run on one start and on a batch, and the step
rules built on it (gradient descent, Newton, saddle-free Newton, perturbed gradient descent, the
critical-point search): batch = one run at a time, per-run step sizes, callbacks, tol, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from codelib import gradient_descent, iterate
from codelib.optim import Step, Trajectory
from codelib.second_order import find_critical_point, newton, perturbed_gd, saddle_free_newton


@pytest.fixture
def rng():
    return np.random.default_rng(0)


LAM = np.array([1.0, 10.0])


def quad_grad(x):
    """Gradient of f = 1/2 (x1^2 + 10 x2^2), for (n,) and (B, n) alike."""
    return LAM * x


def quad_f(x):
    return 0.5 * np.sum(LAM * x**2, axis=-1)


def quad_hess(x):
    return np.broadcast_to(np.diag(LAM), x.shape + x.shape[-1:]).copy()


def saddle_grad(x):
    """Gradient of f = 1/2 x1^2 - 1/2 x2^2 + 1/4 x2^4 (a saddle at 0, minima at x2 = +-1)."""
    g = x.copy()
    g[..., -1] = -x[..., -1] + x[..., -1] ** 3
    return g


def saddle_f(x):
    return 0.5 * x[..., 0] ** 2 - 0.5 * x[..., -1] ** 2 + 0.25 * x[..., -1] ** 4


def saddle_hess(x):
    H = np.zeros(x.shape + x.shape[-1:])
    H[..., 0, 0] = 1.0
    H[..., 1, 1] = -1.0 + 3.0 * x[..., -1] ** 2
    return H


# --- batch = one start at a time -------------------------------------------------------------


def test_batch_gives_the_points_of_one_run_at_a_time_and_freezes_a_diverged_run(rng):
    X0 = rng.normal(size=(5, 2))
    lrs = np.array([0.05, 0.1, 0.15, 0.25, 0.19])  # 0.25 > 2 / 10: the fourth run blows up
    batch = gradient_descent(quad_grad, X0, lr=lrs, steps=200, f=quad_f)
    assert isinstance(batch, Trajectory) and batch.points.shape == (201, 5, 2)
    assert batch.losses.shape == batch.grad_norms.shape == (201, 5)
    assert batch.diverged.tolist() == [False, False, False, True, False]
    for r in range(5):
        one = gradient_descent(quad_grad, X0[r], lr=float(lrs[r]), steps=200, f=quad_f)
        k = one.steps_taken
        assert one.diverged == batch.diverged[r]
        np.testing.assert_array_equal(batch.points[: k + 1, r], one.points)
        np.testing.assert_array_equal(batch.grad_norms[: k + 1, r], one.grad_norms)
        np.testing.assert_array_equal(batch.losses[: k + 1, r], one.losses)
        assert np.all(batch.points[k:, r] == one.final)  # frozen where it stopped
    assert batch.steps_taken == 200  # the other runs went on
    assert np.all(np.isfinite(batch.points))


def test_batch_stops_early_only_when_every_run_has_stopped():
    run = gradient_descent(quad_grad, np.ones((3, 2)), lr=[0.3, 0.25, 0.21], steps=1000)
    assert run.diverged.tolist() == [True, True, True] and run.steps_taken < 1000


def test_one_step_size_for_the_whole_batch_equals_an_array_of_it(rng):
    X0 = rng.normal(size=(4, 2))
    a = gradient_descent(quad_grad, X0, lr=0.1, steps=20)
    b = gradient_descent(quad_grad, X0, lr=np.full(4, 0.1), steps=20)
    np.testing.assert_array_equal(a.points, b.points)


def test_per_run_step_sizes_on_a_quadratic():
    # x2 is multiplied by 1 - 10 lr per step: 0.5 at lr = 0.05, 0 at lr = 0.1
    run = gradient_descent(quad_grad, np.ones((2, 2)), lr=[0.05, 0.1], steps=1)
    np.testing.assert_allclose(run.final, [[0.95, 0.5], [0.9, 0.0]], rtol=1e-15)


def test_clipping_in_a_batch_acts_run_by_run():
    run = gradient_descent(quad_grad, np.array([[100.0, 0.0], [0.1, 0.0]]), lr=0.1, steps=1, clip_norm=1.0)
    np.testing.assert_allclose(run.final, [[99.9, 0.0], [0.09, 0.0]], rtol=1e-14)


def test_one_clipping_threshold_per_run_equals_one_run_at_a_time(rng):
    X0, clips = rng.normal(size=(4, 2)) * 10, np.array([0.1, 1.0, 10.0, 100.0])
    batch = gradient_descent(quad_grad, X0, lr=0.15, steps=20, f=quad_f, clip_norm=clips)
    for x0, clip, final, losses in zip(X0, clips, batch.final, batch.losses.T):
        one = gradient_descent(quad_grad, x0, lr=0.15, steps=20, f=quad_f, clip_norm=clip)
        np.testing.assert_allclose(final, one.final, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(losses, one.losses, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="clip_norm must be a number or an array of shape \\(4,\\), one threshold"):
        gradient_descent(quad_grad, X0, lr=0.1, steps=1, clip_norm=[1.0, 2.0])


@pytest.mark.parametrize("method", ["newton", "saddle_free_newton"])
def test_newton_methods_batch_equals_one_at_a_time(method, rng):
    fn = {"newton": newton, "saddle_free_newton": saddle_free_newton}[method]
    X0 = rng.normal(size=(4, 2))
    batch = fn(saddle_grad, saddle_hess, X0, lr=0.5, steps=10, f=saddle_f, damping=1e-3)
    for r in range(4):
        one = fn(saddle_grad, saddle_hess, X0[r], lr=0.5, steps=10, f=saddle_f, damping=1e-3)
        np.testing.assert_allclose(batch.points[: one.steps_taken + 1, r], one.points, rtol=1e-12, atol=1e-14)


def test_newton_batch_with_a_non_finite_hessian_freezes_that_run_only():
    def hess(X):
        H = quad_hess(X)
        H[X[:, 0] > 5] = np.nan
        return H
    run = newton(quad_grad, hess, np.array([[1.0, 1.0], [10.0, 1.0]]), lr=0.5, steps=3)
    assert run.diverged.tolist() == [False, True]
    np.testing.assert_allclose(run.final[0], [0.125, 0.125])
    assert run.steps_taken == 3 and np.all(run.points[:, 1] == [10.0, 1.0])


def test_find_critical_point_batch_equals_one_at_a_time(rng):
    X0 = rng.uniform(-1.5, 1.5, size=(6, 2))
    batch = find_critical_point(saddle_grad, saddle_hess, X0, steps=50)
    assert batch.converged.all() and batch.events.shape == batch.grad_norms.shape
    for r in range(6):
        one = find_critical_point(saddle_grad, saddle_hess, X0[r], steps=50)
        assert one.converged
        np.testing.assert_allclose(batch.final[r], one.final, atol=1e-12)
        np.testing.assert_array_equal(batch.points[: one.steps_taken + 1, r], one.points)


def test_perturbed_gd_batch_of_one_equals_one_start():
    kw = dict(lr=0.1, steps=80, radius=1e-2, kick_tol=1e-3, t_thresh=10, f=saddle_f)
    one = perturbed_gd(saddle_grad, np.zeros(2), rng=np.random.default_rng(1), **kw)
    batch = perturbed_gd(saddle_grad, np.zeros((1, 2)), rng=np.random.default_rng(1), **kw)
    np.testing.assert_array_equal(batch.points[:, 0], one.points)
    np.testing.assert_array_equal(batch.events[:, 0], one.events)
    assert one.events[0] and one.events.dtype == bool


def test_perturbed_gd_per_run_divergence_keeps_the_other_runs(rng):
    # f = 1/2 x^T diag(1, 10) x: lr = 0.25 blows up along x2, lr = 0.05 converges
    run = perturbed_gd(quad_grad, np.ones((2, 2)), lr=[0.05, 0.25], steps=300, radius=1e-3, kick_tol=1e-6,
                       t_thresh=5, rng=rng)
    assert run.diverged.tolist() == [False, True] and run.steps_taken == 300
    assert np.all(np.isfinite(run.points)) and np.linalg.norm(run.final[0]) < 2e-3  # within a kick of 0
    assert not run.events[:, 1].any() and run.events[:, 0].any()


# --- tol --------------------------------------------------------------------------------------


def test_tol_stops_early_and_sets_converged():
    run = gradient_descent(quad_grad, [1.0, 1.0], lr=0.1, steps=1000, tol=1e-6)
    assert run.converged is True and not run.diverged
    assert run.grad_norms[-1] <= 1e-6 < run.grad_norms[-2]
    assert run.steps_taken < 1000
    assert gradient_descent(quad_grad, [1.0, 1.0], lr=0.1, steps=5).converged is None  # not asked
    short = gradient_descent(quad_grad, [1.0, 1.0], lr=0.1, steps=5, tol=1e-6)
    assert short.converged is False and short.steps_taken == 5


def test_tol_in_a_batch_freezes_converged_runs():
    run = gradient_descent(quad_grad, np.ones((2, 2)), lr=[0.1, 0.01], steps=2000, tol=1e-8)
    assert run.converged.tolist() == [True, True]
    first = int(np.argmax(run.grad_norms[:, 0] <= 1e-8))
    assert np.all(run.points[first:, 0] == run.points[first, 0])
    assert run.steps_taken == int(np.argmax(run.grad_norms[:, 1] <= 1e-8))


def test_a_start_that_is_already_converged_takes_no_step():
    run = newton(quad_grad, quad_hess, [0.0, 0.0], lr=1.0, steps=10, tol=1e-12)
    assert run.steps_taken == 0 and run.converged


# --- callback on every method ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2,), (3, 2)])
@pytest.mark.parametrize("method", ["gd", "newton", "sfn", "pgd", "critical"])
def test_keep_path_false_keeps_the_same_end_losses_and_norms_without_the_path(method, shape):
    x0 = np.random.default_rng(3).uniform(0.2, 0.9, size=shape)

    def run(keep_path):
        common = dict(steps=30, f=saddle_f, keep_path=keep_path)
        return {
            "gd": lambda: gradient_descent(saddle_grad, x0, lr=0.1, **common),
            "newton": lambda: newton(saddle_grad, saddle_hess, x0, lr=0.5, **common),
            "sfn": lambda: saddle_free_newton(saddle_grad, saddle_hess, x0, lr=0.5, **common),
            "pgd": lambda: perturbed_gd(saddle_grad, x0, lr=0.1, radius=1e-2, kick_tol=10.0, t_thresh=2,
                                        rng=np.random.default_rng(1), **common),
            "critical": lambda: find_critical_point(saddle_grad, saddle_hess, x0, tol=1e-300, **common),
        }[method]()

    full, short = run(True), run(False)
    assert short.points is None and full.points is not None
    np.testing.assert_array_equal(short.final, full.points[-1])
    np.testing.assert_array_equal(short.final, full.final)
    np.testing.assert_array_equal(short.losses, full.losses)
    np.testing.assert_array_equal(short.grad_norms, full.grad_norms)
    assert short.steps_taken == full.steps_taken


def test_final_is_a_copy_the_caller_may_change():
    run = gradient_descent(quad_grad, [1.0, 1.0], lr=0.1, steps=3)
    run.final[:] = 7.0
    assert run.points[-1].tolist() != [7.0, 7.0]


def _recorder():
    calls = []
    return calls, (lambda x, i, g: calls.append((np.array(x), i, np.array(g))))


@pytest.mark.parametrize("shape", [(2,), (3, 2)])
@pytest.mark.parametrize("method", ["gd", "newton", "sfn", "pgd", "critical"])
def test_callback_on_every_method_sees_points_indices_and_gradients(method, shape, rng):
    x0 = rng.uniform(0.2, 0.9, size=shape)
    calls, callback = _recorder()
    run = {
        "gd": lambda: gradient_descent(saddle_grad, x0, lr=0.1, steps=5, callback=callback),
        "newton": lambda: newton(saddle_grad, saddle_hess, x0, lr=0.5, steps=5, callback=callback),
        "sfn": lambda: saddle_free_newton(saddle_grad, saddle_hess, x0, lr=0.5, steps=5, callback=callback),
        "pgd": lambda: perturbed_gd(saddle_grad, x0, lr=0.1, steps=5, radius=1e-2, kick_tol=10.0, t_thresh=2,
                                    rng=rng, callback=callback),
        "critical": lambda: find_critical_point(saddle_grad, saddle_hess, x0, steps=5, tol=1e-300,
                                                callback=callback),
    }[method]()
    assert [i for _, i, _ in calls] == list(range(run.steps_taken))
    for x, i, g in calls:
        assert x.shape == g.shape == shape
        np.testing.assert_array_equal(x, run.points[i])  # the point recorded (after a kick, for pgd)
        np.testing.assert_array_equal(g, saddle_grad(run.points[i]))


def test_callback_of_a_batch_gets_copies():
    def vandal(x, i, g):
        x[:] = 1e9
        g[:] = -1e9
    clean = gradient_descent(quad_grad, np.ones((2, 2)), lr=0.1, steps=4)
    touched = gradient_descent(quad_grad, np.ones((2, 2)), lr=0.1, steps=4, callback=vandal)
    np.testing.assert_array_equal(touched.points, clean.points)


# --- the loop itself ---------------------------------------------------------------------------


def test_iterate_with_a_step_rule_that_marks_events_and_stops():
    def step(x, g, i):  # halve x; stop once x < 0.1, mark every other step
        return Step(x / 2, event=i % 2 == 1, done=bool(x[0] < 0.1))
    run = iterate(step, lambda x: x, [1.0], steps=100)
    assert run.final.tolist() == [0.0625] and run.steps_taken == 4
    assert run.events.tolist() == [False, False, True, False, True]
    assert not run.diverged and run.converged is None


def test_iterate_perturb_hook_kicks_are_recorded():
    def perturb(x, g, i):
        return x + 1.0, i == 2
    run = iterate(lambda x, g, i: x, lambda x: np.zeros_like(x), [0.0], steps=4, perturb=perturb)
    assert run.points[:, 0].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert run.events.tolist() == [False, False, True, False, False]


def test_no_warning_reaches_the_user_from_a_diverging_batch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = gradient_descent(lambda x: -np.exp(x), np.array([[1.0], [-50.0]]), lr=[1.0, 1e-3], steps=100,
                               f=lambda x: -np.exp(x).sum(axis=-1), blowup=1e308)
    assert run.diverged.tolist() == [True, False]
    assert np.all(np.isfinite(run.points)) and np.all(np.isfinite(run.losses))


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"x0": np.zeros((2, 2, 2))}, ValueError, r"x0 must be one start of shape \(n,\) or a batch"),
    ({"x0": np.zeros((0, 2))}, ValueError, r"x0 must be one start"),
    ({"lr": [0.1, 0.2]}, ValueError, r"lr must be a number or an array of shape \(3,\)"),
    ({"lr": [0.1, -0.2, 0.1]}, ValueError, r"lr must hold step sizes > 0"),
    ({"lr": [0.1, 0.0, 0.1]}, ValueError, r"lr must hold step sizes > 0"),
    ({"lr": [0.1, np.nan, 0.1]}, ValueError, r"lr contains NaN or inf"),
    ({"lr": ["a", "b", "c"]}, TypeError, r"lr must be numeric"),
    ({"grad": "grad"}, TypeError, r"grad must be callable"),
    ({"grad": lambda X: X[0]}, ValueError, r"grad\(x\) must return an array of shape \(3, 2\)"),
    ({"grad": lambda X: X.T}, ValueError, r"grad\(x\) must return an array of shape \(3, 2\)"),
    ({"f": lambda X: 0.0}, ValueError, r"f must return shape \(3,\), one loss per run"),
    ({"tol": 0.0}, ValueError, r"tol must be a finite number > 0"),
    ({"callback": 1}, TypeError, r"callback must be callable"),
])
def test_bad_batch_input_names_the_argument(kwargs, error, match):
    args = {"grad": quad_grad, "x0": np.ones((3, 2)), "lr": 0.1, "steps": 5, **kwargs}
    with pytest.raises(error, match=match):
        gradient_descent(args.pop("grad"), args.pop("x0"), **args)


def test_an_array_of_step_sizes_needs_a_batch():
    with pytest.raises(ValueError, match=r"lr must be a number for one start"):
        gradient_descent(quad_grad, [1.0, 1.0], lr=[0.1], steps=5)


def test_lr_is_required_by_every_method():
    with pytest.raises(TypeError, match="lr"):
        newton(quad_grad, quad_hess, [1.0, 1.0], steps=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="lr"):
        saddle_free_newton(quad_grad, quad_hess, [1.0, 1.0], steps=1)  # type: ignore[call-arg]


def test_iterate_bad_input():
    with pytest.raises(TypeError, match="step must be callable"):
        iterate(None, quad_grad, [1.0, 1.0], steps=3)
    with pytest.raises(TypeError, match="perturb must be callable"):
        iterate(lambda x, g, i: x, quad_grad, [1.0, 1.0], steps=3, perturb=3)
    with pytest.raises(ValueError, match=r"step\(x, g, i\) must return an array of shape \(2,\)"):
        iterate(lambda x, g, i: x[:1], quad_grad, [1.0, 1.0], steps=3)
    with pytest.raises(ValueError, match=r"hess\(x\) must return an array of shape \(3, 2, 2\)"):
        newton(quad_grad, lambda X: np.eye(2), np.ones((3, 2)), lr=1.0, steps=1)
    with pytest.raises(ValueError, match="blowup must be a number > 1"):
        iterate(lambda x, g, i: x, quad_grad, [1.0, 1.0], steps=3, blowup=0.5)
    with pytest.raises(TypeError, match="keep_path must be True or False"):
        iterate(lambda x, g, i: x, quad_grad, [1.0, 1.0], steps=3, keep_path="no")
