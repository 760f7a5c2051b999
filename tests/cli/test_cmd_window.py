"""dpfit.cli.cmd_window: ``dpfit window`` prints the mass, terms, status and the window three ways with their levels."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from dpfit.cli.cmd_window import cmd_window, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ALPHA
from tests.helpers import fv_quadrature

SMALL = ("--steps", "10", "--walkers", "8", "--seed", "5", "--no-progress")
M_E = 0.51099895069  # MeV, CODATA 2022
#: NA64 2020 (PRD 101 (2020) 071101(R)), DarkCast's digitisation: the upper edge of the excluded band.
NA64_UPPER = ((16.58, 6.7021e-4), (16.731, 6.5987e-4))


def na64_upper(mass: float) -> float:
    """The upper edge at ``mass``: a straight line in (ln m, ln ε) between the two published points around it."""
    (m0, e0), (m1, e1) = NA64_UPPER
    t = math.log(mass / m0) / math.log(m1 / m0)
    return math.exp(math.log(e0) + t * math.log(e1 / e0))


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["window"])
    assert (args.func, args.mass, args.cl, args.gof_threshold, args.steps, args.walkers, args.chain) == \
        (cmd_window, None, None, 0.0027, 3000, 32, None)


def test_text_names_mass_terms_status_and_levels(cli):
    code, out, err = cli("window", *SMALL, "--cl", "0.9")
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "window of eps at m = 16.7 MeV (terms: muon_wp25, electron_rb20, na64, padme, atomki)"
    assert lines[1].startswith("goodness of fit at that mass: chi2_min = ") and "for 1 dof (chi2(1))" in lines[1]
    assert lines[2] == "status: allowed"
    assert lines[3].startswith(f"interval algebra (paper's method, mixed levels): [{na64_upper(16.7):.4g}, ")
    assert lines[4].startswith("combines: gm2:WP25: Delta a +- 2 sigma band (95.45 % two-sided)")
    profile = next(line for line in lines if line.startswith("profile likelihood"))
    assert profile.startswith("profile likelihood, delta chi2 <= 2.706, two-sided 90 %: [")
    posterior = next(line for line in lines if line.startswith("posterior, "))
    assert posterior.startswith("posterior, 90 % highest-posterior-density region of the exact grid posterior")


def test_json_window_edges_and_level(cli, tmp_path):
    """The interval algebra at 16.7 MeV: from NA64's upper edge to the electron's (Rb20) 2σ edge, ε of
    k_e ε² = Δa_e + 2σ (Δa_e and σ from ``dpfit epsilon``; k_e = α F_V(m/m_e)/2π by quadrature)."""
    _, electron, _ = cli("epsilon", "--lepton", "e", "--scenario", "Rb20", "--mass", "16.7", "--format", "json")
    electron = json.loads(electron)
    code, out, err = cli("window", *SMALL, "--format", "json", "--out", tmp_path / "w.json")
    assert (code, out) == (0, "") and err.endswith(f"wrote {tmp_path / 'w.json'}\n")
    doc = json.loads((tmp_path / "w.json").read_text())
    k_e = ALPHA / (2 * math.pi) * fv_quadrature(16.7 / M_E)
    top = math.sqrt((electron["delta_a"] + 2 * electron["sigma_delta_a"]) / k_e)
    assert code == 0 and (doc["mass_MeV"], doc["parameter"], doc["level"], doc["status"]) == (16.7, "eps", "2sigma",
                                                                                              "allowed")
    assert doc["interval_algebra"]["pieces"] == [[pytest.approx(na64_upper(16.7), rel=1e-12),
                                                  pytest.approx(top, rel=1e-9)]]
    profile = doc["profile"]
    assert (profile["delta_chi2"], profile["sided"]) == (pytest.approx(4.0, rel=1e-12), "two-sided")
    assert profile["coverage"] == pytest.approx(stats.chi2.cdf(4, 1), rel=1e-12)
    assert doc["provenance"]["command"] == "window" and doc["provenance"]["seed"] == 5


@pytest.mark.parametrize("argv, message", [
    (("--gof-threshold", "1.5"), "argument --gof-threshold: expected a probability between 0 and 1, got '1.5'"),
    (("--gof-threshold", "0"), "argument --gof-threshold: expected a positive finite number, got '0'"),
    (("--walkers", "7"), "argument --walkers: expected an even integer from 8 to 1024, got 7"),
    (("--cl", "2sigmas"), "argument --cl: expected a probability (e.g. 0.95) or Nsigma (e.g. 2sigma), got '2sigmas'"),
    (("--mass", "0"), "argument --mass: expected a number from 0.001 to 100000"),
    (("--no-atomki",), "option --mass: without a preferred region, give the mass"),
    (("--chain", "missing.h5"), "missing.h5: no such chain file"),
    (("--mass", "30"), "option --mass: no coupling is allowed at m = 30 MeV"),
    (("--cl", "0.9,0.95"), "option --cl: a window has one level, got 2"),
])
def test_bad_option_is_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("window", *SMALL, *argv, "--out", "w.txt")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
