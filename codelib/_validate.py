"""Checks at codelib's public boundary.

Each helper returns the cleaned value or raises ``TypeError``/``ValueError``
with a message that names the argument, says what is wrong and what to pass
instead. Inside codelib, validated data is trusted.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import sympy

from ._typing import ArrayLike, FloatArray


def as_float_array(value: ArrayLike, name: str, *, finite: bool = True) -> FloatArray:
    """Return ``value`` as a float array, or raise; NaN and inf are rejected unless ``finite=False``."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be numeric (a list or NumPy array of numbers), got {type(value).__name__}.")
    try:
        raw = np.asarray(value)
        complex_values = raw.dtype.kind == "c"
        array = None if complex_values else raw.astype(float, copy=False)
    except OverflowError:
        raise ValueError(f"{name} holds a number too large for a float (above about 1.8e308).") from None
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric (a list or NumPy array of numbers); "
                        f"could not convert it to floats: {err}") from None
    if complex_values:
        raise TypeError(f"{name} must hold real numbers, got complex values; pass the real part "
                        "(np.real) if the imaginary part is round-off.")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or inf; pass finite numbers.")
    return array


def as_vector(value: ArrayLike, name: str, *, size: int | None = None) -> FloatArray:
    """Return ``value`` as a finite, non-empty 1-D float array (of length ``size`` if given)."""
    array = as_float_array(value, name)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D vector, got an array of shape {array.shape}.")
    if size is not None and array.size != size:
        raise ValueError(f"{name} must have {size} entries to match the other arguments, got {array.size}.")
    return array


def as_symmetric_matrix(value: ArrayLike, name: str, *, rtol: float = 1e-8) -> FloatArray:
    """Return ``value`` as a finite, square, symmetric float matrix, or raise."""
    array = as_float_array(value, name)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.size == 0:
        raise ValueError(f"{name} must be a square n x n matrix, got an array of shape {array.shape}.")
    scale = max(np.abs(array).max(), 1.0)
    with np.errstate(over="ignore"):  # entries near the float limit: H - H^T may overflow to inf
        if not np.allclose(array, array.T, rtol=0.0, atol=rtol * scale):
            raise ValueError(f"{name} must be symmetric (a Hessian is); the largest |H - H^T| entry is "
                             f"{np.abs(array - array.T).max():.3g}. Pass (H + H.T) / 2 if the asymmetry is "
                             "round-off.")
        frobenius = np.linalg.norm(array / scale) * scale  # bounds every eigenvalue
    if not np.isfinite(frobenius):
        raise ValueError(f"{name} is too large: its eigenvalues may exceed the float range (about 1.8e308); "
                         "rescale it, e.g. H / np.abs(H).max().")
    return array


def show(value: object, limit: int = 40) -> str:
    """A short ``repr`` of ``value`` for an error message (huge numbers and arrays are cut)."""
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return f"a {type(value).__name__} too large to print"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def as_real(value: object, name: str, kind: str) -> float:
    """Return ``value``, a real number (not a bool), as a float; ``+-inf`` if it exceeds the float range.

    Raises ``TypeError`` naming ``kind``, the expected value, for anything else.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {kind}, got {type(value).__name__}.")
    try:
        return float(value)
    except OverflowError:  # e.g. the int 10**400
        return math.inf if value > 0 else -math.inf


def positive_number(value: object, name: str) -> float:
    """Return ``value`` as a finite float > 0, or raise."""
    number = as_real(value, name, "a positive real number")
    if not np.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {show(value)}.")
    return number


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int >= 1, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 1, got {type(value).__name__} {show(value)}.")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {show(value)}.")
    return int(value)


def require_callable(value: object, name: str) -> None:
    """Raise ``TypeError`` unless ``value`` is callable."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function such as lambda x: ...), got {type(value).__name__}.")


def require_generator(value: object, name: str = "rng") -> np.random.Generator:
    """Return ``value`` if it is a ``np.random.Generator``, else raise ``TypeError``."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, e.g. np.random.default_rng(0); "
                        f"got {type(value).__name__}. Seeds and the legacy np.random.RandomState are not accepted.")
    return value


def as_symbols(wrt: object, name: str = "wrt") -> tuple[sympy.Symbol, ...]:
    """Return the differentiation variables as a non-empty tuple of distinct SymPy symbols."""
    items = (wrt,) if isinstance(wrt, sympy.Basic) else wrt
    try:
        symbols = tuple(items)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be a SymPy Symbol or a sequence of them, "
                        f"e.g. sympy.symbols('x y'); got {type(wrt).__name__}.") from None
    if not symbols:
        raise ValueError(f"{name} is empty; pass at least one SymPy Symbol.")
    for symbol in symbols:
        if not isinstance(symbol, sympy.Symbol):
            raise TypeError(f"{name} must contain SymPy Symbols only, got {symbol!r} "
                            f"({type(symbol).__name__}); create them with sympy.symbols('x y').")
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"`{name}` lists a symbol twice: {symbols}; pass each variable once.")
    return symbols


def as_expression(expr: object, name: str = "expr") -> sympy.Expr:
    """Return ``expr`` as a SymPy expression (numbers are accepted), or raise."""
    if isinstance(expr, numbers.Number) and not isinstance(expr, bool):
        return sympy.sympify(expr)
    if not isinstance(expr, sympy.Expr):
        raise TypeError(f"{name} must be a SymPy expression such as x**2 - y**2, got {type(expr).__name__}. "
                        "Build it from symbols made with sympy.symbols(...).")
    return expr


def non_negative_number(value: object, name: str) -> float:
    """Return ``value`` as a finite float >= 0, or raise."""
    number = as_real(value, name, "a real number >= 0")
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {show(value)}.")
    return number


def as_starts(value: ArrayLike, name: str = "x0") -> FloatArray:
    """Return one finite start of shape ``(n,)`` or a batch of shape ``(B, n)``, or raise."""
    array = as_float_array(value, name)
    if array.ndim not in (1, 2) or array.size == 0:
        raise ValueError(f"{name} must be one start of shape (n,) or a batch of shape (B, n), "
                         f"got an array of shape {array.shape}.")
    return array


def as_step_sizes(value: object, starts: FloatArray, name: str = "lr", what: str = "step size") -> float | FloatArray:
    """Return a number > 0 (a step size, a threshold) as a float, or for a batch of starts ``(B, n)`` one per
    row as a ``(B, 1)`` column.

    The result broadcasts against ``starts``; an array of values needs a batch.
    """
    if not isinstance(value, (list, tuple, np.ndarray)) or np.ndim(value) == 0:
        return positive_number(value.item() if isinstance(value, np.ndarray) else value, name)
    if starts.ndim == 1:
        raise ValueError(f"{name} must be a number for one start x0 of shape {starts.shape}; one {what} per "
                         "run needs a batch x0 of shape (B, n).")
    sizes = as_float_array(value, name)
    if sizes.shape != (len(starts),):
        raise ValueError(f"{name} must be a number or an array of shape ({len(starts)},), one {what} per row "
                         f"of x0, got an array of shape {sizes.shape}.")
    if np.any(sizes <= 0):
        raise ValueError(f"{name} must hold {what}s > 0, got {show(sizes.tolist())}.")
    return sizes[:, None]
