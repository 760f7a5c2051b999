"""Allowed pieces and a chain: largest-remainder shares, walkers started in every piece, agreement with the grid."""

import numpy as np
import pytest

from dpfit.inference.bayes.diagnostics import diagnostics
from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.bayes.pieces import allocate, chain_agreement, chain_pieces, walkers_from_grid
from dpfit.inference.bayes.posterior import initial_walkers, posterior
from dpfit.inference.bayes.posterior_check import chain_samples
from dpfit.inference.bayes.sampling import sample
from dpfit.model.analysis import Analysis
from dpfit.output.wording import note_text

LIMITS = ("na64_point", "padme")  # NA64 as the source paper's single point, named explicitly
NO_ATOMKI = dict(limits=LIMITS, atomki=None, mass_range=(16.4, 17.0))


def _chain(tmp_path, analysis, seed, walkers=100, steps=100, **kw):
    grid = grid_posterior(analysis.model())
    chain = sample(analysis, tmp_path / f"c{seed}.h5", nwalkers=walkers, nsteps=steps, seed=seed, progress=False,
                   grid=grid, **kw)
    diag = diagnostics(chain)
    flat, per = chain_samples(chain, diag.burn)
    return grid, flat, chain_agreement(grid, flat, diag.ess, per)


@pytest.fixture(scope="module")
def two_pieces():
    """(grid, posterior) without ATOMKI, uniform eps prior: NA64 cuts eps into [1e-5, 1.2e-4] (grid weight 0.057)
    and [6.8e-4, ...] (the rest)."""
    model = Analysis(eps_prior="uniform", **NO_ATOMKI).model()
    return grid_posterior(model), posterior(model)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_chains_started_in_every_piece_give_the_uniform_prior_weight(tmp_path, seed):
    # walkers start in each piece in proportion to its grid weight (100 walkers: 6 below 1.2e-4)
    grid, flat, agreement = _chain(tmp_path, Analysis(eps_prior="uniform", **NO_ATOMKI), seed)
    assert np.mean(flat["eps"] < 1.2e-4) == pytest.approx(0.057, abs=0.005)
    assert agreement["agrees"], agreement["warning"]
    assert len(agreement["pieces"]["pieces"]) == 2


def test_chain_started_in_every_piece_gives_the_log_uniform_weight(tmp_path):
    _, flat, agreement = _chain(tmp_path, Analysis(**NO_ATOMKI), 1)
    assert np.mean(flat["eps"] < 1.2e-4) == pytest.approx(0.512, abs=0.01)
    assert agreement["agrees"], agreement["warning"]


def test_chain_started_in_one_piece_only_is_flagged(tmp_path):
    analysis = Analysis(eps_prior="uniform", **NO_ATOMKI)
    rng = np.random.default_rng(0)
    start = np.column_stack([rng.uniform(16.45, 16.95, 32), rng.uniform(7.5e-4, 8.5e-4, 32)])
    _, flat, agreement = _chain(tmp_path, analysis, 1, walkers=32, steps=100, start=start)
    assert not agreement["agrees"]
    assert "never visited" in note_text(agreement["warning"]) and "DISAGREES" in note_text(agreement["warning"])


@pytest.mark.parametrize("weights, n, expected", [
    ([1, 1, 1], 10, [4, 3, 3]),  # 3.33 each: floors 3, the first remainder (ties in order) takes the last
    ([0.5, 0.3, 0.2], 7, [4, 2, 1]),  # 3.5, 2.1, 1.4: floors 3, 2, 1; the largest remainder (0.5) gets one more
    ([0.057, 0.943], 100, [6, 94]),  # 5.7, 94.3
    ([2, 1], 1, [1, 0]),
    ([0.2, 0.8], 5, [1, 4]),  # exact shares stay as they are
])
def test_allocate_shares_by_largest_remainder(weights, n, expected):
    assert allocate(weights, n).tolist() == expected


def test_walkers_start_in_every_piece_in_proportion_to_its_weight(two_pieces):
    grid, post = two_pieces
    pieces = grid.pieces()
    assert [p["weight"] for p in pieces] == pytest.approx([0.057, 0.943], abs=0.005)
    for start in (walkers_from_grid(grid, post, 100, np.random.default_rng(4)),
                  initial_walkers(post, 100, np.random.default_rng(4), grid=grid)):
        assert start.shape == (100, 2) and np.all(np.isfinite(post(start)))
        assert np.sum(start[:, 1] < 1.2e-4) == 6 and np.sum(start[:, 1] > 6.8e-4) == 94


def test_draws_from_the_grid_agree_and_a_missing_piece_or_shifted_mass_is_flagged(two_pieces):
    grid, post = two_pieces
    draws = walkers_from_grid(grid, post, 4000, np.random.default_rng(5))  # 4000 independent draws of the grid
    samples = {"m": draws[:, 0], "eps": draws[:, 1]}
    agreement = chain_agreement(grid, samples, 4000.0)
    assert agreement["agrees"] and agreement["warning"] is None, agreement["warning"]
    rows = agreement["pieces"]["pieces"]  # draws shared by largest remainder: within 1/4000 of the grid weights
    assert [r["chain_weight"] for r in rows] == pytest.approx([r["grid_weight"] for r in rows], abs=1 / 4000)
    upper = draws[:, 1] > 1.2e-4
    agreement = chain_agreement(grid, {"m": draws[upper, 0], "eps": draws[upper, 1]}, 4000.0)
    assert not agreement["agrees"] and note_text(agreement["warning"]).startswith("THE CHAIN DISAGREES WITH THE GRID POSTERIOR")
    assert "the chain never visited the piece eps in [1e-05, 0.00012]" in note_text(agreement["warning"])
    agreement = chain_agreement(grid, {"m": draws[:, 0] + 0.03, "eps": draws[:, 1]}, 4000.0)
    assert agreement["pieces"]["flags"] == []  # the pieces hold the same weights
    assert "m q0.5: chain" in note_text(agreement["warning"]) and "eps q" not in note_text(agreement["warning"])


def test_piece_error_is_the_spread_over_walkers_that_never_cross(two_pieces):
    grid, post = two_pieces
    start = walkers_from_grid(grid, post, 100, np.random.default_rng(6))  # 6 walkers in the lower piece
    per = {"m": np.tile(start[:, 0], (10, 1)), "eps": np.tile(start[:, 1], (10, 1))}  # 10 steps, nobody moves
    flat = {k: v.reshape(-1) for k, v in per.items()}
    out = chain_pieces(grid, flat, per, n_eff=1000.0)
    lower, upper = out["pieces"]
    assert lower["chain_weight"] == pytest.approx(0.06) and lower["walkers_at_end"] == 6
    assert upper["walkers_at_end"] == 94
    # walker fractions are 1 (6 walkers) or 0 (94): std sqrt(0.06 * 0.94) over sqrt(100 walkers), larger than the
    # binomial sqrt(0.06 * 0.94 / 1000)
    assert lower["chain_error"] == pytest.approx(np.sqrt(0.06 * 0.94) / 10, rel=1e-12)
    assert out["walkers_crossing_pieces"] == 0 and note_text(out["note"]).startswith("no walker crossed between pieces")
    assert out["flags"] == []  # 0.06 against 0.058: well within 3 errors
