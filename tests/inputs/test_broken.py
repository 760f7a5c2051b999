"""dpfit.inputs.broken: a broken overlay file is kept aside, raised when used, reported with every other one."""

from types import SimpleNamespace

import pytest

from dpfit.errors import InputError
from dpfit.inputs.broken import BrokenFiles
from dpfit.inputs.load import load_inputs
from tests.inputs.input_helpers import DATA, overlay

EXCLUSION_DATA = ("schema: dpfit-data/1\nkind: exclusion\nexperiment: X\ncl: 0.9\ncoupling: eps\n"
                  "contour: {file: missing.csv, format: csv}\nreference: made up for a test\n")


def exclusion_card(data: str, default: str) -> str:
    return (f"schema: dpfit-card/1\nkind: exclusion\ndescription: a test limit\ndata: {data}\nlepton: e\n"
            f"visible_decay: true\ndefault: {default}\n")


def test_broken_overlay_file_reported_when_used(cli, tmp_path):
    (tmp_path / "good.csv").write_text("mass_MeV,eps_lower\n10,9e-4\n20,9e-4\n")
    (tmp_path / "good_data.yaml").write_text(
        "schema: dpfit-data/1\nkind: exclusion\nexperiment: X\ncl: 0.9\ncoupling: eps\n"
        "contour: {file: good.csv, format: csv}\nreference: made up for a test\n")
    (tmp_path / "good.yaml").write_text("schema: dpfit-card/1\nkind: exclusion\ndescription: a test limit\n"
                                        "data: good_data\nlepton: e\nvisible_decay: true\ndefault: false\n")
    (tmp_path / "bad_data.yaml").write_text(  # its contour file does not exist
        "schema: dpfit-data/1\nkind: exclusion\nexperiment: X\ncl: 0.9\ncoupling: eps\n"
        "contour: {file: missing.csv, format: csv}\nreference: made up for a test\n")
    (tmp_path / "bad.yaml").write_text("schema: dpfit-card/1\nkind: exclusion\ndescription: a broken limit\n"
                                       "data: bad_data\nlepton: e\nvisible_decay: true\n")  # no 'default'
    code, out, err = cli("fit", "--inputs", tmp_path, "--limits", "na64,padme,good", "--mass", "16.7")
    assert code == 0, err
    assert "terms: muon_wp25, electron_rb20, na64, padme, good, atomki" in out
    code, _, err = cli("fit", "--inputs", tmp_path, "--limits", "bad", "--mass", "16.7")
    assert code == 2 and err.count("\n") == 1 and "bad.yaml" in err and "default" in err
    code, _, err = cli("inputs", "check", tmp_path)  # both broken files, one line each; the good ones pass
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2 and "bad.yaml: field 'default'" in lines[0] and "missing.csv" in lines[1]


WP27_CARD = """schema: dpfit-card/1
kind: gm2_gaussian
description: Muon g-2 with a WP27 prediction.
lepton: mu
scenario: WP27
delta_a: delta_a_mu_wp27
"""


def test_overlay_with_only_a_broken_card_names_the_card_not_an_unknown_scenario(cli, tmp_path):
    d = overlay(tmp_path, "muon_wp27.yaml", WP27_CARD)  # its data file is missing
    code, out, err = cli("fit", "--inputs", d, "--muon", "WP27", "--mass", "16.7")
    assert code == 2 and not out and err.count("\n") == 1
    assert "muon_wp27.yaml: field 'delta_a': no data file named 'delta_a_mu_wp27'" in err and "unknown" not in err
    (d / "muon_wp27.yaml").write_text("schema: dpfit-card/1\nkind: gm2_gausian\nlepton: mu\nscenario: WP27\n")
    code, _, err = cli("fit", "--inputs", d, "--muon", "WP27", "--mass", "16.7")  # not even a card: named as a hint
    assert code == 2 and err.count("\n") == 1 and "unknown mu scenario 'WP27'" in err and "gm2_gausian" in err


def test_inputs_check_reports_every_failing_file_of_an_overlay(cli, tmp_path):
    d = overlay(tmp_path, "muon_wp27.yaml", WP27_CARD)
    overlay(d, "a_mu_sm_wp25.yaml", "kind: quantity\nvalue: 1\n")  # no schema
    overlay(d, "bad.yaml", ": : :\n")  # not YAML
    overlay(d, "delta_a_mu_wp20.yaml", (DATA / "delta_a_mu_wp20.yaml").read_text().replace("kind:", "kind: x\nold_kind:"))
    code, out, err = cli("inputs", "check", d)
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 4 and all(x.startswith("dpfit: error: ") for x in lines)
    for name, field in (("a_mu_sm_wp25.yaml", "schema"), ("bad.yaml", "malformed YAML"),
                        ("delta_a_mu_wp20.yaml", "kind"), ("muon_wp27.yaml", "delta_a")):
        assert any(name in x and field in x for x in lines), (name, err)


def test_broken_files_are_kept_aside_and_raised_when_used(tmp_path):
    d = overlay(tmp_path, "aa_off.yaml", exclusion_card("no_such_data", "false"))
    overlay(d, "junk.yaml", "this: [is not valid\n")
    with pytest.raises(InputError):  # without lazy: the first failure stops the load
        load_inputs(d)
    inputs = load_inputs(d, lazy=True)
    assert set(inputs.broken) == {("card", "aa_off"), ("unreadable", "junk")}
    assert [e.source for e in inputs.broken_errors()] == [str(d / "aa_off.yaml"), str(d / "junk.yaml")]
    assert "aa_off" not in {f.name for f in inputs.files()} and "na64" in {f.name for f in inputs.files()}
    with pytest.raises(InputError, match="aa_off.yaml: field 'data'") as info:
        inputs.card("aa_off")
    assert info.value is inputs.broken[("card", "aa_off")]
    with pytest.raises(InputError, match="aa_off.yaml"):  # the first by name
        inputs.check_broken()
    with pytest.raises(InputError, match="junk.yaml"):  # an unreadable file may have been a default card
        inputs.check_broken_defaults()


def test_only_a_card_that_may_be_default_blocks_the_default_limits(tmp_path):
    d = overlay(tmp_path, "aa_off.yaml", exclusion_card("no_such_data", "false"))
    load_inputs(d, lazy=True).check_broken_defaults()  # default: false: the defaults are known without it
    overlay(d, "zz_on.yaml", exclusion_card("no_such_data", "true"))
    with pytest.raises(InputError, match="zz_on.yaml"):
        load_inputs(d, lazy=True).check_broken_defaults()


def test_a_card_failing_on_a_broken_data_file_reports_that_files_error_once(tmp_path):
    d = overlay(tmp_path, "bad_data.yaml", EXCLUSION_DATA)
    overlay(d, "bad.yaml", exclusion_card("bad_data", "false"))
    inputs = load_inputs(d, lazy=True)
    assert set(inputs.broken) == {("data", "bad_data"), ("card", "bad")}
    errors = inputs.broken_errors()
    assert len(errors) == 1 and errors[0].source == str(d / "missing.csv")  # the data file's contour, not the card
    assert errors[0] is inputs.broken[("data", "bad_data")] is inputs.broken[("card", "bad")]
    assert inputs.record("na64").name == "na64"  # the rest still works


class Files(BrokenFiles):
    """The mixin on hand-made state: ``broken`` {(role, name): error}, ``_files`` {(role, name): entry with .doc}."""

    def __init__(self, broken: dict, docs: dict):
        self.broken, self._files = broken, {k: SimpleNamespace(doc=d) for k, d in docs.items()}


def test_the_mixin_orders_by_name_and_reports_a_shared_error_once():
    shared = InputError("c.csv", None, "cannot read file")
    files = Files({("card", "b"): shared, ("data", "a"): InputError("a.yaml", "value", "bad"), ("data", "c"): shared},
                  {("card", "b"): {"kind": "exclusion", "default": False}})
    assert [str(e) for e in files.broken_errors()] == ["a.yaml: field 'value': bad", "c.csv: cannot read file"]
    with pytest.raises(InputError, match="a.yaml"):
        files.check_broken()
    files.check_broken_defaults()  # a data file and a card that says default: false
    Files({}, {}).check_broken()  # nothing broken: nothing raised


def test_scenario_cards_that_define_the_scenario_come_first():
    wp27, other = InputError("w.yaml", "delta_a", "missing"), InputError("x.yaml", "delta_a", "missing")
    files = Files({("card", "a_other"): other, ("card", "z_wp27"): wp27, ("card", "e_card"): other,
                   ("data", "d"): other},
                  {("card", "a_other"): {"lepton": "mu", "scenario": "WP26"},
                   ("card", "z_wp27"): {"lepton": "mu", "scenario": "wp27"},
                   ("card", "e_card"): {"lepton": "e", "scenario": "WP27"}})
    assert files._broken_scenario_cards("mu", "WP27") == [(True, wp27), (False, other)]
