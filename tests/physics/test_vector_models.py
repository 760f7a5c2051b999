"""dpfit.physics.vector_models: charges, widths, branching fractions, production ratios and a band's recast
against closed forms; and, until they move to the model and inference areas, recasts against DarkCast's
published ones, the window under each model and the axial (g-2) estimate.

The recast references are rows of DarkCast's own recasts (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004;
files recast/limits/<model>/<limit>.lmt of its public repository, mirror micha-a-schmidt/darkcast), in its
global coupling g; g/e = g/0.302822 is the coupling in units of e.
"""

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate

import dpfit
from dpfit.cli import main
from dpfit.inference.window import interval_algebra
from dpfit.inputs.model_cards import load_model
from dpfit.model.analysis import Analysis
from dpfit.model.recast import recast_contour
from dpfit.physics.vector_models import (DARK_PHOTON, HadronicThreshold, VectorModel, beam_dump_window,
                                         branching_fraction, dark_photon, is_dark_photon, log_acceptance,
                                         production_ratio, recast_band, widths)
from dpfit.output.wording import notes_text
from tests.helpers import DARKCAST

ALPHA = 1 / 137.035999177
M_E, M_MU, M_PI = 0.51099895069, 105.6583755, 139.57039
LEPTONS = {"e": M_E, "mu": M_MU}
#: Charges per unit coupling (units of e) of Ilten et al. 2018, table 1, written out here.
B_MINUS_L = VectorModel("B-L", ("eps",), {"eps": {"e": -1, "mu": -1, "tau": -1, "nu_e": -1, "nu_mu": -1, "nu_tau": -1,
                                                  "u": 1 / 3, "d": 1 / 3, "s": 1 / 3, "c": 1 / 3, "b": 1 / 3,
                                                  "t": 1 / 3}})
PROTOPHOBIC = VectorModel("protophobic", ("eps",), {"eps": {"e": -1, "mu": -1, "tau": -1, "u": -1 / 3, "d": 2 / 3}})
BARYON = VectorModel("B", ("eps",), {"eps": {"u": 1 / 3, "d": 1 / 3, "s": 1 / 3}})
L_MU_TAU = VectorModel("Lmu-Ltau", ("eps",), {"eps": {"mu": 1, "tau": -1, "nu_mu": 1, "nu_tau": -1}})
AXIAL = VectorModel("axial", ("eps",), {}, {"eps": {"e": 1, "mu": 1, "tau": 1}})


def vector_width(mass, lepton_mass, q2=1.0):
    """Γ(X → ℓℓ)/ε² of a vector coupling Q: (α m/3) Q² (1 + 2r) sqrt(1 − 4r), r = m_ℓ²/m² (Pospelov 2009)."""
    r = (lepton_mass / mass) ** 2
    return ALPHA * mass / 3 * q2 * (1 + 2 * r) * math.sqrt(1 - 4 * r) if 4 * r < 1 else 0.0


# ------------------------------------------------------------------ charges


def test_dark_photon_charges_of_nucleons_and_leptons():
    """ε_p = 2(2/3) − 1/3 = 1, ε_n = 2/3 − 2/3 = 0, the electron −1, no neutrino."""
    model = dark_photon()
    assert model.charges("p") == {"eps": pytest.approx(1.0, rel=1e-15)}
    assert model.charges("n") == {} and model.charges("nu_e") == {}
    assert model.coupling("e") == ("eps", -1.0) and model.coupling("nu_mu") == (None, 0.0)
    assert model.squared_charge("u") == pytest.approx(4 / 9, rel=1e-15)
    assert PROTOPHOBIC.charges("p") == {}  # the source paper's Eq. 2: 2 ε_u + ε_d = 0
    assert PROTOPHOBIC.charges("n") == {"eps": pytest.approx(1.0, rel=1e-15)}  # −1/3 + 4/3
    assert AXIAL.charges("e") == {} and AXIAL.coupling("e", "axial") == ("eps", 1.0)


def test_a_coupling_that_mixes_two_parameters_is_refused():
    mixed = VectorModel("mixed", ("a", "b"), {"a": {"e": 1.0, "mu": 1.0}, "b": {"e": 0.5}})
    assert mixed.charges("e") == {"a": 1.0, "b": 0.5}
    assert mixed.coupling("mu") == ("a", 1.0)
    with pytest.raises(ValueError, match="the vector coupling of e mixes the parameters a, b"):
        mixed.coupling("e")


def test_is_dark_photon_reads_the_charges_not_the_name():
    assert is_dark_photon(dark_photon())
    assert is_dark_photon(VectorModel("renamed", ("g",), {"g": dict(DARK_PHOTON)}))
    assert not is_dark_photon(VectorModel("leaky", ("eps",), {"eps": {**DARK_PHOTON, "nu_e": 1.0}}))
    assert not is_dark_photon(VectorModel("with axial", ("eps",), {"eps": dict(DARK_PHOTON)}, {"eps": {"e": 0.1}}))
    assert not is_dark_photon(PROTOPHOBIC) and not is_dark_photon(B_MINUS_L)
    assert not is_dark_photon(VectorModel("two", ("a", "b"), {"a": dict(DARK_PHOTON)}))


# ------------------------------------------------------------------ widths and branching fractions


def test_dark_photon_widths_against_the_closed_form():
    mass = 16.7
    w = widths(dark_photon(), mass, LEPTONS, M_PI, ALPHA)
    assert float(w["e_e"]) == pytest.approx(vector_width(mass, M_E), rel=1e-14)
    assert float(w["mu_mu"]) == 0.0 and float(w["invisible"]) == 0.0  # below 2 m_mu; no neutrino coupling
    assert float(w["total"]) == pytest.approx(float(w["e_e"]), rel=1e-15)
    assert set(w) == {"e_e", "mu_mu", "invisible", "total"}  # no tau without its mass


def test_b_minus_l_invisible_width_is_half_an_electron_width_per_neutrino():
    """Γ(νν̄) = α m/6 per flavour: BR_ee(B−L) = (1/3)(1+2r)√(1−4r) / [(1/3)(1+2r)√(1−4r) + 3/6] ≈ 0.4."""
    mass = 16.7
    w = widths(B_MINUS_L, mass, LEPTONS, M_PI, ALPHA)
    assert float(w["invisible"]) == pytest.approx(3 * ALPHA * mass / 6, rel=1e-14)
    ee = vector_width(mass, M_E)
    br = branching_fraction(B_MINUS_L, "e_e", mass, LEPTONS, M_PI, ALPHA)
    assert float(br) == pytest.approx(ee / (ee + ALPHA * mass / 2), rel=1e-14)
    assert float(br) == pytest.approx(0.4, abs=1e-4)


def test_axial_width_goes_as_the_cube_of_the_velocity():
    """Γ_A = (α m/3)(1 − 4r)^(3/2): P-wave, unlike the vector's (1 + 2r)(1 − 4r)^(1/2)."""
    mass = 1.5  # near threshold, where the two differ
    r = (M_E / mass) ** 2
    w = widths(AXIAL, np.array([mass]), LEPTONS, M_PI, ALPHA)
    assert float(w["e_e"][0]) == pytest.approx(ALPHA * mass / 3 * (1 - 4 * r) ** 1.5, rel=1e-14)
    assert float(widths(AXIAL, 0.9, LEPTONS, M_PI, ALPHA)["e_e"]) == 0.0  # below 2 m_e


def test_branching_fractions_sum_and_the_muon_channel():
    """Between 2 m_mu and 2 m_pi a dark photon decays to e+e- or mu+mu- only."""
    mass = np.array([230.0, 270.0])
    both = branching_fraction(dark_photon(), "e_e+mu_mu", mass, LEPTONS, M_PI, ALPHA)
    assert both == pytest.approx([1.0, 1.0], rel=1e-15)
    mumu = branching_fraction(dark_photon(), "mu_mu", mass, LEPTONS, M_PI, ALPHA)
    expected = [vector_width(m, M_MU) / (vector_width(m, M_MU) + vector_width(m, M_E)) for m in mass]
    assert mumu == pytest.approx(expected, rel=1e-13)
    assert branching_fraction(L_MU_TAU, "e_e", 230.0, LEPTONS, M_PI, ALPHA) == 0.0


def test_invisible_ratio_lowers_every_visible_fraction():
    br = branching_fraction(dark_photon(), "e_e", 16.7, LEPTONS, M_PI, ALPHA, invisible_ratio=3.0)
    assert float(br) == pytest.approx(1 / (1 + 3.0), rel=1e-14)


def test_an_uncharged_boson_has_no_branching_fraction_not_nan():
    br = branching_fraction(BARYON, "e_e", np.array([5.0, 16.7]), LEPTONS, M_PI, ALPHA)
    assert br.tolist() == [0.0, 0.0]


def test_hadronic_threshold_is_refused():
    with pytest.raises(HadronicThreshold, match="279.14 MeV") as info:
        widths(dark_photon(), np.array([16.7, 2 * M_PI * 1.001]), LEPTONS, M_PI, ALPHA)
    assert isinstance(info.value, ValueError)
    assert float(widths(dark_photon(), 2 * M_PI, LEPTONS, M_PI, ALPHA)["total"]) > 0  # at the threshold: still leptons


# ------------------------------------------------------------------ production


@pytest.mark.parametrize("model, production, ratio", [
    (dark_photon(), "e_brem", 1.0), (dark_photon(), "pi0_gamma", 1.0), (dark_photon(), "mu_mu", 1.0),
    (PROTOPHOBIC, "pi0_gamma", 0.0), (PROTOPHOBIC, "e_e", 1.0),
    (B_MINUS_L, "p_brem", 1.0),  # ε_p = 2/3 + 1/3
    (BARYON, "e_brem", 0.0), (BARYON, "pi0_gamma", 1.0),
    (L_MU_TAU, "e_e_resonant", 0.0), (L_MU_TAU, "mu_brem", 1.0),
    (AXIAL, "e_brem", 1.0),  # an axial coupling produces like a vector one of the same size
    (VectorModel("double", ("eps",), {"eps": {"e": 2.0}}), "e_brem", 4.0),
])
def test_production_ratio_is_the_squared_charge_over_the_dark_photons(model, production, ratio):
    assert production_ratio(model, production) == pytest.approx(ratio, rel=1e-14, abs=1e-15)


# ------------------------------------------------------------------ beam dumps and recasting a band

GAMMA_HAT = ALPHA * 16.7 / 3  # Γ_A'/ε² at 16.7 MeV, MeV (the electron mass aside)


def mp_log_acceptance(tau, t0, t1):
    """ln(e^(−t0/τ) − e^(−t1/τ)) in 50-digit arithmetic."""
    with mp.workdps(50):
        tau, t0, t1 = mp.mpf(tau), mp.mpf(t0), mp.mpf(t1)
        return float(mp.log(mp.exp(-t0 / tau) - mp.exp(-t1 / tau)))


@pytest.mark.parametrize("tau, t0, t1", [(1.0, 2.0, 5.0), (10.0, 2.0, 5.0), (1e-3, 1.0, 2.0), (1e12, 2.0, 5.0)])
def test_log_acceptance_against_high_precision(tau, t0, t1):
    """Also where η underflows (t0/τ = 1000) and where it cancels (τ ≫ t1)."""
    assert float(log_acceptance(tau, t0, t1)) == pytest.approx(mp_log_acceptance(tau, t0, t1), rel=1e-13)


def mp_yield(eps, t0, t1, width=GAMMA_HAT):
    """ε² η(τ(ε)), τ = 1/(ε² Γ̂), in 50-digit arithmetic."""
    with mp.workdps(50):
        eps = mp.mpf(eps)
        rate = eps * eps * width
        return eps * eps * (mp.exp(-t0 * rate) - mp.exp(-t1 * rate))


def test_beam_dump_window_gives_equal_yields_at_both_edges():
    lower, upper, ell = 2e-5, 1e-3, 4.0
    t0, t1 = beam_dump_window(lower, upper, ell, GAMMA_HAT)
    assert t1 == pytest.approx((1 + ell) * t0, rel=1e-15)
    assert float(mp_yield(lower, t0, t1) / mp_yield(upper, t0, t1)) == pytest.approx(1.0, rel=1e-9)


def test_prompt_recast_scales_both_edges_by_the_root_of_scale():
    assert recast_band(1e-4, 1e-3, 4.0, 7.0, None, GAMMA_HAT) == pytest.approx((2e-4, 2e-3), rel=1e-15)
    lo, hi = recast_band(1e-4, math.inf, 0.25, 3.0, 4.0, GAMMA_HAT)  # open above: prompt whatever the length ratio
    assert lo == pytest.approx(5e-5, rel=1e-15) and hi == math.inf


@pytest.mark.parametrize("scale", [math.inf, 0.0, -1.0])
def test_no_recast_where_the_model_has_no_yield(scale):
    assert recast_band(1e-4, 1e-3, scale, 1.0, 4.0, GAMMA_HAT) is None


def test_beam_dump_recast_of_the_dark_photon_itself_is_the_band():
    lo, hi = recast_band(2e-5, 1e-3, 1.0, 1.0, 4.0, GAMMA_HAT)
    assert (lo, hi) == (pytest.approx(2e-5, rel=1e-9), pytest.approx(1e-3, rel=1e-9))


def test_beam_dump_recast_when_scale_times_width_ratio_is_one():
    """With s w = 1 the model's yield at g is the dark photon's at g√w: both edges move by 1/√w."""
    lo, hi = recast_band(2e-5, 1e-3, 0.25, 4.0, 4.0, GAMMA_HAT)
    assert (lo, hi) == (pytest.approx(1e-5, rel=1e-9), pytest.approx(5e-4, rel=1e-9))


def test_beam_dump_recast_edges_give_the_excluded_yield():
    """General s and w: (g²/s) η(1/(g² Γ̂ w)) equals the dark photon's excluded yield at both returned edges."""
    lower, upper, scale, ratio = 2e-5, 1e-3, 3.0, 0.7
    t0, t1 = beam_dump_window(lower, upper, 4.0, GAMMA_HAT)
    excluded = mp_yield(lower, t0, t1)
    for g in recast_band(lower, upper, scale, ratio, 4.0, GAMMA_HAT):
        model = mp_yield(g, t0, t1, GAMMA_HAT * ratio) / scale
        assert float(model / excluded) == pytest.approx(1.0, rel=1e-8)


def test_beam_dump_recast_that_never_reaches_the_limit_is_none():
    """The dark photon's yield peaks some thousands of times (of order (upper/lower)²) above the excluded one:
    a model with 1e6 times less yield never reaches it."""
    assert recast_band(2e-5, 1e-3, 1e6, 1.0, 4.0, GAMMA_HAT) is None


# -------------------------------------------- recasts, windows, the axial estimate (the model and inference areas')


E = 0.302822  # DarkCast's e = sqrt(4 pi alpha)

# (mass GeV, lower g, upper g or None) rows of DarkCast's recasts
RECASTS = {
    ("B-L", "na64"): [(1.3002e-03, 2.5359e-05, 2.2959e-03), (3.8197e-03, 2.6968e-05, 8.7130e-04),
                      (8.3090e-03, 2.9784e-05, 2.9525e-04), (1.4649e-02, 3.9442e-05, 1.1262e-04),
                      (1.6731e-02, 5.1346e-05, 7.3892e-05)],
    ("protophobic", "na64"): [(1.3002e-03, 2.5338e-05, 4.1780e-03), (8.3090e-03, 2.8942e-05, 5.4160e-04),
                              (1.8091e-02, 3.7574e-05, 1.7527e-04), (2.4576e-02, 6.1434e-05, 7.7940e-05)],
    ("B-L", "na48"): [(8.9907e-03, 6.0690e-04, None), (1.3034e-02, 3.6130e-04, None),
                      (1.6685e-02, 3.4494e-04, None), (1.9318e-02, 4.7456e-04, None)],
}


@pytest.mark.parametrize("model, card", sorted(RECASTS))
def test_recast_reproduces_darkcast(model, card):
    analysis = Analysis(vector_model=model)
    record = analysis.inputs.record(card)
    contour = recast_contour(record, analysis.vector, analysis.physics())
    ratios = []
    for mass_gev, lower, upper in RECASTS[(model, card)]:
        i = int(np.argmin(abs(contour.mass - 1000 * mass_gev)))
        assert contour.mass[i] == pytest.approx(1000 * mass_gev, rel=1e-4)
        ratios.append(np.atleast_2d(contour.lower)[0, i] / (lower / E))
        if upper is not None:
            ratios.append(np.atleast_2d(contour.upper)[0, i] / (upper / E))
    assert abs(np.median(ratios) - 1) < 0.05  # the criterion
    assert max(abs(r - 1) for r in ratios) < 2e-3  # and in fact to DarkCast's printed digits


def test_na48_under_b_minus_l_is_the_br_scaled_dark_photon_limit():
    """At 16.685 MeV BR_ee(B-L) = 0.4 (neutrinos), so eps = 7.204e-4 / sqrt(0.4) = 1.139e-3."""
    analysis = Analysis(vector_model="B-L")
    contour = recast_contour(analysis.inputs.record("na48"), analysis.vector, analysis.physics())
    i = int(np.argmin(abs(contour.mass - 16.685)))
    assert contour.lower[i] == pytest.approx(7.2042e-4 / math.sqrt(0.4), rel=2e-4)
    assert contour.lower[i] == pytest.approx(1.139e-3, abs=5e-7)


@pytest.mark.skipif(not DARKCAST.is_dir(), reason="../shared/external/darkcast not present")
def test_e141_limit_file_recast_to_b_minus_l(tmp_path):
    """A DarkCast-format limit given as a file, with its beam dump's length ratio 35/0.12 (DarkCast's E141)."""
    out = tmp_path / "e141.lmt"
    spec = f"{DARKCAST / 'E141_Riordan1987aw.lmt'}:lratio={35 / 0.12}"
    assert main(["recast", "--limit-file", spec, "--model", "B-L", "--out", str(out)]) == 0
    rows = np.loadtxt(out)
    reference = {1.0300e-03: (3.6474e-06, 1.6513e-03), 2.6412e-03: (3.7556e-06, 4.5996e-04),
                 5.5478e-03: (5.4952e-06, 1.7526e-04)}
    for mass, (lo, hi) in reference.items():
        row = rows[np.argmin(abs(rows[:, 0] - mass))]
        assert row[1] == pytest.approx(lo / E, rel=2e-3) and row[2] == pytest.approx(hi / E, rel=2e-3)


def test_window_under_dark_photon_and_protophobic():
    dark = Analysis(vector_model="dark_photon").likelihood()
    proto = Analysis(vector_model="protophobic").likelihood()
    assert interval_algebra(dark, 16.7) == [pytest.approx([6.620e-4, 7.289e-4], abs=5e-8)]
    assert interval_algebra(proto, 16.7) == [pytest.approx([6.620e-4, 9.587e-4], abs=5e-8)]
    result = dpfit.window(Analysis(vector_model="dark_photon"), 16.7, steps=200, walkers=16, progress=False)
    assert result.profile.edges[-1][-1] == "na48"
    notes = notes_text(Analysis().model().notes)
    assert any("na48" in n and "does not constrain the protophobic" in n for n in notes)
    assert "na48" not in proto.names and "na48" in dark.names


def test_axial_coupling_explains_cs18():
    """delta a = -(alpha eps_A^2/pi)(m_e/m)^2 H(m/m_e) = Delta a(Cs18) < 0 at 16.7 MeV."""
    code = main(["epsilon", "--model", "axial", "--lepton", "e", "--scenario", "Cs18", "--mass", "16.7",
                 "--format", "json"])
    assert code == 0
    inputs = Analysis().inputs
    record = inputs.gm2_card("e", "Cs18")
    r = 16.7 / record.lepton_mass
    h = integrate.quad(lambda x: (2 * x**3 + (x - x * x) * (4 - x) * r * r) / (x * x + (1 - x) * r * r), 0, 1,
                       epsabs=0, epsrel=1e-12)[0]
    eps_a = math.sqrt(-record.delta_a.value / (record.alpha / math.pi * h / r**2))
    from dpfit.inference.tables import coupling_estimate

    est = coupling_estimate(inputs, "e", "Cs18", [16.7], load_model("axial"))
    assert est.eps[0] == pytest.approx(eps_a, rel=1e-10)
    assert est.eps[0] == pytest.approx(5.303e-4, abs=5e-8)


