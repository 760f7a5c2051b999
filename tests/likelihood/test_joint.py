"""dpfit.likelihood.joint: the Term protocol's defaults and JointLikelihood (sums, coupling modes, the iminuit cost,
walls, closed forms, normalisation), against hand computations; a few tests of new term types in toys, coverage and
posteriors wait here for their areas."""

import math

import numpy as np
import pytest
from iminuit import Minuit
from scipy import stats

from tests.helpers import fv_quadrature
from tests.inference.profile.profile_helpers import (ALPHA_PAPER, M_E, M_MU, MASS, N_C, only, rb20_k_delta_sigma,
                                                     student_likelihood)
from dpfit.errors import InputError
from dpfit.inference.frequentist.constructions import frequentist_interval
from dpfit.inference.frequentist.coverage import coverage
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.levels import parse_level
from dpfit.inference.window import interval_algebra
from dpfit.likelihood.joint import BandLevel, JointLikelihood, SeparableTerm, Term, cost_value, intersect
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PoissonLimit, PreferredRegion
from dpfit.model.analysis import Analysis


@pytest.fixture(scope="module")
def with_student():
    return student_likelihood()


class Wall(Term):
    """The smallest term: a wall excluding low < ε < high, declaring only ``logl`` and ``allowed``."""

    lepton = "e"

    def __init__(self, name, low, high):
        self.name, self.low, self.high = name, low, high

    def logl(self, m, eps):
        m, eps = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(eps, dtype=float))
        return np.where((eps > self.low) & (eps < self.high), -np.inf, 0.0)

    def allowed(self, m):
        return [(0.0, self.low), (self.high, np.inf)]


def wp20():
    return Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA_PAPER)


def rb20():
    return Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, ALPHA_PAPER)


# ------------------------------------------------------------------ sums and the iminuit cost
def test_terms_add_flatten_and_index():
    a = Gm2Gaussian("mu", "mu", "X", 1e-9, 1e-10, M_MU, ALPHA_PAPER)
    b = PreferredRegion("r", "e", 16.7, 0.85, 2e-4, 1.4e-3)
    c = Exclusion("x", "e", np.array([16.7]), np.array([1e-4]), np.array([5e-4]), (16, 18))
    joint = (a + b) + c
    assert isinstance(joint, JointLikelihood) and len(joint) == 3 and joint[2] is c
    assert joint.names == ["mu", "r", "x"]
    m = np.linspace(16, 17.5, 7)[:, None]
    eps = np.geomspace(1e-4, 1e-2, 5)[None, :]
    assert joint.logl(m, eps).shape == (7, 5)


@pytest.mark.parametrize("couplings", ["universal", "lepton"])
def test_fixed_mass_evaluation_equals_logl(couplings):
    """at_mass(m)(eps) is logl(m, eps) exactly, for every term type (a Gaussian-mass region, a Poisson limit,
    several bands) and for a term type that only defines logl."""
    from dpfit.likelihood.terms import PoissonLimit, Term

    class Tilted(Term):
        name, lepton = "tilt", "e"

        def logl(self, m, eps):
            return -np.asarray(eps, dtype=float) * m

    joint = Analysis(couplings=couplings, electron="Rb20").likelihood()
    for term in [
        PoissonLimit("p", "e", np.array([10.0, 20.0]), np.array([1e-3, 2e-3]), (10.0, 20.0), cl=0.9),
        PreferredRegion("g", "e", 16.9, 0.3, 1e-4, 2e-3, mass_model="gaussian"),
        Exclusion("two", "mu", np.array([15.0, 19.0]), np.array([[1e-4, 2e-4], [9e-4, 1e-3]]),
                  np.array([[3e-4, 4e-4], [1.1e-3, 1.3e-3]]), (15.0, 19.0)), Tilted()]:
        joint = joint + term  # joins the analysis' coupling mode
    eps = np.concatenate([[0.0], np.geomspace(1e-5, 1e-1, 400)])
    grids = (eps,) if couplings == "universal" else (eps[:, None], eps[None, ::-1])
    for m in (16.1, 16.7, 17.2, 18.5):
        assert np.array_equal(joint.at_mass(m)(*grids), joint.logl(m, *grids))


def test_joint_is_an_iminuit_cost():
    joint = only(muon="WP20").likelihood()
    minuit = Minuit(joint, m=17.0, eps=1.5e-3)
    minuit.fixed["m"] = True
    minuit.limits["eps"] = (0, None)
    minuit.migrad()
    assert minuit.valid
    assert minuit.values["eps"] == pytest.approx(1.823e-3, rel=1e-3)
    assert joint.errordef == 1



def test_sum_starts_from_zero_and_refuses_mixed_modes_and_non_terms():
    a, b, wall = wp20(), rb20(), Wall("w", 1e-4, 2e-4)
    total = sum([a, b, wall])
    assert isinstance(total, JointLikelihood) and total.names == ["mu", "e", "w"] and total.couplings == "universal"
    lepton = JointLikelihood([a], "lepton")
    assert (b + lepton).couplings == "lepton" and (b + lepton).names == ["e", "mu"]  # a term joins the sum's mode
    with pytest.raises(InputError, match="lepton couplings"):
        lepton + JointLikelihood([b])
    with pytest.raises(InputError, match="lepton couplings"):
        JointLikelihood([JointLikelihood([a]), b], "lepton")
    with pytest.raises(TypeError, match="Term objects"):
        JointLikelihood([a, "na64"])
    with pytest.raises(TypeError):
        a + 1.0


def test_cost_is_minus_two_logl_and_infinite_outside_the_domain():
    joint = JointLikelihood([wp20(), Wall("w", 1e-3, 2e-3)])
    k = ALPHA_PAPER / (2 * math.pi) * fv_quadrature(17.0 / M_MU)
    eps = 8e-4
    assert joint(17.0, eps) == pytest.approx(((k * eps**2 - 262e-11) / 45e-11) ** 2, rel=1e-9)
    for m, e in ((-1.0, eps), (17.0, -eps), (17.0, np.nan), (np.inf, eps), (17.0, 1.5e-3)):
        assert joint(m, e) == np.inf  # outside m, eps >= 0, NaN, or inside the wall: +inf, never an exception
    assert cost_value(lambda m, e: np.nan, 17.0, eps) == np.inf


def test_logl_names_a_bad_argument():
    joint = JointLikelihood([wp20()])
    with pytest.raises(InputError, match="field 'm'.*expected numbers"):
        joint.logl("seventeen", 1e-3)
    with pytest.raises(InputError, match="field 'eps'.*NaN"):
        joint.logl(17.0, np.array([1e-3, np.nan]))
    with pytest.raises(TypeError, match="expected couplings"):
        joint.logl(17.0, 1e-3, 1e-3)


# ------------------------------------------------------------------ coupling modes
def test_lepton_mode_each_term_reads_its_own_coupling():
    mu, e = wp20(), rb20()
    joint = JointLikelihood([mu, e], "lepton")
    assert joint.parameters == ("m", "eps_e", "eps_mu") and mu.reads == "eps_mu" and e.reads == "eps_e"
    m, eps_e, eps_mu = 16.7, np.array([3e-4, 9e-4]), np.array([1.5e-3, 2e-3])
    k_mu = ALPHA_PAPER / (2 * math.pi) * fv_quadrature(m / M_MU)
    k_e = ALPHA_PAPER / (2 * math.pi) * fv_quadrature(m / M_E)
    hand = -0.5 * (((k_mu * eps_mu**2 - 262e-11) / 45e-11) ** 2 + ((k_e * eps_e**2 - 34e-14) / 16e-14) ** 2)
    assert joint.logl(m, eps_e, eps_mu) == pytest.approx(hand, rel=1e-9)
    parts = joint.parts()
    assert list(parts) == ["eps_e", "eps_mu"] and parts["eps_mu"].names == ["mu"]
    assert parts["eps_e"].couplings == "universal"
    assert JointLikelihood([mu]).part("eps").names == ["mu"]  # universal: every term reads eps
    with pytest.raises(InputError, match="no coupling parameter 'eps'"):
        joint.part("eps")


# ------------------------------------------------------------------ what the terms declare, summed
def test_quadratic_is_the_sum_of_the_terms_closed_forms():
    """(A, B) of χ² = A x² + B x + g(m), x = ε²: A = Σ k²/σ², B = −2 Σ kΔ/σ² + 2 N_c/ε_up² (a Poisson limit)."""
    mu, e = wp20(), rb20()
    limit = PoissonLimit("up", "e", np.array([10.0, 30.0]), np.array([1e-3, 1e-3]), (10.0, 30.0), cl=0.9)
    joint = JointLikelihood([mu, e, limit, Wall("w", 1e-2, 2e-2)])
    m = np.array([16.0, 17.0])
    k_mu = ALPHA_PAPER / (2 * np.pi) * np.array([fv_quadrature(x / M_MU) for x in m])
    k_e = ALPHA_PAPER / (2 * np.pi) * np.array([fv_quadrature(x / M_E) for x in m])
    a, b = joint.quadratic(m)
    assert a == pytest.approx((k_mu / 45e-11) ** 2 + (k_e / 16e-14) ** 2, rel=1e-9)
    expected_b = -2 * (k_mu * 262e-11 / 45e-11**2 + k_e * 34e-14 / 16e-14**2) + 2 * N_C / 1e-6
    assert b == pytest.approx(expected_b, rel=1e-9)
    x = np.array([0.0, 4e-7, 9e-7])  # the closed form reproduces χ² differences at the wall-free couplings
    chi2 = -2 * joint.logl(17.0, np.sqrt(x))
    assert chi2 - chi2[0] == pytest.approx(a[1] * x**2 + b[1] * x, rel=1e-9)
    assert (joint + student_term()).quadratic(m) is None  # one term without a closed form: none for the sum


def student_term():
    from tests.likelihood.extension_terms import StudentCoupling

    return StudentCoupling("student", "e", mean=8.5e-4, scale=1.5e-4, dof=3.0)


def test_data_counts_measurements_and_normalisation():
    mu, e = wp20(), rb20()
    box = PreferredRegion("box", "e", 16.7, 0.5, 1e-4, 1e-3)
    gauss = PreferredRegion("g", "e", 16.7, 0.5, 1e-4, 1e-3, "gaussian")
    joint = JointLikelihood([mu, e, box, gauss, Wall("w", 1e-4, 2e-4)])
    assert joint.ndata == 3  # two (g-2) terms and a Gaussian mass; the box and the wall carry none
    assert joint.measurements() == [mu, e]
    # Σ ln of the Gaussian densities' constants: ln N(Δ | Δ, σ) of each measurement
    expected = stats.norm.logpdf(0.0, scale=45e-11) + stats.norm.logpdf(0.0, scale=16e-14)
    assert joint.log_normalisation() == pytest.approx(expected, rel=1e-12)


def test_without_mass_parts_frees_the_gaussian_mass():
    region = PreferredRegion("g", "e", 17.0, 0.2, 1e-4, 1e-3, "gaussian")
    joint = JointLikelihood([rb20(), region])
    free = joint.without_mass_parts()
    assert free.names == joint.names and free[0] is joint[0]
    m, eps = np.array([17.0, 17.4, 19.0]), 5e-4
    # the Gaussian mass contributed −½((m − 17)/0.2)²; without it only Rb20 remains inside the ε box
    assert joint.logl(m, eps) - free.logl(m, eps) == pytest.approx(-0.5 * ((m - 17.0) / 0.2) ** 2, rel=1e-12)
    assert free.logl(19.0, 2e-3) == -np.inf  # the ε box stays


def test_allowed_pieces_and_coupling_edges_of_the_walls():
    joint = JointLikelihood([rb20(), Wall("a", 1e-4, 3e-4), Wall("b", 2e-4, 5e-4),
                             PreferredRegion("r", "e", 17.0, 0.5, 5e-5, 8e-4)])
    assert joint.allowed(17.0) == [(5e-5, 1e-4), (5e-4, 8e-4)]  # [0,1e-4)∪(3e-4,∞) ∩ ... ∩ [5e-5, 8e-4]
    assert joint.allowed(18.0) == []  # outside the region's box
    assert intersect([(0.0, 1.0), (2.0, 3.0)], [(0.5, 2.5)]) == [(0.5, 1.0), (2.0, 2.5)]
    edges = joint.coupling_edges([17.0, 18.0])
    assert edges.shape == (4 + 4 + 2, 2)  # the Wall's default asks allowed(): 4 ends each; the region's two
    column = edges[:, 0]
    assert set(column[np.isfinite(column) & (column > 0)]) == {1e-4, 3e-4, 2e-4, 5e-4, 5e-5, 8e-4}
    assert np.isinf(column).sum() == 2 and (column == 0).sum() == 2  # each wall's pieces (0, lo), (hi, inf)
    assert np.isnan(edges[-2:, 1]).all()  # the region allows nothing at 18 MeV
    assert JointLikelihood([rb20()]).coupling_edges([17.0]).shape == (0, 1)  # no walls, no edges


def test_default_mass_range_from_the_region_else_the_limits():
    box = PreferredRegion("box", "e", 16.9, 0.6, 1e-4, 1e-3)
    gauss = PreferredRegion("g", "e", 16.9, 0.2, 1e-4, 1e-3, "gaussian")
    cut = Exclusion("x", "e", np.array([16.7]), np.array([1e-4]), np.array([5e-4]), (15.0, 19.0))
    other = Exclusion("y", "e", np.array([16.7]), np.array([1e-4]), np.array([5e-4]), (12.0, 18.0))
    assert JointLikelihood([rb20(), cut, box]).default_mass_range() == pytest.approx((16.3, 17.5))
    assert JointLikelihood([gauss, cut]).default_mass_range() == pytest.approx((16.3, 17.5))  # ± 3σ
    assert JointLikelihood([cut, other]).default_mass_range() == (12.0, 19.0)
    assert JointLikelihood([rb20()]).default_mass_range() is None
    assert JointLikelihood([cut, other]).mass_breaks() == [15.0, 19.0, 12.0, 18.0]


def test_term_defaults_declare_nothing():
    wall = Wall("w", 1e-4, 2e-4)
    assert wall.ndata == 0 and not wall.smooth and wall.reads == "eps_e" and wall.label == "w"
    a, b = wall.quadratic(np.array([16.0, 17.0]))
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [0.0, 0.0]  # a wall does not depend on ε where it allows it
    assert wall.toy_data(17.0) is None and wall.mass_logl(17.0) is None and wall.log_normalisation() == 0.0
    assert wall.without_mass_part() is wall and wall.mass_breaks() == () and wall.mass_window() is None
    pieces, level = wall.band(17.0, 2.0)
    assert pieces == [(0.0, 1e-4), (2e-4, np.inf)] and level == BandLevel("w", "allowed region")
    eps = np.array([5e-5, 1.5e-4, 3e-4])
    assert np.array_equal(wall.at_mass(17.0)(eps), wall.logl(17.0, eps))
    assert wall(17.0, 1.5e-4) == np.inf and wall(17.0, 5e-5) == 0.0

    class Smooth(Term):
        name, lepton, smooth = "s", "mu", True

        def logl(self, m, eps):
            return -np.asarray(eps) ** 2

    assert Smooth().quadratic(17.0) is None  # smooth without a declared closed form: numerical
    assert Smooth().band(17.0, 1.0)[0] == [(0.0, np.inf)]


def test_separable_term_computes_the_mass_part_once():
    calls = []

    class Counted(SeparableTerm):
        name, lepton = "c", "e"

        def mass_part(self, m):
            calls.append(m)
            return 2.0 * np.asarray(m)

        def coupling_logl(self, part, eps):
            return -part * np.asarray(eps)

    term = Counted()
    f = term.at_mass(17.0)
    values = [f(e) for e in (1.0, 2.0, 3.0)]
    assert calls == [17.0] and values == [-34.0, -68.0, -102.0]
    assert term.logl(17.0, 2.0) == -68.0


# ------------------------------------------------------------------ waiting for their areas (toys, coverage, posteriors)
def brute_force_fc(eps_tests, cl, toys, seed):
    """FC p-values of the reproducer's data at each test ε: pseudo-data (Δa ~ N(kx, σ), n ~ Poisson(c x))
    refitted by minimising the full χ² (deviance) over a dense x grid; p = P(t_toy ≥ t_obs)."""
    k, delta, sigma = rb20_k_delta_sigma()
    c = N_C / 1e-6
    rng = np.random.default_rng(seed)
    xs = np.linspace(0.0, 4e-6, 4001)

    def chi2(x, d, n):
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * (c * x - n + np.where(n > 0, n * np.log(n / (c * x)), 0.0))
        return ((k * x - d) / sigma) ** 2 + dev

    p = []
    for eps in eps_tests:
        x0 = eps**2
        t_obs = chi2(x0, delta, 0.0) - chi2(xs, delta, 0.0).min()
        d = k * x0 + sigma * rng.standard_normal(toys)
        n = rng.poisson(c * x0, toys).astype(float)
        grid = chi2(xs[None, :], d[:, None], n[:, None])
        t = chi2(x0, d, n) - np.where(np.isnan(grid), np.inf, grid).min(axis=1)
        p.append(np.mean(t >= t_obs - 1e-9))
    return np.array(p)


def test_poisson_fc_matches_a_brute_force_construction(poisson_analysis):
    level = parse_level("0.6827")
    model = ToyModel.from_joint(poisson_analysis.likelihood(), MASS)
    assert model.rate == pytest.approx(N_C / 1e-6) and model.count == 0
    result = frequentist_interval(model, "fc", level, 20_000, seed=3)
    (lo, hi), = result.intervals
    assert lo == pytest.approx(3.55e-4, rel=0.03) and hi == pytest.approx(7.60e-4, rel=0.02)
    # the brute force puts p above 1 - CL just inside each edge and below it just outside
    p = brute_force_fc([0.93 * lo, 1.07 * lo, 0.97 * hi, 1.03 * hi], level.probability, 3000, seed=11)
    alpha = 1 - level.probability
    assert p[0] < alpha < p[1] and p[2] > alpha > p[3]


def test_poisson_term_is_fluctuated_in_coverage(poisson_analysis):
    model = ToyModel.from_joint(poisson_analysis.likelihood(), MASS)
    eps = np.array([6e-4])
    result = coverage(model, "chi2", parse_level("0.6827"), eps, 20_000, seed=2)
    # the same coverage from pseudo-data drawn here and the closed-form refit of the toys module
    k, delta, sigma = rb20_k_delta_sigma()
    rng = np.random.default_rng(5)
    d = k * 3.6e-7 + sigma * rng.standard_normal(20_000)
    n = rng.poisson(N_C / 1e-6 * 3.6e-7, 20_000)
    x_star = (d * k / sigma**2) / (k / sigma) ** 2
    reference = np.mean(model.delta_chi2(3.6e-7, x_star, n) <= 1.0)
    assert result.coverage[0] == pytest.approx(reference, abs=4 * result.error[0])
    assert model.names == ("electron_rb20", poisson_analysis.likelihood()[1].name)


def test_gaussian_mass_counted_once_in_grid_and_chain():
    analysis = Analysis(atomki="atomki_4he", mass_prior="gaussian")
    model = analysis.model()
    grid = grid_posterior(model)
    assert grid.quantiles("m", [0.025, 0.5, 0.975]) == pytest.approx([16.364, 16.993, 17.620], abs=0.01)
    # the chain's log-posterior differs from the grid's integrand only by a constant
    from dpfit.inference.bayes.posterior import posterior

    post = posterior(model)
    theta = np.array([[16.5, math.log10(8e-4)], [17.2, math.log10(7e-4)], [16.9, math.log10(9e-4)]])
    chain = post(theta)
    joint = model.posterior_likelihood()
    direct = model.mass_log_prior(theta[:, 0]) + joint.logl(theta[:, 0], 10 ** theta[:, 1])
    assert np.ptp(chain - direct) < 1e-9
    from dpfit.inference.bayes.evidence import normalisation

    assert grid.log_evidence + normalisation(model) == pytest.approx(45.62, abs=0.01)


def test_new_term_in_toys_intervals_coverage_and_posterior(with_eps2):
    joint, term = with_eps2
    model = ToyModel.from_joint(joint, MASS)
    assert model.names == ("electron_rb20", "eps2_exp") and model.k[1] == 1.0
    fc = frequentist_interval(model, "fc", parse_level("0.6827"), 20_000, seed=1)
    assert fc.closed_form is not None and not any(n.kind.startswith("toys_disagree") for n in fc.notes)
    cov = coverage(model, "chi2", parse_level("0.6827"), np.array([8e-4]), 20_000, seed=1)
    assert cov.coverage[0] == pytest.approx(0.6827, abs=4 * cov.error[0])  # Gaussian in x, far from 0: Wilks exact
    model2 = dataclass_model(joint)
    grid = grid_posterior(model2)
    assert np.isfinite(grid.log_evidence)
    pieces = interval_algebra(joint, MASS)
    assert len(pieces) == 1


def dataclass_model(joint):
    from dpfit.model.model import Model

    return Model(joint, (16.0, 17.5), (1e-5, 1e-2), "uniform", "log-uniform", None, None, {})


def test_term_without_pseudo_data_refuses_toys(with_student):
    with pytest.raises(InputError, match="student"):
        ToyModel.from_joint(with_student, MASS)

