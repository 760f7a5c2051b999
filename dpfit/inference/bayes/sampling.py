"""Sampling the joint posterior over (m, ε) with emcee, with atomic, resumable chain files.

The posterior is :mod:`dpfit.inference.bayes.posterior`; the chain is
:class:`dpfit.inference.bayes.chains.Chain`, an emcee backend that emcee's
``EnsembleSampler`` drives and that checkpoints atomically (temporary file,
then rename) every couple of seconds into emcee's HDF5 layout.

Interrupts: while sampling, SIGINT (Ctrl-C) and SIGTERM are deferred until
the step in progress is stored; then the chain is checkpointed and
:class:`Interrupted` is raised (a second signal interrupts at once). A
checkpoint always holds whole steps with the random state emcee recorded
with the last of them, so after SIGINT, SIGTERM or SIGKILL at any moment,
``resume`` continues until the chain holds the requested number of steps in
total, bit for bit the chain an uninterrupted run gives. The output is
locked for the whole run (:mod:`dpfit.io.atomic`).
"""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dpfit import __version__, arguments
from dpfit.errors import InputError
from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.posterior import initial_walkers, posterior
from dpfit.io.atomic import output_lock


@contextmanager
def _deferred_interrupts(chain: Chain):
    """Defer SIGINT/SIGTERM to the end of the step in progress (see the module docstring); yield the signals seen."""
    received: list[int] = []

    def handler(signum, frame):
        if received:  # a second signal: stop at once
            raise KeyboardInterrupt
        received.append(signum)

    def after_step():
        if received:
            raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    chain.after_step = after_step
    try:
        yield received
    finally:
        chain.after_step = None
        for sig, old in previous.items():
            signal.signal(sig, old)


class Interrupted(KeyboardInterrupt):
    """Sampling stopped by a signal; the chain file holds ``steps`` steps.

    A KeyboardInterrupt, so that a caller that does not handle it (``reproduce``) stops as on Ctrl-C.
    """

    def __init__(self, path, steps):
        super().__init__(f"interrupted: {path} holds {steps} steps; resume it to continue")
        self.path, self.steps = path, steps


def sample(analysis, out: str | Path, nwalkers: int = 32, nsteps: int = 5000, seed: int = 1,
           resume: bool = False, progress: bool = True, provenance: dict | None = None, grid=None,
           start: np.ndarray | None = None) -> Chain:
    """Run (or resume) emcee until ``out`` holds ``nsteps`` steps in total; return the chain.

    A fresh run refuses to overwrite an existing chain unless it is resumed
    (``resume=True``), which requires the same analysis and number of walkers
    and continues with the chain's own seed and random state.
    ``grid``: a grid posterior, to start the walkers in every allowed piece in
    proportion to its weight; ``start``: explicit starting points (nwalkers, ndim).
    """
    import emcee

    if progress:
        from tqdm.auto import tqdm  # a notebook widget under Jupyter
    else:  # a disabled plain bar: tqdm.auto would import the notebook bar, which warns without ipywidgets
        from tqdm import tqdm

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
    with output_lock(out):
        chain = _previous_chain(out, resume, description, nwalkers)
        if chain is not None:
            seed = chain.meta["seed"]
        meta = {"names": list(post.names), "seed": seed, "analysis": description, "log_eps": post.log_eps,
                "provenance": provenance or {}, "dpfit_version": __version__}
        if chain is None or chain.steps == 0:
            chain = Chain(path=out, meta=meta)
            sampler = emcee.EnsembleSampler(nwalkers, post.ndim, post, vectorize=True, backend=chain)
            if start is None:
                start = initial_walkers(post, nwalkers, np.random.default_rng(seed), grid=grid)
            state = emcee.State(start, random_state=np.random.RandomState(seed).get_state())
        else:
            chain.meta = meta
            sampler = emcee.EnsembleSampler(nwalkers, post.ndim, post, vectorize=True, backend=chain)
            state = chain.get_last_sample()
        remaining = nsteps - chain.steps
        if remaining <= 0:
            return chain
        bar = tqdm(total=nsteps, initial=chain.steps, disable=not progress, unit="step", desc="sampling",
                   dynamic_ncols=True)
        try:
            with _deferred_interrupts(chain) as received:
                for _ in sampler.sample(state, iterations=remaining, store=True):
                    bar.update(1)
                if received:
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            chain.checkpoint()
            raise Interrupted(out, chain.steps) from None
        finally:
            bar.close()
        chain.checkpoint()
        return chain.trim()




def _previous_chain(out: Path, resume: bool, description: dict, nwalkers: int) -> Chain | None:
    """The chain to continue (``resume`` and ``out`` exists), else None; InputError if it cannot be continued."""
    if not out.exists():
        return None
    if not resume:
        raise InputError(str(out), None, "exists; resume it to continue it, or choose another file")
    previous = Chain.load(out, min_steps=0)
    if previous.meta["analysis"] != json.loads(json.dumps(description)):
        raise InputError(str(out), "dpfit_meta.analysis", "the chain was made by a different analysis; "
                                                          "start a new file instead of resuming it")
    if previous.nwalkers != nwalkers:
        raise InputError(str(out), "nwalkers", f"the chain has {previous.nwalkers} walkers, not {nwalkers}")
    if previous.steps and previous.random_state is None:
        raise InputError(str(out), "mcmc.random_state", "missing: the chain cannot be continued reproducibly")
    return previous
