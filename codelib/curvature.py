"""Numbers about a symmetric matrix ``H`` (a NumPy array-like, or an exact ``sympy.Matrix`` of
numbers): eigenvalues, curvature, conditioning, type of stationary point, step sizes, the index of
a critical point (its share of negative eigenvalues) and how far a gradient lies in the kernel of ``H``."""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
import sympy

from ._numeric import row_norms
from ._typing import ArrayLike, FloatArray, MatrixLike
from ._validate import as_float_array, as_symmetric_matrix, as_vector, non_negative_number, positive_number

__all__ = ["Eigen", "eigen", "directional_curvature", "condition_number", "classify", "optimal_step", "max_stable_lr",
           "negative_eigenvalue_fraction", "gradient_flatness"]


class Eigen(NamedTuple):
    """Eigenvalues in ascending order and the matching unit eigenvectors as columns."""

    values: FloatArray
    vectors: FloatArray


def _as_hessian(H: MatrixLike, name: str = "H") -> FloatArray | sympy.Matrix:
    """Return a validated float matrix, or an exact SymPy matrix of real numbers."""
    if not isinstance(H, sympy.MatrixBase):
        return as_symmetric_matrix(H, name)
    if H.rows != H.cols or H.rows == 0:
        raise ValueError(f"{name} must be a square n x n matrix, got a SymPy matrix of shape {H.shape}.")
    if not all(entry.is_real and entry.is_finite for entry in H):
        raise ValueError(f"{name} must hold finite real numbers, got {H.tolist()}; evaluate a symbolic "
                         "Hessian at a point first, e.g. H.subs({x: 1, y: 0}).")
    if not H.is_symmetric():
        raise ValueError(f"{name} must be symmetric (a Hessian is), but H != H.T exactly: {H.tolist()}.")
    return sympy.Matrix(H)


def _as_float_hessian(H: MatrixLike) -> FloatArray:
    checked = _as_hessian(H)
    if isinstance(checked, sympy.MatrixBase):  # exact entries may lie beyond the float range
        return as_symmetric_matrix(np.array(checked.evalf(), dtype=float), "H")
    return checked


def _sign(number: sympy.Expr) -> int:
    """Return the exact sign of a SymPy number, or raise if SymPy cannot decide it."""
    sign = sympy.sign(sympy.simplify(number))
    if sign in (-1, 0, 1):
        return int(sign)
    raise ValueError(f"SymPy cannot decide the sign of {number}; pass a float matrix to use a tolerance.")


def _exact_inertia(H: sympy.Matrix) -> tuple[int, int, int]:
    """Return the exact numbers of negative, zero and positive eigenvalues of a symmetric matrix.

    Closed-form eigenvalues (cubic formula) often defeat SymPy's sign checks. The characteristic
    polynomial has only real roots, so Descartes' rule of signs counts the positive ones exactly.
    """
    signs = [_sign(c) for c in H.charpoly(sympy.Dummy("lambda")).all_coeffs()]
    zero = len(signs) - len(np.trim_zeros(signs, "b"))
    nonzero = [s for s in signs if s != 0]
    positive = sum(a != b for a, b in zip(nonzero, nonzero[1:]))
    return H.rows - zero - positive, zero, positive


def eigen(H: MatrixLike) -> Eigen:
    """Return the eigenvalues (ascending) and unit eigenvectors (columns) of a symmetric ``H``.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        A symmetric matrix; a SymPy matrix is converted to floats.

    Returns
    -------
    Eigen
        ``values`` of shape ``(n,)``, ascending, and ``vectors`` of shape ``(n, n)`` with
        ``H @ vectors[:, i] == values[i] * vectors[:, i]``; each eigenvector's sign is arbitrary.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is not numeric, not square, not symmetric, holds NaN, inf or symbols, or is so
        large that its eigenvalues may exceed the float range (Frobenius norm above ~1.8e308).

    Examples
    --------
    >>> values, vectors = eigen([[2.0, 1.0], [1.0, 2.0]])
    >>> values.round(6).tolist(), abs(vectors[:, 1]).round(4).tolist()
    ([1.0, 3.0], [0.7071, 0.7071])
    """
    values, vectors = np.linalg.eigh(_as_float_hessian(H))
    return Eigen(values, vectors)


def directional_curvature(H: MatrixLike, d: ArrayLike) -> float | FloatArray:
    """Return the curvature ``d^T H d / ||d||^2`` of the quadratic model along ``d``.

    It lies between the extreme eigenvalues of ``H`` and equals an eigenvalue along its eigenvector.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        A symmetric matrix.
    d : array_like, shape (n,) or (k, n)
        A nonzero direction, or ``k`` directions as rows (its length is ignored).

    Returns
    -------
    float or ndarray of shape (k,)
        The curvature along each direction.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is invalid (see :func:`eigen`), or ``d`` is not numeric, has the wrong shape or a
        zero direction.

    Examples
    --------
    >>> H = [[1.0, 0.0], [0.0, 8.0]]
    >>> directional_curvature(H, [1.0, 1.0])
    4.5
    >>> directional_curvature(H, [[1.0, 0.0], [0.0, -2.0], [3.0, 3.0]]).tolist()
    [1.0, 8.0, 4.5]
    """
    A = _as_float_hessian(H)
    n = A.shape[0]
    D = as_float_array(d, "d")
    if D.ndim == 1:
        D = as_vector(D, "d", size=n)
    elif D.ndim != 2 or D.shape[0] == 0 or D.shape[1] != n:
        raise ValueError(f"d must be one direction of shape ({n},) or k of shape (k, {n}), got {D.shape}.")
    if np.any(np.all(D == 0, axis=-1)):
        raise ValueError("d must be nonzero: the zero vector has no direction, so no curvature.")
    with np.errstate(all="ignore"):
        curvature = np.einsum("...i,ij,...j->...", D, A, D) / np.einsum("...i,...i->...", D, D)
    if not np.all(np.isfinite(curvature)):  # |d| near the float limit or the underflow limit: use unit vectors
        U = D / np.abs(D).max(axis=-1, keepdims=True)
        U = U / np.linalg.norm(U, axis=-1, keepdims=True)
        curvature = np.einsum("...i,ij,...j->...", U, A, U)
    return float(curvature) if D.ndim == 1 else curvature


def condition_number(H: MatrixLike) -> float:
    """Return ``max |lambda| / min |lambda|``, the (2-norm) condition number of a symmetric ``H``.

    For a definite ``H`` (minimum or maximum) this is ``|lambda_max| / |lambda_min|``, steepest over
    flattest curvature; for an indefinite ``H`` (saddle) it compares the curvatures' sizes,
    whatever their signs.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        A symmetric matrix.

    Returns
    -------
    float
        ``>= 1``; ``math.inf`` if ``H`` is singular (a flat direction): for a SymPy matrix, if its
        determinant is exactly zero; for floats, where round-off rarely leaves an exact zero, if
        ``min |lambda| <= n * eps * max |lambda|`` (as in ``numpy.linalg.matrix_rank``).

    Raises
    ------
    TypeError, ValueError
        If ``H`` is invalid (see :func:`eigen`).

    Examples
    --------
    >>> condition_number([[1.0, 0.0], [0.0, 8.0]])
    8.0
    >>> condition_number([[1.0, 1.0], [1.0, 1.0]])
    inf
    """
    exact = isinstance(H, sympy.MatrixBase)
    magnitudes = np.abs(np.linalg.eigvalsh(_as_float_hessian(H)))
    largest, smallest = magnitudes.max(), magnitudes.min()
    singular = _sign(H.det()) == 0 if exact else smallest <= len(magnitudes) * np.finfo(float).eps * largest
    return math.inf if singular or smallest == 0 else float(largest / smallest)


def classify(H: MatrixLike, tol: float = 1e-8) -> Literal["minimum", "maximum", "saddle", "degenerate"]:
    """Classify a stationary point by the eigenvalues of its Hessian ``H``.

    This is the second-derivative test, valid where the gradient is zero: all eigenvalues
    positive give a ``"minimum"``, all negative a ``"maximum"``, at least one of each sign a
    ``"saddle"`` (even if others are zero). Otherwise some eigenvalue is zero and the rest share
    one sign: ``"degenerate"``, the test is inconclusive (``x**3`` and ``x**4`` at 0).

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        The Hessian at a stationary point. For a SymPy matrix the signs are decided exactly
        and ``tol`` is ignored.
    tol : float, default 1e-8
        Eigenvalues with ``|lambda| <= tol`` count as zero (absolute: scale it with ``H``).

    Returns
    -------
    {"minimum", "maximum", "saddle", "degenerate"}
        The type of the stationary point.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is invalid (see :func:`eigen`) or ``tol`` is not a positive number.

    Examples
    --------
    >>> classify([[2.0, 0.0], [0.0, -2.0]])
    'saddle'
    >>> import sympy
    >>> classify(sympy.Matrix([[0]]))
    'degenerate'
    """
    tol = positive_number(tol, "tol")
    checked = _as_hessian(H)
    if isinstance(checked, sympy.MatrixBase):
        negative, zero, positive = _exact_inertia(checked)
    else:
        values = np.linalg.eigvalsh(checked)
        negative, positive = int(np.sum(values < -tol)), int(np.sum(values > tol))
        zero = len(values) - negative - positive
    if negative and positive:
        return "saddle"
    if zero:
        return "degenerate"
    return "minimum" if positive else "maximum"


def optimal_step(g: ArrayLike, H: MatrixLike) -> float:
    """Return the step ``g^T g / g^T H g`` that minimises the quadratic model along ``-g``.

    The model is ``f(x - t g) ~ f(x) - t g^T g + t^2/2 g^T H g``: the exact line search on a quadratic.

    Parameters
    ----------
    g : array_like, shape (n,)
        The gradient, nonzero.
    H : array_like or sympy.Matrix, shape (n, n)
        The Hessian.

    Returns
    -------
    float
        The optimal learning rate ``t* > 0``.

    Raises
    ------
    TypeError, ValueError
        If ``H`` or ``g`` is invalid or ``g`` is zero; ValueError if ``g^T H g <= 0``: then the
        model is unbounded below along ``-g`` and no finite step is optimal; or if the step
        overflows (``H`` nearly flat along ``g``).

    Examples
    --------
    >>> optimal_step([1.0, 1.0], [[1.0, 0.0], [0.0, 3.0]])
    0.5
    """
    A = _as_float_hessian(H)
    g = as_vector(g, "g", size=A.shape[0])
    if not np.any(g):
        raise ValueError("g is the zero vector: at a stationary point -g is no direction to step in.")
    with np.errstate(all="ignore"):
        squared_norm, curvature = g @ g, g @ A @ g
        if not (np.isfinite(squared_norm) and np.isfinite(curvature) and squared_norm > 0):
            u = g / np.abs(g).max()  # |g| near the float limits: the step only depends on g's direction
            u = u / np.linalg.norm(u)
            squared_norm, curvature = 1.0, u @ A @ u
        step = squared_norm / curvature
    if curvature <= 0:
        raise ValueError(f"g^T H g = {curvature:.3g} <= 0: the quadratic model is unbounded below along -g, "
                         "so no finite step is optimal.")
    if not np.isfinite(step):
        raise ValueError(f"the optimal step overflows: g^T H g / g^T g = {curvature / squared_norm:.3g} is too close "
                         "to 0 (H is nearly flat along g); rescale H.")
    return float(step)


def max_stable_lr(H: MatrixLike) -> float:
    """Return ``2 / lambda_max``, the largest learning rate at which gradient descent does not diverge.

    On a quadratic, a step multiplies the error along eigenvector ``i`` by ``1 - lr * lambda_i``:
    below ``2 / lambda_max`` every direction of positive curvature shrinks, at it the steepest one
    oscillates forever, above it that one blows up. Negative-curvature directions grow at any ``lr``.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        The Hessian.

    Returns
    -------
    float
        ``2 / lambda_max``.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is invalid (see :func:`eigen`); ValueError if ``lambda_max <= 0``: with no
        positive curvature, gradient descent does not converge to a minimum at any rate; or if
        ``lambda_max`` is so close to 0 that ``2 / lambda_max`` overflows.

    Examples
    --------
    >>> max_stable_lr([[1.0, 0.0], [0.0, 8.0]])
    0.25
    """
    largest = np.linalg.eigvalsh(_as_float_hessian(H))[-1]
    if largest <= 0:
        raise ValueError(f"lambda_max = {largest:.3g} <= 0: H has no positive curvature, so gradient "
                         "descent does not converge to a minimum at any learning rate.")
    with np.errstate(over="ignore"):
        lr = 2.0 / largest
    if not np.isfinite(lr):
        raise ValueError(f"`H` has lambda_max = {largest:.3g}, so close to 0 that 2 / lambda_max overflows; "
                         "rescale H.")
    return float(lr)


def negative_eigenvalue_fraction(H: MatrixLike, tol: float = 0.0) -> float:
    """Return the index of a critical point as a fraction: the share of eigenvalues of ``H`` below ``-tol``.

    0 at a minimum, 1 at a maximum, strictly in between at a saddle. Dauphin et al. (2014)
    call this share the index ``alpha``; the Morse index is the count, ``alpha * n``.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
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
    >>> negative_eigenvalue_fraction([[2.0, 0.0], [0.0, -2.0]])
    0.5
    >>> negative_eigenvalue_fraction(np.diag([1.0, -1e-14, 3.0]), tol=1e-10)
    0.0
    """
    A = _as_float_hessian(H)
    tol = non_negative_number(tol, "tol")
    return float(np.mean(np.linalg.eigvalsh(A) < -tol))


def gradient_flatness(H: MatrixLike, g: ArrayLike) -> float:
    """Return ``||H g|| / (||H|| ||g||)`` (spectral norm ``||H||``): how far ``g`` is from the kernel of ``H``.

    In ``[0, 1]``; 0 if ``g = 0`` or ``H = 0``. ``1/2 ||g||^2`` has the gradient ``H g``, so a
    point where this is near 0 while ``||g||`` is not small is a *gradient-flat* point (Frye et
    al., 2021): ``1/2 ||g||^2`` is stationary there although ``f`` is not. A critical-point
    search that minimises ``||g||`` (:func:`codelib.second_order.find_critical_point`) can stop
    at one.

    Parameters
    ----------
    H : array_like or sympy.Matrix, shape (n, n)
        A finite symmetric matrix, the Hessian at the point.
    g : array_like, shape (n,)
        The finite gradient at the point.

    Returns
    -------
    float
        The flatness ratio, in ``[0, 1]``.

    Raises
    ------
    TypeError, ValueError
        If ``H`` is not a finite symmetric matrix or ``g`` not a finite vector of matching length.

    Examples
    --------
    For ``f = x**3/3 + x + y**2`` at ``(0, 0)``: ``g = (1, 0)`` lies in the kernel of ``H = diag(0, 2)``.

    >>> gradient_flatness(np.diag([0.0, 2.0]), [1.0, 0.0])
    0.0
    >>> gradient_flatness(np.eye(2), [3.0, 4.0])
    1.0
    """
    A = _as_float_hessian(H)
    v = as_vector(g, "g", size=A.shape[0])
    with np.errstate(all="ignore"):
        norm, spectral = float(row_norms(v)), float(np.abs(np.linalg.eigvalsh(A)).max())
        if norm == 0 or spectral == 0:
            return 0.0
        flatness = float(row_norms(A @ v)) / (spectral * norm)
        if not np.isfinite(flatness):  # H or g near the float limits: the ratio does not depend on their scale
            As, vs = A / np.abs(A).max(), v / np.abs(v).max()
            flatness = float(row_norms(As @ vs)) / (float(np.abs(np.linalg.eigvalsh(As)).max()) * float(row_norms(vs)))
    return float(flatness)
