"""dpfit.cli.cmd_inputs: ``dpfit inputs list|show|check|diff``, checked against the files themselves."""

from __future__ import annotations

import hashlib

import pytest
import yaml

from dpfit.cli.cmd_inputs import cmd_inputs, register
from dpfit.cli.options import OneLineParser
from tests.helpers import ROOT

#: The shipped inputs: data files and cards (the likelihood cards), one YAML file each.
DATA = sorted((ROOT / "data").glob("*.yaml"))
CARDS = sorted((ROOT / "likelihoods").glob("*.yaml"))


def test_register_actions():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["inputs", "list"]).func is cmd_inputs
    args = parser.parse_args(["inputs", "--set", "a.b=1", "show", "alpha"])
    assert (args.action, args.name, args.overrides) == ("show", "alpha", ["a.b=1"])
    args = parser.parse_args(["inputs", "check", "d"])
    assert (args.action, args.directory, args.inputs) == ("check", "d", None)


def test_list_has_one_line_per_file(cli):
    code, out, _ = cli("inputs", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == len(DATA) + len(CARDS)
    listed = sorted((line.split()[0], line.split()[1]) for line in lines)
    assert listed == sorted([("data", p.stem) for p in DATA] + [("card", p.stem) for p in CARDS])
    assert all(line.endswith("[default]") for line in lines)
    (wp25,) = [line for line in lines if line.split()[:2] == ["data", "a_mu_sm_wp25"]]
    assert "a_mu_sm = 116592033 +- 62 [1e-11]" in wp25


def test_show_prints_path_hash_and_content(cli):
    path = ROOT / "data" / "a_mu_sm_wp25.yaml"
    code, out, _ = cli("inputs", "show", "a_mu_sm_wp25")
    head, digest, *body = out.splitlines(keepends=True)
    assert code == 0
    assert head == f"# data 'a_mu_sm_wp25' (quantity) from {path} [default]\n"
    assert digest == f"# sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}\n"
    assert yaml.safe_load("".join(body)) == yaml.safe_load(path.read_text())


def test_options_before_the_action_apply(cli):
    code, out, _ = cli("inputs", "--set", "a_mu_sm_wp25.value=116592040", "show", "a_mu_sm_wp25")
    assert code == 0 and "[default + --set]" in out.splitlines()[0]
    assert yaml.safe_load("".join(out.splitlines(keepends=True)[2:]))["value"] == 116592040


def test_check_counts_every_file(cli, tmp_path):
    code, out, err = cli("inputs", "check")
    assert (code, out, err) == (0, f"ok: {len(DATA) + len(CARDS)} files valid (precise convention)\n", "")
    code, out, _ = cli("inputs", "check", "--convention", "paper", tmp_path)  # an empty overlay
    assert (code, out) == (0, f"ok: {len(DATA) + len(CARDS)} files valid (paper convention, overlay {tmp_path})\n")


def test_diff_of_an_overlay(cli, tmp_path):
    text = (ROOT / "data" / "a_mu_sm_wp20.yaml").read_text()
    assert "uncertainty: 43" in text
    (tmp_path / "a_mu_sm_wp20.yaml").write_text(text.replace("uncertainty: 43", "uncertainty: 40"))
    code, out, _ = cli("inputs", "diff", tmp_path)
    assert code == 0 and out.splitlines()[0] == "~ data a_mu_sm_wp20.uncertainty: 43 -> 40"


@pytest.mark.parametrize("argv, message", [
    ((), "the following arguments are required: ACTION"),
    (("show",), "the following arguments are required: NAME"),
    (("show", "nope"), "'nope': no such card file; known: a1_2011"),
    (("diff",), "dpfit inputs diff: name the overlay directory to compare, e.g. dpfit inputs diff mydir/"),
    (("check", "nodir"), "option --inputs: "),
    (("--convention", "old", "list"), "argument --convention: invalid choice: 'old'"),
    (("--set", "a_mu_sm_wp52.value=1", "list"), "option --set: field 'a_mu_sm_wp52.value': no input file named "
                                                "'a_mu_sm_wp52'"),
])
def test_bad_option_is_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("inputs", *argv)
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
