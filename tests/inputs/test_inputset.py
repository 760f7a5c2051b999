"""dpfit.inputs.inputset: an input set's accessors in internal units (inverse quantities, units, Δa, contours,
regions), its records, its cross-checks and its provenance, against the shipped files read with plain PyYAML."""

import hashlib
import math

import numpy as np
import pytest
import yaml

from dpfit.errors import InputError
from dpfit.inputs.inputset import InputSet
from dpfit.inputs.load import default_dir, load_inputs
from dpfit.inputs.records import ExclusionCard, Gm2Card
from dpfit.model.analysis import Analysis
from tests.inputs.input_helpers import DATA, copy_with, overlay


def plain(name: str) -> dict:
    """A shipped data file read with PyYAML alone."""
    return yaml.safe_load((DATA / f"{name}.yaml").read_text())


@pytest.fixture(scope="module")
def inputs() -> InputSet:
    return load_inputs()


def test_a_limit_the_width_does_not_rescale_needs_a_reason(tmp_path):
    text = (default_dir("likelihoods") / "padme.yaml").read_text().replace("visible_decay: true", "visible_decay: false")
    (tmp_path / "padme.yaml").write_text(text)
    with pytest.raises(InputError, match="field 'visible_decay_reason'"):
        Analysis(inputs_dir=str(tmp_path)).likelihood()
    (tmp_path / "padme.yaml").write_text(text + "visible_decay_reason: a made-up reason for the test\n")
    assert "padme" in Analysis(inputs_dir=str(tmp_path)).likelihood().names


def test_unknown_card_reference(tmp_path):
    text = (default_dir("likelihoods") / "na64.yaml").read_text().replace("data: na64_2020", "data: na64_2002")
    d = overlay(tmp_path, "na64.yaml", text)
    with pytest.raises(InputError, match="na64.yaml: field 'data': no data file named 'na64_2002'; close matches: na64_2020"):
        load_inputs(d)


def test_duplicate_scenario_rejected(tmp_path):
    text = (default_dir("likelihoods") / "muon_wp25.yaml").read_text()
    d = overlay(tmp_path, "muon_copy.yaml", text)
    with pytest.raises(InputError, match="scenario 'WP25' is also defined"):
        load_inputs(d)


def test_an_inverse_quantity_is_inverted_with_its_uncertainty(inputs):
    """α stored as 1/α = 137.035999177(21): α = 1/x, σ_α = σ_x/x²."""
    doc = plain("alpha")
    x, sx = float(doc["value"]), float(doc["uncertainty"])
    m = inputs.quantity("alpha")
    assert (m.value, m.sigma) == (pytest.approx(1 / x, rel=1e-15), pytest.approx(sx / x**2, rel=1e-12))
    assert inputs.alpha() == m.value


def test_a_mass_in_gev_is_read_in_mev(tmp_path):
    d = copy_with(tmp_path, "m_mu.yaml", "value: 105.6583755\nuncertainty: 0.0000023\nunit: MeV",
                  "value: 0.1056583755\nuncertainty: 0.0000000023\nunit: GeV")
    assert load_inputs(d).mass("m_mu") == pytest.approx(105.6583755, rel=1e-15)


def test_delta_a_is_experiment_minus_prediction_in_quadrature(inputs):
    exp, sm = plain("a_mu_exp_2025"), plain("a_mu_sm_wp25")
    assert plain("delta_a_mu_wp25")["experiment"] == "a_mu_exp_2025"
    m = inputs.delta_a("delta_a_mu_wp25")
    assert m.value == pytest.approx((exp["value"] - sm["value"]) * 1e-11, rel=1e-9)
    assert m.sigma == pytest.approx(math.hypot(exp["uncertainty"], sm["uncertainty"]) * 1e-11, rel=1e-12)


def test_a_point_limit_in_g_is_a_contour_in_eps(inputs):
    """PADME quotes g_ve < 5.6e-4 at 16.9 MeV: ε = g/sqrt(4πα), open above."""
    contour = inputs.contour("padme_2025")
    assert contour.coupling == "eps" and contour.mass.tolist() == [16.9] and contour.upper.tolist() == [math.inf]
    assert contour.lower[0] == pytest.approx(5.6e-4 / math.sqrt(4 * math.pi * inputs.alpha()), rel=1e-14)
    point = inputs.contour("na64_2020_point")
    assert (point.lower.tolist(), point.upper.tolist()) == ([1.2e-4], [6.8e-4])


def test_a_contour_file_is_read_relative_to_its_data_file(inputs):
    contour = inputs.contour("na64_2020")
    lines = [x for x in (DATA / "contours" / "na64_2020.csv").read_text().splitlines() if x and x[0] != "#"]
    assert lines[0] == "mass_MeV,eps_lower,eps_upper"
    rows = np.array([[float(v) for v in x.split(",")] for x in lines[1:]])
    assert contour.mass.tolist() == rows[:, 0].tolist() and contour.lower.tolist() == rows[:, 1].tolist() \
        and contour.upper.tolist() == rows[:, 2].tolist()


def test_region_and_region_card(inputs):
    doc = plain("atomki_8be_2016")
    assert inputs.region("atomki_8be_2016") == {"mass": doc["mass"], "mass_uncertainty": doc["mass_uncertainty"],
                                                "eps_lower": doc["eps_lower"], "eps_upper": doc["eps_upper"],
                                                "experiment": doc["experiment"]}
    card = inputs.region_card("atomki")
    assert (card.mass, card.mass_sigma, card.mass_model) == (doc["mass"], doc["mass_uncertainty"], "box")
    with pytest.raises(InputError, match="card 'na64' is a exclusion card, not a region") as info:
        inputs.region_card("na64")
    assert info.value.field == "kind"


def test_records_are_typed_and_resolved_once(inputs):
    muon = inputs.gm2_card("mu", "wp25")  # scenario names are case-insensitive
    assert isinstance(muon, Gm2Card) and muon.name == "muon_wp25" and muon.data == "delta_a_mu_wp25"
    assert muon.lepton_mass == inputs.mass("m_mu") and muon.alpha == inputs.alpha()
    assert muon.delta_a == inputs.delta_a("delta_a_mu_wp25")
    assert inputs.record("muon_wp25") is muon
    na64 = inputs.record("na64")
    assert isinstance(na64, ExclusionCard) and (na64.production, na64.mechanism, na64.decay) == \
        ("electron", "e_brem", "e_e")  # a card naming no mechanism: its production's
    assert na64.length_ratio == 4 and na64.mass_range == (float(na64.contour.mass[0]), float(na64.contour.mass[-1]))
    padme = inputs.record("padme")
    assert padme.mass_range == (16.4, 17.4) and padme.mechanism == "e_e_resonant"
    assert [c.scenario for c in inputs.gm2_cards("e")] == ["Cs18", "Rb20"]


def test_an_absent_file_names_close_matches(inputs):
    with pytest.raises(InputError, match="no such data file; close matches: a_mu_sm_wp25") as info:
        inputs.file("a_mu_sm_wp52")
    assert info.value.source == "data 'a_mu_sm_wp52'"
    with pytest.raises(InputError, match="expected quantity here, got 'difference'") as info:
        inputs.quantity("delta_a_mu_wp25")
    assert info.value.field == "kind"


def test_used_files_follow_references_and_add_the_constants(inputs):
    used = {(f.role, f.name) for f in inputs.used_files(["muon_wp25"])}
    assert used == {("card", "muon_wp25"), ("data", "delta_a_mu_wp25"), ("data", "a_mu_exp_2025"),
                    ("data", "a_mu_sm_wp25"), ("data", "alpha"), ("data", "m_mu"), ("data", "m_e"),
                    ("data", "hbar"), ("data", "m_pi_charged")}


def test_provenance_names_layers_and_relative_paths_only(inputs, tmp_path):
    doc = inputs.provenance(["na64"])
    assert doc["convention"] == "precise" and doc["inputs_digest"] == inputs.digest()
    contour = next(f for f in doc["files"] if f["role"] == "contour of na64_2020")
    assert contour["path"] == "contours/na64_2020.csv" and contour["layer"] == "default"
    assert contour["sha256"] == hashlib.sha256((DATA / "contours" / "na64_2020.csv").read_bytes()).hexdigest()
    assert all(not f["path"].startswith("/") and len(f["sha256"]) == 64 for f in doc["files"])
    changed = load_inputs(overrides=["a_mu_sm_wp25.value=116592040"])
    assert changed.digest() != inputs.digest() and load_inputs().digest() == inputs.digest()
    assert changed.file("a_mu_sm_wp25").layer == "default + --set"
    d = overlay(tmp_path, "extra.yaml", (DATA / "m_e.yaml").read_text())
    entry = load_inputs(d).file("extra")
    assert (entry.layer, entry.relative_path) == ("overlay", "extra.yaml")
