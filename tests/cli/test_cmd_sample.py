"""dpfit.cli.cmd_sample: ``dpfit sample`` (emcee chain, its summary, resume) and ``dpfit corner``; their errors."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import h5py
import numpy as np
import pytest
from emcee.backends import HDFBackend
from PIL import Image
from scipy import stats

from dpfit.cli import main
from dpfit.cli.cmd_sample import cmd_corner, cmd_sample, register
from dpfit.cli.options import OneLineParser

STEPS, WALKERS = 20, 8
SMALL = ("--steps", str(STEPS), "--walkers", str(WALKERS), "--seed", "3", "--no-progress")


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    """One short chain of the reference analysis: (exit status, stdout, stderr, chain path)."""
    path = tmp_path_factory.mktemp("sample") / "c.h5"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["sample", *SMALL, "--out", str(path)])
    return code, out.getvalue(), err.getvalue(), path


@pytest.fixture(scope="module")
def corner_json(sampled):
    """``dpfit corner --format json`` of that chain: quantiles, diagnostics (burn-in, thinning), marks."""
    path = sampled[3]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["corner", str(path), "--out", str(path.with_suffix(".png")), "--format", "json"])
    assert code == 0
    return json.loads(out.getvalue())


def quantiles(path, burn, thin, probabilities):
    """Quantiles of m and ε = 10^log10_eps over the chain read by emcee itself, after burn-in and thinning."""
    flat = HDFBackend(str(path), name="mcmc", read_only=True).get_chain(discard=burn, thin=thin, flat=True)
    return {"m": np.quantile(flat[:, 0], probabilities), "eps": np.quantile(10.0 ** flat[:, 1], probabilities)}


def test_register_adds_sample_and_corner():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sample", "--out", "c.h5"])
    assert (args.func, args.walkers, args.steps, args.seed, args.sampler, args.nlive, args.resume, args.format) == \
        (cmd_sample, 32, 5000, 1, "emcee", 400, False, "text")
    args = parser.parse_args(["corner", "c.h5", "--out", "c.png"])
    assert (args.func, args.chain, args.cl, args.format) == (cmd_corner, "c.h5", None, "text")


def test_sample_says_file_sampler_and_chain(sampled):
    code, out, err, path = sampled
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"wrote {path}"
    assert lines[1].startswith("sampler: emcee (default: emcee with walkers started in every allowed piece")
    backend = HDFBackend(str(path), name="mcmc", read_only=True)
    assert (backend.iteration, backend.shape) == (STEPS, (WALKERS, 2))
    acceptance = float(np.mean(backend.accepted)) / STEPS
    assert lines[2].startswith(f"chain: {STEPS} steps x {WALKERS} walkers; acceptance {acceptance:.3f}; tau m ")
    assert "shorter than 50 autocorrelation times" in err  # 20 steps: the loud warning
    assert "grid posterior (exact reference): ln Z = " in out


def test_sample_credible_intervals_are_the_chains_quantiles(sampled, corner_json):
    """The printed median and central intervals are quantiles of the chain (read back with emcee) after the
    burn-in and thinning that ``corner --format json`` reports for the same chain."""
    _, out, _, path = sampled
    diag = corner_json["diagnostics"]
    p1, p2 = (stats.norm.cdf(n) - stats.norm.cdf(-n) for n in (1, 2))  # 1sigma, 2sigma
    probabilities = [0.5, (1 - p1) / 2, (1 + p1) / 2, (1 - p2) / 2, (1 + p2) / 2]
    expected = quantiles(path, diag["burn_in"], diag["thin"], probabilities)
    for name in ("m", "eps"):
        q = expected[name]
        line = next(line for line in out.splitlines() if line.startswith(f"{name}: median"))
        assert line == (f"{name}: median {q[0]:.5g}; central 68.27 % credible [{q[1]:.5g}, {q[2]:.5g}]; "
                        f"central 95.45 % credible [{q[3]:.5g}, {q[4]:.5g}]")


def test_corner_text_quantiles_and_figure(sampled, corner_json, cli, tmp_path):
    _, _, _, path = sampled
    code, out, _ = cli("corner", path, "--out", tmp_path / "c.png")
    assert code == 0 and out.splitlines()[-1] == f"wrote {tmp_path / 'c.png'}"
    probabilities = [0.025, 0.16, 0.5, 0.84, 0.975]
    diag = corner_json["diagnostics"]
    expected = quantiles(path, diag["burn_in"], diag["thin"], probabilities)
    for name in ("m", "eps"):
        assert list(corner_json["quantiles"][name]) == [f"q{p:g}" for p in probabilities]
        assert list(corner_json["quantiles"][name].values()) == pytest.approx(expected[name], rel=1e-12)
    for name in ("m", "eps"):
        line = next(line for line in out.splitlines() if line.startswith(f"{name}: "))
        assert line == f"{name}: " + ", ".join(f"q{p:g} {v:.5g}" for p, v in zip(probabilities, expected[name]))
    with Image.open(tmp_path / "c.png") as image:
        assert image.format == "PNG"


def test_resume_continues_the_chain_json_summary_on_stderr(sampled, cli, tmp_path):
    path = tmp_path / "c.h5"
    shutil.copyfile(sampled[3], path)
    first = HDFBackend(str(path), name="mcmc", read_only=True).get_chain()
    code, out, err = cli("sample", "--steps", "30", "--walkers", str(WALKERS), "--no-progress", "--resume",
                         "--out", path, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["sampler"] == "emcee" and doc["chain"] == str(path)
    assert f"wrote {path}\n" in err and f"chain: 30 steps x {WALKERS} walkers" in err  # the summary: on stderr
    resumed = HDFBackend(str(path), name="mcmc", read_only=True).get_chain()
    assert resumed.shape == (30, WALKERS, 2) and np.array_equal(resumed[:STEPS], first)
    with h5py.File(path, "r") as f:
        assert json.loads(f["mcmc"].attrs["dpfit_meta"])["seed"] == 3  # the chain continues with its own seed


@pytest.mark.parametrize("argv, message", [
    (("--walkers", "9"), "argument --walkers: expected an even integer from 8 to 1024, got 9"),
    (("--steps", "5"), "argument --steps: expected an integer from 10 to 1000000, got 5"),
    (("--walkers", "1024", "--steps", "1000000"), "option --steps: walkers x steps = 1,024,000,000 exceeds 20,000,000"),
    (("--sampler", "nuts"), "argument --sampler: invalid choice: 'nuts'"),
    (("--mass-prior", "flat"), "argument --mass-prior: invalid choice: 'flat'"),
    (("--format", "csv"), "argument --format: invalid choice: 'csv'"),
])
def test_sample_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("sample", *argv, "--out", tmp_path / "c.h5")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []


def test_sample_refuses_an_existing_chain_and_a_foreign_resume(sampled, cli):
    _, _, _, path = sampled
    before = path.read_bytes()
    code, _, err = cli("sample", *SMALL, "--out", path)
    assert code == 2 and err == f"dpfit: error: {path}: exists; resume it to continue it, or choose another file\n"
    code, _, err = cli("sample", *SMALL, "--out", path, "--resume", "--muon", "WP20")
    assert code == 2 and err.count("\n") == 1 and "field 'dpfit_meta.analysis': the chain was made by a different " \
                                                   "analysis" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize("argv, message", [
    (("--muon", "WP20"), "field 'dpfit_meta.analysis': the chain was sampled for a different analysis "
                         "(muon: chain 'WP25', requested 'WP20')"),
    (("--cl", "2"), "argument --cl: expected a probability strictly between 0 and 1, got '2'"),
])
def test_corner_bad_option_is_one_line(sampled, cli, tmp_path, argv, message):
    code, out, err = cli("corner", sampled[3], *argv, "--out", tmp_path / "c.png")
    assert (code, out) == (2, "") and err.count("\n") == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []
