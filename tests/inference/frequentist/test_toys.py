"""Toy Monte Carlo at fixed mass: the data a model fluctuates, closed-form refits against brute force, draws, chunks."""

import numpy as np
import pytest
from scipy import stats

from dpfit.errors import InputError
from dpfit.inference.frequentist.toys import CHUNK, ToyModel, chunk_rng, chunk_sizes, poisson_quantiles, toy_draws, \
    toy_fits, toy_offsets
from dpfit.likelihood.terms import gm2_terms
from dpfit.model.analysis import Analysis
from tests.helpers import fv_quadrature
from tests.inference.frequentist.toy_models import WP25_ONLY, wp25_model

#: Two Gaussian measurements of x = eps^2 (A = 1/1 + 4/4 = 2, x* = (1 * 0.5 / 1 + 2 * 3 / 4) / 2 = 1), counts
#: expected at C = 2 per unit x, and the walls leaving eps in [0, 1] or [1.5, 3], i.e. x in [0, 1] or [2.25, 9].
TWO = ToyModel(16.7, np.array([1.0, 2.0]), np.array([0.5, 3.0]), np.array([1.0, 2.0]), ((0.0, 1.0), (1.5, 3.0)),
               ("a", "b"), rate=2.0)
ALLOWED = np.concatenate([np.linspace(1e-9, 1.0, 100_001), np.linspace(2.25, 9.0, 675_001)])


@pytest.fixture(scope="module")
def wp25():
    return wp25_model()


def brute_force(model: ToyModel, x_star: float, n: int) -> tuple[float, float]:
    """(argmin, min) of f(x) = A (x - x*)^2 + 2 (C x - N ln x) over a fine grid of the allowed x."""
    f = model.information * (ALLOWED - x_star) ** 2 + 2 * (model.rate * ALLOWED - n * np.log(ALLOWED))
    return ALLOWED[np.argmin(f)], f.min()


def test_toys_refit_matches_fit_module(wp25):
    # a toy refit (closed form per piece) against the fit module's MIGRAD fit of the same pseudo-data
    from dpfit.inference.profile.fit import fit_coupling
    from dpfit.likelihood.joint import JointLikelihood
    from dpfit.likelihood.terms import Gm2Gaussian
    from dpfit.inference.frequentist.toys import chunk_rng

    term = gm2_terms(Analysis(**WP25_ONLY).likelihood())[0]
    x_hat, _ = toy_fits(wp25, 3e-7, chunk_rng(4, 0), 3)
    z = chunk_rng(4, 0).standard_normal((3, 1))[:, 0]
    for xh, zi in zip(x_hat, z):
        fake = Gm2Gaussian(term.name, term.lepton, term.scenario, float(wp25.k[0] * 3e-7 + wp25.sigma[0] * zi),
                           term.sigma, term.lepton_mass, term.alpha)
        best, _, _ = fit_coupling(JointLikelihood([fake]), 16.7)
        assert np.sqrt(xh) == pytest.approx(best.eps, rel=1e-5, abs=1e-9)


def test_wp25_toy_model_holds_the_measurement_and_the_shift_per_eps2(wp25):
    (term,) = gm2_terms(Analysis(**WP25_ONLY).likelihood())
    k = term.alpha / (2 * np.pi) * fv_quadrature(16.7 / term.lepton_mass)  # Pospelov 2009, eq. 2
    assert wp25.k == pytest.approx([k], rel=1e-9) and wp25.names == ("muon_wp25",)
    assert list(wp25.delta) == [term.delta] and list(wp25.sigma) == [term.sigma]
    assert wp25.pieces == ((0.0, np.inf),) and wp25.rate == 0.0 and wp25.count == 0
    assert wp25.sigma_x == pytest.approx(term.sigma / k, rel=1e-9)
    assert wp25.x_observed == pytest.approx(term.delta / k, rel=1e-9)


def test_two_gaussian_terms_combine_by_inverse_variance():
    assert TWO.information == 2.0 and TWO.sigma_x == pytest.approx(1 / np.sqrt(2))
    assert TWO.x_observed == pytest.approx(1.0)
    assert TWO.allowed_x([0.0, 1.0, 1.5, 2.25, 9.0, 9.1]).tolist() == [True, True, False, True, True, False]


def test_a_poisson_limit_is_counted_at_its_expected_rate(tmp_path):
    # a 90 % CL limit eps_up = 1e-3 read as zero observed events: N_c = -ln(0.1) expected events at eps_up
    path = tmp_path / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    analysis = Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                        limit_model="poisson", mass_range=(15.0, 18.0))
    model = ToyModel.from_joint(analysis.likelihood(), 16.7)
    assert model.rate == pytest.approx(-np.log(0.1) / 1e-6, rel=1e-12) and model.count == 0
    (rb20,) = gm2_terms(analysis.likelihood())
    assert model.k == pytest.approx([rb20.alpha / (2 * np.pi) * fv_quadrature(16.7 / rb20.lepton_mass)], rel=1e-9)


@pytest.mark.parametrize("x_star", [-1.0, 0.2, 0.9, 1.6, 5.0, 12.0])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_closed_form_refit_is_the_brute_force_minimum(x_star, n):
    x_hat, f_min = brute_force(TWO, x_star, n)
    assert TWO.best_x(x_star, n) == pytest.approx(x_hat, abs=2e-5)
    for x in (0.05, 0.7, 2.5, 8.0):
        f = TWO.information * (x - x_star) ** 2 + 2 * (TWO.rate * x - n * np.log(x))
        assert TWO.delta_chi2(x, x_star, n) == pytest.approx(f - f_min, abs=1e-6)
        expected_q = f - f_min if TWO.best_x(x_star, n) <= x else 0.0
        assert TWO.q_tilde(x, x_star, n) == pytest.approx(expected_q, abs=1e-6)
    assert TWO.delta_chi2(1.5, x_star, n) == np.inf  # eps = 1.22: between the pieces


def test_without_counts_the_fit_is_the_allowed_x_nearest_x_star():
    model = ToyModel(16.7, np.array([1.0]), np.array([0.0]), np.array([1.0]), ((0.0, 1.0), (1.5, 3.0)), ("a",))
    x_star = np.array([-1.0, 0.5, 1.5, 1.7, 4.0, 10.0])
    assert model.best_x(x_star).tolist() == pytest.approx([0.0, 0.5, 1.0, 2.25, 4.0, 9.0])
    assert model.delta_chi2(0.25, x_star) == pytest.approx((0.25 - x_star) ** 2 - (model.best_x(x_star) - x_star) ** 2)


def test_chunks_have_a_fixed_size_and_their_own_spawned_stream():
    assert chunk_sizes(45_000) == [CHUNK, CHUNK, 5_000] and CHUNK == 20_000
    assert chunk_sizes(40_000) == [CHUNK, CHUNK] and chunk_sizes(100) == [100]
    child = np.random.SeedSequence(7).spawn(3)[2]  # the third child of SeedSequence(7)
    assert np.array_equal(chunk_rng(7, 2).random(5), np.random.default_rng(child).random(5))
    assert not np.array_equal(chunk_rng(7, 1).random(5), chunk_rng(7, 2).random(5))


def test_toy_offsets_are_gaussian_with_the_combined_error():
    u = toy_offsets(TWO, np.random.default_rng(3), 20_000)
    assert stats.kstest(u, stats.norm(0.0, 1 / np.sqrt(2)).cdf).pvalue > 0.01


def test_poisson_quantiles_are_scipys_inverse_cdf():
    uniforms = np.random.default_rng(4).random(2000)
    means = np.array([0.0, 0.3, 3.0, 40.0])
    counts = poisson_quantiles(means[:, None], uniforms, (4, 2000))
    for mean, row in zip(means, counts):
        assert np.array_equal(row, stats.poisson.ppf(uniforms, mean) if mean else np.zeros(2000))
    # common random numbers: at each shared uniform the count never falls as the mean grows
    assert np.all(np.diff(counts, axis=0) >= 0)


def test_one_draw_serves_every_true_point():
    draws = toy_draws(TWO, np.random.default_rng(5), 1000)
    x_star, counts = draws.at(TWO, np.array([[0.5], [3.0]]))
    assert x_star.shape == counts.shape == (2, 1000)
    assert np.allclose(x_star[1] - x_star[0], 2.5, rtol=0, atol=1e-12)
    assert counts[0].mean() == pytest.approx(2.0 * 0.5, abs=4 * np.sqrt(1.0 / 1000))  # Poisson(C x_true)
    assert counts[1].mean() == pytest.approx(2.0 * 3.0, abs=4 * np.sqrt(6.0 / 1000))


def test_far_from_the_boundary_the_toy_delta_chi2_is_chi2_with_one_degree(wp25):
    x_true = 20 * wp25.sigma_x
    x_hat, t = toy_fits(wp25, x_true, chunk_rng(1, 0), 4000)
    assert stats.kstest(t, stats.chi2(1).cdf).pvalue > 0.01  # Wilks
    assert abs(np.mean(x_hat) - x_true) < 4 * wp25.sigma_x / np.sqrt(4000)
    assert np.std(x_hat) == pytest.approx(wp25.sigma_x, rel=0.05)


def test_at_the_boundary_half_the_toys_fit_eps_zero(wp25):
    # x_true = 0: x* < 0 half the time, then x_hat = 0 and delta chi2 = 0; otherwise delta chi2 = (x*/sigma_x)^2
    x_hat, t = toy_fits(wp25, 0.0, chunk_rng(2, 0), 4000)
    at_zero = x_hat == 0.0
    assert abs(at_zero.mean() - 0.5) < 4 * np.sqrt(0.25 / 4000)
    assert np.all(t[at_zero] == 0.0)
    assert stats.kstest(t[~at_zero], stats.chi2(1).cdf).pvalue > 0.01


@pytest.mark.parametrize("options, mass, field, message", [
    (dict(couplings="lepton"), 16.7, "couplings", "toys need one coupling (universal mode)"),
    ({}, 30.0, "mass", "no coupling is allowed at m = 30 MeV"),
    (dict(muon=None, electron=None), 16.7, None, "no measurement to fluctuate"),
])
def test_a_model_toys_cannot_fluctuate_is_refused_in_one_line(options, mass, field, message):
    with pytest.raises(InputError) as info:
        ToyModel.from_joint(Analysis(**options).likelihood(), mass)
    assert info.value.source == "analysis" and info.value.field == field and message in info.value.message
    assert "\n" not in str(info.value)
