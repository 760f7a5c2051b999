"""A synthetic posterior chain in dpfit's chain layout, shared by the export, corner and limit-file tests."""

from __future__ import annotations

import numpy as np

from dpfit.inference.bayes.chains import Chain, read_chain, write_chain


def synthetic_chain(path, steps=400, walkers=8, seed=3) -> Chain:
    """A correlated (AR(1)) chain in (m, log10 ε) written in dpfit's chain layout."""
    rng = np.random.default_rng(seed)
    x = np.zeros((steps, walkers, 2))
    for t in range(1, steps):
        x[t] = 0.8 * x[t - 1] + 0.6 * rng.standard_normal((walkers, 2))
    x[:, :, 0] = 16.7 + 0.2 * x[:, :, 0]
    x[:, :, 1] = -3.0 + 0.1 * x[:, :, 1]
    meta = {"names": ["m", "log10_eps"], "seed": seed, "log_eps": True, "dpfit_version": "test",
            "analysis": {"mass_range": [15.85, 17.55], "eps_range": [1e-5, 1e-2], "mass_prior": "uniform",
                         "eps_prior": "log-uniform"},
            "provenance": {"command": "sample", "inputs_digest": "0" * 64}}
    chain = Chain(x, -0.5 * (x**2).sum(axis=2), np.full(walkers, 0.4 * steps), None, meta)
    write_chain(path, chain)
    return read_chain(path)
