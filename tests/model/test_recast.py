"""dpfit.model.recast: published dark-photon limits recast to a vector model, against the beam-dump yield equation
solved on dense grids, the branching-fraction scaling of a prompt search, and the cases it must refuse or drop."""

import math

import numpy as np
import pytest

from dpfit.errors import InputError
from dpfit.model.analysis import Analysis
from dpfit.model.recast import Physics, recast_contour
from dpfit.output.wording import note_text, notes_text


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
            assert any("na64_point" in n and "does not constrain" in n for n in notes_text(analysis.model().notes))
            continue
        expected = (g[inside].min(), g[inside].max())
        assert na64[0].edges(16.7) == pytest.approx(expected, rel=3e-4)  # the grids: 1.7e-5 in g, 7e-5 in t0
        assert na64[0].edges(16.7)[1] < hi / np.sqrt(1.0 + r)  # below the first-order edge: the yield falls by BR too



def test_a_dark_photon_keeps_the_published_contour():
    analysis = Analysis(vector_model="dark_photon")
    record = analysis.inputs.record("na64")
    contour = recast_contour(record, analysis.vector, analysis.physics())
    assert contour.constrains and contour.note is None
    assert np.array_equal(contour.mass, record.contour.mass)
    assert np.array_equal(contour.lower, record.contour.lower) and np.array_equal(contour.upper, record.contour.upper)


@pytest.mark.parametrize("ratio", [1.0, 3.0])
def test_a_prompt_limit_moves_up_by_the_branching_fraction(ratio):
    """PADME (e+e- -> X -> e+e-, prompt, 16.9 MeV < 2 m_mu): a dark photon with Γ_inv = R Γ_ee has BR_ee = 1/(1 + R),
    and an equal yield ε² BR needs ε larger by sqrt(1 + R); nothing is excluded above (the limit is one-sided)."""
    analysis = Analysis(vector_model="dark_photon", invisible_ratio=ratio)
    record = analysis.inputs.record("padme")
    contour = recast_contour(record, analysis.vector, analysis.physics())
    assert contour.constrains and "prompt" in note_text(contour.note)
    assert contour.lower == pytest.approx(record.contour.lower * math.sqrt(1.0 + ratio), rel=1e-9)
    assert np.isinf(contour.upper).all()


def test_a_limit_produced_through_the_proton_does_not_constrain_a_protophobic_boson():
    analysis = Analysis()  # protophobic: eps_p = 2 eps_u + eps_d = 0
    charges = analysis.vector.vector["eps"]
    assert 2 * charges["u"] + charges["d"] == pytest.approx(0.0, abs=1e-15)
    record = analysis.inputs.record("na48")  # NA48/2: pi0 -> gamma X
    contour = recast_contour(record, analysis.vector, analysis.physics())
    assert not contour.constrains and "does not constrain the protophobic model" in note_text(contour.note)
    assert "na48" not in analysis.likelihood().names


def test_an_unmodelled_production_is_refused_naming_the_card():
    analysis = Analysis(vector_model="B-L")
    record = analysis.inputs.record("charm_1985")  # eta -> gamma X: not modelled by the recast
    with pytest.raises(InputError, match="card 'charm_1985': field 'mechanism'.*eta_gamma") as info:
        recast_contour(record, analysis.vector, analysis.physics())
    assert "\n" not in str(info.value)


def test_masses_without_a_modelled_width_exclude_nothing():
    """Below 2 m_e the boson has no modelled width: a contour point there excludes nothing (a made-up electron mass of
    20 MeV puts PADME's 16.9 MeV below it)."""
    analysis = Analysis(vector_model="B-L")
    record = analysis.inputs.record("padme")
    physics = analysis.physics()
    heavy_electron = Physics({"e": 20.0, "mu": physics.lepton_masses["mu"]}, physics.pion_mass, physics.alpha)  # 2 m_e > 16.9
    assert recast_contour(record, analysis.vector, physics).constrains
    contour = recast_contour(record, analysis.vector, heavy_electron)
    assert not contour.constrains and np.isinf(contour.lower).all()
