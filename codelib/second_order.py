"""Second-order methods near saddle points, a critical-point finder and the index of a critical point.

* :func:`newton` steps with ``H^{-1} g``: it jumps to the nearest critical point of its quadratic
  model, a saddle as readily as a minimum.
* :func:`saddle_free_newton` steps with ``|H|^{-1} g``, where ``|H|`` has the eigenvalues of ``H``
  replaced by their absolute values (Dauphin et al., 2014): along a direction of negative
  curvature it moves downhill, away from the saddle.
* :func:`perturbed_gd` is gradient descent that adds a random kick from a ball whenever the
  gradient is small (Jin et al., 2017), for one run or a batch of independent runs.
* :func:`find_critical_point` minimises ``1/2 ||grad f||^2`` by Levenberg--Marquardt with the exact
  Hessian, which finds critical points of any index -- and can stop where ``H g = 0`` with
  ``g != 0``, a *gradient-flat* point that is not critical (Frye et al., 2021).
* :func:`index_of` is the share of negative eigenvalues of a Hessian.

Newton-type steps use the pseudo-inverse: eigenvalues with ``|lambda| <= rcond * max |lambda|``
are dropped from the inverse, so a singular Hessian (the monkey saddle at its centre) gives a
step in the remaining directions instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._typing import ArrayLike, FloatArray, ScalarField, VectorField
from ._validate import (as_float_array, as_real, as_symmetric_matrix, as_vector, positive_int, positive_number,
                        require_callable, require_generator, show)
from .gd import Trajectory, _blowup_factor, _check_run, _grad_at, _iterate, _loss_at, _norm

__all__ = ["index_of", "newton", "saddle_free_newton", "perturbed_gd", "PerturbedTrajectory",
           "find_critical_point", "CriticalPoint"]

#: ``hess(x)`` returns the Hessian at ``x``, an array of shape ``(n, n)``.
MatrixField = Callable[[FloatArray], FloatArray]
#: ``callback(x, i, g)``: the point, the step index and the gradient, before update ``i``.
Callback = Callable[[FloatArray, int, FloatArray], object]

_RCOND = 1e-12


def index_of(H: ArrayLike, tol: float = 0.0) -> float:
    """Return the index of a critical point: the share of eigenvalues of ``H`` below ``-tol``.

    0 at a minimum, 1 at a maximum, strictly in between at a saddle. Dauphin et al. (2014)
    call this share the index ``alpha``; the Morse index is the count, ``alpha * n``.

    Parameters
    ----------
    H : array_like, shape (n, n)
        A symmetric matrix, the Hessian at a critical point.
    tol : float, default 0.0
        Eigenvalues in ``[-tol, 0)`` are counted as zero, not negative; a float Hessian of a
        degenerate point has round-off eigenvalues of either sign, so pass a small ``tol``.

    Returns
    -------
    float
        ``#{lambda_i < -tol} / n``, in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is not a finite, square, symmetric numeric matrix, or ``tol`` is negative.

    Examples
    --------
    >>> index_of([[2.0, 0.0], [0.0, -2.0]])
    0.5
    >>> index_of(np.diag([1.0, -1e-14, 3.0]), tol=1e-10)
    0.0
    """
    A = as_symmetric_matrix(H, "H")
    tol = _non_negative(tol, "tol")
    return float(np.mean(np.linalg.eigvalsh(A) < -tol))


def newton(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, steps: int, lr: float = 1.0,
           damping: float = 0.0, f: ScalarField | None = None, callback: Callback | None = None,
           blowup: float = 1e6) -> Trajectory:
    """Run Newton's method ``x <- x - lr * (H + damping I)^{-1} g``.

    On a quadratic with invertible Hessian, ``lr=1`` reaches the unique critical point in one
    step whatever its type: Newton's method solves ``grad f = 0``, it does not minimise ``f``.
    The inverse is the pseudo-inverse (see the module docstring). Divergence is detected as in
    :func:`codelib.gd.gradient_descent`.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient, shape ``(n,)``.
    hess : callable
        ``hess(x)`` returns the Hessian, shape ``(n, n)``.
    x0 : array_like, shape (n,)
        Finite start point.
    steps : int
        Maximum number of updates, >= 1.
    lr : float, default 1.0
        Step length multiplier, > 0.
    damping : float, default 0.0
        ``delta >= 0`` added to the diagonal of ``H`` (Levenberg-style damping).
    f : callable, optional
        ``f(x)``, the loss, recorded in ``losses``.
    callback : callable, optional
        ``callback(x, i, g)`` before update ``i``.
    blowup : float, default 1e6
        Divergence factor, > 1.

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
    >>> newton(grad, hess, [0.7, 0.3], steps=1).final.tolist()
    [0.0, 0.0]
    """
    damping = _non_negative(damping, "damping")
    return _second_order(grad, hess, x0, steps=steps, lr=lr, f=f, callback=callback, blowup=blowup,
                         curvature=lambda values: values + damping)


def saddle_free_newton(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, steps: int, lr: float = 1.0,
                       damping: float = 0.0, f: ScalarField | None = None, callback: Callback | None = None,
                       blowup: float = 1e6) -> Trajectory:
    """Run the saddle-free Newton method ``x <- x - lr * (|H| + damping I)^{-1} g`` (Dauphin et al., 2014).

    ``|H| = V |Lambda| V^T`` is ``H`` with each eigenvalue replaced by its absolute value. Along
    an eigenvector of positive curvature the step equals Newton's; along one of negative
    curvature it has the opposite sign, so it goes downhill instead of towards the saddle.
    ``damping`` keeps the step finite where ``|lambda|`` is tiny (near a degenerate saddle).

    Parameters
    ----------
    grad, hess, x0, steps, lr, f, callback, blowup
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
    >>> saddle_free_newton(grad, hess, [0.7, 0.3], steps=1).final.tolist()
    [0.0, 0.6]
    """
    damping = _non_negative(damping, "damping")
    return _second_order(grad, hess, x0, steps=steps, lr=lr, f=f, callback=callback, blowup=blowup,
                         curvature=lambda values: np.abs(values) + damping)


class PerturbedTrajectory(NamedTuple):
    """The result of :func:`perturbed_gd`, for one run (shapes below) or ``B`` runs (an extra axis).

    Attributes
    ----------
    points : ndarray, shape (k + 1, n), or (k + 1, B, n) for a batch
        The iterates. A kick happens *before* the gradient step at the same point and the point
        is recorded after its kick, so ``points[0]`` is ``x0`` plus the kick if one happened at
        ``t = 0`` (as it does when ``x0`` is a critical point), unless that kick already made the
        gradient or loss non-finite: then ``points[0]`` is ``x0`` and ``diverged`` is True.
    losses : ndarray, shape (k + 1,) or (k + 1, B), or None
        ``f`` at each point, or ``None`` when no ``f`` was given.
    grad_norms : ndarray, shape (k + 1,) or (k + 1, B)
        Norm of the gradient at each (recorded) point.
    perturbed : ndarray of bool, shape (k + 1,) or (k + 1, B)
        True where a kick was added at that point.
    diverged : bool
        True when the run (any run of the batch) blew up; all runs stop at that step.
    """

    points: FloatArray
    losses: FloatArray | None
    grad_norms: FloatArray
    perturbed: np.ndarray
    diverged: bool

    @property
    def steps_taken(self) -> int:
        """The number of completed updates, ``len(points) - 1``."""
        return len(self.points) - 1


def perturbed_gd(grad: VectorField, x0: ArrayLike, *, lr: float, steps: int, radius: float,
                 g_thresh: float, t_thresh: int, rng: np.random.Generator,
                 f: ScalarField | None = None, blowup: float = 1e6) -> PerturbedTrajectory:
    """Run perturbed gradient descent (Jin et al., 2017, Algorithm 2), for one start or a batch.

    At step ``t``, if ``||g(x_t)|| <= g_thresh`` and no kick happened in the last ``t_thresh``
    steps, add ``xi`` drawn uniformly from the ball of radius ``radius``; then take the plain
    step ``x_{t+1} = x_t - lr * g(x_t)``. The paper's stopping rule (return the point before the
    last kick if ``f`` fell by less than a threshold) is left out: the run takes all ``steps``.

    Parameters
    ----------
    grad : callable
        For one run, ``grad(x)`` with ``x`` of shape ``(n,)`` returns ``(n,)``; for a batch,
        ``grad(X)`` with ``X`` of shape ``(B, n)`` returns ``(B, n)`` (e.g. ``to_numpy(...).grad``).
    x0 : array_like, shape (n,) or (B, n)
        One start, or ``B`` starts run independently with independent noise.
    lr : float
        Learning rate, > 0.
    steps : int
        Number of updates, >= 1.
    radius : float
        Radius ``r > 0`` of the ball the kicks are drawn from.
    g_thresh : float
        Kick only where the gradient norm is at most this, > 0.
    t_thresh : int
        At least this many steps between two kicks of the same run, >= 1.
    rng : numpy.random.Generator
        The only source of randomness.
    f : callable, optional
        Loss, ``f(x)`` a scalar, or ``f(X)`` of shape ``(B,)`` for a batch.
    blowup : float, default 1e6
        Divergence factor, > 1: the runs stop when a gradient norm exceeds
        ``blowup * max(largest initial gradient norm, 1)`` or anything is NaN or inf.

    Returns
    -------
    PerturbedTrajectory

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
    >>> run = perturbed_gd(grad, [0.0, 0.0], lr=0.1, steps=60, radius=1e-3, g_thresh=1e-2,
    ...                    t_thresh=10, rng=np.random.default_rng(0))
    >>> bool(run.perturbed[0]), bool(abs(run.points[-1, 1]) > 1.0)
    (True, True)
    """
    X = as_float_array(x0, "x0")
    if X.ndim not in (1, 2) or X.size == 0:
        raise ValueError(f"x0 must be one start of shape (n,) or a batch of shape (B, n), got shape {X.shape}.")
    batched = X.ndim == 2
    lr = positive_number(lr, "lr")
    steps = positive_int(steps, "steps")
    radius = positive_number(radius, "radius")
    g_thresh = positive_number(g_thresh, "g_thresh")
    t_thresh = positive_int(t_thresh, "t_thresh")
    rng = require_generator(rng, "rng")
    limit_factor = _blowup_factor(blowup)
    require_callable(grad, "grad")
    if f is not None:
        require_callable(f, "f")

    Xb = X if batched else X[None, :]
    n_runs, n = Xb.shape

    def grad_b(Z: FloatArray) -> FloatArray:
        return _grad_at(grad, Z) if batched else _grad_at(grad, Z[0])[None, :]

    def loss_b(Z: FloatArray) -> FloatArray:
        if f is None:
            return np.zeros(n_runs)
        with np.errstate(all="ignore"):
            value = as_float_array(f(Z.copy() if batched else Z[0].copy()), "f(x)", finite=False)
        if value.size != n_runs:
            want = f"shape ({n_runs},), one loss per run" if batched else "a scalar"
            raise ValueError(f"f must return {want}, got an array of shape {value.shape}.")
        return value.reshape(n_runs)

    G = grad_b(Xb)
    norms, losses = _row_norms(G), loss_b(Xb)
    if not (np.all(np.isfinite(norms)) and np.all(np.isfinite(losses))):
        raise ValueError("the gradient or loss at x0 is NaN or inf; start from a point where both are finite.")
    limit = limit_factor * max(float(norms.max()), 1.0)
    start = (Xb, losses, norms)  # finite: kept if the first kick already blows up
    last_kick = np.full(n_runs, -t_thresh - 1)
    points, loss_hist, norm_hist, kicks = [], [], [], []
    diverged = False
    for t in range(steps + 1):
        kick = (norms <= g_thresh) & (t - last_kick > t_thresh)
        if t < steps and np.any(kick):
            Xb = Xb.copy()
            Xb[kick] += _uniform_ball(rng, int(kick.sum()), n, radius)
            last_kick[kick] = t
            G = grad_b(Xb)
            norms, losses = _row_norms(G), loss_b(Xb)
        else:
            kick = np.zeros(n_runs, dtype=bool)
        if not (np.all(np.isfinite(norms)) and np.all(np.isfinite(losses))):
            diverged = True
            break
        points.append(Xb)
        loss_hist.append(losses)
        norm_hist.append(norms)
        kicks.append(kick)
        if t == steps or np.any(norms > limit):
            diverged = bool(np.any(norms > limit))
            break
        with np.errstate(all="ignore"):
            Xb = Xb - lr * G
        if not np.all(np.isfinite(Xb)):
            diverged = True
            break
        G = grad_b(Xb)
        norms, losses = _row_norms(G), loss_b(Xb)

    if not points:  # the kick at t = 0 made the gradient or loss non-finite: keep the start
        points, loss_hist, norm_hist, kicks = [start[0]], [start[1]], [start[2]], [np.zeros(n_runs, dtype=bool)]

    def shape(history: list[FloatArray]) -> FloatArray:
        stacked = np.array(history)
        return stacked if batched else stacked[:, 0]

    return PerturbedTrajectory(points=shape(points), losses=None if f is None else shape(loss_hist),
                               grad_norms=shape(norm_hist), perturbed=shape(kicks), diverged=diverged)


class CriticalPoint(NamedTuple):
    """The result of :func:`find_critical_point`.

    Attributes
    ----------
    point : ndarray, shape (n,)
        Where the search stopped.
    grad_norm : float
        ``||grad f(point)||``.
    converged : bool
        True when ``grad_norm <= tol``: a critical point to that tolerance.
    flatness : float
        ``||H g|| / (||H|| ||g||)`` at ``point`` (spectral norm ``||H||``), in ``[0, 1]``; 0 if
        ``g = 0``. Near 0 while ``grad_norm`` is not small means the gradient lies almost in
        the kernel of ``H``: a gradient-flat point (Frye et al., 2021), where
        ``1/2 ||g||^2`` is stationary although ``f`` is not.
    grad_norms : ndarray, shape (k + 1,)
        The gradient norm at the start and after each accepted step.
    """

    point: FloatArray
    grad_norm: float
    converged: bool
    flatness: float
    grad_norms: FloatArray

    @property
    def steps_taken(self) -> int:
        """The number of accepted steps."""
        return len(self.grad_norms) - 1


def find_critical_point(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, steps: int = 200,
                        tol: float = 1e-10, mu: float = 1e-3) -> CriticalPoint:
    """Look for a critical point near ``x0`` by minimising ``phi(x) = 1/2 ||grad f(x)||^2``.

    ``grad phi = H g`` and the Gauss--Newton model of ``phi`` has the matrix ``H^T H = H^2``, so
    Levenberg--Marquardt steps ``p = -(H^2 + mu I)^{-1} H g``. A step is accepted if it lowers
    ``||g||`` (then ``mu`` is divided by 3), otherwise rejected (``mu`` times 3). Every critical
    point of ``f`` is a global minimum of ``phi``, whatever its index, so the search finds saddles
    as readily as minima. It can also stop at a local minimum of ``phi`` with ``H g = 0`` and
    ``g != 0``; ``flatness`` flags that case.

    Parameters
    ----------
    grad : callable
        ``grad(x)``, shape ``(n,)``.
    hess : callable
        ``hess(x)``, the exact Hessian, shape ``(n, n)`` (e.g. :func:`codelib.nets.hessian`).
    x0 : array_like, shape (n,)
        Finite start point.
    steps : int, default 200
        Maximum number of trial steps (accepted or rejected), >= 1.
    tol : float, default 1e-10
        Stop when ``||g|| <= tol``, > 0.
    mu : float, default 1e-3
        Initial damping, > 0. The search also stops when ``mu`` exceeds ``1e12`` (no step helps).

    Returns
    -------
    CriticalPoint

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
    >>> found.point.round(8).tolist(), found.converged
    ([-1.0, 0.0], True)
    """
    x = as_vector(x0, "x0")
    require_callable(grad, "grad")
    require_callable(hess, "hess")
    steps = positive_int(steps, "steps")
    tol = positive_number(tol, "tol")
    mu = positive_number(mu, "mu")
    g, H = _grad_at(grad, x), _hess_at(hess, x)
    norm = _norm(g)
    if not (np.isfinite(norm) and np.all(np.isfinite(H))):
        raise ValueError("the gradient or Hessian at x0 is NaN or inf; start from a point where both are finite.")
    history = [norm]
    for _ in range(steps):
        if norm <= tol or mu > 1e12:
            break
        with np.errstate(all="ignore"):
            Hg, M = H @ g, H @ H + mu * np.eye(len(x))
            if not (np.all(np.isfinite(M)) and np.all(np.isfinite(Hg))):
                break  # H^2 overflows: the step would be 0, so no step can help
            p = -np.linalg.solve(M, Hg)
            trial = x + p
            g_trial = _grad_at(grad, trial)
        norm_trial = _norm(g_trial)
        if np.all(np.isfinite(trial)) and np.isfinite(norm_trial) and norm_trial < norm:
            H_trial = _hess_at(hess, trial)
            if np.all(np.isfinite(H_trial)):  # a point whose Hessian is NaN or inf is not accepted
                x, g, norm, H = trial, g_trial, norm_trial, H_trial
                history.append(norm)
                mu = max(mu / 3.0, 1e-15)
                continue
        mu *= 3.0
    return CriticalPoint(point=x, grad_norm=norm, converged=norm <= tol, flatness=_flatness(H, g),
                         grad_norms=np.array(history))


# --- internals -----------------------------------------------------------------------------


def _non_negative(value: object, name: str) -> float:
    """Return ``value`` as a finite float >= 0, or raise."""
    number = as_real(value, name, "a real number >= 0")
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {show(value)}.")
    return number


def _flatness(H: FloatArray, g: FloatArray) -> float:
    """``||H g|| / (||H|| ||g||)`` with the spectral norm; 0 if ``g = 0`` or ``H = 0``."""
    with np.errstate(all="ignore"):
        Hg = H @ g
        norm, spectral = _norm(g), float(np.abs(np.linalg.eigvalsh(H)).max())
        if norm == 0 or spectral == 0:
            return 0.0
        flatness = _norm(Hg) / (spectral * norm)
        if not np.isfinite(flatness):  # H or g near the float limits: the ratio does not depend on their scale
            Hs, gs = H / np.abs(H).max(), g / np.abs(g).max()
            flatness = _norm(Hs @ gs) / (float(np.abs(np.linalg.eigvalsh(Hs)).max()) * _norm(gs))
    return float(flatness)


def _row_norms(G: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        norms = np.linalg.norm(G, axis=-1)
        overflowed = np.isinf(norms) & np.all(np.isfinite(G), axis=-1)
        if np.any(overflowed):  # the squares overflowed, not necessarily the norms
            scale = np.where(overflowed, np.max(np.abs(G), axis=-1), 1.0)
            norms = np.where(overflowed, scale * np.linalg.norm(G / scale[..., None], axis=-1), norms)
    return norms


def _uniform_ball(rng: np.random.Generator, count: int, n: int, radius: float) -> FloatArray:
    """``count`` points uniform in the n-ball: a uniform direction times ``radius * U**(1/n)``."""
    direction = rng.standard_normal((count, n))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    return direction * (radius * rng.random(count) ** (1.0 / n))[:, None]


def _hess_at(hess: MatrixField, x: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):
        H = as_float_array(hess(x.copy()), "hess(x)", finite=False)
    n = len(x)
    if H.shape != (n, n):
        raise ValueError(f"hess(x) must return an array of shape ({n}, {n}) for x of shape ({n},), got {H.shape}.")
    return 0.5 * H + 0.5 * H.T  # halves first: (H + H.T) would overflow for entries near the float limit


def _second_order(grad: VectorField, hess: MatrixField, x0: ArrayLike, *, steps: int, lr: float,
                  f: ScalarField | None, callback: Callback | None, blowup: float,
                  curvature: Callable[[FloatArray], FloatArray]) -> Trajectory:
    """Iterate ``x <- x - lr * V diag(1 / curvature(lambda)) V^T g`` with the pseudo-inverse."""
    x, lr, steps, limit_factor = _check_run(x0, lr, steps, blowup, grad=grad, hess=hess, f=f,
                                            callback=callback)

    def step(x: FloatArray, g: FloatArray) -> FloatArray:
        H = _hess_at(hess, x)
        if not np.all(np.isfinite(H)):
            return np.full_like(x, np.nan)           # no step from a non-finite Hessian: diverged
        values, vectors = np.linalg.eigh(H)
        scale = curvature(values)                    # 1 / a subnormal eigenvalue may overflow: inf x
        keep = np.abs(scale) > _RCOND * max(float(np.abs(scale).max()), np.finfo(float).tiny)
        inverse = np.where(keep, 1.0 / np.where(keep, scale, 1.0), 0.0)
        return x - lr * (vectors @ (inverse * (vectors.T @ g)))

    return _iterate(step, grad, x, steps=steps, f=f, callback=callback, limit_factor=limit_factor)
