"""Compatibility of the measurement terms under the model: each term's own fit and every pair's tension.

At a fixed mass each (g−2) measurement alone, and each pair of measurements
reading the same coupling, is fitted under the model (δa = k ε², ε ≥ 0; the
step terms are left out: they carry no measurement), and the pair's parameter goodness of fit
χ²_PG = χ²_min(a+b) − χ²_min(a) − χ²_min(b) (Maltoni & Schwetz, PRD 68 (2003)
033020) gives the tension in σ (:mod:`dpfit.inference.profile.gof`).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from dpfit.errors import NoAllowedRegion
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.profile.gof import GoodnessOfFit, Tension, tension
from dpfit.likelihood.joint import JointLikelihood
from dpfit.notes import Note, note


@dataclass(frozen=True)
class Compatibility:
    """Each (g−2) term's own goodness of fit and the pairwise tensions at one mass (MeV)."""

    mass: float
    single: dict[str, GoodnessOfFit]
    pairs: list[Tension]

    def worst(self) -> Note | None:
        """The largest disagreement: a pair's tension or a single term's own misfit (None if none)."""
        candidates = [(t.p_value, i, note("pair_tension", first=t.first, second=t.second, significance=t.significance,
                                          chi2_pg=t.chi2_pg, ndof=t.ndof))
                      for i, t in enumerate(self.pairs) if t.p_value is not None]
        candidates += [(g.p_value, len(self.pairs) + i, note("term_misfit", term=name, significance=g.significance,
                                                             chi2_min=g.chi2_min))
                       for i, (name, g) in enumerate(self.single.items()) if g.p_value is not None]
        return min(candidates)[2] if candidates else None

    def to_dict(self) -> dict:
        return {"mass_MeV": self.mass, "single": {k: g.to_dict() for k, g in self.single.items()},
                "pairs": [t.to_dict() for t in self.pairs], "worst": self.worst()}


def _chi2_min(terms: list, couplings: str, mass: float) -> tuple[float, GoodnessOfFit]:
    result = fit_fixed_mass(JointLikelihood(terms, couplings), mass)
    return result.chi2_min, result.gof


def compatibility(joint: JointLikelihood, mass: float) -> Compatibility:
    """The goodness of fit of each measurement term alone and the tension of each pair, at mass (MeV)."""
    gauss = joint.measurements()
    own = {}
    single = {}
    for term in gauss:
        try:
            own[term.name] = _chi2_min([term], joint.couplings, mass)
        except NoAllowedRegion:
            continue
        single[term.label] = own[term.name][1]
    pairs = []
    for a, b in combinations(gauss, 2):
        if joint.mode.parameter_of(a.lepton) != joint.mode.parameter_of(b.lepton):
            continue  # separate couplings: the pair cannot disagree
        if a.name not in own or b.name not in own:
            continue
        chi2_pair, _ = _chi2_min([a, b], joint.couplings, mass)
        pairs.append(tension(a.label, b.label, chi2_pair, own[a.name][0], own[b.name][0], 1, 1, 1))
    return Compatibility(float(mass), single, pairs)
