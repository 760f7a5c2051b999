"""dpfit.cli.cmd_fit: ``dpfit fit`` prints the terms, best fit, goodness of fit and each interval with its level."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from dpfit.cli.cmd_fit import cmd_fit, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ALPHA, ONLY_MUON, delta_mu, gaussian_interval, k_mu
from tests.helpers import fv_quadrature

M_E = 0.51099895069  # MeV, CODATA 2022


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fit"])
    assert (args.func, args.mass, args.cl, args.format, args.out) == (cmd_fit, None, None, "text", None)


def test_text_names_terms_mass_levels_and_sides(cli):
    code, out, err = cli("fit", "--mass", "17", "--muon", "WP25", *ONLY_MUON, "--cl", "0.9,3sigma")
    assert code == 0 and err == ""
    lines = out.splitlines()
    delta, sigma = delta_mu("WP25")
    assert lines[0] == "terms: muon_wp25"
    assert lines[1] == f"best fit: m = 17, eps = {math.sqrt(delta / k_mu(17.0)):.5g} (mass fixed)"
    assert lines[2].startswith("goodness of fit: chi2_min = 0 for 0 dof: no degrees of freedom left")
    levels = ((lines[3], "0.9", stats.chi2.ppf(0.9, 1), "90"), (lines[4], "3sigma", 9, "99.73"))
    for line, label, dchi2, percent in levels:
        lo, hi = gaussian_interval(delta, sigma, k_mu(17.0), dchi2)
        assert line == f"eps {label}: [0, {hi:.4g}] (edges: eps=0, gm2:WP25) -- delta chi2 <= {dchi2:.4g}, " \
                       f"two-sided {percent} %"
        assert lo == 0.0  # Δa_μ(WP25) is within sqrt(Δχ²) σ of zero: the interval reaches ε = 0


def test_json_intervals_closed_form(cli):
    code, out, _ = cli("fit", "--mass", "17", "--muon", "WP20", *ONLY_MUON, "--format", "json")
    doc = json.loads(out)
    delta, sigma = delta_mu("WP20")
    assert code == 0 and doc["terms"] == ["muon_wp20"] and doc["mass_fixed"] is True
    assert doc["best_fit"] == {"m": 17.0, "eps": pytest.approx(math.sqrt(delta / k_mu(17.0)), rel=1e-6)}
    for label, n in (("1sigma", 1), ("2sigma", 2)):  # the default levels
        interval = doc["intervals"]["eps"][label]
        assert interval["pieces"] == [pytest.approx(gaussian_interval(delta, sigma, k_mu(17.0), n * n), rel=1e-6)]
        assert (interval["delta_chi2"], interval["sided"]) == (pytest.approx(n * n, rel=1e-12), "two-sided")
        assert interval["coverage"] == pytest.approx(stats.chi2.cdf(n * n, 1), rel=1e-12)
    assert doc["provenance"]["command"] == "fit" and doc["provenance"]["analysis"]["muon"] == "WP20"


def test_goodness_of_fit_of_two_gaussian_terms(cli):
    """Muon and electron (g-2) at fixed mass: two Gaussian measurements of θ = ε²; χ²_min of their weighted
    mean for 1 dof. Δa_e and σ of Rb20 are read from ``dpfit epsilon``; k_e from quadrature."""
    _, electron, _ = cli("epsilon", "--lepton", "e", "--scenario", "Rb20", "--mass", "17", "--format", "json")
    electron = json.loads(electron)
    code, out, _ = cli("fit", "--mass", "17", "--muon", "WP20", "--limits", "none", "--no-atomki", "--format", "json")
    doc = json.loads(out)
    delta_m, sigma_m = delta_mu("WP20")
    k_e = ALPHA / (2 * math.pi) * fv_quadrature(17.0 / M_E)
    theta = [(delta_m / k_mu(17.0), sigma_m / k_mu(17.0)),
             (electron["delta_a"] / k_e, electron["sigma_delta_a"] / k_e)]
    weights = [1 / s**2 for _, s in theta]
    best = sum(w * t for w, (t, _) in zip(weights, theta)) / sum(weights)
    chi2_min = sum(w * (t - best) ** 2 for w, (t, _) in zip(weights, theta))
    assert code == 0 and doc["terms"] == ["muon_wp20", "electron_rb20"]
    assert doc["best_fit"]["eps"] == pytest.approx(math.sqrt(best), rel=1e-6)
    assert (doc["gof"]["chi2_min"], doc["gof"]["ndof"]) == (pytest.approx(chi2_min, rel=1e-6), 1)
    assert doc["gof"]["p_value"] == pytest.approx(stats.chi2.sf(chi2_min, 1), rel=1e-5)
    assert doc["gof"]["significance_sigma"] == pytest.approx(stats.norm.isf(stats.chi2.sf(chi2_min, 1) / 2), rel=1e-5)


def test_out_writes_the_text_it_would_print(cli, tmp_path):
    args = ("fit", "--mass", "17", "--muon", "WP20", *ONLY_MUON)
    _, printed, _ = cli(*args)
    code, out, err = cli(*args, "--out", tmp_path / "f.txt")
    assert (code, out, err) == (0, "", f"wrote {tmp_path / 'f.txt'}\n")
    assert (tmp_path / "f.txt").read_text() == printed


@pytest.mark.parametrize("argv, message", [
    (("--cl", "1.5"), "argument --cl: expected a probability strictly between 0 and 1, got '1.5'"),
    (("--mass", "1e6"), "argument --mass: expected a number from 0.001 to 100000 MeV"),
    (("--mass-range", "18", "16"), "option --mass-range: expected (low, high) with 0 < low < high"),
    (("--muon", "WP99"), "option --muon: unknown mu scenario 'WP99'"),
    (("--couplings", "foo"), "argument --couplings: invalid choice: 'foo'"),
    (("--limits", ","), "argument --limits: expected card names separated by commas, or none"),
    (("--format", "csv"), "argument --format: invalid choice: 'csv'"),
    (("--eps-range", "0", "1"), "argument --eps-range: expected a number from 1e-12 to 1"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("fit", *argv, "--out", tmp_path / "f.json")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
