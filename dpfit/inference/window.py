"""The surviving coupling window, three ways, with the confidence of each and the goodness of fit.

1. Interval algebra — the source paper's method: at the mass, intersect what
   every term allows at its own level (:meth:`dpfit.likelihood.terms.Term.band`):
   the preferred region's ε range, the complement of every exclusion (each at its
   own CL), a zero-event limit's ε ≤ ε_up (at its CL) and the 2σ band of every
   (g−2) term, ε ∈ [sqrt(max(Δa − 2σ, 0)/k), sqrt((Δa + 2σ)/k)] with δa = k ε²
   (empty when Δa + 2σ < 0). It mixes levels, and says which.
2. Profile likelihood — Δχ² ≤ c of the joint likelihood at the mass (c from the
   level, 2σ by default: Δχ² ≤ 4), under the exclusions
   (:func:`dpfit.inference.profile.fit.fit_fixed_mass`).
3. Posterior — a credible interval of ε holding the level's probability, the
   mass marginalised over the analysis mass range.

A window is only quoted for an analysis the data do not reject: when the fit's
p-value at the mass is below the threshold (3σ by default), the result has
``status = "excluded"``, the p-value and the pair of terms in tension, and no
window. All couplings dimensionless, masses in MeV. In lepton-coupling mode the
window is that of ε_e (the coupling the electron-beam limits and ATOMKI read).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.profile.compatibility import Compatibility, compatibility
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.profile.gof import GOF_THRESHOLD, GoodnessOfFit
from dpfit.inference.profile.intervals import Interval
from dpfit.inference.levels import Level, parse_level
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import intersect
from dpfit.notes import Note, note

#: Number of σ of the (g−2) bands in the paper's interval algebra.
BAND_SIGMAS = 2.0
#: Masses of the interval algebra's scan over the mass range.
ALGEBRA_MASSES = 171


def _window_joint(joint: JointLikelihood) -> JointLikelihood:
    """The terms that bound the window's coupling: all (universal) or those reading ε_e (lepton mode)."""
    return joint.part(joint.mode.window_parameter)


def interval_algebra(joint: JointLikelihood, mass: float) -> list[list[float]]:
    """The paper's window at one mass: the intersection of what every term allows at its own level."""
    pieces = [(0.0, np.inf)]
    for term in _window_joint(joint).terms:
        pieces = intersect(pieces, term.band(mass, BAND_SIGMAS)[0])
    return [[lo, hi] for lo, hi in pieces]


def profile_window(joint: JointLikelihood, mass: float, level: str | Level = "2sigma") -> list[list[float]]:
    """The profile-likelihood window at one mass (MeV): the pieces of Δχ² ≤ c of the window's coupling."""
    level = level if isinstance(level, Level) else parse_level(level, "window level")
    return fit_fixed_mass(joint, mass, [level]).intervals[joint.mode.window_parameter][level.label].pieces


def algebra_composition(joint: JointLikelihood, mass: float) -> list[Note]:
    """What the interval algebra intersects at mass (MeV), each with its own confidence level (notes
    "band_level": the term, what its band is, the probability it holds or None, and how: "CL" or the sides)."""
    out = []
    for term in _window_joint(joint).terms:
        level = term.band(mass, BAND_SIGMAS)[1]
        out.append(note("band_level", term=level.term, what=level.what, probability=level.probability,
                        sided=level.sided))
    return out


def algebra_over_masses(joint: JointLikelihood, masses) -> tuple[np.ndarray, list[list[list[float]]]]:
    """The paper's window at each mass of a grid (for the mass-range summary and the figure)."""
    masses = np.asarray(masses, dtype=float)
    return masses, [interval_algebra(joint, float(m)) for m in masses]


def central_credible(values: np.ndarray, probability: float) -> list[list[float]]:
    """Central credible interval holding ``probability`` of the samples (equal tails)."""
    lo, hi = np.quantile(values, [(1 - probability) / 2, (1 + probability) / 2])
    return [[float(lo), float(hi)]]


@dataclass(frozen=True)
class WindowResult:
    """The window at one mass (MeV) three ways, each with what it holds, and the fit's goodness of fit.

    ``status`` is 'allowed' or 'excluded' (the fit's p-value below ``gof_threshold``: no window then).
    """

    mass: float
    parameter: str
    terms: list[str]
    level: Level
    status: str
    gof: GoodnessOfFit
    gof_threshold: float
    compatibility: Compatibility
    algebra: list[list[float]]
    algebra_composition: list[Note]
    algebra_envelope: list[list[float]]
    mass_range: tuple[float, float]
    profile: Interval | None = None
    posterior: list[list[float]] | None = None
    posterior_label: Note | None = None
    diagnostics: dict | None = None
    notes: list[Note] = field(default_factory=list)
    posterior_central: dict | None = None
    posterior_check: dict | None = None
    limits: list[dict] = field(default_factory=list)

    def __repr__(self) -> str:
        """A summary: status, goodness of fit and the window's pieces three ways."""
        p = "none" if self.gof.p_value is None else f"{self.gof.p_value:.3g}"
        rows = [f"WindowResult({self.parameter} at m={self.mass:g} MeV, {self.level.label}: {self.status}, "
                f"chi2_min={self.gof.chi2_min:.4g}, ndof={self.gof.ndof}, p={p})",
                f"  interval algebra: {self.algebra}"]
        if self.profile is not None:
            rows.append(f"  profile likelihood: {self.profile.pieces} (edges {self.profile.edges})")
        if self.posterior is not None:
            label = self.posterior_label
            rows.append(f"  posterior: {self.posterior} ({label.kind}, {label.get('probability'):g})")
        return "\n".join(rows)

    def to_dict(self) -> dict:
        return {"mass_MeV": self.mass, "parameter": self.parameter, "terms": self.terms, "level": self.level.label,
                "status": self.status, "gof": self.gof.to_dict(), "gof_threshold": self.gof_threshold,
                "compatibility": self.compatibility.to_dict(),
                "interval_algebra": {"pieces": self.algebra, "composition": self.algebra_composition,
                                     "envelope_over_mass_range": self.algebra_envelope},
                "profile": self.profile.to_dict() if self.profile else None,
                "posterior": None if self.posterior is None else
                {"pieces": self.posterior, "label": self.posterior_label, "mass_range_MeV": list(self.mass_range),
                 "diagnostics": self.diagnostics, "central": self.posterior_central, "check": self.posterior_check},
                "limits": self.limits, "notes": self.notes}


def window(analysis, mass: float | None = None, *, level: str | Level = "2sigma", posterior_level: str | Level = "0.95",
           walkers: int = 32, steps: int = 3000, seed: int = 1, chain=None, chain_path=None, progress: bool = True,
           gof_threshold: float = GOF_THRESHOLD, grid=None) -> WindowResult:
    """The window of an :class:`dpfit.model.analysis.Analysis` at ``mass`` (MeV; default: the region's mass):
    the profile likelihood at ``level``, the posterior (highest-density region of the grid posterior, the chain's
    central interval beside it) holding ``posterior_level``.

    The posterior comes from ``chain`` or ``chain_path`` if given, else from a
    fresh emcee run (``walkers`` × ``steps``, ``seed``); none is run when the
    analysis is excluded. ``grid``: the model's grid posterior, when the caller has it already.
    """
    from dpfit.inference.bayes.chains import read_chain
    from dpfit.inference.bayes.diagnostics import diagnostics, physical_samples
    from dpfit.inference.bayes.sampling import sample

    level = level if isinstance(level, Level) else parse_level(level, "window level")
    posterior_level = posterior_level if isinstance(posterior_level, Level) else parse_level(posterior_level,
                                                                                              "window posterior level")
    if not 0 < gof_threshold < 1:
        raise InputError("window", "gof_threshold", f"expected a probability in (0, 1), got {gof_threshold}")
    model = analysis.model()
    joint = model.joint
    if chain is None and chain_path is not None:  # a bad or foreign chain is refused before any work
        from dpfit.inference.bayes.chains import check_analysis

        chain = read_chain(chain_path)
        check_analysis(chain, analysis.describe(), str(chain_path))
    if mass is None:
        if model.region is None:
            raise InputError("window", "mass", "without a preferred region, give the mass")
        mass = model.region.mass
    parameter = joint.mode.window_parameter
    fitted = fit_fixed_mass(joint, mass, [level])
    compat = compatibility(joint, mass)
    mass_range = analysis.resolved_mass_range()
    _, per_mass = algebra_over_masses(joint, np.linspace(*mass_range, ALGEBRA_MASSES))
    pieces = [p for ps in per_mass for p in ps]
    envelope = [[min(p[0] for p in pieces), max(p[1] for p in pieces)]] if pieces else []
    excluded = fitted.gof.p_value is not None and fitted.gof.p_value < gof_threshold
    from dpfit.model.coverage import coverage_notes, limits_composition

    common = dict(mass=float(mass), parameter=parameter, terms=joint.names, level=level,
                  status="excluded" if excluded else "allowed", gof=fitted.gof, gof_threshold=gof_threshold,
                  compatibility=compat, algebra=interval_algebra(joint, mass),
                  algebra_composition=algebra_composition(joint, mass), algebra_envelope=envelope,
                  mass_range=tuple(mass_range), limits=limits_composition(analysis))
    notes = list(model.notes) + coverage_notes(model) + coverage_notes(model, mass)
    if excluded:
        notes.append(note("data_reject_analysis", mass=mass, p_value=fitted.gof.p_value, threshold=gof_threshold,
                          worst=compat.worst()))
        return WindowResult(**common, notes=notes)
    from dpfit.inference.bayes.posterior_check import grid_summary_or_none, window_check

    grid = grid if grid is not None else grid_summary_or_none(model)
    if chain is None:
        with tempfile.TemporaryDirectory() as tmp:
            chain = sample(analysis, Path(tmp) / "window_chain.h5", nwalkers=walkers, nsteps=steps, seed=seed,
                           progress=progress, grid=grid)
    diag = diagnostics(chain)
    posterior = dict(profile=fitted.intervals[parameter][level.label], diagnostics=diag.as_dict(chain.names))
    if grid is not None:  # the grid's HPD region is the posterior window; the chain's central interval beside it
        check = window_check(grid, chain, diag, posterior_level.probability)
        notes += check["notes"]
        posterior.update(posterior=check["posterior"], posterior_central=check["posterior_central"],
                         posterior_check=check["posterior_check"],
                         posterior_label=note("posterior_hpd", probability=posterior_level.probability,
                                              mass_range=mass_range))
    else:
        samples = physical_samples(chain, diag.burn, diag.thin)
        posterior.update(posterior=central_credible(samples[parameter], posterior_level.probability),
                         posterior_label=note("posterior_central", probability=posterior_level.probability,
                                              mass_range=mass_range))
    return WindowResult(**common, **posterior, notes=notes)
