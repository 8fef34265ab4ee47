"""What the chapters measure on a network: loss slices along filter-normalised random directions
(Li et al., 2018) and the gradient-norm test of a training end point.

A *slice* evaluates the training loss on a line ``theta + a d`` or a plane
``theta + a d1 + b d2`` through the parameters ``theta`` of a :class:`~codelib.nets.MLP`. All
points of a slice are evaluated as one batch of networks by :func:`codelib.nets.loss` (in
chunks that bound the memory), never in a Python loop over the points.

A raw Gaussian direction is blind to the scale of the weights: rescaling a ReLU layer by
``beta`` and the next by ``1 / beta`` leaves the network function unchanged but changes the
slice. Li et al. therefore rescale each *filter* of the direction (for a fully-connected layer:
the weights into one neuron, a row of ``W``) to the norm of the same filter of ``theta``, and
leave biases out (direction 0). Then such a rescaling no longer changes the slice.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np

from . import nets
from ._numeric import row_norms
from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, as_vector, positive_number, require_generator
from .curvature import classify

__all__ = ["GradientNormTest", "filter_normalize", "random_direction", "slice_1d", "slice_2d", "grid_minima",
           "gradient_norm_test"]

#: Floats per evaluation chunk: (points) x (samples) x (widest layer) stays below this.
_CHUNK_FLOATS = 2**22


class GradientNormTest(NamedTuple):
    """The result of :func:`gradient_norm_test`.

    Attributes
    ----------
    loss : float
        The training loss at ``theta``.
    grad_norm : float
        Euclidean norm of the gradient at ``theta``.
    converged : bool
        ``grad_norm <= tol``: the point passes the gradient-norm test.
    eigenvalues : ndarray, shape (P,)
        Eigenvalues of the exact Hessian at ``theta``, ascending.
    kind : {"minimum", "maximum", "saddle", "degenerate", "not stationary"}
        :func:`codelib.curvature.classify` of the Hessian if ``converged``; otherwise
        ``"not stationary"``, since the second-derivative test only applies where the gradient
        vanishes (the eigenvalues are still reported).
    """

    loss: float
    grad_norm: float
    converged: bool
    eigenvalues: FloatArray
    kind: Literal["minimum", "maximum", "saddle", "degenerate", "not stationary"]


def _check_point(net: nets.MLP, theta: ArrayLike) -> FloatArray:
    arr = as_float_array(theta, "theta")
    if arr.shape != (net.n_params,):
        raise ValueError(f"theta must be one parameter vector of shape (P,) = ({net.n_params},) for sizes "
                         f"{net.sizes}, got shape {arr.shape}; slice one network at a time.")
    return arr


def _check_direction(net: nets.MLP, direction: ArrayLike, name: str) -> FloatArray:
    arr = as_float_array(direction, name)
    if arr.shape != (net.n_params,):
        raise ValueError(f"{name} must have shape (P,) = ({net.n_params},) like theta, got {arr.shape}; "
                         "make one with random_direction(net, theta, rng).")
    return arr


def filter_normalize(net: nets.MLP, theta: ArrayLike, direction: ArrayLike) -> FloatArray:
    """Rescale each filter of ``direction`` to the norm of the same filter of ``theta``; zero the biases.

    A filter of a fully-connected layer is the weights into one neuron: row ``j`` of that layer's
    ``W`` (shape (n_out, n_in)). Row ``j`` of the result is ``d_j * ||w_j|| / ||d_j||``, as in
    Li et al. (2018) and their code (``normalize_directions_for_weights`` with
    ``ignore="biasbn"``). A zero row of ``direction`` stays zero.

    Parameters
    ----------
    net : codelib.nets.MLP
    theta : array_like, shape (P,)
        The parameters the slice goes through.
    direction : array_like, shape (P,)
        Any direction, usually Gaussian.

    Returns
    -------
    ndarray, shape (P,)
        A new vector; biases are 0.

    Raises
    ------
    TypeError, ValueError
        If ``net`` is not an MLP, or ``theta`` or ``direction`` is not a finite (P,) vector or
        has a filter whose norm exceeds the float range.

    Examples
    --------
    >>> net = nets.MLP((2, 2, 1))
    >>> theta = np.array([3.0, 4.0, 0.0, 1.0, 0.5, 0.5, 2.0, 0.0, 0.1])  # W1 rows (3, 4), (0, 1)
    >>> filter_normalize(net, theta, np.ones(9)).round(4).tolist()
    [3.5355, 3.5355, 0.7071, 0.7071, 0.0, 0.0, 1.4142, 1.4142, 0.0]
    """
    theta = _check_point(nets.check_net(net), theta)
    direction = _check_direction(net, direction, "direction")
    layers = []
    for (W, _), (D, b) in zip(nets.unflatten(net, theta), nets.unflatten(net, direction)):  # rows: filters
        w_norm, d_norm = _row_norms(W, "theta"), _row_norms(D, "direction")
        with np.errstate(over="ignore"):
            scaled = D * np.divide(w_norm, d_norm, out=np.zeros_like(w_norm), where=d_norm > 0)[:, None]
        if not np.all(np.isfinite(scaled)):  # ||w_j|| near the float limit: scale the unit vector instead
            scaled = np.divide(D, d_norm[:, None], out=np.zeros_like(D), where=d_norm[:, None] > 0) * w_norm[:, None]
        layers.append((scaled, np.zeros_like(b)))
    return nets.flatten(layers)


def _row_norms(M: FloatArray, name: str) -> FloatArray:
    """Euclidean norms of the rows of ``M`` (:func:`row_norms`); raise if one exceeds the float range."""
    with np.errstate(over="ignore", under="ignore"):
        norms = row_norms(M)
    if not np.all(np.isfinite(norms)):
        raise ValueError(f"{name} is too large: the norm of one of its filters exceeds the float range "
                         "(about 1.8e308); rescale it.")
    return norms


def random_direction(net: nets.MLP, theta: ArrayLike, rng: np.random.Generator, *,
                     normalize: bool = True) -> FloatArray:
    """A Gaussian direction, filter-normalised to ``theta`` (default) or raw.

    Parameters
    ----------
    net : codelib.nets.MLP
    theta : array_like, shape (P,)
    rng : numpy.random.Generator
    normalize : bool, default True
        If True, apply :func:`filter_normalize`; if False, return the raw ``N(0, I)`` draw
        (all P entries, biases included).

    Returns
    -------
    ndarray, shape (P,)

    Raises
    ------
    TypeError, ValueError
        As :func:`filter_normalize`, or if ``rng`` is not a ``np.random.Generator`` or
        ``normalize`` is not a bool.

    Examples
    --------
    >>> net = nets.MLP((2, 4, 1))
    >>> theta = nets.init_params(net, np.random.default_rng(0))
    >>> d = random_direction(net, theta, np.random.default_rng(1))
    >>> bool(np.isclose(np.linalg.norm(d[:2]), np.linalg.norm(theta[:2])))  # the first filter
    True
    """
    theta = _check_point(nets.check_net(net), theta)
    require_generator(rng, "rng")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True (filter-normalised) or False (raw), got {normalize!r}.")
    draw = rng.standard_normal(net.n_params)
    return filter_normalize(net, theta, draw) if normalize else draw


def _losses(net: nets.MLP, thetas: FloatArray, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """Loss of a (M, P) batch of networks, evaluated in memory-bounded vectorised chunks."""
    n_samples = np.shape(X)[0] if np.ndim(X) == 2 else 1
    chunk = max(1, _CHUNK_FLOATS // (n_samples * max(net.sizes)))
    with np.errstate(over="ignore"):  # far from theta a loss may overflow to inf: reported, not hidden
        return np.concatenate([np.atleast_1d(nets.loss(net, thetas[k:k + chunk], X, y))
                               for k in range(0, len(thetas), chunk)])


def slice_1d(net: nets.MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike, direction: ArrayLike,
             alphas: ArrayLike) -> FloatArray:
    """Training loss along the line ``theta + alpha * direction`` for every ``alpha``.

    With ``direction = theta_b - theta`` and ``alphas`` in [0, 1] this is the linear
    interpolation between two networks.

    Parameters
    ----------
    net : codelib.nets.MLP
    theta : array_like, shape (P,)
    X, y : array_like
        The training data, as in :func:`codelib.nets.loss`.
    direction : array_like, shape (P,)
    alphas : array_like, shape (A,)
        The step lengths.

    Returns
    -------
    ndarray, shape (A,)
        ``loss(theta + alphas[i] * direction)``.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or shape or holds NaN/inf (see :func:`codelib.nets.loss`),
        or a point ``theta + alpha * direction`` overflows. Losses that overflow are ``inf``.

    Examples
    --------
    A linear least-squares model has a parabola as its slice:

    >>> net = nets.MLP((1, 1), activation="linear")
    >>> slice_1d(net, [0.0, 0.0], [[1.0]], [1.0], [1.0, 0.0], [0.0, 1.0, 2.0]).tolist()
    [0.5, 0.0, 0.5]
    """
    theta = _check_point(nets.check_net(net), theta)
    X, y = nets.check_data(net, X, y)
    d = _check_direction(net, direction, "direction")
    a = as_vector(alphas, "alphas")
    with np.errstate(over="ignore", invalid="ignore"):
        thetas = theta + a[:, None] * d
    return _losses(net, _finite_points(thetas, "alphas * direction"), X, y)


def slice_2d(net: nets.MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike, directions: tuple[ArrayLike, ArrayLike],
             alphas: ArrayLike, betas: ArrayLike) -> FloatArray:
    """Training loss on the plane ``theta + alpha * d1 + beta * d2`` over a grid of (alpha, beta).

    Parameters
    ----------
    net : codelib.nets.MLP
    theta : array_like, shape (P,)
    X, y : array_like
        The training data, as in :func:`codelib.nets.loss`.
    directions : pair of array_like, each of shape (P,)
        ``(d1, d2)``, e.g. two calls of :func:`random_direction`.
    alphas : array_like, shape (A,)
        Steps along ``d1`` (the horizontal axis of a contour plot).
    betas : array_like, shape (B,)
        Steps along ``d2`` (the vertical axis).

    Returns
    -------
    ndarray, shape (B, A)
        ``out[i, j] = loss(theta + alphas[j] * d1 + betas[i] * d2)``: the layout of
        ``np.meshgrid(alphas, betas)``, ready for ``ax.contour(alphas, betas, out)``.

    Raises
    ------
    TypeError, ValueError
        As :func:`slice_1d`, or if ``directions`` is not a pair.

    Examples
    --------
    >>> net = nets.MLP((1, 1), activation="linear")  # loss (w + b - 1)^2 / 2 at x = 1
    >>> slice_2d(net, [0.0, 0.0], [[1.0]], [1.0], ([1.0, 0.0], [0.0, 1.0]), [0.0, 1.0], [0.0, 1.0, 2.0]).tolist()
    [[0.5, 0.0], [0.0, 0.5], [0.5, 2.0]]
    """
    theta = _check_point(nets.check_net(net), theta)
    X, y = nets.check_data(net, X, y)
    if isinstance(directions, np.ndarray) and directions.ndim == 2 and len(directions) == 2:
        directions = (directions[0], directions[1])
    if not (isinstance(directions, (tuple, list)) and len(directions) == 2):
        raise TypeError(f"directions must be a pair (d1, d2) of (P,) vectors, got {type(directions).__name__}.")
    d1, d2 = (_check_direction(net, d, f"directions[{k}]") for k, d in enumerate(directions))
    a, b = as_vector(alphas, "alphas"), as_vector(betas, "betas")
    with np.errstate(over="ignore", invalid="ignore"):
        thetas = theta + a[None, :, None] * d1 + b[:, None, None] * d2
    thetas = _finite_points(thetas.reshape(-1, net.n_params), "alphas * d1 + betas * d2")
    return _losses(net, thetas, X, y).reshape(len(b), len(a))


def _finite_points(thetas: FloatArray, step: str) -> FloatArray:
    if not np.all(np.isfinite(thetas)):
        raise ValueError(f"theta + {step} overflows to inf: the slice leaves the float range; use smaller steps.")
    return thetas


def grid_minima(values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the strict local minima of a function sampled on a 2-D grid.

    A grid point counts if it is not on the border and its value is strictly below all eight
    neighbours. This is a discrete test: it finds every minimum whose basin spans more than one
    grid cell, may miss narrower ones, and counts no point of a flat plateau.

    Parameters
    ----------
    values : array_like, shape (m, n)
        ``values[i, j] = f(x_j, y_i)`` on a grid, ``m, n >= 3``, such as from :func:`slice_2d`.

    Returns
    -------
    rows, cols : ndarray of int
        The indices of the minima (``values[rows, cols]`` are their values), in row-major order.

    Raises
    ------
    TypeError, ValueError
        If ``values`` is not a finite 2-D array of at least 3 x 3 numbers.

    Examples
    --------
    >>> Z = np.array([[5, 5, 5, 5, 5], [5, 1, 5, 2, 5], [5, 5, 5, 5, 5]])
    >>> rows, cols = grid_minima(Z)
    >>> rows.tolist(), cols.tolist()
    ([1, 1], [1, 3])
    """
    V = as_float_array(values, "values")
    if V.ndim != 2 or min(V.shape) < 3:
        raise ValueError(f"values must be a 2-D grid of at least 3 x 3 numbers, got shape {V.shape}.")
    m, n = V.shape
    centre, is_min = V[1:-1, 1:-1], np.ones((m - 2, n - 2), dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= centre < V[1 + di:m - 1 + di, 1 + dj:n - 1 + dj]
    rows, cols = np.nonzero(is_min)
    return rows + 1, cols + 1


def gradient_norm_test(net: nets.MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike, *, tol: float = 1e-4,
                       htol: float | None = None) -> GradientNormTest:
    """Did training end at a critical point, and of which kind?

    The test of the lecture: the gradient norm must be close to 0 (``||g|| <= tol``). If it is,
    the exact Hessian's eigenvalues classify the point (:func:`codelib.curvature.classify`):
    all positive, a minimum; both signs, a saddle; some ``|lambda| <= htol`` and the rest of one
    sign, degenerate (flat directions: the second-derivative test cannot decide).

    Parameters
    ----------
    net : codelib.nets.MLP
    theta : array_like, shape (P,)
        The end point of training.
    X, y : array_like
        The training data, as in :func:`codelib.nets.loss`.
    tol : float, default 1e-4
        Largest gradient norm that counts as zero.
    htol : float, optional
        Eigenvalues with ``|lambda| <= htol`` count as zero. Default ``tol``: at a point with
        ``||g|| = eps`` an exactly flat direction of the loss (e.g. ReLU rescaling) still shows a
        curvature of order ``eps``, not 0.

    Returns
    -------
    GradientNormTest
        ``loss``, ``grad_norm``, ``converged``, ``eigenvalues`` (ascending) and ``kind``.
        The exact P x P Hessian is formed (:func:`codelib.nets.hessian`), which suits the small
        networks of the book.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or shape or holds NaN/inf, or a tolerance is not > 0;
        ValueError if the loss, gradient or Hessian at ``theta`` overflows.

    Examples
    --------
    At the least-squares solution of a linear model the gradient vanishes and H = A^T A / N > 0:

    >>> net = nets.MLP((1, 1), activation="linear")
    >>> result = gradient_norm_test(net, [1.0, 0.0], [[1.0], [2.0]], [1.0, 2.0])
    >>> result.converged, result.kind, result.eigenvalues.round(3).tolist()
    (True, 'minimum', [0.073, 3.427])
    >>> gradient_norm_test(net, [0.0, 0.0], [[1.0], [2.0]], [1.0, 2.0]).kind
    'not stationary'
    """
    theta = _check_point(nets.check_net(net), theta)
    tol = positive_number(tol, "tol")
    htol = tol if htol is None else positive_number(htol, "htol")
    value, grad = nets.loss_and_grad(net, theta, X, y)
    H = nets.hessian(net, theta, X, y)
    if not (np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(H))):
        raise ValueError("the loss, gradient or Hessian at theta overflows to inf or NaN (theta or X is too large "
                         "for floats), so the point cannot be tested; rescale theta or X.")
    grad_norm = float(np.linalg.norm(grad))
    converged = grad_norm <= tol
    kind = classify(H, htol) if converged else "not stationary"
    return GradientNormTest(float(value), grad_norm, bool(converged), np.linalg.eigvalsh(H), kind)
