"""Tests for codelib.randmat: GOE sampling and its convention, P(all eigenvalues > 0) by Monte Carlo
and exactly, the share of positive eigenvalues under a shift, the semicircle, random matrices of a
given spectral radius and the norms of their products, and bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelib.randmat import (
    DEAN_MAJUMDAR_THETA,
    AllPositiveEstimate,
    goe,
    log_prob_all_positive,
    positive_share,
    prob_all_positive,
    product_norms,
    random_matrix,
    semicircle_share_above,
)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- sampling


def test_goe_is_symmetric_with_the_documented_shapes(rng):
    assert goe(4, rng).shape == (4, 4)
    H = goe(5, rng, size=7, sigma=0.3)
    assert H.shape == (7, 5, 5)
    assert np.array_equal(H, np.swapaxes(H, -1, -2))  # exactly, not up to round-off


@pytest.mark.parametrize("sigma", [1.0, 0.25])
def test_goe_entries_have_variance_sigma2_off_and_2sigma2_on_the_diagonal(rng, sigma):
    m, S = 4, 40_000
    H = goe(m, rng, size=S, sigma=sigma)
    diag = H[:, np.arange(m), np.arange(m)].ravel()
    rows, cols = np.triu_indices(m, 1)
    off = H[:, rows, cols].ravel()
    # the sample variance of n normals has relative standard error sqrt(2/n) < 0.6 % here
    assert np.var(diag) == pytest.approx(2 * sigma**2, rel=0.03)
    assert np.var(off) == pytest.approx(sigma**2, rel=0.03)
    assert abs(np.mean(off)) < 5 * sigma / math.sqrt(off.size)


def test_goe_is_orthogonally_invariant_in_distribution(rng):
    # Q H Q^T has the same entry variances as H: rotate by a fixed random orthogonal Q.
    m, S = 3, 40_000
    Q, _ = np.linalg.qr(rng.standard_normal((m, m)))
    H = Q @ goe(m, rng, size=S) @ Q.T
    assert np.var(H[:, 0, 0]) == pytest.approx(2.0, rel=0.04)
    assert np.var(H[:, 0, 1]) == pytest.approx(1.0, rel=0.04)


def test_goe_spectrum_fills_the_semicircle_of_radius_2_sigma_sqrt_m(rng):
    m = 400
    values = np.linalg.eigvalsh(goe(m, rng, sigma=1 / math.sqrt(m)))
    assert values.min() == pytest.approx(-2.0, abs=0.1) and values.max() == pytest.approx(2.0, abs=0.1)
    for x in (-1.0, 0.0, 0.5):
        assert np.mean(values > x) == pytest.approx(semicircle_share_above(x), abs=0.03)


def test_same_seed_same_matrices():
    a = goe(3, np.random.default_rng(5), size=2)
    b = goe(3, np.random.default_rng(5), size=2)
    assert np.array_equal(a, b)


# ---------------------------------------------------------------- P(all eigenvalues > 0)


def test_exact_probability_small_m_closed_forms():
    assert math.exp(log_prob_all_positive(1)) == pytest.approx(0.5, rel=1e-12)
    assert math.exp(log_prob_all_positive(2)) == pytest.approx((2 - math.sqrt(2)) / 4, rel=1e-12)
    assert math.exp(log_prob_all_positive(3)) == pytest.approx((math.pi - 2 * math.sqrt(2)) / (4 * math.pi),
                                                               rel=1e-12)


def test_exact_probability_decreases_and_approaches_the_dean_majumdar_rate():
    ms = np.arange(10, 31, 2)
    logs = np.array([log_prob_all_positive(int(m)) for m in ms])
    assert np.all(np.diff(logs) < 0)
    # fit ln P = -theta m^2 - b m - c ln m + d; the leading coefficient is ln(3)/4
    A = np.column_stack([-ms**2.0, -ms, -np.log(ms), np.ones(len(ms))])
    theta = np.linalg.lstsq(A, logs, rcond=None)[0][0]
    assert theta == pytest.approx(DEAN_MAJUMDAR_THETA, rel=1e-3)
    assert DEAN_MAJUMDAR_THETA == pytest.approx(0.2746530721670, rel=1e-12)


def test_monte_carlo_agrees_with_the_exact_probability(rng):
    est = prob_all_positive([1, 2, 3, 4], 60_000, rng, chunk=7_000)
    assert isinstance(est, AllPositiveEstimate)
    assert est.m.tolist() == [1, 2, 3, 4] and est.samples == 60_000
    exact = np.exp([log_prob_all_positive(m) for m in (1, 2, 3, 4)])
    assert np.all(np.abs(est.probability - exact) < 4 * np.sqrt(exact * (1 - exact) / est.samples))
    assert np.allclose(est.stderr, np.sqrt(est.probability * (1 - est.probability) / 60_000))
    assert np.array_equal(est.probability, est.hits / 60_000)


def test_monte_carlo_reports_zero_hits_where_p_is_far_below_one_over_s(rng):
    est = prob_all_positive(9, 2_000, rng)  # P(9) ~ 1e-11
    assert est.hits.tolist() == [0] and est.probability.tolist() == [0.0] and est.stderr.tolist() == [0.0]


def test_probability_does_not_depend_on_sigma():
    # eigenvalue signs are scale-free: the same normals scaled by sigma give the same hits
    a = np.linalg.eigvalsh(goe(3, np.random.default_rng(1), size=500, sigma=1.0))[:, 0] > 0
    b = np.linalg.eigvalsh(goe(3, np.random.default_rng(1), size=500, sigma=7.0))[:, 0] > 0
    assert np.array_equal(a, b)


# ---------------------------------------------------------------- shifts and the semicircle


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(-10, 10), min_size=1, max_size=20),
       shifts=st.lists(st.floats(-10, 10), min_size=1, max_size=5))
def test_positive_share_counts_lambda_plus_s_above_zero(values, shifts):
    lam, s = np.array(values), np.array(shifts)
    expected = [(lam + shift > 0).mean() for shift in s]
    assert positive_share(lam, s) == pytest.approx(expected)


def test_positive_share_grows_with_the_shift(rng):
    values = np.linalg.eigvalsh(goe(50, rng, size=20, sigma=1 / math.sqrt(50)))
    share = positive_share(values, np.linspace(-3, 3, 13))
    assert np.all(np.diff(share) >= 0)
    assert share[0] == 0.0 and share[-1] == 1.0


def test_semicircle_share_is_a_decreasing_cdf_complement():
    x = np.linspace(-3, 3, 61)
    share = semicircle_share_above(x, radius=2.0)
    assert np.all(np.diff(share) <= 0)
    assert share[0] == 1.0 and share[-1] == 0.0
    assert semicircle_share_above(1.0, radius=2.0) == pytest.approx(1 / 3 - math.sqrt(3) / (4 * math.pi))
    # numeric integral of the density 2/(pi R^2) sqrt(R^2 - x^2) above 1 with R = 2
    grid = np.linspace(1.0, 2.0, 200_001)
    density = 2 / (math.pi * 4) * np.sqrt(np.clip(4 - grid**2, 0, None))
    assert semicircle_share_above(1.0) == pytest.approx(np.trapezoid(density, grid), abs=1e-6)


# ---------------------------------------- random square matrices and products of Jacobians (as in an RNN)


def test_random_matrix_has_the_requested_spectral_radius(rng):
    W = random_matrix(8, 0.9, rng, shape=(3, 4))
    assert W.shape == (3, 4, 8, 8)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)).max(axis=-1), 0.9, rtol=1e-12)


def test_random_matrix_is_reproducible():
    a = random_matrix(4, 1.0, np.random.default_rng(5))
    b = random_matrix(4, 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def test_product_norms_of_powers_grow_at_the_spectral_radius(rng):
    for rho in (0.9, 1.1):
        W = random_matrix(6, rho, rng)
        norms = product_norms(np.broadcast_to(W, (400, 6, 6)))
        assert norms[0] == 1.0
        assert (norms[400] / norms[200]) ** (1 / 200) == pytest.approx(rho, rel=1e-2)  # Gelfand's formula


def test_product_norms_multiply_in_order(rng):
    M = rng.normal(size=(2, 3, 4, 4))
    norms = product_norms(M)
    assert norms.shape == (2, 4)
    for i in range(2):
        expected = np.linalg.norm(M[i, 2] @ M[i, 1] @ M[i, 0], 2)
        assert norms[i, 3] == pytest.approx(expected, rel=1e-12)


def test_product_norms_report_overflow_as_inf_per_batch_without_a_warning():
    big = np.broadcast_to(1e200 * np.eye(2), (3, 2, 2))
    small = np.broadcast_to(0.5 * np.eye(2), (3, 2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = product_norms(np.stack([big, small]))
    assert norms[0].tolist() == [1.0, 1e200, np.inf, np.inf]
    assert norms[1].tolist() == [1.0, 0.5, 0.25, 0.125]


# ---------------------------------------------------------------- bad input


def test_bad_input_messages(rng):
    with pytest.raises(TypeError, match="m must be an integer"):
        goe(2.5, rng)
    with pytest.raises(ValueError, match="m must be an integer >= 1"):
        goe(0, rng)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        goe(3, 0)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        goe(3, rng, sigma=-1.0)
    with pytest.raises(ValueError, match="size must be an integer >= 1"):
        goe(3, rng, size=0)
    with pytest.raises(TypeError, match="ms must be a list of matrix sizes"):
        prob_all_positive("12", 10, rng)
    with pytest.raises(ValueError, match="ms is empty"):
        prob_all_positive([], 10, rng)
    with pytest.raises(ValueError, match=r"ms\[1\] must be an integer >= 1"):
        prob_all_positive([2, 0], 10, rng)
    with pytest.raises(TypeError, match="samples must be an integer"):
        prob_all_positive([2], 1e4, rng)
    with pytest.raises(ValueError, match="m must be <= 200"):
        log_prob_all_positive(500)
    with pytest.raises(ValueError, match="eigenvalues must be a non-empty array"):
        positive_share([], [0.0])
    with pytest.raises(ValueError, match="shifts must be a non-empty 1-D array"):
        positive_share([1.0], [[0.0]])
    with pytest.raises(ValueError, match="NaN or inf"):
        positive_share([np.nan], [0.0])
    with pytest.raises(ValueError, match="radius must be a finite number > 0"):
        semicircle_share_above(0.0, radius=0.0)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: random_matrix(3, 1.0, 0), TypeError, "rng must be a numpy.random.Generator"),
    (lambda: random_matrix(0, 1.0, np.random.default_rng(0)), ValueError, "n must be an integer >= 1"),
    (lambda: random_matrix(3, -1.0, np.random.default_rng(0)), ValueError, "spectral_radius must be"),
    (lambda: random_matrix(3, 1.0, np.random.default_rng(0), shape=[2]), TypeError, "shape must be a tuple"),
    (lambda: product_norms(np.ones((3, 2, 3))), ValueError, r"matrices must have shape \(\.\.\., t, n, n\)"),
    (lambda: product_norms(np.ones((2, 2))), ValueError, r"matrices must have shape \(\.\.\., t, n, n\)"),
    (lambda: product_norms(np.full((1, 2, 2), np.nan)), ValueError, "matrices contains NaN or inf"),
])
def test_bad_arguments_of_the_matrix_product_tools_are_rejected(call, error, match):
    with pytest.raises(error, match=match):
        call()
