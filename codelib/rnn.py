"""The one-unit recurrent network of Pascanu, Mikolov & Bengio (2013, Fig. 6) and its cliff.

The network has no input. From a fixed initial state ``x0`` it runs

    x_t = w * sigmoid(x_{t-1}) + b,    t = 1, ..., T,

and its loss is ``(sigmoid(x_T) - target)**2``. The paper's setting, the defaults of
:class:`OneUnitRNN`, is ``x0 = 0.5``, ``T = 50`` and ``target = 0.7``.

Everything is vectorised over many parameter pairs ``(w, b)`` at once (a whole grid, or a
batch of runs): the loop runs over the ``T`` time steps only. The gradient is computed by
backpropagation through time (BPTT):

    delta_T = dL/dx_T = 2 (s_T - target) s_T (1 - s_T),          s_t = sigmoid(x_t),
    delta_{t-1} = delta_t * w * s_{t-1} (1 - s_{t-1}),
    dL/dw = sum_t delta_t * s_{t-1},     dL/db = sum_t delta_t.

The factor ``w * sigmoid'(x_{t-1})`` is the one-dimensional Jacobian ``dx_t/dx_{t-1}``; a
product of ``T`` of them is what explodes at the cliff. For extreme parameters the product
can overflow: the gradient is then ``inf`` or ``NaN`` (no warning is printed), which is how
:func:`codelib.gd.gradient_descent` recognises divergence.

The module also holds the two small tools the chapter uses to look at products of
Jacobians: :func:`random_matrix` and :func:`product_norms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, as_real, positive_int, positive_number, require_generator, show

__all__ = ["OneUnitRNN", "RNNLossGrad", "sigmoid", "saddle_node_curve", "random_matrix", "product_norms"]


def sigmoid(x: ArrayLike) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-x))``, evaluated without overflow.

    Computed as ``(1 + tanh(x / 2)) / 2``, which equals the logistic function and never
    overflows, even for ``|x|`` in the thousands.

    Parameters
    ----------
    x : array_like
        Finite numbers.

    Returns
    -------
    ndarray
        ``sigmoid(x)``, same shape as ``x``, values in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not numeric or contains NaN or inf.

    Examples
    --------
    >>> sigmoid([0.0, 2.0]).round(6).tolist()
    [0.5, 0.880797]
    >>> float(sigmoid(-1000.0))
    0.0
    """
    return _sigmoid(as_float_array(x, "x"))


def _sigmoid(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class RNNLossGrad(NamedTuple):
    """The loss of :class:`OneUnitRNN` and its two partial derivatives, each of the shape of ``w`` and ``b`` broadcast."""

    loss: FloatArray
    grad_w: FloatArray
    grad_b: FloatArray


@dataclass(frozen=True)
class OneUnitRNN:
    """The network ``x_t = w * sigmoid(x_{t-1}) + b`` with loss ``(sigmoid(x_T) - target)**2``.

    The defaults are the setting of Pascanu et al. (2013), Fig. 6.

    Parameters
    ----------
    x0 : float, default 0.5
        The initial state ``x_0``, finite.
    steps : int, default 50
        The number of time steps ``T``, >= 1.
    target : float, default 0.7
        The target for ``sigmoid(x_T)``, in ``[0, 1]`` (the range of the sigmoid).

    Raises
    ------
    TypeError, ValueError
        If a field has the wrong type or is out of range.

    Examples
    --------
    >>> net = OneUnitRNN()
    >>> net.x0, net.steps, net.target
    (0.5, 50, 0.7)

    With ``w = 0`` the state is ``b`` after one step, so the loss is ``(sigmoid(b) - 0.7)**2``:

    >>> float(net.loss(0.0, 0.0)) == (0.5 - 0.7) ** 2
    True

    The loss over a whole grid at once:

    >>> w, b = np.meshgrid(np.linspace(0, 8, 4), np.linspace(-6, 2, 3))
    >>> net.loss(w, b).shape
    (3, 4)
    """

    x0: float = 0.5
    steps: int = 50
    target: float = 0.7

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", _finite_number(self.x0, "x0"))
        object.__setattr__(self, "steps", positive_int(self.steps, "steps"))
        target = _finite_number(self.target, "target")
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"target must lie in [0, 1], the range of sigmoid(x_T); got {self.target!r}.")
        object.__setattr__(self, "target", target)

    # ----------------------------------------------------------------- forward and backward

    def states(self, w: ArrayLike, b: ArrayLike) -> FloatArray:
        """The states ``x_0, ..., x_T`` for every pair ``(w, b)``.

        Parameters
        ----------
        w, b : array_like
            Finite recurrent weights and biases; they are broadcast against each other.

        Returns
        -------
        ndarray, shape (T + 1, *broadcast shape)
            ``states[t]`` is ``x_t``; ``states[0]`` is ``x0`` everywhere. For ``|w|`` or ``|b|``
            near the float limit a state may overflow to ``+-inf`` (no warning).

        Raises
        ------
        TypeError, ValueError
            If ``w`` or ``b`` is not numeric, not finite, or the two do not broadcast.

        Examples
        --------
        >>> OneUnitRNN(x0=0.0, steps=2).states(2.0, -1.0).tolist()
        [0.0, 0.0, 0.0]
        """
        w, b = self._params(w, b)
        return self._forward(w, b)

    def loss(self, w: ArrayLike, b: ArrayLike) -> FloatArray:
        """The loss ``(sigmoid(x_T) - target)**2`` for every pair ``(w, b)``.

        Parameters
        ----------
        w, b : array_like
            Finite recurrent weights and biases; they are broadcast against each other.

        Returns
        -------
        ndarray
            The loss, of the broadcast shape of ``w`` and ``b``.

        Raises
        ------
        TypeError, ValueError
            If ``w`` or ``b`` is not numeric, not finite, or the two do not broadcast.

        Examples
        --------
        >>> OneUnitRNN(steps=1).loss([0.0, 1.0], 0.0).round(6).tolist()
        [0.04, 0.002423]
        """
        w, b = self._params(w, b)
        return (_sigmoid(self._forward(w, b)[-1]) - self.target) ** 2

    def loss_and_grad(self, w: ArrayLike, b: ArrayLike) -> RNNLossGrad:
        """The loss and its gradient ``(dL/dw, dL/db)`` by backpropagation through time.

        Parameters
        ----------
        w, b : array_like
            Finite recurrent weights and biases; they are broadcast against each other.

        Returns
        -------
        RNNLossGrad
            ``(loss, grad_w, grad_b)``, each of the broadcast shape of ``w`` and ``b``. Where the
            product of Jacobians overflows, the derivatives are ``inf`` or ``NaN``.

        Raises
        ------
        TypeError, ValueError
            If ``w`` or ``b`` is not numeric, not finite, or the two do not broadcast.

        Examples
        --------
        For one step, ``L = (sigmoid(w sigmoid(x0) + b) - target)**2``; at ``w = b = 0``,
        ``dL/db = 2 (0.5 - 0.7) * 0.25 = -0.1`` and ``dL/dw = sigmoid(x0) * dL/db``:

        >>> out = OneUnitRNN(x0=0.0, steps=1).loss_and_grad(0.0, 0.0)
        >>> [round(float(v), 6) for v in out]
        [0.04, -0.05, -0.1]
        """
        w, b = self._params(w, b)
        x = self._forward(w, b)
        s = _sigmoid(x)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported as inf/NaN
            delta = 2.0 * (s[-1] - self.target) * s[-1] * (1.0 - s[-1])  # dL/dx_T
            grad_w = np.zeros_like(delta)
            grad_b = np.zeros_like(delta)
            for t in range(self.steps, 0, -1):  # delta holds dL/dx_t
                grad_w = grad_w + delta * s[t - 1]
                grad_b = grad_b + delta
                if t > 1:
                    delta = delta * w * s[t - 1] * (1.0 - s[t - 1])
        return RNNLossGrad((s[-1] - self.target) ** 2, grad_w, grad_b)

    # ---------------------------------------------------------- the (w, b) plane as a vector

    def f(self, theta: ArrayLike) -> FloatArray:
        """The loss at ``theta = (w, b)``: the interface of ``gradient_descent`` and ``contour``.

        Parameters
        ----------
        theta : array_like, shape (..., 2)
            Points of the plane; the last axis holds ``(w, b)``.

        Returns
        -------
        ndarray, shape (...)
            The loss at each point (a 0-d array for one point).

        Raises
        ------
        TypeError, ValueError
            If ``theta`` is not numeric, not finite, or its last axis does not have length 2.

        Examples
        --------
        >>> float(OneUnitRNN().f([0.0, 0.0])) == float(OneUnitRNN().loss(0.0, 0.0))
        True
        """
        theta = _theta(theta)
        return self.loss(theta[..., 0], theta[..., 1])

    def grad(self, theta: ArrayLike) -> FloatArray:
        """The gradient ``(dL/dw, dL/db)`` at ``theta = (w, b)``, by BPTT.

        Parameters
        ----------
        theta : array_like, shape (..., 2)
            Points of the plane; the last axis holds ``(w, b)``.

        Returns
        -------
        ndarray, shape (..., 2)
            The gradient at each point.

        Raises
        ------
        TypeError, ValueError
            If ``theta`` is not numeric, not finite, or its last axis does not have length 2.

        Examples
        --------
        >>> OneUnitRNN(x0=0.0, steps=1).grad([0.0, 0.0]).round(12).tolist()
        [-0.05, -0.1]
        """
        theta = _theta(theta)
        _, grad_w, grad_b = self.loss_and_grad(theta[..., 0], theta[..., 1])
        return np.stack([grad_w, grad_b], axis=-1)

    # ------------------------------------------------------------------------ the cliff

    def cliff_bias(self, w: ArrayLike) -> FloatArray:
        """The bias ``b = x0 - w sigmoid(x0)`` at which ``x0`` is a fixed point of the map.

        For ``w > 0`` the map ``x -> w sigmoid(x) + b`` is increasing, so the states move
        monotonically: up if ``b`` is above this value, down if it is below. Where ``x0`` is a
        repelling fixed point (``w sigmoid'(x0) > 1``, i.e. ``w > cliff_start``) the two sides
        end at different attractors: the line is the cliff.

        Parameters
        ----------
        w : array_like
            Finite recurrent weights.

        Returns
        -------
        ndarray
            The bias on the line, same shape as ``w``.

        Raises
        ------
        TypeError, ValueError
            If ``w`` is not numeric or not finite.

        Examples
        --------
        >>> net = OneUnitRNN(x0=0.0)
        >>> net.cliff_bias([4.0, 6.0]).tolist()
        [-2.0, -3.0]
        """
        return self.x0 - as_float_array(w, "w") * _sigmoid(np.float64(self.x0))

    @property
    def cliff_start(self) -> float:
        """The weight ``1 / sigmoid'(x0)`` beyond which ``x0`` is a repelling fixed point on the cliff line.

        Examples
        --------
        >>> OneUnitRNN(x0=0.0).cliff_start
        4.0
        """
        s = float(_sigmoid(np.float64(self.x0)))
        return 1.0 / (s * (1.0 - s))

    # ---------------------------------------------------------------------- internals

    def _params(self, w: ArrayLike, b: ArrayLike) -> tuple[FloatArray, FloatArray]:
        w, b = as_float_array(w, "w"), as_float_array(b, "b")
        try:
            return tuple(np.broadcast_arrays(w, b))  # type: ignore[return-value]
        except ValueError:
            raise ValueError(f"w and b must broadcast against each other (e.g. both from np.meshgrid); "
                             f"got shapes {w.shape} and {b.shape}.") from None

    def _forward(self, w: FloatArray, b: FloatArray) -> FloatArray:
        x = np.empty((self.steps + 1,) + w.shape)
        x[0] = self.x0
        with np.errstate(over="ignore", invalid="ignore"):  # |w|, |b| near the float limit: states may be +-inf
            for t in range(1, self.steps + 1):
                x[t] = w * _sigmoid(x[t - 1]) + b
        return x


def saddle_node_curve(w: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """The two biases at which the map ``x -> w sigmoid(x) + b`` has a saddle-node bifurcation.

    A fixed point ``x*`` with ``w sigmoid'(x*) = 1`` appears or disappears there. With
    ``s = sigmoid(x*)`` this means ``s (1 - s) = 1 / w``, so ``s = (1 +- sqrt(1 - 4 / w)) / 2``
    and ``b = logit(s) - w s``. For ``w > 4`` the map has three fixed points (two attracting,
    one repelling) exactly when ``b`` lies strictly between the two returned values; for
    ``w <= 4`` it has one.

    Parameters
    ----------
    w : array_like
        Finite recurrent weights, each >= 4 (below 4 there is no bifurcation).

    Returns
    -------
    (b_low, b_high) : tuple of ndarray
        The lower and the upper bias of the bistable wedge, same shape as ``w``; they meet at
        the cusp ``(w, b) = (4, -2)``.

    Raises
    ------
    TypeError, ValueError
        If ``w`` is not numeric, not finite, or has an entry below 4.

    Examples
    --------
    >>> b_low, b_high = saddle_node_curve([4.0, 5.0])
    >>> b_low.round(4).tolist(), b_high.round(4).tolist()
    ([-2.0, -2.6556], [-2.0, -2.3444])
    """
    w = as_float_array(w, "w")
    if np.any(w < 4.0):
        raise ValueError(f"w must be >= 4: the map x -> w sigmoid(x) + b has a saddle-node bifurcation only "
                         f"for w >= 4 (sigmoid' <= 1/4); got min(w) = {w.min():g}.")
    root = np.sqrt(1.0 - 4.0 / w)
    s_high, s_low = 0.5 * (1.0 + root), 0.5 * (1.0 - root)
    with np.errstate(divide="ignore"):  # at w = 4 exactly, s = 1/2 and the logit is 0: no division by 0
        b_at_high = np.log(s_high / (1.0 - s_high)) - w * s_high
        b_at_low = np.log(s_low / (1.0 - s_low)) - w * s_low
    large = w > 1e6
    if np.any(large):  # 1 - root cancels (to 0 beyond w ~ 1e16): s_low = 2 / (w (1 + root)), taken in logs
        log_low = np.log(2.0) - np.log(w) - np.log1p(root)
        log_high = np.log1p(-np.exp(log_low))
        b_at_high = np.where(large, log_high - log_low - w * np.exp(log_high), b_at_high)
        b_at_low = np.where(large, log_low - log_high - 2.0 / (1.0 + root), b_at_low)
    return b_at_high, b_at_low


def random_matrix(n: int, spectral_radius: float, rng: np.random.Generator, *,
                  shape: tuple[int, ...] = ()) -> FloatArray:
    """Gaussian ``n x n`` matrices, each rescaled to exactly the given spectral radius.

    Parameters
    ----------
    n : int
        Size, >= 1.
    spectral_radius : float
        The largest modulus of the eigenvalues of every result, > 0.
    rng : numpy.random.Generator
        The source of randomness, e.g. ``np.random.default_rng(0)``.
    shape : tuple of int, default ()
        Leading shape of a stack of independent matrices, e.g. ``(trials, depth)``.

    Returns
    -------
    ndarray, shape (*shape, n, n)

    Raises
    ------
    TypeError, ValueError
        If ``rng`` is not a Generator, ``n`` is not an int >= 1, ``spectral_radius`` is not
        > 0 (or so large that entries overflow) or ``shape`` is not a tuple of ints >= 1.

    Examples
    --------
    >>> W = random_matrix(5, 1.1, np.random.default_rng(0))
    >>> round(float(np.abs(np.linalg.eigvals(W)).max()), 12)
    1.1
    >>> random_matrix(3, 0.9, np.random.default_rng(0), shape=(4, 2)).shape
    (4, 2, 3, 3)
    """
    require_generator(rng, "rng")
    n = positive_int(n, "n")
    rho = positive_number(spectral_radius, "spectral_radius")
    if not isinstance(shape, tuple):
        raise TypeError(f"shape must be a tuple of ints such as (100, 50), got {type(shape).__name__}.")
    shape = tuple(positive_int(k, f"shape[{i}]") for i, k in enumerate(shape))
    G = rng.standard_normal(shape + (n, n))
    radius = np.abs(np.linalg.eigvals(G)).max(axis=-1)
    with np.errstate(over="ignore"):
        W = G * (rho / radius)[..., None, None]
    if not np.all(np.isfinite(W)):
        raise ValueError(f"spectral_radius = {rho:.3g} is too large: entries overflow to inf; "
                         "use one below about 1e300.")
    return W


def product_norms(matrices: ArrayLike) -> FloatArray:
    """Spectral norms of the running products ``M_k ... M_2 M_1``, for ``k = 0, ..., t``.

    The ``k = 0`` entry is the norm of the identity, 1. For a recurrent network the
    ``M_k`` are the Jacobians ``dx_k / dx_{k-1}`` and the product is ``dx_t / dx_0``.

    Parameters
    ----------
    matrices : array_like, shape (..., t, n, n)
        The factors ``M_1, ..., M_t`` in order (leading axes: independent batches). Pass
        ``np.broadcast_to(W, (t, n, n))`` for the powers of one matrix ``W``.

    Returns
    -------
    ndarray, shape (..., t + 1)
        The norms; ``inf`` where the product overflows.

    Raises
    ------
    TypeError, ValueError
        If ``matrices`` is not a finite numeric array of shape (..., t, n, n) with square factors.

    Examples
    --------
    >>> product_norms(np.broadcast_to(2.0 * np.eye(2), (3, 2, 2))).tolist()
    [1.0, 2.0, 4.0, 8.0]
    """
    M = as_float_array(matrices, "matrices")
    if M.ndim < 3 or M.shape[-1] != M.shape[-2] or M.shape[-1] == 0 or M.shape[-3] == 0:
        raise ValueError(f"matrices must have shape (..., t, n, n): t >= 1 square factors; got {M.shape}.")
    n, t = M.shape[-1], M.shape[-3]
    product = np.broadcast_to(np.eye(n), M.shape[:-3] + (n, n)).copy()
    norms = np.empty(M.shape[:-3] + (t + 1,))
    norms[..., 0] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(t):
            product = M[..., k, :, :] @ product
            finite = np.all(np.isfinite(product), axis=(-2, -1))
            safe = np.where(finite[..., None, None], product, 0.0)  # the SVD needs finite entries
            norms[..., k + 1] = np.where(finite, np.linalg.norm(safe, ord=2, axis=(-2, -1)), np.inf)
    return norms


def _theta(theta: ArrayLike) -> FloatArray:
    arr = as_float_array(theta, "theta")
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"theta must have shape (..., 2) holding (w, b) on its last axis, got shape {arr.shape}.")
    return arr


def _finite_number(value: object, name: str) -> float:
    number = as_real(value, name, "a real number")
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {show(value)}.")
    return number
