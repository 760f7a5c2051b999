"""Vector models by their couplings: cards, (g-2) with axial couplings, recasting against DarkCast's published
recasts, the window under each model, and a user's model file.

The recast references are rows of DarkCast's own recasts (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004;
files recast/limits/<model>/<limit>.lmt of its public repository, mirror micha-a-schmidt/darkcast), in its
global coupling g; g/e = g/0.302822 is the coupling in units of e.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

import dpfit
from dpfit.cli import main
from dpfit.errors import InputError
from dpfit.inference.window import interval_algebra
from dpfit.inputs.model_cards import built_in_models, load_model
from dpfit.model.analysis import Analysis
from dpfit.model.recast import recast_contour
from dpfit.physics.loops import loop_axial, loop_vector
from tests.helpers import DARKCAST

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
    notes = Analysis().model().notes
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


@pytest.mark.parametrize("r", [0.5, 3.0, 33.0, 300.0])
def test_axial_loop_against_quadrature_and_the_heavy_ratio(r):
    h = integrate.quad(lambda x: (2 * x**3 + (x - x * x) * (4 - x) * r * r) / (x * x + (1 - x) * r * r), 0, 1,
                       epsabs=0, epsrel=1e-13)[0]
    assert float(loop_axial(np.array([r]))[0]) == pytest.approx(h, rel=1e-10)
    heavy = 1e5  # -(alpha/pi) H / r^2 against (alpha/2 pi) F_V: -5 for m >> m_l
    ratio = -2 * loop_axial(np.array([heavy]))[0] / heavy**2 / loop_vector(np.array([heavy]))[0]
    assert ratio == pytest.approx(-5.0, rel=1e-4)


def test_built_in_models_load_with_their_charges():
    assert set(built_in_models()) >= {"dark_photon", "protophobic", "B-L", "B", "Lmu-Ltau", "Le-Lmu", "Le-Ltau",
                                      "lepton", "axial"}
    assert load_model("protophobic").coupling("p") == (None, 0.0)
    assert load_model("dark_photon").coupling("p") == ("eps", 1.0)
    assert load_model("B-L").coupling("nu_mu") == ("eps", -1.0)


def test_a_user_model_is_one_yaml_file(tmp_path):
    """A 'dark photon that also couples to neutrinos' written by a user: fit and recast run with it."""
    card = tmp_path / "leaky.yaml"
    card.write_text("schema: dpfit-model/1\nname: leaky\ndescription: A test model.\nreference: this test\n"
                    "parameters: [eps]\nvector:\n  eps: {e: -1, mu: -1, nu_e: 1, u: 2/3, d: -1/3}\n")
    result = dpfit.fit(Analysis(vector_model=str(card)), mass=16.7)
    assert result.converged and any("model leaky" in n for n in result.notes)
    out = tmp_path / "na48.lmt"
    assert main(["recast", "na48", "--model", str(card), "--out", str(out)]) == 0
    # BR_ee = 1/(1 + 1/2) with one neutrino flavour: the NA48/2 limit moves up by sqrt(1.5) (to the electron
    # phase-space factor (1 + 2r) sqrt(1 - 4r), r = m_e^2/m^2, which departs from 1 by ~1e-5 at 9 MeV)
    rows = np.loadtxt(out)
    reference = Analysis().inputs.record("na48").contour
    assert rows[:, 1] == pytest.approx(reference.lower * math.sqrt(1.5), rel=3e-5)


@pytest.mark.parametrize("text, field", [
    ("schema: dpfit-model/1\nname: x\ndescription: d\nreference: r\nparameters: [eps]\nvector:\n  eps: {q: 1}\n",
     "vector"),
    ("schema: dpfit-model/1\nname: x\ndescription: d\nreference: r\nparameters: [eps]\nvector:\n  g: {e: 1}\n", "vector"),
    ("schema: dpfit-model/1\nname: x\ndescription: d\nreference: r\nparameters: [eps]\nvector:\n  eps: {e: 1/0}\n",
     "vector.eps.e"),
    ("schema: dpfit-model/1\nname: x\ndescription: d\nparameters: [eps]\n", None),
])
def test_bad_model_files_get_one_line(tmp_path, capsys, text, field):
    card = tmp_path / "bad.yaml"
    card.write_text(text)
    code = main(["fit", "--mass", "16.7", "--model", str(card)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(card) in err
    if field:
        assert field in err
    with pytest.raises(InputError):
        load_model(str(card))
