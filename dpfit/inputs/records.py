"""Typed, frozen records of the likelihood cards, resolved once from an input set.

A card (``likelihoods/*.yaml``) names its data file; resolving it reads the
data in internal units (masses in MeV, couplings and Δa dimensionless) and
gives one record. Everything downstream of the inputs (the model, the
likelihood, figures, reports) reads these records, never raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dpfit.inputs.contours import Contour


@dataclass(frozen=True)
class Measurement:
    """A value with its 1σ uncertainty, in internal units (dimensionless or MeV)."""

    value: float
    sigma: float


@dataclass(frozen=True)
class Gm2Card:
    """A (g−2) Gaussian card: Δa_ℓ = a_exp − a_SM with its σ (dimensionless), and the constants it needs."""

    name: str
    lepton: str
    scenario: str
    delta_a: Measurement
    lepton_mass: float
    alpha: float
    description: str
    data: str


#: The production mechanism a card's ``production`` implies when it names none.
MECHANISM = {"electron": "e_brem", "quark": "pi0_gamma", "muon": "mu_brem"}


@dataclass(frozen=True)
class ExclusionCard:
    """An exclusion card: the excluded band(s) of a dark photon (contour in ε, masses in MeV), where it applies,
    its CL (a probability), the couplings its production and detection use ('electron', 'muon', 'quark'),
    its production mechanism and final state as DarkCast names them ('any': a search that sees the boson
    whatever it decays to, e.g. a card with ``visible_decay: false`` and its reason), and a beam dump's
    decay-volume to shielding length ratio (None: a prompt search)."""

    name: str
    lepton: str
    experiment: str
    cl: float
    contour: Contour = field(repr=False)
    mass_range: tuple[float, float]
    visible_decay: bool
    default: bool
    description: str
    data: str
    production: str = "electron"
    mechanism: str = "e_brem"
    decay: str = "e_e"
    length_ratio: float | None = None

    @property
    def one_sided(self) -> bool:
        """True for a simple upper limit: one band, open above everywhere."""
        return self.contour.bands == 1 and bool(np.all(np.isinf(self.contour.upper)))


@dataclass(frozen=True)
class RegionCard:
    """A preferred-region card: m0 ± σ_m (MeV, box or Gaussian) and ε_lo ≤ ε ≤ ε_hi."""

    name: str
    lepton: str
    experiment: str
    mass: float
    mass_sigma: float
    eps_lower: float
    eps_upper: float
    mass_model: str
    description: str
    data: str


def contour_mass_range(contour: Contour) -> tuple[float, float]:
    """The masses a contour covers (MeV)."""
    return (float(np.min(contour.mass)), float(np.max(contour.mass)))
