"""Nested sampling of the joint posterior with dynesty: multi-modal samples and the evidence.

Nested sampling (Skilling, Bayesian Analysis 1 (2006) 833; dynesty: Speagle,
MNRAS 493 (2020) 3132) explores the prior from the outside in, so separated
allowed pieces are all populated in proportion to their mass and the evidence
Z = ∫ L π comes with its error. The unit cube maps to the same coordinates
and priors as :mod:`dpfit.inference.bayes.posterior`: m uniform over the mass range
(or the truncated Gaussian), u = log10 ε or ε uniform over the ε range.
Excluded points (ln L = −∞) are given :data:`FLOOR` so that the live points
can start anywhere in the prior box; their posterior weight is exp(FLOOR) = 0.

Output: the weighted samples, ln Z ± error, written atomically to an HDF5 file
(datasets ``samples`` (n, ndim) in the sampled coordinates, ``weights``,
``logl``; attributes ``names``, ``logz``, ``logz_error``, ``dpfit_meta``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
import warnings

import numpy as np
from scipy import stats

from dpfit.errors import InputError
from dpfit.inference.bayes.posterior import posterior
from dpfit.model.model import Model
from dpfit.io.atomic import atomic_path

#: ln L given to excluded points (finite, so dynesty can rank them below every allowed point).
FLOOR = -1e100


@dataclass
class NestedRun:
    """Weighted posterior samples (sampled coordinates θ), ln Z with its error, and run facts."""

    names: tuple[str, ...]
    log_eps: bool
    samples: np.ndarray
    weights: np.ndarray
    logl: np.ndarray
    logz: float
    logz_error: float
    meta: dict = field(default_factory=dict)

    def physical(self) -> dict[str, np.ndarray]:
        """Equal-weight resampled physical samples (m, ε...) for quantiles and piece weights."""
        from dynesty.utils import resample_equal

        rng = np.random.default_rng(self.meta.get("seed", 1))
        eq = resample_equal(self.samples, self.weights / self.weights.sum(), rstate=rng)
        out = {}
        for i, name in enumerate(self.names):
            bare = name.removeprefix("log10_")
            out[bare] = 10.0 ** eq[:, i] if name.startswith("log10_") else eq[:, i]
        return out

    @property
    def n_eff(self) -> float:
        """Kish effective sample size of the weights, (Σw)²/Σw²."""
        w = self.weights / self.weights.sum()
        return float(1.0 / np.sum(w * w))


def run_nested(model: Model, nlive: int = 400, seed: int = 1, dlogz: float = 0.05,
               progress: bool = False) -> NestedRun:
    """Run dynesty's static nested sampler (multi-ellipsoid bounds, random-walk moves) on ``model``.

    ``nlive`` live points (MIN_NLIVE to MAX_NLIVE of :mod:`dpfit.arguments`), ``seed`` 0 to MAX_SEED."""
    import dynesty

    from dpfit import arguments

    nlive = arguments.integer(nlive, "sample", "nlive", arguments.MIN_NLIVE, arguments.MAX_NLIVE)
    seed = arguments.integer(seed, "sample", "seed", 0, arguments.MAX_SEED)

    post = posterior(model)
    lo_m, hi_m = post.mass_range
    u_lo, u_hi = (np.log10(post.eps_range[0]), np.log10(post.eps_range[1])) if post.log_eps else post.eps_range
    if post.mass_gaussian is not None:
        mean, sigma = post.mass_gaussian
        c_lo, c_hi = stats.norm.cdf([lo_m, hi_m], mean, sigma)

    def transform(cube):
        theta = np.empty_like(cube)
        if post.mass_gaussian is None:
            theta[0] = lo_m + cube[0] * (hi_m - lo_m)
        else:
            theta[0] = stats.norm.ppf(c_lo + cube[0] * (c_hi - c_lo), mean, sigma)
        theta[1:] = u_lo + cube[1:] * (u_hi - u_lo)
        return theta

    def loglike(theta):
        eps = [10.0 ** t if post.log_eps else t for t in theta[1:]]
        value = float(post.joint.logl(np.array([theta[0]]), *[np.array([e]) for e in eps])[0])
        return value if np.isfinite(value) else FLOOR

    rng = np.random.default_rng(seed)
    with warnings.catch_warnings(record=True) as caught:  # dynesty warns of a plateau: said below, in one line
        warnings.simplefilter("always")
        sampler = dynesty.NestedSampler(loglike, transform, post.ndim, nlive=nlive, bound="multi", sample="rwalk",
                                        rstate=rng)
        sampler.run_nested(dlogz=dlogz, print_progress=progress)
    res = sampler.results
    if not np.any(np.asarray(res.logl) > FLOOR):
        raise InputError("sample", "nlive", f"none of the {nlive} live points fell where a coupling is allowed (the "
                                            f"walls exclude the rest of the prior box): give more live points")
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    weights = np.exp(res.logwt - res.logz[-1])
    return NestedRun(post.names, post.log_eps, np.asarray(res.samples), weights, np.asarray(res.logl),
                     float(res.logz[-1]), float(res.logzerr[-1]),
                     {"sampler": "dynesty", "nlive": nlive, "dlogz": dlogz, "seed": seed,
                      "calls": int(np.sum(res.ncall))})


def write_nested(path: str | Path, run: NestedRun, meta: dict | None = None) -> None:
    """Write a nested run atomically (layout in the module docstring)."""
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("samples", data=run.samples)
            f.create_dataset("weights", data=run.weights)
            f.create_dataset("logl", data=run.logl)
            f.attrs.update({"names": json.dumps(list(run.names)), "logz": run.logz, "logz_error": run.logz_error,
                            "dpfit_meta": json.dumps({**run.meta, **(meta or {})})})
