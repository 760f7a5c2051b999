"""Two term types written the way a user would add one, in one module and nothing else.

- :class:`Eps2Measurement`: a hypothetical experiment measuring ε_e² with a Gaussian error,
  −2 ln L = ((ε² − μ)/σ)². It declares everything: one data point, a closed form in x = ε², pseudo-data,
  a band for the interval algebra and its normalisation.
- :class:`StudentCoupling`: a measurement of ε with Student-t errors (ν degrees of freedom),
  −2 ln L = (ν + 1) ln(1 + ((ε − μ)/s)²/ν). It declares only that it is a smooth measurement: no closed
  form and no pseudo-data, so inference must minimise it numerically and refuse toys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dpfit.likelihood.terms import BandLevel, GaussianData, SeparableTerm


@dataclass(frozen=True)
class Eps2Measurement(SeparableTerm):
    """A Gaussian measurement μ ± σ of x = ε_e² (dimensionless), independent of the mass."""

    name: str
    lepton: str
    mean: float
    sigma: float
    ndata = 1
    smooth = True

    def mass_part(self, m):
        return np.zeros(np.shape(m))

    def coupling_logl(self, part, eps):
        eps = np.asarray(eps, dtype=float)
        pull = (eps * eps - self.mean) / self.sigma
        return np.where(eps >= 0, part - 0.5 * pull * pull, -np.inf)

    def quadratic(self, m):
        ones = np.ones(np.shape(m))
        return ones / self.sigma**2, -2.0 * self.mean / self.sigma**2 * ones

    def toy_data(self, m):
        return GaussianData(1.0, self.mean, self.sigma)

    def log_normalisation(self):
        return -math.log(self.sigma * math.sqrt(2.0 * math.pi))

    def band(self, m, n_sigma):
        top = self.mean + n_sigma * self.sigma
        pieces = [] if top < 0 else [(math.sqrt(max(self.mean - n_sigma * self.sigma, 0.0)), math.sqrt(top))]
        return pieces, BandLevel(self.name, f"eps^2 = mu +- {n_sigma:g} sigma", math.erf(n_sigma / math.sqrt(2)),
                                 "two-sided")


@dataclass(frozen=True)
class StudentCoupling(SeparableTerm):
    """A Student-t measurement μ ± s of ε_e with ν degrees of freedom; no closed form, no pseudo-data."""

    name: str
    lepton: str
    mean: float
    scale: float
    dof: float
    ndata = 1
    smooth = True

    def mass_part(self, m):
        return np.zeros(np.shape(m))

    def coupling_logl(self, part, eps):
        eps = np.asarray(eps, dtype=float)
        value = -0.5 * (self.dof + 1.0) * np.log1p(((eps - self.mean) / self.scale) ** 2 / self.dof)
        return np.where(eps >= 0, part + value, -np.inf)
