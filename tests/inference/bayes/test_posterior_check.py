"""A chain checked against the grid posterior: its physical samples, the window's entries, the analysis it records."""

import json
import math

import emcee
import numpy as np
import pytest

from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.diagnostics import Diagnostics
from dpfit.inference.bayes.grid_posterior import GridPosterior, grid_posterior
from dpfit.inference.bayes.pieces import walkers_from_grid
from dpfit.inference.bayes.posterior import posterior
from dpfit.inference.bayes.posterior_check import analysis_of_chain, chain_samples, grid_summary_or_none, window_check
from dpfit.model.analysis import Analysis
from dpfit.output.wording import note_text
from tests.inference.bayes.one_gaussian import one_gaussian


def chain_of(values, names=("m", "log10_eps"), analysis=None) -> Chain:
    steps, walkers, _ = values.shape
    meta = {"names": list(names), "analysis": analysis}
    return Chain(values, np.zeros((steps, walkers)), np.zeros(walkers), None, meta)


def test_chain_samples_are_emcees_flat_chain_after_burn_in_with_eps_for_log10_eps():
    values = np.random.default_rng(1).normal(size=(30, 6, 2)) - 3.0
    flat, per = chain_samples(chain_of(values), burn=10)
    reference = emcee.backends.Backend.get_chain(chain_of(values), discard=10, flat=True)
    assert set(flat) == set(per) == {"m", "eps"}
    assert per["m"].shape == per["eps"].shape == (20, 6)
    assert np.array_equal(flat["m"], reference[:, 0])
    assert flat["eps"] == pytest.approx(10.0 ** reference[:, 1], rel=1e-15)
    assert np.array_equal(per["eps"].reshape(-1), flat["eps"])
    flat, _ = chain_samples(chain_of(values, names=("m", "eps")), burn=0)  # a uniform-prior chain: eps as stored
    assert np.array_equal(flat["eps"], values[:, :, 1].reshape(-1))


def test_the_analysis_a_chain_records_is_rebuilt(tmp_path):
    path = tmp_path / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    analysis = Analysis(muon="WP20", electron="Cs18", limits=("na64_point", "padme"), atomki=None,
                        mass_range=(16.4, 17.0), eps_range=(1e-6, 1e-2), eps_prior="uniform", invisible_ratio=0.5,
                        convention="paper", overrides=("a_mu_sm_wp25.value=116592040",), limit_model="poisson",
                        limit_files=(f"{path}:lepton=e:cl=0.95",))
    stored = json.loads(json.dumps(analysis.describe()))  # as the chain file's JSON metadata holds it
    rebuilt = analysis_of_chain(chain_of(np.zeros((3, 4, 2)), analysis=stored))
    assert rebuilt == analysis and rebuilt.describe() == analysis.describe()
    assert analysis_of_chain(chain_of(np.zeros((3, 4, 2)), analysis={})) is None


def test_grid_summary_only_with_a_mass_range():
    assert grid_summary_or_none(Analysis(atomki=None).model()) is None  # no region and no mass range
    model = one_gaussian().model()
    grid = grid_summary_or_none(model)
    assert isinstance(grid, GridPosterior) and grid.model is model
    assert grid.log_evidence == pytest.approx(grid_posterior(model).log_evidence, rel=1e-14)


def test_window_entries_of_draws_from_the_grid():
    model = one_gaussian().model()
    grid = grid_posterior(model)
    theta = walkers_from_grid(grid, posterior(model), 4000, np.random.default_rng(2))  # (m, log10 eps) draws
    eps = 10.0 ** theta[:, 1]
    diag = Diagnostics(acceptance=0.5, tau=np.ones(2), ess=4000.0, burn=0, thin=1, warning=None)
    out = window_check(grid, chain_of(theta.reshape(100, 40, 2)), diag)  # 100 steps of 40 walkers
    assert out["posterior"] == grid.summary()["parameters"]["eps"]["hpd95"]["pieces"]
    (lo, hi), = out["posterior_central"]["pieces"]
    assert [lo, hi] == pytest.approx(np.quantile(eps, [0.025, 0.975]), rel=1e-12)
    assert note_text(out["posterior_central"]["holds"]) == "95% of the chain's samples, 2.5% beyond each end"
    assert out["notes"] == []
    check = out["posterior_check"]
    assert check["agreement"]["agrees"], check["agreement"]["warning"]
    assert check["prior_sensitivity"]["warning"] is None  # WP20 measures eps: the prior sets nothing
    assert check["grid"]["log_evidence"] == grid.log_evidence


def test_a_central_interval_the_chain_cannot_resolve_is_not_quoted():
    """At 5 sigma 4000 effective samples leave 0.0011 beyond each end: the chain's 'interval' would be its
    extreme samples; the grid's exact HPD region stays, and a note says why the chain's is missing."""
    model = one_gaussian().model()
    grid = grid_posterior(model)
    theta = walkers_from_grid(grid, posterior(model), 4000, np.random.default_rng(2))
    diag = Diagnostics(acceptance=0.5, tau=np.ones(2), ess=4000.0, burn=0, thin=1, warning=None)
    five = math.erf(5 / math.sqrt(2))
    out = window_check(grid, chain_of(theta.reshape(100, 40, 2)), diag, five)
    assert out["posterior_central"] is None and out["posterior"]
    [said] = out["notes"]
    assert said.kind == "chain_tail_unresolved" and said.get("beyond") == pytest.approx((1 - five) / 2 * 4000)
    assert note_text(said).startswith("the chain's central 99.9999 % interval is not quoted: 0.0011 effective")
