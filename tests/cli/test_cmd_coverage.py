"""dpfit.cli.cmd_coverage: ``dpfit coverage`` writes the coverage per true ε (CSV, plot) and names method and level."""

from __future__ import annotations

import math

import pytest
from PIL import Image
from scipy import stats

from dpfit.cli.cmd_coverage import cmd_coverage, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ONLY_MUON, delta_mu, k_mu

TOYS = 400


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["coverage", "--mass", "17", "--eps-grid", "1e-4", "1e-3", "3", "--out", "c"])
    assert (args.func, args.method, args.cl, args.toys, args.eps_grid, args.force) == \
        (cmd_coverage, "chi2", "1sigma", 20_000, [1e-4, 1e-3, 3.0], False)


def test_delta_chi2_coverage_of_one_gaussian_term(cli, tmp_path):
    """One Gaussian measurement x ~ N(θ, σ) of θ = kε² ≥ 0, the interval Δχ² ≤ 1: far from the boundary it
    covers 68.27 %; at ε = 0 (added, as allowed) it covers when x ≤ σ: Φ(1) = 84.13 %. Binomial errors."""
    prefix = tmp_path / "cov"
    delta, sigma = delta_mu("WP20")
    far = math.sqrt(delta / k_mu(17.0))  # θ = Δa_μ(WP20), 5.8σ from the boundary
    code, out, err = cli("coverage", "--mass", "17", "--muon", "WP20", *ONLY_MUON, "--toys", TOYS, "--no-progress",
                         "--eps-grid", far, 1.1 * far, "2", "--out", prefix)
    assert code == 0 and err == ""
    header, *lines = (tmp_path / "cov.csv").read_text().splitlines()
    rows = [[float(c) for c in line.split(",")] for line in lines]
    assert header == "eps_true,coverage,error"
    assert [row[0] for row in rows] == [0.0, pytest.approx(far, rel=1e-7), pytest.approx(1.1 * far, rel=1e-7)]
    for eps, cover, error in rows:
        assert cover * TOYS == pytest.approx(round(cover * TOYS), abs=1e-3)  # a count of toys
        assert error == pytest.approx(math.sqrt(cover * (1 - cover) / TOYS), abs=2e-6)
        expected = stats.norm.cdf(1) if eps == 0 else stats.chi2.cdf(1, 1)
        assert abs(cover - expected) < 4 * math.sqrt(expected * (1 - expected) / TOYS), (eps, cover)
    covers = [row[1] for row in rows]
    assert out.splitlines() == [
        f"coverage of chi2 at 1sigma (0.6827), m = 17 MeV, {TOYS} toys per point: min {min(covers):.4f}, "
        f"max {max(covers):.4f}",
        f"wrote {prefix}.csv and {prefix}.png"]
    with Image.open(f"{prefix}.png") as image:
        assert image.format == "PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cov.csv", "cov.png"]  # no chunks left behind


@pytest.mark.parametrize("argv, message", [
    (("--eps-grid", "7e-4", "8e-4", "1"), "option --eps-grid: expected 1e-12 <= LO < HI <= 1 and 2 <= N <= 1000 "
                                          "points, got 0.0007 0.0008 1"),
    (("--eps-grid", "8e-4", "7e-4", "2"), "option --eps-grid: expected 1e-12 <= LO < HI <= 1"),
    (("--eps-grid", "7e-4", "8e-4", "2.5"), "option --eps-grid: expected 1e-12 <= LO < HI <= 1"),
    (("--eps-grid", "7e-4", "8e-4", "1001"), "option --eps-grid: expected 1e-12 <= LO < HI <= 1 and 2 <= N <= 1000"),
    (("--eps-grid", "7e-4", "0", "2"), "argument --eps-grid: expected a positive finite number, got '0'"),
    (("--eps-grid", "5e-4", "8e-4", "2"), "option --eps-grid: a true coupling lies in an excluded region"),
    (("--eps-grid", "7e-4", "8e-4", "2", "--cl", "7"), "option --cl: expected a probability strictly between 0 and 1"),
    (("--eps-grid", "7e-4", "8e-4", "2", "--method", "bayes"), "argument --method: invalid choice: 'bayes'"),
    (("--eps-grid", "7e-4", "8e-4", "2", "--eps-range", "1e-4", "1e-3"), "option --eps-range: coverage uses every "
                                                                         "coupling the analysis allows at --mass"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("coverage", "--mass", "17", "--toys", "100", "--no-progress", *argv, "--out", tmp_path / "c")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []


def test_out_and_grid_are_required(cli):
    code, _, err = cli("coverage", "--mass", "17", "--eps-grid", "7e-4", "8e-4", "2")
    assert code == 2 and err.count("\n") == 1 and "the following arguments are required: --out" in err
    code, _, err = cli("coverage", "--mass", "17", "--out", "c")
    assert code == 2 and err.count("\n") == 1 and "the following arguments are required: --eps-grid" in err
