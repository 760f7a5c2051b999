"""dpfit.inference.profile.minimum: the coupling's profile minimum, in closed form per allowed piece and numerically
for a term without one, against dense searches."""

import numpy as np
import pytest

from tests.helpers import fv_quadrature
from tests.inference.profile.profile_helpers import MASS, dense_minimum, student_likelihood
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.profile.minimum import crossing, merge, piece_candidate, profile_minimum, quadratic_minimum_x
from dpfit.inference.profile.scan import scan_1d
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PoissonLimit
from dpfit.model.analysis import Analysis

M_E, M_MU, ALPHA = 0.51099895069, 105.6583755, 1 / 137


@pytest.fixture(scope="module")
def with_student():
    return student_likelihood()


def test_profile_minimum_equals_a_dense_search_for_every_step_term_type():
    """The vectorised profile (χ² at 0, sqrt(x*) and every term's edges) equals the minimum over a dense ε grid
    with every edge added, for the reference analysis plus a step term that only defines ``allowed``."""
    from dpfit.inference.profile.minimum import profile_minimum, quadratic_minimum_x
    from dpfit.likelihood.terms import Term

    base = Analysis(electron="Rb20").likelihood()
    centre = float(np.sqrt(quadratic_minimum_x(base, 16.7)))
    low, high = 0.95 * centre, 1.05 * centre  # a gap around the unconstrained minimum, below 17 MeV

    class Gap(Term):
        name, lepton = "gap", "e"

        def logl(self, m, eps):
            m, eps = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(eps, dtype=float))
            return np.where((m < 17.0) & (eps > low) & (eps < high), -np.inf, 0.0)

        def allowed(self, m):
            return [(0.0, low), (high, np.inf)] if m < 17.0 else [(0.0, np.inf)]

    joint = base + Gap()
    masses = np.linspace(15.8, 17.6, 37)
    best, best_eps = profile_minimum(joint, masses)
    for i, m in enumerate(masses):
        edges = [e for lo, hi in joint.allowed(m) for e in (lo, hi) if np.isfinite(e)]
        grid = np.unique(np.concatenate([np.geomspace(1e-5, 1e-2, 20001), edges]))
        dense = -2.0 * joint.logl(m, grid)
        if not np.isfinite(dense).any():
            assert best[i] == np.inf and np.isnan(best_eps[i])
            continue
        assert best[i] <= dense.min() + 1e-12          # never above a grid point: it is the minimum
        assert best[i] == pytest.approx(dense.min(), abs=1e-6)  # and the grid comes within its spacing
        assert -2.0 * joint.logl(m, best_eps[i]) == best[i]



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



def test_quadratic_minimum_is_the_weighted_mean_of_the_measurements():
    """x* = Σ k_i Δ_i/σ_i² / Σ k_i²/σ_i² for Gaussian (g-2) terms, k_i = α F_V(m/m_i)/2π by quadrature; −inf where χ²
    only grows with x (a Poisson limit alone), NaN where it is flat (walls alone)."""
    mu = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA)
    e = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, ALPHA)
    masses = np.array([16.0, 17.0])
    k_mu = ALPHA / (2 * np.pi) * np.array([fv_quadrature(m / M_MU) for m in masses])
    k_e = ALPHA / (2 * np.pi) * np.array([fv_quadrature(m / M_E) for m in masses])
    expected = ((k_mu * 262e-11 / 45e-11**2 + k_e * 34e-14 / 16e-14**2) /
                (k_mu**2 / 45e-11**2 + k_e**2 / 16e-14**2))
    assert quadratic_minimum_x(JointLikelihood([mu, e]), masses) == pytest.approx(expected, rel=1e-9)
    limit = PoissonLimit("up", "e", np.array([10.0, 30.0]), np.array([1e-3, 1e-3]), (10.0, 30.0), cl=0.9)
    assert np.isneginf(quadratic_minimum_x(JointLikelihood([limit]), masses)).all()
    wall = Exclusion("x", "e", np.array([17.0]), np.array([1e-4]), np.array([5e-4]), (16.0, 18.0))
    assert np.isnan(quadratic_minimum_x(JointLikelihood([wall]), masses)).all()


def test_piece_candidate_clips_the_free_minimum_to_the_piece():
    lo, hi = 1e-3, 3e-3
    assert piece_candidate(4e-6, lo, hi) == pytest.approx(2e-3, rel=1e-15)  # inside: sqrt(x*)
    assert piece_candidate(1e-8, lo, hi) == lo and piece_candidate(1.0, lo, hi) == hi
    assert piece_candidate(-np.inf, lo, hi) == lo and piece_candidate(np.nan, lo, hi) == lo  # grows, or flat
    assert piece_candidate(np.array([1e-8, 4e-6, 1.0]), lo, np.inf).tolist() == pytest.approx([lo, 2e-3, 1.0])


def test_merge_joins_touching_intervals_and_crossing_finds_the_root():
    assert merge([(3.0, 4.0), (1.0, 2.0), (2.0, 2.5), (5.0, 6.0)]) == [[1.0, 2.5], [3.0, 4.0], [5.0, 6.0]]
    assert merge([]) == []
    root = crossing(lambda x: x * x - 2.0, 0.0, 2.0)
    assert abs(root - np.sqrt(2.0)) <= 4 * np.finfo(float).eps * np.sqrt(2.0)


def test_a_wall_on_the_free_minimum_moves_the_minimum_to_its_nearer_edge():
    """Rb20's free minimum sits inside an excluded band: the profile minimum is the band edge with the lower χ²,
    χ² = ((k ε² − Δ)/σ)² written out."""
    k = ALPHA / (2 * np.pi) * fv_quadrature(MASS / M_E)
    centre = np.sqrt(34e-14 / k)
    lo, hi = 0.9 * centre, 1.2 * centre
    wall = Exclusion("x", "e", np.array([MASS]), np.array([lo]), np.array([hi]), (16.0, 18.0))
    joint = JointLikelihood([Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, ALPHA), wall])
    best, best_eps = profile_minimum(joint, [MASS, 18.5])
    chi2 = lambda eps: ((k * eps**2 - 34e-14) / 16e-14) ** 2  # noqa: E731
    assert best_eps[0] == lo and best[0] == pytest.approx(chi2(lo), rel=1e-9) and chi2(lo) < chi2(hi)
    assert best[1] == pytest.approx(0.0, abs=1e-12)  # outside the wall's mass range: the free minimum
