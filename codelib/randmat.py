"""Random matrices: symmetric ones (the Gaussian orthogonal ensemble) as a model of a Hessian,
and products of random square ones as a model of the Jacobians of a deep or recurrent network.

The GOE convention used everywhere here: a GOE matrix of size ``m`` and scale ``sigma`` is
``H = sigma * (A + A^T) / sqrt(2)`` with ``A`` an ``m x m`` matrix of independent standard normals.
Its off-diagonal entries have variance ``sigma**2``, its diagonal entries ``2 * sigma**2``, and its
density is proportional to ``exp(-tr(H^2) / (4 sigma^2))``, which is invariant under
``H -> Q H Q^T`` for every orthogonal ``Q`` (the "O" in GOE). For large ``m`` the eigenvalues fill the
Wigner semicircle on ``[-R, R]`` with ``R = 2 sigma sqrt(m)``; ``sigma = 1/sqrt(m)`` gives ``R = 2``.
Dean & Majumdar (2006) use ``sigma**2 = 1/2`` (density ``exp(-tr(H^2) / 2)``).

The probability that all eigenvalues are positive does not depend on ``sigma``: scaling a matrix
does not change the signs of its eigenvalues. It does depend on the 2 : 1 ratio of diagonal to
off-diagonal variance, which orthogonal invariance fixes.

* :func:`goe` samples matrices, one or a batch.
* :func:`prob_all_positive` estimates ``P(all m eigenvalues > 0)`` by Monte Carlo for many ``m``.
* :func:`log_prob_all_positive` computes ``ln P`` exactly (to working precision) from the joint
  eigenvalue density, with de Bruijn's Pfaffian identity and Mehta's integral.
* :func:`positive_share` is the share of positive eigenvalues of ``H + s I`` for several shifts ``s``,
  and :func:`semicircle_share_above` its large-``m`` limit.
* :func:`random_matrix` draws Gaussian square matrices rescaled to a given spectral radius, and
  :func:`product_norms` follows the spectral norms of their running products
  ``M_k ... M_2 M_1``: for a recurrent network the ``M_k`` are the Jacobians ``dx_k / dx_{k-1}``,
  and the product is what explodes or vanishes.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import mpmath
import numpy as np

from ._typing import ArrayLike, FloatArray
from ._validate import as_float_array, positive_int, positive_number, require_generator

__all__ = ["DEAN_MAJUMDAR_THETA", "goe", "AllPositiveEstimate", "prob_all_positive", "log_prob_all_positive",
           "positive_share", "semicircle_share_above", "random_matrix", "product_norms"]

#: The exponent of Dean & Majumdar (2006): ``P(all eigenvalues > 0) ~ exp(-theta m^2)`` for the
#: GOE as ``m -> infinity``, ``theta = ln(3) / 4 = 0.2747...`` (``beta * ln(3) / 4`` with ``beta = 1``).
DEAN_MAJUMDAR_THETA: float = math.log(3.0) / 4.0


def goe(m: int, rng: np.random.Generator, *, size: int | None = None, sigma: float = 1.0) -> FloatArray:
    """Sample GOE matrices ``sigma * (A + A^T) / sqrt(2)`` (see the module docstring for the convention).

    Parameters
    ----------
    m : int
        Matrix size, >= 1.
    rng : numpy.random.Generator
        The source of randomness.
    size : int, optional
        Number of matrices; ``None`` returns one matrix.
    sigma : float, default 1.0
        Standard deviation of the off-diagonal entries (the diagonal ones have ``sqrt(2) * sigma``).

    Returns
    -------
    ndarray, shape (m, m), or (size, m, m)
        Exactly symmetric matrices.

    Raises
    ------
    TypeError, ValueError
        If ``m`` or ``size`` is not an integer >= 1, ``sigma`` is not a number > 0 (or so large
        that entries overflow), or ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    >>> H = goe(3, np.random.default_rng(0), size=2)
    >>> H.shape, bool(np.array_equal(H, H.transpose(0, 2, 1)))
    ((2, 3, 3), True)
    """
    m = positive_int(m, "m")
    rng = require_generator(rng, "rng")
    sigma = positive_number(sigma, "sigma")
    shape = (m, m) if size is None else (positive_int(size, "size"), m, m)
    A = rng.standard_normal(shape)
    with np.errstate(over="ignore"):
        H = (sigma / math.sqrt(2.0)) * (A + np.swapaxes(A, -1, -2))
    if not np.all(np.isfinite(H)):
        raise ValueError(f"sigma = {sigma:.3g} is too large: entries overflow to inf; use a sigma below about 1e300.")
    return H


class AllPositiveEstimate(NamedTuple):
    """Monte-Carlo estimates of ``P(all eigenvalues > 0)``, one entry per matrix size.

    Attributes
    ----------
    m : ndarray of int, shape (k,)
        The matrix sizes.
    hits : ndarray of int, shape (k,)
        How many of the samples had all eigenvalues positive.
    samples : int
        Samples per size, ``S``.
    probability : ndarray, shape (k,)
        ``hits / S``; 0 when no sample hit, which says only that ``P`` is below about ``3 / S``.
    stderr : ndarray, shape (k,)
        Binomial standard error ``sqrt(p (1 - p) / S)`` of each estimate.
    """

    m: np.ndarray
    hits: np.ndarray
    samples: int
    probability: FloatArray
    stderr: FloatArray


def prob_all_positive(ms: ArrayLike, samples: int, rng: np.random.Generator, *,
                      chunk: int = 20_000) -> AllPositiveEstimate:
    """Estimate ``P(all eigenvalues of an m x m GOE matrix > 0)`` for each ``m`` by Monte Carlo.

    For each size, ``samples`` GOE matrices (``sigma = 1``; the probability does not depend on
    ``sigma``) are drawn in batches of ``chunk``, and the eigenvalues of a whole batch are computed
    at once with ``np.linalg.eigvalsh`` on a ``(k, m, m)`` array. A positive definite matrix has a
    positive diagonal, and the diagonal of a GOE matrix is independent of the rest, so the diagonal
    is drawn first and only the matrices whose diagonal is positive (a share ``2**-m``) get their
    off-diagonal entries and an eigendecomposition: the same estimate as testing every matrix,
    at a fraction of the cost.

    With ``S`` samples the estimate cannot resolve probabilities much below ``1 / S``: zero hits
    is the typical outcome there, and an honest report is the bound ``P < 1 - 0.05**(1/S)``
    (about ``3 / S``) at 95 % confidence.

    Parameters
    ----------
    ms : array_like of int
        Matrix sizes, each >= 1.
    samples : int
        Samples per size, ``S >= 1``.
    rng : numpy.random.Generator
        The source of randomness.
    chunk : int, default 20000
        Matrices per batch (memory: ``chunk * m * m`` floats).

    Returns
    -------
    AllPositiveEstimate

    Raises
    ------
    TypeError, ValueError
        If ``ms`` is not a non-empty list of integers >= 1, ``samples`` or ``chunk`` is not an
        integer >= 1, or ``rng`` is not a ``numpy.random.Generator``.

    Examples
    --------
    For ``m = 1`` the probability is 1/2:

    >>> est = prob_all_positive([1, 2], 4000, np.random.default_rng(0))
    >>> est.m.tolist(), bool(abs(est.probability[0] - 0.5) < 4 * est.stderr[0])
    ([1, 2], True)
    """
    sizes = _sizes(ms)
    samples = positive_int(samples, "samples")
    rng = require_generator(rng, "rng")
    chunk = positive_int(chunk, "chunk")
    hits = np.zeros(len(sizes), dtype=int)
    for k, m in enumerate(sizes):
        rows, cols = np.triu_indices(int(m), 1)
        for start in range(0, samples, chunk):
            diagonal = math.sqrt(2.0) * rng.standard_normal((min(chunk, samples - start), int(m)))
            diagonal = diagonal[np.all(diagonal > 0, axis=1)]
            if len(diagonal) == 0:
                continue
            batch = np.zeros((len(diagonal), int(m), int(m)))
            batch[:, np.arange(m), np.arange(m)] = diagonal
            upper = rng.standard_normal((len(diagonal), len(rows)))   # off-diagonal variance 1
            batch[:, rows, cols] = upper
            batch[:, cols, rows] = upper
            hits[k] += int(np.count_nonzero(np.linalg.eigvalsh(batch)[:, 0] > 0))
    p = hits / samples
    return AllPositiveEstimate(m=sizes, hits=hits, samples=samples, probability=p,
                               stderr=np.sqrt(p * (1 - p) / samples))


def log_prob_all_positive(m: int) -> float:
    """Return ``ln P(all eigenvalues of an m x m GOE matrix > 0)``, computed exactly.

    The eigenvalues of the GOE have the joint density ``prod_{i<j} |x_i - x_j| prod_i exp(-x_i^2 / 2)``
    up to a constant (``sigma**2 = 1/2``; the probability does not depend on ``sigma``).
    Integrated over ``x_i > 0`` the Vandermonde product is a determinant, and de Bruijn's
    identity turns the integral into the Pfaffian of the antisymmetric matrix
    ``a_jk = int int_{x, y > 0} sign(y - x) x^j y^k exp(-(x^2 + y^2) / 2) dx dy``
    (bordered by ``int_0^inf x^j exp(-x^2 / 2) dx`` when ``m`` is odd), whose entries have closed
    forms in polar coordinates (gamma and incomplete beta functions). The normalising integral
    over all of ``R^m`` is Mehta's, ``(2 pi)^{m/2} prod_{j=1}^m Gamma(1 + j/2) / Gamma(3/2)``, so
    ``P = m! Pf(a) / Mehta``. ``Pf(a) = sqrt(det a)`` because the integral is positive. The
    arithmetic uses ``mpmath`` with enough digits for the cancellations; it returns the logarithm
    because ``P`` underflows a float beyond ``m ~ 40``.

    Parameters
    ----------
    m : int
        Matrix size, ``1 <= m <= 200``.

    Returns
    -------
    float
        ``ln P``; ``ln(1/2)`` for ``m = 1``.

    Raises
    ------
    TypeError, ValueError
        If ``m`` is not an integer in ``[1, 200]``.

    Examples
    --------
    >>> round(math.exp(log_prob_all_positive(1)), 12)
    0.5
    >>> round(math.exp(log_prob_all_positive(2)), 12) == round((2 - math.sqrt(2)) / 4, 12)
    True
    """
    m = positive_int(m, "m")
    if m > 200:
        raise ValueError(f"m must be <= 200 (the exact computation grows like m^3 at ~m digits), got {m}.")
    with mpmath.workdps(30 + 2 * m):
        n = m + m % 2
        a = mpmath.zeros(n, n)
        beta = _incomplete_betas_at_half(m)

        # radial[k] = int_0^inf r^k exp(-r^2/2) dr = 2^((k-1)/2) Gamma((k+1)/2)
        radial = [mpmath.power(2, mpmath.mpf(k - 1) / 2) * mpmath.gamma(mpmath.mpf(k + 1) / 2)
                  for k in range(2 * m)]

        for j in range(m):
            for k in range(j + 1, m):
                # x = r cos(phi), y = r sin(phi); y > x where phi > pi/4. The angular integrals of
                # cos^j sin^k over [pi/4, pi/2] and [0, pi/4] are B_{1/2}((j+1)/2, (k+1)/2) / 2 and
                # B_{1/2}((k+1)/2, (j+1)/2) / 2 (substitute t = cos^2 resp. sin^2).
                a[j, k] = radial[j + k + 1] * (beta[j][k] - beta[k][j]) / 2
                a[k, j] = -a[j, k]
            if m % 2:
                a[j, m] = radial[j]
                a[m, j] = -a[j, m]
        pfaffian = mpmath.sqrt(mpmath.det(a))
        log_mehta = (m / 2) * mpmath.log(2 * mpmath.pi) + mpmath.fsum(
            mpmath.loggamma(1 + mpmath.mpf(j) / 2) - mpmath.loggamma(mpmath.mpf(3) / 2) for j in range(1, m + 1))
        return float(mpmath.loggamma(m + 1) + mpmath.log(pfaffian) - log_mehta)


def positive_share(eigenvalues: ArrayLike, shifts: ArrayLike) -> FloatArray:
    """Return the share of positive eigenvalues of ``H + s I`` for each shift ``s``.

    The eigenvalues of ``H + s I`` are those of ``H`` plus ``s``, so the eigenvalues are computed
    once (by the caller) and the shifts cost only a comparison.

    Parameters
    ----------
    eigenvalues : array_like, shape (..., m)
        Eigenvalues of one matrix, or of a batch (e.g. ``np.linalg.eigvalsh(goe(m, rng, size=S))``).
    shifts : array_like, shape (k,)
        The shifts ``s``.

    Returns
    -------
    ndarray, shape (k,)
        ``mean(lambda + s > 0)`` over all eigenvalues of all matrices, per shift.

    Raises
    ------
    TypeError, ValueError
        If either argument is not finite numeric, ``eigenvalues`` is empty or ``shifts`` is not 1-D.

    Examples
    --------
    >>> positive_share([-1.0, 0.5, 2.0], [0.0, 1.5, -3.0]).tolist()
    [0.6666666666666666, 1.0, 0.0]
    """
    values = as_float_array(eigenvalues, "eigenvalues")
    if values.ndim == 0 or values.size == 0:
        raise ValueError("eigenvalues must be a non-empty array of shape (..., m), e.g. from np.linalg.eigvalsh.")
    s = as_float_array(shifts, "shifts")
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"shifts must be a non-empty 1-D array of numbers, got shape {s.shape}.")
    ordered = np.sort(values.ravel())
    below_or_at = np.searchsorted(ordered, -s, side="right")  # lambda <= -s, i.e. lambda + s <= 0
    return (ordered.size - below_or_at) / ordered.size


def semicircle_share_above(x: ArrayLike, radius: float = 2.0) -> FloatArray:
    """Return the mass of the Wigner semicircle on ``[-radius, radius]`` above ``x``.

    With ``t = clip(x / radius, -1, 1)`` it is ``1/2 - (t sqrt(1 - t^2) + arcsin t) / pi``. The share of
    positive eigenvalues of ``H + s I`` for a large GOE matrix is this at ``x = -s``.

    Parameters
    ----------
    x : array_like
        Thresholds.
    radius : float, default 2.0
        Semicircle radius ``R = 2 sigma sqrt(m)``, > 0.

    Returns
    -------
    ndarray, same shape as ``x``

    Raises
    ------
    TypeError, ValueError
        If ``x`` is not finite numeric or ``radius`` is not a number > 0.

    Examples
    --------
    >>> semicircle_share_above([-2.0, 0.0, 2.0]).tolist()
    [1.0, 0.5, 0.0]
    """
    with np.errstate(over="ignore"):  # x / a tiny radius may overflow to +-inf, which the clip maps to +-1
        t = np.clip(as_float_array(x, "x") / positive_number(radius, "radius"), -1.0, 1.0)
    return 0.5 - (t * np.sqrt(1.0 - t * t) + np.arcsin(t)) / np.pi


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


def _incomplete_betas_at_half(m: int) -> list[list[mpmath.mpf]]:
    """``B[p][q] = B_{1/2}((p + 1)/2, (q + 1)/2)``, the incomplete beta integral at 1/2, for p, q < m.

    Two columns per ``q`` come from ``mpmath.betainc``; the rest from the recurrence
    ``B_x(a + 1, b) = (a B_x(a, b) - x^a (1 - x)^b) / (a + b)``, exact arithmetic at the working precision.
    """
    table = [[mpmath.mpf(0)] * m for _ in range(m)]
    for q in range(m):
        b = mpmath.mpf(q + 1) / 2
        for p in range(min(2, m)):
            table[p][q] = mpmath.betainc(mpmath.mpf(p + 1) / 2, b, 0, mpmath.mpf(1) / 2)
        for p in range(2, m):
            a = mpmath.mpf(p - 1) / 2  # the previous entry of the same parity has parameter a
            table[p][q] = (a * table[p - 2][q] - mpmath.power(2, -(a + b))) / (a + b)
    return table


def _sizes(ms: ArrayLike) -> np.ndarray:
    if isinstance(ms, numbers.Integral) and not isinstance(ms, bool):
        ms = [ms]
    if isinstance(ms, (str, bytes)) or not hasattr(ms, "__iter__"):
        raise TypeError(f"ms must be a list of matrix sizes such as range(1, 13), got {type(ms).__name__}.")
    sizes = [positive_int(m, f"ms[{i}]") for i, m in enumerate(ms)]
    if not sizes:
        raise ValueError("ms is empty; pass at least one matrix size, e.g. [1, 2, 3].")
    return np.array(sizes, dtype=int)
