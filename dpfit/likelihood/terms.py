"""Likelihood terms over (m, ε) and their sum.

Each term reads the coupling of one lepton (``term.lepton``) and returns
ln L on numpy arrays of any (broadcastable) shape in one vectorised call:

- :class:`Gm2Gaussian`: −2 ln L = ((δa_ℓ(m, ε) − Δa)/σ)², ε ≥ 0 (physics.md §3);
- :class:`Exclusion`: ln L = −∞ inside the excluded band, 0 elsewhere, and no
  effect outside the mass range where the limit exists;
- :class:`PreferredRegion`: 0 inside, −∞ outside (optionally Gaussian in m).

Terms add with ``+`` into a :class:`JointLikelihood`, which flattens nested
sums, keeps its parts reachable by index, and is an iminuit cost function
(−2 ln L with errordef 1, parameters ``m, eps`` or ``m, eps_e, eps_mu``), in the
spirit of ``iminuit.cost.CostSum``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dpfit.physics.loops import loop_vector, mass_ratio

#: Parameters of the two coupling modes.
PARAMETERS = {"universal": ("m", "eps"), "lepton": ("m", "eps_e", "eps_mu")}


class Term:
    """A likelihood term reading the mass m (MeV) and the coupling of ``lepton``."""

    name: str
    lepton: str

    def logl(self, m, eps):
        """ln L at masses ``m`` (MeV) and couplings ``eps``; broadcasts."""
        raise NotImplementedError

    def allowed(self, m: float) -> list[tuple[float, float]] | None:
        """Coupling intervals this term allows at mass m (None: it does not restrict ε)."""
        return None

    def __add__(self, other: Term | JointLikelihood) -> JointLikelihood:
        return JointLikelihood([self]) + other


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
    decays (BR(X→e⁺e⁻) = 1) an invisible width Γ_inv = R Γ_ee moves the upper
    edge to upper/sqrt(1+R) (physics.md §2); the lower edge stays.
    """

    name: str
    lepton: str
    mass: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)
    mass_range: tuple[float, float]
    invisible_ratio: float = 0.0
    visible_decay: bool = True

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
    −½((m − m0)/σ_m)² instead of the box.
    """

    name: str
    lepton: str
    mass0: float
    mass_sigma: float
    eps_lower: float
    eps_upper: float
    mass_model: str = "box"

    def mass_logl(self, m):
        m = np.asarray(m, dtype=float)
        if self.mass_model == "gaussian":
            return -0.5 * ((m - self.mass0) / self.mass_sigma) ** 2
        return np.where(np.abs(m - self.mass0) <= self.mass_sigma, 0.0, -np.inf)

    def logl(self, m, eps):
        eps = np.asarray(eps, dtype=float)
        inside = (eps >= self.eps_lower) & (eps <= self.eps_upper)
        return np.where(inside, self.mass_logl(m), -np.inf)

    def allowed(self, m: float):
        if not np.isfinite(self.mass_logl(m)):
            return []
        return [(self.eps_lower, self.eps_upper)]


def intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Intersection of two sorted unions of closed intervals."""
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


class JointLikelihood:
    """Sum of terms: ln L(m, couplings) = Σ ln L_i; an iminuit cost (−2 ln L, errordef 1).

    ``couplings='universal'`` gives parameters (m, eps); ``'lepton'`` gives
    (m, eps_e, eps_mu), each term reading its own lepton's coupling.
    """

    errordef = 1.0

    def __init__(self, terms, couplings: str = "universal"):
        flat = []
        for term in terms:
            flat.extend(term.terms if isinstance(term, JointLikelihood) else [term])
        self.terms = flat
        self.couplings = couplings
        self.parameters = PARAMETERS[couplings]
        self._parameters = {"m": (0.0, None), **{p: (0.0, None) for p in self.parameters[1:]}}

    def __add__(self, other):
        others = other.terms if isinstance(other, JointLikelihood) else [other]
        return JointLikelihood(self.terms + others, self.couplings)

    def __getitem__(self, index: int) -> Term:
        return self.terms[index]

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.terms]

    def coupling_of(self, lepton: str, couplings: tuple) -> np.ndarray:
        """The coupling a term of ``lepton`` reads from the parameter values."""
        if self.couplings == "universal":
            return couplings[0]
        return couplings[0] if lepton == "e" else couplings[1]

    def logl(self, m, *couplings):
        """Joint ln L at masses m (MeV) and couplings (ε, or ε_e and ε_μ); broadcasts."""
        if len(couplings) != len(self.parameters) - 1:
            raise TypeError(f"expected couplings {self.parameters[1:]}, got {len(couplings)} arrays")
        total = np.zeros(np.broadcast_shapes(np.shape(m), *map(np.shape, couplings)))
        with np.errstate(over="ignore"):  # two finite ln L near -1e308 sum to -inf
            for term in self.terms:
                total = total + term.logl(m, self.coupling_of(term.lepton, couplings))
        return total

    def __call__(self, *args) -> float:
        """−2 ln L at scalar parameters (m, couplings...), for iminuit."""
        return float(-2.0 * self.logl(args[0], *args[1:]))

    def allowed(self, m: float, lepton: str | None = None) -> list[tuple[float, float]]:
        """The coupling intervals allowed by every step term of ``lepton`` at mass m.

        In universal mode all terms restrict the one coupling (lepton=None).
        """
        pieces = [(0.0, np.inf)]
        for term in self.terms:
            if lepton is not None and self.couplings == "lepton" and term.lepton != lepton:
                continue
            allowed = term.allowed(m)
            if allowed is not None:
                pieces = intersect(pieces, allowed)
        return pieces

    def gaussian_terms(self, lepton: str | None = None) -> list[Gm2Gaussian]:
        """The (g−2) terms (of one lepton's coupling in lepton mode)."""
        return [t for t in self.terms if isinstance(t, Gm2Gaussian)
                and (lepton is None or self.couplings == "universal" or t.lepton == lepton)]
