"""Terms declare what they are, and every command is right for every term.

The references are independent: closed forms written here, dense grids, a brute-force Feldman-Cousins
construction with its own pseudo-experiments and numerical refits, and the issue's measured numbers.
"""

import math

import numpy as np
import pytest
from tests.likelihood.extension_terms import Eps2Measurement, StudentCoupling
from scipy import stats

import dpfit
from dpfit.errors import InputError
from dpfit.inference.profile.compatibility import compatibility
from dpfit.inference.frequentist.coverage import coverage
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.frequentist.constructions import frequentist_interval
from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.levels import parse_level
from dpfit.inference.profile.minimum import profile_minimum, quadratic_minimum_x
from dpfit.inference.profile.scan import scan_1d, scan_2d
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.inference.window import interval_algebra
from dpfit.model.analysis import Analysis

MASS = 16.7
N_C = -math.log(0.1)  # expected events at a 90 % CL limit with zero observed


@pytest.fixture(scope="module")
def poisson_analysis(tmp_path_factory):
    """The issue's reproducer: Rb20 with a one-sided electron limit at 1e-3 read as zero observed events."""
    path = tmp_path_factory.mktemp("poisson") / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    return Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                    limit_model="poisson", mass_range=(15.0, 18.0), eps_range=(1e-5, 1e-2))


def rb20_k_delta_sigma():
    term = Analysis(muon=None, atomki=None, limits=()).likelihood()[0]
    return float(term.shift_per_eps2(MASS)), term.delta, term.sigma


def poisson_chi2(eps):
    """χ² of the reproducer written out: the Rb20 pull² plus 2 N_c (ε/1e-3)²."""
    k, delta, sigma = rb20_k_delta_sigma()
    eps = np.asarray(eps, dtype=float)
    return ((k * eps**2 - delta) / sigma) ** 2 + 2 * N_C * (eps / 1e-3) ** 2


# ------------------------------------------------------------------ the Poisson limit in every command
def test_poisson_fit_matches_closed_form_and_the_issue(poisson_analysis):
    k, delta, sigma = rb20_k_delta_sigma()
    x_best = (k * delta / sigma**2 - N_C / 1e-6) / (k / sigma) ** 2  # d chi2 / dx = 0
    result = dpfit.fit(poisson_analysis, mass=MASS)
    assert result.best_fit["eps"] == pytest.approx(math.sqrt(x_best), rel=1e-6)
    assert result.best_fit["eps"] == pytest.approx(5.9458e-4, abs=5e-8)
    assert result.chi2_min == pytest.approx(float(poisson_chi2(math.sqrt(x_best))), rel=1e-9)
    assert result.chi2_min == pytest.approx(1.8957, abs=5e-5)
    one, two = result.intervals["eps"].values()
    assert one.pieces[0] == pytest.approx([3.590e-4, 7.604e-4], abs=5e-8)
    assert two.pieces[0][0] == 0.0 and two.pieces[0][1] == pytest.approx(8.960e-4, abs=5e-8)
    assert one.edges[0] == ["gm2:Rb20", "poisson_up"] or one.edges[0][1] != "gm2:Rb20"
    assert result.gof.ndof == 1 and result.gof.p_value == pytest.approx(stats.chi2.sf(result.chi2_min, 1), rel=1e-9)
    assert result.gof.p_value == pytest.approx(0.1686, abs=5e-4)


def test_poisson_scans_never_go_negative(poisson_analysis):
    joint = poisson_analysis.likelihood()
    eps = np.geomspace(1e-5, 1e-2, 2001)
    one = scan_1d(joint, MASS, eps)
    assert one.delta_chi2.min() >= 0 and one.chi2_min == pytest.approx(1.8957, abs=5e-5)
    assert np.allclose(one.delta_chi2, poisson_chi2(eps) - 1.895707, atol=2e-4)
    two = scan_2d(joint, np.linspace(15, 18, 40), eps[::10])
    assert np.nanmin(two.delta_chi2) >= 0


def test_poisson_edges_are_named_after_the_poisson_term(poisson_analysis):
    result = dpfit.fit(poisson_analysis, mass=MASS)
    upper = result.intervals["eps"]["1sigma"].edges[0][1]
    name = poisson_analysis.likelihood()[1].name
    assert upper == name  # the count's χ² rises faster than Rb20's at 7.6e-4


def test_interval_algebra_applies_the_poisson_limit_at_its_cl(tmp_path):
    path = tmp_path / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,9e-4\n30,9e-4\n")  # below Rb20's 2 sigma top, 9.587e-4
    analysis = Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                        limit_model="poisson")
    pieces = interval_algebra(analysis.likelihood(), MASS)
    assert pieces[-1][1] == pytest.approx(9e-4, rel=1e-12)
    from dpfit.inference.window import algebra_composition

    assert any("upper limit" in text and "(90 % one-sided)" in text for text in algebra_composition(analysis.likelihood(), MASS))


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


def test_muon_poisson_limit_under_wp20_is_excluded(tmp_path):
    path = tmp_path / "mu.csv"
    path.write_text("mass_MeV,eps_lower\n10,5e-4\n30,5e-4\n")
    analysis = Analysis(muon="WP20", electron=None, atomki=None, limits=(), limit_files=(f"{path}:lepton=mu",),
                        limit_model="poisson", mass_range=(16.0, 17.5))
    result = dpfit.window(analysis, MASS, progress=False)
    assert result.status == "excluded"
    assert result.gof.ndof == 1 and result.gof.p_value == pytest.approx(9e-9, rel=0.1)


# ------------------------------------------------------------------ one prior, one place
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


# ------------------------------------------------------------------ goodness of fit with the mass free
def test_free_mass_gof_gives_a_p_value_with_its_method():
    result = dpfit.fit(Analysis(muon="WP20"))
    assert not result.mass_fixed and result.gof.p_value is not None
    assert result.gof.p_value < 2e-5 and "toys from the best fit" in result.gof.distribution
    assert result.gof.ndof == 1


def test_unconstrained_mass_is_said():
    result = dpfit.fit(Analysis())
    assert not result.mass_constrained
    assert any("mass not constrained" in n for n in result.notes)


# ------------------------------------------------------------------ a new term type, in one module
@pytest.fixture(scope="module")
def with_eps2():
    base = Analysis(muon=None, electron="Rb20", atomki=None, limits=()).likelihood()
    k = float(base[0].shift_per_eps2(MASS))
    term = Eps2Measurement("eps2_exp", "e", mean=base[0].delta / k * 1.3, sigma=base[0].sigma / k * 1.5)
    return base + term, term


def dense_minimum(chi2, top=3e-3, n=400_001):
    eps = np.linspace(0.0, top, n)
    values = chi2(eps)
    i = int(np.argmin(values))
    return eps[i], values[i]


def test_new_term_is_fitted_scanned_and_profiled_in_closed_form(with_eps2):
    joint, term = with_eps2
    assert quadratic_minimum_x(joint, MASS) is not None
    chi2 = lambda e: -2 * joint.logl(MASS, e)  # noqa: E731
    eps_ref, chi2_ref = dense_minimum(chi2)
    result = fit_fixed_mass(joint, MASS)
    assert result.best_fit["eps"] == pytest.approx(eps_ref, rel=1e-5)
    assert result.chi2_min == pytest.approx(chi2_ref, abs=1e-6)
    assert result.gof.ndof == 1  # two measurements, one coupling
    scan = scan_1d(joint, MASS, np.geomspace(1e-5, 3e-3, 500))
    assert scan.delta_chi2.min() >= 0 and scan.chi2_min == pytest.approx(chi2_ref, abs=1e-6)
    pair = compatibility(joint, MASS).pairs
    assert [(t.first, t.second) for t in pair] == [("gm2:Rb20", "eps2_exp")]


def test_new_term_in_toys_intervals_coverage_and_posterior(with_eps2):
    joint, term = with_eps2
    model = ToyModel.from_joint(joint, MASS)
    assert model.names == ("electron_rb20", "eps2_exp") and model.k[1] == 1.0
    fc = frequentist_interval(model, "fc", parse_level("0.6827"), 20_000, seed=1)
    assert fc.closed_form is not None and not any("disagree" in n for n in fc.notes)
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


# ------------------------------------------------------------------ a term without a closed form
@pytest.fixture(scope="module")
def with_student():
    base = Analysis(muon=None, electron="Rb20", atomki=None, limits=("na64",)).likelihood()
    term = StudentCoupling("student", "e", mean=8.5e-4, scale=1.5e-4, dof=3.0)
    return base + term


def test_term_without_closed_form_is_profiled_numerically(with_student):
    joint = with_student
    assert quadratic_minimum_x(joint, MASS) is None
    chi2 = lambda e: -2 * joint.logl(MASS, e)  # noqa: E731
    eps_ref, chi2_ref = dense_minimum(chi2)
    result = fit_fixed_mass(joint, MASS)
    assert result.best_fit["eps"] == pytest.approx(eps_ref, rel=1e-5)
    assert result.chi2_min == pytest.approx(chi2_ref, abs=1e-6)
    best, _ = profile_minimum(joint, np.array([MASS]))
    assert best[0] == pytest.approx(chi2_ref, abs=1e-6)
    # the Δχ² <= 1 interval against the dense grid (edges to the grid spacing)
    eps = np.linspace(0.0, 3e-3, 400_001)
    inside = eps[chi2(eps) <= chi2_ref + 1.0]
    (lo, hi), = result.intervals["eps"]["1sigma"].pieces
    assert lo == pytest.approx(inside.min(), abs=2e-8) and hi == pytest.approx(inside.max(), abs=2e-8)
    scan = scan_1d(joint, MASS, np.geomspace(1e-5, 3e-3, 800))
    finite = np.isfinite(scan.delta_chi2)
    assert scan.delta_chi2[finite].min() >= 0
    assert np.allclose(scan.delta_chi2[finite], chi2(scan.eps[finite[0]]) - chi2_ref, atol=1e-6)


def test_term_without_pseudo_data_refuses_toys(with_student):
    with pytest.raises(InputError, match="student"):
        ToyModel.from_joint(with_student, MASS)
