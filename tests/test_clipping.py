"""Tests of gradient clipping that tests/test_gd.py does not cover: the threshold itself,
value clipping as a descent direction, the angle it costs, and clipping on the cliff of
the one-unit recurrent network."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from codelib.gd import clip_by_norm, clip_by_value, gradient_descent
from codelib.rnn import OneUnitRNN

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_a_gradient_of_norm_exactly_h_is_left_alone():
    # The lecture clips when ||g|| > h, Pascanu et al. when ||g|| >= h: at equality both give g.
    g = np.array([3.0, 4.0])
    assert clip_by_norm(g, 5.0).tolist() == [3.0, 4.0]


@given(g=arrays(float, st.integers(1, 6), elements=finite), h=st.floats(1e-3, 1e3))
def test_clip_by_norm_returns_norm_min_of_norm_and_h_and_is_idempotent(g, h):
    once = clip_by_norm(g, h)
    assert np.linalg.norm(once) == pytest.approx(min(np.linalg.norm(g), h), rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(clip_by_norm(once, h), once, rtol=1e-12)


@given(g=arrays(float, st.integers(1, 6), elements=finite), h=st.floats(1e-3, 1e3))
def test_clip_by_value_keeps_every_sign_so_it_is_still_a_descent_direction(g, h):
    clipped = clip_by_value(g, h)
    assert np.array_equal(np.sign(clipped), np.sign(g))
    if np.any(g != 0):  # -clipped is a descent direction wherever -g is (scaled to avoid underflow)
        assert (clipped / np.abs(clipped).max()) @ (g / np.abs(g).max()) > 0


def test_clip_by_value_turns_the_direction_by_a_known_angle():
    g = np.array([10.0, 1.0])
    clipped = clip_by_value(g, 1.0)  # both entries clipped or kept: (1, 1)
    angle = np.degrees(np.arccos(_cosine(g, clipped)))
    assert angle == pytest.approx(45.0 - np.degrees(np.arctan(0.1)), rel=1e-12)
    assert _cosine(g, clip_by_norm(g, 1.0)) == pytest.approx(1.0, abs=1e-15)


def test_clip_by_value_with_a_large_threshold_is_the_identity_and_bounds_the_norm_by_h_sqrt_n():
    g = np.array([0.5, -2.0, 7.0])
    assert clip_by_value(g, 7.0).tolist() == g.tolist()
    huge = np.array([1e6, -1e6, 1e6])
    assert np.linalg.norm(clip_by_value(huge, 2.0)) == pytest.approx(2.0 * np.sqrt(3), rel=1e-12)


def test_norm_clipping_keeps_gradient_descent_off_the_catapult():
    # From (5, -4) with lr = 0.5 plain gradient descent reaches the cliff and is thrown far away;
    # with ||g|| capped at h no step is longer than lr * h.
    net = OneUnitRNN()
    plain = gradient_descent(net.grad, [5.0, -4.0], lr=0.5, steps=150, f=net.f)
    clipped = gradient_descent(net.grad, [5.0, -4.0], lr=0.5, steps=150, f=net.f, clip_norm=0.1)
    plain_steps = np.linalg.norm(np.diff(plain.points, axis=0), axis=1)
    clipped_steps = np.linalg.norm(np.diff(clipped.points, axis=0), axis=1)
    assert plain_steps.max() > 10.0 and plain.grad_norms.max() > 100.0
    assert clipped_steps.max() <= 0.5 * 0.1 * (1 + 1e-12)
    assert clipped.losses[-1] < 0.1 * plain.losses[-1]


def test_clip_by_norm_of_a_huge_but_finite_gradient_has_norm_h():
    clipped = clip_by_norm([1e200, 1e200], 1.0)
    assert np.linalg.norm(clipped) == pytest.approx(1.0, rel=1e-12)
