"""dpfit.cli.cmd_interval: ``dpfit interval`` names its method, level and sides; its edges against closed forms."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats

from dpfit.cli.cmd_interval import cmd_interval, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ONLY_MUON, delta_mu, gaussian_interval, k_mu

TOYS = ("--toys", "1000", "--no-progress")


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["interval", "--mass", "17"])
    assert (args.func, args.method, args.cl, args.toys, args.max_toys, args.seed, args.format, args.out) == \
        (cmd_interval, "fc", "0.6827", 100_000, None, 1, "text", None)


def test_chi2_text_names_method_level_and_sides(cli):
    code, out, err = cli("interval", "--mass", "17", "--muon", "WP20", *ONLY_MUON, "--method", "chi2", *TOYS)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "delta chi2 (Wilks) interval of eps at m = 17 MeV, level 0.6827 (68.27 %), two-sided"
    lo, hi = gaussian_interval(*delta_mu("WP20"), k_mu(17.0), stats.chi2.ppf(0.6827, 1))
    assert lines[1] == f"  eps: [{lo:.4g}, {hi:.4g}]"
    assert lines[2] == "  construction: delta chi2 of the data (closed form)"


def test_feldman_cousins_far_from_the_boundary_is_the_gaussian_interval(cli, tmp_path):
    """Δa_μ(WP20) is 5.8σ from zero: the FC interval of θ = kε² is θ̂ ± 1.645σ, within its Monte-Carlo errors."""
    out = tmp_path / "i.json"
    code, stdout, err = cli("interval", "--mass", "17", "--muon", "WP20", *ONLY_MUON, "--method", "fc", "--cl", "0.9",
                            *TOYS, "--format", "json", "--out", out)
    assert (code, stdout) == (0, "") and err == f"wrote {out}\n"
    doc = json.loads(out.read_text())
    assert (doc["method"], doc["level"], doc["cl"], doc["toys"], doc["seed"]) == ("fc", "0.9", 0.9, 1000, 1)
    assert doc["sides"].startswith("two-sided (Feldman-Cousins ordering")
    expected = gaussian_interval(*delta_mu("WP20"), k_mu(17.0), stats.chi2.ppf(0.9, 1))
    (interval,), (errors,) = doc["intervals"], doc["edge_mc_errors"]
    for edge, error, reference in zip(interval, errors, expected):
        assert abs(edge - reference) < 4 * error + 2e-3 * reference  # + the test points' interpolation
    assert doc["asymptotic_intervals"] == [pytest.approx(expected, rel=1e-6)]
    assert doc["provenance"]["command"] == "interval"
    assert not (tmp_path / "i.json.chunks").exists()  # the store of finished toys is removed at the end


def test_cls_is_a_one_sided_upper_limit(cli):
    """CLs of a Gaussian measurement x = Δa_μ(WP25) of θ ≥ 0 (Cowan et al., EPJC 71 (2011) 1554):
    (1 − Φ((θ − x)/σ)) / Φ(x/σ) = 0.1 at the upper edge."""
    code, out, _ = cli("interval", "--mass", "17", "--muon", "WP25", *ONLY_MUON, "--method", "cls", "--cl", "0.9",
                       *TOYS)
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "CLs upper limit (q-tilde test statistic) interval of eps at m = 17 MeV, level 0.9 (90 %), " \
                       "one-sided upper limit"
    x, sigma = delta_mu("WP25")
    theta = x + sigma * stats.norm.isf(0.1 * stats.norm.cdf(x / sigma))
    upper = math.sqrt(theta / k_mu(17.0))
    assert lines[4] == f"  asymptotic (closed form): [0, {upper:.4g}]"
    toy_upper = float(lines[1].split(", ")[1].rstrip("]"))
    error = float(lines[3].split(", ")[1].rstrip("]"))
    assert lines[1].startswith("  eps: [0, ") and abs(toy_upper - upper) < 4 * error + 2e-3 * upper


@pytest.mark.parametrize("argv, message", [
    (("--method", "foo"), "argument --method: invalid choice: 'foo' (choose from 'fc', 'cls', 'chi2')"),
    (("--cl", "1.5"), "option --cl: expected a probability strictly between 0 and 1, got '1.5'"),
    (("--toys", "50"), "argument --toys: expected an integer from 100 to 1000000000, got 50"),
    (("--max-toys", "50"), "argument --max-toys: expected an integer from 100 to 1000000000, got 50"),
    (("--executor", "threads"), "option --executor: expected one of serial, processes, dask or dask=ADDRESS"),
    (("--format", "csv"), "argument --format: invalid choice: 'csv'"),
    (("--mass", "30"), "option --mass: field 'mass': no coupling is allowed at m = 30 MeV"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("interval", "--mass", "17", "--method", "fc", "--toys", "100", "--no-progress", *argv,
                         "--out", tmp_path / "i.txt")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []


def test_mass_is_required(cli):
    code, out, err = cli("interval", "--toys", "100")
    assert (code, out) == (2, "")
    assert err == "dpfit: error: dpfit interval: the following arguments are required: --mass " \
                  "(see 'dpfit interval --help')\n"
