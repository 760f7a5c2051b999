"""Goodness of fit, compatibility and honestly labelled levels, against closed forms and scipy.stats.

Paper convention inputs (independent of dpfit's files): α = 1/137, Δa_μ(WP20) = 262(45)e-11,
Δa_e(Rb20) = 34(16)e-14, Δa_e(Cs18) = −102(26)e-14.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from tests.helpers import fv_quadrature
from dpfit.inference.profile.fit import fit
from dpfit.inference.levels import parse_level, parse_levels
from dpfit.inference.window import window
from dpfit.model.analysis import Analysis

ALPHA = 1 / 137
M_MU, M_E = 105.6583755, 0.51099895069
WP20, RB20, CS18 = (262e-11, 45e-11), (34e-14, 16e-14), (-102e-14, 26e-14)
MASS = 16.7


def k(mass, lepton_mass):
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / lepton_mass)


def paper(**kw):
    return Analysis(convention="paper", **{"limits": (), "atomki": None, **kw})


def test_wp20_with_rb20_p_value_and_tension_closed_form():
    km, ke = k(MASS, M_MU), k(MASS, M_E)
    x = (km * WP20[0] / WP20[1] ** 2 + ke * RB20[0] / RB20[1] ** 2) / (km**2 / WP20[1] ** 2 + ke**2 / RB20[1] ** 2)
    chi2 = ((km * x - WP20[0]) / WP20[1]) ** 2 + ((ke * x - RB20[0]) / RB20[1]) ** 2
    result = fit(paper(muon="WP20", electron="Rb20").likelihood(), mass=MASS)
    assert result.chi2_min == pytest.approx(chi2, rel=1e-8)
    assert result.gof.ndof == 1 and result.gof.distribution == "chi2(1)"
    assert result.gof.p_value == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-6)
    assert result.gof.significance == pytest.approx(math.sqrt(chi2), rel=1e-6)  # two-sided, one dof
    assert result.to_dict()["gof"]["p_value"] == result.gof.p_value
    from dpfit.inference.profile.compatibility import compatibility

    (pair,) = compatibility(paper(muon="WP20", electron="Rb20").likelihood(), MASS).pairs
    assert pair.chi2_pg == pytest.approx(chi2, rel=1e-8) and pair.ndof == 1  # each alone fits exactly
    assert pair.significance == pytest.approx(4.6, abs=0.05)


@pytest.mark.parametrize("p", [0.0, 2.86e-4, 0.0027, 0.3, 0.5, 0.881, 0.999, 1.0])
def test_significance_one_convention_never_negative(p):
    """Z(p) = Φ⁻¹(1 − p/2) (two-sided) for every p-value; p = 0.881 once printed as −1.2 sigma."""
    from dpfit.inference.profile.gof import SIGNIFICANCE_CONVENTION, GoodnessOfFit, Tension, significance

    z = significance(p)
    assert z >= 0 and z == pytest.approx(stats.norm.isf(p / 2), rel=1e-12, abs=1e-15)
    assert "Phi^-1(1 - p/2)" in SIGNIFICANCE_CONVENTION
    gof = GoodnessOfFit(1.0, 1, 1, p, "0.5 chi2(1) + 0.5 chi2(2)", z)
    pair = Tension("a", "b", 1.0, 1, p, z)
    for doc in (gof.to_dict(), pair.to_dict()):
        assert doc["significance_convention"] == SIGNIFICANCE_CONVENTION and doc["significance_sigma"] == z
    shown = gof.describe().split("p = ")[1]  # e.g. '0.881 (0.15 sigma, two-sided)'
    assert float(shown.split("(")[1].split(" sigma")[0]) >= 0 and "(-" not in shown and "−" not in shown
    with pytest.raises(ValueError):
        significance(1.5)


def test_fit_with_a_boundary_mixture_prints_no_negative_sigma(cli, tmp_path):
    limit = tmp_path / "my.csv"  # the edge at 17 MeV puts the best fit on a wall: a mixture p of 0.88
    limit.write_text("mass_MeV,eps_lower,eps_upper\n10,2e-4,7.5e-4\n16,2e-4,7.4e-4\n17,2e-4,7.2e-4\n25,2e-4,5e-4\n")
    code, out, err = cli("fit", "--mass", "16.7", "--limit-file", limit)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("goodness of fit"))
    p = float(line.split("p = ")[1].split()[0])
    z = float(line.split("(")[-1].split(" sigma")[0])
    assert p > 0.5 and z == pytest.approx(stats.norm.isf(p / 2), abs=0.01) and "two-sided" in line
    code, out, _ = cli("fit", "--mass", "16.7", "--limit-file", limit, "--format", "json")
    gof = json.loads(out)["gof"]
    assert gof["significance_sigma"] >= 0 and gof["significance_convention"].startswith("two-sided")


def test_chernoff_mixture_when_the_coupling_sits_on_zero():
    result = fit(paper(muon=None, electron="Cs18").likelihood(), mass=MASS)
    chi2 = (CS18[0] / CS18[1]) ** 2
    assert result.best_fit["eps"] == 0.0 and result.boundary["eps"] == "eps=0"
    assert result.chi2_min == pytest.approx(chi2, rel=1e-10)
    assert result.gof.distribution == "0.5 chi2(0) + 0.5 chi2(1)"
    assert result.gof.p_value == pytest.approx(0.5 * stats.chi2.sf(chi2, 1), rel=1e-8)
    # the one convention, two-sided: Z = Φ⁻¹(1 − p/2) of the mixture's p (about 4.0 sigma; sqrt(chi2) = 3.9)
    assert result.gof.significance == pytest.approx(stats.norm.isf(result.gof.p_value / 2), rel=1e-9)
    upper = result.intervals["eps"]["2sigma"]
    assert upper.sided == "one-sided" and upper.coverage == pytest.approx(stats.norm.cdf(2.0), rel=1e-12)  # 97.7 %
    # the most it holds (a true coupling at 0), not a guarantee: the label gives the range
    assert upper.to_dict()["coverage_range"] == [pytest.approx(stats.chi2.cdf(4, 1), rel=1e-12), upper.coverage]
    assert upper.describe() == ("delta chi2 <= 4, one-sided upper limit, coverage between 95.45 % and 97.72 % "
                                "(see `dpfit coverage`)")
    reach = CS18[0] + math.sqrt(CS18[0] ** 2 + 4 * CS18[1] ** 2)  # Δχ² = 4 above the minimum
    assert upper.pieces == [[0.0, pytest.approx(math.sqrt(reach / k(MASS, M_E)), rel=1e-6)]]


def test_two_parameter_levels_and_named_levels():
    one, two = parse_levels("1sigma,2sigma")
    assert one.delta_chi2(1) == 1.0 and two.delta_chi2(1) == 4.0
    assert one.delta_chi2(2) == pytest.approx(stats.chi2.ppf(stats.chi2.cdf(1, 1), 2), rel=1e-12)
    assert one.delta_chi2(2) == pytest.approx(2.30, abs=0.005) and two.delta_chi2(2) == pytest.approx(6.18, abs=0.005)
    p95 = parse_level("0.95")
    assert p95.delta_chi2(1) == pytest.approx(3.841, abs=5e-4) and p95.delta_chi2(2) == pytest.approx(5.991, abs=5e-4)
    for bad in ("0", "1", "1.5", "-2sigma", "twosigma", "9sigma"):
        with pytest.raises(ValueError):
            parse_level(bad)


@pytest.mark.parametrize("label, level", [("0.9", stats.chi2.ppf(0.9, 1)), ("3sigma", 9.0)])
def test_cl_option_edges_against_the_closed_form(cli, label, level):
    code, out, _ = cli("fit", "--mass", "17", "--muon", "WP20", "--electron", "none", "--limits", "none",
                       "--no-atomki", "--convention", "paper", "--cl", label, "--format", "json")
    assert code == 0
    interval = json.loads(out)["intervals"]["eps"][label]
    km = k(17.0, M_MU)
    n = math.sqrt(level)
    expected = [math.sqrt((WP20[0] - n * WP20[1]) / km), math.sqrt((WP20[0] + n * WP20[1]) / km)]
    assert interval["pieces"] == [pytest.approx(expected, rel=1e-6)]
    assert interval["delta_chi2"] == pytest.approx(level, rel=1e-12) and interval["sided"] == "two-sided"
    assert interval["coverage"] == pytest.approx(stats.chi2.cdf(level, 1), rel=1e-9)


def test_reference_interval_edges_name_their_terms():
    result = fit(Analysis(limits=("na64_point", "padme")), mass=MASS)
    assert result.intervals["eps"]["1sigma"].edges == [["na64_point", "gm2:Rb20"]]
    assert result.intervals["eps"]["1sigma"].pieces[0][0] == 6.8e-4
    contour = fit(Analysis(), mass=MASS)  # the published NA64 contour: the wall moves to 6.62e-4
    assert contour.intervals["eps"]["1sigma"].edges == [["na64", "gm2:Rb20"]]
    assert contour.intervals["eps"]["1sigma"].pieces[0][0] == pytest.approx(6.62e-4, rel=0.005)


def test_window_reports_excluded_status_instead_of_a_window(cli):
    result = window(Analysis(muon="WP20"), MASS)
    assert result.status == "excluded" and result.profile is None and result.posterior is None
    assert result.gof.p_value < 0.0027
    assert "gm2:WP20 vs gm2:Rb20" in result.compatibility.worst()
    code, out, _ = cli("window", "--muon", "WP20", "--format", "json", "--no-progress")
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "excluded" and doc["posterior"] is None
    assert doc["gof"]["p_value"] == pytest.approx(result.gof.p_value, rel=1e-12)
    code, out, _ = cli("window", "--muon", "WP20", "--gof-threshold", "1e-7", "--steps", "60", "--walkers", "8",
                       "--no-progress", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "allowed"


def test_box_region_includes_its_end_points():
    joint = Analysis().likelihood()
    assert np.isfinite(joint.logl(17.55, 8e-4)) and np.isfinite(joint.logl(15.85, 8e-4))
    from dpfit.likelihood.fused import compiled

    fast = compiled(joint, (15.85, 17.55))
    assert np.isfinite(fast.logl(np.array([15.85, 17.55]), np.array([8e-4, 8e-4]))).all()
    from dpfit.inference.profile.scan import scan

    grid = scan(Analysis(), points=(20, 20))
    assert np.isfinite(grid.delta_chi2[-1]).any() and np.isfinite(grid.delta_chi2[0]).any()


def test_gaussian_mass_prior_is_not_counted_twice():
    from dpfit.inference.bayes.posterior import posterior

    analysis = Analysis(atomki="atomki_4he", mass_prior="gaussian", muon=None, electron=None, limits=())
    post = posterior(analysis.model())
    m0, sigma = analysis.model().mass_gaussian
    theta = np.array([[m0, math.log10(7e-4)], [m0 + sigma, math.log10(7e-4)]])
    lp = post(theta)
    assert lp[0] - lp[1] == pytest.approx(0.5, rel=1e-12)  # the prior alone; twice would give 1.0


def test_free_mass_fit_says_when_the_mass_is_unconstrained():
    """The mass is 'not constrained' when the profile χ²(m) varies by at most Δχ² = 1 over the range: every mass is
    inside the 1σ interval, and no best-fit mass is quoted."""
    result = fit(paper(muon="WP25", electron=None, mass_range=(5.0, 50.0)))
    assert any(n.startswith("mass not constrained") for n in result.notes) and not result.mass_constrained
    assert result.gof.ndof == 0
    flat = fit(Analysis(limits=("na64_point", "padme")))  # the wall does not move with the mass
    assert any(n.startswith("mass not constrained") for n in flat.notes)
    constrained = fit(Analysis(muon="WP20"))  # WP20 against Rb20: chi2 falls by more than 1 across the range
    assert constrained.mass_constrained and not any(n.startswith("mass not constrained") for n in constrained.notes)


def test_scan_contours_use_one_parameter_levels_when_the_mass_is_flat():
    from dpfit.inference.profile.scan import scan

    grid = scan(Analysis(limits=("na64_point", "padme")), points=(30, 30))
    assert grid.mass_unconstrained
    thresholds, ndof = grid.contour_levels(parse_levels("1sigma,2sigma"))
    assert ndof == 1 and thresholds == {"1sigma": 1.0, "2sigma": 4.0}
    labels = grid.contour_labels(parse_levels("1sigma"))
    assert list(labels) == ["1sigma: delta chi2 <= 1, 68.27 % (1 parameter (mass unconstrained))"]
