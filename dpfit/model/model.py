"""A model: one analysis built against one input set.

It holds what fit, scan, sample, window and the figures need: the joint
likelihood (which knows the parameters and the coupling mode), the mass range
(MeV) and coupling range, the priors, the preferred region's record and the
analysis' description (for provenance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dpfit.inputs.records import RegionCard
from dpfit.likelihood.joint import JointLikelihood

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
    """

    joint: JointLikelihood
    mass_range: tuple[float, float] | None
    eps_range: tuple[float, float]
    mass_prior: MassPrior
    eps_prior: EpsPrior
    mass_gaussian: tuple[float, float] | None
    region: RegionCard | None
    description: dict = field(repr=False)

    @property
    def parameters(self) -> tuple[str, ...]:
        """('m', 'eps') or ('m', 'eps_e', 'eps_mu')."""
        return self.joint.parameters

    @property
    def couplings(self) -> str:
        return self.joint.couplings
