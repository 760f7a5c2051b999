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

from collections.abc import Iterable

import numpy as np

from dpfit.errors import InputError

from dpfit.likelihood.couplings import CouplingMode, Couplings
from dpfit.likelihood.terms import Gm2Gaussian, PreferredRegion, Term, intersect


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
            raise ValueError(f"cannot add a likelihood with {other.mode.mode} couplings to one with "
                             f"{self.mode.mode} couplings")

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
            raise ValueError(f"no coupling parameter '{parameter}'; this likelihood has {', '.join(self.mode.names)}")
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

    def gaussian_terms(self, lepton: str | None = None) -> list[Gm2Gaussian]:
        """The (g−2) terms (of one lepton's coupling in lepton mode)."""
        return [t for t in self.terms if isinstance(t, Gm2Gaussian)
                and (lepton is None or self.mode.parameter_of(t.lepton) == self.mode.parameter_of(lepton))]

    def region(self) -> PreferredRegion | None:
        """The preferred-region term, if there is one."""
        return next((t for t in self.terms if isinstance(t, PreferredRegion)), None)

    def default_mass_range(self) -> tuple[float, float] | None:
        """A mass range (MeV) for free-mass work when none is given: the region's (m0 ± σ for a box,
        ± 3σ for a Gaussian), else the span of the exclusions' mass ranges; None without either."""
        region = self.region()
        if region is not None:
            return region.mass_range()
        ranges = [t.mass_range for t in self.terms if isinstance(getattr(t, "mass_range", None), tuple)]
        if ranges:
            return (min(r[0] for r in ranges), max(r[1] for r in ranges))
        return None
