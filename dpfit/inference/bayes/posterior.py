"""The posterior over (m, ε) of a model: priors, vectorised log-posterior, starting points.

Parameters sampled: θ = (m [MeV], log10 ε) for a log-uniform ε prior, or
(m, ε) for a uniform one (``eps_e``/``eps_mu`` in lepton mode). Priors:
m uniform over the analysis mass range (or Gaussian from the region card,
truncated to that range); ε over the analysis ε range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError, NoAllowedRegion
from dpfit.model.model import Model, mass_log_prior


@dataclass(frozen=True)
class Posterior:
    """Vectorised log-posterior over θ (shape (n, ndim)) of an analysis (likelihood: the fused kernel)."""

    joint: object
    names: tuple[str, ...]
    log_eps: bool
    mass_range: tuple[float, float]
    eps_range: tuple[float, float]
    mass_gaussian: tuple[float, float] | None

    @property
    def ndim(self) -> int:
        return len(self.names)

    def couplings(self, theta: np.ndarray) -> list[np.ndarray]:
        """The couplings ε from θ's coupling columns."""
        cols = [theta[:, i] for i in range(1, theta.shape[1])]
        return [10.0**c for c in cols] if self.log_eps else cols

    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        """ln π(θ) up to a constant: the mass prior of :func:`dpfit.model.model.mass_log_prior`, flat in each
        coupling's prior coordinate over the ε range."""
        inside = np.ones(theta.shape[0], dtype=bool)
        for eps in self.couplings(theta):
            inside &= (eps >= self.eps_range[0]) & (eps <= self.eps_range[1])
        return np.where(inside, mass_log_prior(theta[:, 0], self.mass_range, self.mass_gaussian), -np.inf)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        lp = self.log_prior(theta)
        ok = np.isfinite(lp)
        if ok.any():
            lp[ok] += self.joint.logl(theta[ok, 0], *[c[ok] for c in self.couplings(theta)])
        return lp

    def draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n points from the prior box (mass uniform within the range; ε per its prior)."""
        m = rng.uniform(*self.mass_range, size=n)
        cols = [m]
        for _ in range(self.ndim - 1):
            lo, hi = self.eps_range
            cols.append(rng.uniform(np.log10(lo), np.log10(hi), n) if self.log_eps else rng.uniform(lo, hi, n))
        return np.column_stack(cols)


def posterior(model: Model) -> Posterior:
    """The Posterior of a :class:`dpfit.model.model.Model` (its likelihood compiled where possible)."""
    from dpfit.likelihood.fused import compiled

    if model.mass_range is None:
        raise InputError("analysis", "mass_range", "without a preferred region, give a mass range")
    joint = model.posterior_likelihood()
    log_eps = model.eps_prior == "log-uniform"
    prefix = "log10_" if log_eps else ""
    names = ("m",) + tuple(prefix + p for p in joint.parameters[1:])
    return Posterior(compiled(joint, model.mass_range), names, log_eps, tuple(model.mass_range),
                     tuple(model.eps_range), model.mass_gaussian)


def initial_walkers(post: Posterior, nwalkers: int, rng: np.random.Generator, batches: int = 50,
                    grid=None) -> np.ndarray:
    """nwalkers distinct starting points with finite posterior: in every allowed piece in proportion to its
    weight when a grid posterior is given (:func:`dpfit.inference.bayes.pieces.walkers_from_grid`), else drawn
    from the prior box."""
    if grid is not None:
        from dpfit.inference.bayes.pieces import walkers_from_grid

        start = walkers_from_grid(grid, post, nwalkers, rng)
        if len(start) == nwalkers:
            return start
    found = []
    for _ in range(batches):
        theta = post.draw_prior(rng, 20 * nwalkers)
        found.extend(theta[np.isfinite(post(theta))])
        if len(found) >= nwalkers:
            return np.array(found[:nwalkers])
    if not found:
        raise NoAllowedRegion("analysis", None, "no allowed point (finite likelihood) anywhere in the prior range; "
                                                "nothing to sample")
    raise NoAllowedRegion("analysis", None, f"only {len(found)} allowed starting points found for {nwalkers} walkers")
