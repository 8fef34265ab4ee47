"""Gradient descent with gradient clipping, a step rule on :func:`codelib.optim.iterate`.

The chapters run :func:`gradient_descent` on quadratics, saddles and cliffs and plot the
returned :class:`~codelib.optim.Trajectory`, for one start or a batch of starts at once. A run
that blows up is not an error: it stops early, keeps the finite points it reached and says
``diverged=True``.
"""

from __future__ import annotations

import numpy as np

from ._numeric import row_norms
from ._typing import ArrayLike, FloatArray, ScalarField, VectorField
from ._validate import as_starts, as_step_sizes, as_vector, positive_number
from .optim import Callback, Trajectory, iterate

__all__ = ["Trajectory", "gradient_descent", "clip_by_norm", "clip_by_value"]


def gradient_descent(grad: VectorField, x0: ArrayLike, *, lr: float | ArrayLike, steps: int,
                     f: ScalarField | None = None, clip_norm: float | ArrayLike | None = None,
                     tol: float | None = None,
                     callback: Callback | None = None, blowup: float = 1e6, keep_path: bool = True) -> Trajectory:
    """Run plain gradient descent ``x <- x - lr * g`` from ``x0``, one start or a batch.

    ``g`` is the gradient at ``x``, clipped to norm ``clip_norm`` if given.

    Divergence rule (:func:`codelib.optim.iterate`): a run stops early with ``diverged=True``
    when a new point, its gradient or its loss is NaN or inf, or when the gradient norm exceeds
    ``blowup * max(||grad(x0)||, 1)``. On a quadratic with eigenvalues ``lambda_i`` the
    component along eigenvector ``i`` is multiplied by ``1 - lr * lambda_i`` at every step, so
    for ``lr > 2 / lambda_max`` the iterates and the gradient grow geometrically and the rule
    fires after a number of steps logarithmic in ``blowup``. A point whose gradient exceeded the
    bound is kept (it is finite); non-finite points are dropped.

    Parameters
    ----------
    grad : callable
        ``grad(x)`` returns the gradient at ``x``, the shape of ``x``: ``(n,)``, or ``(B, n)``
        for a batch (as ``codelib.to_numpy(...).grad`` and ``codelib.nets.loss_and_grad`` do).
    x0 : array_like, shape (n,) or (B, n)
        One finite start, or ``B`` starts run together (each with its own divergence rule).
    lr : float or array_like of shape (B,)
        Learning rate (step size), finite and > 0; for a batch, optionally one per run.
    steps : int
        Maximum number of updates, >= 1.
    f : callable, optional
        ``f(x)`` returns the loss, a scalar (``(B,)`` for a batch); recorded in ``losses``.
    clip_norm : float or array_like of shape (B,), optional
        If given (> 0), each step uses the gradient clipped to this norm (:func:`clip_by_norm`,
        run by run); for a batch, optionally one threshold per run.
    tol : float, optional
        Stop a run once its gradient norm is ``<= tol`` (> 0); sets ``converged``.
    callback : callable, optional
        Called as ``callback(x, i, g)`` before update ``i`` with copies of the current point(s)
        and of the unclipped gradient(s); the return value is ignored.
    blowup : float, default 1e6
        Factor (> 1) of the divergence rule above.
    keep_path : bool, default True
        Keep every point; with ``False`` only ``final`` (``points`` is ``None``), for many long runs.

    Returns
    -------
    Trajectory
        Points, losses, gradient norms, the ``diverged`` flag(s) and ``converged``.

    Raises
    ------
    TypeError
        If ``grad``, ``f`` or ``callback`` is not callable, a number has the wrong type
        (e.g. ``steps=2.5``), or ``grad(x)`` or ``f(x)`` returns something other than real numbers.
    ValueError
        If ``x0`` is not finite of shape ``(n,)`` or ``(B, n)``, ``lr``, ``clip_norm``, ``tol`` or
        ``blowup`` is out of range, ``lr`` is an array of the wrong length, ``grad(x)`` has the
        wrong shape, ``f(x)`` is not one loss per run, or the gradient or loss at ``x0`` is not finite.

    Examples
    --------
    On ``f(x) = x1**2 / 2 + 5 * x2**2`` the step ``lr = 0.1`` halves ``x1`` and zeroes ``x2``:

    >>> import numpy as np
    >>> lam = np.array([1.0, 10.0])
    >>> run = gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.1, steps=3,
    ...                        f=lambda x: 0.5 * np.sum(lam * x**2, axis=-1))
    >>> run.points[-1].round(6).tolist()
    [0.729, 0.0]
    >>> run.diverged, run.steps_taken
    (False, 3)

    Above ``2 / lambda_max = 0.2`` the run blows up and stops early. In a batch with one step
    size per run, only that run stops:

    >>> gradient_descent(lambda x: lam * x, [1.0, 1.0], lr=0.3, steps=100).diverged
    True
    >>> batch = gradient_descent(lambda x: lam * x, [[1.0, 1.0], [1.0, 1.0]], lr=[0.1, 0.3], steps=100)
    >>> batch.diverged.tolist(), batch.final[0].round(3).tolist()
    ([False, True], [0.0, 0.0])
    """
    x = as_starts(x0)
    lr = as_step_sizes(lr, x)
    clip = None if clip_norm is None else as_step_sizes(clip_norm, x, "clip_norm", "threshold")

    def step(x: FloatArray, g: FloatArray, i: int) -> FloatArray:
        return x - lr * (g if clip is None else _clip_rows(g, clip))

    return iterate(step, grad, x, steps=steps, f=f, tol=tol, callback=callback, blowup=blowup, keep_path=keep_path)


def clip_by_norm(g: ArrayLike, clip_norm: float) -> FloatArray:
    """Rescale ``g`` to norm ``clip_norm`` if it is longer; the direction is kept.

    Parameters
    ----------
    g : array_like, shape (n,)
        Finite gradient.
    clip_norm : float
        Threshold, finite and > 0.

    Returns
    -------
    ndarray, shape (n,)
        ``clip_norm * g / ||g||`` if ``||g|| > clip_norm``, else a copy of ``g``.

    Raises
    ------
    TypeError, ValueError
        If ``g`` is not a finite 1-D vector or ``clip_norm`` is not a number > 0.

    Examples
    --------
    >>> clip_by_norm([3.0, 4.0], 1.0).round(6).tolist()
    [0.6, 0.8]
    >>> clip_by_norm([0.3, 0.4], 1.0).tolist()
    [0.3, 0.4]
    """
    return _clip_rows(as_vector(g, "g"), positive_number(clip_norm, "clip_norm"))


def clip_by_value(g: ArrayLike, clip_value: float) -> FloatArray:
    """Clip every component of ``g`` to ``[-clip_value, clip_value]``.

    Unlike :func:`clip_by_norm` this changes the direction of ``g`` whenever
    some, but not all, components are clipped.

    Parameters
    ----------
    g : array_like, shape (n,)
        Finite gradient.
    clip_value : float
        Threshold, finite and > 0.

    Returns
    -------
    ndarray, shape (n,)
        ``g`` with each entry clipped to ``[-clip_value, clip_value]`` (a new array).

    Raises
    ------
    TypeError, ValueError
        If ``g`` is not a finite 1-D vector or ``clip_value`` is not a number > 0.

    Examples
    --------
    >>> clip_by_value([3.0, -0.5, -4.0], 1.0).tolist()
    [1.0, -0.5, -1.0]
    """
    clip_value = positive_number(clip_value, "clip_value")
    return np.clip(as_vector(g, "g"), -clip_value, clip_value)


def _clip_rows(G: FloatArray, clip: float | FloatArray) -> FloatArray:
    """Each row (the last axis) of ``G`` clipped to norm ``clip`` (a number, or a ``(B, 1)`` column); a new array."""
    # Divide by the largest entry first: ||g|| itself may overflow for a huge but finite g.
    with np.errstate(all="ignore"):
        scale = np.max(np.abs(G), axis=-1, keepdims=True)
        direction = G / np.where(scale == 0.0, 1.0, scale)
        # one vector: np.linalg.norm as before the batch existed (a dot product), so results do not move
        unit_norm = np.linalg.norm(direction) if G.ndim == 1 else row_norms(direction)[:, None]
        too_long = scale * unit_norm > clip
        return np.where(too_long, direction * (clip / np.where(too_long, unit_norm, 1.0)), G)
