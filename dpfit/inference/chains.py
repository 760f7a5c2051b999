"""Chain files: emcee's HDF5 layout, written atomically, read back with dpfit's metadata.

The chain file is emcee's HDF5 layout (group ``mcmc``: ``chain``,
``log_prob``, ``accepted``, the random state in ``random_state_*`` attributes),
so ``emcee.backends.HDFBackend(path, read_only=True)`` reads it, plus dpfit's
metadata in the ``dpfit_meta`` attribute (JSON).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit import __version__
from dpfit.errors import InputError
from dpfit.output.atomic import atomic_path

GROUP = "mcmc"


@dataclass
class Chain:
    """A chain read back: arrays (steps, walkers[, ndim]) plus dpfit's metadata."""

    chain: np.ndarray
    log_prob: np.ndarray
    accepted: np.ndarray
    random_state: tuple | None
    meta: dict

    @property
    def steps(self) -> int:
        return self.chain.shape[0]

    @property
    def names(self) -> list[str]:
        return self.meta["names"]


def write_chain(path: str | Path, chain: Chain) -> None:
    """Write a chain file atomically in emcee's HDF5 layout (see the module docstring)."""
    import emcee
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            g = f.create_group(GROUP)
            steps, nwalkers, ndim = chain.chain.shape
            g.attrs.update({"version": emcee.__version__, "nwalkers": nwalkers, "ndim": ndim, "has_blobs": False,
                            "iteration": steps})
            g.create_dataset("chain", data=chain.chain, maxshape=(None, nwalkers, ndim))
            g.create_dataset("log_prob", data=chain.log_prob, maxshape=(None, nwalkers))
            g.create_dataset("accepted", data=chain.accepted)
            for i, value in enumerate(chain.random_state or ()):
                g.attrs[f"random_state_{i}"] = value
            g.attrs["dpfit_meta"] = json.dumps(chain.meta)
            g.attrs["dpfit_version"] = __version__


def read_chain(path: str | Path) -> Chain:
    """Read a chain file written by dpfit; InputError if it is missing or not one."""
    import h5py

    source = str(path)
    if not Path(path).exists():
        raise InputError(source, None, "no such chain file")
    try:
        with h5py.File(path, "r", locking=False) as f:
            g = f[GROUP]
            elements = [v for k, v in sorted(g.attrs.items()) if k.startswith("random_state_")]
            return Chain(g["chain"][...], g["log_prob"][...], g["accepted"][...],
                         tuple(elements) if elements else None, json.loads(g.attrs["dpfit_meta"]))
    except (OSError, KeyError) as exc:
        raise InputError(source, None, f"not a readable dpfit chain file ({exc})") from None
