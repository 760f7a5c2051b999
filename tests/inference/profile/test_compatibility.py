"""dpfit.inference.profile.compatibility: each measurement's own fit and the Maltoni-Schwetz tension of each pair,
against closed forms in x = ε² (one coupling, k(m) by quadrature)."""

import math

import pytest
from scipy import stats

from tests.helpers import fv_quadrature
from dpfit.inference.profile.compatibility import compatibility
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian, PreferredRegion
from dpfit.output.wording import note_text

ALPHA, M_E, M_MU, MASS = 1 / 137, 0.51099895069, 105.6583755, 16.7


def electron(name, delta, sigma):
    return Gm2Gaussian(name, "e", name, delta, sigma, M_E, ALPHA)


def test_two_positive_measurements_of_one_coupling():
    """Both alone fit exactly (χ² = 0); together, with one k, χ²_min = (Δ1 − Δ2)²/(σ1² + σ2²): χ²_PG, 1 dof."""
    a, b = electron("Rb20", 34e-14, 16e-14), electron("hyp", 80e-14, 20e-14)
    result = compatibility(JointLikelihood([a, b, PreferredRegion("box", "e", 16.7, 0.85, 2e-4, 1.4e-3)]), MASS)
    assert set(result.single) == {"gm2:Rb20", "gm2:hyp"}  # the region carries no measurement
    assert all(g.chi2_min == pytest.approx(0.0, abs=1e-9) and g.p_value is None for g in result.single.values())
    (pair,) = result.pairs
    chi2_pg = (34 - 80) ** 2 / (16**2 + 20**2)
    assert (pair.first, pair.second, pair.ndof) == ("gm2:Rb20", "gm2:hyp", 1)
    assert pair.chi2_pg == pytest.approx(chi2_pg, rel=1e-7)
    assert pair.p_value == pytest.approx(stats.chi2.sf(chi2_pg, 1), rel=1e-6)
    assert pair.significance == pytest.approx(math.sqrt(chi2_pg), rel=1e-6)  # 1 dof: Z = sqrt(χ²_PG)


def test_a_negative_measurement_alone_sits_on_zero_and_is_the_worst():
    """Cs18 alone: best ε = 0, χ²_min = (Δ/σ)², p of ½χ²(0) + ½χ²(1); with Rb20 (positive) the pair's best x is
    the clipped weighted mean, here below 0: χ²_pair = (34/16)² + (102/26)², χ²_PG = (34/16)²."""
    rb, cs = electron("Rb20", 34e-14, 16e-14), electron("Cs18", -102e-14, 26e-14)
    result = compatibility(JointLikelihood([rb, cs]), MASS)
    own = result.single["gm2:Cs18"]
    assert own.chi2_min == pytest.approx((102 / 26) ** 2, rel=1e-9)
    assert own.p_value == pytest.approx(0.5 * stats.chi2.sf((102 / 26) ** 2, 1), rel=1e-6)
    (pair,) = result.pairs
    assert pair.chi2_pg == pytest.approx((34 / 16) ** 2, rel=1e-7)
    assert note_text(result.worst()).startswith("gm2:Cs18 alone: ")  # its own misfit (p 4e-5) beats the pair's tension (p 0.03)
    doc = result.to_dict()
    assert doc["mass_MeV"] == MASS and doc["worst"] == result.worst()
    assert doc["pairs"][0]["terms"] == ["gm2:Rb20", "gm2:Cs18"]


def test_measurements_of_different_couplings_never_form_a_pair():
    mu = Gm2Gaussian("WP20", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA)
    rb = electron("Rb20", 34e-14, 16e-14)
    k_mu, k_e = (ALPHA / (2 * math.pi) * fv_quadrature(MASS / m) for m in (M_MU, M_E))
    universal = compatibility(JointLikelihood([mu, rb]), MASS)
    assert len(universal.pairs) == 1  # one eps: the muon and the electron disagree (4.6 sigma, see test_gof)
    s_mu, s_e = 45e-11**2, 16e-14**2
    x = (k_mu * 262e-11 / s_mu + k_e * 34e-14 / s_e) / (k_mu**2 / s_mu + k_e**2 / s_e)  # each alone: χ² = 0
    chi2 = ((k_mu * x - 262e-11) / 45e-11) ** 2 + ((k_e * x - 34e-14) / 16e-14) ** 2
    assert universal.pairs[0].chi2_pg == pytest.approx(chi2, rel=1e-6)
    lepton = compatibility(JointLikelihood([mu, rb], "lepton"), MASS)
    assert lepton.pairs == [] and set(lepton.single) == {"gm2:WP20", "gm2:Rb20"}
    assert lepton.worst() is None  # no pair, and each alone fits exactly (no dof, no p-value)
