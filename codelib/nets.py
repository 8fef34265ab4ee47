"""Tiny fully-connected networks in NumPy, with hand-written backprop on a flat parameter vector.

Conventions shared by every function:

``net`` : MLP
    The architecture; hidden layers apply ``net.activation``, the output layer is linear.
``theta`` : array_like, shape (P,) or (B, P)
    ``P = net.n_params``. Layout: for each layer, input to output, the weights ``W`` of shape
    (n_out, n_in) in row-major order, then the bias ``b`` (n_out,). A (B, P) array is a batch
    of B networks (e.g. 50 seeds) evaluated at once by broadcasting matmuls, no Python loop
    over B. :func:`hvp` and :func:`hessian` take a single (P,) vector.
``X`` : array_like, shape (N, n_in);  ``y`` : array_like, shape (N, n_out)
    Inputs and targets; (N,) is accepted for ``y`` when n_out = 1. ``loss="logistic"``
    needs labels in {0, 1}.
``layer`` : int
    A hidden layer, numbered from 0 (the first hidden layer), in :func:`permute_hidden`
    and :func:`rescale_hidden`.

Bad input raises ``TypeError`` (wrong type) or ``ValueError`` (wrong shape or value, NaN/inf),
with a message naming the argument and the expected shape, e.g. ``P = net.n_params``. Two of
these checks, :func:`check_net` and :func:`check_data`, are public but not in ``__all__``:
sister modules (:mod:`codelib.probes`) validate with them rather than with copies. Finite
parameters so large that the arithmetic overflows (as in a diverging training run) give inf or
NaN, without a warning, for the caller to detect.

Second derivatives are exact for tanh, sigmoid and linear. For relu the activation's second
derivative is 0 almost everywhere (and relu'(0) is taken as 0), so :func:`hvp` and
:func:`hessian` return the Hessian with the current on/off pattern of the units held fixed;
it is undefined where a pre-activation is exactly 0.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Literal, NamedTuple, get_args

import numpy as np

from . import _numeric
from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, positive_int, positive_number, require_generator

__all__ = ["MLP", "Dataset", "init_params", "flatten", "unflatten", "forward", "loss", "loss_and_grad",
           "hvp", "hessian", "permute_hidden", "rescale_hidden", "make_regression", "make_moons"]

Activation = Literal["tanh", "relu", "sigmoid", "linear"]
LossName = Literal["mse", "logistic"]
Layers = list[tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class MLP:
    """A fully-connected network: ``sizes = (n_in, hidden..., n_out)``.

    ``loss="mse"`` is the mean over samples of ``||out - y||^2 / 2``; ``loss="logistic"`` is the
    mean binary cross-entropy of one output logit with labels ``y`` in {0, 1}.

    Examples
    --------
    >>> net = MLP((2, 8, 1), activation="tanh", loss="logistic")
    >>> net.n_params
    33
    """

    sizes: tuple[int, ...]
    activation: Activation = "tanh"
    loss: LossName = "mse"

    def __post_init__(self) -> None:
        if isinstance(self.sizes, (str, bytes)) or not hasattr(self.sizes, "__iter__"):
            raise TypeError(f"sizes must be a tuple of layer widths such as (2, 8, 1), "
                            f"got {type(self.sizes).__name__}.")
        sizes = tuple(positive_int(s, f"sizes[{i}]") for i, s in enumerate(self.sizes))
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least (n_in, n_out), e.g. (2, 8, 1); got {sizes}.")
        object.__setattr__(self, "sizes", sizes)
        for field, kind in (("activation", Activation), ("loss", LossName)):
            if getattr(self, field) not in get_args(kind):
                raise ValueError(f"{field} must be one of {get_args(kind)}, got {getattr(self, field)!r}.")
        if self.loss == "logistic" and sizes[-1] != 1:
            raise ValueError(f"loss='logistic' uses a single output logit; end sizes with 1, got {sizes}.")

    @property
    def n_params(self) -> int:
        """Number of parameters ``P``: all weights and biases."""
        return sum(o * i + o for i, o in zip(self.sizes[:-1], self.sizes[1:]))


class Dataset(NamedTuple):
    """Inputs ``X`` of shape (n, n_in) and targets ``y`` of shape (n, n_out)."""

    X: FloatArray
    y: FloatArray


def check_net(net: object) -> MLP:
    """Return ``net`` if it is an :class:`MLP`, else raise: the one net check of codelib.

    Not in ``__all__``: a validation helper for codelib's own modules (:mod:`codelib.probes`
    uses it), public so that no module reaches into another's private names.

    Raises
    ------
    TypeError
        If ``net`` is not an :class:`MLP`; the message says how to make one.

    Examples
    --------
    >>> check_net(MLP((2, 8, 1))).sizes
    (2, 8, 1)
    >>> check_net((2, 8, 1))
    Traceback (most recent call last):
    ...
    TypeError: net must be a codelib.nets.MLP such as MLP((2, 8, 1)), got tuple.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be a codelib.nets.MLP such as MLP((2, 8, 1)), got {type(net).__name__}.")
    return net


def _check_theta(net: MLP, theta: ArrayLike, *, batched: bool = True) -> FloatArray:
    arr = as_float_array(theta, "theta")
    if arr.ndim not in ((1, 2) if batched else (1,)) or arr.shape[-1] != net.n_params or arr.size == 0:
        shape = "(P,) or (B, P) with B >= 1" if batched else "(P,)"
        raise ValueError(f"theta must have shape {shape} with P = net.n_params = {net.n_params} for sizes "
                         f"{net.sizes}; got shape {arr.shape}. Make one with init_params(net, rng).")
    return arr


_NO_TARGETS = object()  # forward() has no y; every other function requires one (None is an error)


def check_data(net: MLP, X: ArrayLike, y: object = _NO_TARGETS) -> tuple[FloatArray, FloatArray | None]:
    """Return the training data ``(X, y)`` as float arrays of the shapes ``net`` needs, or raise.

    Not in ``__all__``: a validation helper for codelib's own modules (:mod:`codelib.probes`
    uses it), public so that no module reaches into another's private names.

    Parameters
    ----------
    net : MLP
        A checked network (see :func:`check_net`).
    X : array_like, shape (N, n_in)
    y : array_like, shape (N, n_out), or (N,) when n_out = 1, optional
        Omitted, only ``X`` is checked and ``None`` is returned in its place.

    Returns
    -------
    X : ndarray, shape (N, n_in)
    y : ndarray, shape (N, n_out), or None

    Raises
    ------
    TypeError, ValueError
        If an array is not numeric, holds NaN/inf, has the wrong shape, or ``y`` is not 0/1
        for ``loss="logistic"``.

    Examples
    --------
    >>> X, y = check_data(MLP((2, 1)), [[0.0, 1.0], [2.0, 3.0]], [1.0, 0.0])
    >>> X.shape, y.shape
    ((2, 2), (2, 1))
    """
    X = as_float_array(X, "X")
    n_in, n_out = net.sizes[0], net.sizes[-1]
    if X.ndim != 2 or X.shape[1] != n_in or X.shape[0] == 0:
        hint = " Reshape 1-D inputs with X.reshape(-1, 1)." if X.ndim == 1 else ""
        raise ValueError(f"X must have shape (n_samples, {n_in}) for sizes {net.sizes}, got {X.shape}.{hint}")
    if y is _NO_TARGETS:
        return X, None
    y = as_float_array(y, "y")
    if y.ndim == 1 and n_out == 1:
        y = y[:, None]
    if y.shape != (X.shape[0], n_out):
        raise ValueError(f"y must have shape ({X.shape[0]}, {n_out}): one row per row of X and one column "
                         f"per output; got {y.shape}.")
    if net.loss == "logistic" and not np.all((y == 0) | (y == 1)):
        raise ValueError("loss='logistic' needs labels y in {0, 1}; use loss='mse' for real-valued targets.")
    return X, y


def _check_index(value: object, name: str, n: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if not 0 <= value < n:
        raise ValueError(f"{name} must be in range({n}) ({what}), got {value}.")
    return int(value)


def _check_hidden(net: MLP, layer: object) -> int:
    n_hidden = len(net.sizes) - 2
    if n_hidden == 0:
        raise ValueError(f"net has no hidden layer (sizes {net.sizes}); add one, e.g. sizes=(2, 8, 1).")
    return _check_index(layer, "layer", n_hidden, f"hidden layers are numbered from 0 for sizes {net.sizes}")


def _unit_views(net: MLP, theta: FloatArray, layer: int) -> tuple[Layers, FloatArray, FloatArray, FloatArray]:
    """Layers of a copy of ``theta``, and views of the incoming W, b and outgoing W of hidden ``layer``."""
    layers = _split(net, theta.copy())
    return layers, layers[layer][0], layers[layer][1], layers[layer + 1][0]


def _split(net: MLP, theta: FloatArray) -> Layers:
    """Views ``(W, b)`` into ``theta`` (P,) or (B, P); W is (..., out, in)."""
    layers, start, batch = [], 0, theta.shape[:-1]
    for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:]):
        stop = start + n_out * n_in
        layers.append((theta[..., start:stop].reshape(batch + (n_out, n_in)), theta[..., stop:stop + n_out]))
        start = stop + n_out
    return layers


def _join(layers: Layers) -> FloatArray:
    return np.concatenate([part for W, b in layers for part in (W.reshape(W.shape[:-2] + (-1,)), b)], axis=-1)


def init_params(net: MLP, rng: np.random.Generator, *, scale: float | None = None) -> FloatArray:
    """Random parameters (P,): Gaussian weights, zero biases.

    Parameters
    ----------
    net : MLP
    rng : numpy.random.Generator
    scale : float, optional
        Standard deviation of every weight. Default, per layer: He ``sqrt(2 / n_in)`` for relu,
        Glorot ``sqrt(2 / (n_in + n_out))`` otherwise.

    Returns
    -------
    ndarray, shape (P,)

    Raises
    ------
    TypeError, ValueError
        If ``rng`` is not a ``np.random.Generator``, or ``scale`` is not a finite number > 0 or so
        large that weights overflow to inf.

    Examples
    --------
    >>> init_params(MLP((1, 16, 1)), np.random.default_rng(0)).shape
    (49,)
    """
    check_net(net)
    require_generator(rng, "rng")
    scale = None if scale is None else positive_number(scale, "scale")
    parts = []
    for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:]):
        std = scale or np.sqrt(2.0 / (n_in if net.activation == "relu" else n_in + n_out))
        with np.errstate(over="ignore"):
            parts += [std * rng.standard_normal(n_out * n_in), np.zeros(n_out)]
    theta = np.concatenate(parts)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"scale = {scale:.3g} is too large: some weights overflow to inf; "
                         "use a scale below about 1e300.")
    return theta


def unflatten(net: MLP, theta: ArrayLike) -> Layers:
    """Per-layer copies ``[(W, b), ...]`` of ``theta``; W is (n_out, n_in), or (B, n_out, n_in) for a batch.

    Examples
    --------
    >>> [(W.shape, b.shape) for W, b in unflatten(MLP((2, 3, 1)), np.arange(13.0))]
    [((3, 2), (3,)), ((1, 3), (1,))]
    """
    return _split(check_net(net), _check_theta(net, theta).copy())


def flatten(layers: Layers) -> FloatArray:
    """Inverse of :func:`unflatten`: concatenate each ``W`` (row-major), then its ``b``.

    Raises
    ------
    TypeError, ValueError
        If ``layers`` is not a list of pairs ``(W, b)`` of matching shapes, or consecutive layers
        do not chain.

    Examples
    --------
    >>> flatten([(np.ones((2, 1)), np.zeros(2))]).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    if isinstance(layers, (str, bytes, dict)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of (W, b) pairs as returned by unflatten, got {type(layers).__name__}.")
    checked = []
    for i, pair in enumerate(layers):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"layers[{i}] must be a pair (W, b) as returned by unflatten, got {type(pair).__name__}.")
        W, b = as_float_array(pair[0], f"layers[{i}][0] (W)"), as_float_array(pair[1], f"layers[{i}][1] (b)")
        if W.ndim < 2 or b.shape != W.shape[:-1]:
            raise ValueError(f"layers[{i}]: W must be (out, in) and b (out,); got {W.shape} and {b.shape}.")
        if checked and checked[-1][0].shape[-2] != W.shape[-1]:
            raise ValueError(f"layers[{i}] takes {W.shape[-1]} inputs but layers[{i - 1}] has "
                             f"{checked[-1][0].shape[-2]} outputs.")
        checked.append((W, b))
    if not checked:
        raise ValueError("layers is empty; pass a list of (W, b) pairs.")
    return _join(checked)


def _phi(name: str, z: FloatArray) -> FloatArray:
    if name in ("tanh", "sigmoid"):
        return np.tanh(z) if name == "tanh" else _numeric.sigmoid(z)
    return np.maximum(z, 0.0) if name == "relu" else z


def _slopes(name: str, a: FloatArray, second: bool = False) -> tuple[FloatArray | float, FloatArray | float]:
    """phi'(z) and, if ``second``, phi''(z) (else 0), from the activation a = phi(z)."""
    if name in ("linear", "relu"):
        return (1.0 if name == "linear" else (a > 0).astype(float)), 0.0
    d1 = 1.0 - a * a if name == "tanh" else a * (1.0 - a)
    return d1, ((-2.0 * a if name == "tanh" else 1.0 - 2.0 * a) * d1 if second else 0.0)


def _affine(a: FloatArray, W: FloatArray, b: FloatArray) -> FloatArray:
    z = a @ np.swapaxes(W, -1, -2)
    z += b[..., None, :]
    return z


# Overflow gives inf/NaN, for the caller to detect (a fresh errstate per function: they nest).
@np.errstate(over="ignore", invalid="ignore")
def _forward(net: MLP, layers: Layers, X: FloatArray) -> list[FloatArray]:
    """The input of every layer (X, then the hidden activations), then the output."""
    values = [X]
    for W, b in layers[:-1]:
        values.append(_phi(net.activation, _affine(values[-1], W, b)))
    values.append(_affine(values[-1], *layers[-1]))
    return values


@np.errstate(over="ignore", invalid="ignore")
def _head(name: str, out: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean loss, its gradient and its (diagonal) curvature with respect to the outputs."""
    n = y.shape[0]
    if name == "mse":
        r = out - y
        return 0.5 * np.sum(r * r, axis=(-2, -1)) / n, r / n, np.full_like(out, 1.0 / n)
    s = _numeric.sigmoid(out)
    value = np.sum(np.logaddexp(0.0, out) - y * out, axis=(-2, -1)) / n
    return value, (s - y) / n, s * (1.0 - s) / n


@np.errstate(over="ignore", invalid="ignore")
def _backward(net: MLP, layers: Layers, values: list[FloatArray], delta: FloatArray) -> FloatArray:
    grads = []
    for i in reversed(range(len(layers))):
        grads.append((np.swapaxes(delta, -1, -2) @ values[i], delta.sum(axis=-2)))
        if i:
            delta = delta @ layers[i][0]
            delta *= _slopes(net.activation, values[i])[0]  # in place: fewer large temporaries
    return _join(grads[::-1])


@np.errstate(over="ignore", invalid="ignore")
def _hvp_many(net: MLP, theta: FloatArray, X: FloatArray, y: FloatArray, V: FloatArray) -> FloatArray:
    """Pearlmutter's R-operator for K directions V (K, P): at one theta (P,) -> (K, P), at B thetas (B, P) -> (B, K, P)."""
    layers, vlayers = _split(net, theta if theta.ndim == 1 else theta[:, None, :]), _split(net, V)
    values = _forward(net, layers, X)
    slopes = [_slopes(net.activation, a, second=True) for a in values[1:-1]]
    _, delta, curv = _head(net.loss, values[-1], y)
    r_values, r_z = [None], []  # R{.} of each layer's input and pre-activation; R{X} = 0
    for i, ((W, _), (dW, db)) in enumerate(zip(layers, vlayers)):
        z = _affine(values[i], dW, db)
        r_z.append(z + r_values[i] @ np.swapaxes(W, -1, -2) if i else z)
        if i < len(layers) - 1:
            r_values.append(slopes[i][0] * r_z[i])
    r_delta, out = curv * r_z[-1], []
    for i in reversed(range(len(layers))):
        r_gW = np.swapaxes(r_delta, -1, -2) @ values[i]
        out.append((r_gW + np.swapaxes(delta, -1, -2) @ r_values[i] if i else r_gW, r_delta.sum(axis=-2)))
        if i:
            (W, _), (dW, _), (d1, d2) = layers[i], vlayers[i], slopes[i - 1]
            back = delta @ W
            r_delta = (r_delta @ W + delta @ dW) * d1 + back * d2 * r_z[i - 1]
            delta = back * d1
    return _join(out[::-1])


def forward(net: MLP, theta: ArrayLike, X: ArrayLike) -> FloatArray:
    """Network outputs (logits for ``loss="logistic"``): (N, n_out), or (B, N, n_out) for a batch.

    Examples
    --------
    >>> net = MLP((2, 4, 1))
    >>> theta = init_params(net, np.random.default_rng(0))
    >>> forward(net, theta, np.zeros((5, 2))).shape, forward(net, np.stack([theta] * 3), np.zeros((5, 2))).shape
    ((5, 1), (3, 5, 1))
    """
    theta = _check_theta(check_net(net), theta)
    return _forward(net, _split(net, theta), check_data(net, X)[0])[-1]


def loss(net: MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> float | FloatArray:
    """Mean loss over the samples: a float, or (B,) for a batch. See :func:`loss_and_grad`.

    Examples
    --------
    >>> net = MLP((1, 1), activation="linear")  # y_hat = w x + b
    >>> loss(net, [2.0, 0.0], [[1.0], [2.0]], [0.0, 0.0])  # (2**2 + 4**2) / 2 / 2
    5.0
    """
    theta = _check_theta(check_net(net), theta)
    X, y = check_data(net, X, y)
    value = _head(net.loss, _forward(net, _split(net, theta), X)[-1], y)[0]
    return float(value) if theta.ndim == 1 else value


def loss_and_grad(net: MLP, theta: ArrayLike, X: ArrayLike,
                  y: ArrayLike) -> tuple[float | FloatArray, FloatArray]:
    """Mean loss and its gradient by backpropagation, for one network or a batch.

    Parameters
    ----------
    net, theta, X, y
        See the module docstring; ``theta`` may be (P,) or (B, P).

    Returns
    -------
    loss : float, or ndarray (B,)
    grad : ndarray, shape (P,) or (B, P)

    Raises
    ------
    TypeError, ValueError
        If ``net`` is not an MLP, a shape does not match ``net``, an array holds NaN/inf, or
        logistic labels are not 0/1.

    Examples
    --------
    >>> net = MLP((1, 1), activation="linear")
    >>> value, g = loss_and_grad(net, [2.0, 0.0], [[1.0], [2.0]], [0.0, 0.0])
    >>> value, g.tolist()
    (5.0, [5.0, 3.0])
    """
    theta = _check_theta(check_net(net), theta)
    X, y = check_data(net, X, y)
    layers = _split(net, theta)
    values = _forward(net, layers, X)
    value, delta, _ = _head(net.loss, values[-1], y)
    grad = _backward(net, layers, values, delta)
    return (float(value) if theta.ndim == 1 else value), grad


def hvp(net: MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike, v: ArrayLike) -> FloatArray:
    """Exact Hessian-vector product ``H(theta) v`` by Pearlmutter's R-operator (forward over reverse).

    Costs about two gradients; H is never formed. Used for ``g^T H g`` along a GD run. Several
    vectors at once, ``v`` of shape (K, P), share one forward pass.

    Parameters
    ----------
    net, theta, X, y
        See the module docstring; ``theta`` is a single (P,) vector.
    v : array_like, shape (P,) or (K, P)

    Returns
    -------
    ndarray, shape (P,), or (K, P): ``H v_k`` for each row ``v_k``

    Raises
    ------
    TypeError, ValueError
        As :func:`loss_and_grad`, or if ``theta`` is not one vector of length P, or ``v`` is not
        finite of shape (P,) or (K, P).

    Examples
    --------
    For a linear model with mse, ``H = A^T A / N`` with rows ``A = [x, 1]``:

    >>> net = MLP((1, 1), activation="linear")
    >>> hvp(net, [0.3, -1.0], [[1.0], [2.0]], [0.0, 1.0], [1.0, 0.0]).tolist()
    [2.5, 1.5]
    >>> hvp(net, [0.3, -1.0], [[1.0], [2.0]], [0.0, 1.0], [[1.0, 0.0], [0.0, 1.0]]).tolist()
    [[2.5, 1.5], [1.5, 1.0]]
    """
    theta = _check_theta(check_net(net), theta, batched=False)
    X, y = check_data(net, X, y)
    V = as_float_array(v, "v")
    if V.ndim not in (1, 2) or V.shape[-1] != net.n_params or V.size == 0:
        raise ValueError(f"v must be one vector of length {net.n_params} (P) or K such vectors, shape (K, "
                         f"{net.n_params}); got an array of shape {V.shape}.")
    return _hvp_many(net, theta, X, y, V[None, :] if V.ndim == 1 else V)[0 if V.ndim == 1 else slice(None)]


def hessian(net: MLP, theta: ArrayLike, X: ArrayLike, y: ArrayLike) -> FloatArray:
    """Exact Hessian of the mean loss, (P, P), or (B, P, P) for a batch ``theta`` of shape (B, P).

    :func:`hvp` on all basis vectors (the Hessian is the HVP with the identity), vectorised over
    blocks of basis vectors and over the batch. Round-off asymmetry is removed by ``(H + H.T) / 2``.
    Raises as :func:`hvp`, except that ``theta`` may be (P,) or (B, P).

    Examples
    --------
    >>> net = MLP((2, 8, 1))
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((100, 2)), rng.standard_normal(100)
    >>> H = hessian(net, init_params(net, rng), X, y)
    >>> H.shape, bool(np.array_equal(H, H.T))
    ((33, 33), True)
    >>> hessian(net, np.stack([init_params(net, rng) for _ in range(5)]), X, y).shape
    (5, 33, 33)
    """
    theta = _check_theta(check_net(net), theta)
    X, y = check_data(net, X, y)
    # 256 directions per pass for one theta; for a batch about 4096 products per pass (bounds the memory)
    eye, block = np.eye(net.n_params), 256 if theta.ndim == 1 else max(1, 4096 // len(theta))
    H = np.concatenate([_hvp_many(net, theta, X, y, eye[k:k + block]) for k in range(0, net.n_params, block)],
                       axis=-2)
    with np.errstate(over="ignore", invalid="ignore"):
        return 0.5 * (H + np.swapaxes(H, -1, -2))


def permute_hidden(net: MLP, theta: ArrayLike, layer: int, perm: ArrayLike) -> FloatArray:
    """Reorder the units of hidden layer ``layer``; the network function is unchanged.

    Rows of the incoming ``W``, entries of ``b`` and columns of the outgoing ``W`` move together.

    Parameters
    ----------
    net, theta, layer
        See the module docstring; ``theta`` may be (P,) or (B, P).
    perm : sequence of int
        A permutation of ``range(width)``: new unit ``j`` is old unit ``perm[j]``.

    Returns
    -------
    ndarray, same shape as ``theta``

    Raises
    ------
    TypeError, ValueError
        If ``layer`` is not a hidden layer or ``perm`` is not a permutation of ``range(width)``.

    Examples
    --------
    >>> net = MLP((2, 3, 1))
    >>> theta, X = init_params(net, np.random.default_rng(0)), np.random.default_rng(1).random((4, 2))
    >>> swapped = permute_hidden(net, theta, 0, [2, 0, 1])
    >>> bool(np.allclose(forward(net, swapped, X), forward(net, theta, X))), bool(np.array_equal(swapped, theta))
    (True, False)
    """
    theta = _check_theta(check_net(net), theta)
    layer = _check_hidden(net, layer)
    width = net.sizes[layer + 1]
    order = np.asarray(perm)
    if order.shape != (width,) or order.dtype.kind not in "iu" or not np.array_equal(np.sort(order), np.arange(width)):
        raise ValueError(f"perm must be a permutation of range({width}) (hidden layer {layer} has {width} units), "
                         f"e.g. rng.permutation({width}); got {perm!r}.")
    layers, W, b, W_next = _unit_views(net, theta, layer)
    W[...], b[...], W_next[...] = W[..., order, :], b[..., order], W_next[..., :, order]
    return _join(layers)


def rescale_hidden(net: MLP, theta: ArrayLike, layer: int, unit: int, beta: float) -> FloatArray:
    """Scale a hidden unit's incoming weights and bias by ``beta`` and its outgoing weights by ``1/beta``.

    The function is unchanged only for a positively homogeneous activation, ``phi(beta z) =
    beta phi(z)`` for ``beta > 0``: relu and linear. The loss is then constant along the curve
    while the gradient and the Hessian change (Dinh et al., 2017).

    Parameters
    ----------
    net, theta, layer
        See the module docstring; ``theta`` may be (P,) or (B, P).
    unit : int
        The unit, ``0 <= unit < width`` of the layer.
    beta : float
        Finite, > 0.

    Returns
    -------
    ndarray, same shape as ``theta``

    Raises
    ------
    TypeError, ValueError
        If the activation is tanh or sigmoid (ValueError), or ``layer``, ``unit`` or ``beta``
        has the wrong type or is out of range (a ``beta`` so extreme that weights overflow).

    Examples
    --------
    >>> net = MLP((2, 3, 1), activation="relu")
    >>> theta, X = init_params(net, np.random.default_rng(0)), np.random.default_rng(1).random((4, 2))
    >>> bool(np.allclose(forward(net, rescale_hidden(net, theta, 0, 1, 10.0), X), forward(net, theta, X)))
    True
    """
    theta = _check_theta(check_net(net), theta)
    if net.activation not in ("relu", "linear"):
        raise ValueError(f"rescale_hidden keeps the function only for relu or linear units (phi(beta z) = beta phi(z) "
                         f"for beta > 0); {net.activation} is not positively homogeneous. Use permute_hidden instead.")
    layer = _check_hidden(net, layer)
    unit = _check_index(unit, "unit", net.sizes[layer + 1], f"hidden layer {layer} has {net.sizes[layer + 1]} units")
    beta = positive_number(beta, "beta")
    layers, W, b, W_next = _unit_views(net, theta, layer)
    with np.errstate(over="ignore", under="ignore"):
        W[..., unit, :] *= beta
        b[..., unit] *= beta
        W_next[..., :, unit] /= beta
    rescaled = _join(layers)
    if not np.all(np.isfinite(rescaled)):
        raise ValueError(f"beta = {beta:.3g} is too extreme: the rescaled weights overflow to inf; "
                         "use a beta between about 1e-300 and 1e300.")
    return rescaled


def _noise(noise: object) -> float:
    if isinstance(noise, numbers.Real) and not isinstance(noise, bool) and noise == 0:
        return 0.0  # noiseless data is fine; positive_number would reject 0
    return positive_number(noise, "noise")


def make_regression(n: int, rng: np.random.Generator, *, noise: float = 0.1) -> Dataset:
    """1-D regression: ``y = sin(x) + noise * N(0, 1)``, ``x`` uniform on [-pi, pi]; X, y of shape (n, 1).

    Raises ``TypeError``/``ValueError`` if ``n`` is not an int >= 1, ``rng`` is not a
    ``np.random.Generator`` or ``noise`` is negative (or so large that the samples overflow).

    Examples
    --------
    >>> X, y = make_regression(50, np.random.default_rng(0))
    >>> X.shape, y.shape
    ((50, 1), (50, 1))
    """
    n, rng, noise = positive_int(n, "n"), require_generator(rng, "rng"), _noise(noise)
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return Dataset(X, _finite_samples(np.sin(X), noise, rng.standard_normal((n, 1))))


def make_moons(n: int, rng: np.random.Generator, *, noise: float = 0.1) -> Dataset:
    """Two interleaved half circles: X (n, 2), labels y (n, 1) alternating 0, 1 (balanced).

    Raises as :func:`make_regression`.

    Examples
    --------
    >>> X, y = make_moons(100, np.random.default_rng(0))
    >>> X.shape, y.shape, float(y.mean())
    ((100, 2), (100, 1), 0.5)
    """
    n, rng, noise = positive_int(n, "n"), require_generator(rng, "rng"), _noise(noise)
    y = (np.arange(n) % 2).astype(float)[:, None]
    t = rng.uniform(0.0, np.pi, size=(n, 1))
    upper = np.hstack([np.cos(t), np.sin(t)])
    lower = np.hstack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    return Dataset(_finite_samples(np.where(y == 0, upper, lower), noise, rng.standard_normal((n, 2))), y)


def _finite_samples(clean: FloatArray, noise: float, draws: FloatArray) -> FloatArray:
    """``clean + noise * draws``, or ValueError if a huge ``noise`` makes it overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        samples = clean + noise * draws
    if not np.all(np.isfinite(samples)):
        raise ValueError(f"noise = {noise:.3g} is too large: the samples overflow to inf; "
                         "use a noise below about 1e300.")
    return samples
