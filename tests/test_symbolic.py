"""Tests for codelib.symbolic: oracle (finite differences), known values, bad input."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib.symbolic import NumericFunctions, critical_points, gradient, hessian, taylor, to_numpy

x, y, z, a = sympy.symbols("x y z a")
FAST = settings(max_examples=40, deadline=None, derandomize=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@st.composite
def polynomials(draw):
    """A random polynomial in 2-3 variables, small integer coefficients, degree <= 4."""
    symbols = (x, y, z)[: draw(st.integers(2, 3))]
    exponents = st.lists(st.integers(0, 4), min_size=len(symbols), max_size=len(symbols)).filter(
        lambda powers: sum(powers) <= 4)
    terms = draw(st.lists(st.tuples(st.integers(-3, 3), exponents), min_size=1, max_size=6))
    expr = sum(coef * sympy.Mul(*(s**p for s, p in zip(symbols, powers))) for coef, powers in terms)
    return sympy.sympify(expr), symbols


def central_difference(function, point, h):
    """Central differences of ``function`` along each axis; the new axis is last."""
    steps = h * np.eye(len(point))
    return np.stack([(function(point + e) - function(point - e)) / (2 * h) for e in steps], axis=-1)


# Oracle tests: SymPy's derivatives against finite differences.

@FAST
@given(polynomials(), st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_gradient_and_hessian_match_finite_differences(poly, coords):
    expr, symbols = poly
    point = np.array(coords[: len(symbols)])
    f, grad, hess = to_numpy(expr, symbols)
    np.testing.assert_allclose(grad(point), central_difference(f, point, 1e-5), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hess(point), central_difference(grad, point, 1e-5), rtol=1e-6, atol=1e-6)


@FAST
@given(polynomials())
def test_hessian_of_polynomial_is_symmetric(poly):
    H = hessian(*poly)
    assert (H - H.T).applyfunc(sympy.expand).is_zero_matrix


# Known values.

def test_rosenbrock_hessian_at_minimum_is_exact():
    rosenbrock = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    assert hessian(rosenbrock, [x, y]).subs({x: 1, y: 1}) == sympy.Matrix([[802, -400], [-400, 200]])
    assert gradient(rosenbrock, [x, y]).subs({x: 1, y: 1}) == sympy.zeros(2, 1)


def test_gradient_is_a_column_and_treats_other_symbols_as_constants():
    g = gradient(a * x**2 + y, [x, y])
    assert g.shape == (2, 1)
    assert g == sympy.Matrix([2 * a * x, 1])
    assert gradient(x**3, x) == sympy.Matrix([3 * x**2])


def test_saddle_has_one_critical_point_at_origin():
    assert critical_points(x**2 - y**2, [x, y]) == [{x: 0, y: 0}]


def test_critical_points_keeps_only_real_solutions():
    assert critical_points(x**3 / 3 + x, x) == []  # x**2 + 1 = 0 has only complex roots
    assert critical_points(x**4 / 4 - x**2 / 2 + y**2, [x, y]) == [
        {x: -1, y: 0}, {x: 0, y: 0}, {x: 1, y: 0}]


def test_critical_points_of_a_cubic_with_three_real_roots_convert_to_float():
    points = critical_points(x**4 / 4 - 3 * x**2 / 2 + x + y**2, [x, y])
    roots = [float(p[x]) for p in points]
    np.testing.assert_allclose(roots, np.sort(np.roots([1, 0, -3, 1]).real))


def test_critical_points_lines_and_constants():
    assert critical_points((x - y) ** 2, [x, y]) == [{x: y}]  # a line of minima: y is free
    assert critical_points(sympy.Integer(3), [x, y]) == [{}]  # every point is critical
    assert critical_points((x - a) ** 2 + y**2, [x, y]) == [{x: a, y: 0}]


def test_critical_points_with_parameters_keep_conditionally_real_values():
    # sqrt(a) is real for a >= 0, so it is kept; x = +-I*y (from x**2 + y**2) would not be.
    assert critical_points(x**3 / 3 - a * x, x) == [{x: -sympy.sqrt(a)}, {x: sympy.sqrt(a)}]
    assert critical_points(x**2 + y**2, [x, y]) == [{x: 0, y: 0}]


def test_critical_points_unsolvable_raises():
    with pytest.raises(ValueError, match="numerically"):
        critical_points(sympy.exp(x) * sympy.cos(x) + x**2, x)
    # Roots of x**5 - 3x + 1 have no radicals; sympy.solve would silently return [].
    with pytest.raises(ValueError, match="closed form"):
        critical_points(x**6 / 6 - 3 * x**2 / 2 + x + y**2, [x, y])


def test_critical_points_of_quintic_in_one_variable_are_exact_roots():
    points = critical_points(x**6 / 6 - 3 * x**2 / 2 + x, x)
    real_roots = np.sort([r.real for r in np.roots([1, 0, 0, 0, -3, 1]) if abs(r.imag) < 1e-9])
    np.testing.assert_allclose([float(p[x]) for p in points], real_roots)


def test_critical_points_of_a_rational_function_of_one_variable_are_its_real_zeros_not_its_poles():
    hill = 3 / (1 + x**2) - 2 / (1 + (x + 2) ** 2)  # local_minima's hill: f' has a quintic numerator
    numerator = x**5 + 20 * x**4 + 74 * x**3 + 112 * x**2 + 73 * x - 4
    real_roots = np.sort([r.real for r in np.roots([1, 20, 74, 112, 73, -4]) if abs(r.imag) < 1e-9])
    points = critical_points(hill, x)
    np.testing.assert_allclose([float(p[x]) for p in points], real_roots, rtol=1e-12)
    assert all(isinstance(p[x], sympy.CRootOf) and p[x].poly.as_expr() == numerator for p in points)  # exact
    assert critical_points(1 / (x - 1) + x / 4, x) == [{x: -1}, {x: 3}]  # zeros of f', not the pole at 1
    assert critical_points(x / (x - 1), x) == []  # f' = -1/(x - 1)**2 has no zero


# Taylor polynomials.

@FAST
@given(st.lists(st.integers(-5, 5), min_size=6, max_size=6), st.lists(st.integers(-3, 3), min_size=2, max_size=2))
def test_taylor_of_quadratic_is_the_quadratic(c, at):
    quadratic = c[0] * x**2 + c[1] * x * y + c[2] * y**2 + c[3] * x + c[4] * y + c[5]
    assert sympy.expand(taylor(quadratic, [x, y], at=at) - quadratic) == 0


def test_taylor_orders_and_dict_point():
    f = sympy.exp(x) * sympy.sin(y)
    at = {x: 0, y: 0}
    assert taylor(f, [x, y], at, order=0) == 0
    assert sympy.expand(taylor(f, [x, y], at, order=1)) == y
    assert sympy.expand(taylor(f, [x, y], at)) == y + x * y


def test_taylor_remainder_is_small_o_of_squared_distance(rng):
    f = sympy.exp(x) * sympy.cos(y) + x**3 * y
    at = [sympy.Rational(1, 2), sympy.Rational(-1, 3)]
    T2 = taylor(f, [x, y], at)
    direction = rng.standard_normal(2)
    direction /= np.linalg.norm(direction)
    ratios = []
    for t in [1e-1, 1e-2, 1e-3]:
        point = {s: sympy.Rational(float(v)) + sympy.Rational(t) * sympy.Rational(float(u))
                 for s, v, u in zip([x, y], at, direction)}
        remainder = (f - T2).subs(point).evalf(40)
        ratios.append(abs(float(remainder)) / t**2)
    assert ratios[2] < 1e-2
    assert ratios[0] > ratios[1] > ratios[2]  # the ratio shrinks like t (a cubic remainder)


def test_taylor_bad_input():
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        taylor(x**2, x, [0], order=3)
    with pytest.raises(ValueError, match="2 entries"):
        taylor(x * y, [x, y], [0])
    with pytest.raises(ValueError, match="exactly the variables"):
        taylor(x * y, [x, y], {x: 0, z: 0})
    with pytest.raises(ValueError, match="finite"):
        taylor(x**2, x, [float("nan")])
    with pytest.raises(TypeError, match="sequence of 1 numbers"):
        taylor(x**2, x, ["1"])
    with pytest.raises(ValueError, match="undefined"):
        taylor(sympy.log(x), x, [0])


# to_numpy: shapes, broadcasting of constants, bad input.

def test_to_numpy_shapes_and_constant_entries():
    numeric = to_numpy(x**2 + 3 * y**2, [x, y])
    assert isinstance(numeric, NumericFunctions)
    X = np.ones((4, 5, 2))
    assert numeric.f(X).shape == (4, 5)
    assert numeric.grad(X).shape == (4, 5, 2)
    H = numeric.hess(X)  # constant: lambdify alone would return a nested list of scalars
    assert H.shape == (4, 5, 2, 2)
    np.testing.assert_array_equal(H, np.broadcast_to(np.diag([2.0, 6.0]), (4, 5, 2, 2)))
    assert numeric.f(np.array([1.0, 2.0])) == 13.0
    assert numeric.grad([1, 2]).tolist() == [2.0, 12.0]


def test_to_numpy_constant_function_broadcasts():
    f, grad, hess = to_numpy(sympy.Integer(7), [x, y])
    X = np.zeros((3, 2))
    assert f(X).tolist() == [7.0, 7.0, 7.0]
    assert grad(X).shape == (3, 2) and not grad(X).any()
    assert hess(X).shape == (3, 2, 2)


def test_to_numpy_agrees_with_subs(rng):
    expr = sympy.sin(x) * y**2 + sympy.exp(x * y)
    f, grad, hess = to_numpy(expr, [x, y])
    point = rng.uniform(-1, 1, size=2)
    values = {x: point[0], y: point[1]}
    assert f(point) == pytest.approx(float(expr.subs(values)))
    np.testing.assert_allclose(grad(point), np.array(gradient(expr, [x, y]).subs(values), dtype=float).ravel())
    np.testing.assert_allclose(hess(point), np.array(hessian(expr, [x, y]).subs(values), dtype=float))


def test_to_numpy_wrong_last_axis_raises():
    f, grad, hess = to_numpy(x * y, [x, y])
    for function in (f, grad, hess):
        with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
            function(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="last axis"):
        f(1.0)


def test_to_numpy_rejects_symbols_not_in_wrt():
    with pytest.raises(ValueError, match=r"\{a\} that are not in wrt"):
        to_numpy(a * x**2, x)


@pytest.mark.parametrize("function", [gradient, hessian, critical_points, to_numpy])
@pytest.mark.parametrize("wrt", ["x", x + 1, [x, "y"], 3])
def test_non_symbol_variables_raise_type_error(function, wrt):
    with pytest.raises(TypeError, match="SymPy Symbol"):
        function(x**2, wrt)


def test_bad_expression_and_variables():
    with pytest.raises(TypeError, match="SymPy expression"):
        gradient("x**2", x)
    with pytest.raises(TypeError, match="SymPy expression"):
        hessian(lambda v: v**2, x)
    with pytest.raises(ValueError, match="twice"):
        hessian(x * y, [x, x])
    with pytest.raises(ValueError, match="empty"):
        gradient(x, [])
    assert gradient(2, x) == sympy.Matrix([0])  # a plain number is a constant expression

