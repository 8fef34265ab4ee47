"""Hostile input for every public codelib function: a correct result, or ValueError/TypeError.

Every public name of every codelib module (its ``__all__``, and the public methods of the classes
it exports) is listed in :data:`CASES` (a function with valid arguments and, per argument, the
kind of hostile values to try) or in :data:`NO_INPUT` (result types and constants);
:func:`test_every_public_name_is_covered` fails when a new public name is in neither.

For each case three tests run:

- the valid call succeeds and leaves its array arguments unchanged (nothing is lost);
- every value of a fixed catalogue of hostile values per kind (NaN/inf, wrong shapes, ragged
  lists, strings, None, dicts, bools, complex numbers, zero/negative/huge numbers, callables
  that return junk, ...) replaces one argument at a time;
- hypothesis draws further hostile values (random arrays of any shape and dtype, random
  numbers, random text, callables returning random arrays) for a random argument.

A call must return a sane result (finite where the function promises it; a ``Trajectory``
keeps finite points only) or raise exactly ``ValueError`` or ``TypeError`` (not a subclass such
as ``numpy.linalg.LinAlgError``), whose message names an argument of the call. Warnings are errors in this
project, so a stray ``RuntimeWarning`` fails too.

Huge sizes and step counts (``steps=10**12``, ``goe(10**6, rng)``, ``dpi=10**5``) are left out,
from the catalogues and from the random integers drawn for counts: they are valid requests for a
lot of work or memory, not malformed ones.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import math
import pkgutil
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from matplotlib.figure import Figure

import codelib
from codelib import animation, curvature, formula, gd, nets, plotting, probes, randmat, rnn, second_order, symbolic
from codelib._validate import as_symbols
from codelib.gd import Trajectory
from codelib.second_order import PerturbedTrajectory

RANDOM = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
x, y = sympy.symbols("x y")
NET = nets.MLP((2, 3, 1))
RELU = nets.MLP((2, 3, 1), activation="relu")
P = NET.n_params
THETA = nets.init_params(NET, np.random.default_rng(0))
X_DATA = np.random.default_rng(1).standard_normal((6, 2))
Y_DATA = np.random.default_rng(2).standard_normal(6)


class Fresh:
    """A catalogue entry made anew for each call (figures, axes, generators)."""

    def __init__(self, make: Callable[[], Any], name: str) -> None:
        self.make, self.name = make, name

    def __repr__(self) -> str:
        return self.name


def resolve(value: Any) -> Any:
    return value.make() if isinstance(value, Fresh) else value


def returning(value: Any, name: str) -> Callable[..., Any]:
    """A callable that accepts anything and returns ``value`` (a junk gradient, loss, grid, ...)."""
    function = lambda *args, **kwargs: value  # noqa: E731
    function.__qualname__ = f"returning {name}"
    return function


# --- catalogues of hostile values, by kind ---------------------------------------------------

NOT_NUMBERS = [None, "1.0", b"1", {"a": 1}, {1.0}, object(), print, sympy.Symbol("x"), [1.0, "a"], 1j, [1j, 2.0],
               [1.0, None], Decimal("0.5")]
ARRAYS = NOT_NUMBERS + [
    np.nan, np.inf, -np.inf, [np.nan, 1.0], [[1.0, np.inf], [0.0, 1.0]], [], [[]], np.empty((0, 2)), np.zeros((2, 0)),
    1.0, np.float64(2.0), [[1.0, 2.0], [3.0]], [[[1.0]]], np.ones((2, 2, 2)), np.ones((3, 1)), np.ones(7), True,
    [True, False], [10**400, 1.0], np.array([1.0, 2.0], dtype=object), np.array(["1", "x"]), np.array([1 + 1j, 2.0]),
    np.array([1e308, -1e308]), np.full(2, 5e-324), np.full((2, 2), 1e308), np.arange(3, dtype=np.int8),
    np.ma.masked_invalid([1.0, np.nan]), range(3), Fresh(lambda: (i for i in range(2)), "a generator"),
]
MATRICES = ARRAYS + [
    [[1.0, 2.0], [3.0, 4.0]], np.ones((2, 3)), [[1.0, 1.0 + 1e-3], [1.0, 1.0]], [[np.nan]], -np.eye(2),
    np.zeros((2, 2)),
    [[1e308, 1e308], [1e308, 1e308]], [[1e-320, 0.0], [0.0, 1e-320]], [[1e308, 0.0], [0.0, -1e308]],
    sympy.Matrix([[x, 0], [0, 1]]), sympy.Matrix([[1, 2]]), sympy.Matrix([[1, 2], [3, 4]]), sympy.zeros(0, 0),
    sympy.Matrix([[sympy.nan, 0], [0, 1]]), sympy.Matrix([[sympy.I, 0], [0, 1]]), sympy.Matrix([[sympy.oo]]),
    sympy.Matrix([[sympy.sqrt(2) - sympy.Rational(14142135623731, 10**13)]]), sympy.Matrix([[0, 1], [1, 0]]),
]
NUMBERS = NOT_NUMBERS + [
    0, 0.0, -1, -1e-300, np.nan, np.inf, -np.inf, True, False, [1.0], np.array(1.0), np.array([1.0]), 1e308, 5e-324,
    10**400, -(10**400), 10**5000, np.float32(np.nan), np.int64(-3), sympy.Integer(2), sympy.Float(0.5), sympy.oo,
    Fraction(1, 2),
]
COUNTS = NOT_NUMBERS + [0, -1, -(10**30), 2.5, 1.0, 3.0, True, False, "3", np.nan, np.inf, [3], np.array(3),
                        np.int64(0), np.int64(2), np.uint8(1), sympy.Integer(0), sympy.Integer(2), Fraction(2, 1)]
INDICES = [-1, 1, 5, 10**100, 1.0, True, "0", None, [0], np.int64(0), np.int64(-1), 0.5]
FLAGS = ["yes", "False", 1, 0, None, np.bool_(True), [True], 1.0]
RNGS = [None, 0, 42, Fresh(lambda: np.random.RandomState(0), "RandomState(0)"), np.random, "rng",
        np.random.default_rng, np.random.SeedSequence(0), Fresh(lambda: np.random.PCG64(0), "PCG64(0)"),
        Fresh(lambda: [np.random.default_rng(0)], "[Generator]")]
CALLABLES = [None, 1, "f", "lambda x: x", {"f": 1}, np.ones(2), [print]] + [returning(v, n) for v, n in [
    (None, "None"), ("a", "a string"), ({"a": 1}, "a dict"), (object(), "an object"), ([1j, 1j], "complex"),
    (np.ones(7), "7 ones"), (np.ones((2, 2, 2)), "a 3-D array"), (np.full(2, np.nan), "NaN"),
    (np.full(2, np.inf), "inf"), (np.full((2, 2), np.nan), "a NaN matrix"), (np.full((2, 2), np.inf), "an inf matrix"),
    (1e308 * np.ones(2), "1e308"),
    (np.array([10**400, 1], dtype=object), "10**400"), (np.float64(np.nan), "a NaN scalar"), (1.0, "1.0"),
    ([[1.0, 0.0], [0.0, 1.0]], "the identity"), (sympy.Symbol("x"), "a symbol"), (np.ones(2, dtype=bool), "bools"),
    (np.full((2, 2), 1e-320), "a subnormal matrix"), (np.array([[1.0, 2.0], [0.0, 1.0]]), "a non-symmetric matrix"),
    ((1e200, -1e200), "huge values"), ([[1e308, 0.0], [0.0, 1e-308]], "an extreme matrix"),
]] + [lambda v, *rest: np.asarray(v) * 1e300, lambda v, *rest: np.exp(np.abs(np.asarray(v)) * 500.0)]
SYMBOLS = [None, "x", "x y", 1, x + 1, [x, x], [], [x, "y"], [x, 1], sympy.Integer(1), sympy.Function("f")(x),
           sympy.Matrix([x, y]), sympy.ImmutableMatrix([x, y]), sympy.Dummy("d"), sympy.Symbol("exp"),
           sympy.Symbol("x y"), sympy.Symbol("__import__('os')"), [sympy.Symbol("sin"), sympy.Symbol("numpy")], {x: 1},
           sympy.IndexedBase("a")[0], sympy.Symbol("x", real=True), (x,), sympy.true]
EXPRESSIONS = [
    None, "x**2", b"x", 1.5, True, 1j, np.float64(2.0), np.array([1.0]), sympy.Matrix([x]), x > 1, sympy.Eq(x, 1),
    sympy.true, sympy.nan, sympy.zoo, sympy.oo * x, x + sympy.I, sympy.Function("f")(x), sympy.Function("g")(2) + x,
    sympy.Integral(x**2, x), sympy.Derivative(sympy.Function("g")(x), x), sympy.Abs(x), sympy.sign(x), sympy.floor(x),
    sympy.Piecewise((x, x > 0), (-x, True)), sympy.Max(x, 0), 1 / x, sympy.log(x), sympy.sqrt(x), x**x,
    sympy.Symbol("z") * x, sympy.exp(x) * sympy.sin(y) + x**2, sympy.DiracDelta(x), sympy.gamma(x), sympy.zeta(x),
    sympy.Float("1e400") * x, sympy.Integer(10) ** 400 * x, sympy.sin(x) ** 2 + sympy.cos(x) ** 2,
    sympy.exp(sympy.I * x) + sympy.exp(-sympy.I * x), x * y, sympy.Integer(0), (-2) ** x,
    sympy.tanh(2**100 - x), sympy.exp(2**1000 * x), sympy.Rational(2**1100, 3**700) * x,
]
SOLVABLE = [None, "x**2", 1.5, x > 1, sympy.Matrix([x]), sympy.nan, sympy.zoo * x, x + sympy.I, sympy.Function("f")(x),
            sympy.Abs(x), 1 / x, x**x, sympy.Symbol("z") * x, sympy.exp(x) + x, sympy.sin(x) + x**2 / 10,
            x**5 - x + y**2,
            sympy.Piecewise((x**2, x > 0), (-x, True)), sympy.Integer(0), x * y]
POINTS = [None, "0 0", [0], [0, 0, 0], [np.nan, 0], [sympy.oo, 0], [sympy.zoo, 0], [x, 0], ["a", 0], {x: 0},
          {x: 0, y: 0, sympy.Symbol("z"): 0}, {"x": 0, "y": 0}, [1j, 0], [sympy.I, 0], [[0], [0]], 5, np.zeros(2),
          [sympy.nan, 0], [10**400, 0], [1e308, 1e308], [True, False], [sympy.Rational(1, 3), sympy.pi]]
ORDERS = [3, -1, 2.0, "2", None, True, 1.5, np.int64(2), [2], sympy.Integer(1)]
AXES_2D = [None, "ax", 1, Fresh(lambda: Figure(), "a Figure"),
           Fresh(lambda: Figure().add_subplot(projection="3d"), "3-D axes"),
           Fresh(lambda: Figure().add_subplot(projection="polar"), "polar axes")]
AXES_3D = [None, "ax", Fresh(lambda: Figure(), "a Figure"), Fresh(lambda: Figure().add_subplot(), "2-D axes")]
LIMITS = [(1, 0), (0, 0), (0,), (0, 1, 2), (np.nan, 1), (0, np.inf), "ab", None, 1, [[0, 1]], ("0", "1"),
          (-1e308, 1e308), (0, 1e-300), (True, 2), {0: 1}]
LEVELS = [0, -1, [3, 2, 1], [1, 1], [], [np.nan], "a", 2.5, True, None, [[1, 2]], np.int64(3), [1e308, np.inf], {1, 2}]
TEXTS = [None, "", "   ", 5, b"alt", ["alt"]]
LABELS = ["ab", ["a"], ["a", "b", "c"], [1, 2], 5, [None, None], {"a": 1}, b"ab"]
PATH_LISTS = [[], np.zeros((3, 2)), [np.zeros((3, 3))], [np.zeros((0, 2))], [[[np.nan, 0.0]]], None, "path",
              [np.zeros((2, 2)), None], [[1.0, 2.0]], [[[1e308, -1e308], [0.0, 0.0]]], [np.zeros((2, 2, 2))]]
PATHS = ARRAYS + [np.zeros((3, 3)), np.zeros((0, 2)), [[1e308, 1e308], [-1e308, 0.0]],
                  Fresh(lambda: Trajectory(np.zeros((2, 3)), None, np.zeros(2), False), "a 3-D Trajectory")]
NETS = [None, "mlp", (2, 3, 1), rnn.OneUnitRNN(), 1, nets.MLP((3, 3, 1)), nets.MLP((2, 1))]
SIZES = [(), (2,), (2, 0, 1), (2, -1, 1), (2, 2.5, 1), "abc", None, (2, True, 1), 5, {2: 1}, (2, "3", 1), (2, None),
         (np.int64(2), np.int64(1)), [2, 3, 1], (2.0, 1.0)]
NAMES_OF_ACTIVATIONS = ["relu ", "ReLU", None, 1, "softmax", "", ["tanh"]]
NAMES_OF_LOSSES = ["mae", None, 1, "MSE", ""]
LAYER_LISTS = [[], None, "ab", [(np.ones((2, 2)),)], [(np.ones((2, 2)), np.zeros(2), 1)],
               [(np.ones((2, 2)), np.zeros(3))],
               [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 2)), np.zeros(1))], [(np.ones((2, 2)), "b")],
               [(np.ones(2), np.zeros(2))], [(np.full((1, 1), np.nan), np.zeros(1))], [5], [np.ones((2, 2))],
               {"W": 1}]
PERMS = [[0, 0, 1], [0, 1], [0.0, 1.0, 2.0], "abc", None, [[0, 1, 2]], [3, 4, 5], [2, 1, 0, 3], [-1, 0, 1],
         [True, False, True], {0, 1, 2}, [2, 0, 1.5], np.array([2, 0, 1], dtype=np.uint8), range(3)]
MS = [[], [0], [1.5], "abc", 0, None, [[1, 2]], [True], np.array([1.0, 2.0]), [-1], {1: 2}, [np.int64(2)], 2.0]
SHAPES = [[2, 3], (0,), (-1,), (2.5,), ("a",), None, (True,), 3, (np.int64(2),), ((2,),)]
DIRECTION_PAIRS = [None, "d1 d2", Fresh(lambda: (THETA,), "(d,)"), Fresh(lambda: (THETA, THETA, THETA), "(d, d, d)"),
                   Fresh(lambda: np.zeros((3, P)), "a (3, P) array"), Fresh(lambda: [THETA, "x"], "[d, 'x']"),
                   Fresh(lambda: THETA.copy(), "one vector"),
                   Fresh(lambda: (THETA, np.zeros(P + 1)), "(d, wrong length)"),
                   Fresh(lambda: (THETA, np.full(P, np.nan)), "(d, NaN)"),
                   Fresh(lambda: np.zeros((2, P)), "a (2, P) array")]
TEXT_FORMULAS = [None, 1, b"x", "", "x" * 2000, "__import__('os')", "x.y", "1/0", "x +", ["x"], "x\x00", "exp(1000)"]
VARIABLES = [None, "", [], "x x", "_x", "exp", 1, [1], b"x", {"x": 1}, x + y, "x.y", [sympy.Symbol("a b")]]

CATALOGUES: dict[str, list] = {
    "array": ARRAYS, "vector": ARRAYS, "matrix": MATRICES, "number": NUMBERS, "count": COUNTS, "index": INDICES,
    "flag": FLAGS, "rng": RNGS, "callable": CALLABLES, "symbols": SYMBOLS, "expr": EXPRESSIONS, "solvable": SOLVABLE,
    "point": POINTS, "order": ORDERS, "axes": AXES_2D, "axes3d": AXES_3D, "limits": LIMITS, "levels": LEVELS,
    "text": TEXTS, "labels": LABELS, "paths": PATH_LISTS, "path": PATHS, "net": NETS, "sizes": SIZES,
    "activation": NAMES_OF_ACTIVATIONS, "loss": NAMES_OF_LOSSES, "layers": LAYER_LISTS, "perm": PERMS, "ms": MS,
    "shape": SHAPES, "directions": DIRECTION_PAIRS, "formula": TEXT_FORMULAS, "variables": VARIABLES,
    "kwargs": [{"foo": 1}, {"color": "notacolor"}, {"marker": 5.5}, {"linestyle": "zz"}, {"label": "twice"}],
    "theta": ARRAYS + [Fresh(lambda: np.full(P, 1e308), "1e308 everywhere"), Fresh(lambda: np.full(P, 1e200), "1e200"),
                       Fresh(lambda: np.full(P, -1e308), "-1e308"), Fresh(lambda: np.zeros(P - 1), "P - 1 entries"),
                       Fresh(lambda: np.zeros(P + 1), "P + 1 entries"), Fresh(lambda: np.zeros((2, P)), "(2, P)"),
                       Fresh(lambda: np.zeros((2, 3, P)), "(2, 3, P)"), Fresh(lambda: np.zeros((P, 1)), "(P, 1)")],
}

# --- random hostile values, by kind -----------------------------------------------------------

any_float = st.floats(allow_nan=True, allow_infinity=True)
# Not integers: a random count may be huge, a valid request for a lot of work (or memory), not bad input.
junk_but_integers = st.one_of(st.none(), st.booleans(), st.text(max_size=5), st.binary(max_size=3), any_float,
                              st.complex_numbers(), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
junk = junk_but_integers | st.integers(-(10**400), 10**400)
random_arrays = arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
                       array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))  # any value of the dtype
ragged = st.recursive(st.floats(-5, 5) | st.none() | st.text(max_size=2), lambda c: st.lists(c, max_size=4),
                      max_leaves=10)
small_ints = st.integers(-5, 5)
random_numbers = st.one_of(any_float, st.integers(-(10**400), 10**400), junk, st.floats(-1e6, 1e6))
random_callables = st.one_of(random_arrays, junk, ragged).map(lambda v: returning(v, "a random value"))

RANDOM_BY_KIND: dict[str, st.SearchStrategy] = {
    "array": random_arrays | ragged | junk, "vector": random_arrays | ragged | junk,
    "matrix": random_arrays | ragged | junk, "path": random_arrays | ragged | junk,
    "number": random_numbers, "count": small_ints | junk_but_integers, "index": small_ints | junk, "flag": junk,
    "callable": random_callables | junk, "limits": st.lists(random_numbers, max_size=3) | junk,
    "levels": st.lists(any_float, max_size=4) | small_ints | junk_but_integers, "text": st.text(max_size=10) | junk,
    "formula": st.text(max_size=30) | junk,
    "variables": st.text(max_size=10) | st.lists(st.text(max_size=3), max_size=3),
    "sizes": st.lists(small_ints, max_size=4).map(tuple) | junk, "perm": st.lists(small_ints, max_size=4) | junk,
    "ms": st.lists(small_ints, max_size=3) | junk_but_integers,
    "shape": st.lists(st.integers(-2, 3), max_size=2).map(tuple) | junk,
    "kwargs": st.dictionaries(st.sampled_from(["color", "marker", "lw", "alpha", "zorder", "foo"]), junk, max_size=2),
    "theta": random_arrays | ragged | junk | arrays(np.float64, st.just((P,)), elements=any_float),
}


def strategy(kind: str) -> st.SearchStrategy:
    catalogue = st.sampled_from(CATALOGUES[kind])
    return catalogue | RANDOM_BY_KIND[kind] if kind in RANDOM_BY_KIND else catalogue | junk_but_integers


# --- valid arguments ----------------------------------------------------------------------------

def curvatures(v, plus=1.0, minus=10.0):
    """Eigenvalues 1, 10, 1, 10, ... for a point of any length (so a wrong-length x0 is the library's to catch)."""
    n = np.shape(v)[-1] if np.ndim(v) else 1
    return np.where(np.arange(n) % 2 == 0, plus, minus)


def quad_grad(v):
    return curvatures(v) * np.asarray(v)


def quad_hess(v):
    return np.diag(curvatures(v))


def quad_f(v):
    return 0.5 * np.sum(curvatures(v) * np.asarray(v) ** 2, axis=-1)


def saddle_grad(v):
    return np.asarray(v) * curvatures(v, 2.0, -2.0)


def bowl(xy):
    return (xy**2).sum(-1)


def axes():
    return Figure(figsize=(2, 2), dpi=20).add_subplot()


# --- result checks ---------------------------------------------------------------------------


def arrays_in(value: Any):
    """Every float array or float inside a (nested) result."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        yield value
    elif isinstance(value, (float, np.floating)):
        yield np.asarray(value)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from arrays_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from arrays_in(item)


def finite_result(result: Any, kwargs: dict) -> None:
    for array in arrays_in(result):
        assert np.all(np.isfinite(array)), f"non-finite values in the result: {array}"


def finite_unless_huge(result: Any, kwargs: dict) -> None:
    """Finite, unless an argument holds numbers so large (> 1e100) that overflow to inf or NaN is documented."""
    for value in kwargs.values():
        try:
            if np.nanmax(np.abs(np.asarray(value, dtype=float))) > 1e100:
                return
        except (TypeError, ValueError):
            pass
    finite_result(result, kwargs)


def no_nan(result: Any, kwargs: dict) -> None:
    for array in arrays_in(result):
        assert not np.any(np.isnan(array)), f"NaN in the result: {array}"


def anything(result: Any, kwargs: dict) -> None:
    pass


def trajectory_result(result: Any, kwargs: dict) -> None:
    """The divergence contract: only finite points, losses and norms are kept; shapes agree."""
    assert isinstance(result, (Trajectory, PerturbedTrajectory)) and isinstance(result.diverged, bool)
    k = len(result.points)
    assert k >= 1 and len(result.grad_norms) == k and (result.losses is None or len(result.losses) == k)
    for array in (result.points, result.grad_norms, result.losses):
        assert array is None or np.all(np.isfinite(array)), f"non-finite entries kept: {array}"


def numeric_functions_result(result: Any, kwargs: dict) -> None:
    """Each of f, grad, hess evaluates to finite floats at a point, or says why not with ValueError."""
    n = len(as_symbols(kwargs["wrt"]))
    for function in result:
        try:
            value = function(np.full(n, 0.3))
        except ValueError as err:
            assert "cannot be evaluated with NumPy" in str(err)
        else:
            assert np.asarray(value).dtype.kind == "f"


def critical_points_result(result: Any, kwargs: dict) -> None:
    assert isinstance(result, list) and all(isinstance(point, dict) for point in result)


def formula_result(result: Any, kwargs: dict) -> None:
    expr, symbols = result
    assert isinstance(expr, sympy.Expr) and expr.free_symbols <= set(symbols)


# --- the cases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """``call(**valid())`` is valid; ``hostile`` maps an argument to the kind of hostile values to try."""

    call: Callable[..., Any]
    valid: Callable[[], dict]
    hostile: dict[str, str]
    check: Callable[[Any, dict], None] = finite_result
    #: other words a message may use for an argument (e.g. ``grad(x)`` for ``grad``)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    examples: int = 25


FORMULA_ALIASES = {"text": ("formula",), "variables": ("variable",)}
OPTIMISER_ALIASES = {"grad": ("grad",), "f": ("f(x)", "f must", "loss"), "hess": ("hess",),
                     "x0": ("x0", "grad", "f(x)", "loss")}


def method(cls_factory: Callable[[], Any], name: str) -> Callable[..., Any]:
    def call(**kwargs):
        return getattr(cls_factory(), name)(**kwargs)
    call.__qualname__ = f"{name}"
    return call


def with_style(**kwargs):
    with mpl.rc_context():
        return plotting.use_book_style(**kwargs)


CASES: dict[str, Case] = {
    # symbolic
    "symbolic.gradient": Case(symbolic.gradient, lambda: {"expr": x**2 * y, "wrt": [x, y]},
                              {"expr": "expr", "wrt": "symbols"}, anything),
    "symbolic.hessian": Case(symbolic.hessian, lambda: {"expr": x**2 * y, "wrt": [x, y]},
                             {"expr": "expr", "wrt": "symbols"}, anything),
    "symbolic.taylor": Case(symbolic.taylor, lambda: {"expr": sympy.exp(x) * sympy.cos(y), "wrt": [x, y], "at": [0, 0],
                                                      "order": 2},
                            {"expr": "expr", "wrt": "symbols", "at": "point", "order": "order"}, anything),
    "symbolic.critical_points": Case(symbolic.critical_points, lambda: {"expr": x**3 - 3 * x + y**2, "wrt": [x, y]},
                                     {"expr": "solvable", "wrt": "symbols"}, critical_points_result, examples=8),
    "symbolic.to_numpy": Case(symbolic.to_numpy, lambda: {"expr": x**2 + 3 * y**2, "wrt": [x, y]},
                              {"expr": "expr", "wrt": "symbols"}, numeric_functions_result),
    # the functions to_numpy returns are public too, in practice
    "symbolic.to_numpy(...).f": Case(lambda X: symbolic.to_numpy(x**2 + y, [x, y]).f(X), lambda: {"X": [[1.0, 2.0]]},
                                     {"X": "array"}, anything),
    "symbolic.to_numpy(...).hess": Case(lambda X: symbolic.to_numpy(x**2 * y, [x, y]).hess(X),
                                        lambda: {"X": [[1.0, 2.0]]}, {"X": "array"}, anything),
    # formula
    "formula.parse_formula": Case(formula.parse_formula, lambda: {"text": "x^2 - 3*x*y^2", "variables": "x y"},
                                  {"text": "formula", "variables": "variables"}, formula_result, FORMULA_ALIASES),
    "formula.formula_to_numpy": Case(formula.formula_to_numpy, lambda: {"text": "exp(-x^2)*sin(y)", "variables": "x y"},
                                     {"text": "formula", "variables": "variables"}, anything, FORMULA_ALIASES),
    # curvature
    "curvature.eigen": Case(curvature.eigen, lambda: {"H": [[2.0, 1.0], [1.0, 2.0]]}, {"H": "matrix"}),
    "curvature.directional_curvature": Case(curvature.directional_curvature,
                                            lambda: {"H": [[1.0, 0.0], [0.0, 8.0]], "d": [1.0, 1.0]},
                                            {"H": "matrix", "d": "array"}),
    "curvature.condition_number": Case(curvature.condition_number, lambda: {"H": [[1.0, 0.0], [0.0, 8.0]]},
                                       {"H": "matrix"}, no_nan),
    "curvature.classify": Case(curvature.classify, lambda: {"H": [[2.0, 0.0], [0.0, -2.0]], "tol": 1e-8},
                               {"H": "matrix", "tol": "number"}, anything),
    "curvature.optimal_step": Case(curvature.optimal_step, lambda: {"g": [1.0, 1.0], "H": [[1.0, 0.0], [0.0, 3.0]]},
                                   {"g": "vector", "H": "matrix"}),
    "curvature.max_stable_lr": Case(curvature.max_stable_lr, lambda: {"H": [[1.0, 0.0], [0.0, 8.0]]}, {"H": "matrix"}),
    # gd
    "gd.gradient_descent": Case(gd.gradient_descent,
                                lambda: {"grad": quad_grad, "x0": [1.0, 1.0], "lr": 0.05, "steps": 20, "f": quad_f,
                                         "clip_norm": None, "callback": None, "blowup": 1e6},
                                {"grad": "callable", "x0": "vector", "lr": "number", "steps": "count", "f": "callable",
                                 "clip_norm": "number", "callback": "callable", "blowup": "number"},
                                trajectory_result, OPTIMISER_ALIASES),
    "gd.clip_by_norm": Case(gd.clip_by_norm, lambda: {"g": [3.0, 4.0], "h": 1.0}, {"g": "vector", "h": "number"}),
    "gd.clip_by_value": Case(gd.clip_by_value, lambda: {"g": [3.0, -0.5], "h": 1.0}, {"g": "vector", "h": "number"}),
    # second order
    "second_order.index_of": Case(second_order.index_of, lambda: {"H": [[2.0, 0.0], [0.0, -2.0]], "tol": 0.0},
                                  {"H": "matrix", "tol": "number"}),
    "second_order.newton": Case(second_order.newton,
                                lambda: {"grad": quad_grad, "hess": quad_hess, "x0": [0.7, 0.3], "steps": 5, "lr": 1.0,
                                         "damping": 0.0, "f": quad_f, "callback": None, "blowup": 1e6},
                                {"grad": "callable", "hess": "callable", "x0": "vector", "steps": "count",
                                 "lr": "number", "damping": "number", "f": "callable", "callback": "callable",
                                 "blowup": "number"}, trajectory_result, OPTIMISER_ALIASES),
    "second_order.saddle_free_newton": Case(second_order.saddle_free_newton,
                                            lambda: {"grad": quad_grad, "hess": quad_hess, "x0": [0.7, 0.3], "steps": 5,
                                                     "lr": 1.0, "damping": 0.1, "f": quad_f, "callback": None,
                                                     "blowup": 1e6},
                                            {"grad": "callable", "hess": "callable", "x0": "vector", "steps": "count",
                                             "lr": "number", "damping": "number", "f": "callable",
                                             "callback": "callable", "blowup": "number"},
                                            trajectory_result, OPTIMISER_ALIASES),
    "second_order.perturbed_gd": Case(second_order.perturbed_gd,
                                      lambda: {"grad": saddle_grad, "x0": [[0.0, 0.0], [0.1, 0.0]], "lr": 0.1,
                                               "steps": 15, "radius": 1e-3, "g_thresh": 1e-2, "t_thresh": 5,
                                               "rng": np.random.default_rng(0), "f": quad_f, "blowup": 1e6},
                                      {"grad": "callable", "x0": "array", "lr": "number", "steps": "count",
                                       "radius": "number", "g_thresh": "number", "t_thresh": "count", "rng": "rng",
                                       "f": "callable", "blowup": "number"}, trajectory_result, OPTIMISER_ALIASES),
    "second_order.find_critical_point": Case(second_order.find_critical_point,
                                             lambda: {"grad": lambda p: np.asarray(p) ** 2 - 1,
                                                      "hess": lambda p: np.diag(2 * np.asarray(p)),
                                                      "x0": [-0.6, 0.4], "steps": 50, "tol": 1e-10, "mu": 1e-3},
                                             {"grad": "callable", "hess": "callable", "x0": "vector", "steps": "count",
                                              "tol": "number", "mu": "number"}, finite_result, OPTIMISER_ALIASES),
    # nets
    "nets.MLP": Case(nets.MLP, lambda: {"sizes": (2, 3, 1), "activation": "tanh", "loss": "mse"},
                     {"sizes": "sizes", "activation": "activation", "loss": "loss"}, anything,
                     {"sizes": ("sizes",)}),
    "nets.init_params": Case(nets.init_params, lambda: {"net": NET, "rng": np.random.default_rng(0), "scale": None},
                             {"net": "net", "rng": "rng", "scale": "number"}),
    "nets.unflatten": Case(nets.unflatten, lambda: {"net": NET, "theta": THETA}, {"net": "net", "theta": "theta"}),
    "nets.flatten": Case(nets.flatten, lambda: {"layers": nets.unflatten(NET, THETA)}, {"layers": "layers"}),
    "nets.forward": Case(nets.forward, lambda: {"net": NET, "theta": THETA, "X": X_DATA},
                         {"net": "net", "theta": "theta", "X": "array"}, finite_unless_huge),
    "nets.loss": Case(nets.loss, lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA},
                      {"net": "net", "theta": "theta", "X": "array", "y": "array"}, finite_unless_huge),
    "nets.loss_and_grad": Case(nets.loss_and_grad, lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA},
                               {"net": "net", "theta": "theta", "X": "array", "y": "array"}, finite_unless_huge),
    "nets.hvp": Case(nets.hvp, lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA, "v": np.ones(P)},
                     {"net": "net", "theta": "theta", "X": "array", "y": "array", "v": "array"}, finite_unless_huge),
    "nets.hessian": Case(nets.hessian, lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA},
                         {"net": "net", "theta": "theta", "X": "array", "y": "array"}, finite_unless_huge),
    "nets.permute_hidden": Case(nets.permute_hidden,
                                lambda: {"net": NET, "theta": THETA, "layer": 0, "perm": [2, 0, 1]},
                                {"net": "net", "theta": "theta", "layer": "index", "perm": "perm"}),
    "nets.rescale_hidden": Case(nets.rescale_hidden,
                                lambda: {"net": RELU, "theta": THETA, "layer": 0, "unit": 1, "beta": 10.0},
                                {"net": "net", "theta": "theta", "layer": "index", "unit": "index", "beta": "number"}),
    "nets.make_regression": Case(nets.make_regression, lambda: {"n": 5, "rng": np.random.default_rng(0), "noise": 0.1},
                                 {"n": "count", "rng": "rng", "noise": "number"}),
    "nets.make_moons": Case(nets.make_moons, lambda: {"n": 6, "rng": np.random.default_rng(0), "noise": 0.1},
                            {"n": "count", "rng": "rng", "noise": "number"}),
    # probes
    "probes.filter_normalize": Case(probes.filter_normalize,
                                    lambda: {"net": NET, "theta": THETA, "direction": np.ones(P)},
                                    {"net": "net", "theta": "theta", "direction": "array"}),
    "probes.random_direction": Case(probes.random_direction,
                                    lambda: {"net": NET, "theta": THETA, "rng": np.random.default_rng(0),
                                             "normalize": True},
                                    {"net": "net", "theta": "theta", "rng": "rng", "normalize": "flag"}),
    "probes.slice_1d": Case(probes.slice_1d,
                            lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA, "direction": np.ones(P),
                                     "alphas": [0.0, 0.5, 1.0]},
                            {"net": "net", "theta": "theta", "X": "array", "y": "array", "direction": "array",
                             "alphas": "array"}, no_nan),
    "probes.slice_2d": Case(probes.slice_2d,
                            lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA,
                                     "directions": (np.ones(P), -np.ones(P)), "alphas": [0.0, 1.0],
                                     "betas": [0.0, 0.5]},
                            {"net": "net", "theta": "theta", "X": "array", "y": "array", "directions": "directions",
                             "alphas": "array", "betas": "array"}, no_nan),
    "probes.grid_minima": Case(probes.grid_minima, lambda: {"values": [[5, 5, 5], [5, 1, 5], [5, 5, 5]]},
                               {"values": "array"}, anything),
    "probes.gradient_norm_test": Case(probes.gradient_norm_test,
                                      lambda: {"net": NET, "theta": THETA, "X": X_DATA, "y": Y_DATA, "gtol": 1e-4,
                                               "htol": None},
                                      {"net": "net", "theta": "theta", "X": "array", "y": "array", "gtol": "number",
                                       "htol": "number"}),
    # randmat
    "randmat.goe": Case(randmat.goe, lambda: {"m": 3, "rng": np.random.default_rng(0), "size": 2, "sigma": 1.0},
                        {"m": "count", "rng": "rng", "size": "count", "sigma": "number"}),
    "randmat.prob_all_positive": Case(randmat.prob_all_positive,
                                      lambda: {"ms": [1, 2], "samples": 50, "rng": np.random.default_rng(0),
                                               "chunk": 20},
                                      {"ms": "ms", "samples": "count", "rng": "rng", "chunk": "count"}),
    "randmat.log_prob_all_positive": Case(randmat.log_prob_all_positive, lambda: {"m": 3}, {"m": "count"}),
    "randmat.positive_share": Case(randmat.positive_share,
                                   lambda: {"eigenvalues": [-1.0, 0.5, 2.0], "shifts": [0.0, 1.5]},
                                   {"eigenvalues": "array", "shifts": "array"}),
    "randmat.semicircle_share_above": Case(randmat.semicircle_share_above,
                                           lambda: {"x": [-2.0, 0.0, 2.0], "radius": 2.0},
                                           {"x": "array", "radius": "number"}),
    "randmat.random_matrix": Case(randmat.random_matrix,
                                  lambda: {"n": 3, "spectral_radius": 1.1, "rng": np.random.default_rng(0),
                                           "shape": (2,)},
                                  {"n": "count", "spectral_radius": "number", "rng": "rng", "shape": "shape"}),
    "randmat.product_norms": Case(randmat.product_norms,
                                  lambda: {"matrices": np.broadcast_to(2.0 * np.eye(2), (3, 2, 2))},
                                  {"matrices": "array"}, no_nan),
    # rnn
    "rnn.sigmoid": Case(rnn.sigmoid, lambda: {"x": [0.0, 2.0]}, {"x": "array"}),
    "rnn.OneUnitRNN": Case(rnn.OneUnitRNN, lambda: {"x0": 0.5, "steps": 5, "target": 0.7},
                           {"x0": "number", "steps": "count", "target": "number"}, anything),
    "rnn.OneUnitRNN.states": Case(method(lambda: rnn.OneUnitRNN(steps=5), "states"),
                                  lambda: {"w": [1.0, 5.0], "b": 0.0},
                                  {"w": "array", "b": "array"}, no_nan),
    "rnn.OneUnitRNN.loss": Case(method(lambda: rnn.OneUnitRNN(steps=5), "loss"), lambda: {"w": [1.0, 5.0], "b": 0.0},
                                {"w": "array", "b": "array"}),
    "rnn.OneUnitRNN.loss_and_grad": Case(method(lambda: rnn.OneUnitRNN(steps=5), "loss_and_grad"),
                                         lambda: {"w": [1.0, 5.0], "b": 0.0}, {"w": "array", "b": "array"}, anything),
    "rnn.OneUnitRNN.f": Case(method(lambda: rnn.OneUnitRNN(steps=5), "f"), lambda: {"theta": [1.0, 0.0]},
                             {"theta": "theta"}),
    "rnn.OneUnitRNN.grad": Case(method(lambda: rnn.OneUnitRNN(steps=5), "grad"), lambda: {"theta": [1.0, 0.0]},
                                {"theta": "theta"}, anything),
    "rnn.OneUnitRNN.cliff_bias": Case(method(lambda: rnn.OneUnitRNN(), "cliff_bias"), lambda: {"w": [4.0, 6.0]},
                                      {"w": "array"}),
    "rnn.saddle_node_curve": Case(rnn.saddle_node_curve, lambda: {"w": [4.0, 5.0]}, {"w": "array"}),
    # plotting
    "plotting.use_book_style": Case(with_style, lambda: {}, {}, anything),
    "plotting.contour": Case(plotting.contour,
                             lambda: {"ax": axes(), "f": bowl, "xlim": (-1, 1), "ylim": (-1, 1), "levels": 5,
                                      "resolution": 12, "log": False},
                             {"ax": "axes", "f": "callable", "xlim": "limits", "ylim": "limits", "levels": "levels",
                              "resolution": "count", "log": "flag"}, anything),
    "plotting.trajectory": Case(lambda **kw: plotting.trajectory(kw.pop("ax"), kw.pop("points"), label=kw.pop("label"),
                                                                 **kw.pop("line_kwargs")),
                                lambda: {"ax": axes(), "points": [[1.0, 1.0], [0.0, 0.0]], "label": "gd",
                                         "line_kwargs": {}},
                                {"ax": "axes", "points": "path", "label": "text", "line_kwargs": "kwargs"}, anything,
                                {"line_kwargs": ("color", "marker", "for ls", "keyword argument")}),
    "plotting.contour_with_trajectory": Case(plotting.contour_with_trajectory,
                                             lambda: {"ax": axes(), "f": bowl, "xlim": (-2, 2), "ylim": (-2, 2),
                                                      "trajectories": [[[1.0, 1.0], [0.0, 0.0]]], "labels": ["a"],
                                                      "levels": 5, "log": False},
                                             {"ax": "axes", "f": "callable", "xlim": "limits", "ylim": "limits",
                                              "trajectories": "paths", "labels": "labels", "levels": "levels",
                                              "log": "flag"}, anything),
    "plotting.surface": Case(plotting.surface,
                             lambda: {"ax": Figure(figsize=(2, 2), dpi=20).add_subplot(projection="3d"), "f": bowl,
                                      "xlim": (-1, 1), "ylim": (-1, 1), "resolution": 8, "cmap": None},
                             {"ax": "axes3d", "f": "callable", "xlim": "limits", "ylim": "limits",
                              "resolution": "count", "cmap": "text"}, anything),
    # animation
    "animation.animate_paths": Case(animation.animate_paths,
                                    lambda: {"ax": axes(), "paths": [[[0.0, 0.0], [1.0, 1.0]]], "labels": None,
                                             "alt": "a path", "interval_ms": 100, "dpi": 20},
                                    {"ax": "axes", "paths": "paths", "labels": "labels", "alt": "text",
                                     "interval_ms": "count", "dpi": "count"}, anything, examples=8),
}

#: Public names that take no input to validate: result types, constants, the style file.
NO_INPUT: dict[str, str] = {
    "symbolic.NumericFunctions": "result type of to_numpy",
    "curvature.Eigen": "result type of eigen",
    "gd.Trajectory": "result type of the optimisers",
    "second_order.PerturbedTrajectory": "result type of perturbed_gd",
    "second_order.CriticalPoint": "result type of find_critical_point",
    "nets.Dataset": "result type of make_regression and make_moons",
    "probes.GradientNormTest": "result type of gradient_norm_test",
    "randmat.AllPositiveEstimate": "result type of prob_all_positive",
    "randmat.DEAN_MAJUMDAR_THETA": "a constant",
    "rnn.RNNLossGrad": "result type of OneUnitRNN.loss_and_grad",
    "plotting.STYLE_PATH": "a constant",
    "animation.PathAnimation": "result type of animate_paths (its __init__ takes the rendered parts)",
    "formula.Formula": "result type of parse_formula",
    "formula.FUNCTIONS": "a constant (read-only mapping)",
    "formula.CONSTANTS": "a constant (read-only mapping)",
    "formula.MAX_LENGTH": "a constant",
    "formula.MAX_DEPTH": "a constant",
    "formula.MAX_EXPONENT": "a constant",
}


# --- coverage ------------------------------------------------------------------------------


def public_modules() -> list[types.ModuleType]:
    names = [info.name for info in pkgutil.iter_modules(codelib.__path__) if not info.name.startswith("_")]
    return [importlib.import_module(f"codelib.{name}") for name in sorted(names)]


def public_names() -> set[str]:
    """``module.name`` for every name in a module's ``__all__``, and ``module.Class.method`` for public methods."""
    found = set()
    for module in public_modules():
        short = module.__name__.rsplit(".", 1)[1]
        assert hasattr(module, "__all__"), f"codelib.{short} has no __all__"
        for name in module.__all__:
            found.add(f"{short}.{name}")
            obj = getattr(module, name)
            if inspect.isclass(obj) and not issubclass(obj, tuple):
                found |= {f"{short}.{name}.{attr}" for attr, member in vars(obj).items()
                          if not attr.startswith("_") and inspect.isfunction(member)}
    return found


def test_every_public_name_is_covered():
    names = public_names()
    missing = names - set(CASES) - set(NO_INPUT)
    assert not missing, f"public names without a hostile-input case (add them to CASES or NO_INPUT): {sorted(missing)}"
    stale = {name for name in set(CASES) | set(NO_INPUT) if "(" not in name} - names
    assert not stale, f"cases for names that are no longer public: {sorted(stale)}"


def test_the_flat_api_only_re_exports_module_names():
    by_object = {id(getattr(m, n)): n for m in public_modules() for n in m.__all__}
    for name in codelib.__all__:
        obj = getattr(codelib, name)
        assert isinstance(obj, types.ModuleType) or id(obj) in by_object, f"codelib.{name} is not in a module's __all__"


def test_every_case_names_real_arguments():
    for name, case in CASES.items():
        valid = case.valid()
        assert set(case.hostile) <= set(valid), name
        try:
            parameters = inspect.signature(case.call).parameters
        except ValueError:
            continue
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            assert set(valid) <= set(parameters), (name, set(valid) - set(parameters))


# --- the hostile calls -----------------------------------------------------------------------


def outcome(case: Case, argument: str | None, value: Any) -> str | None:
    """Call ``case`` with ``argument`` replaced by ``value``; return a complaint, or None if all is well."""
    kwargs = case.valid()
    if argument is not None:
        kwargs[argument] = resolve(value)
    try:
        result = case.call(**kwargs)
    except (ValueError, TypeError) as err:
        if type(err) not in (ValueError, TypeError):
            return f"raised {type(err).__module__}.{type(err).__name__} (a subclass): {err}"
        # The message must name the argument, or (for a mismatch such as "at must have 1 entries,
        # one per variable in wrt") another argument of the call.
        message = str(err)
        words = tuple(kwargs) + tuple(word for aliases in case.aliases.values() for word in aliases)
        if argument and not any(word in message for word in words):
            return f"raised {type(err).__name__} naming no argument: {message}"
        return None
    except Exception as err:  # noqa: BLE001 -- the point of the test
        return f"raised {type(err).__module__}.{type(err).__name__}: {err}"
    try:
        case.check(result, kwargs)
    except AssertionError as err:
        return f"returned a wrong result: {err}"
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_valid_call_succeeds_and_changes_no_argument(name):
    case = CASES[name]
    kwargs = case.valid()
    arrays_before = {k: copy.deepcopy(v) for k, v in kwargs.items() if isinstance(v, (np.ndarray, list, tuple))}
    complaint = outcome(case, None, None)
    assert complaint is None, complaint
    case.check(case.call(**kwargs), kwargs)
    for key, before in arrays_before.items():
        np.testing.assert_equal(kwargs[key] if not isinstance(before, tuple) else tuple(kwargs[key]), before,
                                err_msg=f"{name} changed its argument {key}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_catalogued_hostile_value_is_rejected_or_handled(name):
    case = CASES[name]
    complaints = []
    for argument, kind in case.hostile.items():
        for value in CATALOGUES[kind]:
            complaint = outcome(case, argument, value)
            if complaint:
                complaints.append(f"{argument}={value!r}: {complaint}")
    assert not complaints, f"{name}:\n" + "\n".join(complaints)


@pytest.mark.parametrize("name", sorted(name for name, case in CASES.items() if case.hostile))
def test_random_hostile_values_are_rejected_or_handled(name):
    case = CASES[name]

    @settings(RANDOM, max_examples=case.examples)
    @given(st.data())
    def run(data):
        argument = data.draw(st.sampled_from(sorted(case.hostile)), label="argument")
        value = data.draw(strategy(case.hostile[argument]), label="value")
        complaint = outcome(case, argument, value)
        assert complaint is None, f"{name}({argument}={value!r}) {complaint}"

    run()


# --- the divergence contract -------------------------------------------------------------------


def exploding(v):
    """A gradient that is finite but grows without bound, then overflows to inf (no warning: the
    optimisers evaluate user functions with floating-point errors ignored)."""
    return np.exp(np.abs(np.asarray(v)) * 50.0) * np.sign(np.asarray(v))


def nan_beyond(v):
    """A gradient that is NaN once the iterate has left the unit box."""
    v = np.asarray(v)
    return np.where(np.abs(v) > 1.0, np.nan, 4.0 * v)


DIVERGING = {
    "gd too large a step": lambda: gd.gradient_descent(quad_grad, [1.0, 1.0], lr=0.5, steps=500, f=quad_f),
    "gd exploding gradient": lambda: gd.gradient_descent(exploding, [0.5, -0.5], lr=1.0, steps=500, f=quad_f),
    "gd NaN gradient": lambda: gd.gradient_descent(nan_beyond, [0.5, 0.5], lr=1.0, steps=500),
    "gd inf loss": lambda: gd.gradient_descent(lambda v: -np.asarray(v), [0.1], lr=1.0, steps=2000,
                                               f=lambda v: np.exp(1000.0 * abs(v[0])) if abs(v[0]) > 0.6 else 0.0),
    "gd 1e300 steps": lambda: gd.gradient_descent(quad_grad, [1.0, 1.0], lr=1e300, steps=10, f=quad_f),
    "newton on a saddle, upside down": lambda: second_order.newton(lambda v: -np.asarray(v) ** 3, lambda v: np.diag(
        -3 * np.asarray(v) ** 2), [1.0, 2.0], steps=50, lr=30.0, f=quad_f),
    "newton NaN Hessian": lambda: second_order.newton(quad_grad, lambda v: np.full((2, 2), np.nan) if abs(v[0]) < 1
                                                      else quad_hess(v), [2.0, 2.0], steps=20, lr=0.7),
    "saddle-free Newton exploding": lambda: second_order.saddle_free_newton(
        exploding, lambda v: np.diag([1e-9, 1e-9]), [0.5, 0.5], steps=50, f=quad_f),
    "perturbed gd too large a step": lambda: second_order.perturbed_gd(
        quad_grad, [[1.0, 1.0], [0.0, 0.0]], lr=0.5, steps=500, radius=0.1, g_thresh=0.01, t_thresh=3,
        rng=np.random.default_rng(0), f=quad_f),
    "perturbed gd NaN gradient": lambda: second_order.perturbed_gd(
        nan_beyond, [0.5, 0.5], lr=1.0, steps=500, radius=0.1, g_thresh=0.01, t_thresh=3, rng=np.random.default_rng(0)),
    "perturbed gd exploding": lambda: second_order.perturbed_gd(
        exploding, [[0.5, 0.5]], lr=1.0, steps=500, radius=0.1, g_thresh=0.01, t_thresh=3,
        rng=np.random.default_rng(0)),
}


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_a_diverging_run_stops_is_flagged_and_keeps_finite_points(name):
    run = DIVERGING[name]()  # any RuntimeWarning fails the test: warnings are errors here
    assert run.diverged
    assert len(run.points) < 500
    trajectory_result(run, {})


EXTREME = {
    # eigenvalues below the smallest normal float count as zero in the pseudo-inverse: no step, no overflow
    "newton subnormal Hessian": lambda: second_order.newton(quad_grad, lambda v: np.diag([1e-320, 1e-320]),
                                                            [1.0, 1.0], steps=20),
    "saddle-free Newton subnormal": lambda: second_order.saddle_free_newton(
        quad_grad, lambda v: np.diag([1e-320, -1e-320]), [1.0, 1.0], steps=20),
    "newton huge Hessian": lambda: second_order.newton(quad_grad, lambda v: np.diag([1e308, -1e308]), [1.0, 1.0],
                                                       steps=20),
    "newton Hessian near the float limit": lambda: second_order.newton(
        quad_grad, lambda v: np.full((2, 2), 1.7e308), [1.0, 1.0], steps=20, damping=1e308),
    "saddle-free Newton, mixed scales": lambda: second_order.saddle_free_newton(
        quad_grad, lambda v: np.diag([1e308, 1e-308]), [1.0, 1.0], steps=20),
    "gd huge finite start": lambda: gd.gradient_descent(quad_grad, [1e300, -1e300], lr=1.0, steps=20),
    "gd clip a huge gradient": lambda: gd.gradient_descent(lambda v: np.asarray(v) * 1e300, [1e5, 1.0], lr=0.1,
                                                           steps=20, clip_norm=1.0),
    "perturbed gd, a kick the size of the float range": lambda: second_order.perturbed_gd(
        quad_grad, [0.0, 0.0], lr=0.1, steps=20, radius=1e308, g_thresh=1.0, t_thresh=1, rng=np.random.default_rng(0),
        f=quad_f),
    "find a critical point, huge Hessian": lambda: second_order.find_critical_point(
        quad_grad, lambda v: np.diag([1e308, 1e308]), [1.0, 1.0], steps=20),
}


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_extreme_but_finite_problems_give_finite_results_without_warnings(name):
    result = EXTREME[name]()
    if isinstance(result, (Trajectory, PerturbedTrajectory)):
        trajectory_result(result, {})
    else:
        finite_result(result, {})


def test_a_diverged_run_still_plots_and_animates():
    run = gd.gradient_descent(quad_grad, [1.0, 1.0], lr=0.5, steps=500, f=quad_f)
    ax = plotting.contour_with_trajectory(axes(), bowl, (-2, 2), (-2, 2), run)
    assert ax.get_xlim() == (-2.0, 2.0)  # the view stays on the box, the path runs off its edge
    assert animation.animate_paths(axes(), [run.points], alt="a diverging run", dpi=20).n_steps == len(run.points) - 1


# --- lambdify must not run code hidden in a SymPy name ------------------------------------------


def test_to_numpy_runs_no_code_hidden_in_a_function_name(tmp_path):
    marker = tmp_path / "owned"
    payload = sympy.Function(f"(__import__('os').system('touch {marker}') or (lambda *a: 0))")
    with pytest.raises(ValueError, match="undefined functions"):
        functions = symbolic.to_numpy(payload(2) + x, [x])
        functions.f(np.array([1.0]))
    hidden_symbol = sympy.Symbol(f"__import__('os').system('touch {marker}')")
    f, grad, _ = symbolic.to_numpy(hidden_symbol**2, [hidden_symbol])
    assert float(f([3.0])) == 9.0 and grad([3.0]).tolist() == [6.0]
    assert not marker.exists()


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "numpy", "x"])
def test_symbols_named_like_numpy_functions_do_not_shadow_them(name):
    t = sympy.Symbol(name)
    f, grad, _ = symbolic.to_numpy(sympy.sin(t) + sympy.exp(t) + sympy.sqrt(t**2 + 1), [t])
    assert math.isclose(float(f([1.0])), math.sin(1) + math.e + math.sqrt(2))
