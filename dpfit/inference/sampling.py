"""Sampling the joint posterior over (m, ε) with emcee, with atomic, resumable chain files.

The posterior is :mod:`dpfit.inference.posterior`; chain files are
:mod:`dpfit.inference.chains`.

The chain file is emcee's HDF5 layout (group ``mcmc``: ``chain``,
``log_prob``, ``accepted``, the random state in ``random_state_*`` attributes),
so ``emcee.backends.HDFBackend(path, read_only=True)`` reads it, plus dpfit's
metadata in ``dpfit_*`` attributes. It is rewritten as a whole every
checkpoint into a temporary file that is then renamed over the target: a
kill at any moment (SIGINT, SIGTERM, SIGKILL) leaves the last complete
checkpoint, which ``resume`` continues until the chain holds the requested
number of steps in total. The random state is saved with the chain, so a
resumed run reproduces the uninterrupted one.
"""

from __future__ import annotations

import json
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dpfit import __version__, arguments
from dpfit.errors import InputError
from dpfit.inference.chains import Chain, read_chain, write_chain
from dpfit.inference.posterior import initial_walkers, posterior

#: Seconds between checkpoints of a running chain.
CHECKPOINT_SECONDS = 2.0


@contextmanager
def _terminate_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt for the duration, so a kill writes a final checkpoint."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Interrupted(Exception):
    """Sampling stopped by a signal; the chain file holds ``steps`` steps."""

    def __init__(self, path, steps):
        super().__init__(f"interrupted: {path} holds {steps} steps; resume it to continue")
        self.path, self.steps = path, steps


def sample(analysis, out: str | Path, nwalkers: int = 32, nsteps: int = 5000, seed: int = 1,
           resume: bool = False, progress: bool = True, provenance: dict | None = None, grid=None,
           start: np.ndarray | None = None) -> Chain:
    """Run (or resume) emcee until ``out`` holds ``nsteps`` steps in total; return the chain.

    A fresh run refuses to overwrite an existing chain unless it is resumed
    (``resume=True``), which requires the same analysis and number of walkers.
    ``grid``: a grid posterior, to start the walkers in every allowed piece in
    proportion to its weight; ``start``: explicit starting points (nwalkers, ndim).
    """
    import emcee

    post = posterior(analysis.model())
    nwalkers = arguments.integer(nwalkers, "sample", "nwalkers", max(2 * post.ndim, 4), arguments.MAX_WALKERS, even=True)
    nsteps = arguments.integer(nsteps, "sample", "nsteps", arguments.MIN_STEPS, arguments.MAX_WALKER_STEPS)
    if nwalkers * nsteps > arguments.MAX_WALKER_STEPS:
        raise InputError("sample", "nsteps", f"walkers x steps = {nwalkers * nsteps:,} exceeds "
                                             f"{arguments.MAX_WALKER_STEPS:,}; use fewer steps or walkers")
    seed = arguments.integer(seed, "sample", "seed", 0, arguments.MAX_SEED)
    out = arguments.path(out, "sample", "out")
    description = analysis.describe()
    out = Path(out)
    if resume and out.exists():
        previous = read_chain(out)
        if previous.meta["analysis"] != json.loads(json.dumps(description)):
            raise InputError(str(out), "dpfit_meta.analysis", "the chain was made by a different analysis; "
                                                              "start a new file instead of resuming it")
        if previous.chain.shape[1] != nwalkers:
            raise InputError(str(out), "nwalkers", f"the chain has {previous.chain.shape[1]} walkers, not {nwalkers}")
        seed = previous.meta["seed"]
    else:
        if out.exists() and not resume:
            raise InputError(str(out), None, "exists; resume it to continue it, or choose another file")
        previous = None
    meta = {"names": list(post.names), "seed": seed, "analysis": description, "log_eps": post.log_eps,
            "provenance": provenance or {}, "dpfit_version": __version__}
    sampler = emcee.EnsembleSampler(nwalkers, post.ndim, post, vectorize=True)
    if previous is not None:
        done = previous.steps
        state = emcee.State(previous.chain[-1], log_prob=previous.log_prob[-1], random_state=previous.random_state)
    else:
        done = 0
        rng = np.random.default_rng(seed)
        if start is None:
            start = initial_walkers(post, nwalkers, rng, grid=grid)
        state = emcee.State(start, random_state=np.random.RandomState(seed).get_state())
        previous = Chain(np.empty((0, nwalkers, post.ndim)), np.empty((0, nwalkers)), np.zeros(nwalkers), None, meta)
    remaining = nsteps - done
    if remaining <= 0:
        return previous

    def snapshot() -> Chain:
        n = sampler.iteration
        new_chain = sampler.get_chain() if n else np.empty((0, nwalkers, post.ndim))
        new_lp = sampler.get_log_prob() if n else np.empty((0, nwalkers))
        return Chain(np.concatenate([previous.chain, new_chain]), np.concatenate([previous.log_prob, new_lp]),
                     previous.accepted + (sampler.backend.accepted if n else 0),
                     sampler.random_state, meta)

    from tqdm.auto import tqdm

    bar = tqdm(total=nsteps, initial=done, disable=not progress, unit="step", desc="sampling", dynamic_ncols=True)
    last = time.monotonic()
    try:
        with _terminate_as_interrupt():
            for _ in sampler.sample(state, iterations=remaining, store=True):
                bar.update(1)
                if time.monotonic() - last > CHECKPOINT_SECONDS:
                    write_chain(out, snapshot())
                    last = time.monotonic()
    except KeyboardInterrupt:
        current = snapshot()
        write_chain(out, current)
        raise Interrupted(out, current.steps) from None
    finally:
        bar.close()
    final = snapshot()
    write_chain(out, final)
    return final
