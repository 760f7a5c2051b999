"""Chains: an emcee backend that checkpoints atomically to emcee's HDF5 layout, and its reader.

:class:`Chain` subclasses ``emcee.backends.Backend`` (the in-memory backend),
so ``emcee.EnsembleSampler(..., backend=chain)`` drives it, and it is read
with emcee's own ``get_chain(discard=, thin=, flat=)`` / ``get_log_prob``.
Every ``checkpoint_seconds`` (and on demand) it rewrites its file as a whole
into a temporary beside it, renamed over the target (:mod:`dpfit.io.atomic`):
a kill at any moment leaves the last complete checkpoint. A checkpoint holds
the steps stored so far together with the random state emcee recorded with
the last of them, so a run resumed from it reproduces the uninterrupted one
bit for bit.

The file is emcee's HDF5 layout (group ``mcmc``: datasets ``chain``,
``log_prob``, ``accepted``; attributes ``nwalkers``, ``ndim``, ``iteration``,
``has_blobs``, ``random_state_*``), so ``emcee.backends.HDFBackend(path,
read_only=True)`` reads it, plus dpfit's metadata in the ``dpfit_meta``
attribute (JSON: parameter names, seed, analysis, provenance).
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import emcee
import numpy as np

from dpfit import __version__
from dpfit.errors import InputError
from dpfit.io.atomic import atomic_path

GROUP = "mcmc"
#: Seconds between checkpoints of a running chain.
CHECKPOINT_SECONDS = 2.0
#: Fewest steps a chain read as an input must hold (diagnostics need two).
MIN_STEPS = 2


class Chain(emcee.backends.Backend):
    """An in-memory emcee backend with dpfit's metadata and atomic HDF5 checkpoints.

    Parameters
    ----------
    path : str or Path or None
        The chain file checkpoints go to (None: memory only).
    meta : dict
        dpfit's metadata (``names``, ``seed``, ``analysis``, ...).
    checkpoint_seconds : float
        Minimum seconds between automatic checkpoints in :meth:`save_step`.
    """

    def __init__(self, chain=None, log_prob=None, accepted=None, random_state=None, meta: dict | None = None, *,
                 path=None, checkpoint_seconds: float = CHECKPOINT_SECONDS):
        super().__init__()
        self.path = None if path is None else Path(path)
        self.meta = dict(meta or {})
        self.checkpoint_seconds = checkpoint_seconds
        self.after_step = None  # called after every stored step (e.g. to act on a deferred interrupt)
        self._last_checkpoint = time.monotonic()
        if chain is not None:  # a chain given as arrays (steps, walkers[, ndim])
            chain = np.asarray(chain, dtype=float)
            self.reset(chain.shape[1], chain.shape[2])
            self.chain, self.log_prob = chain, np.asarray(log_prob, dtype=float)
            self.accepted = np.asarray(accepted, dtype=float)
            self.iteration = chain.shape[0]
            self.random_state = tuple(random_state) if random_state is not None else None

    def __repr__(self) -> str:
        """A summary: walkers, steps, parameters, acceptance and where it is kept (not an address)."""
        if not getattr(self, "initialized", False) or self.iteration == 0:
            return f"Chain(empty; {self.path or 'in memory'})"
        names = ", ".join(self.meta.get("names", ())) or f"{self.ndim} parameters"
        acceptance = float(np.mean(self.accepted) / self.iteration)
        return (f"Chain({self.nwalkers} walkers x {self.iteration} steps of ({names}); mean acceptance "
                f"{acceptance:.2f}; seed {self.meta.get('seed')}; {self.path or 'in memory'})")

    # -- emcee's backend interface ---------------------------------------------------------------
    def save_step(self, state, accepted):
        """Store one step (emcee's in-memory backend), then checkpoint if due."""
        super().save_step(state, accepted)
        if self.path is not None and time.monotonic() - self._last_checkpoint > self.checkpoint_seconds:
            self.checkpoint()
        if self.after_step is not None:
            self.after_step()

    # -- dpfit's accessors (the stored steps only, never emcee's pre-allocated rows) ---------------
    @property
    def steps(self) -> int:
        return int(self.iteration) if self.initialized else 0

    @property
    def names(self) -> list[str]:
        return self.meta["names"]

    def trim(self) -> Chain:
        """Drop rows emcee pre-allocated but never filled (after an interrupted run)."""
        self.chain = self.chain[: self.steps]
        self.log_prob = self.log_prob[: self.steps]
        return self

    # -- files -------------------------------------------------------------------------------------
    def checkpoint(self) -> None:
        """Write the stored steps, random state and metadata to ``path`` atomically."""
        import h5py

        n = self.steps
        # HDF5 is built in memory, then written with plain writes: a write failure (full disk,
        # file-size limit) raises OSError instead of crashing inside the HDF5 library.
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as f:
            g = f.create_group(GROUP)
            g.attrs.update({"version": emcee.__version__, "nwalkers": self.nwalkers, "ndim": self.ndim,
                            "has_blobs": False, "iteration": n})
            g.create_dataset("chain", data=self.chain[:n], maxshape=(None, self.nwalkers, self.ndim))
            g.create_dataset("log_prob", data=self.log_prob[:n], maxshape=(None, self.nwalkers))
            g.create_dataset("accepted", data=self.accepted)
            for i, value in enumerate(self.random_state or ()):
                g.attrs[f"random_state_{i}"] = value
            g.attrs["dpfit_meta"] = json.dumps(self.meta)
            g.attrs["dpfit_version"] = __version__
        with atomic_path(self.path) as tmp:
            tmp.write_bytes(buffer.getbuffer())
        self._last_checkpoint = time.monotonic()

    @classmethod
    def load(cls, path, min_steps: int = MIN_STEPS) -> Chain:
        """Read a chain file written by dpfit (with emcee's HDFBackend); InputError if it is not a usable one."""
        import h5py

        source = str(path)
        if not Path(path).is_file():
            raise InputError(source, None, "no such chain file")
        try:
            with h5py.File(path, "r", locking=False) as f:
                if GROUP not in f:
                    raise InputError(source, None, f"not an emcee chain file (no '{GROUP}' group)")
                raw_meta = f[GROUP].attrs.get("dpfit_meta")
            reader = emcee.backends.HDFBackend(str(path), name=GROUP, read_only=True)
            nwalkers, ndim = (int(v) for v in reader.shape)
            steps = int(reader.iteration)
            chain = reader.get_chain() if steps else np.empty((0, nwalkers, ndim))
            log_prob = reader.get_log_prob() if steps else np.empty((0, nwalkers))
            accepted = np.asarray(reader.accepted, dtype=float)
            random_state = reader.random_state
        except InputError:
            raise
        except (OSError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(source, None, f"not a readable emcee chain file ({type(exc).__name__})") from None
        meta = _parse_meta(source, raw_meta, ndim)
        if chain.shape != (steps, nwalkers, ndim) or log_prob.shape != (steps, nwalkers) or accepted.shape != (nwalkers,):
            raise InputError(source, "mcmc.chain", "datasets inconsistent with the 'iteration', 'nwalkers' and "
                                                   "'ndim' attributes")
        if steps < min_steps:
            raise InputError(source, "mcmc.chain", f"holds {steps} steps; at least {min_steps} are needed")
        if not np.all(np.isfinite(chain)):
            raise InputError(source, "mcmc.chain", "contains NaN or infinite values")
        return cls(chain, log_prob, accepted, tuple(random_state) if random_state else None, meta, path=path)


def _parse_meta(source: str, raw, ndim: int) -> dict:
    """dpfit's metadata of a chain file, checked; InputError naming the field otherwise."""
    if raw is None:
        raise InputError(source, "mcmc.dpfit_meta", "missing: the chain was not written by dpfit (plain emcee "
                                                    "files lack the parameter names and analysis); sample it with "
                                                    "dpfit")
    try:
        meta = json.loads(raw)
    except (TypeError, ValueError):
        raise InputError(source, "mcmc.dpfit_meta", "not valid JSON") from None
    if not isinstance(meta, dict):
        raise InputError(source, "mcmc.dpfit_meta", "expected a JSON object")
    names = meta.get("names")
    if not (isinstance(names, list) and len(names) == ndim and all(isinstance(n, str) for n in names)):
        raise InputError(source, "mcmc.dpfit_meta.names", f"expected a list of {ndim} parameter names")
    if not isinstance(meta.get("analysis"), dict):
        raise InputError(source, "mcmc.dpfit_meta.analysis", "expected the analysis description (a JSON object)")
    return meta


def write_chain(path: str | Path, chain: Chain) -> None:
    """Write ``chain`` to ``path`` atomically in emcee's HDF5 layout (see :meth:`Chain.checkpoint`)."""
    chain.path = Path(path)
    chain.checkpoint()


def read_chain(path: str | Path) -> Chain:
    """Read a chain file written by dpfit; InputError if it is missing, not one, short or holds NaN."""
    return Chain.load(path)


def check_analysis(chain: Chain, description: dict, source: str) -> None:
    """InputError unless ``chain`` was sampled for the analysis ``description`` (``Analysis.describe()``)."""
    wanted = json.loads(json.dumps(description))
    found = chain.meta.get("analysis")
    if found != wanted:
        differ = sorted(k for k in set(wanted) | set(found) if wanted.get(k) != found.get(k))
        shown = "; ".join(f"{k}: chain {_short(found.get(k))}, requested {_short(wanted.get(k))}" for k in differ[:3])
        raise InputError(source, "dpfit_meta.analysis", f"the chain was sampled for a different analysis ({shown})")


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
