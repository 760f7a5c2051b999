"""Numerical edges of the public functions: ε = 0, the ends of the ε range, masses far
outside the data, r = m/m_ℓ over twelve decades, Δa = 0, tiny σ and huge ε.

Every test states the value or property it expects. The terms are built directly
(not from data/) with CODATA-like constants, so the expectations are closed forms:
δa = k ε² with k = α F_V(m/m_ℓ)/2π, χ² = ((k ε² − Δa)/σ)².

Several tests here are regression tests of bugs these edges found (underflow of r² and
1/r², 0/0 at Δa = 0, overflow at huge ε, a free-mass fit with ε on its boundary).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.helpers import eps_quadrature

from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.profile.fit import fit
from dpfit.inference.profile.minimum import profile_minimum
from dpfit.physics.loops import loop_axial, loop_vector
from dpfit.physics.coupling import (
    delta_a,
    eps_from_delta_a,
    eps_from_g,
    g_from_eps,
    lifetime,
    sigma_eps_linear,
    width_ee,
)
from dpfit.inference.profile.scan import log_grid, scan_1d, scan_2d
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion
from dpfit.output.wording import notes_text

ALPHA = 1.0 / 137.035999177  # CODATA 2022
M_MU = 105.6583755  # MeV
M_E = 0.51099895069  # MeV
HBAR = 6.582119569e-22  # MeV s
DELTA_MU = 2.5e-9  # a Δa_μ of the size of the WP20 discrepancy
SIGMA_MU = 6.4e-10
FAR_MASSES = (1e-3, 1e5)  # MeV, far below / above every data file's masses
EPS_RANGE = (1e-5, 1e-2)  # the default analysis range


def k_of(m, lepton_mass=M_MU):
    """δa per ε²: α F_V(m/m_ℓ)/2π (Pospelov 2009, eq. 2)."""
    return ALPHA / (2 * np.pi) * loop_vector(m / lepton_mass)


def muon_term(delta=DELTA_MU, sigma=SIGMA_MU):
    return Gm2Gaussian("g2_mu", "mu", "S", delta, sigma, M_MU, ALPHA)


def electron_term(delta=3.4e-13, sigma=1.6e-13):
    return Gm2Gaussian("g2_e", "e", "S", delta, sigma, M_E, ALPHA)


def na64_like():
    """A single-point visible-decay limit 1.2e-4 < ε < 6.8e-4 over 15.85-17.55 MeV."""
    return Exclusion("na64", "e", np.array([16.7]), np.array([1.2e-4]), np.array([6.8e-4]), (15.85, 17.55))


def contour_like():
    """A contour limit over 10-20 MeV, open above (no upper edge)."""
    return Exclusion("contour", "e", np.array([10.0, 15.0, 20.0]), np.array([1e-4, 2e-4, 3e-4]),
                     np.full(3, np.inf), (10.0, 20.0))


def atomki_box():
    return PreferredRegion("atomki", "e", 16.7, 0.85, 2.0e-4, 1.4e-3, "box")


# ============================================================================ loop functions

R_GRID = np.geomspace(1e-6, 1e6, 24001)  # 2000 points per decade


def test_loop_vector_finite_positive_and_strictly_decreasing_over_twelve_decades():
    f = loop_vector(R_GRID)
    assert f.shape == R_GRID.shape
    assert np.all(np.isfinite(f))
    assert np.all(f > 0)
    assert np.all(f <= 1.0)
    assert np.all(np.diff(f) < 0)


def test_loop_axial_finite_positive_and_strictly_increasing_over_twelve_decades():
    h = loop_axial(R_GRID)
    assert np.all(np.isfinite(h))
    assert np.all(h >= 1.0)
    assert np.all(h < 5.0 / 3.0)
    assert np.all(np.diff(h) > 0)


@pytest.mark.parametrize("fn", [loop_vector, loop_axial])
def test_loop_functions_at_r_zero_are_exactly_one(fn):
    assert fn(0.0) == 1.0
    assert np.array_equal(fn(np.array([0.0, 0.0])), [1.0, 1.0])


def test_loop_vector_asymptotes_at_the_ends_of_the_range():
    # F_V ≈ 1 − πr for r ≪ 1 (next term O(r² ln r) ~ 1e-11 at 1e-6); F_V ≈ 2/(3r²) for r ≫ 1
    assert loop_vector(1e-6) == pytest.approx(1.0 - np.pi * 1e-6, abs=1e-10)
    assert loop_vector(1e6) == pytest.approx(2.0 / (3.0 * 1e12), rel=1e-9)
    assert loop_vector(1e6) > 0


def test_loop_axial_asymptotes_at_the_ends_of_the_range():
    # H(0) = 1 and H(∞) = 5/3 (module docstring)
    assert loop_axial(1e-6) == pytest.approx(1.0, abs=1e-10)
    assert loop_axial(1e6) == pytest.approx(5.0 / 3.0, rel=1e-10)


@pytest.mark.parametrize("r0", [2.0, 2.5])  # the switch points of the piecewise evaluation
@pytest.mark.parametrize("fn", [loop_vector, loop_axial])
def test_loop_functions_continuous_across_their_branch_points(fn, r0):
    below, at, above = fn(np.array([r0 * (1 - 1e-9), r0, r0 * (1 + 1e-9)]))
    assert at == pytest.approx(below, rel=1e-8)
    assert at == pytest.approx(above, rel=1e-8)


@pytest.mark.parametrize("fn", [loop_vector, loop_axial])
def test_loop_functions_reject_negative_and_nan_ratio(fn):
    with pytest.raises(ValueError, match="r = m_X/m_lepton >= 0"):
        fn(-1e-6)
    with pytest.raises(ValueError, match="r = m_X/m_lepton >= 0"):
        fn(np.array([1.0, np.nan]))


# Regressions: for 0 < r < ~1.5e-154, a = r² underflowed to 0 and a·log(a) gave NaN; for r > ~1e162,
# u = 1/r² underflowed to 0 and u²·log(u) gave NaN with a RuntimeWarning.


@pytest.mark.parametrize("r", [1e-155, 1e-200, 1e-300, 1e-308])
@pytest.mark.parametrize("fn", [loop_vector, loop_axial])
def test_loop_functions_below_r_1e_minus_154_are_one_not_nan(fn, r):
    assert fn(r) == 1.0


@pytest.mark.parametrize("r", [1e-310, 5e-324])
@pytest.mark.parametrize("fn", [loop_vector, loop_axial])
def test_loop_functions_at_subnormal_r_are_one_without_warning(fn, r):
    assert fn(r) == 1.0


@pytest.mark.parametrize("r", [1e162, 1e200, 1e300, 1.7976931348623157e308])
def test_loop_functions_above_r_1e162_reach_their_heavy_limits_not_nan(r):
    assert loop_vector(r) == pytest.approx(2.0 / (3.0 * r * r), abs=1e-320)  # 2/(3r²) underflows to 0
    assert loop_vector(r) >= 0.0
    assert loop_axial(r) == pytest.approx(5.0 / 3.0, rel=1e-14)


def test_loop_vector_is_monotone_across_the_underflow_thresholds():
    r = np.geomspace(1e-300, 1e308, 4000)
    f, h = loop_vector(r), loop_axial(r)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(h))
    assert np.all(np.diff(f) <= 0) and np.all(np.diff(h) >= 0)


# ============================================================================ physics


@pytest.mark.parametrize("mass", [1e-3, 17.0, 1e5])
@pytest.mark.parametrize("lepton_mass", [M_E, M_MU])
def test_delta_a_of_zero_coupling_is_exactly_zero(mass, lepton_mass):
    assert delta_a(mass, 0.0, lepton_mass, ALPHA) == 0.0


@pytest.mark.parametrize("mass", [1e-3, 17.0, 1e5])
def test_eps_from_zero_delta_a_is_exactly_zero(mass):
    assert eps_from_delta_a(mass, 0.0, M_MU, ALPHA) == 0.0
    assert eps_from_delta_a(mass, -0.0, M_MU, ALPHA) == 0.0


def test_eps_from_negative_delta_a_is_nan_by_design():
    assert np.isnan(eps_from_delta_a(17.0, -1e-12, M_E, ALPHA))


@pytest.mark.parametrize("mass", FAR_MASSES)
def test_eps_round_trip_far_outside_the_data(mass):
    eps = eps_from_delta_a(mass, DELTA_MU, M_MU, ALPHA)
    assert np.isfinite(eps) and eps > 0
    assert delta_a(mass, eps, M_MU, ALPHA) == pytest.approx(DELTA_MU, rel=1e-13)


def test_eps_far_below_the_lepton_mass_is_the_contact_limit():
    # m = 1 keV, r ≈ 9.5e-6: F_V = 1 − πr + O(r² ln r), so ε ≈ sqrt(2πΔa/α)/sqrt(1 − πr)
    eps = eps_from_delta_a(1e-3, DELTA_MU, M_MU, ALPHA)
    contact = math.sqrt(2 * math.pi * DELTA_MU / ALPHA)
    assert eps == pytest.approx(contact / math.sqrt(1 - math.pi * 1e-3 / M_MU), rel=1e-8)
    assert eps == pytest.approx(eps_quadrature(1e-3, DELTA_MU, M_MU, ALPHA), rel=1e-12)


def test_eps_far_above_the_lepton_mass_follows_the_heavy_limit():
    # m = 100 GeV, r ≈ 946: F_V ≈ 2/(3r²) (1 + O(ln r/r²)), so ε ≈ r sqrt(3πΔa/α)
    r = 1e5 / M_MU
    eps = eps_from_delta_a(1e5, DELTA_MU, M_MU, ALPHA)
    assert eps == pytest.approx(r * math.sqrt(3 * math.pi * DELTA_MU / ALPHA), rel=1e-4)
    assert eps == pytest.approx(eps_quadrature(1e5, DELTA_MU, M_MU, ALPHA), rel=1e-10)


def test_sigma_eps_linear_is_half_the_relative_error():
    assert sigma_eps_linear(1e-3, 2e-9, 4e-10) == pytest.approx(0.5 * 1e-3 * 0.2, rel=1e-15)


def test_sigma_eps_linear_at_zero_delta_a_is_plus_inf_not_nan():
    # regression: (ε/2)(σ/Δa) was 0/0 = NaN with a RuntimeWarning; dε/dΔa diverges at Δa = 0 (documented +inf)
    assert sigma_eps_linear(0.0, 0.0, 6.4e-10) == np.inf
    values = sigma_eps_linear(np.array([0.0, 1e-3]), np.array([0.0, 2e-9]), 4e-10)
    assert values[0] == np.inf and values[1] == pytest.approx(1e-4, rel=1e-15)


def test_eps_from_delta_a_far_above_the_loop_underflow_is_inf_without_warning():
    # F_V(r) ≈ 2/(3r²) is still a (subnormal) number at r ~ 1e155: ε stays finite and follows ε ∝ m
    r = 1e157 / M_MU
    expected = np.sqrt(DELTA_MU * 2 * np.pi / ALPHA / (2 / (3 * r) / r))
    assert eps_from_delta_a(1e157, DELTA_MU, M_MU, ALPHA) == pytest.approx(expected, rel=1e-6)
    # at r ~ 1e198 it underflows to 0: ε = +inf, without a warning (warnings are errors here)
    assert eps_from_delta_a(1e200, DELTA_MU, M_MU, ALPHA) == np.inf


def test_width_is_zero_at_zero_coupling_and_at_and_below_threshold():
    assert width_ee(17.0, 0.0, ALPHA, M_E) == 0.0
    assert width_ee(2 * M_E, 1e-3, ALPHA, M_E) == 0.0
    assert width_ee(1e-3, 1e-3, ALPHA, M_E) == 0.0  # far below threshold: no NaN from sqrt(1 − 4x)


def test_width_far_above_threshold_is_the_massless_electron_limit():
    # Γ → ε² α m/3 for m ≫ m_e (x = m_e²/m² ≈ 2.6e-11 at 100 GeV)
    assert width_ee(1e5, 1e-3, ALPHA, M_E) == pytest.approx(1e-6 * ALPHA * 1e5 / 3, rel=1e-10)


def test_lifetime_of_zero_width_is_infinite_without_warning():
    assert lifetime(0.0, HBAR) == np.inf
    assert lifetime(width_ee(17.0, 1e-3, ALPHA, M_E), HBAR) > 0


@pytest.mark.parametrize("eps", [0.0, 1e-5, 1e-2, 1.0])
def test_g_eps_round_trip(eps):
    assert eps_from_g(g_from_eps(eps, ALPHA), ALPHA) == pytest.approx(eps, rel=1e-15, abs=0)


# ============================================================================ terms


def test_gaussian_at_zero_coupling_is_the_bare_pull():
    assert muon_term().logl(17.0, 0.0) == pytest.approx(-0.5 * (DELTA_MU / SIGMA_MU) ** 2, rel=1e-15)


def test_gaussian_rejects_negative_coupling():
    assert muon_term().logl(17.0, -1e-12) == -np.inf


@pytest.mark.parametrize("eps", EPS_RANGE)
@pytest.mark.parametrize("mass", [1e-3, 17.0, 1e5])
def test_gaussian_at_the_ends_of_the_eps_range_matches_closed_form(mass, eps):
    k = k_of(mass)
    expected = -0.5 * ((k * eps * eps - DELTA_MU) / SIGMA_MU) ** 2
    assert muon_term().logl(mass, eps) == pytest.approx(expected, rel=1e-12)


def test_gaussian_with_zero_delta_a_peaks_at_zero_coupling():
    term = muon_term(delta=0.0)
    assert term.logl(17.0, 0.0) == 0.0
    eps = np.geomspace(1e-8, 1.0, 200)
    values = term.logl(17.0, eps)
    assert np.all(values < 0)
    assert np.all(np.diff(values) < 0)


def test_gaussian_with_tiny_sigma_is_sharp_but_never_nan():
    term = muon_term(sigma=DELTA_MU * 1e-10)
    eps_star = float(eps_from_delta_a(17.0, DELTA_MU, M_MU, ALPHA))
    assert term.logl(17.0, eps_star) > -1.0
    off = term.logl(17.0, eps_star * 1.001)
    assert np.isfinite(off) and off < -1e12
    grid = term.logl(17.0, np.concatenate([[0.0], np.geomspace(1e-8, 1.0, 500)]))
    assert not np.any(np.isnan(grid))


@pytest.mark.parametrize("eps", [1.0, 1e3, 1e10, 1e30])
def test_gaussian_at_huge_coupling_is_finite_and_very_negative(eps):
    for term, mass in ((muon_term(), 17.0), (electron_term(), 17.0), (muon_term(), 1e-3), (muon_term(), 1e5)):
        value = term.logl(mass, eps)
        expected = -0.5 * ((term.shift_per_eps2(mass) * eps * eps - term.delta) / term.sigma) ** 2
        assert np.isfinite(value)
        assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("eps", [1e80, 1e200, 1e308])
def test_gaussian_at_astronomical_coupling_is_minus_inf_without_warning(eps):
    # regression: the squared pull overflowed (ε >~ 1e74) with a RuntimeWarning
    assert muon_term().logl(17.0, eps) == -np.inf
    assert electron_term().logl(1e5, eps) == -np.inf


def _overflowing_sum_eps(terms, m=17.0):
    """A coupling where every term's ln L is finite but their sum overflows (found on a fine grid)."""
    eps = np.geomspace(1e72, 1e76, 40001)
    with np.errstate(all="ignore"):
        parts = [t.logl(m, eps) for t in terms]
        total = sum(parts)
    bad = np.all([np.isfinite(p) for p in parts], axis=0) & ~np.isfinite(total)
    assert bad.any()
    return float(eps[bad][0])


def test_joint_sum_of_huge_terms_is_minus_inf_without_warning():
    terms = [muon_term(), electron_term()]
    eps = _overflowing_sum_eps(terms)
    assert JointLikelihood(terms).logl(17.0, eps) == -np.inf


def test_exclusion_band_is_open_and_zero_coupling_is_allowed():
    term = na64_like()
    assert term.logl(17.0, 0.0) == 0.0
    assert term.logl(17.0, 1.2e-4) == 0.0  # the edges themselves are not excluded
    assert term.logl(17.0, 6.8e-4) == 0.0
    assert term.logl(17.0, 3e-4) == -np.inf
    assert term.logl(17.0, 1e30) == 0.0  # above a closed band


@pytest.mark.parametrize("mass", FAR_MASSES)
def test_exclusion_has_no_effect_far_outside_its_mass_range(mass):
    for term in (na64_like(), contour_like()):
        eps = np.array([0.0, 1e-5, 3e-4, 1e-2, 1.0, 1e30])
        assert np.array_equal(term.logl(mass, eps), np.zeros(eps.shape))
        assert term.allowed(mass) == [(0.0, np.inf)]


def test_open_contour_excludes_everything_above_the_interpolated_edge():
    term = contour_like()
    # log-log interpolation between (10, 1e-4) and (15, 2e-4) at the geometric midpoint
    m = math.sqrt(10.0 * 15.0)
    lo, hi = term.edges(m)
    assert float(lo) == pytest.approx(math.sqrt(1e-4 * 2e-4), rel=1e-12)
    assert float(hi) == np.inf
    assert term.logl(m, 1e30) == -np.inf
    assert term.allowed(m) == [(0.0, pytest.approx(math.sqrt(1e-4 * 2e-4), rel=1e-12))]


def test_region_edges_are_inclusive_and_far_masses_are_excluded():
    term = atomki_box()
    assert term.logl(16.7, 2.0e-4) == 0.0
    assert term.logl(16.7, 1.4e-3) == 0.0
    assert term.logl(16.7, 0.0) == -np.inf
    assert term.logl(16.7, 1e30) == -np.inf
    for mass in FAR_MASSES:
        assert term.logl(mass, 5e-4) == -np.inf
        assert term.allowed(mass) == []


def test_gaussian_mass_region_far_away_is_finite():
    term = PreferredRegion("atomki_4he", "e", 16.94, 0.33, 2.0e-4, 1.4e-3, "gaussian")
    for mass in FAR_MASSES:
        expected = -0.5 * ((mass - 16.94) / 0.33) ** 2
        assert term.logl(mass, 5e-4) == pytest.approx(expected, rel=1e-14)
        assert np.isfinite(term.logl(mass, 5e-4))


def test_joint_likelihood_on_an_extreme_grid_is_never_nan():
    joint = muon_term() + electron_term() + na64_like() + atomki_box()
    m = np.array([1e-3, 1.0, 16.7, 17.0, 1e3, 1e5])[:, None]
    eps = np.array([0.0, 1e-12, 1e-5, 1.2e-4, 5e-4, 1e-2, 1.0, 1e10])[None, :]
    values = joint.logl(m, eps)
    assert values.shape == (6, 8)
    assert not np.any(np.isnan(values))
    assert np.all(values <= 0)
    # only the region's box lets anything through: ε in [2e-4, 1.4e-3] outside the NA64 band, m in 16.7 ± 0.85
    finite = np.isfinite(values)
    assert finite.sum() == 0  # 5e-4 is inside the NA64 band; every other ε is outside the region
    values = joint.logl(17.0, np.array([7e-4, 1e-3]))
    assert np.all(np.isfinite(values))


# ============================================================================ fit


def test_fit_with_zero_delta_a_has_best_fit_zero_and_closed_form_limits():
    term = muon_term(delta=0.0)
    result = fit(JointLikelihood([term]), mass=17.0)
    k = float(term.shift_per_eps2(17.0))
    assert result.best_fit == {"m": 17.0, "eps": 0.0}
    assert result.chi2_min == 0.0
    # Δχ² = (k ε²/σ)²: 1 at ε = sqrt(σ/k), 4 at ε = sqrt(2σ/k)
    assert result.pieces("1sigma") == [[0.0, pytest.approx(math.sqrt(SIGMA_MU / k), rel=1e-10)]]
    assert result.pieces("2sigma") == [[0.0, pytest.approx(math.sqrt(2 * SIGMA_MU / k), rel=1e-10)]]
    assert any(n.kind == "best_fit_on_edge" and n.get("at_zero") for n in result.notes)
    assert any("physical boundary eps = 0" in text for text in notes_text(result.notes))


def test_fit_with_negative_delta_a_sits_on_zero_coupling():
    term = electron_term(delta=-1.02e-12, sigma=2.6e-13)
    result = fit(JointLikelihood([term]), mass=17.0)
    assert result.best_fit["eps"] == 0.0
    assert result.chi2_min == pytest.approx((1.02e-12 / 2.6e-13) ** 2, rel=1e-12)
    assert result.pieces("1sigma")[0][0] == 0.0


@pytest.mark.parametrize("relative_sigma", [1e-6, 1e-10])
def test_fit_with_tiny_sigma_finds_the_exact_coupling(relative_sigma):
    sigma = DELTA_MU * relative_sigma
    result = fit(JointLikelihood([muon_term(sigma=sigma)]), mass=17.0)
    eps_star = float(eps_from_delta_a(17.0, DELTA_MU, M_MU, ALPHA))
    assert result.best_fit["eps"] == pytest.approx(eps_star, rel=1e-13)
    assert 0.0 <= result.chi2_min < 1e-3
    (lo, hi), = result.pieces("1sigma")
    assert lo < eps_star < hi
    # Δχ² = 1 at k ε² = Δa ± σ: width ≈ ε* σ/Δa
    assert hi - lo == pytest.approx(eps_star * relative_sigma, rel=1e-3)


def test_fit_with_sigma_below_double_precision_stays_finite():
    # σ/Δa = 4e-22 is below the resolution of ε² (~1e-16): χ²_min cannot be 0, but all is finite
    result = fit(JointLikelihood([muon_term(sigma=1e-30)]), mass=17.0)
    eps_star = float(eps_from_delta_a(17.0, DELTA_MU, M_MU, ALPHA))
    assert result.best_fit["eps"] == pytest.approx(eps_star, rel=1e-15)
    assert np.isfinite(result.chi2_min)
    for pieces in (iv.pieces for ivs in result.intervals.values() for iv in ivs.values()):
        assert len(pieces) == 1
        assert pieces[0][0] == pytest.approx(eps_star, rel=1e-15)
        assert pieces[0][1] == pytest.approx(eps_star, rel=1e-15)


@pytest.mark.parametrize("mass", FAR_MASSES)
def test_fit_far_outside_the_data_matches_the_closed_form(mass):
    result = fit(JointLikelihood([muon_term()]), mass=mass)
    eps_star = float(eps_from_delta_a(mass, DELTA_MU, M_MU, ALPHA))
    assert result.best_fit["eps"] == pytest.approx(eps_star, rel=1e-9)
    assert result.chi2_min < 1e-12
    k = float(k_of(mass))
    (lo, hi), = result.pieces("1sigma")
    assert lo == pytest.approx(math.sqrt((DELTA_MU - SIGMA_MU) / k), rel=1e-9)
    assert hi == pytest.approx(math.sqrt((DELTA_MU + SIGMA_MU) / k), rel=1e-9)


@pytest.mark.parametrize("mass", FAR_MASSES)
def test_fit_far_outside_a_box_region_says_nothing_is_allowed(mass):
    joint = muon_term() + atomki_box()
    with pytest.raises(NoAllowedRegion, match="no coupling is allowed"):
        fit(joint, mass=mass)
    assert issubclass(NoAllowedRegion, InputError)


def test_fit_of_step_terms_only_is_flat_with_best_fit_at_zero():
    result = fit(JointLikelihood([na64_like()]), mass=17.0)
    assert result.best_fit["eps"] == 0.0
    assert result.chi2_min == 0.0
    assert result.pieces("1sigma") == [[0.0, 1.2e-4], [6.8e-4, np.inf]]


def test_fit_inside_the_region_ends_on_the_exclusion_edge():
    joint = muon_term(delta=0.0) + na64_like() + atomki_box()
    result = fit(joint, mass=17.0)
    # the Gaussian wants ε = 0; the allowed pieces are [2e-4, 1.2e-4] (empty) and [6.8e-4, 1.4e-3]
    assert result.best_fit["eps"] == 6.8e-4
    assert any(n.kind == "best_fit_on_edge" and n.get("edge") == "lower" for n in result.notes)


# Regression: with the best grid point at ε = 0 (Δa <= 0), the 2D MIGRAD refinement started where χ²
# does not depend on m; iminuit called the cost with NaN and loop_vector raised ValueError.


def test_free_mass_fit_with_zero_delta_a_has_best_fit_zero():
    result = fit(JointLikelihood([muon_term(delta=0.0)]), mass_range=(10.0, 20.0), eps_range=EPS_RANGE)
    assert result.best_fit["eps"] == 0.0
    assert result.chi2_min == 0.0
    assert 10.0 <= result.best_fit["m"] <= 20.0
    for pieces in (iv.pieces for ivs in result.intervals.values() for iv in ivs.values()):
        assert pieces[0][0] == 0.0


def test_free_mass_fit_with_negative_delta_a_has_best_fit_zero():
    term = electron_term(delta=-1.02e-12, sigma=2.6e-13)
    result = fit(JointLikelihood([term]), mass_range=(10.0, 20.0), eps_range=EPS_RANGE)
    assert result.best_fit["eps"] == 0.0
    assert result.chi2_min == pytest.approx((1.02e-12 / 2.6e-13) ** 2, rel=1e-12)


def test_free_mass_fit_over_eight_decades_reaches_the_end_of_the_eps_range():
    # with the mass free up to 100 GeV, F_V ~ 1/r² lets ε reach the 1e-2 end of the range
    result = fit(JointLikelihood([muon_term()]), mass_range=(1e-3, 1e5), eps_range=EPS_RANGE)
    assert np.isfinite(result.chi2_min) and result.chi2_min < 1e-12
    assert 1e-3 <= result.best_fit["m"] <= 1e5
    eps_star = float(eps_from_delta_a(result.best_fit["m"], DELTA_MU, M_MU, ALPHA))
    assert result.best_fit["eps"] == pytest.approx(eps_star, rel=1e-6)
    assert result.pieces("2sigma")[-1][1] == EPS_RANGE[1]
    assert any("2sigma region reaches the end of the coupling range" in text for text in notes_text(result.notes))
    assert result.intervals["eps"]["2sigma"].edges[-1][1] == "eps_range"
    for pieces in (iv.pieces for ivs in result.intervals.values() for iv in ivs.values()):
        assert all(0 < lo < hi <= EPS_RANGE[1] for lo, hi in pieces)


def test_profile_minimum_far_outside_the_data():
    joint = muon_term() + atomki_box()
    chi2, eps = profile_minimum(joint, [1e-3, 17.0, 1e5])
    assert chi2[0] == np.inf and chi2[2] == np.inf
    assert np.isnan(eps[0]) and np.isnan(eps[2])  # documented: NaN ε where nothing is allowed
    assert np.isfinite(chi2[1]) and 2.0e-4 <= eps[1] <= 1.4e-3


# ============================================================================ scans


def _eps_axis():
    return np.concatenate([[0.0], log_grid(*EPS_RANGE, 50)])


def test_scan_1d_includes_zero_and_the_range_ends_without_nan():
    joint = muon_term() + electron_term() + na64_like() + atomki_box()
    scan = scan_1d(joint, 17.0, _eps_axis())
    assert scan.delta_chi2.shape == (1, 51)
    assert not np.any(np.isnan(scan.delta_chi2))
    finite = np.isfinite(scan.delta_chi2)
    assert np.all(scan.delta_chi2[finite] >= -1e-9)
    assert np.all(scan.delta_chi2[~finite] == np.inf)
    assert scan.delta_chi2[0, 0] == np.inf  # ε = 0 is outside the region
    assert scan.delta_chi2[0, -1] == np.inf  # ε = 1e-2 is above the region


def test_scan_1d_with_zero_delta_a_is_zero_at_zero():
    scan = scan_1d(JointLikelihood([muon_term(delta=0.0)]), 17.0, _eps_axis())
    assert scan.chi2_min == 0.0
    assert scan.delta_chi2[0, 0] == 0.0
    assert np.all(np.diff(scan.delta_chi2[0]) > 0)


@pytest.mark.parametrize("mass", FAR_MASSES)
def test_scan_1d_far_outside_the_data_is_measured_against_the_exact_minimum(mass):
    scan = scan_1d(JointLikelihood([muon_term()]), mass, _eps_axis())
    assert scan.chi2_min == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.isfinite(scan.delta_chi2))
    assert scan.delta_chi2.min() >= 0.0


def test_scan_2d_over_eight_decades_of_mass():
    joint = muon_term() + electron_term() + na64_like() + atomki_box()
    masses = np.array([1e-3, 1.0, 16.0, 17.0, 1e3, 1e5])
    scan = scan_2d(joint, masses, _eps_axis())
    assert scan.delta_chi2.shape == (6, 51)
    assert not np.any(np.isnan(scan.delta_chi2))
    # outside the box region every point is excluded; inside, Δχ² >= 0 with a 0 somewhere near the minimum
    assert np.all(scan.delta_chi2[[0, 1, 4, 5]] == np.inf)
    inside = scan.delta_chi2[[2, 3]]
    assert np.all(inside[np.isfinite(inside)] >= -1e-9)
    assert np.isfinite(inside).any()
    assert len(scan.rows()) == 6 * 51


def test_scan_2d_with_huge_couplings_is_inf_not_nan():
    joint = muon_term() + electron_term() + contour_like()
    scan = scan_2d(joint, np.array([1e-3, 12.0, 1e5]), np.array([0.0, 1e-5, 1.0, 1e10, 1e30]))
    assert not np.any(np.isnan(scan.delta_chi2))
    assert scan.delta_chi2[1, 2] == np.inf  # above the open contour
    assert np.isfinite(scan.delta_chi2[0]).all()  # 1 keV: no limit there, the Gaussians are finite


def test_scan_without_allowed_points_raises_the_input_error():
    joint = muon_term() + atomki_box()
    with pytest.raises(NoAllowedRegion):
        scan_1d(joint, 1e5, _eps_axis())
    with pytest.raises(NoAllowedRegion):
        scan_2d(joint, np.array(FAR_MASSES), _eps_axis())


@pytest.mark.parametrize("lo, hi, n, message", [(0.0, 1.0, 10, "expected 0 < low < high"),
                                                (1e-2, 1e-5, 10, "expected 0 < low < high"),
                                                (1e-5, 1e-2, 1, "whole number of points from 2"),
                                                (-1.0, 1.0, 5, "expected 0 < low < high")])
def test_log_grid_rejects_bad_ranges(lo, hi, n, message):
    with pytest.raises(InputError, match=message):
        log_grid(lo, hi, n)


def test_log_grid_hits_its_ends_exactly():
    grid = log_grid(*EPS_RANGE, 7)
    assert grid[0] == EPS_RANGE[0] and grid[-1] == EPS_RANGE[1]


# regression: r = m/m_ℓ overflowed with a RuntimeWarning for m > 1.8e308 m_ℓ
def test_mass_over_lepton_mass_overflow_is_silent():
    m = 1e308  # MeV; m/m_e = 2e308 overflows to inf
    assert delta_a(m, 1e-3, M_E, ALPHA) == 0.0
    assert eps_from_delta_a(m, 3.4e-13, M_E, ALPHA) == np.inf
    assert electron_term().logl(m, 1e-3) == pytest.approx(-0.5 * (3.4e-13 / 1.6e-13) ** 2, rel=1e-12)


def test_scan_grids_hold_the_exact_wall_edges():
    from dpfit.inference.profile.scan import coupling_grid, finite_span, scan
    from dpfit.model.analysis import Analysis

    analysis = Analysis()  # NA64's mass-dependent contour: upper edge 6.620e-4 at 16.7 MeV
    joint = analysis.likelihood()
    edge = float(joint.part("eps").allowed(16.7)[0][0])
    assert edge == pytest.approx(6.620e-4, rel=1e-4)
    one = scan(analysis, 16.7)
    assert np.min(np.abs(one.eps / edge - 1)) < 1e-6  # a node on the wall, not the next log-grid point
    assert np.isfinite(one.delta_chi2[0][np.argmin(np.abs(one.eps - edge))])
    assert np.isfinite(one.delta_chi2).mean() > 0.9  # points spent where the likelihood is finite
    assert coupling_grid(joint, [16.7], analysis.eps_range, 40).size < 80
    grid = scan(analysis, points=(40, 40))
    assert np.isfinite(grid.delta_chi2).mean() > 0.5  # was 11 % on the full-range log grid
    lo, hi = finite_span(joint, grid.mass, analysis.eps_range)
    for i, m in enumerate(grid.mass):  # every mass's edges inside the span are nodes of the shared ε axis
        for e in joint.coupling_edges([m]).ravel():
            if lo <= e <= hi:
                assert np.min(np.abs(grid.eps / e - 1)) < 1e-12, (m, e)
    np.testing.assert_array_equal(grid.edges, joint.part("eps").coupling_edges(grid.mass))  # what the map draws


def test_scan_map_draws_each_wall_as_one_line():
    import matplotlib.pyplot as plt

    from dpfit.inference.profile.scan import scan
    from dpfit.model.analysis import Analysis
    from dpfit.output.plots import WALL_COLOUR, plot_scan_2d

    grid = scan(Analysis(), points=(40, 40))
    ax = plot_scan_2d(grid)
    walls = [ln for ln in ax.get_lines() if ln.get_color() == WALL_COLOUR]
    low, high = ax.get_ylim()
    expected = [row for row in grid.edges if (np.isfinite(row) & (row >= low) & (row <= high)).any()]
    assert len(walls) == len(expected) >= 2  # NA64's upper edge and ATOMKI's upper edge at least
    na64 = [ln for ln in walls if np.nanmax(ln.get_ydata()) > 1.1 * np.nanmin(ln.get_ydata())]
    assert len(na64) == 1 and np.array_equal(na64[0].get_xdata(), grid.mass)
    assert "exact wall edges ε(m) (step terms)" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(ax.figure)
