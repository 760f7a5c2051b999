"""dpfit.model.analysis: an analysis' choices (options, files), the terms its cards make and the ranges and priors it
resolves, against the shipped card files read here with PyYAML and the paper's inputs."""

from pathlib import Path

import pytest
import yaml

from tests.helpers import ROOT
from dpfit.errors import InputError
from dpfit.inputs.load import default_dir
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PoissonLimit, PreferredRegion
from dpfit.model.analysis import Analysis


def data_file(name):
    """A shipped data file, read with PyYAML (not dpfit's reader)."""
    return yaml.safe_load((default_dir("data") / f"{name}.yaml").read_text())


def test_analysis_file_equals_defaults():
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



@pytest.mark.parametrize("changes, field, needle", [
    ({"limit_model": "hard"}, "limit_model", "expected step or poisson"),
    ({"limits": ("padme", "padme")}, "limits", "named twice"),
    ({"couplings": "lepton", "vector_model": "B-L"}, "couplings", "not 'B-L'"),
    ({"eps_range": (1e-2, 1e-5)}, "eps_range", ""),
])
def test_bad_choices_name_their_field(changes, field, needle):
    with pytest.raises(InputError) as info:
        Analysis(**changes).likelihood()
    assert info.value.field == field and needle in info.value.message and "\n" not in str(info.value)


def test_terms_follow_the_cards_with_the_papers_inputs():
    analysis = Analysis(muon="WP20", electron="Cs18", limits=("padme", "na64"), atomki="atomki", convention="paper",
                        limit_model="poisson")
    joint = analysis.likelihood()
    assert [type(t) for t in joint] == [Gm2Gaussian, Gm2Gaussian, PoissonLimit, Exclusion, PreferredRegion]
    muon, electron = joint[0], joint[1]
    assert (muon.lepton, muon.delta, muon.sigma) == ("mu", pytest.approx(262e-11), pytest.approx(45e-11))
    assert (electron.lepton, electron.delta, electron.sigma) == ("e", pytest.approx(-102e-14), pytest.approx(26e-14))
    assert muon.alpha == pytest.approx(1 / 137, rel=1e-12)  # the paper convention's alpha
    region = data_file("atomki_8be_2016")
    assert (joint[4].mass0, joint[4].mass_sigma, joint[4].eps_lower, joint[4].eps_upper) == (
        region["mass"], region["mass_uncertainty"], region["eps_lower"], region["eps_upper"])
    assert analysis.replace(limit_model="step").likelihood()[2].__class__ is Exclusion  # PADME: a hard wall again


def test_the_region_sets_the_mass_range_and_the_gaussian_prior():
    box = data_file("atomki_8be_2016")
    assert Analysis().resolved_mass_range() == pytest.approx(
        (box["mass"] - box["mass_uncertainty"], box["mass"] + box["mass_uncertainty"]), rel=1e-12)
    gauss = data_file("atomki_4he")
    he = Analysis(atomki="atomki_4he", mass_prior="gaussian")
    m0, sigma = gauss["mass"], gauss["mass_uncertainty"]
    assert he.resolved_mass_range() == pytest.approx((m0 - 3 * sigma, m0 + 3 * sigma), rel=1e-12)
    assert he.mass_prior_gaussian() == pytest.approx((m0, sigma))
    assert he.model().mass_gaussian == pytest.approx((m0, sigma))
    assert Analysis(mass_range=(10.0, 20.0)).resolved_mass_range() == (10.0, 20.0)  # a given range wins
    with pytest.raises(InputError, match="field 'mass_range'.*give a mass range"):
        Analysis(atomki=None).resolved_mass_range()
    with pytest.raises(InputError, match="field 'mass_prior'.*needs a preferred region"):
        Analysis(atomki=None, mass_prior="gaussian").mass_prior_gaussian()


def test_lepton_couplings_are_the_lepton_model():
    analysis = Analysis(couplings="lepton")
    assert analysis.vector_model == "lepton" and analysis.likelihood().parameters == ("m", "eps_e", "eps_mu")
    assert Analysis(vector_model="lepton").couplings == "lepton"


def test_a_file_is_overridden_by_changes_and_resolves_its_paths(tmp_path):
    (tmp_path / "limit.csv").write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    (tmp_path / "a.yaml").write_text("schema: dpfit-analysis/1\nmuon: WP20\nelectron: none\natomki: false\n"
                                     "limits: [padme]\nlimit_files: [limit.csv]\nmass_range: [16, 17.5]\n")
    analysis = Analysis.from_file(tmp_path / "a.yaml", muon="BMW21")
    assert analysis.muon == "BMW21" and analysis.electron is None and analysis.atomki is None  # the option wins
    assert analysis.limits == ("padme",) and analysis.mass_range == (16, 17.5)
    assert Path(analysis.limit_files[0].path).resolve() == (tmp_path / "limit.csv").resolve()  # relative to the file
    assert analysis.source == str(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("schema: dpfit-analysis/1\nmuons: WP20\n")
    with pytest.raises(InputError, match="b.yaml") as info:
        Analysis.from_file(tmp_path / "b.yaml")
    assert "muons" in str(info.value)


def test_describe_and_replace_keep_every_choice():
    base = Analysis(muon="WP20", limits=("padme",), eps_range=(1e-4, 1e-2))
    changed = base.replace(electron="Cs18")
    assert changed.electron == "Cs18" and changed.muon == "WP20" and changed.limits == ("padme",)
    doc = base.describe()
    assert doc["muon"] == "WP20" and doc["limits"] == ["padme"] and doc["eps_range"] == [1e-4, 1e-2]
    assert doc["mass_range"] == pytest.approx([16.7 - 0.85, 16.7 + 0.85])
    assert Analysis().describe()["limits"] == sorted(
        p.stem for p in default_dir("likelihoods").glob("*.yaml")
        if yaml.safe_load(p.read_text()).get("kind") == "exclusion" and yaml.safe_load(p.read_text()).get("default"))
