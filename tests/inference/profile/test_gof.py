"""dpfit.inference.profile.gof: p-values, the boundary (Chernoff) mixture and the one significance convention,
against closed forms and scipy.stats (paper convention inputs, see profile_helpers; a posterior test waits here for
its area)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from tests.inference.profile.profile_helpers import CS18, M_E, M_MU, MASS, RB20, WP20, k, paper
from dpfit.inference.profile.fit import fit
from dpfit.inference.profile.gof import goodness_of_fit, tension
from dpfit.model.analysis import Analysis
from dpfit.output.wording import gof_text, interval_text


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
    shown = gof_text(gof).split("p = ")[1]  # e.g. '0.881 (0.15 sigma, two-sided)'
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
    assert interval_text(upper) == ("delta chi2 <= 4, one-sided upper limit, coverage between 95.45 % and 97.72 % "
                                "(see `dpfit coverage`)")
    reach = CS18[0] + math.sqrt(CS18[0] ** 2 + 4 * CS18[1] ** 2)  # Δχ² = 4 above the minimum
    assert upper.pieces == [[0.0, pytest.approx(math.sqrt(reach / k(MASS, M_E)), rel=1e-6)]]



@pytest.mark.parametrize("ndata, nfit, bounded", [(3, 1, 0), (3, 1, 1), (4, 2, 2), (1, 1, 1)])
def test_goodness_of_fit_is_the_boundary_mixture(ndata, nfit, bounded):
    """Σ_j C(b, j) 2⁻ᵇ χ²(k − p + j), χ²(0) a point mass at 0 (Self & Liang 1987), against scipy.stats term by term."""
    chi2 = 3.7
    gof = goodness_of_fit(chi2, ndata, nfit, bounded)
    ndof = ndata - nfit
    weights = [math.comb(bounded, j) / 2**bounded for j in range(bounded + 1)]
    expected = sum(w * (stats.chi2.sf(chi2, ndof + j) if ndof + j else 0.0) for j, w in enumerate(weights))
    assert gof.ndof == ndof and gof.bounded == bounded
    assert gof.p_value == pytest.approx(expected, rel=1e-12)
    assert gof.significance == pytest.approx(stats.norm.isf(expected / 2), rel=1e-10)
    name = " + ".join(f"{w:g} chi2({ndof + j})" for j, w in enumerate(weights)) if bounded else f"chi2({ndof})"
    assert gof.distribution == name


def test_no_dof_gives_no_p_value_and_tension_clips_at_zero():
    gof = goodness_of_fit(0.0, 2, 2)
    assert gof.p_value is None and gof.significance is None and "no degrees of freedom" in gof_text(gof)
    pair = tension("a", "b", 1.0, 0.6, 0.5, 1, 1, 1)  # round-off below the two fits' sum: χ²_PG = 0, p = 1, Z = 0
    assert pair.chi2_pg == 0.0 and pair.p_value == 1.0 and pair.significance == 0.0
    shared = tension("a", "b", 5.0, 1.0, 1.0, 1, 1, 2)
    assert shared.ndof == 0 and shared.p_value is None
    two = tension("a", "b", 9.0, 1.0, 2.0, 2, 2, 2)
    assert two.chi2_pg == 6.0 and two.p_value == pytest.approx(math.exp(-3.0), rel=1e-12)  # χ²(2): e^(−x/2)


# ------------------------------------------------------------------ waiting for its area


def test_gaussian_mass_prior_is_not_counted_twice():
    from dpfit.inference.bayes.posterior import posterior

    analysis = Analysis(atomki="atomki_4he", mass_prior="gaussian", muon=None, electron=None, limits=())
    post = posterior(analysis.model())
    m0, sigma = analysis.model().mass_gaussian
    theta = np.array([[m0, math.log10(7e-4)], [m0 + sigma, math.log10(7e-4)]])
    lp = post(theta)
    assert lp[0] - lp[1] == pytest.approx(0.5, rel=1e-12)  # the prior alone; twice would give 1.0

