"""dpfit.likelihood.terms: the (g-2) Gaussian, exclusion, Poisson-limit and preferred-region terms against closed
forms, hand interpolations and DarkCast's contour (a few contour-file and CLI tests wait here for their areas)."""

import numpy as np
import pytest
from scipy import integrate, stats

from tests.helpers import fv_quadrature
from tests.inference.profile.profile_helpers import only
from dpfit.model.analysis import Analysis
from dpfit.errors import InputError
from dpfit.inputs.load import default_dir
from dpfit.likelihood.terms import (Exclusion, Gm2Gaussian, PoissonLimit, PreferredRegion, gm2_terms, loglog_interp)

ALPHA_PAPER, M_MU, M_E = 1 / 137, 105.6583755, 0.51099895069


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


def test_gaussian_mass_region():
    r = PreferredRegion("r", "e", 17.01, 0.16, 2e-4, 1.4e-3, "gaussian")
    assert r.logl(17.01 + 0.16, 1e-3) == pytest.approx(-0.5)
    assert r.logl(17.0, 1.5e-3) == -np.inf



def test_band_of_negative_delta_is_empty_above_two_sigma():
    from dpfit.likelihood.terms import Gm2Gaussian

    term = Gm2Gaussian("e", "e", "X", -1.02e-12, 0.26e-12, M_E, 1 / 137)
    assert term.band(16.7, 2.0)[0] == []  # -1.02 + 2 x 0.26 < 0



def test_box_region_includes_its_end_points():
    joint = Analysis().likelihood()
    assert np.isfinite(joint.logl(17.55, 8e-4)) and np.isfinite(joint.logl(15.85, 8e-4))
    from dpfit.likelihood.fused import compiled

    fast = compiled(joint, (15.85, 17.55))
    assert np.isfinite(fast.logl(np.array([15.85, 17.55]), np.array([8e-4, 8e-4]))).all()
    from dpfit.inference.profile.scan import scan

    grid = scan(Analysis(), points=(20, 20))
    assert np.isfinite(grid.delta_chi2[-1]).any() and np.isfinite(grid.delta_chi2[0]).any()



# ------------------------------------------------------------------ closed forms of each kind
def h_quadrature(r):
    """The axial loop function H(r) by quadrature of its defining integral (Leveille 1978)."""
    value, _ = integrate.quad(lambda x: (2 * x**3 + (x - x * x) * (4 - x) * r * r) / (x * x + (1 - x) * r * r),
                              0.0, 1.0, epsabs=0, epsrel=1e-13, limit=200)
    return value


def test_gm2_gaussian_is_the_pull_squared_in_x():
    term = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA_PAPER)
    m, eps = 17.0, np.array([0.0, 1e-3, 1.8e-3, 3e-3])
    k = ALPHA_PAPER / (2 * np.pi) * fv_quadrature(m / M_MU)
    assert term.shift_per_eps2(m) == pytest.approx(k, rel=1e-10)
    assert term.logl(m, eps) == pytest.approx(-0.5 * ((k * eps**2 - 262e-11) / 45e-11) ** 2, rel=1e-9)
    assert term.logl(m, -1e-3) == -np.inf
    a, b = term.quadratic(m)  # χ² = a x² + b x + (Δ/σ)²
    x = eps**2
    assert -2 * term.logl(m, eps) == pytest.approx(a * x * x + b * x + (262e-11 / 45e-11) ** 2, rel=1e-9)
    assert term.log_normalisation() == pytest.approx(stats.norm.logpdf(0.0, scale=45e-11), rel=1e-12)
    data = term.toy_data(m)
    assert (data.k, data.observed, data.sigma) == (pytest.approx(k, rel=1e-10), 262e-11, 45e-11)
    pieces, level = term.band(m, 1.0)
    assert pieces == [(pytest.approx(np.sqrt(217e-11 / k), rel=1e-9), pytest.approx(np.sqrt(307e-11 / k), rel=1e-9))]
    assert level.probability == pytest.approx(stats.norm.cdf(1) - stats.norm.cdf(-1), rel=1e-12)
    assert level.term == "gm2:WP20" and level.sided == "two-sided" and term.ndata == 1 and term.smooth


def test_an_axial_charge_lowers_the_anomalous_moment():
    """δa = ε² [Q_V² (α/2π) F_V(r) − Q_A² (α/π)(m_ℓ/m)² H(r)], H by quadrature; an axial boson alone gives k < 0."""
    m, r = 16.7, 16.7 / M_E
    axial = Gm2Gaussian("e", "e", "Cs18", -102e-14, 26e-14, M_E, ALPHA_PAPER, vector_charge2=0.0, axial_charge2=1.0)
    expected = -ALPHA_PAPER / np.pi * h_quadrature(r) / r**2
    assert expected < 0 and axial.shift_per_eps2(m) == pytest.approx(expected, rel=1e-9)
    both = Gm2Gaussian("e", "e", "Cs18", -102e-14, 26e-14, M_E, ALPHA_PAPER, vector_charge2=0.25, axial_charge2=1.0)
    vector = ALPHA_PAPER / (2 * np.pi) * fv_quadrature(r)
    assert both.shift_per_eps2(m) == pytest.approx(0.25 * vector + expected, rel=1e-9)


def test_poisson_limit_is_two_n_c_at_the_published_limit():
    """Zero observed events, no background: N_c = −ln(1 − CL) = 2.303 at 90 % (Feldman & Cousins, PRD 57 (1998) 3873,
    n = 0, b = 0), so −2 ln L = 2 N_c (ε/ε_up)² is 4.605 at the limit; ε_up interpolated in (ln m, ln ε)."""
    term = PoissonLimit("up", "e", np.array([10.0, 20.0]), np.array([1e-3, 4e-3]), (12.0, 18.0), cl=0.9)
    assert term.signal_at_limit == pytest.approx(2.302585, abs=1e-6)
    up = 1e-3 * 4.0 ** (np.log(15.0 / 10.0) / np.log(2.0))
    assert term.limit_at(15.0) == pytest.approx(up, rel=1e-12)
    assert -2 * term.logl(15.0, up) == pytest.approx(2 * np.log(10.0), rel=1e-12)
    assert term.logl(11.0, 1.0) == 0.0 and term.logl(15.0, -1e-4) == -np.inf  # outside the card's range; ε < 0
    a, b = term.quadratic(np.array([15.0, 19.0]))
    assert a.tolist() == [0.0, 0.0] and b == pytest.approx([2 * np.log(10.0) / up**2, 0.0], rel=1e-12)
    data = term.toy_data(15.0)
    assert data.observed == 0 and data.rate == pytest.approx(np.log(10.0) / up**2, rel=1e-12)
    pieces, level = term.band(15.0, 2.0)
    assert pieces == [(0.0, pytest.approx(up, rel=1e-12))] and (level.probability, level.sided) == (0.9, "one-sided")
    wider = PoissonLimit("up", "e", np.array([10.0, 20.0]), np.array([1e-3, 4e-3]), (12.0, 18.0), cl=0.9,
                         invisible_ratio=3.0)
    assert wider.limit_at(15.0) == pytest.approx(2.0 * up, rel=1e-12)  # yield ∝ ε²/(1 + R)


def test_loglog_interpolation_and_the_gm2_terms_of_a_likelihood():
    mass, values = np.array([10.0, 40.0]), np.array([1e-4, 1.6e-3])
    assert loglog_interp(20.0, mass, values) == pytest.approx(4e-4, rel=1e-12)  # a power law ε ∝ m²
    assert loglog_interp(np.array([5.0, 80.0]), mass, values) == pytest.approx([1e-4, 1.6e-3], rel=1e-12)  # held
    assert loglog_interp(np.array([3.0, 30.0]), np.array([16.7]), np.array([6.8e-4])).tolist() == [6.8e-4, 6.8e-4]
    joint = only(muon="WP20", electron="Rb20", atomki="atomki").likelihood()
    assert [t.scenario for t in gm2_terms(joint)] == ["WP20", "Rb20"]


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



# ------------------------------------------------------------------ waiting for their areas


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


def test_analysis_file_inside_its_own_overlay_is_skipped(tmp_path):
    (tmp_path / "a.yaml").write_text("schema: dpfit-analysis/1\ninputs: .\nmuon: WP20\n")
    text = (default_dir("data") / "a_mu_sm_wp20.yaml").read_text().replace("value: 116591810", "value: 116591900")
    (tmp_path / "a_mu_sm_wp20.yaml").write_text(text)
    analysis = Analysis.from_file(tmp_path / "a.yaml")
    assert analysis.inputs.delta_a("delta_a_mu_wp20").value == pytest.approx(171.5e-11, rel=1e-9)

