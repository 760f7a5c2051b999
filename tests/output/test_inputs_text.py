"""dpfit.output.inputs_text: the list of inputs, one file shown in full, and an overlay's differences value by value."""

import math

import pytest
import yaml

from dpfit.output.inputs_text import describe_file, diff_inputs, list_inputs
from dpfit.inputs.load import load_inputs
from tests.inputs.input_helpers import DATA, copy_with, overlay


@pytest.fixture(scope="module")
def inputs():
    return load_inputs()


def test_list_has_one_aligned_line_per_file(inputs):
    files = inputs.files()
    lines = list_inputs(inputs).splitlines()
    assert len(lines) == len(files)
    w_role, w_name = max(len(f.role) for f in files), max(len(f.name) for f in files)
    for line, f in zip(lines, files):
        assert line.startswith(f"{f.role:<{w_role}}  {f.name:<{w_name}}  {f.kind}") and line.endswith(f"  [{f.origin}]")


def test_list_summaries_state_value_uncertainty_and_unit(inputs):
    rows = {line.split()[1]: line for line in list_inputs(inputs).splitlines()}
    assert "  1/alpha = 137.035999177 +- 2.1e-08 [1]  " in rows["alpha"]
    assert "  a_mu_sm = 116592033 +- 62 [1e-11]  " in rows["a_mu_sm_wp25"]
    assert "  hbar = 6.582119569e-22 exact [MeV s]  " in rows["hbar"]
    sigma = math.hypot(14.5, 62) * 1e-11  # a_mu(exp 2025) 116592071.5(14.5) - a_mu(SM WP25) 116592033(62)
    assert f"  delta_a_mu = 3.85e-10 +- {sigma:.2g} (derived)  " in rows["delta_a_mu_wp25"]
    assert inputs.card("na64").doc["description"] in rows["na64"]


def test_show_gives_path_hash_and_the_document_back(inputs):
    text = describe_file(inputs, "a_mu_sm_wp25")
    first, second, *_ = text.splitlines()
    entry = inputs.file("a_mu_sm_wp25")
    assert first == f"# data 'a_mu_sm_wp25' (quantity) from {DATA / 'a_mu_sm_wp25.yaml'} [default]"
    assert second == f"# sha256 {entry.sha256}"
    assert yaml.safe_load(text) == entry.doc  # the header is comments: the rest reads back as the file's content
    card = describe_file(inputs, "na64")  # not a data file's name: the card
    assert card.startswith("# card 'na64' (exclusion)") and yaml.safe_load(card) == inputs.card("na64").doc
    assert describe_file(inputs, "delta_a_mu_wp25").splitlines()[2].startswith("# delta_a_mu = 3.85e-10 +- ")


def test_diff_of_an_overlay_value_by_value(tmp_path):
    base = load_inputs()
    assert diff_inputs(base, base) == "no differences\n"
    d = copy_with(tmp_path, "a_mu_sm_wp25.yaml", "value: 116592033", "value: 116592040")
    overlay(d, "extra.yaml", (DATA / "m_e.yaml").read_text())
    other = load_inputs(d)
    lines = diff_inputs(base, other).splitlines()
    assert lines[0] == "~ data a_mu_sm_wp25.value: 116592033 -> 116592040"  # files by role and name
    assert lines[1] == f"+ data extra: new ({d / 'extra.yaml'})"
    sigma = f"{math.hypot(14.5, 62) * 1e-11:.2g}"
    assert lines[2] == (f"  = data delta_a_mu_wp25: delta_a_mu = 3.85e-10 +- {sigma} (derived)  ->  "
                        f"delta_a_mu = 3.15e-10 +- {sigma} (derived)")  # 116592071.5 - 116592040 = 31.5
    assert len(lines) == 3
    assert diff_inputs(other, base).splitlines()[1] == "- data extra: removed"
