"""Gradient descent as a pure function, with gradient clipping and divergence detection.

The chapters run :func:`gradient_descent` on quadratics, saddles and cliffs and
plot the returned :class:`Trajectory`. A run that blows up is not an error: it
stops early, keeps the finite points it reached and says ``diverged=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._typing import ArrayLike, FloatArray, ScalarField, VectorField
from ._validate import as_float_array, as_vector, positive_int, positive_number, require_callable

__all__ = ["Trajectory", "gradient_descent", "clip_by_norm", "clip_by_value"]

#: ``callback(x, i, g)``: the point, the step index and the (unclipped) gradient.
Callback = Callable[[FloatArray, int, FloatArray], object]


class Trajectory(NamedTuple):
    """The result of :func:`gradient_descent`.

    Every stored point is finite, and so are its gradient norm and loss.

    Attributes
    ----------
    points : ndarray, shape (k + 1, n)
        The iterates ``x_0, ..., x_k``, the start point included.
    losses : ndarray, shape (k + 1,), or None
        ``f`` at each point, or ``None`` when no ``f`` was given.
    grad_norms : ndarray, shape (k + 1,)
        Euclidean norm of the unclipped gradient at each point.
    diverged : bool
        True when the run stopped early because it blew up.
    """

    points: FloatArray
    losses: FloatArray | None
    grad_norms: FloatArray
    diverged: bool

    @property
    def final(self) -> FloatArray:
        """The last point reached, ``points[-1]``."""
        return self.points[-1]

    @property
    def steps_taken(self) -> int:
        """The number of completed updates, ``len(points) - 1``."""
        return len(self.points) - 1


def gradient_descent(grad: VectorField, x0: ArrayLike, *, lr: float, steps: int,
                     f: ScalarField | None = None, clip_norm: float | None = None,
                     callback: Callback | None = None, blowup: float = 1e6) -> Trajectory:
    """Run plain gradient descent ``x <- x - lr * g`` from ``x0``.

    ``g`` is the gradient at ``x``, clipped to norm ``clip_norm`` if given.

    Divergence rule: the run stops early with ``diverged=True`` when a new point,
    its gradient or its loss is NaN or inf, or when the gradient norm exceeds
    ``blowup * max(||grad(x0)||, 1)``. On a quadratic with eigenvalues
    ``lambda_i`` the component along eigenvector ``i`` is multiplied by
    ``1 - lr * lambda_i`` at every step, so for ``lr > 2 / lambda_max`` the
    iterates and the gradient grow geometrically and the rule fires after
    a number of steps logarithmic in ``blowup``. A point whose gradient
    exceeded the bound is kept (it is finite); non-finite points are dropped.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x``, an array of shape ``(n,)``.
    x0 : array_like, shape (n,)
        Finite start point.
    lr : float
        Learning rate (step size), finite and > 0.
    steps : int
        Maximum number of updates, >= 1.
    f : callable, optional
        ``f(x)`` returns the loss, a scalar; recorded in ``losses``.
    clip_norm : float, optional
        If given (> 0), each step uses ``clip_by_norm(g, clip_norm)``.
    callback : callable, optional
        Called as ``callback(x, i, g)`` before update ``i`` with copies of the
        current point and of its unclipped gradient; the return value is ignored.
    blowup : float, default 1e6
        Factor (> 1) of the divergence rule above.

    Returns
    -------
    Trajectory
        Points, losses, gradient norms and the ``diverged`` flag.

    Raises
    ------
    TypeError
        If ``grad``, ``f`` or ``callback`` is not callable, a number has the wrong type
        (e.g. ``steps=2.5``), or ``grad(x)`` or ``f(x)`` returns something other than real numbers.
    ValueError
        If ``x0`` is not a finite 1-D vector, ``lr``, ``clip_norm`` or ``blowup`` is out of
        range, ``grad(x)`` has the wrong shape, ``f(x)`` is not a scalar, or the gradient or
        loss at ``x0`` is not finite.

    Examples
    --------
    On ``f(x) = x1**2 / 2 + 5 * x2**2`` the step ``lr = 0.1`` halves ``x1`` and zeroes ``x2``:

    >>> import numpy as np
    >>> lam = np.array([1.0, 10.0])
    >>> run = gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.1, steps=3,
    ...                        f=lambda x: 0.5 * np.sum(lam * x**2))
    >>> run.points[-1].round(6).tolist()
    [0.729, 0.0]
    >>> run.diverged, run.steps_taken
    (False, 3)

    Above ``2 / lambda_max = 0.2`` the run blows up and stops early:

    >>> gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.3, steps=100).diverged
    True
    """
    clip = None if clip_norm is None else positive_number(clip_norm, "clip_norm")
    x, lr, steps, limit_factor = _check_run(x0, lr, steps, blowup, grad=grad, f=f, callback=callback)
    return _iterate(lambda x, g: x - lr * (g if clip is None else _clip_norm(g, clip)), grad, x,
                   steps=steps, f=f, callback=callback, limit_factor=limit_factor)


def _check_run(x0: ArrayLike, lr: float, steps: int, blowup: float,
               **functions: object) -> tuple[FloatArray, float, int, float]:
    """Validate what every optimiser here takes; ``functions`` are callables, None meaning optional."""
    x = as_vector(x0, "x0")
    lr = positive_number(lr, "lr")
    steps = positive_int(steps, "steps")
    limit_factor = _blowup_factor(blowup)
    for name, fn in functions.items():
        if fn is not None or name in ("grad", "hess"):
            require_callable(fn, name)
    return x, lr, steps, limit_factor


def _iterate(update: Callable[[FloatArray, FloatArray], FloatArray], grad: VectorField, x: FloatArray, *,
            steps: int, f: ScalarField | None, callback: Callback | None, limit_factor: float) -> Trajectory:
    """The loop every optimiser here shares: ``x <- update(x, g)`` with the divergence rule.

    Arguments are already validated. ``update`` returns the next point; a non-finite one
    (NaN or inf, e.g. from a non-finite Hessian) ends the run as diverged.
    """
    g, loss = _grad_at(grad, x), _loss_at(f, x)
    norm = _norm(g)
    if not (np.isfinite(norm) and np.isfinite(loss)):
        raise ValueError("the gradient or loss at x0 is NaN or inf; start from a point where both are finite.")
    limit = limit_factor * max(norm, 1.0)
    points, losses, norms = [x], [loss], [norm]
    diverged = False
    for i in range(steps):
        if callback is not None:
            callback(x.copy(), i, g.copy())
        with np.errstate(all="ignore"):
            x = update(x, g)
        if not np.all(np.isfinite(x)):
            diverged = True
            break
        g, loss = _grad_at(grad, x), _loss_at(f, x)
        norm = _norm(g)
        if not (np.isfinite(norm) and np.isfinite(loss)):
            diverged = True
            break
        points.append(x)
        losses.append(loss)
        norms.append(norm)
        if norm > limit:
            diverged = True
            break
    return Trajectory(points=np.array(points), losses=None if f is None else np.array(losses),
                      grad_norms=np.array(norms), diverged=diverged)


def clip_by_norm(g: ArrayLike, h: float) -> FloatArray:
    """Rescale ``g`` to norm ``h`` if it is longer; the direction is kept.

    Parameters
    ----------
    g : array_like, shape (n,)
        Finite gradient.
    h : float
        Threshold, finite and > 0.

    Returns
    -------
    ndarray, shape (n,)
        ``h * g / ||g||`` if ``||g|| > h``, else a copy of ``g``.

    Raises
    ------
    TypeError, ValueError
        If ``g`` is not a finite 1-D vector or ``h`` is not a number > 0.

    Examples
    --------
    >>> clip_by_norm([3.0, 4.0], 1.0).round(6).tolist()
    [0.6, 0.8]
    >>> clip_by_norm([0.3, 0.4], 1.0).tolist()
    [0.3, 0.4]
    """
    return _clip_norm(as_vector(g, "g"), positive_number(h, "h"))


def clip_by_value(g: ArrayLike, h: float) -> FloatArray:
    """Clip every component of ``g`` to ``[-h, h]``.

    Unlike :func:`clip_by_norm` this changes the direction of ``g`` whenever
    some, but not all, components are clipped.

    Parameters
    ----------
    g : array_like, shape (n,)
        Finite gradient.
    h : float
        Threshold, finite and > 0.

    Returns
    -------
    ndarray, shape (n,)
        ``g`` with each entry clipped to ``[-h, h]`` (a new array).

    Raises
    ------
    TypeError, ValueError
        If ``g`` is not a finite 1-D vector or ``h`` is not a number > 0.

    Examples
    --------
    >>> clip_by_value([3.0, -0.5, -4.0], 1.0).tolist()
    [1.0, -0.5, -1.0]
    """
    h = positive_number(h, "h")
    return np.clip(as_vector(g, "g"), -h, h)


def _clip_norm(g: FloatArray, h: float) -> FloatArray:
    # Divide by the largest entry first: ||g|| itself may overflow for a huge but finite g.
    scale = float(np.max(np.abs(g)))
    if scale == 0.0:
        return g.copy()
    direction = g / scale
    unit_norm = float(np.linalg.norm(direction))
    with np.errstate(over="ignore"):
        norm = scale * unit_norm
    return direction * (h / unit_norm) if norm > h else g.copy()


def _norm(g: FloatArray) -> float:
    with np.errstate(all="ignore"):
        norm = float(np.linalg.norm(g))
        if np.isinf(norm) and np.all(np.isfinite(g)):  # the squares overflowed, not necessarily the norm
            scale = float(np.max(np.abs(g)))
            norm = scale * float(np.linalg.norm(g / scale))  # inf only if ||g|| itself exceeds the float range
    return norm


def _grad_at(grad: VectorField, x: FloatArray) -> FloatArray:
    with np.errstate(all="ignore"):  # non-finite results are detected by the caller
        g = as_float_array(grad(x.copy()), "grad(x)", finite=False)
    if g.shape != x.shape:
        raise ValueError(f"grad(x) must return an array of shape {x.shape} like x0, got shape {g.shape}.")
    return g


def _loss_at(f: ScalarField | None, x: FloatArray) -> float:
    if f is None:
        return 0.0
    with np.errstate(all="ignore"):
        value = as_float_array(f(x.copy()), "f(x)", finite=False)
    if value.size != 1:
        raise ValueError(f"f(x) must return a scalar loss, got an array of shape {value.shape}.")
    return float(value.reshape(()))


def _blowup_factor(blowup: object) -> float:
    factor = positive_number(blowup, "blowup")
    if factor <= 1:
        raise ValueError(f"blowup must be a number > 1 (a growth factor of the gradient norm), got {blowup!r}.")
    return factor

