"""A model: one analysis built against one input set.

It holds what fit, scan, sample, window and the figures need: the joint
likelihood (which knows the parameters and the coupling mode), the mass range
(MeV) and coupling range, the priors, the preferred region's record and the
analysis' description (for provenance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from dpfit.inputs.records import RegionCard
from dpfit.likelihood.joint import JointLikelihood
from dpfit.notes import Note

#: Priors of the mass: uniform over the mass range, or Gaussian from the region card.
MassPrior = Literal["uniform", "gaussian"]
#: Priors of each coupling over the coupling range.
EpsPrior = Literal["log-uniform", "uniform"]


@dataclass(frozen=True)
class Model:
    """The joint likelihood of an analysis with its parameter ranges and priors.

    mass_range: (lo, hi) in MeV for free-mass work (None: no range given and no
    region to take it from). eps_range: (lo, hi) of each coupling.
    mass_gaussian: (mean, σ) in MeV of a Gaussian mass prior, else None.
    notes: what the vector model changed or left out (recast limits, terms that do not constrain it).
    """

    joint: JointLikelihood
    mass_range: tuple[float, float] | None
    eps_range: tuple[float, float]
    mass_prior: MassPrior
    eps_prior: EpsPrior
    mass_gaussian: tuple[float, float] | None
    region: RegionCard | None
    description: dict = field(repr=False)
    notes: tuple[Note, ...] = ()

    @property
    def parameters(self) -> tuple[str, ...]:
        """('m', 'eps') or ('m', 'eps_e', 'eps_mu')."""
        return self.joint.parameters

    @property
    def couplings(self) -> str:
        return self.joint.couplings

    def posterior_likelihood(self) -> JointLikelihood:
        """The likelihood a posterior multiplies with the priors. With a Gaussian mass prior (taken from the
        preferred region) every term's mass-only part is removed: the region's mass enters once, as the
        prior (:meth:`dpfit.likelihood.terms.Term.without_mass_part`). The chain, the grid posterior, the
        evidence and nested sampling all take their likelihood from here, and their mass prior from
        :meth:`mass_log_prior`."""
        return self.joint.without_mass_parts() if self.mass_gaussian is not None else self.joint

    def mass_log_prior(self, m) -> np.ndarray:
        """ln π(m), normalised over the mass range (MeV⁻¹): uniform, or the Gaussian of ``mass_gaussian``
        truncated to the range; −∞ outside it."""
        return mass_log_prior(m, self.mass_range, self.mass_gaussian)


def mass_log_prior(m, mass_range: tuple[float, float], mass_gaussian: tuple[float, float] | None) -> np.ndarray:
    """ln π(m) of a mass prior over ``mass_range`` (MeV): uniform, or Gaussian (mean, σ) truncated to the range
    and normalised there; −∞ outside the range."""
    m = np.asarray(m, dtype=float)
    lo, hi = mass_range
    inside = (m >= lo) & (m <= hi)
    if mass_gaussian is None:
        value = np.full(m.shape, -math.log(hi - lo))
    else:
        mean, sigma = mass_gaussian
        norm = 0.5 * (math.erf((hi - mean) / (sigma * math.sqrt(2))) - math.erf((lo - mean) / (sigma * math.sqrt(2))))
        value = -0.5 * ((m - mean) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi) * norm)
    return np.where(inside, value, -np.inf)
