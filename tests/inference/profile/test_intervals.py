"""dpfit.inference.profile.intervals: what an interval holds (two-sided, or one-sided with the Chernoff coverage)
and the term that sets each edge."""

import math

import numpy as np
import pytest
from scipy import stats

import dpfit
from tests.helpers import fv_quadrature
from tests.inference.profile.profile_helpers import MASS, poisson_reproducer
from dpfit.inference.levels import parse_level
from dpfit.inference.profile.fit import fit
from dpfit.inference.profile.intervals import BOUNDARY, build_interval, edge_owner
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian
from dpfit.model.analysis import Analysis
from dpfit.output.wording import interval_text

M_E, M_MU, ALPHA = 0.51099895069, 105.6583755, 1 / 137


@pytest.fixture(scope="module")
def poisson_analysis(tmp_path_factory):
    """The issue's reproducer: Rb20 with a one-sided electron limit at 1e-3 read as zero observed events."""
    return poisson_reproducer(tmp_path_factory.mktemp("poisson"))


def test_poisson_edges_are_named_after_the_poisson_term(poisson_analysis):
    result = dpfit.fit(poisson_analysis, mass=MASS)
    upper = result.intervals["eps"]["1sigma"].edges[0][1]
    name = poisson_analysis.likelihood()[1].name
    assert upper == name  # the count's χ² rises faster than Rb20's at 7.6e-4



def test_reference_interval_edges_name_their_terms():
    result = fit(Analysis(limits=("na64_point", "padme")), mass=MASS)
    assert result.intervals["eps"]["1sigma"].edges == [["na64_point", "gm2:Rb20"]]
    assert result.intervals["eps"]["1sigma"].pieces[0][0] == 6.8e-4
    contour = fit(Analysis(), mass=MASS)  # the published NA64 contour: the wall moves to 6.62e-4
    assert contour.intervals["eps"]["1sigma"].edges == [["na64", "gm2:Rb20"]]
    assert contour.intervals["eps"]["1sigma"].pieces[0][0] == pytest.approx(6.62e-4, rel=0.005)



@pytest.mark.parametrize("label", ["1sigma", "2sigma", "0.9", "0.95"])
def test_an_interval_holds_its_level_two_sided_and_the_chernoff_coverage_one_sided(label):
    level = parse_level(label)
    c = stats.chi2.ppf(level.probability, 1)
    two = build_interval(level, c, [[1e-4, 2e-4]], [["a", "b"]], on_boundary=False)
    assert two.sided == "two-sided" and two.coverage == level.probability
    assert two.to_dict()["coverage_range"] == [level.probability, level.probability]
    assert interval_text(two).startswith(f"delta chi2 <= {c:.4g}, two-sided ")
    one = build_interval(level, c, [[0.0, 2e-4]], [[BOUNDARY, "b"]], on_boundary=True)
    # ½δ₀ + ½χ²(1) below the edge: P(Δχ² ≤ c) = ½ + ½ F_χ²(1)(c) = Φ(√c)
    assert one.sided == "one-sided" and one.coverage == pytest.approx(stats.norm.cdf(math.sqrt(c)), rel=1e-12)
    assert one.to_dict()["coverage_range"] == [level.probability, one.coverage]
    assert "one-sided upper limit, coverage between" in interval_text(one)
    assert one.to_dict()["pieces"] == [[0.0, 2e-4]] and one.to_dict()["edges"] == [[BOUNDARY, "b"]]


def test_edge_owner_names_zero_the_walls_and_the_steepest_measurement():
    mu = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA)
    e = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, ALPHA)
    wall = Exclusion("na64", "e", np.array([MASS]), np.array([1e-4]), np.array([6.8e-4]), (16.0, 18.0))
    joint = JointLikelihood([mu, e, wall])
    assert edge_owner(joint, MASS, 0.0) == BOUNDARY and edge_owner(joint, MASS, np.inf) == "open"
    assert edge_owner(joint, MASS, 6.8e-4) == "na64" and edge_owner(joint, MASS, 1e-4) == "na64"
    # elsewhere, the measurement whose χ² = ((k ε² − Δ)/σ)² has the larger slope 4kε(kε² − Δ)/σ² in size
    k_mu, k_e = (ALPHA / (2 * math.pi) * fv_quadrature(MASS / m) for m in (M_MU, M_E))
    for eps in (5e-4, 9e-4, 1.5e-3, 2.5e-3):
        slope_mu = abs(4 * k_mu * eps * (k_mu * eps**2 - 262e-11) / 45e-11**2)
        slope_e = abs(4 * k_e * eps * (k_e * eps**2 - 34e-14) / 16e-14**2)
        assert edge_owner(joint, MASS, eps) == ("gm2:WP20" if slope_mu > slope_e else "gm2:Rb20")
    assert edge_owner(JointLikelihood([wall]), MASS, 3e-3) == "unknown"  # no wall there, no measurement
