"""Second-order methods near saddle points, perturbed gradient descent and a critical-point search.

Each is a step rule on :func:`codelib.optim.iterate`: one start ``(n,)`` or a batch ``(B, n)``,
the same divergence rule, ``callback(x, i, g)`` and result :class:`~codelib.optim.Trajectory`.

* :func:`newton` steps with ``H^{-1} g``: it jumps to the nearest critical point of its quadratic
  model, a saddle as readily as a minimum.
* :func:`saddle_free_newton` steps with ``|H|^{-1} g``, where ``|H|`` has the eigenvalues of ``H``
  replaced by their absolute values (Dauphin et al., 2014): along a direction of negative
  curvature it moves downhill, away from the saddle.
* :func:`perturbed_gd` is gradient descent that adds a random kick from a ball whenever the
  gradient is small (Jin et al., 2017).
* :func:`find_critical_point` minimises ``1/2 ||grad f||^2`` by Levenberg--Marquardt with the exact
  Hessian, which finds critical points of any index -- and can stop where ``H g = 0`` with
  ``g != 0``, a *gradient-flat* point that is not critical (Frye et al., 2021; see
  :func:`codelib.curvature.gradient_flatness`).

For a batch, ``hess(X)`` with ``X`` of shape ``(B, n)`` returns ``(B, n, n)`` (as
``codelib.to_numpy(...).hess`` does). Newton-type steps use the pseudo-inverse: eigenvalues with
``|lambda| <= rcond * max |lambda|`` are dropped from the inverse, so a singular Hessian (the
monkey saddle at its centre) gives a step in the remaining directions instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._numeric import evaluate_grad, row_norms
from ._typing import ArrayLike, FloatArray, ScalarField, VectorField
from ._validate import (
    as_float_array,
    as_starts,
    as_step_sizes,
    non_negative_number,
    positive_int,
    positive_number,
    require_callable,
    require_generator,
)
from .optim import Callback, Step, Trajectory, iterate

__all__ = ["newton", "saddle_free_newton", "perturbed_gd", "find_critical_point"]

#: ``hess(x)`` returns the Hessian at ``x``, shape ``(n, n)``, or ``(B, n, n)`` for a batch.
MatrixField = Callable[[FloatArray], FloatArray]

_RCOND = 1e-12


def newton(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, lr: float | ArrayLike, steps: int,
           damping: float = 0.0, f: ScalarField | None = None, tol: float | None = None,
           callback: Callback | None = None, blowup: float = 1e6, keep_path: bool = True) -> Trajectory:
    """Run Newton's method ``x <- x - lr * (H + damping I)^{-1} g``.

    On a quadratic with invertible Hessian, ``lr=1`` reaches the unique critical point in one
    step whatever its type: Newton's method solves ``grad f = 0``, it does not minimise ``f``.
    The inverse is the pseudo-inverse (see the module docstring). Divergence is detected as in
    :func:`codelib.optim.iterate`; a Hessian with NaN or inf entries ends the run as diverged.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient, shape ``(n,)`` (``(B, n)`` for a batch).
    hess : callable
        ``hess(x)`` returns the Hessian, shape ``(n, n)`` (``(B, n, n)`` for a batch).
    x0 : array_like, shape (n,) or (B, n)
        One finite start, or a batch.
    lr : float or array_like of shape (B,)
        Step length multiplier, > 0 (``lr=1.0`` is the full Newton step).
    steps : int
        Maximum number of updates, >= 1.
    damping : float, default 0.0
        ``delta >= 0`` added to the diagonal of ``H`` (Levenberg-style damping).
    f : callable, optional
        ``f(x)``, the loss, recorded in ``losses``.
    tol : float, optional
        Stop a run once its gradient norm is ``<= tol``.
    callback : callable, optional
        ``callback(x, i, g)`` before update ``i``.
    blowup : float, default 1e6
        Divergence factor, > 1.
    keep_path : bool, default True
        Keep every point; with ``False`` only ``final`` (``points`` is ``None``).

    Returns
    -------
    Trajectory
        Points, losses, gradient norms and the ``diverged`` flag.

    Raises
    ------
    TypeError, ValueError
        As :func:`codelib.gd.gradient_descent`; also if ``hess`` is not callable, returns the
        wrong shape, or ``damping`` is negative.

    Examples
    --------
    On the saddle ``f = x1**2 - x2**2`` one Newton step from anywhere lands on the saddle:

    >>> grad = lambda x: np.array([2 * x[0], -2 * x[1]])
    >>> hess = lambda x: np.diag([2.0, -2.0])
    >>> newton(grad, hess, [0.7, 0.3], lr=1.0, steps=1).final.tolist()
    [0.0, 0.0]
    """
    damping = non_negative_number(damping, "damping")
    return _second_order(grad, hess, x0, lr=lr, steps=steps, f=f, tol=tol, callback=callback, blowup=blowup,
                         keep_path=keep_path, curvature=lambda values: values + damping)


def saddle_free_newton(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, lr: float | ArrayLike, steps: int,
                       damping: float = 0.0, f: ScalarField | None = None, tol: float | None = None,
                       callback: Callback | None = None, blowup: float = 1e6,
                       keep_path: bool = True) -> Trajectory:
    """Run the saddle-free Newton method ``x <- x - lr * (|H| + damping I)^{-1} g`` (Dauphin et al., 2014).

    ``|H| = V |Lambda| V^T`` is ``H`` with each eigenvalue replaced by its absolute value. Along
    an eigenvector of positive curvature the step equals Newton's; along one of negative
    curvature it has the opposite sign, so it goes downhill instead of towards the saddle.
    ``damping`` keeps the step finite where ``|lambda|`` is tiny (near a degenerate saddle).

    Parameters
    ----------
    grad, hess, x0, lr, steps, f, tol, callback, blowup, keep_path
        As in :func:`newton`.
    damping : float, default 0.0
        ``delta >= 0`` added to every ``|lambda_i|``.

    Returns
    -------
    Trajectory

    Raises
    ------
    TypeError, ValueError
        As :func:`newton`.

    Examples
    --------
    On ``f = x1**2 - x2**2`` one step zeroes ``x1`` and doubles ``x2``: away from the saddle.

    >>> grad = lambda x: np.array([2 * x[0], -2 * x[1]])
    >>> hess = lambda x: np.diag([2.0, -2.0])
    >>> saddle_free_newton(grad, hess, [0.7, 0.3], lr=1.0, steps=1).final.tolist()
    [0.0, 0.6]
    """
    damping = non_negative_number(damping, "damping")
    return _second_order(grad, hess, x0, lr=lr, steps=steps, f=f, tol=tol, callback=callback, blowup=blowup,
                         keep_path=keep_path, curvature=lambda values: np.abs(values) + damping)


def perturbed_gd(grad: VectorField, x0: ArrayLike, *, lr: float | ArrayLike, steps: int, radius: float,
                 kick_tol: float, t_thresh: int, rng: np.random.Generator, f: ScalarField | None = None,
                 callback: Callback | None = None, blowup: float = 1e6, keep_path: bool = True) -> Trajectory:
    """Run perturbed gradient descent (Jin et al., 2017, Algorithm 2), for one start or a batch.

    At step ``t``, if ``||g(x_t)|| <= kick_tol`` and no kick happened in the last ``t_thresh``
    steps, add ``xi`` drawn uniformly from the ball of radius ``radius``; then take the plain
    step ``x_{t+1} = x_t - lr * g(x_t)``. The paper's stopping rule (return the point before the
    last kick if ``f`` fell by less than a threshold) is left out: the run takes all ``steps``.
    The kicks are a ``perturb`` hook of :func:`codelib.optim.iterate`.

    A kick happens *before* the gradient step at the same point and the point is recorded after
    its kick, so ``points[0]`` is ``x0`` plus the kick if one happened at ``t = 0`` (as it does
    when ``x0`` is a critical point), unless that kick already made the gradient or loss
    non-finite: then ``points[0]`` is ``x0`` and that run has diverged. ``events`` is True where
    a kick was added.

    Parameters
    ----------
    grad : callable
        For one run, ``grad(x)`` with ``x`` of shape ``(n,)`` returns ``(n,)``; for a batch,
        ``grad(X)`` with ``X`` of shape ``(B, n)`` returns ``(B, n)`` (e.g. ``to_numpy(...).grad``).
    x0 : array_like, shape (n,) or (B, n)
        One start, or ``B`` starts run independently with independent noise.
    lr : float or array_like of shape (B,)
        Learning rate, > 0.
    steps : int
        Number of updates, >= 1.
    radius : float
        Radius ``r > 0`` of the ball the kicks are drawn from.
    kick_tol : float
        Kick only where the gradient norm is at most this, > 0 (the paper's ``g_thres``; unlike
        ``tol`` elsewhere it does not stop the run).
    t_thresh : int
        At least this many steps between two kicks of the same run, >= 1.
    rng : numpy.random.Generator
        The only source of randomness.
    f : callable, optional
        Loss, ``f(x)`` a scalar, or ``f(X)`` of shape ``(B,)`` for a batch.
    callback : callable, optional
        ``callback(x, i, g)`` before update ``i``, at the point after its kick.
    blowup : float, default 1e6
        Divergence factor, > 1: a run stops when its gradient norm exceeds
        ``blowup * max(||g(x0)||, 1)`` or anything is NaN or inf.
    keep_path : bool, default True
        Keep every point; with ``False`` only ``final`` (``points`` is ``None``).

    Returns
    -------
    Trajectory
        With ``events``: True where a kick was added.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or range, ``grad`` returns the wrong shape, or ``f``
        returns the wrong shape.

    Examples
    --------
    Started exactly at the saddle of ``x1**2 - x2**2`` plain gradient descent never moves; the
    first kick sets perturbed gradient descent on its way out:

    >>> grad = lambda x: x * np.array([2.0, -2.0])
    >>> run = perturbed_gd(grad, [0.0, 0.0], lr=0.1, steps=60, radius=1e-3, kick_tol=1e-2,
    ...                    t_thresh=10, rng=np.random.default_rng(0))
    >>> bool(run.events[0]), bool(abs(run.points[-1, 1]) > 1.0)
    (True, True)
    """
    X = as_starts(x0)
    lr = as_step_sizes(lr, X)
    radius = positive_number(radius, "radius")
    kick_tol = positive_number(kick_tol, "kick_tol")
    t_thresh = positive_int(t_thresh, "t_thresh")
    rng = require_generator(rng, "rng")
    rows = X.reshape(-1, X.shape[-1])
    n_runs, n = rows.shape
    last_kick = np.full(n_runs, -t_thresh - 1)

    def kick(x: FloatArray, g: FloatArray, t: int) -> tuple[FloatArray, np.ndarray]:
        due = (row_norms(g.reshape(n_runs, n)) <= kick_tol) & (t - last_kick > t_thresh)
        if due.any():
            x = x.reshape(n_runs, n)
            x[due] += _uniform_ball(rng, int(due.sum()), n, radius)
            last_kick[due] = t
        return x.reshape(X.shape), due

    return iterate(lambda x, g, i: x - lr * g, grad, X, steps=steps, f=f, callback=callback, blowup=blowup,
                   perturb=kick, keep_path=keep_path)


def find_critical_point(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, steps: int = 200,
                        tol: float = 1e-10, mu: float = 1e-3, f: ScalarField | None = None,
                        callback: Callback | None = None, keep_path: bool = True) -> Trajectory:
    """Look for a critical point near ``x0`` by minimising ``phi(x) = 1/2 ||grad f(x)||^2``.

    ``grad phi = H g`` and the Gauss--Newton model of ``phi`` has the matrix ``H^T H = H^2``, so
    Levenberg--Marquardt steps ``p = -(H^2 + mu I)^{-1} H g``. A step is accepted if it lowers
    ``||g||`` (then ``mu`` is divided by 3), otherwise rejected (``mu`` times 3; the point
    repeats and ``events`` is True there). Every critical point of ``f`` is a global minimum of
    ``phi``, whatever its index, so the search finds saddles as readily as minima. It can also
    stop at a local minimum of ``phi`` with ``H g = 0`` and ``g != 0``: check
    :func:`codelib.curvature.gradient_flatness` where it did not converge.

    Parameters
    ----------
    grad : callable
        ``grad(x)``, shape ``(n,)`` (``(B, n)`` for a batch).
    hess : callable
        ``hess(x)``, the exact Hessian, shape ``(n, n)`` (``(B, n, n)`` for a batch), e.g.
        :func:`codelib.nets.hessian`.
    x0 : array_like, shape (n,) or (B, n)
        One finite start, or a batch searched independently. For a batch, ``grad`` and ``hess``
        are also called on subsets of its rows (the trial points that need them), so they must
        treat every row on its own.
    steps : int, default 200
        Maximum number of trial steps (accepted or rejected), >= 1.
    tol : float, default 1e-10
        Stop when ``||g|| <= tol``, > 0; ``converged`` says whether it was reached.
    mu : float, default 1e-3
        Initial damping, > 0. A search also stops when ``mu`` exceeds ``1e12`` (no step helps).
    f : callable, optional
        ``f(x)``, recorded in ``losses``.
    callback : callable, optional
        ``callback(x, i, g)`` before trial step ``i``.
    keep_path : bool, default True
        Keep every point; with ``False`` only ``final`` (``points`` is ``None``).

    Returns
    -------
    Trajectory
        ``final`` is where the search stopped, ``grad_norms[-1]`` its gradient norm,
        ``converged`` whether that is ``<= tol``; ``events`` marks rejected steps.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or range, or ``grad``/``hess`` return the wrong shape
        or non-finite values at ``x0``.

    Examples
    --------
    ``f = x**3/3 - x + y**2`` has a saddle at ``(-1, 0)`` and a minimum at ``(1, 0)``:

    >>> grad = lambda p: np.array([p[0]**2 - 1, 2 * p[1]])
    >>> hess = lambda p: np.array([[2 * p[0], 0.0], [0.0, 2.0]])
    >>> found = find_critical_point(grad, hess, [-0.6, 0.4])
    >>> found.final.round(8).tolist(), found.converged
    ([-1.0, 0.0], True)
    """
    X = as_starts(x0)
    require_callable(grad, "grad")
    require_callable(hess, "hess")
    steps = positive_int(steps, "steps")
    tol = positive_number(tol, "tol")
    mu = positive_number(mu, "mu")
    with np.errstate(all="ignore"):
        H, g = _hess_at(hess, X), evaluate_grad(grad, X)
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(g))):
        raise ValueError("the gradient or Hessian at x0 is NaN or inf; start from a point where both are finite.")
    eye = np.eye(X.shape[-1])
    state = {"x": X, "g": g, "H": H, "mu": np.full(X.shape[:-1], mu)}  # where the last step ended, per run

    def same_point(x: FloatArray) -> bool:
        return x.shape == state["x"].shape and bool((x == state["x"]).all())

    def grad_cached(x: FloatArray) -> FloatArray:  # the loop asks again for the gradient the step computed
        return state["g"].copy() if same_point(x) else grad(x)

    def one_run(x: FloatArray, g: FloatArray, H: FloatArray) -> Step:
        """The step of one search, in scalars: as fast as a hand-written loop."""
        mu, norm = float(state["mu"]), float(row_norms(g))
        Hg, M = H @ g, H @ H + mu * eye
        if mu > 1e12 or norm <= tol or not (_all_finite(M) and _all_finite(Hg)):
            return Step(x, done=True)  # no step can help where mu is huge or H^2 overflows
        trial = x - np.linalg.solve(M, Hg)
        if _all_finite(trial):
            g_trial = evaluate_grad(grad, trial)
            if float(row_norms(g_trial)) < norm:  # a NaN or inf norm is never smaller
                H_trial = _hess_at(hess, trial)
                if _all_finite(H_trial):  # a point whose Hessian is NaN or inf is not taken
                    state.update(x=trial, g=g_trial, H=H_trial, mu=np.array(max(mu / 3.0, 1e-15)))
                    return Step(trial)
        state.update(x=x, g=g, H=H, mu=np.array(3.0 * mu))
        return Step(x, event=True)  # rejected

    def step(x: FloatArray, g: FloatArray, i: int) -> Step:
        H = state["H"] if same_point(x) else _hess_at(hess, x)
        if x.ndim == 1:
            return one_run(x, g, H)
        mu, norm = state["mu"], row_norms(g)
        Hg = (H @ g[..., None])[..., 0]
        M = H @ H + mu[:, None, None] * eye
        # no step can help where mu is huge or H^2 overflows; converged runs stay where the loop froze them
        done = (mu > 1e12) | (norm <= tol) | ~np.all(np.isfinite(M), axis=(1, 2)) | ~np.all(np.isfinite(Hg), axis=1)
        if done.all():
            return Step(x, done=done)
        M, Hg = np.where(done[:, None, None], eye, M), np.where(done[:, None], 0.0, Hg)
        trial = x - np.linalg.solve(M, Hg[..., None])[..., 0]
        accept = tried = ~done & np.all(np.isfinite(trial), axis=1)
        new_x, G_new, H_new = x, g, H
        if tried.any():  # gradients at the trial points only, Hessians at the accepted ones only
            G_trial = g.copy()
            G_trial[tried] = evaluate_grad(grad, trial[tried])
            accept = tried & (row_norms(G_trial) < norm)  # a NaN or inf norm is never smaller
            if accept.any():
                H_trial = H.copy()
                H_trial[accept] = _hess_at(hess, trial[accept])
                accept = accept & np.all(np.isfinite(H_trial), axis=(1, 2))  # NaN or inf Hessian: not taken
                new_x = np.where(accept[:, None], trial, x)
                G_new = np.where(accept[:, None], G_trial, g)
                H_new = np.where(accept[:, None, None], H_trial, H)
        state.update(x=new_x, g=G_new, H=H_new,
                     mu=np.where(accept, np.maximum(mu / 3.0, 1e-15), np.where(done, mu, 3.0 * mu)))
        return Step(new_x, event=~accept & ~done, done=done)

    return iterate(step, grad_cached, X, steps=steps, f=f, tol=tol, callback=callback, keep_path=keep_path)


# --- internals -----------------------------------------------------------------------------


def _all_finite(A: FloatArray) -> bool:
    """Whether every entry of ``A`` is finite; one sum decides when it is finite."""
    return math.isfinite(A.sum()) or bool(np.all(np.isfinite(A)))


def _uniform_ball(rng: np.random.Generator, count: int, n: int, radius: float) -> FloatArray:
    """``count`` points uniform in the n-ball: a uniform direction times ``radius * U**(1/n)``."""
    direction = rng.standard_normal((count, n))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * (radius * rng.random(count) ** (1.0 / n))[:, None]


def _hess_at(hess: MatrixField, x: FloatArray) -> FloatArray:
    """``hess(x)``, symmetrised, of shape ``(n, n)`` or ``(B, n, n)``; NaN and inf are let through."""
    with np.errstate(all="ignore"):
        H = as_float_array(hess(x.copy()), "hess(x)", finite=False)
    want = x.shape + x.shape[-1:]
    if H.shape != want:
        raise ValueError(f"hess(x) must return an array of shape {want} for x of shape {x.shape}, got {H.shape}.")
    return 0.5 * H + 0.5 * np.swapaxes(H, -1, -2)  # halves first: (H + H.T) would overflow near the float limit


def _second_order(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, lr: float | ArrayLike, steps: int,
                  f: ScalarField | None, tol: float | None, callback: Callback | None, blowup: float,
                  keep_path: bool, curvature: Callable[[FloatArray], FloatArray]) -> Trajectory:
    """Iterate ``x <- x - lr * V diag(1 / curvature(lambda)) V^T g`` with the pseudo-inverse."""
    x = as_starts(x0)
    lr = as_step_sizes(lr, x)
    require_callable(hess, "hess")

    def step(x: FloatArray, g: FloatArray, i: int) -> FloatArray:
        H = _hess_at(hess, x)
        finite = np.all(np.isfinite(H), axis=(-2, -1))
        if not np.all(finite):  # no step from a non-finite Hessian: that run has diverged
            H = np.where(finite[..., None, None], H, np.eye(x.shape[-1]))
        values, vectors = np.linalg.eigh(H)
        scale = curvature(values)                    # 1 / a subnormal eigenvalue may overflow: inf x
        top = np.maximum(np.abs(scale).max(axis=-1, keepdims=True), np.finfo(float).tiny)
        keep = np.abs(scale) > _RCOND * top
        inverse = np.where(keep, 1.0 / np.where(keep, scale, 1.0), 0.0)
        along = (np.swapaxes(vectors, -1, -2) @ g[..., None])[..., 0]
        new = x - lr * (vectors @ (inverse * along)[..., None])[..., 0]
        return np.where(finite[..., None], new, np.nan)

    return iterate(step, grad, x, steps=steps, f=f, tol=tol, callback=callback, blowup=blowup, keep_path=keep_path)
