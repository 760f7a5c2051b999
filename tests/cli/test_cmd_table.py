"""dpfit.cli.cmd_table: ``dpfit table`` (ε_μ and its linear σ per muon scenario over mass) and ``dpfit epsilon``."""

from __future__ import annotations

import json

import pytest
from scipy import stats

from dpfit.cli.cmd_table import cmd_epsilon, cmd_table, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ALPHA, M_MU, delta_mu, gaussian_interval, k_mu
from tests.helpers import eps_quadrature

REL = 1e-9  # ε from the code against ε from quadrature


def test_register_adds_table_and_epsilon():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["table"])
    assert (args.func, args.model, args.masses, args.format, args.out) == (cmd_table, "dark_photon", None,
                                                                           "text", None)
    args = parser.parse_args(["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "17"])
    assert (args.func, args.lepton, args.mass, args.cl) == (cmd_epsilon, "mu", 17.0, None)


def test_table_csv_columns_against_quadrature(cli):
    """ε = √(Δa 2π / α F_V) and its linear σ = ε σ_Δa / 2Δa, per scenario (WP20, WP25) and mass."""
    code, out, err = cli("table", "--masses", "5,17,100", "--format", "csv")
    assert code == 0 and err == ""
    header, *lines = out.splitlines()
    columns = header.split(",")
    assert columns == ["mass_MeV", "eps_WP20", "sigma_WP20", "eps_BMW21", "sigma_BMW21", "eps_WP25", "sigma_WP25"]
    rows = [[float(c) for c in line.split(",")] for line in lines]
    assert [row[0] for row in rows] == [5.0, 17.0, 100.0]
    for scenario in ("WP20", "WP25"):
        delta, sigma = delta_mu(scenario)
        i = columns.index(f"eps_{scenario}")
        for row in rows:
            eps = eps_quadrature(row[0], delta, M_MU, ALPHA)
            assert row[i] == pytest.approx(eps, rel=REL)
            assert row[i + 1] == pytest.approx(eps * sigma / (2 * delta), rel=REL)


def test_table_text_and_json_hold_the_same_numbers(cli):
    code, text, _ = cli("table", "--masses", "17,30")
    code_json, doc, _ = cli("table", "--masses", "17,30", "--format", "json")
    assert code == code_json == 0
    doc = json.loads(doc)
    header, *lines = text.splitlines()
    assert header.split() == doc["columns"]
    for line, row in zip(lines, doc["rows"], strict=True):
        assert [float(c) for c in line.split()] == pytest.approx(row, rel=1e-3)  # 4 significant digits in text
    assert doc["provenance"]["command"] == "table"
    assert {f["name"] for f in doc["provenance"]["files"]} >= {"muon_wp20", "muon_bmw21", "muon_wp25"}


def test_table_csv_file_with_provenance_beside_it(cli, tmp_path):
    out = tmp_path / "t.csv"
    code, stdout, err = cli("table", "--masses", "17", "--format", "csv", "--out", out)
    assert (code, stdout) == (0, "") and err == f"wrote {out} and {out}.provenance.json\n"
    assert out.read_text().splitlines()[0].startswith("mass_MeV,eps_WP20")
    assert json.loads((tmp_path / "t.csv.provenance.json").read_text())["command"] == "table"


@pytest.mark.parametrize("argv, message", [
    (("--model", "Le-Ltau"), "option --model: the Le-Ltau model does not couple to the muon"),
    (("--model", "nope"), "option --model: unknown model 'nope'"),
    (("--masses", "17,abc"), "argument --masses: expected a number from 0.001 to 100000 MeV, got 'abc'"),
    (("--masses", "0"), "argument --masses: expected a number from 0.001 to 100000 MeV, got '0'"),
    (("--format", "xml"), "argument --format: invalid choice: 'xml'"),
])
def test_table_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("table", *argv, "--out", tmp_path / "t.txt")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []


def test_epsilon_prints_scenario_model_level_and_sides(cli):
    code, out, err = cli("epsilon", "--lepton", "mu", "--scenario", "WP20", "--mass", "17", "--cl", "0.9")
    assert code == 0 and err == ""
    delta, sigma = delta_mu("WP20")
    first, second, exact = out.splitlines()
    assert first == (f"mu WP20 at m = 17 MeV, model dark_photon (couplings in units of e): Delta a = {delta:.4g} "
                     f"+- {sigma:.2g}")
    eps = eps_quadrature(17.0, delta, M_MU, ALPHA)
    assert second == f"eps = {eps:.4e} +- {eps * sigma / (2 * delta):.4e} (linear propagation)"
    assert exact.startswith("exact likelihood: eps 0.9: [") and exact.endswith("-- delta chi2 <= 2.706, two-sided 90 %")


def test_epsilon_json_exact_interval_closed_form(cli):
    code, out, _ = cli("epsilon", "--lepton", "mu", "--scenario", "WP20", "--mass", "17", "--cl", "0.9,2sigma",
                       "--format", "json")
    doc = json.loads(out)
    delta, sigma = delta_mu("WP20")
    assert code == 0 and (doc["lepton"], doc["scenario"], doc["model"]) == ("mu", "WP20", "dark_photon")
    assert (doc["delta_a"], doc["sigma_delta_a"]) == (pytest.approx(delta, rel=1e-12), pytest.approx(sigma, rel=1e-12))
    for label, probability in (("0.9", 0.9), ("2sigma", stats.chi2.cdf(4, 1))):
        dchi2 = stats.chi2.ppf(probability, 1)
        assert doc["exact"]["intervals"]["eps"][label]["pieces"] == [
            pytest.approx(gaussian_interval(delta, sigma, k_mu(17.0), dchi2), rel=1e-6)]
    assert doc["message"] is None and doc["provenance"]["command"] == "epsilon"


def test_epsilon_without_a_coupling_of_the_right_sign_says_so(cli):
    """An axial coupling lowers a_e: a positive Δa_e (Rb20) has no ε; the exact likelihood gives an upper limit."""
    code, out, _ = cli("epsilon", "--lepton", "e", "--scenario", "Rb20", "--mass", "16.7", "--model", "axial")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("e Rb20 at m = 16.7 MeV, model axial")
    assert "the axial boson can only lower a_e here, so no coupling produces it" in lines[1]
    assert all("one-sided upper limit" in line for line in lines[2:]) and len(lines) == 4


@pytest.mark.parametrize("argv, message", [
    (("--lepton", "tau", "--scenario", "WP25", "--mass", "17"), "argument --lepton: invalid choice: 'tau'"),
    (("--lepton", "mu", "--scenario", "WP25", "--mass", "17", "--model", "Le-Ltau"),
     "option --model: the Le-Ltau model does not couple to the mu"),
    (("--lepton", "mu", "--scenario", "WP25", "--mass", "1e6"), "argument --mass: expected a number from 0.001"),
    (("--lepton", "mu", "--scenario", "WP25", "--mass", "17", "--cl", "1"), "argument --cl: expected a probability"),
    (("--lepton", "mu", "--scenario", "WP25"), "the following arguments are required: --mass"),
    (("--lepton", "mu", "--scenario", "WP99", "--mass", "17"),
     "option --scenario: unknown mu scenario 'WP99'; known: WP20, BMW21, WP25"),
])
def test_epsilon_bad_option_is_one_line(cli, argv, message):
    code, out, err = cli("epsilon", *argv)
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
