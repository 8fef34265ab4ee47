"""Small numeric helpers shared by codelib's modules.

They work on arrays codelib has already validated, so they do no checking of their own; the
public functions that use them validate at the boundary (see :mod:`codelib._validate`).
"""

from __future__ import annotations

import numpy as np

from ._typing import FloatArray

__all__ = ["sigmoid"]


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
