"""dpfit.inputs.model_cards: built-in and user model cards, their charges (fractions exact) and one-line errors."""

import math
from fractions import Fraction

import numpy as np
import pytest

import dpfit
from dpfit.cli import main
from dpfit.errors import InputError
from dpfit.inputs.model_cards import REFERENCE_MODEL, built_in_models, load_model, models_dir, parse_model
from dpfit.model.analysis import Analysis
from dpfit.output.wording import notes_text

CARD = "schema: dpfit-model/1\nname: x\ndescription: d\nreference: r\n"


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
    assert result.converged and any("model leaky" in n for n in notes_text(result.notes))
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


def test_built_in_cards_are_the_files_of_the_models_directory():
    assert built_in_models() == sorted(p.name.removesuffix(".yaml") for p in models_dir().iterdir()
                                       if p.suffix == ".yaml")
    assert REFERENCE_MODEL in built_in_models()
    assert load_model(REFERENCE_MODEL).charges("p") == {}  # the source paper's protophobic model: ε_p = 0


def test_fractions_are_exact_and_match_ilten_table_1():
    """B−L: leptons and neutrinos −1, quarks 1/3 (Ilten et al. 2018, table 1): 1/3 read as the float of Fraction(1, 3)."""
    model = load_model("B-L")
    assert model.coupling("u") == ("eps", float(Fraction(1, 3))) and model.coupling("nu_tau") == ("eps", -1.0)
    assert model.coupling("n")[1] == pytest.approx(1.0, rel=1e-15)  # u + 2d = 3 × 1/3
    assert load_model("protophobic").coupling("d") == ("eps", float(Fraction(2, 3)))


def test_a_card_path_and_a_built_in_name_give_the_same_model():
    path = models_dir() / "B-L.yaml"
    assert load_model(str(path)) == load_model("B-L")


def test_two_parameters_one_for_each_lepton():
    lepton = load_model("lepton")
    assert lepton.parameters == ("eps_e", "eps_mu")
    assert lepton.coupling("e") == ("eps_e", -1.0) and lepton.coupling("mu") == ("eps_mu", -1.0)


@pytest.mark.parametrize("body, field, words", [
    ("parameters: [a, b]\nvector:\n  a: {e: 1, mu: 1}\n", "parameters", "one read by the electron and the other"),
    ("parameters: [a, b]\nvector:\n  a: {e: 1}\n  b: {e: 1, mu: 1}\n", "parameters", "mixes the parameters a, b"),
    ("parameters: [eps]\nvector:\n  eps: {e: 0}\n", "vector", "charges no fermion"),
    ("parameters: [eps]\nvector:\n  eps: {e: 1/0}\n", "vector.eps.e", None),
    ("parameters: [eps, a, b]\nvector:\n  eps: {e: 1}\n", "parameters", None),
])
def test_parse_model_refuses_what_the_inference_cannot_read(body, field, words):
    from dpfit.inputs.yaml_io import parse_yaml

    with pytest.raises(InputError) as info:
        parse_model(parse_yaml(CARD + body), "m.yaml")
    assert info.value.source == "m.yaml" and info.value.field == field and "\n" not in str(info.value)
    if words:
        assert words in info.value.message


@pytest.mark.parametrize("spec, words", [("no_such_model", "unknown model 'no_such_model'; built in: B, B-L"),
                                         ("missing.yaml", "no model file missing.yaml"), ("", "expected a model name")])
def test_unknown_model_names_the_option(spec, words):
    with pytest.raises(InputError, match=words) as info:
        load_model(spec)
    assert info.value.source == "option --model"
