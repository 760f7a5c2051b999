"""dpfit.cli.cmd_compare: ``dpfit compare`` builds one analysis per combination of the comma lists and prints
their evidences, Bayes factors and the comparison with no X17, checked against quadrature."""

from __future__ import annotations

import json
import math

import pytest

from dpfit.cli.cmd_compare import analyses_from_args, cmd_compare, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ONLY_MUON, delta_mu, log_evidence

ONE_TERM = ("--muon", "WP20,WP25", *ONLY_MUON, "--mass-range", "16", "18", "--no-progress")


def parse(*argv):
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["compare", *argv])


def log_null(scenario: str) -> float:
    """ln Z of no X17: the Gaussian density of Δa_μ at zero shift, ln N(Δ; 0, σ)."""
    delta, sigma = delta_mu(scenario)
    return -0.5 * (delta / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))


def test_register_defaults():
    args = parse()
    assert (args.func, args.sampler, args.nlive, args.seed, args.format, args.out) == (cmd_compare, "grid", 400, 1,
                                                                                      "text", None)


def test_comma_lists_multiply_into_labelled_analyses():
    analyses = analyses_from_args(parse("--muon", "WP20,WP25", "--electron", "Rb20, Cs18", "--no-atomki"))
    assert [label for label, _ in analyses] == ["muon=WP20, electron=Rb20", "muon=WP20, electron=Cs18",
                                                "muon=WP25, electron=Rb20", "muon=WP25, electron=Cs18"]
    assert [(a.muon, a.electron, a.atomki) for _, a in analyses] == [
        ("WP20", "Rb20", None), ("WP20", "Cs18", None), ("WP25", "Rb20", None), ("WP25", "Cs18", None)]
    ((label, analysis),) = analyses_from_args(parse("--muon", "WP20"))
    assert label == "analysis" and analysis.muon == "WP20"


def test_text_evidences_and_bayes_factors_against_quadrature(cli):
    code, out, err = cli("compare", *ONE_TERM)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "evidence ln Z with normalised priors and Gaussian-term normalisation; ln Z from the grid " \
                       "posterior"
    z20, z25 = log_evidence("WP20", (16.0, 18.0)), log_evidence("WP25", (16.0, 18.0))
    assert lines[1].startswith(f"muon=WP20: ln Z = {z20:.3f} +- ")
    assert lines[2].startswith(f"muon=WP25: ln Z = {z25:.3f} +- ")
    assert lines[3].startswith(f"ln B(muon=WP25 : muon=WP20) = {z25 - z20:+.3f} +- ")
    assert any(line.startswith("priors of the X17 evidence: m uniform over 16-18 MeV; eps log-uniform over "
                               "[1e-05, 0.01]") for line in lines)
    for scenario, z in (("WP20", z20), ("WP25", z25)):
        line = next(line for line in lines if line.startswith(f"ln B(X17 : no X17) for muon={scenario} = "))
        assert line.startswith(f"ln B(X17 : no X17) for muon={scenario} = {z - log_null(scenario):+.2f} +- ")
        assert f"(ln Z_X17 {z:.3f}, ln Z_null {log_null(scenario):.3f})" in line


def test_json_record_against_quadrature(cli, tmp_path):
    out = tmp_path / "c.json"
    code, stdout, err = cli("compare", *ONE_TERM, "--format", "json", "--out", out)
    assert (code, stdout, err) == (0, "", f"wrote {out}\n")
    doc = json.loads(out.read_text())
    z = {s: log_evidence(s, (16.0, 18.0)) for s in ("WP20", "WP25")}
    rows = {row["analysis"]: row for row in doc["rows"]}
    assert set(rows) == {"muon=WP20", "muon=WP25"} and doc["samplers"] == ["grid"]
    for scenario in ("WP20", "WP25"):
        row = rows[f"muon={scenario}"]
        assert row["logz"] == pytest.approx(z[scenario], abs=max(1e-6, 3 * row["error"]))
        assert row["normalisation"] == pytest.approx(-math.log(delta_mu(scenario)[1] * math.sqrt(2 * math.pi)),
                                                     rel=1e-12)
    ((factor,),) = [doc["bayes_factors"]]
    assert (factor["analysis"], factor["against"]) == ("muon=WP25", "muon=WP20")
    assert factor["ln_B"] == pytest.approx(z["WP25"] - z["WP20"], abs=1e-5)
    assert factor["B"] == pytest.approx(math.exp(factor["ln_B"]), rel=1e-12)
    for entry in doc["x17_vs_null"]:
        scenario = entry["analysis"].removeprefix("muon=")
        assert entry["logz_null"] == pytest.approx(log_null(scenario), rel=1e-12)
        assert entry["ln_B"] == pytest.approx(z[scenario] - log_null(scenario), abs=1e-5)


@pytest.mark.parametrize("argv, message", [
    (("--sampler", "foo"), "argument --sampler: invalid choice: 'foo' (choose from 'grid', 'dynesty')"),
    (("--electron", "Rb20,Rb20"), "option --electron: names Rb20 more than once"),
    (("--muon", "WP20,WP99"), "option --muon: unknown mu scenario 'WP99'"),
    (("--nlive", "10"), "argument --nlive: expected an integer from 20 to 10000, got 10"),
    (("--format", "csv"), "argument --format: invalid choice: 'csv'"),
    (("--mass-range", "18", "16"), "option --mass-range: expected (low, high) with 0 < low < high"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("compare", "--no-progress", *argv, "--out", tmp_path / "c.txt")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
