"""Tests for codelib.curvature: known values, oracles, exact SymPy decisions, bad input."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib import nets
from codelib.curvature import (
    Eigen,
    classify,
    condition_number,
    directional_curvature,
    eigen,
    gradient_flatness,
    max_stable_lr,
    negative_eigenvalue_fraction,
    optimal_step,
)
from codelib.symbolic import critical_points, hessian

x, y = sympy.symbols("x y")
FAST = settings(max_examples=40, deadline=None, derandomize=True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def random_symmetric(rng, n):
    A = rng.standard_normal((n, n))
    return (A + A.T) / 2


def random_spd(rng, n):
    A = rng.standard_normal((n, n))
    return A @ A.T + n * np.eye(n)


@st.composite
def integer_symmetric(draw):
    n = draw(st.integers(1, 3))
    entries = draw(st.lists(st.integers(-3, 3), min_size=n * n, max_size=n * n))
    M = np.array(entries).reshape(n, n)
    return np.triu(M) + np.triu(M, 1).T


# eigen and directional curvature.

@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_eigen_sorted_and_top_eigenvector_has_top_curvature(rng, n):
    H = random_symmetric(rng, n)
    result = eigen(H)
    assert isinstance(result, Eigen)
    assert np.all(np.diff(result.values) >= 0)
    v_max = result.vectors[:, -1]
    assert v_max @ H @ v_max == pytest.approx(result.values[-1])
    np.testing.assert_allclose(H @ result.vectors, result.vectors * result.values, atol=1e-12)


def test_eigen_accepts_exact_sympy_matrix():
    values, _ = eigen(sympy.Matrix([[2, 1], [1, 2]]))
    np.testing.assert_allclose(values, [1.0, 3.0])


def test_directional_curvature_along_eigenvectors_is_eigenvalue(rng):
    H = random_symmetric(rng, 4)
    values, vectors = eigen(H)
    np.testing.assert_allclose(directional_curvature(H, vectors.T), values, atol=1e-12)
    assert directional_curvature(H, 3.0 * vectors[:, 0]) == pytest.approx(values[0])  # length is ignored


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_directional_curvature_lies_between_extreme_eigenvalues(seed, n):
    rng = np.random.default_rng(seed)
    H = random_symmetric(rng, n)
    D = rng.standard_normal((20, n))
    curvatures = directional_curvature(H, D)
    values = eigen(H).values
    assert curvatures.shape == (20,)
    assert np.all(curvatures >= values[0] - 1e-12) and np.all(curvatures <= values[-1] + 1e-12)
    assert directional_curvature(H, D[0]) == pytest.approx(curvatures[0])


def test_directional_curvature_over_unit_circle():
    angles = np.linspace(0, 2 * np.pi, 9)
    curvatures = directional_curvature(np.diag([1.0, 8.0]), np.column_stack([np.cos(angles), np.sin(angles)]))
    np.testing.assert_allclose(curvatures, np.cos(angles) ** 2 + 8 * np.sin(angles) ** 2)


# Condition number.

def test_condition_number_known_values():
    assert condition_number(np.diag([1.0, 8.0])) == 8
    assert condition_number(np.diag([1.0, -8.0])) == 8  # indefinite: ratio of magnitudes
    assert condition_number(sympy.diag(2, 6)) == 3
    assert condition_number(np.eye(3)) == 1


def test_condition_number_of_singular_matrix_is_inf():
    assert condition_number([[1.0, 1.0], [1.0, 1.0]]) == math.inf  # round-off: eigenvalue ~1e-16
    assert condition_number(np.zeros((2, 2))) == math.inf
    assert condition_number(sympy.Matrix([[1, 2], [2, 4]])) == math.inf


def test_condition_number_matches_numpy(rng):
    for n in (2, 3, 6):
        H = random_spd(rng, n)
        assert condition_number(H) == pytest.approx(np.linalg.cond(H))


# classify: the second-derivative test.

@pytest.mark.parametrize(("H", "verdict"), [
    (np.diag([1.0, 2.0]), "minimum"),
    (np.diag([-1.0, -2.0]), "maximum"),
    (np.diag([1.0, -2.0]), "saddle"),
    (np.diag([1.0, 0.0, -1.0]), "saddle"),  # indefinite is a saddle even with a flat direction
    (np.diag([1.0, 0.0]), "degenerate"),
    (np.diag([-1.0, 1e-12]), "degenerate"),  # |lambda| <= tol counts as zero
    (np.zeros((2, 2)), "degenerate"),
])
def test_classify_float_matrices(H, verdict):
    assert classify(H) == verdict


def test_saddle_point_of_x1_squared_minus_x2_squared():
    f = x**2 - y**2
    [point] = critical_points(f, [x, y])
    assert point == {x: 0, y: 0}
    assert classify(hessian(f, [x, y]).subs(point)) == "saddle"


@pytest.mark.parametrize("f", [x**3, x**4, -x**4])
def test_classify_exactly_degenerate_at_zero(f):
    H = hessian(f, [x]).subs(x, 0)
    assert H == sympy.Matrix([[0]])
    assert classify(H) == "degenerate"


def test_classify_sympy_is_exact_and_ignores_tol():
    tiny = sympy.Matrix([[sympy.Rational(1, 10**12)]])
    assert classify(tiny) == "minimum"
    assert classify(np.array(tiny, dtype=float)) == "degenerate"
    # The cubic formula writes these eigenvalues with I; the signs are still decided exactly.
    assert classify(sympy.Matrix([[1, 2, 0], [2, -3, 1], [0, 1, sympy.sqrt(2)]])) == "saddle"


@FAST
@given(integer_symmetric())
def test_classify_exact_agrees_with_float(M):
    assert classify(sympy.Matrix(M)) == classify(M.astype(float))


# Step sizes.

def test_optimal_step_is_exact_line_search_minimiser(rng):
    H = random_spd(rng, 3)
    b, x0 = rng.standard_normal(3), rng.standard_normal(3)
    g = H @ x0 - b  # gradient of f(x) = x^T H x / 2 - b^T x
    t = sympy.Symbol("t")
    v = sympy.Matrix(x0) - t * sympy.Matrix(g)
    phi = (v.T * sympy.Matrix(H) * v)[0] / 2 - (sympy.Matrix(b).T * v)[0]  # f along -g
    [t_exact] = sympy.solve(sympy.diff(phi, t), t)
    assert optimal_step(g, H) == pytest.approx(float(t_exact))


def test_optimal_step_known_value_and_sympy_hessian():
    assert optimal_step([1.0, 1.0], np.diag([1.0, 3.0])) == 0.5
    assert optimal_step([1, 1], sympy.diag(1, 3)) == 0.5


def test_optimal_step_without_positive_curvature_raises():
    with pytest.raises(ValueError, match="unbounded below along -g"):
        optimal_step([0.0, 1.0], np.diag([1.0, -1.0]))
    with pytest.raises(ValueError, match="zero vector"):
        optimal_step([0.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match="2 entries"):
        optimal_step([1.0, 0.0, 0.0], np.eye(2))


def run_gd_on_quadratic(H, lr, steps=200):
    v = np.ones(len(H))
    for _ in range(steps):
        v = v - lr * (H @ v)
    return np.linalg.norm(v)


def test_max_stable_lr_separates_convergence_from_divergence(rng):
    H = random_spd(rng, 3)
    lr = max_stable_lr(H)
    assert lr == pytest.approx(2 / np.linalg.eigvalsh(H)[-1])
    assert run_gd_on_quadratic(H, 0.95 * lr) < 1e-3
    assert run_gd_on_quadratic(H, 1.05 * lr) > 1e3


def test_max_stable_lr_needs_positive_curvature():
    assert max_stable_lr(sympy.diag(1, 8)) == 0.25
    assert max_stable_lr(np.diag([-1.0, 4.0])) == 0.5  # positive part still limits the rate
    with pytest.raises(ValueError, match="no positive curvature"):
        max_stable_lr(np.diag([-1.0, 0.0]))


# Bad input: every function validates H the same way.

FUNCTIONS = [eigen, condition_number, classify, max_stable_lr,
             lambda H: directional_curvature(H, [1.0, 0.0]), lambda H: optimal_step([1.0, 0.0], H)]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(("H", "error", "message"), [
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], ValueError, "square"),
    ([1.0, 2.0], ValueError, "square"),
    ([[1.0, 2.0], [0.0, 1.0]], ValueError, "symmetric"),
    ([[1.0, np.nan], [np.nan, 1.0]], ValueError, "NaN or inf"),
    ([[np.inf, 0.0], [0.0, 1.0]], ValueError, "NaN or inf"),
    ("H", TypeError, "numeric"),
    (sympy.Matrix([[1, 2], [3, 4]]), ValueError, "symmetric"),
    (sympy.Matrix([[x, 0], [0, 1]]), ValueError, "at a point first"),
    (sympy.Matrix([[1, 0, 0], [0, 1, 0]]), ValueError, "square"),
    (sympy.Matrix([[sympy.I, 0], [0, 1]]), ValueError, "finite real"),
])
def test_invalid_hessian_raises(function, H, error, message):
    with pytest.raises(error, match=message):
        function(H)


def test_directional_curvature_bad_directions():
    H = np.eye(2)
    with pytest.raises(ValueError, match="nonzero"):
        directional_curvature(H, [0.0, 0.0])
    with pytest.raises(ValueError, match="nonzero"):
        directional_curvature(H, [[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="2 entries"):
        directional_curvature(H, [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"shape \(k, 2\)"):
        directional_curvature(H, np.ones((4, 3)))
    with pytest.raises(ValueError, match="NaN or inf"):
        directional_curvature(H, [np.nan, 1.0])


def test_classify_bad_tol():
    with pytest.raises(ValueError, match="tol"):
        classify(np.eye(2), tol=-1.0)
    with pytest.raises(TypeError, match="tol"):
        classify(np.eye(2), tol="small")


# --- negative_eigenvalue_fraction (the index of a critical point; moved from second_order.index_of)


def test_negative_eigenvalue_fraction_known_points():
    assert negative_eigenvalue_fraction(np.diag([2.0, -2.0])) == 0.5            # x1^2 - x2^2
    assert negative_eigenvalue_fraction(np.diag([10.0, -2.0])) == 0.5           # 5x^2 - y^2
    assert negative_eigenvalue_fraction(np.diag([1.0, 2.0, 3.0])) == 0.0        # minimum
    assert negative_eigenvalue_fraction(-np.eye(4)) == 1.0                      # maximum
    assert negative_eigenvalue_fraction(np.diag([1.0, -1.0, -1.0, 2.0, -3.0])) == pytest.approx(3 / 5)


def test_index_is_invariant_under_rotation(rng):
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    H = Q @ np.diag([3.0, -1.0, 2.0, -0.5, 1.0, 4.0]) @ Q.T
    assert negative_eigenvalue_fraction(0.5 * (H + H.T)) == pytest.approx(2 / 6)


def test_index_tolerance_treats_round_off_as_zero():
    H = np.diag([1.0, -1e-13, 2.0])
    assert negative_eigenvalue_fraction(H) == pytest.approx(1 / 3)
    assert negative_eigenvalue_fraction(H, tol=1e-10) == 0.0


def test_negative_eigenvalue_fraction_a_network_saddle_at_the_origin():
    # A 1-1-1 linear network y = w2 w1 x + ... with the data correlated: theta = 0 (biases fitted)
    # is a saddle with Hessian block [[0, -c], [-c, 0]] in (w1, w2): one negative eigenvalue of 4.
    net = nets.MLP((1, 1, 1), activation="linear")
    X = np.array([[-1.0], [0.0], [1.0]])
    y = np.array([-1.0, 0.0, 1.0])
    theta = np.zeros(net.n_params)
    _, g = nets.loss_and_grad(net, theta, X, y)
    assert np.allclose(g, 0.0)
    H = nets.hessian(net, theta, X, y)
    assert negative_eigenvalue_fraction(H, tol=1e-12) == pytest.approx(1 / 4)


def test_negative_eigenvalue_fraction_bad_input():
    with pytest.raises(ValueError, match="must be symmetric"):
        negative_eigenvalue_fraction([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square n x n"):
        negative_eigenvalue_fraction([1.0, 2.0])
    with pytest.raises(ValueError, match="tol must be a finite number >= 0"):
        negative_eigenvalue_fraction(np.eye(2), tol=-1.0)
    with pytest.raises(TypeError, match="tol must be a real number >= 0"):
        negative_eigenvalue_fraction(np.eye(2), tol="small")


# --- gradient_flatness ---------------------------------------------------------------------


def test_gradient_flatness_known_values(rng):
    assert gradient_flatness(np.diag([0.0, 2.0]), [1.0, 0.0]) == 0.0   # g in the kernel of H
    assert gradient_flatness(np.diag([0.0, 2.0]), [0.0, 1.0]) == 1.0   # g along the top eigenvector
    assert gradient_flatness(np.eye(3), np.zeros(3)) == 0.0
    H = random_symmetric(rng, 5)
    g = rng.standard_normal(5)
    expected = np.linalg.norm(H @ g) / (np.linalg.norm(H, 2) * np.linalg.norm(g))
    assert gradient_flatness(H, g) == pytest.approx(expected, rel=1e-12)
    assert gradient_flatness(1e300 * H, 1e300 * g) == pytest.approx(expected, rel=1e-12)  # scale-free


def test_gradient_flatness_bad_input():
    with pytest.raises(ValueError, match="g must have 2 entries"):
        gradient_flatness(np.eye(2), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must be symmetric"):
        gradient_flatness([[1.0, 2.0], [0.0, 1.0]], [1.0, 1.0])
