"""dpfit.model.coverage: where a limit's data end inside the analysis' mass range, and each limit's composition."""

import numpy as np
import yaml

from dpfit.inputs.load import default_dir
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PoissonLimit
from dpfit.model.analysis import Analysis
from dpfit.model.coverage import coverage_notes, limit_span, limits_composition
from dpfit.model.model import Model
from dpfit.output.wording import note_text, notes_text

M_E = 0.51099895069
RB20 = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, 1 / 137)


def contour(name, masses, mass_range):
    masses = np.asarray(masses, dtype=float)
    return Exclusion(name, "e", masses, np.full(masses.shape, 1e-4), np.full(masses.shape, 5e-4), mass_range)


def model(terms, mass_range):
    return Model(JointLikelihood(terms), mass_range, (1e-5, 1e-2), "uniform", "log-uniform", None, None, {})


def test_limit_span_is_the_card_range_cut_to_the_contour():
    assert limit_span(contour("c", [12.0, 20.0, 25.0], (10.0, 30.0))) == (12.0, 25.0)
    assert limit_span(contour("c", [12.0, 20.0, 25.0], (15.0, 22.0))) == (15.0, 22.0)
    assert limit_span(contour("p", [16.9], (16.4, 17.4))) == (16.4, 17.4)  # a point applies over its card's range
    poisson = PoissonLimit("u", "e", np.array([10.0, 30.0]), np.array([1e-3, 1e-3]), (12.0, 40.0), cl=0.9)
    assert limit_span(poisson) == (12.0, 30.0)
    assert limit_span(RB20) is None  # a measurement has no mass span


def test_notes_name_each_gap_of_the_mass_range():
    inside = contour("wide", [10.0, 30.0], (10.0, 30.0))
    padme = contour("padme", [16.9], (16.4, 17.4))
    notes = coverage_notes(model([RB20, inside, padme], (15.85, 17.55)))
    assert notes_text(notes) == ["limit padme has data only over 16.4-17.4 MeV: over 15.85-16.4 MeV and 17.4-17.55 MeV "
                                 "of the mass range 15.85-17.55 MeV it constrains nothing"]
    assert coverage_notes(model([RB20, inside, padme], (15.85, 17.55)), mass=16.7) == []
    assert notes_text(coverage_notes(model([padme], (15.85, 17.55)), mass=17.5)) == [
        "limit padme has data only over 16.4-17.4 MeV: at 17.5 MeV it constrains nothing"]
    assert coverage_notes(model([padme], None)) == []  # neither a range nor a mass: nothing to say


def test_the_reference_analysis_says_padme_ends_inside_the_atomki_range():
    analysis = Analysis()
    lo, hi = analysis.resolved_mass_range()
    notes = coverage_notes(analysis.model())
    assert len(notes) == 1 and note_text(notes[0]).startswith("limit padme has data only over 16.4-17.4 MeV")
    assert f"{lo:g}-16.4 MeV and 17.4-{hi:g} MeV" in note_text(notes[0])


def test_limits_composition_says_how_each_limit_enters():
    analysis = Analysis(limits=("na48", "na64", "padme"), limit_model="poisson")  # protophobic: na48 drops out
    rows = {row["name"]: row for row in limits_composition(analysis)}
    assert list(rows) == ["na48", "na64", "padme"]
    assert rows["padme"]["model"].kind == "limit_poisson_zero_events" and rows["na64"]["model"].kind == "limit_step"
    assert not rows["na48"]["constrains_model"] and rows["na64"]["constrains_model"]
    card = yaml.safe_load((default_dir("likelihoods") / "padme.yaml").read_text())
    data = yaml.safe_load((default_dir("data") / f"{card['data']}.yaml").read_text())
    assert rows["padme"]["cl"] == data["cl"] and rows["padme"]["mass_range_MeV"] == card["mass_range"]
    assert rows["padme"]["production"] == card["production"] and rows["padme"]["experiment"] == data["experiment"]
