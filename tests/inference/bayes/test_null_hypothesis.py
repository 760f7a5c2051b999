"""The no-X17 null: ln Z0 as the density of each measured Delta a at zero, and ln B(X17 : no X17) with its variants."""

import numpy as np
import pytest
from scipy import stats

from dpfit.inference.bayes.evidence import evidence_row
from dpfit.inference.bayes.null_hypothesis import evidence_priors, null_log_evidence, x17_against_null
from dpfit.output.wording import note_text
from dpfit.inference.bayes.prior_sensitivity import prior_variants
from dpfit.likelihood.terms import gm2_terms
from dpfit.model.analysis import Analysis
from tests.inference.bayes.one_gaussian import DELTA, SIGMA, log_evidence, one_gaussian


def test_null_of_one_gaussian_term_is_the_density_of_delta_a_at_zero():
    assert null_log_evidence(one_gaussian().model()) == pytest.approx(stats.norm.logpdf(DELTA, 0.0, SIGMA), rel=1e-12)


def test_walls_and_the_preferred_region_do_not_enter_the_null():
    model = Analysis().model()  # WP25, Rb20, NA64/PADME walls, the ATOMKI region
    expected = sum(stats.norm.logpdf(t.delta, 0.0, t.sigma) for t in gm2_terms(model.joint))
    assert null_log_evidence(model) == pytest.approx(expected, rel=1e-12)


def test_a_poisson_limit_enters_the_null_as_the_probability_of_zero_events(tmp_path):
    # under eps = 0 a zero-event limit expects no event: P(0 | 0) = 1, ln 1 = 0
    path = tmp_path / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    analysis = Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                        limit_model="poisson", mass_range=(15.0, 18.0))
    model = analysis.model()
    (rb20,) = gm2_terms(model.joint)
    assert len(model.joint.measurements()) == 2
    assert null_log_evidence(model) == pytest.approx(stats.norm.logpdf(rb20.delta, 0.0, rb20.sigma), rel=1e-12)


def test_bayes_factor_against_the_null_and_its_prior_variants_match_quadrature():
    model = one_gaussian().model()
    null = stats.norm.logpdf(DELTA, 0.0, SIGMA)
    out = x17_against_null(model, "WP20", variants=prior_variants(model))
    assert out["analysis"] == "WP20" and out["logz_null"] == pytest.approx(null, rel=1e-12)
    assert out["ln_B"] == pytest.approx(log_evidence() - null, abs=1e-5)
    assert out["ln_B"] == pytest.approx(out["logz_x17"] - out["logz_null"], rel=1e-12)
    uniform, wide = out["variants"]
    assert uniform["prior"] == "eps prior uniform" and wide["prior"].startswith("eps range from 1e-08")
    assert uniform["ln_B"] == pytest.approx(log_evidence(eps_prior="uniform") - null, abs=1e-5)
    # 2 -> 6 decades of a log-uniform prior where the likelihood is ~0: the Occam factor ln(2/6)
    assert wide["ln_B"] - out["ln_B"] == pytest.approx(np.log(2 / 6), abs=1e-5)


def test_a_given_evidence_row_is_used():
    model = one_gaussian().model()
    row = {**evidence_row("WP20", model), "logz": 1.5, "error": 0.25}
    out = x17_against_null(model, "WP20", row=row)
    assert out["logz_x17"] == 1.5 and out["error"] == 0.25 and out["variants"] == []
    assert out["ln_B"] == pytest.approx(1.5 - stats.norm.logpdf(DELTA, 0.0, SIGMA), rel=1e-12)


def test_priors_name_the_priors_and_the_normalisation():
    model = one_gaussian().model()
    priors = evidence_priors(model)
    assert priors.get("mass_range") == tuple(model.mass_range) and priors.get("mass_gaussian") is None
    text = note_text(priors)
    assert text.startswith("m uniform over 16.9-17.1 MeV; eps log-uniform over [0.0001, 0.01];")
    assert "-ln(sigma sqrt(2 pi))" in text
    analysis = Analysis(mass_prior="gaussian")
    (lo, hi), (mean, sigma) = analysis.model().mass_range, analysis.mass_prior_gaussian()
    assert note_text(evidence_priors(analysis.model())).startswith(f"m Gaussian {mean:g} +- {sigma:g} MeV within {lo:g}-{hi:g} MeV;")
