"""The grid posterior against independent quadrature and the issue's reference numbers."""

import numpy as np
import pytest
from scipy import integrate

from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.bayes.prior_sensitivity import prior_sensitivity
from dpfit.model.analysis import Analysis
from dpfit.output.wording import note_text

LIMITS = ("na64_point", "padme")  # NA64 as the source paper's single point, named explicitly
REFERENCE = Analysis(limits=LIMITS)
NO_ATOMKI = dict(limits=LIMITS, atomki=None, mass_range=(16.4, 17.0))


def log_eps_integral(part, m: float, lo: float, hi: float) -> float:
    """∫ L(m, ε) d log10 ε over the couplings in [lo, hi] that ``part``'s step terms allow, by scipy quadrature
    piece by piece (the likelihood is smooth inside a piece)."""
    total = 0.0
    for a, b in part.allowed(m):
        a, b = max(a, lo), min(b, hi)
        if a < b:
            total += integrate.quad(lambda u: np.exp(part.logl(m, 10.0**u)), np.log10(a), np.log10(b),
                                    epsabs=0, epsrel=1e-9, limit=200)[0]
    return total


def quad_cdf(model, eps_max=None):
    """Z-normalised P(ε < eps_max) (and Z) by nested scipy quadrature of the numpy likelihood, log-uniform ε.

    The mass integrand is smooth (no step term starts or ends inside the reference mass range)."""
    joint = model.joint
    lo, hi = model.eps_range
    mlo, mhi = model.mass_range
    norm = np.log10(hi / lo) * (mhi - mlo)

    def outer(top):
        return integrate.quad(lambda m: log_eps_integral(joint, m, lo, top), mlo, mhi, epsabs=0, epsrel=1e-7,
                              limit=100)[0] / norm

    z = outer(hi)
    return (outer(eps_max) / z if eps_max is not None else None), z


@pytest.fixture(scope="module")
def reference_grid():
    return grid_posterior(REFERENCE.model())


def test_reference_quantiles_and_evidence_match_quadrature(reference_grid):
    model = REFERENCE.model()
    grid = reference_grid
    lo, hi = grid.quantiles("eps", [0.025, 0.975])
    assert lo == pytest.approx(6.839e-4, rel=5e-3) and hi == pytest.approx(9.607e-4, rel=5e-3)
    p_lo, z = quad_cdf(model, lo)
    p_hi, _ = quad_cdf(model, hi)
    assert p_lo == pytest.approx(0.025, abs=2e-4) and p_hi == pytest.approx(0.975, abs=2e-4)
    assert grid.log_evidence == pytest.approx(np.log(z), abs=1e-4)
    assert grid.log_evidence_error < 1e-4


def test_reference_hpd_ends_at_the_wall_and_holds_its_level(reference_grid):
    grid = reference_grid
    summary = grid.summary()["parameters"]["eps"]
    (lo, hi), = summary["hpd95"]["pieces"]
    assert lo == pytest.approx(6.8e-4, rel=1e-6)  # NA64's upper edge: a wall, not something spanned
    assert hi == pytest.approx(9.27e-4, rel=2e-3)
    p_hi, _ = quad_cdf(REFERENCE.model(), hi)
    assert p_hi == pytest.approx(0.95, abs=1e-3)  # nothing below the wall, so the region holds P(eps < hi)
    assert summary["central95"]["method"].startswith("central")


@pytest.mark.parametrize("prior, weight, tol", [("uniform", 0.057, 0.005), ("log-uniform", 0.512, 0.01)])
def test_no_atomki_two_pieces_and_their_weights(prior, weight, tol):
    model = Analysis(eps_prior=prior, **NO_ATOMKI).model()
    grid = grid_posterior(model)
    pieces = grid.pieces()
    assert len(pieces) == 2
    assert pieces[0]["eps_range"][1] == pytest.approx(1.2e-4) and pieces[1]["eps_range"][0] == pytest.approx(6.8e-4)
    assert pieces[0]["weight"] == pytest.approx(weight, abs=tol)
    assert grid.cdf("eps", 1.2e-4) == pytest.approx(pieces[0]["weight"], abs=1e-6)
    sens = prior_sensitivity(model, grid)
    assert sens["warning"] and "set by the prior" in note_text(sens["warning"])


def test_lepton_mode_grid_evidence_matches_the_product_of_quadratures():
    # ln L = ln L_e(m, eps_e) + ln L_mu(m, eps_mu): at fixed mass the 2-D integral is a product
    analysis = Analysis(limits=LIMITS, couplings="lepton", mass_range=(16.6, 16.8), atomki=None)
    model = analysis.model()
    grid = grid_posterior(model)
    lo, hi = model.eps_range
    joint = model.joint

    def one(part, m):
        return log_eps_integral(part, m, lo, hi) / np.log10(hi / lo)

    z = integrate.quad(lambda m: one(joint.part("eps_e"), m) * one(joint.part("eps_mu"), m), 16.6, 16.8,
                       epsrel=1e-8)[0] / 0.2
    assert grid.log_evidence == pytest.approx(np.log(z), abs=1e-4)
