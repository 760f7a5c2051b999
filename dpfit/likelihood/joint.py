"""The joint likelihood: a real sum of terms, and an iminuit cost function.

ln L(m, couplings) = Σ_i ln L_i(m, coupling read by term i). Like
``iminuit.cost.CostSum``: ``+`` (and ``sum``) flatten nested sums into one
:class:`JointLikelihood` whose parts stay reachable by index, and the sum is a
cost function (−2 ln L, errordef 1) with parameters ``m, eps`` (universal
couplings) or ``m, eps_e, eps_mu`` (lepton couplings). Adding two sums of
different coupling modes is refused. As a cost it returns +inf outside its
domain (m < 0, ε < 0, NaN, an excluded point) so that MIGRAD, MINOS and
mnprofile handle it through iminuit's own reporting.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError

from dpfit.likelihood.couplings import CouplingMode, Couplings


@dataclass(frozen=True)
class BandLevel:
    """What a term's piece of the interval algebra holds: ``what`` it is, its probability (None: not
    stated) and whether it is 'two-sided', 'one-sided' or an exclusion's 'CL'."""

    term: str
    what: str
    probability: float | None = None
    sided: str = ""


@dataclass(frozen=True)
class GaussianData:
    """A measurement d ~ N(k x, σ) of x = ε² (pseudo-experiments fluctuate ``observed``): k per unit ε², d and
    σ in the measurement's units (dimensionless Δa for a (g−2) term)."""

    k: float
    observed: float
    sigma: float


@dataclass(frozen=True)
class CountData:
    """A count n ~ Poisson(rate · x) of x = ε² (pseudo-experiments draw n): ``rate`` expected events per unit
    ε², ``observed`` the observed count."""

    rate: float
    observed: int


class Term(abc.ABC):
    """A likelihood term reading the mass m (MeV) and the coupling of ``lepton`` ('e' or 'mu').

    Subclasses implement :meth:`logl` and declare what they can do (see the module docstring); the
    defaults say "nothing": no data, no walls, no closed form, no mass part, no pseudo-experiments.
    """

    name: str
    lepton: str
    ndata: int = 0
    smooth: bool = False
    errordef = 1.0

    @property
    def reads(self) -> str:
        """The name of the coupling this term reads: 'eps_e' or 'eps_mu'."""
        return f"eps_{self.lepton}"

    @property
    def label(self) -> str:
        """How outputs name the term (interval edges, compositions)."""
        return self.name

    @abc.abstractmethod
    def logl(self, m, eps) -> np.ndarray:
        """ln L at masses ``m`` (MeV) and couplings ``eps``; broadcasts; −∞ where excluded."""

    def allowed(self, m: float) -> list[tuple[float, float]] | None:
        """Coupling intervals this term allows at mass m (None: it does not restrict ε)."""
        return None

    def quadratic(self, m) -> tuple[np.ndarray, np.ndarray] | None:
        """(a, b) with −2 ln L = a x² + b x + g(m), x = ε², inside the pieces :meth:`allowed` leaves, at masses
        m (MeV); a ≥ 0 (convex in x). None: no closed form (inference minimises numerically). A term that is
        not :attr:`smooth` is a wall: (0, 0), it does not depend on the coupling where it allows it."""
        if self.smooth:
            return None
        zero = np.zeros(np.shape(m))
        return zero, zero

    def mass_logl(self, m) -> np.ndarray | None:
        """The part of ln L that depends on the mass alone (None: no such part)."""
        return None

    def without_mass_part(self) -> Term:
        """The term with its mass-only part removed (the mass handed to a prior instead, counted once)."""
        return self

    def toy_data(self, m: float) -> GaussianData | CountData | None:
        """How to draw a pseudo-experiment of this term at mass m (MeV); None: nothing to fluctuate (a wall)."""
        return None

    def log_normalisation(self) -> float:
        """The constant that makes exp(ln L) a normalised density of the data (0 where it is already)."""
        return 0.0

    def band(self, m: float, n_sigma: float) -> tuple[list[tuple[float, float]], BandLevel]:
        """(pieces, what they hold) this term allows in the interval algebra at mass m, with ``n_sigma`` the
        width of a measurement's band; a wall's allowed pieces by default (everything without walls)."""
        pieces = self.allowed(m)
        return ([(0.0, np.inf)] if pieces is None else pieces), BandLevel(self.label, "allowed region")

    def mass_breaks(self) -> tuple[float, ...]:
        """Masses (MeV) where the term starts, ends or bends (for mass grids)."""
        return ()

    def mass_window(self) -> tuple[float, float] | None:
        """The masses (MeV) the term says something about (None: every mass)."""
        return None

    def at_mass(self, m: float):
        """ln L as a function of the coupling alone at one mass m (MeV), for the many evaluations of a
        fixed-mass fit; a :class:`SeparableTerm` computes what depends on m once (same values as :meth:`logl`)."""
        return lambda eps: self.logl(m, eps)

    def coupling_edges(self, masses: np.ndarray) -> np.ndarray:
        """The couplings where the allowed set of :meth:`allowed` begins or ends, at each of ``masses``
        (MeV): shape (k, len(masses)), NaN where there are fewer edges; (0, n) for a term that does not
        restrict ε. Vectorised by the step terms; this default asks :meth:`allowed` mass by mass."""
        masses = np.asarray(masses, dtype=float)
        if type(self).allowed is Term.allowed:
            return np.empty((0, masses.size))
        ends = [[e for piece in (self.allowed(float(m)) or []) for e in piece] for m in masses]
        edges = np.full((max(map(len, ends), default=0), masses.size), np.nan)
        for i, values in enumerate(ends):
            edges[: len(values), i] = values
        return edges

    def __call__(self, m: float, eps: float) -> float:
        """−2 ln L at one point, for iminuit: +inf outside the term's domain, never an exception."""
        return cost_value(self.logl, m, eps)

    def __add__(self, other):
        if isinstance(other, JointLikelihood):  # a term takes the coupling mode of the sum it joins
            return JointLikelihood([self] + other.terms, other.couplings)
        if isinstance(other, Term):
            return JointLikelihood([self, other])
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (int, float)) and other == 0:  # sum(terms) starts from 0
            return JointLikelihood([self])
        return NotImplemented


class SeparableTerm(Term):
    """A term whose ln L is :meth:`coupling_logl` of the coupling and of :meth:`mass_part`, what it computes
    from the mass alone: :meth:`logl` composes the two, and :meth:`at_mass` computes the mass part once."""

    @abc.abstractmethod
    def mass_part(self, m):
        """What ln L needs of the masses m (MeV)."""

    @abc.abstractmethod
    def coupling_logl(self, part, eps) -> np.ndarray:
        """ln L at couplings ``eps`` given ``part = mass_part(m)``; broadcasts."""

    def logl(self, m, eps):
        return self.coupling_logl(self.mass_part(m), eps)

    def at_mass(self, m: float):
        part = self.mass_part(m)
        return lambda eps: self.coupling_logl(part, eps)



def intersect(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Intersection of two sorted unions of closed intervals."""
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo, hi = max(lo1, lo2), min(hi1, hi2)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def cost_value(logl, m, *couplings) -> float:
    """−2 ln L at one point as a float; +inf where ln L is −∞ or the point is outside the domain."""
    values = (m, *couplings)
    if not all(np.isfinite(v) and v >= 0 for v in values):
        return np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(-2.0 * logl(*values))
    return value if not np.isnan(value) else np.inf


def _numbers(names, values) -> tuple:
    """(m, couplings) as float arrays; InputError naming the argument for text or NaN."""
    arrays = []
    for name, value in zip(names, values):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise InputError("logl", name, "expected numbers (MeV for m)") from None
        if np.isnan(array).any():
            raise InputError("logl", name, "NaN is not a mass or a coupling")
        arrays.append(array)
    return arrays[0], tuple(arrays[1:])


class JointLikelihood:
    """Sum of terms: ln L(m, couplings) = Σ ln L_i; an iminuit cost (−2 ln L, errordef 1).

    ``couplings`` ('universal' or 'lepton', see :class:`Couplings`) fixes the
    parameters and which coupling each term reads.
    """

    errordef = 1.0

    def __init__(self, terms: Iterable[Term | JointLikelihood], couplings: CouplingMode = "universal"):
        self.mode = Couplings(couplings)
        flat: list[Term] = []
        for term in terms:
            if isinstance(term, JointLikelihood):
                self._check_mode(term)
                flat.extend(term.terms)
            elif isinstance(term, Term):
                flat.append(term)
            else:
                raise TypeError(f"a likelihood sums Term objects, got {type(term).__name__}")
        self.terms: list[Term] = flat
        # iminuit reads parameter names and limits from here (as for iminuit.cost.Cost)
        self._parameters = {p: (0.0, np.inf) for p in self.mode.parameters}

    def _check_mode(self, other: JointLikelihood) -> None:
        if other.mode != self.mode:
            raise InputError("likelihood", "couplings", f"cannot add a likelihood with {other.mode.mode} couplings to "
                                                        f"one with {self.mode.mode} couplings")

    # -- composition
    def __add__(self, other):
        if isinstance(other, JointLikelihood):
            self._check_mode(other)
            return JointLikelihood(self.terms + other.terms, self.couplings)
        if isinstance(other, Term):
            return JointLikelihood(self.terms + [other], self.couplings)
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (int, float)) and other == 0:  # sum([...]) starts from 0
            return self
        if isinstance(other, Term):
            return JointLikelihood([other] + self.terms, self.couplings)
        return NotImplemented

    def __getitem__(self, index: int) -> Term:
        return self.terms[index]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self):
        return iter(self.terms)

    def __repr__(self) -> str:
        return f"JointLikelihood([{', '.join(self.names)}], couplings={self.couplings!r})"

    @property
    def couplings(self) -> CouplingMode:
        """The coupling mode, 'universal' or 'lepton'."""
        return self.mode.mode

    @property
    def parameters(self) -> tuple[str, ...]:
        """('m', 'eps') or ('m', 'eps_e', 'eps_mu')."""
        return self.mode.parameters

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.terms]

    @property
    def ndata(self) -> int:
        """Number of measurements the terms declare (:attr:`Term.ndata`); walls carry none."""
        return sum(t.ndata for t in self.terms)

    def measurements(self) -> list[Term]:
        """The terms whose ln L varies smoothly with the coupling (:attr:`Term.smooth`): what a fit fits."""
        return [t for t in self.terms if t.smooth]

    def quadratic(self, m) -> tuple[np.ndarray, np.ndarray] | None:
        """(A, B) with −2 ln L = A x² + B x + g(m) in x = ε² inside the allowed pieces, summed over the terms
        (:meth:`Term.quadratic`), at masses m (MeV); None when some term has no closed form."""
        total_a = total_b = np.zeros(np.shape(m))
        for term in self.terms:
            coefficients = term.quadratic(m)
            if coefficients is None:
                return None
            total_a, total_b = total_a + coefficients[0], total_b + coefficients[1]
        return np.asarray(total_a, dtype=float), np.asarray(total_b, dtype=float)

    def without_mass_parts(self) -> JointLikelihood:
        """The same likelihood with every term's mass-only part removed (:meth:`Term.without_mass_part`)."""
        return JointLikelihood([t.without_mass_part() for t in self.terms], self.couplings)

    def log_normalisation(self) -> float:
        """Σ of the terms' normalisation constants (:meth:`Term.log_normalisation`)."""
        return float(sum(t.log_normalisation() for t in self.terms))

    def mass_breaks(self) -> list[float]:
        """Every term's :meth:`Term.mass_breaks` (MeV)."""
        return [float(b) for t in self.terms for b in t.mass_breaks()]

    # -- evaluation
    def coupling_of(self, lepton: str, couplings: tuple) -> np.ndarray:
        """The coupling a term of ``lepton`` reads from the parameter values."""
        return couplings[self.mode.column_of(lepton)]

    def logl(self, m, *couplings) -> np.ndarray:
        """Joint ln L at masses m (MeV) and couplings (ε, or ε_e and ε_μ); broadcasts."""
        if len(couplings) != len(self.mode.names):
            raise TypeError(f"expected couplings {self.mode.names}, got {len(couplings)} arrays")
        m, couplings = _numbers(("m", *self.mode.names), (m, *couplings))
        total = np.zeros(np.broadcast_shapes(np.shape(m), *map(np.shape, couplings)))
        with np.errstate(over="ignore"):  # two finite ln L near -1e308 sum to -inf
            for term in self.terms:
                total = total + term.logl(m, self.coupling_of(term.lepton, couplings))
        return total

    def at_mass(self, m: float):
        """ln L as a function of the couplings alone at one mass m (MeV), equal to ``logl(m, ...)``: each
        term computes what depends on the mass once (:meth:`Term.at_mass`), for the many evaluations of a
        fixed-mass fit."""
        fixed = [(term.at_mass(float(m)), self.mode.column_of(term.lepton)) for term in self.terms]

        def logl(*couplings):
            couplings = [np.asarray(c, dtype=float) for c in couplings]
            total = np.zeros(np.broadcast_shapes(*map(np.shape, couplings)))
            with np.errstate(over="ignore"):
                for term_logl, column in fixed:
                    total = total + term_logl(couplings[column])
            return total

        return logl

    def __call__(self, *args) -> float:
        """−2 ln L at scalar parameters (m, couplings...), for iminuit; +inf outside the domain."""
        return cost_value(self.logl, *args)

    # -- structure
    def part(self, parameter: str) -> JointLikelihood:
        """A universal-mode likelihood of the terms that read ``parameter`` (all of them in universal mode).

        In lepton mode χ² separates into χ²_e(ε_e) + χ²_μ(ε_μ), so profiling one
        coupling is minimising its own part.
        """
        if parameter not in self.mode.names:
            raise InputError("likelihood", "parameter", f"no coupling parameter '{parameter}'; this likelihood has "
                                                        f"{', '.join(self.mode.names)}")
        return JointLikelihood([t for t in self.terms if self.mode.parameter_of(t.lepton) == parameter])

    def parts(self) -> dict[str, JointLikelihood]:
        """Coupling parameter -> :meth:`part`, for the parameters some term reads."""
        return {p: part for p in self.mode.names if len(part := self.part(p))}

    def allowed(self, m: float, lepton: str | None = None) -> list[tuple[float, float]]:
        """The coupling intervals allowed by every step term (of ``lepton``'s coupling in lepton mode) at mass m."""
        pieces = [(0.0, np.inf)]
        for term in self.terms:
            if lepton is not None and self.mode.parameter_of(term.lepton) != self.mode.parameter_of(lepton):
                continue
            allowed = term.allowed(m)
            if allowed is not None:
                pieces = intersect(pieces, allowed)
        return pieces

    def coupling_edges(self, masses) -> np.ndarray:
        """Every term's coupling edges (:meth:`Term.coupling_edges`) at ``masses`` (MeV), stacked: shape
        (k, len(masses)), NaN where a term has fewer edges."""
        masses = np.atleast_1d(np.asarray(masses, dtype=float))
        return np.vstack([np.empty((0, masses.size))] + [term.coupling_edges(masses) for term in self.terms])

    def default_mass_range(self) -> tuple[float, float] | None:
        """A mass range (MeV) for free-mass work when none is given: the mass window of a term that measures
        the mass (:meth:`Term.mass_logl`: a preferred region, m0 ± σ for a box, ± 3σ for a Gaussian), else the
        span of the other terms' mass windows (the exclusions'); None without either."""
        windows = [(t.mass_logl(1.0) is not None, t.mass_window()) for t in self.terms if t.mass_window()]
        measured = [w for has_mass, w in windows if has_mass]
        if measured:
            return tuple(measured[0])
        if windows:
            return (min(w[0] for _, w in windows), max(w[1] for _, w in windows))
        return None
