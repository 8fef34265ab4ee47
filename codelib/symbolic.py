"""Exact calculus with SymPy (gradients, Hessians, Taylor polynomials, critical points)
and :func:`to_numpy`, which compiles it into vectorised NumPy functions for grids and optimisers."""

from __future__ import annotations

import builtins
import keyword
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import sympy
from sympy.core.function import AppliedUndef
from sympy.polys.polyerrors import PolynomialError, UnsolvableFactorError
from sympy.printing.numpy import NumPyPrinter

from ._typing import ArrayLike, FloatArray, Symbols
from ._validate import as_expression, as_float_array, as_symbols

__all__ = ["NumericFunctions", "gradient", "hessian", "taylor", "critical_points", "to_numpy"]


class NumericFunctions(NamedTuple):
    """NumPy ``f``, ``grad``, ``hess``: ``X`` of shape ``(..., n)`` gives ``(...)``, ``(..., n)``, ``(..., n, n)``."""

    f: Callable[[ArrayLike], FloatArray]
    grad: Callable[[ArrayLike], FloatArray]
    hess: Callable[[ArrayLike], FloatArray]


def gradient(expr: sympy.Expr, wrt: Symbols) -> sympy.Matrix:
    """Return the gradient of ``expr`` as an ``n x 1`` column vector.

    Parameters
    ----------
    expr : sympy.Expr
        The function; symbols not in ``wrt`` are constants.
    wrt : sympy.Symbol or sequence of sympy.Symbol
        The ``n`` variables, in order.

    Returns
    -------
    sympy.Matrix
        The column vector of partial derivatives.

    Raises
    ------
    TypeError, ValueError
        If ``expr`` is not a SymPy expression, or ``wrt`` is not one or more distinct symbols.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> gradient(x**2 * y, [x, y]).T
    Matrix([[2*x*y, x**2]])
    """
    expr, symbols = as_expression(expr), as_symbols(wrt)
    return sympy.Matrix([expr.diff(symbol) for symbol in symbols])


def hessian(expr: sympy.Expr, wrt: Symbols) -> sympy.Matrix:
    """Return the ``n x n`` Hessian matrix of second partial derivatives of ``expr``.

    Parameters
    ----------
    expr : sympy.Expr
        The function; symbols not in ``wrt`` are constants.
    wrt : sympy.Symbol or sequence of sympy.Symbol
        The ``n`` variables, in order.

    Returns
    -------
    sympy.Matrix
        ``H[i, j]`` is the derivative of ``expr`` by ``wrt[i]`` and ``wrt[j]``.

    Raises
    ------
    TypeError, ValueError
        If ``expr`` is not a SymPy expression, or ``wrt`` is not one or more distinct symbols.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> rosenbrock = (1 - x)**2 + 100 * (y - x**2)**2
    >>> hessian(rosenbrock, [x, y]).subs({x: 1, y: 1}).tolist()
    [[802, -400], [-400, 200]]
    """
    expr, symbols = as_expression(expr), as_symbols(wrt)
    return sympy.Matrix(len(symbols), len(symbols), lambda i, j: expr.diff(symbols[i], symbols[j]))


def _as_point(at: object, symbols: tuple[sympy.Symbol, ...]) -> dict[sympy.Symbol, sympy.Expr]:
    """Return the expansion point as ``{symbol: exact value}``, or raise."""
    if isinstance(at, Mapping):
        if set(at) != set(symbols):
            raise ValueError(f"at must give a value for exactly the variables {symbols}, got keys {tuple(at)}.")
        at = [at[symbol] for symbol in symbols]
    try:
        values = [sympy.sympify(value, strict=True) for value in at]
    except (TypeError, sympy.SympifyError):
        raise TypeError(f"at must be a sequence of {len(symbols)} numbers or a dict symbol -> number, "
                        f"got {at!r}.") from None
    if len(values) != len(symbols):
        raise ValueError(f"at must have {len(symbols)} entries, one per variable in {symbols}, got {len(values)}.")
    for value in values:
        if not isinstance(value, sympy.Expr) or value.has(*symbols, sympy.nan) or value.is_finite is False:
            raise ValueError(f"at must hold finite numbers (free of the variables {symbols}), got {value}.")
    return dict(zip(symbols, values))


def taylor(expr: sympy.Expr, wrt: Symbols, at: Sequence[object] | Mapping[sympy.Symbol, object],
           order: int = 2) -> sympy.Expr:
    r"""Return the Taylor polynomial :math:`T_2(x) = f(a) + g^\top d + \tfrac12\, d^\top H d` of ``expr``.

    Here :math:`d = x - a`, :math:`g = \nabla f(a)`, :math:`H = \nabla^2 f(a)`;
    :math:`T_1` and :math:`T_0` stop after the second and first term.

    Parameters
    ----------
    expr : sympy.Expr
        The function, ``order`` times differentiable at ``at``.
    wrt : sympy.Symbol or sequence of sympy.Symbol
        The ``n`` variables.
    at : sequence of numbers, or dict symbol -> number
        The point :math:`a`; exact values (``sympy.Rational(1, 2)``, other symbols) stay exact.
    order : {0, 1, 2}, default 2
        The degree: constant, linear or quadratic model.

    Returns
    -------
    sympy.Expr
        The Taylor polynomial; ``sympy.expand`` gives its monomial form.

    Raises
    ------
    TypeError, ValueError
        If ``expr`` or ``wrt`` is invalid (see :func:`gradient`), ``at`` has not one finite value
        per variable, ``order`` is not 0, 1 or 2, or ``expr`` or a derivative is undefined at ``at``.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> sympy.expand(taylor(sympy.exp(x) * sympy.cos(y), [x, y], at=[0, 0]))
    x**2/2 + x - y**2/2 + 1
    """
    expr, symbols = as_expression(expr), as_symbols(wrt)
    if isinstance(order, bool) or not isinstance(order, numbers.Real) or order not in (0, 1, 2):
        raise ValueError(f"order must be 0, 1 or 2 (constant, linear or quadratic model), got {order!r}.")
    point = _as_point(at, symbols)
    d = sympy.Matrix([symbol - point[symbol] for symbol in symbols])
    polynomial = expr.subs(point)
    if order >= 1:
        polynomial += (gradient(expr, symbols).subs(point).T * d)[0]
    if order == 2:
        H, n = hessian(expr, symbols).subs(point), len(symbols)
        polynomial += sympy.Add(*(H[i, j] * (d[i] * d[j]) for i in range(n) for j in range(n))) / 2
    if polynomial.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ValueError(f"`expr` or a derivative is undefined at {point}; expand around another point.")
    return polynomial


def _solve_gradient(equations: list[sympy.Expr], symbols: tuple[sympy.Symbol, ...]) -> list[dict]:
    """Solve ``equations = 0`` for ``symbols``; raise ``NotImplementedError`` if SymPy cannot."""
    if len(symbols) == 1 and len(equations) == 1:
        roots = _real_roots_of_rational(equations[0], symbols[0])
        if roots is not None:
            return [{symbols[0]: root} for root in roots]
    if len(symbols) > 1 and all(equation.is_polynomial(*symbols) for equation in equations):
        # sympy.solve silently drops roots it cannot write in radicals; strict mode says so instead.
        try:
            roots = sympy.solve_poly_system(equations, *symbols, strict=True)
        except UnsolvableFactorError:
            raise NotImplementedError("some roots have no closed form in radicals") from None
        except (NotImplementedError, PolynomialError):
            pass  # e.g. a whole curve of critical points: let sympy.solve describe it
        else:
            return [dict(zip(symbols, root)) for root in roots or []]
    # One equation, not a list of one: then SymPy keeps roots that have no radicals as CRootOf.
    return sympy.solve(equations[0] if len(equations) == 1 else equations, symbols, dict=True)


def _real_roots_of_rational(equation: sympy.Expr, x: sympy.Symbol) -> list[sympy.Expr] | None:
    """The distinct real zeros of a rational function of ``x`` with number coefficients, or ``None`` for
    any other equation. Real-root isolation of the numerator is exact and, for a
    quintic, a thousand times faster than ``sympy.solve``, which finds every complex root first."""
    if equation.free_symbols != {x}:
        return None
    numerator, denominator = sympy.fraction(sympy.cancel(sympy.together(equation)))  # no common factor
    if not (numerator.is_polynomial(x) and denominator.is_polynomial(x)):
        return None
    try:
        return [root for root, _ in sympy.Poly(numerator, x).real_roots(multiple=False)]
    except (PolynomialError, NotImplementedError):
        return None


def _real_value(value: sympy.Expr, symbols: tuple[sympy.Symbol, ...]) -> sympy.Expr | None:
    """Return ``value`` if it is real (or may be, for some real parameters), else ``None``."""
    imag = sympy.im(value.xreplace({s: sympy.Dummy(s.name, real=True) for s in value.free_symbols}))
    if value.is_real or imag.is_zero or (not imag.free_symbols and imag.equals(0)):
        # Real roots of a cubic can be written with I (casus irreducibilis); re() lets float() work.
        return value if value.is_real or value.free_symbols else sympy.re(value)
    # sqrt(a) is real for a >= 0: keep it; x = I*y is real only at y = 0: drop it.
    return value if imag.is_zero is None and value.free_symbols and not value.has(*symbols) else None


def _sort_key(solution: dict) -> list:
    """Order numbers numerically, before symbolic values."""
    return [(0, float(v)) if v.is_number else (1, sympy.default_sort_key(v)) for v in solution.values()]


def critical_points(expr: sympy.Expr, wrt: Symbols) -> list[dict[sympy.Symbol, sympy.Expr]]:
    """Return the real stationary points of ``expr``, where its gradient is zero.

    Parameters
    ----------
    expr : sympy.Expr
        The function.
    wrt : sympy.Symbol or sequence of sympy.Symbol
        The variables to solve for; other symbols are parameters, assumed real.

    Returns
    -------
    list of dict
        One ``{symbol: exact value}`` per real critical point, sorted. A variable missing from a
        dict is free (a line or surface of critical points; ``[{}]``: every point is critical).
        Values real only for some parameters (``sqrt(a)``) are kept. For periodic functions
        SymPy returns the solutions in one period only.

    Raises
    ------
    TypeError, ValueError
        If ``expr`` or ``wrt`` is invalid (see :func:`gradient`); ValueError if SymPy cannot solve
        ``grad f = 0`` in closed form (transcendental, or roots with no radicals in 2+ variables).

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> critical_points(x**3 - 3*x + y**2, [x, y])
    [{x: -1, y: 0}, {x: 1, y: 0}]
    """
    expr, symbols = as_expression(expr), as_symbols(wrt)
    equations = [entry for entry in gradient(expr, symbols) if entry != 0]
    if not equations:
        return [{}]
    try:
        solutions = _solve_gradient(equations, symbols)
    except (NotImplementedError, ValueError) as err:  # ValueError: e.g. Abs(x) of a complex symbol
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"SymPy cannot solve grad f = 0 for {symbols} in closed form ({reason}). Find the critical "
                         "points of `expr` numerically instead, e.g. sympy.nsolve or Newton's method.") from None
    candidates = [{symbol: _real_value(value, symbols) for symbol, value in s.items()} for s in solutions]
    return sorted((s for s in candidates if None not in s.values()), key=_sort_key)


def _batched(function: Callable, n: int, output_shape: tuple[int, ...]) -> Callable[[ArrayLike], FloatArray]:
    """Wrap ``function(x1, ..., xn)``, lambdified from a flat list, to take ``X`` of shape ``(..., n)``."""

    def evaluate(X: ArrayLike) -> FloatArray:
        X = as_float_array(X, "X", finite=False)  # NaN/inf propagate, so optimisers can detect divergence
        if X.ndim == 0 or X.shape[-1] != n:
            raise ValueError(f"X must have shape (..., {n}): the last axis holds the {n} variables; "
                             f"got shape {X.shape}.")
        batch = X.shape[:-1]
        with np.errstate(all="ignore"):  # overflow and 0/0 give inf and NaN, which the caller sees
            values = function(*np.moveaxis(X, -1, 0))
        # lambdify returns a plain scalar for a constant entry; broadcast each to the batch shape.
        entries = [np.broadcast_to(_real(entry), batch) for entry in values]
        if not output_shape:
            return np.array(entries[0])[()]  # a NumPy scalar for one point
        return np.stack(entries, axis=-1).reshape(batch + output_shape)

    return evaluate


def _real(values: object) -> FloatArray:
    """Float values; a complex value (NumPy's result of a real formula where it is not real) becomes NaN."""
    values = np.asarray(values)
    if values.dtype.kind == "c":
        values = np.where(values.imag == 0, values.real, np.nan)
    return values.astype(float)


def _fits_a_float(number: sympy.Number) -> bool:
    try:
        return bool(np.isfinite(float(number)))
    except OverflowError:  # an exact integer above the float range
        return False


def _compile(symbols: tuple[sympy.Symbol, ...], entries: list[sympy.Expr], n: int, output_shape: tuple[int, ...],
             what: str) -> Callable[[ArrayLike], FloatArray]:
    """Lambdify ``entries`` once; if NumPy has no translation, return a function that says so when called.

    The printer refuses functions it does not know instead of writing their names into the generated
    code (where they fail with NameError at call time), and symbols named like a NumPy function or a
    builtin (``exp``, ``e``, ``sum``) are replaced by dummies so that they shadow nothing. (Only then:
    replacing rebuilds the expression, which SymPy's algebra does not always survive.)
    """
    printer = NumPyPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": False,
                            "user_functions": {}})
    try:
        if any(entry.has(sympy.I) for entry in entries):  # e.g. d/dy (-2)**y = (-2)**y (log(2) + I pi)
            raise NotImplementedError("it is complex: it takes the log or a root of a negative number")
        numbers = set().union(*(entry.atoms(sympy.Number) for entry in entries))
        if not all(_fits_a_float(number) for number in numbers):  # e.g. the Hessian of exp(2**1000 * x)
            raise NotImplementedError("it has constants beyond the float range")
        # NumPy's functions reject Python ints beyond 64 bits (np.tanh(2**100)): give them floats.
        big = {n: sympy.Float(n) for n in numbers if n.is_Integer and abs(n) >= 2**62}
        entries = [entry.xreplace(big) for entry in entries] if big else entries
        clash = any(not s.name.isidentifier() or keyword.iskeyword(s.name) or hasattr(np, s.name)
                    or hasattr(builtins, s.name) for s in symbols)
        function = sympy.lambdify(symbols, entries, modules="numpy", printer=printer, dummify=clash)
    except Exception as err:  # noqa: BLE001 -- "Unsupported by NumPyPrinter", or SymPy's algebra giving up
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else ""
        reason = first_line if isinstance(err, NotImplementedError) else f"{type(err).__name__}: {first_line}"
        message = (f"the {what} of `expr` cannot be evaluated with NumPy: SymPy has no real NumPy translation for "
                   f"part of it ({reason}). Use functions NumPy knows (exp, log, sin, sqrt, ...); for abs or sign, "
                   "make the symbols real with sympy.symbols('x y', real=True).")

        def unavailable(X: ArrayLike) -> FloatArray:
            raise ValueError(message)

        if what == "function":
            raise ValueError(message) from None
        return unavailable
    return _batched(function, n, output_shape)


def to_numpy(expr: sympy.Expr, wrt: Symbols) -> NumericFunctions:
    """Return vectorised NumPy functions ``(f, grad, hess)`` of ``expr``, compiled once.

    Parameters
    ----------
    expr : sympy.Expr
        The function; all its symbols must be in ``wrt``.
    wrt : sympy.Symbol or sequence of sympy.Symbol
        The ``n`` variables, in the order of the last axis of the input.

    Returns
    -------
    NumericFunctions
        ``f``, ``grad``, ``hess``: each takes ``X`` of shape ``(..., n)`` and returns shape
        ``(...)``, ``(..., n)``, ``(..., n, n)``; ``ValueError`` if ``X.shape[-1] != n``, and
        ``grad`` or ``hess`` raise ``ValueError`` when called if NumPy cannot evaluate that
        derivative (the Hessian of ``Abs(x)`` holds ``DiracDelta(x)``). Values that overflow
        or are undefined come out as inf or NaN, without a warning.

    Raises
    ------
    TypeError, ValueError
        If ``expr`` or ``wrt`` is invalid (see :func:`gradient`); ValueError if ``expr`` has
        symbols not in ``wrt``, undefined functions (``sympy.Function("f")(x)``), ``nan``,
        ``oo``, ``zoo`` or ``I``, or a function NumPy cannot evaluate.

    Examples
    --------
    >>> import numpy as np
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> f, grad, hess = to_numpy(x**2 + 3 * y**2, [x, y])
    >>> grad(np.array([[1.0, 0.0], [0.0, 2.0]])).tolist()
    [[2.0, 0.0], [0.0, 12.0]]
    >>> f(np.zeros((5, 4, 2))).shape, hess(np.zeros((5, 4, 2))).shape
    ((5, 4), (5, 4, 2, 2))
    """
    expr, symbols = as_expression(expr), as_symbols(wrt)
    extra = sorted(str(symbol) for symbol in expr.free_symbols - set(symbols))
    if extra:
        raise ValueError(f"expr has symbols {{{', '.join(extra)}}} that are not in wrt, so it cannot be "
                         "evaluated numerically; substitute numbers with expr.subs(...) or add them to wrt.")
    undefined = sorted(str(call) for call in expr.atoms(AppliedUndef))
    if undefined:
        raise ValueError(f"expr has undefined functions {{{', '.join(undefined)}}}, which NumPy cannot evaluate; "
                         "replace each with a formula, e.g. expr.subs(g(x), x**2).")
    if expr.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        raise ValueError("expr contains nan, oo or zoo (complex infinity), so it has no finite values; "
                         "check for a division by zero or log(0).")
    if expr.has(sympy.I):
        raise ValueError("expr contains the imaginary unit I, but to_numpy evaluates real functions; rewrite it "
                         "in real terms (e.g. exp(I*x) + exp(-I*x) as 2*cos(x)).")
    if not all(_fits_a_float(number) for number in expr.atoms(sympy.Number)):
        raise ValueError("expr contains a number beyond the float range (about 1.8e308), which NumPy cannot "
                         "evaluate; rescale the function.")
    n = len(symbols)
    return NumericFunctions(
        f=_compile(symbols, [expr], n, (), "function"),
        grad=_compile(symbols, list(gradient(expr, symbols)), n, (n,), "gradient"),
        hess=_compile(symbols, list(hessian(expr, symbols)), n, (n, n), "Hessian"),
    )
