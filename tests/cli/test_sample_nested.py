"""dpfit.cli.sample_nested: the grid check of an emcee chain, and ``sample --sampler dynesty`` with its report."""

from __future__ import annotations

import argparse
import json
import re

import h5py
import numpy as np
import pytest
from emcee.backends import HDFBackend

from dpfit.cli.sample_nested import report_chain_check
from dpfit.inference.bayes.chains import read_chain
from dpfit.inference.bayes.posterior_check import grid_summary_or_none
from dpfit.model.analysis import Analysis
from tests.cli.gm2_reference import ONLY_MUON, log_evidence

#: One Gaussian term over 16-18 MeV: the grid evidence and dynesty's are checked against quadrature.
ONE_TERM = ("--muon", "WP20", *ONLY_MUON, "--mass-range", "16", "18", "--no-progress")
LOG_Z = log_evidence("WP20", (16.0, 18.0), normalised=False)  # the samplers' ln Z: exp(−χ²/2), no normalisation


def test_chain_check_of_an_emcee_chain(cli, tmp_path, capsys):
    """The check ``sample`` prints after an emcee run, called directly for its JSON document."""
    path = tmp_path / "c.h5"
    code, text, _ = cli("sample", *ONE_TERM, "--steps", "20", "--walkers", "8", "--out", path)
    assert code == 0
    analysis = Analysis(muon="WP20", electron=None, limits=(), atomki=None, mass_range=(16.0, 18.0))
    grid = grid_summary_or_none(analysis.model())
    args = argparse.Namespace(out=path, format="json")
    assert report_chain_check(analysis, read_chain(path), grid, {"sampler": "emcee", "reason": "r"}, args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["sampler"], doc["reason"], doc["chain"]) == ("emcee", "r", str(path))
    backend = HDFBackend(str(path), name="mcmc", read_only=True)
    assert doc["diagnostics"]["acceptance_fraction"] == pytest.approx(np.mean(backend.accepted) / 20, rel=1e-12)
    flat = backend.get_chain(discard=doc["diagnostics"]["burn_in"], flat=True)
    chain_median = doc["agreement"]["quantiles"]["eps"]["q0.5"]["chain"]
    assert chain_median == pytest.approx(np.quantile(10.0 ** flat[:, 1], 0.5), rel=1e-12)
    assert doc["grid"]["log_evidence"] == pytest.approx(LOG_Z, abs=max(1e-6, 3 * doc["grid"]["log_evidence_error"]))
    # the command printed the same check
    assert f"grid posterior (exact reference): ln Z = {doc['grid']['log_evidence']:.4f} +- " in text
    assert "  walkers that moved between pieces: " in text


def test_dynesty_run_reports_its_evidence(cli, tmp_path):
    path = tmp_path / "n.h5"
    code, out, err = cli("sample", *ONE_TERM, "--sampler", "dynesty", "--nlive", "50", "--seed", "1", "--out", path)
    assert code == 0
    with h5py.File(path, "r") as f:
        logz, logz_error = float(f.attrs["logz"]), float(f.attrs["logz_error"])
        weights, samples = f["weights"][()], f["samples"][()]
        assert json.loads(f.attrs["names"]) == ["m", "log10_eps"]
        assert json.loads(f.attrs["dpfit_meta"])["provenance"]["sampler"] == "dynesty"
    assert samples.shape == (weights.size, 2) and weights.sum() == pytest.approx(1.0, rel=1e-9)
    assert abs(logz - LOG_Z) < 4 * logz_error  # dynesty against quadrature, within its own error
    lines = out.splitlines()
    assert lines[0] == f"wrote {path}"
    assert lines[1] == ("sampler: dynesty (asked for: nested sampling populates every allowed piece and gives the "
                        "evidence)")
    calls, n_eff = re.fullmatch(rf"dynesty: ln Z = {logz:.4f} \+- {logz_error:.4f}; (\d+) likelihood calls; "
                                r"effective samples (\d+)", lines[2]).groups()
    assert int(calls) > 50 and float(n_eff) == pytest.approx(weights.sum() ** 2 / (weights**2).sum(), abs=0.5)
    grid_line = next(line for line in lines if line.startswith("grid posterior (exact reference): ln Z = "))
    grid_logz = float(grid_line.split("ln Z = ")[1].split(" ")[0])
    assert grid_logz == pytest.approx(LOG_Z, abs=1e-4)
    diff = logz - grid_logz
    agreement = lines[-1].strip()
    assert agreement.startswith(f"evidence: dynesty - grid = {diff:+.4f} +- ")
    assert agreement.endswith("(agree within 3 errors)") and "disagree" not in err


def test_dynesty_refuses_resume_and_an_existing_file(cli, tmp_path):
    path = tmp_path / "n.h5"
    code, out, err = cli("sample", *ONE_TERM, "--sampler", "dynesty", "--resume", "--out", path)
    assert (code, out, err) == (2, "", "dpfit: error: option --resume: a dynesty run is not resumable; run it again\n")
    path.write_bytes(b"mine")
    code, out, err = cli("sample", *ONE_TERM, "--sampler", "dynesty", "--out", path)
    assert (code, out) == (2, "")
    assert err == f"dpfit: error: {path}: exists; a dynesty run writes a new file: choose another file\n"
    assert path.read_bytes() == b"mine" and [p.name for p in tmp_path.iterdir()] == ["n.h5"]


def test_dynesty_nlive_bounds(cli, tmp_path):
    code, _, err = cli("sample", "--sampler", "dynesty", "--nlive", "19", "--out", tmp_path / "n.h5")
    assert code == 2 and err.count("\n") == 1
    assert "argument --nlive: expected an integer from 20 to 10000, got 19" in err
    assert list(tmp_path.iterdir()) == []


def test_live_points_that_all_fall_behind_the_walls_are_one_line(cli, tmp_path):
    """With 20 live points and seed 1 none lands where the default analysis allows a coupling: dynesty would
    stop at once on the plateau (ln Z = -1e100, with its own warnings); dpfit says so in one line instead."""
    out_file = tmp_path / "n.h5"
    code, out, err = cli("sample", "--sampler", "dynesty", "--nlive", "20", "--seed", "1", "--no-progress",
                         "--out", out_file)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("dpfit: error: option --nlive: none of the 20 live points fell where a coupling is allowed")
    assert not out_file.exists()
