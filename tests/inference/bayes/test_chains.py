"""Chain files: emcee's HDF5 layout read back by emcee and h5py, checkpoints that resume bit for bit, bad files."""

import json

import emcee
import h5py
import numpy as np
import pytest

from dpfit.errors import InputError
from dpfit.inference.bayes.chains import Chain, check_analysis, read_chain, write_chain
from dpfit.inference.bayes.sampling import sample
from dpfit.model.analysis import Analysis

META = {"names": ["x", "y"], "seed": 3, "analysis": {"muon": "WP25"}}


def log_prob(theta):
    """A standard normal in 2-D (vectorised)."""
    return -0.5 * np.sum(np.atleast_2d(theta) ** 2, axis=1)


def run(chain: Chain, steps: int, state=None):
    """Drive ``chain`` with emcee's EnsembleSampler (8 walkers) for ``steps`` steps from ``state`` (a fresh chain:
    fixed start and random state; a loaded one: its last sample and stored random state)."""
    sampler = emcee.EnsembleSampler(8, 2, log_prob, vectorize=True, backend=chain)
    if state is None:
        start = np.random.default_rng(0).normal(size=(8, 2))
        state = emcee.State(start, random_state=np.random.RandomState(3).get_state())
    sampler.run_mcmc(state, steps)
    return sampler


def test_emcee_reads_the_chain_file(tmp_path):
    import emcee

    sample(Analysis(), tmp_path / "c.h5", nwalkers=8, nsteps=50, seed=1, progress=False)
    backend = emcee.backends.HDFBackend(str(tmp_path / "c.h5"), read_only=True)
    assert backend.get_chain().shape == (50, 8, 2) and backend.iteration == 50


def test_written_chain_is_emcees_layout_and_reads_back(tmp_path):
    chain = Chain(path=tmp_path / "c.h5", meta=META)
    sampler = run(chain, 30)
    chain.checkpoint()
    backend = emcee.backends.HDFBackend(str(tmp_path / "c.h5"), read_only=True)
    assert backend.iteration == 30 and backend.shape == (8, 2)
    assert np.array_equal(backend.get_chain(), sampler.get_chain())
    assert np.array_equal(backend.get_log_prob(), sampler.get_log_prob())
    assert np.array_equal(backend.accepted, sampler.backend.accepted)
    with h5py.File(tmp_path / "c.h5") as f:
        attrs = f["mcmc"].attrs
        assert (attrs["nwalkers"], attrs["ndim"], attrs["iteration"], bool(attrs["has_blobs"])) == (8, 2, 30, False)
        assert json.loads(attrs["dpfit_meta"]) == META
    back = read_chain(tmp_path / "c.h5")
    assert back.steps == 30 and back.names == ["x", "y"] and back.meta == META
    assert np.array_equal(back.get_chain(), sampler.get_chain())
    assert np.array_equal(back.get_log_prob(flat=True), sampler.get_log_prob(flat=True))
    acceptance = np.mean(sampler.acceptance_fraction)
    assert repr(back) == (f"Chain(8 walkers x 30 steps of (x, y); mean acceptance {acceptance:.2f}; seed 3; "
                          f"{tmp_path / 'c.h5'})")
    assert repr(Chain()) == "Chain(empty; in memory)"


def test_a_checkpoint_resumes_bit_for_bit(tmp_path):
    whole = Chain(meta=META)
    run(whole, 40)
    part = Chain(path=tmp_path / "part.h5", meta=META)
    run(part, 15)
    part.checkpoint()
    resumed = read_chain(tmp_path / "part.h5")
    assert resumed.random_state is not None
    run(resumed, 25, resumed.get_last_sample())
    assert resumed.steps == 40 and np.array_equal(resumed.get_chain(), whole.get_chain())
    write_chain(tmp_path / "again.h5", resumed)
    assert np.array_equal(read_chain(tmp_path / "again.h5").get_chain(), whole.get_chain())


def test_checkpoints_while_running_hold_whole_steps_and_trim_drops_unfilled_rows(tmp_path):
    path = tmp_path / "c.h5"
    chain = Chain(path=path, meta=META, checkpoint_seconds=0.0)
    seen = []

    def after_step():
        seen.append((chain.steps, Chain.load(path, min_steps=0).steps))
        if chain.steps == 6:
            raise KeyboardInterrupt

    chain.after_step = after_step
    with pytest.raises(KeyboardInterrupt):
        run(chain, 20)
    assert seen == [(n, n) for n in range(1, 7)]  # every step checkpointed as it was stored
    assert chain.chain.shape[0] == 20  # emcee allocated all 20 rows
    assert chain.trim().chain.shape == (6, 8, 2) and chain.log_prob.shape == (6, 8)
    assert np.array_equal(chain.chain, read_chain(path).get_chain())


def _chain_file(path, steps=5, values=None, meta=META):
    values = np.random.default_rng(1).normal(size=(steps, 4, 2)) if values is None else values
    write_chain(path, Chain(values, np.zeros(values.shape[:2]), np.ones(4), None, meta))
    return path


def _set_meta(path, text):
    with h5py.File(path, "r+") as f:
        f["mcmc"].attrs["dpfit_meta"] = text


def _plain_emcee(path):
    emcee.EnsembleSampler(4, 2, log_prob, vectorize=True, backend=emcee.backends.HDFBackend(str(path))).run_mcmc(
        np.random.default_rng(2).normal(size=(4, 2)), 5)


BAD_FILES = {
    "missing": (lambda p: None, None, "no such chain file"),
    "not hdf5": (lambda p: p.write_text("walker,step\n"), None, "not a readable emcee chain file (OSError)"),
    "no mcmc group": (lambda p: h5py.File(p, "w").close(), None, "not an emcee chain file (no 'mcmc' group)"),
    "plain emcee": (_plain_emcee, "mcmc.dpfit_meta", "missing: the chain was not written by dpfit"),
    "meta not json": (lambda p: _set_meta(_chain_file(p), "{names"), "mcmc.dpfit_meta", "not valid JSON"),
    "meta a list": (lambda p: _set_meta(_chain_file(p), "[1]"), "mcmc.dpfit_meta", "expected a JSON object"),
    "names": (lambda p: _chain_file(p, meta={**META, "names": ["x"]}), "mcmc.dpfit_meta.names",
              "expected a list of 2 parameter names"),
    "analysis": (lambda p: _chain_file(p, meta={"names": ["x", "y"]}), "mcmc.dpfit_meta.analysis",
                 "expected the analysis description"),
    "one step": (lambda p: _chain_file(p, steps=1), "mcmc.chain", "holds 1 steps; at least 2 are needed"),
    "nan": (lambda p: _chain_file(p, values=np.full((3, 4, 2), np.nan)), "mcmc.chain", "contains NaN"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_chain_file_is_one_line_naming_the_file_and_field(tmp_path, case):
    make, field, message = BAD_FILES[case]
    path = tmp_path / "c.h5"
    make(path)
    with pytest.raises(InputError) as info:
        read_chain(path)
    error = info.value
    assert error.source == str(path) and error.field == field and message in error.message
    assert "\n" not in str(error)


def test_check_analysis_names_what_differs():
    chain = Chain(np.zeros((3, 4, 2)), np.zeros((3, 4)), np.zeros(4), None,
                  {"names": ["m", "log10_eps"], "analysis": json.loads(json.dumps(Analysis().describe()))})
    check_analysis(chain, Analysis().describe(), "c.h5")  # the same analysis: no error
    with pytest.raises(InputError) as info:
        check_analysis(chain, Analysis(muon="WP20").describe(), "c.h5")
    assert str(info.value) == ("c.h5: field 'dpfit_meta.analysis': the chain was sampled for a different analysis "
                               "(muon: chain 'WP25', requested 'WP20')")
