"""dpfit.model.model: a model's parameters, the likelihood its posterior uses and the mass prior, normalised over the
mass range (checked by quadrature)."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian, PreferredRegion
from dpfit.model.model import Model, mass_log_prior

M_E = 0.51099895069


def model(joint, gaussian=None, mass_range=(16.0, 17.5)):
    return Model(joint, mass_range, (1e-5, 1e-2), "uniform" if gaussian is None else "gaussian", "log-uniform",
                 gaussian, None, {})


@pytest.mark.parametrize("gaussian", [None, (16.9, 0.33), (17.4, 0.1)])
def test_mass_prior_is_a_normalised_density_on_the_range(gaussian):
    lo, hi = 16.0, 17.5
    total, _ = integrate.quad(lambda m: math.exp(mass_log_prior(m, (lo, hi), gaussian)), lo, hi, epsabs=0,
                              epsrel=1e-12)
    assert total == pytest.approx(1.0, rel=1e-9)
    assert mass_log_prior(np.array([lo - 1e-9, hi + 1e-9]), (lo, hi), gaussian).tolist() == [-np.inf, -np.inf]
    m = np.array([16.2, 16.9, 17.3])
    expected = (np.full(3, -math.log(hi - lo)) if gaussian is None else
                stats.truncnorm.logpdf(m, (lo - gaussian[0]) / gaussian[1], (hi - gaussian[0]) / gaussian[1],
                                       loc=gaussian[0], scale=gaussian[1]))
    assert mass_log_prior(m, (lo, hi), gaussian) == pytest.approx(expected, rel=1e-12)


def test_posterior_likelihood_counts_the_region_mass_once():
    rb20 = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, 1 / 137)
    region = PreferredRegion("g", "e", 16.94, 0.33, 1e-4, 1e-3, "gaussian")
    joint = JointLikelihood([rb20, region])
    assert model(joint).posterior_likelihood() is joint  # a uniform prior: the likelihood as it is
    with_prior = model(joint, (16.94, 0.33))
    post = with_prior.posterior_likelihood()
    m, eps = np.array([16.5, 16.94, 17.3]), 6e-4
    assert post.logl(m, eps) == pytest.approx(rb20.logl(m, eps), rel=1e-12)  # the region's mass handed to the prior
    assert with_prior.mass_log_prior(m) == pytest.approx(mass_log_prior(m, (16.0, 17.5), (16.94, 0.33)))


def test_parameters_and_couplings_are_the_likelihoods():
    rb20 = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, 1 / 137)
    assert model(JointLikelihood([rb20])).parameters == ("m", "eps")
    lepton = model(JointLikelihood([rb20], "lepton"))
    assert lepton.parameters == ("m", "eps_e", "eps_mu") and lepton.couplings == "lepton"
