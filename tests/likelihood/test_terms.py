"""Likelihood terms, their sum, and the iminuit fits and intervals (Gaussian (g-2) terms, step terms, exact intervals)."""

import numpy as np
import pytest
from iminuit import Minuit

from tests.helpers import ROOT, fv_quadrature
from dpfit.model.analysis import Analysis
from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.profile.fit import fit
from dpfit.inputs.load import default_dir
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion

ALPHA_PAPER, M_MU, M_E = 1 / 137, 105.6583755, 0.51099895069
REL = 1e-6  # intervals against the closed-form inversion of the Gaussian


def k_factor(mass, lepton_mass, alpha):
    """δa = k ε², k = α F_V/2π with F_V by quadrature."""
    return alpha / (2 * np.pi) * fv_quadrature(mass / lepton_mass)


def only(**changes):
    base = dict(muon=None, electron=None, limits=(), atomki=None, convention="paper")
    return Analysis(**{**base, **changes})


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
    assert any("eps = 0" in n for n in result.notes)
    k = k_factor(16.7, M_E, ALPHA_PAPER)
    delta, sigma = -102e-14, 26e-14
    for label, level in (("1sigma", 1), ("2sigma", 4)):
        upper = np.sqrt((delta + sigma * np.sqrt((delta / sigma) ** 2 + level)) / k)
        assert result.pieces(label) == [[0.0, pytest.approx(upper, rel=REL)]]


def cut_card(tmp_path, lower, upper, name="cut"):
    (tmp_path / f"{name}_data.yaml").write_text(f"""schema: dpfit-data/1
kind: exclusion
experiment: test
cl: 0.9
coupling: eps
point: {{mass: 17.0, lower: {lower}, upper: {upper}}}
reference: test
""")
    (tmp_path / f"{name}.yaml").write_text(f"""schema: dpfit-card/1
kind: exclusion
description: a test cut
data: {name}_data
lepton: e
mass_range: [16.0, 18.0]
visible_decay: true
default: false
""")
    return str(tmp_path)


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
    assert any("edge" in n for n in result.notes)
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


def test_lepton_couplings_fit_each_lepton():
    result = fit(Analysis(couplings="lepton", convention="paper").likelihood(), mass=16.7)  # NA64's point is default
    assert set(result.best_fit) == {"m", "eps_e", "eps_mu"}
    k = k_factor(16.7, M_MU, ALPHA_PAPER)
    (lo, hi), = result.pieces("1sigma", "eps_mu")
    assert lo == 0.0 and hi == pytest.approx(np.sqrt(103e-11 / k), rel=REL)
    assert result.pieces("1sigma", "eps_e")[0][0] == 6.8e-4  # NA64 reads eps_e


# ------------------------------------------------------------------ terms


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


def test_exclusion_outside_mass_range_has_no_effect():
    c = Exclusion("x", "e", np.array([16.7]), np.array([1e-4]), np.array([5e-4]), (16, 18))
    assert c.logl(17.0, 3e-4) == -np.inf
    assert c.logl(15.0, 3e-4) == 0.0 and c.logl(19.0, 3e-4) == 0.0
    assert c.logl(17.0, 1e-4) == 0.0  # edges are allowed


def test_invisible_width_moves_upper_edge_only():
    c = Exclusion("x", "e", np.array([16.7]), np.array([1.2e-4]), np.array([6.8e-4]), (16, 18), invisible_ratio=3.0)
    lo, hi = c.edges(16.7)
    assert lo == 1.2e-4 and hi == pytest.approx(6.8e-4 / 2.0, rel=1e-15)
    wide = Exclusion("x", "e", np.array([16.7]), np.array([1.2e-4]), np.array([6.8e-4]), (16, 18), invisible_ratio=100.0)
    assert wide.allowed(16.7) == [(0.0, np.inf)]  # the band has closed


def test_invisible_width_through_the_model_solves_the_beam_dump_equation():
    """Through an analysis the invisible width is part of the model: BR_ee = 1/(1 + R) and a lifetime shorter by
    1 + R, and NA64's band (a beam dump, decay volume / shielding = 4) is recast by equal yields
    ε² BR (e^(-t0/τ) - e^(-t1/τ)), t1 = 5 t0, τ ∝ 1/(ε² (1 + R)) (Ilten et al., JHEP 06 (2018) 004, sect. 2).
    Reference: the same equation solved here on dense grids, t0 from the dark photon's own band."""
    lo, hi = 1.2e-4, 6.8e-4
    x = np.geomspace(1e-3, 1e3, 200_001)  # t0 in units of 1/Γ(ε = hi)

    def log_yield(eps2, t0, width):  # ln(ε² η), Γ(ε = hi) = 1 for the dark photon
        tau = hi**2 / (eps2 * width)
        return np.log(eps2) - t0 / tau + np.log(-np.expm1(-4.0 * t0 / tau))

    t0 = x[np.argmin(abs(log_yield(lo**2, x, 1.0) - log_yield(hi**2, x, 1.0)))]
    target = log_yield(lo**2, t0, 1.0)
    g = np.geomspace(1e-5, 1e-2, 400_001)
    for r in (0.5, 3.0):
        inside = log_yield(g**2, t0, 1.0 + r) - np.log(1.0 + r) >= target
        analysis = Analysis(invisible_ratio=r, limits=("na64_point", "padme"))
        na64 = [t for t in analysis.likelihood().terms if t.name == "na64_point"]
        if not inside.any():  # R = 3: the model's yield never reaches the excluded one, the band has closed
            assert r == 3.0 and not na64
            assert any("na64_point" in n and "does not constrain" in n for n in analysis.model().notes)
            continue
        expected = (g[inside].min(), g[inside].max())
        assert na64[0].edges(16.7) == pytest.approx(expected, rel=3e-4)  # the grids: 1.7e-5 in g, 7e-5 in t0
        assert na64[0].edges(16.7)[1] < hi / np.sqrt(1.0 + r)  # below the first-order edge: the yield falls by BR too


def test_gaussian_mass_region():
    r = PreferredRegion("r", "e", 17.01, 0.16, 2e-4, 1.4e-3, "gaussian")
    assert r.logl(17.01 + 0.16, 1e-3) == pytest.approx(-0.5)
    assert r.logl(17.0, 1.5e-3) == -np.inf


# ------------------------------------------------------------------ contours


LMT = """# mass lower upper
1.0e-2 1.0e-4 1.0e-3
2.0e-2 2.0e-4 4.0e-3
"""


def contour_overlay(tmp_path, fmt, content, coupling="eps"):
    (tmp_path / f"c.{fmt}").write_text(content)
    (tmp_path / "mylimit_data.yaml").write_text(f"""schema: dpfit-data/1
kind: exclusion
experiment: test contour
cl: 0.9
coupling: {coupling}
contour: {{file: c.{fmt}, format: {fmt}}}
reference: test
""")
    (tmp_path / "mylimit.yaml").write_text("""schema: dpfit-card/1
kind: exclusion
description: a contour
data: mylimit_data
lepton: e
visible_decay: true
default: false
""")
    return str(tmp_path)


def test_lmt_contour_interpolated_in_log_log(tmp_path):
    analysis = only(muon="WP20", limits=("mylimit",), inputs_dir=contour_overlay(tmp_path, "lmt", LMT))
    term = analysis.likelihood()[1]
    m = np.sqrt(10.0 * 20.0)  # geometric mid-point of the two masses (GeV -> MeV)
    lo, hi = term.edges(m)
    assert lo == pytest.approx(np.sqrt(1e-4 * 2e-4), rel=1e-12)
    assert hi == pytest.approx(np.sqrt(1e-3 * 4e-3), rel=1e-12)
    assert term.logl(25.0, 1e-3) == 0.0  # outside the contour's mass range


def test_csv_contour_in_g(tmp_path):
    csv_text = "mass_MeV,g_lower,g_upper\n10,3.0e-5,3.0e-4\n20,6.0e-5,1.2e-3\n"
    analysis = only(muon="WP20", limits=("mylimit",), inputs_dir=contour_overlay(tmp_path, "csv", csv_text, "g_ve"))
    term = analysis.likelihood()[1]
    e = np.sqrt(4 * np.pi * ALPHA_PAPER)
    assert term.edges(10.0)[0] == pytest.approx(3.0e-5 / e, rel=1e-12)


@pytest.mark.parametrize("content, needle", [
    ("1.0e-2 1.0e-4 1.0e-3\n0.9e-2 2.0e-4 4.0e-3\n", "strictly increasing"),
    ("1.0e-2 1.0e-3 1.0e-4\n2.0e-2 2.0e-4 4.0e-3\n", "not below upper edge"),
    ("1.0e-2 1.0e-4 abc\n2.0e-2 2.0e-4 4.0e-3\n", "expected a number"),
    ("1.0e-2 1.0e-4\n2.0e-2 2.0e-4 4.0e-3\n", "expected 2 columns"),
])
def test_bad_contour_files(tmp_path, content, needle):
    with pytest.raises(InputError, match=needle) as info:
        only(muon="WP20", limits=("mylimit",), inputs_dir=contour_overlay(tmp_path, "lmt", content)).likelihood()
    assert "c.lmt" in str(info.value) and "line" in str(info.value)


DARKCAST = default_dir("data").parent.parent / "shared" / "external" / "darkcast" / "NA64_Banerjee2019hmi.lmt"


@pytest.mark.skipif(not DARKCAST.exists(), reason="../shared/external not present")
def test_real_darkcast_na64_contour():
    from dpfit.inputs.contours import read_lmt

    contour = read_lmt(DARKCAST)
    term = Exclusion("na64", "e", contour.mass, contour.lower, contour.upper, (contour.mass[0], contour.mass[-1]))
    lo, hi = term.edges(16.7)
    assert f"{lo:.3e}" == "1.181e-04" and f"{hi:.3e}" == "6.620e-04"


# ------------------------------------------------------------------ analysis options


def test_analysis_file_equals_defaults():
    from pathlib import Path

    example = ROOT / "examples" / "x17.yaml"
    assert Analysis.from_file(example).describe() == Analysis().describe()


@pytest.mark.parametrize("changes, needle", [
    ({"muon": "WP20,WP25"}, "never combined"),
    ({"limits": ("na65",)}, "no exclusion card named 'na65'"),
    ({"muon": None, "electron": None, "limits": (), "atomki": None}, "no likelihood terms"),
    ({"atomki": "na64"}, "not a region"),
    ({"invisible_ratio": -1.0}, "from 0 to 1e\\+06"),
    ({"invisible_ratio": 1.2e147}, "from 0 to 1e\\+06"),
    ({"mass_range": (17.0, 16.0)}, "low < high"),
])
def test_conflicting_or_bad_options(changes, needle):
    with pytest.raises(InputError, match=needle):
        Analysis(**changes).likelihood()


def test_cli_fit_and_scan(cli, tmp_path):
    import json

    code, out, _ = cli("fit", "--muon", "WP25", "--electron", "none", "--limits", "none", "--no-atomki",
                       "--mass", "17", "--convention", "paper", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["converged"] and doc["terms"] == ["muon_wp25"]
    assert doc["intervals"]["eps"]["1sigma"]["pieces"][0][0] == 0.0
    code, out, _ = cli("scan", "--mass", "16.7", "--points", "50", "--out", tmp_path / "s1")
    assert code == 0 and (tmp_path / "s1.png").stat().st_size > 1000
    header = (tmp_path / "s1.csv").read_text().splitlines()[0]
    assert header == "mass_MeV,eps,delta_chi2"
    code, out, _ = cli("scan", "--grid", "--points", "20", "30", "--format", "csv", "--out", tmp_path / "s2")
    rows = np.loadtxt(tmp_path / "s2.csv", delimiter=",", skiprows=1)
    masses, eps = np.unique(rows[:, 0]), np.unique(rows[:, 1])
    assert code == 0 and rows.shape[0] == masses.size * eps.size  # 20 x 30 points, plus breaks and wall edges
    assert masses.size >= 20 and eps.size >= 30 + 16
    code, _, err = cli("scan", "--grid", "--mass", "17")
    assert code == 2 and "--grid scans the mass range" in err
    code, _, err = cli("fit", "--muon", "WP20,WP25")
    assert code == 2 and "never combined" in err


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


def test_analysis_file_inside_its_own_overlay_is_skipped(tmp_path):
    (tmp_path / "a.yaml").write_text("schema: dpfit-analysis/1\ninputs: .\nmuon: WP20\n")
    text = (default_dir("data") / "a_mu_sm_wp20.yaml").read_text().replace("value: 116591810", "value: 116591900")
    (tmp_path / "a_mu_sm_wp20.yaml").write_text(text)
    analysis = Analysis.from_file(tmp_path / "a.yaml")
    assert analysis.inputs.delta_a("delta_a_mu_wp20").value == pytest.approx(171.5e-11, rel=1e-9)


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
