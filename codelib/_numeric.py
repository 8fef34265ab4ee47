"""Small numerical helpers shared by codelib's modules (trusted input, no validation of arguments).

Names here have no underscore so other modules may import them; the module itself is private.
The public functions that use them validate at the boundary (see :mod:`codelib._validate`).
They let NaN and inf through and leave NumPy's floating-point warnings to the caller: call them
inside ``np.errstate(all="ignore")`` where values may overflow.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._typing import FloatArray
from ._validate import as_float_array

__all__ = ["sigmoid", "row_norms", "evaluate_grad", "evaluate_loss"]


def sigmoid(x: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-x))``, computed as ``(1 + tanh(x / 2)) / 2``.

    The two are equal, and the second never overflows: it is the one sigmoid of codelib (the
    activation and the logistic loss of :mod:`codelib.nets`, the state map of
    :mod:`codelib.rnn`, whose public :func:`codelib.rnn.sigmoid` validates and calls this).
    The input is trusted: ``+-inf`` gives 1 or 0 (an overflowed state stays meaningful) and
    NaN stays NaN, without a warning.

    Parameters
    ----------
    x : ndarray of float
        Any float array (or float).

    Returns
    -------
    ndarray
        ``sigmoid(x)``, same shape as ``x``, values in ``[0, 1]``.

    Examples
    --------
    >>> sigmoid(np.array([-np.inf, -1000.0, 0.0, 2.0, np.inf])).round(6).tolist()
    [0.0, 0.0, 0.5, 0.880797, 1.0]
    """
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def row_norms(G: FloatArray) -> FloatArray:
    """Euclidean norms over the last axis, without overflow or underflow of the squares.

    A 1-D ``G`` gives a 0-d result (``float(row_norms(g))`` is ``||g||``); a ``(B, n)`` one gives
    ``(B,)``. The result is inf only where the norm itself exceeds the float range (or ``G`` is),
    and 0 only for a zero row.

    Examples
    --------
    >>> with np.errstate(over="ignore", under="ignore"):
    ...     norms = row_norms(np.array([[3e200, 4e200], [3e-200, 4e-200], [0.0, 0.0]]))
    >>> (norms / [5e200, 5e-200, 1.0]).round(12).tolist()
    [1.0, 1.0, 0.0]
    """
    norms = np.sqrt(np.add.reduce(G * G, axis=-1))  # what np.linalg.norm(G, axis=-1) computes
    if math.isfinite(norms.sum()) and norms.all():
        return norms
    # an inf or 0 norm of a finite row may only mean that its squares overflowed or underflowed
    rescale = (np.isinf(norms) | (norms == 0)) & np.all(np.isfinite(G), axis=-1)
    if np.any(rescale):
        scale = np.max(np.abs(G), axis=-1)
        scale = np.where(rescale & (scale > 0), scale, 1.0)
        norms = np.where(rescale, scale * np.linalg.norm(G / scale[..., None], axis=-1), norms)
    return norms


def evaluate_grad(grad: Callable[[FloatArray], object], x: FloatArray) -> FloatArray:
    """``grad(x)`` as a float array of the shape of ``x`` (NaN and inf are let through), or raise."""
    g = grad(x.copy())
    if type(g) is not np.ndarray or g.dtype != np.float64:
        g = as_float_array(g, "grad(x)", finite=False)
    if g.shape != x.shape:
        raise ValueError(f"grad(x) must return an array of shape {x.shape} like x0, got shape {g.shape}.")
    return g


def evaluate_loss(f: Callable[[FloatArray], object] | None, x: FloatArray) -> FloatArray:
    """``f(x)``: one loss per row of a ``(B, n)`` ``x`` (shape ``(B,)``), a 0-d array for ``(n,)``.

    Zeros when ``f`` is None; NaN and inf are let through.
    """
    if f is None:
        return np.zeros(x.shape[:-1])
    value = f(x.copy())
    if x.ndim == 1 and isinstance(value, (float, np.floating)):
        return np.array(float(value))
    value = as_float_array(value, "f(x)", finite=False)
    if x.ndim == 1 and value.size != 1:
        raise ValueError(f"f(x) must return a scalar loss, got an array of shape {value.shape}.")
    if x.ndim == 2 and value.size != len(x):
        raise ValueError(f"f must return shape ({len(x)},), one loss per run for x0 of shape {x.shape}; "
                         f"got an array of shape {value.shape}.")
    return value.reshape(x.shape[:-1])
