"""dpfit.inference.profile.scan: Δχ²(ε) and Δχ²(m, ε) against the exact minimum, the other coupling profiled, the
grids' nodes and limits, and the contour levels of a flat mass."""

import numpy as np
import pytest

from tests.helpers import fv_quadrature
from tests.inference.profile.profile_helpers import MASS, poisson_chi2, poisson_reproducer
from dpfit.errors import InputError
from dpfit.inference.levels import parse_levels
from dpfit.inference.profile.scan import coupling_grid, log_grid, mass_grid, scan_1d, scan_2d
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion
from dpfit.model.analysis import Analysis
from dpfit.output.plots import contour_labels

M_E = 0.51099895069
ALPHA = 1 / 137


@pytest.fixture(scope="module")
def poisson_analysis(tmp_path_factory):
    """The issue's reproducer: Rb20 with a one-sided electron limit at 1e-3 read as zero observed events."""
    return poisson_reproducer(tmp_path_factory.mktemp("poisson"))


def test_poisson_scans_never_go_negative(poisson_analysis):
    joint = poisson_analysis.likelihood()
    eps = np.geomspace(1e-5, 1e-2, 2001)
    one = scan_1d(joint, MASS, eps)
    assert one.delta_chi2.min() >= 0 and one.chi2_min == pytest.approx(1.8957, abs=5e-5)
    assert np.allclose(one.delta_chi2, poisson_chi2(eps) - 1.895707, atol=2e-4)
    two = scan_2d(joint, np.linspace(15, 18, 40), eps[::10])
    assert np.nanmin(two.delta_chi2) >= 0



def test_scan_profiles_other_coupling_in_lepton_mode():
    from dpfit.inference.profile.scan import scan_1d

    joint = Analysis(couplings="lepton").likelihood()
    scan = scan_1d(joint, 16.7, np.geomspace(1e-4, 2e-3, 100), axis="eps_mu")
    assert np.nanmin(scan.delta_chi2) >= -1e-12
    assert np.isfinite(scan.delta_chi2).all()  # nothing excludes eps_mu


def test_grid_too_large_is_refused():
    from dpfit.inference.profile.scan import scan_2d

    with pytest.raises(InputError, match="exceeds"):
        scan_2d(Analysis().likelihood(), np.linspace(16, 17, 6000), np.geomspace(1e-4, 1e-2, 6000))



def test_scan_contours_use_one_parameter_levels_when_the_mass_is_flat():
    from dpfit.inference.profile.scan import scan

    grid = scan(Analysis(limits=("na64_point", "padme")), points=(30, 30))
    assert grid.mass_unconstrained
    thresholds, ndof = grid.contour_levels(parse_levels("1sigma,2sigma"))
    assert ndof == 1 and thresholds == {"1sigma": 1.0, "2sigma": 4.0}
    labels = contour_labels(grid, parse_levels("1sigma"))
    assert list(labels) == ["1sigma: delta chi2 <= 1, 68.27 % (1 parameter (mass unconstrained))"]



def rb20_with_wall():
    """Rb20 and a wall whose band runs from (1e-4, 5e-4) at 15 MeV to (2e-4, 6e-4) at 18 MeV, over 15.5-17.5 MeV."""
    rb20 = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, ALPHA)
    wall = Exclusion("x", "e", np.array([15.0, 18.0]), np.array([1e-4, 2e-4]), np.array([5e-4, 6e-4]), (15.5, 17.5))
    return JointLikelihood([rb20, wall])


def hand_wall(m):
    """The wall's edges at m by log-log interpolation written out."""
    t = np.log(m / 15.0) / np.log(18.0 / 15.0)
    return 1e-4 * 2.0**t, 5e-4 * (6.0 / 5.0) ** t


def test_scan_1d_is_the_closed_form_delta_chi2_with_the_wall_infinite():
    joint, m = rb20_with_wall(), 16.0
    eps = np.geomspace(1e-5, 1e-2, 301)
    scan = scan_1d(joint, m, eps)
    k = ALPHA / (2 * np.pi) * fv_quadrature(m / M_E)
    lo, hi = hand_wall(m)
    assert np.sqrt(34e-14 / k) > hi  # the free minimum is allowed: χ²_min = 0
    chi2 = ((k * eps**2 - 34e-14) / 16e-14) ** 2
    inside = (eps > lo) & (eps < hi)
    assert scan.chi2_min == pytest.approx(0.0, abs=1e-12)
    assert np.isinf(scan.delta_chi2[0, inside]).all()
    assert scan.delta_chi2[0, ~inside] == pytest.approx(chi2[~inside], rel=1e-9, abs=1e-12)
    assert scan.edges[:, 0] == pytest.approx([lo, hi], rel=1e-12)
    rows = scan.rows()
    assert rows.shape == (301, 3) and np.all(rows[:, 0] == m) and np.array_equal(rows[:, 1], eps)


def test_scan_2d_is_relative_to_the_best_mass():
    joint = rb20_with_wall()
    masses, eps = np.array([16.0, 17.0]), np.geomspace(1e-4, 2e-3, 50)
    scan = scan_2d(joint, masses, eps)
    assert scan.delta_chi2.shape == (2, 50) and np.nanmin(scan.delta_chi2[np.isfinite(scan.delta_chi2)]) >= 0
    assert scan.per_mass == pytest.approx([0.0, 0.0], abs=1e-12)  # Rb20's minimum is allowed at both masses
    full = -2 * joint.logl(masses[:, None], eps[None, :])
    assert np.array_equal(np.isinf(scan.delta_chi2), np.isinf(full))
    assert scan.delta_chi2[np.isfinite(full)] == pytest.approx(full[np.isfinite(full)] - scan.chi2_min, abs=1e-9)


def test_grids_put_nodes_on_the_walls_and_the_mass_breaks():
    joint = rb20_with_wall() + PreferredRegion("box", "e", 16.5, 1.0, 2e-4, 1.4e-3)
    grid = coupling_grid(joint, [16.0], (1e-5, 1e-2), 40)
    lo, hi = hand_wall(16.0)  # allowed at 16 MeV: [hi, 1.4e-3], the wall's upper edge to the box's top
    assert grid.min() == pytest.approx(hi / 2, rel=1e-12) and grid.max() == pytest.approx(2.8e-3, rel=1e-12)
    assert grid.size == 40 + 2 * 8 + 2  # the span's 40 (its ends: the walls), 8 each side, a node outside each end
    assert 1.4e-3 in grid and np.any(np.isclose(grid, hi, rtol=1e-12, atol=0))  # the walls are nodes
    assert not np.any(np.isclose(grid, lo, rtol=1e-9, atol=0))  # the wall's lower edge lies below the grid
    assert np.isin([1.4e-3 * (1 + 1e-6)], grid).all() and np.any(np.isclose(grid, hi * (1 - 1e-6), rtol=1e-12))
    masses = mass_grid(joint, (15.0, 18.0), 4)
    assert np.isin([15.5, 17.5], masses).all() and np.isin(np.geomspace(15.0, 18.0, 4), masses).all()
    assert log_grid(1e-3, 1e-1, 3) == pytest.approx([1e-3, 1e-2, 1e-1], rel=1e-12)


@pytest.mark.parametrize("lo, hi, n, field", [(1e-3, 1e-4, 10, "scan range"), (0.0, 1.0, 10, "scan range"),
                                              (1e-4, 1e-3, 1, "points"), (1e-4, 1e-3, 2.5, "points"),
                                              (1e-4, 1e-3, 10_001, "points")])
def test_bad_grids_are_refused(lo, hi, n, field):
    with pytest.raises(InputError, match=f"^{field}: ") as info:
        log_grid(lo, hi, n)
    assert "\n" not in str(info.value)


def test_an_axis_no_term_reads_is_refused():
    with pytest.raises(InputError, match="one of eps"):
        scan_1d(rb20_with_wall(), 16.0, np.geomspace(1e-4, 1e-3, 5), axis="eps_mu")
    lepton = JointLikelihood(rb20_with_wall().terms, "lepton")
    with pytest.raises(InputError, match="no term reads eps_mu"):
        scan_1d(lepton, 16.0, np.geomspace(1e-4, 1e-3, 5), axis="eps_mu")
