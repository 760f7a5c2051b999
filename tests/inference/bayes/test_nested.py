"""dynesty against the grid posterior (evidence, piece weights), and the compare / sample --sampler CLI."""

import json

import numpy as np
import pytest

from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.bayes.nested import run_nested
from dpfit.inference.bayes.pieces import chain_agreement
from dpfit.model.analysis import Analysis

LIMITS = ("na64", "padme")  # NA64 as the source paper's single point, named explicitly
NO_ATOMKI = dict(limits=LIMITS, atomki=None, mass_range=(16.4, 17.0))


@pytest.mark.parametrize("options", [dict(limits=LIMITS), NO_ATOMKI], ids=["reference", "two-pieces"])
def test_dynesty_evidence_agrees_with_the_grid(options):
    model = Analysis(**options).model()
    grid = grid_posterior(model)
    run = run_nested(model, nlive=100, seed=3)
    assert abs(run.logz - grid.log_evidence) < 3 * np.hypot(run.logz_error, grid.log_evidence_error)
    agreement = chain_agreement(grid, run.physical(), run.n_eff)
    assert agreement["agrees"], agreement["warning"]


def test_compare_cli_prints_evidences_and_bayes_factors(cli):
    code, out, err = cli("compare", "--limits", "na64,padme", "--muon", "WP20,WP25", "--format", "json",
                         "--no-progress")
    assert code == 0, err
    doc = json.loads(out)
    assert [r["analysis"] for r in doc["rows"]] == ["muon=WP20", "muon=WP25"]
    (f,) = doc["bayes_factors"]
    assert f["ln_B"] == pytest.approx(doc["rows"][1]["logz"] - doc["rows"][0]["logz"])
    code, out, _ = cli("compare", "--limits", "na64,padme", "--muon", "WP20,none", "--no-progress")
    assert code == 0 and "ln B(muon=none : muon=WP20)" in out


def test_sample_cli_with_dynesty_records_the_choice_and_flags_nothing(cli, tmp_path):
    code, out, err = cli("sample", "--limits", "na64,padme", "--sampler", "dynesty", "--nlive", "60", "--seed", "2",
                         "--out", tmp_path / "n.h5", "--format", "json", "--no-progress")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["sampler"] == "dynesty" and "nested sampling" in doc["reason"]
    assert doc["evidence_agreement"]["agrees"] and doc["agreement"]["agrees"]
    import h5py

    with h5py.File(tmp_path / "n.h5") as f:
        assert f["samples"].shape[0] == f["weights"].shape[0] and f.attrs["logz"] == doc["nested"]["logz"]
