"""Loop functions against high-precision quadrature (mpmath) and their limiting forms."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from dpfit.physics.loops import loop_axial, loop_vector

TOLERANCE = 1e-12  # relative, the project's accuracy requirement for F_V


def _breakpoints(a):
    """Integration breakpoints resolving the x ~ 1/a structure of the integrands."""
    pts = {mp.mpf(0), mp.mpf(1)} | {mp.mpf(10) ** k for k in range(-14, 0)}
    pts |= {min(c / a, mp.mpf(1)) for c in (mp.mpf("0.1"), 1, 10)}
    pts |= {1 - p for p in list(pts)}
    return sorted(pts)


def fv_mpmath(r):
    a = mp.mpf(r) ** 2
    return mp.quad(lambda x: 2 * x * (1 - x) ** 2 / ((1 - x) ** 2 + a * x), _breakpoints(a))


def h_mpmath(r):
    a = mp.mpf(r) ** 2
    return mp.quad(lambda x: (2 * x**3 + (x - x**2) * (4 - x) * a) / (x**2 + (1 - x) * a), _breakpoints(a))


R_GRID = np.concatenate([np.logspace(-6, 6, 37), [1.999999, 2.0, 2.000001, 2.5, 4.47, 33.0]])


@pytest.fixture(scope="module")
def references():
    with mp.workdps(40):
        return [(r, fv_mpmath(r), h_mpmath(r)) for r in R_GRID]


def test_vector_loop_matches_quadrature_over_whole_range(references):
    got = loop_vector(R_GRID)
    for (r, ref, _), value in zip(references, got):
        assert abs(value - float(ref)) <= TOLERANCE * float(ref), r


def test_axial_loop_matches_quadrature_over_whole_range(references):
    got = loop_axial(R_GRID)
    for (r, _, ref), value in zip(references, got):
        assert abs(value - float(ref)) <= TOLERANCE * float(ref), r


def test_scalar_in_scalar_out_and_shape_kept():
    assert isinstance(loop_vector(3.0), float)
    grid = np.ones((3, 4)) * 10.0
    assert loop_vector(grid).shape == (3, 4)
    assert loop_axial(grid).shape == (3, 4)


def test_limits_at_zero():
    assert loop_vector(0.0) == 1.0
    assert loop_axial(0.0) == 1.0


def test_small_r_expansion():
    r = 1e-7
    assert loop_vector(r) == pytest.approx(1 - np.pi * r, rel=1e-13)


def test_heavy_axial_limit():
    assert loop_axial(1e8) == pytest.approx(5 / 3, rel=1e-12)


def test_negative_r_rejected():
    with pytest.raises(ValueError):
        loop_vector(-1.0)


@settings(max_examples=200, deadline=None)
@given(st.floats(-6, 5.9), st.floats(1e-3, 0.1))
def test_vector_loop_decreasing(log_r, step):
    r = 10.0**log_r
    assert loop_vector(r * 10**step) < loop_vector(r)


@settings(max_examples=100, deadline=None)
@given(st.floats(3, 8))
def test_vector_loop_large_r_asymptote(log_r):
    r = 10.0**log_r
    # F_V r² = 2/3 + (25/6 − 4 ln r)/r² + O(ln r / r⁴)
    expected = 2 / 3 + (25 / 6 - 4 * np.log(r)) / r**2
    assert loop_vector(r) * r * r == pytest.approx(expected, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.floats(-6, 6))
def test_vector_loop_between_zero_and_one(log_r):
    value = loop_vector(10.0**log_r)
    assert 0 < value <= 1


@pytest.mark.parametrize("r", [0.5, 3.0, 33.0, 300.0])
def test_axial_loop_against_quadrature_and_the_heavy_ratio(r):
    h = integrate.quad(lambda x: (2 * x**3 + (x - x * x) * (4 - x) * r * r) / (x * x + (1 - x) * r * r), 0, 1,
                       epsabs=0, epsrel=1e-13)[0]
    assert float(loop_axial(np.array([r]))[0]) == pytest.approx(h, rel=1e-10)
    heavy = 1e5  # -(alpha/pi) H / r^2 against (alpha/2 pi) F_V: -5 for m >> m_l
    ratio = -2 * loop_axial(np.array([heavy]))[0] / heavy**2 / loop_vector(np.array([heavy]))[0]
    assert ratio == pytest.approx(-5.0, rel=1e-4)
