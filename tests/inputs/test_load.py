"""dpfit.inputs.load: loading, overlaying, overriding and rejecting inputs, through the API and the CLI."""

import pytest

from dpfit.errors import InputError
from dpfit.inputs.load import load_inputs
from tests.inputs.input_helpers import copy_with, overlay


def test_defaults_load_and_check():
    inputs = load_inputs()
    assert {c.doc["scenario"] for c in inputs.scenarios("mu")} == {"WP20", "BMW21", "WP25"}
    assert [c.doc["scenario"] for c in inputs.scenarios("e")] == ["Cs18", "Rb20"]
    assert inputs.delta_a("delta_a_mu_wp20").value == pytest.approx(261.5e-11, rel=1e-9)
    assert inputs.delta_a("delta_a_mu_wp20").sigma == pytest.approx(45.4e-11, abs=0.05e-11)


def test_every_file_has_reference_and_provenance():
    inputs = load_inputs()
    for entry in inputs.files():
        if entry.role == "data":
            assert entry.doc["reference"].strip()
        assert len(entry.sha256) == 64


def test_paper_convention_is_an_overlay():
    paper = load_inputs(convention="paper")
    assert paper.alpha() == 1 / 137
    assert paper.file("delta_a_mu_wp25").origin == "convention paper"
    assert paper.delta_a("delta_a_e_cs18").value == pytest.approx(-1.02e-12)


def test_overlay_replaces_file_by_file(tmp_path):
    d = copy_with(tmp_path, "a_mu_sm_wp25.yaml", "value: 116592033", "value: 116592040")
    inputs = load_inputs(d)
    assert inputs.delta_a("delta_a_mu_wp25").value == pytest.approx(31.5e-11, rel=1e-9)
    assert inputs.file("a_mu_sm_wp20").origin == "default"


def test_set_override_changes_value_and_is_recorded():
    inputs = load_inputs(overrides=["a_mu_sm_wp25.value=116592040", "a_mu_sm_wp25.uncertainty=60"])
    assert inputs.delta_a("delta_a_mu_wp25").value == pytest.approx(31.5e-11, rel=1e-9)
    assert inputs.provenance()["overrides"][0] == {"key": "a_mu_sm_wp25.value", "value": 116592040}


@pytest.mark.parametrize(
    "name, old, new, field",
    [
        ("a_mu_sm_wp25.yaml", "uncertainty: 62", "uncertainty: -62", "uncertainty"),
        ("a_mu_sm_wp25.yaml", "uncertainty: 62", "uncertainty: 0", "uncertainty"),
        ("a_mu_sm_wp25.yaml", "value: 116592033", "value: .nan", "value"),
        ("a_mu_sm_wp25.yaml", "unit: \"1e-11\"", "unit: furlongs", "unit"),
        ("a_mu_sm_wp25.yaml", "unit: \"1e-11\"", "unit: 1e-11", "unit"),
        ("a_mu_sm_wp25.yaml", "value: 116592033\n", "", "value"),
        ("m_mu.yaml", "unit: MeV", "unit: \"1e-11\"", "unit"),
        ("na64_2020_point.yaml", "upper: 6.8e-4", "upper: 1.0e-4", "point.upper"),
        ("atomki_8be_2016.yaml", "eps_upper: 1.4e-3", "eps_upper: 1.0e-4", "eps_upper"),
        ("delta_a_mu_wp25.yaml", "prediction: a_mu_sm_wp25", "prediction: a_mu_sm_wp52", None),
    ],
)
def test_bad_data_file_names_file_and_field(tmp_path, name, old, new, field):
    d = copy_with(tmp_path, name, old, new)
    with pytest.raises(InputError) as info:
        load_inputs(d)
    assert name in info.value.source or name.removesuffix(".yaml") in info.value.source
    if field:
        assert info.value.field == field
    assert "\n" not in str(info.value)


def test_malformed_yaml(tmp_path):
    d = overlay(tmp_path, "a_mu_sm_wp25.yaml", "schema: dpfit-data/1\nvalue: [1, 2\n")
    with pytest.raises(InputError, match=r"a_mu_sm_wp25.yaml: malformed YAML at line \d+"):
        load_inputs(d)


def test_top_level_not_a_mapping(tmp_path):
    d = overlay(tmp_path, "x.yaml", "- 1\n- 2\n")
    with pytest.raises(InputError, match="x.yaml: expected a YAML mapping"):
        load_inputs(d)


def test_bad_overrides():
    with pytest.raises(InputError, match="close matches: a_mu_sm_wp25"):
        load_inputs(overrides=["a_mu_sm_wp52.value=1"])
    with pytest.raises(InputError, match="has no field 'valeu'; close matches: value"):
        load_inputs(overrides=["a_mu_sm_wp25.valeu=1"])
    with pytest.raises(InputError, match="expected a number"):
        load_inputs(overrides=["a_mu_sm_wp25.value=abc"])
    with pytest.raises(InputError, match="expected FILE.FIELD=VALUE"):
        load_inputs(overrides=["a_mu_sm_wp25"])
    with pytest.raises(InputError, match="> 0"):
        load_inputs(overrides=["a_mu_sm_wp25.uncertainty=-3"])


def test_unknown_scenario_and_convention():
    inputs = load_inputs()
    with pytest.raises(InputError, match="unknown mu scenario 'WP99'; known: WP20, BMW21, WP25"):
        inputs.scenario("mu", "WP99")
    with pytest.raises(InputError, match="expected one of precise, paper"):
        load_inputs(convention="sloppy")


# ------------------------------------------------------------------ through the CLI


def test_cli_inputs_list_show_check(cli, tmp_path):
    code, out, _ = cli("inputs", "list")
    assert code == 0 and "a_mu_sm_wp25" in out and "na64" in out
    code, out, _ = cli("inputs", "show", "a_mu_sm_wp25")
    assert code == 0 and "116592033" in out and "sha256" in out
    code, out, _ = cli("inputs", "check")
    assert code == 0 and out.startswith("ok:")


def test_inputs_actions_have_their_own_help(cli):
    for action, words in (("list", "SHA-256"), ("show", "NAME"), ("check", "every file"), ("diff", "value by value")):
        code, out, _ = cli("inputs", action, "--help")
        assert code == 0 and out.startswith(f"usage: dpfit inputs {action}") and words in out, out
    code, out, _ = cli("inputs", "--convention", "paper", "show", "alpha")  # options before the action still count
    assert code == 0 and "conventions/paper" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["epsilon", "--lepton", "mu", "--scenario", "WP99", "--mass", "17"], "unknown mu scenario 'WP99'"),
        (["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "-17"], "expected a number from 0.001 to 100000 MeV"),
        (["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "nan"], "expected a number from 0.001 to 100000 MeV"),
        (["table", "--set", "a_mu_sm_wp25.value=oops"], "expected a number"),
        (["inputs", "show", "nosuchfile"], "no such card file"),
        (["inputs", "check", "/nonexistent/dir"], "option --inputs: /nonexistent/dir is not an existing directory"),
    ],
)
def test_cli_bad_input_one_line_exit_2(cli, args, needle):
    code, out, err = cli(*args)
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1 and out == ""


def test_cli_bad_file_writes_nothing(cli, tmp_path):
    d = copy_with(tmp_path / "ov" if (tmp_path / "ov").mkdir() is None else tmp_path, "a_mu_sm_wp25.yaml",
                  "uncertainty: 62", "uncertainty: -1")
    target = tmp_path / "table.csv"
    code, _, err = cli("table", "--inputs", d, "--format", "csv", "--out", target)
    assert code == 2 and "a_mu_sm_wp25.yaml: field 'uncertainty'" in err
    assert not target.exists() and not list(tmp_path.glob(".table.csv*"))


def test_cli_inputs_diff(cli, tmp_path):
    d = copy_with(tmp_path, "a_mu_sm_wp25.yaml", "value: 116592033", "value: 116592040")
    code, out, _ = cli("inputs", "diff", d)
    assert code == 0
    assert "~ data a_mu_sm_wp25.value: 116592033 -> 116592040" in out
