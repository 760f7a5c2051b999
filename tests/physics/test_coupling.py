"""Physics functions against closed forms and against each other."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import fv_quadrature
import dpfit.physics.coupling as physics

ALPHA = 1 / 137.035999177
M_MU = 105.6583755
M_E = 0.51099895069


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 1000), st.floats(1e-6, 1e-1), st.floats(0.1, 10))
def test_delta_a_scales_as_eps_squared(mass, eps, factor):
    one = physics.delta_a(mass, eps, M_MU, ALPHA)
    assert physics.delta_a(mass, eps * factor, M_MU, ALPHA) == pytest.approx(one * factor**2, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 1000), st.floats(1e-6, 1e-1))
def test_inverse_round_trip(mass, eps):
    delta = physics.delta_a(mass, eps, M_E, ALPHA)
    assert physics.eps_from_delta_a(mass, delta, M_E, ALPHA) == pytest.approx(eps, rel=1e-12)


def test_delta_a_against_quadrature():
    mass, eps = 17.0, 1e-3
    expected = ALPHA * eps**2 / (2 * np.pi) * fv_quadrature(mass / M_MU)
    assert physics.delta_a(mass, eps, M_MU, ALPHA) == pytest.approx(expected, rel=1e-11)


def test_negative_delta_has_no_coupling():
    assert np.isnan(physics.eps_from_delta_a(17.0, -1e-12, M_E, ALPHA))
    assert physics.eps_from_delta_a(17.0, 0.0, M_E, ALPHA) == 0.0


def test_linear_sigma_is_half_relative_error():
    assert physics.sigma_eps_linear(2e-3, 262e-11, 45e-11) == pytest.approx(1e-3 * 45 / 262, rel=1e-15)


def test_g_eps_conversion_round_trip_and_padme_value():
    assert physics.eps_from_g(physics.g_from_eps(7e-4, ALPHA), ALPHA) == pytest.approx(7e-4, rel=1e-15)
    # PADME: g_ve = 5.6e-4 corresponds to eps = 1.85e-3 (e = sqrt(4 pi alpha), alpha = 1/137)
    assert physics.eps_from_g(5.6e-4, ALPHA) == pytest.approx(1.85e-3, abs=0.005e-3)


def test_width_closed_form_and_threshold():
    mass, eps = 16.7, 1e-3
    x = (M_E / mass) ** 2
    expected = eps**2 * ALPHA * mass / 3 * (1 + 2 * x) * np.sqrt(1 - 4 * x)
    assert physics.width_ee(mass, eps, ALPHA, M_E) == pytest.approx(expected, rel=1e-15)
    assert physics.width_ee(0.9, eps, ALPHA, M_E) == 0.0
    # heavy limit: Γ → ε² α m / 3
    assert physics.width_ee(1e6, eps, ALPHA, M_E) == pytest.approx(eps**2 * ALPHA * 1e6 / 3, rel=1e-9)


def test_lifetime_is_hbar_over_width():
    hbar = 6.582119569e-22
    width = physics.width_ee(16.7, 1e-3, ALPHA, M_E)
    assert physics.lifetime(width, hbar) == pytest.approx(hbar / width, rel=1e-15)
    # order of magnitude check: a 17 MeV boson with eps = 1e-3 lives ~1e-14 s
    assert 1e-15 < physics.lifetime(width, hbar) < 1e-13


def test_elementary_charge_and_the_edges_the_docstrings_promise():
    assert physics.elementary_charge(ALPHA) == pytest.approx(0.302822, abs=5e-7)  # DarkCast's e = sqrt(4 pi alpha)
    assert physics.sigma_eps_linear(1e-3, 0.0, 1e-11) == np.inf  # dε/dΔa diverges at Δa = 0
    assert physics.lifetime(0.0, 6.582119569e-22) == np.inf
    masses, deltas = np.array([[1.0], [17.0]]), np.array([2.5e-9, 3e-9, -1e-9])
    eps = physics.eps_from_delta_a(masses, deltas, M_MU, ALPHA)  # broadcasts: (2, 1) x (3,) -> (2, 3)
    assert eps.shape == (2, 3) and np.isnan(eps[:, 2]).all()
    assert physics.delta_a(17.0, eps[1, 1], M_MU, ALPHA) == pytest.approx(3e-9, rel=1e-12)
