"""dpfit.inference.profile.free_mass_gof: the χ²_min distribution with the mass free, calibrated by toys, against
the boundary mixture it must reproduce and on the reference analyses."""

import numpy as np
import pytest
from scipy import stats

import dpfit
from tests.likelihood.extension_terms import StudentCoupling
from dpfit.inference.profile.free_mass_gof import MIN_TAIL, calibrate
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian
from dpfit.model.analysis import Analysis
from dpfit.output.wording import note_text


def test_free_mass_gof_gives_a_p_value_with_its_method():
    result = dpfit.fit(Analysis(muon="WP20"))
    assert not result.mass_fixed and result.gof.p_value is not None
    assert result.gof.p_value < 2e-5 and "toys from the best fit" in note_text(result.gof.distribution)
    assert result.gof.ndof == 1



M_MU = 105.6583755
WP20 = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, 1 / 137)
MASSES = np.linspace(16.0, 17.5, 5)


@pytest.mark.parametrize("chi2_obs", [0.5, 1.0, 2.0])
def test_toys_at_zero_coupling_give_the_boundary_mixture(chi2_obs):
    """One measurement d ~ N(k x, σ) fitted with x = ε² ≥ 0 and the mass free: χ²_min = 0 for d ≥ 0 and (d/σ)² for
    d < 0 whatever the mass, so from ε̂ = 0 it follows ½δ₀ + ½χ²(1): p = ½ P(χ²(1) ≥ c), mean ½."""
    toys = 5000
    result = calibrate(JointLikelihood([WP20]), MASSES, {"m": 16.7, "eps": 0.0}, chi2_obs, toys=toys, seed=4)
    expected = 0.5 * stats.chi2.sf(chi2_obs, 1)
    assert result["above"] >= MIN_TAIL and result["toys"] == toys
    assert result["p_value"] == result["toy_p_value"] == pytest.approx(expected, abs=4 * np.sqrt(expected / toys))
    assert result["effective_dof"] == pytest.approx(0.5, abs=4 * np.sqrt(1.25 / toys))  # Var = 3/2 - 1/4
    assert result["method"].kind == "free_mass_toys" and result["method"].get("lo") == 16.0
    assert "toys from the best fit" in note_text(result["method"]) and "16-17.5 MeV" in note_text(result["method"])


def test_beyond_the_toys_the_moment_matched_chi2_gives_the_p_value():
    result = calibrate(JointLikelihood([WP20]), MASSES, {"m": 16.7, "eps": 0.0}, 30.0, toys=5000, seed=4)
    assert result["above"] < MIN_TAIL
    assert result["p_value"] == pytest.approx(stats.chi2.sf(30.0, result["effective_dof"]), rel=1e-12)
    assert note_text(result["method"]).startswith(f"chi2({result['effective_dof']:.3g}) matched")
    assert result["toy_p_upper_95"] == pytest.approx(stats.chi2.ppf(0.95, 2 * (result["above"] + 1)) / 10_000)


def test_the_same_seed_gives_the_same_calibration():
    first = calibrate(JointLikelihood([WP20]), MASSES, {"m": 16.7, "eps": 1e-3}, 1.0, toys=2000, seed=9)
    assert first == calibrate(JointLikelihood([WP20]), MASSES, {"m": 16.7, "eps": 1e-3}, 1.0, toys=2000, seed=9)


def test_a_term_without_pseudo_data_is_not_calibrated():
    student = StudentCoupling("student", "e", mean=8.5e-4, scale=1.5e-4, dof=3.0)
    assert calibrate(JointLikelihood([WP20, student]), MASSES, {"m": 16.7, "eps": 1e-3}, 1.0, toys=100) is None
