"""Likelihood terms over (m, ε): the abstract :class:`Term` and the three kinds dpfit's cards make.

Each term reads the mass m (MeV) and the coupling of one lepton
(``term.lepton``) and returns ln L on numpy arrays of any broadcastable shape:

- :class:`Gm2Gaussian`: −2 ln L = ((δa_ℓ(m, ε) − Δa)/σ)², ε ≥ 0, with
  δa_ℓ = (α ε²/2π) F_V(m/m_ℓ) (Pospelov, PRD 80 (2009) 095002, eq. 2);
- :class:`Exclusion`: ln L = −∞ inside the excluded band, 0 elsewhere, and no
  effect outside the mass range where the limit exists;
- :class:`PreferredRegion`: 0 inside, −∞ outside (optionally Gaussian in m).

Like ``iminuit.cost.Cost``, a term is a cost function (−2 ln L, errordef 1)
and terms add with ``+`` (and ``sum``) into a
:class:`dpfit.likelihood.joint.JointLikelihood`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

import numpy as np

from dpfit.physics.loops import loop_vector, mass_ratio


class Term(abc.ABC):
    """A likelihood term reading the mass m (MeV) and the coupling of ``lepton`` ('e' or 'mu').

    Subclasses implement :meth:`logl`; a step term also implements
    :meth:`allowed`. ``ndata`` counts the measurements the term holds (the
    degrees of freedom it brings to a goodness of fit; 0 for a step term).
    """

    name: str
    lepton: str
    ndata: int = 0
    errordef = 1.0

    @abc.abstractmethod
    def logl(self, m, eps) -> np.ndarray:
        """ln L at masses ``m`` (MeV) and couplings ``eps``; broadcasts; −∞ where excluded."""

    def allowed(self, m: float) -> list[tuple[float, float]] | None:
        """Coupling intervals this term allows at mass m (None: it does not restrict ε)."""
        return None

    def __call__(self, m: float, eps: float) -> float:
        """−2 ln L at one point, for iminuit: +inf outside the term's domain, never an exception."""
        from dpfit.likelihood.joint import cost_value

        return cost_value(self.logl, m, eps)

    def __add__(self, other):
        from dpfit.likelihood.joint import JointLikelihood

        if isinstance(other, JointLikelihood):  # a term takes the coupling mode of the sum it joins
            return JointLikelihood([self] + other.terms, other.couplings)
        if isinstance(other, Term):
            return JointLikelihood([self, other])
        return NotImplemented

    def __radd__(self, other):
        from dpfit.likelihood.joint import JointLikelihood

        if isinstance(other, (int, float)) and other == 0:  # sum(terms) starts from 0
            return JointLikelihood([self])
        return NotImplemented


@dataclass(frozen=True)
class Gm2Gaussian(Term):
    """Gaussian in a lepton's anomalous moment: −2 ln L = ((δa(m, ε) − Δa)/σ)², ε ≥ 0.

    δa(m, ε) = (α ε²/2π) F_V(m/m_ℓ) (Pospelov 2009, eq. 2). Δa, σ dimensionless;
    lepton_mass in MeV.
    """

    name: str
    lepton: str
    scenario: str
    delta: float
    sigma: float
    lepton_mass: float
    alpha: float
    ndata = 1

    def shift_per_eps2(self, m):
        """k(m) = α F_V(m/m_ℓ)/2π, so that δa = k ε²."""
        return self.alpha / (2.0 * np.pi) * loop_vector(mass_ratio(m, self.lepton_mass))

    def logl(self, m, eps):
        """−½ pull²; −∞ for ε < 0 and where the pull overflows (ε ≳ 1e74)."""
        eps = np.asarray(eps, dtype=float)
        with np.errstate(over="ignore"):
            pull = (self.shift_per_eps2(m) * eps * eps - self.delta) / self.sigma
            return np.where(eps >= 0.0, -0.5 * pull * pull, -np.inf)


@dataclass(frozen=True)
class Exclusion(Term):
    """Step term of an exclusion: lower(m) < ε < upper(m) is excluded inside [m_lo, m_hi].

    The band is interpolated linearly in (ln m, ln ε) between contour points
    (a single point applies over the whole mass range). For a limit on visible
    decays (BR(X→e⁺e⁻) = 1) an invisible width Γ_inv = R Γ_ee reduces the
    signal by 1/(1+R), which moves the upper edge (set by the decay length) to
    upper/sqrt(1+R) to first order; the lower edge stays.
    """

    name: str
    lepton: str
    mass: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    mass_range: tuple[float, float]
    invisible_ratio: float = 0.0
    visible_decay: bool = True
    cl: float | None = None

    def edges(self, m):
        """(lower, upper) edges of the excluded band at masses m; NaN outside the mass range."""
        m = np.asarray(m, dtype=float)
        inside = (m >= self.mass_range[0]) & (m <= self.mass_range[1])
        if self.mass.size == 1:
            lo = np.full(m.shape, self.lower[0])
            hi = np.full(m.shape, self.upper[0])
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                logm = np.log(np.where(m > 0, m, np.nan))
            grid = np.log(self.mass)
            lo = np.exp(np.interp(logm, grid, np.log(self.lower)))
            hi = np.exp(np.interp(logm, grid, np.log(self.upper)))  # log(inf) = inf: open above
            inside &= (m >= self.mass[0]) & (m <= self.mass[-1])
        if self.visible_decay and self.invisible_ratio:
            hi = hi / np.sqrt(1.0 + self.invisible_ratio)
        return np.where(inside, lo, np.nan), np.where(inside, hi, np.nan)

    def logl(self, m, eps):
        lo, hi = self.edges(m)
        eps = np.asarray(eps, dtype=float)
        excluded = (eps > lo) & (eps < hi)  # NaN edges (outside the mass range) compare False
        return np.where(excluded, -np.inf, 0.0)

    def allowed(self, m: float):
        lo, hi = (float(v) for v in self.edges(m))
        if not np.isfinite(lo) or hi <= lo:
            return [(0.0, np.inf)]
        return [(0.0, lo)] + ([(hi, np.inf)] if np.isfinite(hi) else [])


@dataclass(frozen=True)
class PreferredRegion(Term):
    """Preferred region: ε_lo ≤ ε ≤ ε_hi, and m within m0 ± σ_m (box) or Gaussian in m.

    ln L = 0 inside, −∞ outside; with ``mass_model='gaussian'`` the mass adds
    −½((m − m0)/σ_m)² instead of the box, and ``'none'`` leaves the mass free
    (used when the region's mass is the posterior's prior, not counted twice).
    """

    name: str
    lepton: str
    mass0: float
    mass_sigma: float
    eps_lower: float
    eps_upper: float
    mass_model: str = "box"

    @property
    def ndata(self) -> int:
        """A Gaussian mass is a measurement (one degree of freedom); a box is a step."""
        return 1 if self.mass_model == "gaussian" else 0

    def mass_logl(self, m):
        """ln L of the mass: a box [m0 − σ, m0 + σ] (edges as the mass range computes them, so that its end
        points are inside), −½((m − m0)/σ)² for a Gaussian, 0 for 'none' (the mass left to a prior)."""
        m = np.asarray(m, dtype=float)
        if self.mass_model == "gaussian":
            return -0.5 * ((m - self.mass0) / self.mass_sigma) ** 2
        if self.mass_model == "none":
            return np.zeros(m.shape)
        lo, hi = self.mass_range()
        return np.where((m >= lo) & (m <= hi), 0.0, -np.inf)

    def logl(self, m, eps):
        eps = np.asarray(eps, dtype=float)
        inside = (eps >= self.eps_lower) & (eps <= self.eps_upper)
        return np.where(inside, self.mass_logl(m), -np.inf)

    def allowed(self, m: float):
        if not np.isfinite(self.mass_logl(m)):
            return []
        return [(self.eps_lower, self.eps_upper)]

    def mass_range(self, widths: float = 1.0) -> tuple[float, float]:
        """m0 ± widths·σ_m (MeV)."""
        return (self.mass0 - widths * self.mass_sigma, self.mass0 + widths * self.mass_sigma)


def intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Intersection of two sorted unions of closed intervals."""
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)
