"""The log-posterior over (m, eps): hand-computed values, priors (uniform, truncated Gaussian), prior draws, starts."""

import numpy as np
import pytest
from scipy import stats

from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.bayes.posterior import Posterior, initial_walkers, posterior
from dpfit.model.analysis import Analysis
from tests.inference.bayes.one_gaussian import log_likelihood, one_gaussian

# (m [MeV], log10 eps): inside the prior box, on its edges, and outside it in m or in eps
THETA = np.array([[16.9, -3.0], [16.95, -2.7], [17.0, -2.75], [17.1, -2.2], [17.05, -4.0], [16.89, -2.8],
                  [17.11, -2.8], [17.0, -4.01], [17.0, -1.99]])


def expected_log_posterior(theta, log_eps=True):
    """-ln(0.2 MeV) (uniform m prior) + ln L inside the box, -inf outside (flat in log10 eps or in eps)."""
    out = []
    for m, c in theta:
        eps = 10.0**c if log_eps else c
        inside = 16.9 <= m <= 17.1 and 1e-4 <= eps <= 1e-2
        out.append(-np.log(0.2) + log_likelihood(m, eps) if inside else -np.inf)
    return np.array(out)


def test_log_posterior_of_one_gaussian_term_by_hand():
    post = posterior(one_gaussian().model())
    assert post.names == ("m", "log10_eps") and post.ndim == 2 and post.log_eps
    assert post(THETA) == pytest.approx(expected_log_posterior(THETA), rel=1e-10)
    assert post(THETA[1]) == pytest.approx(expected_log_posterior(THETA[1:2]), rel=1e-10)  # one point, 1-D


def test_uniform_eps_prior_samples_eps_itself():
    post = posterior(one_gaussian(eps_prior="uniform").model())
    assert post.names == ("m", "eps") and not post.log_eps
    theta = THETA.copy()
    theta[:, 1] = 10.0 ** theta[:, 1]
    assert post(theta) == pytest.approx(expected_log_posterior(theta, log_eps=False), rel=1e-10)


def test_lepton_mode_reads_each_coupling_by_name():
    # only a muon term: the posterior depends on eps_mu (third column) and is flat in eps_e within its prior
    post = posterior(one_gaussian(couplings="lepton").model())
    assert post.names == ("m", "log10_eps_e", "log10_eps_mu")
    theta = np.column_stack([THETA[:, 0], np.full(len(THETA), -3.5), THETA[:, 1]])
    assert post(theta) == pytest.approx(expected_log_posterior(THETA), rel=1e-10)
    theta[:, 1] = -2.5
    assert post(theta) == pytest.approx(expected_log_posterior(THETA), rel=1e-10)
    theta[:, 1] = -4.5  # eps_e below its prior range
    assert np.all(post(theta) == -np.inf)


def test_gaussian_mass_prior_is_the_truncated_normal_density():
    box = Posterior(None, ("m", "log10_eps"), True, (16.0, 17.5), (1e-5, 1e-2), (16.7, 0.5))
    m = np.array([15.99, 16.0, 16.3, 16.7, 17.2, 17.5, 17.51])
    theta = np.column_stack([m, np.full(m.size, -3.0)])
    a, b = (16.0 - 16.7) / 0.5, (17.5 - 16.7) / 0.5
    assert box.log_prior(theta) == pytest.approx(stats.truncnorm.logpdf(m, a, b, loc=16.7, scale=0.5), rel=1e-12)
    theta[:, 1] = -5.5  # eps below its range
    assert np.all(box.log_prior(theta) == -np.inf)


@pytest.mark.parametrize("log_eps", [True, False])
def test_prior_draws_fill_the_box_uniformly(log_eps):
    box = Posterior(None, ("m", "log10_eps" if log_eps else "eps"), log_eps, (16.0, 17.5), (1e-5, 1e-2), None)
    theta = box.draw_prior(np.random.default_rng(2), 4000)
    assert theta.shape == (4000, 2)
    assert stats.kstest(theta[:, 0], stats.uniform(16.0, 1.5).cdf).pvalue > 0.01
    lo, hi = (-5.0, -2.0) if log_eps else (1e-5, 1e-2)
    assert stats.kstest(theta[:, 1], stats.uniform(lo, hi - lo).cdf).pvalue > 0.01


def test_initial_walkers_are_distinct_allowed_points():
    post = posterior(Analysis().model())
    start = initial_walkers(post, 32, np.random.default_rng(1))
    assert start.shape == (32, 2) and len(np.unique(start, axis=0)) == 32
    assert np.all(np.isfinite(post(start)))


def test_no_allowed_point_and_no_mass_range_are_input_errors():
    post = posterior(Analysis(eps_range=(1e-5, 1e-4)).model())  # below ATOMKI's 2e-4: nothing allowed
    with pytest.raises(NoAllowedRegion, match="no allowed point .* nothing to sample"):
        initial_walkers(post, 8, np.random.default_rng(1), batches=2)
    with pytest.raises(InputError) as info:
        posterior(Analysis(atomki=None).model())  # no region to take a mass range from
    assert str(info.value) == "analysis: field 'mass_range': without a preferred region, give a mass range"
