"""dpfit.inference.profile.fit: MIGRAD best fits and exact Δχ² intervals at fixed or free mass, against closed forms
and dense grids (Gaussian (g-2) terms, walls, a zero-event Poisson limit, user-written terms)."""

import json
import math

import numpy as np
import pytest
from scipy import stats

import dpfit
from tests.inference.profile.profile_helpers import (ALPHA_PAPER, M_E, M_MU, MASS, N_C, REL, cut_card, dense_minimum,
                                                     k_factor, only, paper, poisson_chi2, rb20_k_delta_sigma)
from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.profile.compatibility import compatibility
from dpfit.inference.profile.fit import fit, fit_fixed_mass
from dpfit.inference.profile.minimum import quadratic_minimum_x
from dpfit.inference.profile.scan import scan_1d
from dpfit.inputs.load import default_dir
from dpfit.model.analysis import Analysis
from dpfit.output.wording import notes_text


# ------------------------------------------------------------------ fixed mass: closed forms
def test_wp20_intervals_closed_form():
    result = fit(only(muon="WP20").likelihood(), mass=17.0)
    k = k_factor(17.0, M_MU, ALPHA_PAPER)
    delta, sigma = 262e-11, 45e-11
    assert result.best_fit["eps"] == pytest.approx(np.sqrt(delta / k), rel=1e-5)
    for label, n in (("1sigma", 1), ("2sigma", 2)):
        (lo, hi), = result.pieces(label)
        assert lo == pytest.approx(np.sqrt((delta - n * sigma) / k), rel=REL)
        assert hi == pytest.approx(np.sqrt((delta + n * sigma) / k), rel=REL)
    # the exact Delta chi2 intervals at 17 MeV, paper inputs (closed-form inversion)
    assert f"{result.pieces('1sigma')[0][0]:.3e}" == "1.659e-03"
    assert f"{result.pieces('2sigma')[0][1]:.3e}" == "2.113e-03"


def test_wp25_reference_and_lower_edge_at_zero():
    result = fit(only(muon="WP25").likelihood(), mass=17.0)
    assert f"{result.best_fit['eps']:.3g}" == "0.000703"
    k = k_factor(17.0, M_MU, ALPHA_PAPER)
    assert result.pieces("1sigma") == [[0.0, pytest.approx(np.sqrt(103e-11 / k), rel=REL)]]
    assert result.pieces("2sigma") == [[0.0, pytest.approx(np.sqrt(167e-11 / k), rel=REL)]]
    assert f"{result.pieces('1sigma')[0][1]:.4g}" == "0.001143"
    assert f"{result.pieces('2sigma')[0][1]:.4g}" == "0.001455"


def test_negative_delta_gives_upper_limit_with_best_fit_zero():
    result = fit(only(electron="Cs18").likelihood(), mass=16.7)
    assert result.best_fit["eps"] == 0.0
    assert any("eps = 0" in n for n in notes_text(result.notes))
    k = k_factor(16.7, M_E, ALPHA_PAPER)
    delta, sigma = -102e-14, 26e-14
    for label, level in (("1sigma", 1), ("2sigma", 4)):
        upper = np.sqrt((delta + sigma * np.sqrt((delta / sigma) ** 2 + level)) / k)
        assert result.pieces(label) == [[0.0, pytest.approx(upper, rel=REL)]]


def test_exclusion_cuts_interval_into_two_pieces(tmp_path):
    analysis = only(muon="WP20", limits=("cut",), inputs_dir=cut_card(tmp_path, 1.7e-3, 1.8e-3))
    result = fit(analysis.likelihood(), mass=17.0)
    (a, b), (c, d) = result.pieces("1sigma")
    k = k_factor(17.0, M_MU, ALPHA_PAPER)
    assert a == pytest.approx(np.sqrt(217e-11 / k), rel=REL) and b == 1.7e-3
    assert c == 1.8e-3 and d == pytest.approx(np.sqrt(307e-11 / k), rel=REL)


def test_migrad_never_lands_in_excluded_region(tmp_path):
    """The Gaussian minimum (1.823e-3) is excluded: the fit ends on the nearest allowed edge."""
    analysis = only(muon="WP20", limits=("cut",), inputs_dir=cut_card(tmp_path, 1.7e-3, 1.9e-3))
    joint = analysis.likelihood()
    result = fit(joint, mass=17.0)
    assert result.best_fit["eps"] in (1.7e-3, 1.9e-3)
    assert np.isfinite(joint.logl(17.0, result.best_fit["eps"]))
    assert any("edge" in n for n in notes_text(result.notes))
    assert result.converged


def test_everything_excluded_is_reported(tmp_path):
    analysis = only(muon="WP20", atomki="atomki", limits=("cut",), inputs_dir=cut_card(tmp_path, 1e-4, 2e-3))
    with pytest.raises(NoAllowedRegion, match="no coupling is allowed at m = 17 MeV"):
        fit(analysis.likelihood(), mass=17.0)


def test_reference_analysis_interval_starts_at_na64_edge():
    result = fit(Analysis(convention="paper").likelihood(), mass=16.7)
    (lo, hi), = result.pieces("2sigma")
    assert lo == 6.8e-4
    # upper edge: the Rb20 + WP25 combined Gaussian, cross-checked on a dense grid
    joint = Analysis(convention="paper").likelihood()
    grid = np.linspace(6.8e-4, 1.2e-3, 200001)
    chi2 = -2 * joint.logl(16.7, grid)
    assert grid[chi2 - result.chi2_min <= 4].max() == pytest.approx(hi, abs=3e-9)


# ------------------------------------------------------------------ free mass


def test_free_mass_fit_stays_in_mass_range():
    analysis = Analysis()
    result = fit(analysis.likelihood(), mass_range=analysis.resolved_mass_range())
    lo, hi = analysis.resolved_mass_range()
    assert lo <= result.best_fit["m"] <= hi
    assert np.isfinite(analysis.likelihood().logl(result.best_fit["m"], result.best_fit["eps"]))
    # NA64's contour tilts down with mass: profiled over the mass, the 95% interval starts below its 16.7 MeV
    # edge and never below the contour's lowest edge inside the mass range (at its top)
    edge = result.pieces("2sigma")[0][0]
    assert shipped_na64_upper(hi) * (1 - 1e-9) <= edge < shipped_na64_upper(16.7)
    assert shipped_na64_upper(hi) < shipped_na64_upper(lo)
    point = Analysis(limits=("na64_point", "padme"))
    result = fit(point.likelihood(), mass_range=point.resolved_mass_range())
    assert result.pieces("2sigma")[0][0] == pytest.approx(6.8e-4, rel=1e-12)


def shipped_na64_upper(mass):
    """Hand log-log interpolation of the shipped NA64 contour's upper edge at ``mass`` (MeV)."""
    rows = [line.split(",") for line in (default_dir("data") / "contours" / "na64_2020.csv").read_text().splitlines()
            if line and not line.startswith(("#", "mass"))]
    masses, upper = np.array([float(r[0]) for r in rows]), np.array([float(r[2]) for r in rows])
    i = int(np.searchsorted(masses, mass)) - 1
    t = (np.log(mass) - np.log(masses[i])) / (np.log(masses[i + 1]) - np.log(masses[i]))
    return float(np.exp(np.log(upper[i]) + t * (np.log(upper[i + 1]) - np.log(upper[i]))))



def test_free_mass_fit_says_when_the_mass_is_unconstrained():
    """The mass is 'not constrained' when the profile χ²(m) varies by at most Δχ² = 1 over the range: every mass is
    inside the 1σ interval, and no best-fit mass is quoted."""
    result = fit(paper(muon="WP25", electron=None, mass_range=(5.0, 50.0)))
    assert any(n.kind == "mass_not_constrained" for n in result.notes) and not result.mass_constrained
    assert result.gof.ndof == 0
    flat = fit(Analysis(limits=("na64_point", "padme")))  # the wall does not move with the mass
    assert any(n.kind == "mass_not_constrained" for n in flat.notes)
    constrained = fit(Analysis(muon="WP20"))  # WP20 against Rb20: chi2 falls by more than 1 across the range
    assert constrained.mass_constrained and not any(n.kind == "mass_not_constrained" for n in constrained.notes)



def test_unconstrained_mass_is_said():
    result = dpfit.fit(Analysis())
    assert not result.mass_constrained
    assert any("mass not constrained" in n for n in notes_text(result.notes))



def test_lepton_couplings_fit_each_lepton():
    result = fit(Analysis(couplings="lepton", convention="paper").likelihood(), mass=16.7)  # NA64's point is default
    assert set(result.best_fit) == {"m", "eps_e", "eps_mu"}
    k = k_factor(16.7, M_MU, ALPHA_PAPER)
    (lo, hi), = result.pieces("1sigma", "eps_mu")
    assert lo == 0.0 and hi == pytest.approx(np.sqrt(103e-11 / k), rel=REL)
    assert result.pieces("1sigma", "eps_e")[0][0] == 6.8e-4  # NA64 reads eps_e



# ------------------------------------------------------------------ the Poisson limit and a user-written term


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



# ------------------------------------------------------------------ results and refusals
def test_levels_option_gives_each_level_its_threshold():
    result = fit(only(muon="WP20").likelihood(), mass=17.0, levels="0.9,3sigma")
    k = k_factor(17.0, M_MU, ALPHA_PAPER)
    for label, c in (("0.9", stats.chi2.ppf(0.9, 1)), ("3sigma", 9.0)):
        interval = result.intervals["eps"][label]
        assert interval.delta_chi2 == pytest.approx(c, rel=1e-12)
        n = math.sqrt(c)
        assert interval.pieces == [[pytest.approx(math.sqrt((262e-11 - n * 45e-11) / k), rel=REL),
                                    pytest.approx(math.sqrt((262e-11 + n * 45e-11) / k), rel=REL)]]


def test_a_result_reads_back_from_json():
    result = fit(only(muon="WP20", electron="Rb20").likelihood(), mass=MASS)
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["best_fit"] == result.best_fit and doc["chi2_min"] == result.chi2_min
    assert doc["intervals"]["eps"]["1sigma"]["pieces"] == result.pieces("1sigma")
    assert doc["gof"]["ndof"] == 1 and doc["mass_fixed"] and doc["terms"] == ["muon_wp20", "electron_rb20"]
    assert f"chi2_min={result.chi2_min:.4g}" in repr(result) and "mass fixed" in repr(result)


def test_walls_alone_give_the_allowed_regions_as_intervals(tmp_path):
    analysis = only(limits=("cut",), atomki="atomki", inputs_dir=cut_card(tmp_path, 5e-4, 9e-4))
    result = fit(analysis.likelihood(), mass=17.0)
    assert result.pieces("2sigma") == [[2e-4, 5e-4], [9e-4, 1.4e-3]]  # ATOMKI's box cut by the wall
    assert result.chi2_min == 0.0 and result.gof.p_value is None
    assert any("no measurement reads it" in n for n in notes_text(result.notes))


@pytest.mark.parametrize("call, field", [
    (lambda: fit(only(muon="WP20").likelihood(), mass=-1.0), "mass"),
    (lambda: fit(only(muon="WP20")), "mass_range"),
    (lambda: fit(only(muon="WP20").likelihood()), "mass_range"),
    (lambda: fit(only(muon="WP20").likelihood(), mass_range=(17.0, 16.0)), "mass_range"),
])
def test_bad_fit_arguments_name_their_field(call, field):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field and "\n" not in str(info.value)
