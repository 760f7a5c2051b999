"""Evidence and Bayes factors: ln Z of a one-Gaussian-term model against quadrature, Occam factors, compare()."""

import numpy as np
import pytest
from scipy import stats

from dpfit.inference.bayes.evidence import N_SIGMA, compare, evidence_row, normalisation
from dpfit.likelihood.terms import gm2_terms
from dpfit.model.analysis import Analysis
from tests.inference.bayes.one_gaussian import DELTA, SIGMA, log_evidence, one_gaussian


def test_normalisation_adds_each_gaussian_terms_density_constant_and_nothing_for_walls():
    model = Analysis().model()  # WP25 and Rb20 Gaussian terms, NA64/PADME walls, the ATOMKI region
    terms = gm2_terms(model.joint)
    assert len(terms) == 2 and len(model.joint) > 2
    # ln N(x; x, sigma) = -ln(sigma sqrt(2 pi)) for each Gaussian term; walls are 0 / -inf steps
    assert normalisation(model) == pytest.approx(sum(stats.norm.logpdf(0.0, scale=t.sigma) for t in terms), rel=1e-12)
    assert normalisation(one_gaussian().model()) == pytest.approx(-np.log(45e-11 * np.sqrt(2 * np.pi)), rel=1e-12)


@pytest.mark.parametrize("eps_prior", ["log-uniform", "uniform"])
def test_log_evidence_of_one_gaussian_term_matches_quadrature(eps_prior):
    model = one_gaussian(eps_prior=eps_prior).model()
    row = evidence_row("WP20", model)
    assert row["analysis"] == "WP20" and "dynesty" not in row
    assert row["normalisation"] == pytest.approx(stats.norm.logpdf(DELTA, loc=DELTA, scale=SIGMA), rel=1e-12)
    assert row["logz"] == row["grid"]["logz"] and row["error"] == row["grid"]["error"] < 1e-5
    assert row["logz"] == pytest.approx(log_evidence(eps_prior=eps_prior), abs=1e-5)


def test_bayes_factor_of_a_wider_prior_is_its_occam_factor():
    # below eps = 1e-4 the likelihood is exp(-(262/45)^2 / 2) ~ 4e-8 of its peak: widening the log-uniform prior
    # from 2 to 3 decades leaves the integral and divides the prior density by 3/2, so B(wide : narrow) = 2/3
    narrow, wide = one_gaussian().model(), one_gaussian(eps_range=(1e-5, 1e-2)).model()
    doc = compare([("narrow", narrow), ("wide", wide)])
    assert set(doc) == {"samplers", "rows", "bayes_factors", "n_sigma", "disagreeing"}
    assert doc["samplers"] == ["grid"] and doc["n_sigma"] == N_SIGMA == 3.0 and doc["disagreeing"] == []
    assert [r["analysis"] for r in doc["rows"]] == ["narrow", "wide"]
    (factor,) = doc["bayes_factors"]
    assert factor["analysis"] == "wide" and factor["against"] == "narrow"
    assert factor["ln_B"] == pytest.approx(np.log(2 / 3), abs=1e-5)
    assert factor["B"] == pytest.approx(np.exp(factor["ln_B"]), rel=1e-12)
    assert factor["error"] == pytest.approx(np.hypot(doc["rows"][0]["error"], doc["rows"][1]["error"]), rel=1e-12)
    assert doc["rows"][1]["logz"] == pytest.approx(log_evidence(eps_range=(1e-5, 1e-2)), abs=1e-5)


def test_compare_with_dynesty_adds_its_evidence_and_their_agreement():
    doc = compare([("WP20", one_gaussian().model())], sampler="dynesty", nlive=50, seed=2)
    assert doc["samplers"] == ["grid", "dynesty"] and doc["bayes_factors"] == []
    (row,) = doc["rows"]
    reference = log_evidence()
    assert row["dynesty"]["nlive"] == 50 and row["dynesty"]["seed"] == 2
    assert abs(row["dynesty"]["logz"] - reference) < 4 * row["dynesty"]["error"]  # normalised like the grid's
    agreement = row["agreement"]
    assert agreement["difference"] == pytest.approx(row["dynesty"]["logz"] - row["grid"]["logz"], rel=1e-12)
    assert agreement["error"] == pytest.approx(np.hypot(row["dynesty"]["error"], row["grid"]["error"]), rel=1e-12)
    assert agreement["agrees"] and doc["disagreeing"] == []
    assert row["logz"] == row["grid"]["logz"]  # the grid's, the more precise, is the one reported
