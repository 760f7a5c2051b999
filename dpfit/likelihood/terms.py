"""Likelihood terms over (m, ε): the abstract :class:`Term`, what a term can declare, and the kinds dpfit's
cards make.

Each term reads the mass m (MeV) and the coupling of one lepton (``term.lepton``; its parameter name is
``term.reads``, ``eps_e`` or ``eps_mu``, which a :class:`dpfit.likelihood.joint.JointLikelihood` maps to
its own parameters by name) and returns ln L on numpy arrays of any broadcastable shape. Inference never
asks a term's class: it asks what the term declares (see :class:`Term`):

- ``ndata``: measurements it holds (degrees of freedom for a goodness of fit);
- ``smooth``: ln L varies continuously with the coupling (a measurement of it), as opposed to a hard wall;
- :meth:`Term.quadratic`: −2 ln L = a x² + b x + g(m) in x = ε² inside the allowed pieces (closed-form
  profiles and toys), or None (then inference minimises numerically);
- :meth:`Term.allowed` / :meth:`Term.coupling_edges`: hard walls;
- :meth:`Term.mass_logl` / :meth:`Term.without_mass_part`: a part that depends on the mass alone;
- :meth:`Term.toy_data`: how to draw a pseudo-experiment (:class:`GaussianData`, :class:`CountData`);
- :meth:`Term.band`: what the term allows in the source paper's interval algebra, and at which level.

The kinds:

- :class:`Gm2Gaussian`: −2 ln L = ((δa_ℓ(m, ε) − Δa)/σ)², ε ≥ 0, with
  δa_ℓ = (α ε²/2π) F_V(m/m_ℓ) (Pospelov, PRD 80 (2009) 095002, eq. 2);
- :class:`Exclusion`: ln L = −∞ inside the excluded band, 0 elsewhere, and no
  effect outside the mass range where the limit exists;
- :class:`PoissonLimit`: a one-sided limit read as zero observed events, −2 ln L = 2 N_c (ε/ε_up)²;
- :class:`PreferredRegion`: 0 inside, −∞ outside (optionally Gaussian in m).

Like ``iminuit.cost.Cost``, a term is a cost function (−2 ln L, errordef 1)
and terms add with ``+`` (and ``sum``) into a
:class:`dpfit.likelihood.joint.JointLikelihood`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from dpfit.likelihood.joint import BandLevel, CountData, GaussianData, SeparableTerm, Term, intersect  # noqa: F401
from dpfit.physics.loops import loop_axial, loop_vector, mass_ratio


@dataclass(frozen=True)
class Gm2Gaussian(SeparableTerm):
    """Gaussian in a lepton's anomalous moment: −2 ln L = ((δa(m, ε) − Δa)/σ)², ε ≥ 0.

    δa(m, ε) = ε² [Q_V² (α/2π) F_V(r) − Q_A² (α/π)(m_ℓ/m)² H(r)], r = m/m_ℓ, with Q_V and Q_A the vector and
    axial charges of the lepton per unit ε (the source paper's Eq. 3–5; Pospelov 2009, eq. 2; Leveille,
    Nucl. Phys. B137 (1978) 63): a dark photon has Q_V² = 1, Q_A = 0. Δa, σ dimensionless; lepton_mass in MeV.
    """

    name: str
    lepton: str
    scenario: str
    delta: float
    sigma: float
    lepton_mass: float
    alpha: float
    vector_charge2: float = 1.0
    axial_charge2: float = 0.0
    ndata = 1
    smooth = True

    @property
    def label(self) -> str:
        return f"gm2:{self.scenario}"

    def shift_per_eps2(self, m):
        """k(m) with δa = k ε²: Q_V² α F_V(r)/2π − Q_A² (α/π)(m_ℓ/m)² H(r) (negative for an axial boson)."""
        r = mass_ratio(m, self.lepton_mass)
        k = self.vector_charge2 * self.alpha / (2.0 * np.pi) * loop_vector(r)
        if self.axial_charge2:
            with np.errstate(divide="ignore", invalid="ignore"):
                k = k - self.axial_charge2 * self.alpha / np.pi * loop_axial(r) / (r * r)
        return k

    mass_part = shift_per_eps2

    def quadratic(self, m):
        """((k/σ)², −2kΔ/σ²): the pull² expanded in x = ε²."""
        k = self.shift_per_eps2(m)
        return (k / self.sigma) ** 2, -2.0 * k * self.delta / self.sigma**2

    def toy_data(self, m: float) -> GaussianData:
        return GaussianData(float(self.shift_per_eps2(m)), self.delta, self.sigma)

    def log_normalisation(self) -> float:
        """−ln(σ √(2π)): the Gaussian density of Δa."""
        return float(-np.log(self.sigma * np.sqrt(2.0 * np.pi)))

    def band(self, m: float, n_sigma: float):
        """ε where δa(m, ε) = k ε² lies within Δa ± nσ (the source paper's band; empty where no ε ≥ 0 reaches it,
        e.g. Δa + nσ < 0 for a vector boson, k > 0)."""
        k = float(self.shift_per_eps2(m))
        ends = sorted(((self.delta - n_sigma * self.sigma) / k, (self.delta + n_sigma * self.sigma) / k))
        text = BandLevel(self.label, f"Delta a +- {n_sigma:g} sigma band", math.erf(n_sigma / math.sqrt(2.0)),
                         "two-sided")
        if ends[1] < 0:
            return [], text
        return [(math.sqrt(max(ends[0], 0.0)), math.sqrt(ends[1]))], text

    def coupling_logl(self, k, eps):
        """−½ pull² with k = k(m); −∞ for ε < 0 and where the pull overflows (ε ≳ 1e74)."""
        eps = np.asarray(eps, dtype=float)
        with np.errstate(over="ignore"):
            pull = (k * eps * eps - self.delta) / self.sigma
            return np.where(eps >= 0.0, -0.5 * pull * pull, -np.inf)


def covered(m, mass: np.ndarray, mass_range: tuple[float, float]) -> np.ndarray:
    """True at masses m (MeV) inside ``mass_range`` and, for a contour of several points, its mass span."""
    m = np.asarray(m, dtype=float)
    inside = (m >= mass_range[0]) & (m <= mass_range[1])
    if mass.size > 1:
        inside &= (m >= mass[0]) & (m <= mass[-1])
    return inside


def loglog_interp(m, mass: np.ndarray, values: np.ndarray) -> np.ndarray:
    """values interpolated linearly in (ln m, ln value) at masses m; a single point is constant."""
    m = np.asarray(m, dtype=float)
    if mass.size == 1:
        return np.full(m.shape, values[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        logm = np.log(np.where(m > 0, m, np.nan))
    return np.exp(np.interp(logm, np.log(mass), np.log(values)))


class _MassRange:
    """A limit's mass window: its card's mass range."""

    def mass_window(self) -> tuple[float, float]:
        return tuple(self.mass_range)


@dataclass(frozen=True)
class Exclusion(_MassRange, SeparableTerm):
    """Step term of an exclusion: ε inside any excluded band lower_b(m) < ε < upper_b(m) is
    excluded, inside [m_lo, m_hi] and the contour's own mass span.

    ``lower``/``upper`` have shape (n,) for one band or (bands, n) for several
    (the union of the bands is excluded). The bands are interpolated linearly
    in (ln m, ln ε) between contour points (a single point applies over the
    whole mass range). For a limit on visible decays (BR(X→e⁺e⁻) = 1) an
    invisible width Γ_inv = R Γ_ee reduces the signal by 1/(1+R) and the
    lifetime by the same factor. For a closed band (a beam dump) that moves
    each upper edge (set by the decay length) to upper/sqrt(1+R) to first
    order and leaves the lower edge (yield ∝ ε²·BR·L/γcτ ∝ ε⁴, R cancels);
    for a band open above (a prompt search, yield ∝ ε²/(1+R)) it moves the
    limit up to lower·sqrt(1+R) (Ilten, Soreq, Williams, Xue, JHEP 06 (2018)
    004, sect. 2: a limit scales with the branching fraction of the searched
    decay).
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

    @property
    def bands(self) -> int:
        """Number of excluded bands (1 for 1-D edge arrays)."""
        return 1 if np.ndim(self.lower) == 1 else int(np.shape(self.lower)[0])

    def covered(self, m) -> np.ndarray:
        """True where the limit exists: inside the mass range and the contour's mass span."""
        return covered(m, self.mass, self.mass_range)

    def _band(self, m, lower, upper):
        return loglog_interp(m, self.mass, lower), loglog_interp(m, self.mass, upper)  # log(inf) = inf: open above

    def band_edges(self, m):
        """(lower, upper) of every band at masses m, shape (bands, *m.shape); NaN outside the mass range."""
        m = np.asarray(m, dtype=float)
        inside = self.covered(m)
        lower, upper = np.atleast_2d(self.lower), np.atleast_2d(self.upper)
        rescale = self.visible_decay and self.invisible_ratio
        if rescale:  # a band open above is a prompt search's limit: it moves up (scaled before interpolating)
            lower = np.where(np.isinf(upper), lower * np.sqrt(1.0 + self.invisible_ratio), lower)
        los, his = zip(*(self._band(m, lower[b], upper[b]) for b in range(lower.shape[0])))
        lo, hi = np.array(los), np.array(his)
        if rescale:
            hi = hi / np.sqrt(1.0 + self.invisible_ratio)
        return np.where(inside, lo, np.nan), np.where(inside, hi, np.nan)

    def edges(self, m):
        """(lower, upper) edges of the excluded band at masses m; NaN outside the mass range.
        With several bands, arrays of shape (bands, *m.shape) (see :meth:`band_edges`)."""
        lo, hi = self.band_edges(m)
        return (lo[0], hi[0]) if self.bands == 1 else (lo, hi)

    mass_part = band_edges

    def coupling_logl(self, edges, eps):
        """0 outside every band, −∞ inside one, given ``edges = band_edges(m)``."""
        lo, hi = edges
        eps = np.asarray(eps, dtype=float)
        excluded = np.zeros(np.broadcast_shapes(lo.shape[1:], eps.shape), dtype=bool)
        for low, high in zip(lo, hi):  # NaN edges (outside the mass range) compare False
            excluded |= (eps > low) & (eps < high)
        return np.where(excluded, -np.inf, 0.0)

    def coupling_edges(self, masses: np.ndarray) -> np.ndarray:
        """Both edges of every band at ``masses``, shape (2 × bands, n); NaN outside the mass range."""
        lo, hi = self.band_edges(np.asarray(masses, dtype=float))
        return np.concatenate([lo, hi])

    def band(self, m: float, n_sigma: float):
        return self.allowed(m), BandLevel(self.name, "excluded region", self.cl, "CL")

    def mass_breaks(self) -> tuple[float, ...]:
        return tuple(self.mass_range) + (tuple(float(v) for v in self.mass) if self.mass.size > 1 else ())

    def allowed(self, m: float):
        """The complement of the union of the excluded bands at mass m, as sorted pieces."""
        lo, hi = self.band_edges(m)
        pieces = [(0.0, np.inf)]
        for low, high in zip(lo.reshape(-1), hi.reshape(-1)):
            if not np.isfinite(low) or high <= low:
                continue
            keep = [(0.0, float(low))] + ([(float(high), np.inf)] if np.isfinite(high) else [])
            pieces = intersect(pieces, keep)
        return pieces


@dataclass(frozen=True)
class PoissonLimit(_MassRange, SeparableTerm):
    """A one-sided upper limit ε_up(m) read as a counting experiment with zero observed events and
    no background: the expected signal is N_c (ε/ε_up)², N_c = −ln(1 − CL), so

        −2 ln L = 2 N_c (ε/ε_up(m))²,

    which is Δχ² = 2 N_c at the published limit (4.61 at 90 % CL; Feldman & Cousins,
    PRD 57 (1998) 3873, table for n = 0, b = 0 gives the same 2.30 events for the upper
    limit). Applies inside [m_lo, m_hi] and the contour's mass span; ε_up interpolated
    linearly in (ln m, ln ε); a visible-decay search's ε_up moves to ε_up·sqrt(1+R) with
    an invisible width (yield ∝ ε²/(1+R)).
    """

    name: str
    lepton: str
    mass: np.ndarray = field(repr=False)
    limit: np.ndarray = field(repr=False)
    mass_range: tuple[float, float]
    cl: float
    invisible_ratio: float = 0.0
    visible_decay: bool = True
    ndata = 1
    smooth = True

    @property
    def signal_at_limit(self) -> float:
        """N_c = −ln(1 − CL): expected signal events at the limit."""
        return -np.log1p(-self.cl)

    def limit_at(self, m):
        """ε_up at masses m (NaN outside the mass range)."""
        up = loglog_interp(m, self.mass, self.limit)
        if self.visible_decay and self.invisible_ratio:
            up = up * np.sqrt(1.0 + self.invisible_ratio)
        return np.where(covered(m, self.mass, self.mass_range), up, np.nan)

    mass_part = limit_at

    def coupling_logl(self, up, eps):
        """−N_c (ε/ε_up)² inside the mass range (``up = limit_at(m)``), 0 outside; −∞ for ε < 0."""
        eps = np.asarray(eps, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            value = np.where(np.isnan(up), 0.0, -self.signal_at_limit * (eps / up) ** 2)
        return np.where(eps >= 0.0, value, -np.inf)

    def quadratic(self, m):
        """(0, 2 N_c/ε_up²): −2 ln L is linear in x = ε² (0 outside the mass range)."""
        up = self.limit_at(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            b = np.where(np.isnan(up), 0.0, 2.0 * self.signal_at_limit / up**2)
        return np.zeros(np.shape(b)), b

    def toy_data(self, m: float) -> CountData:
        """Zero observed events, N_c/ε_up² expected per unit ε² (none outside the mass range)."""
        up = float(self.limit_at(m))
        return CountData(0.0 if np.isnan(up) else self.signal_at_limit / up**2, 0)

    def band(self, m: float, n_sigma: float):
        up = float(self.limit_at(m))
        text = BandLevel(self.name, "upper limit (zero observed events, no background)", self.cl, "one-sided")
        return ([(0.0, np.inf)] if np.isnan(up) else [(0.0, up)]), text

    def mass_breaks(self) -> tuple[float, ...]:
        return tuple(self.mass_range) + (tuple(float(v) for v in self.mass) if self.mass.size > 1 else ())


@dataclass(frozen=True)
class PreferredRegion(SeparableTerm):
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

    mass_part = mass_logl

    def coupling_logl(self, mass_part, eps):
        """``mass_part = mass_logl(m)`` inside [ε_lo, ε_hi], −∞ outside."""
        eps = np.asarray(eps, dtype=float)
        inside = (eps >= self.eps_lower) & (eps <= self.eps_upper)
        return np.where(inside, mass_part, -np.inf)

    def allowed(self, m: float):
        if not np.isfinite(self.mass_logl(m)):
            return []
        return [(self.eps_lower, self.eps_upper)]

    def without_mass_part(self) -> PreferredRegion:
        """The region with its mass left free (the mass then comes from a prior)."""
        return dataclasses.replace(self, mass_model="none")

    def band(self, m: float, n_sigma: float):
        return self.allowed(m), BandLevel(self.name, "preferred region, a box")

    def mass_breaks(self) -> tuple[float, ...]:
        return self.mass_range() if self.mass_model == "box" else ()

    def mass_window(self) -> tuple[float, float]:
        return self.mass_range()

    def coupling_edges(self, masses: np.ndarray) -> np.ndarray:
        """ε_lo and ε_hi at the masses the region allows, NaN elsewhere; shape (2, n)."""
        inside = np.isfinite(self.mass_logl(masses))
        return np.where(inside, np.array([[self.eps_lower], [self.eps_upper]]), np.nan)

    def mass_range(self) -> tuple[float, float]:
        """The masses the region covers (MeV): m0 ± σ_m for a box (its edges), m0 ± 3σ_m for a Gaussian."""
        width = (3.0 if self.mass_model == "gaussian" else 1.0) * self.mass_sigma
        return (self.mass0 - width, self.mass0 + width)


def gm2_terms(joint) -> list[Gm2Gaussian]:
    """The (g−2) terms of a likelihood (for their bands: k(m), Δa, σ)."""
    return [t for t in joint.terms if isinstance(t, Gm2Gaussian)]
