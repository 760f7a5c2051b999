"""The surviving coupling window, three ways (physics.md §4 item 3).

1. ``interval_algebra`` — the source paper's method: at the mass, intersect
   the preferred region's ε range, the complement of every exclusion and the
   2σ band of every (g−2) term, ε ∈ [sqrt(max(Δa − 2σ, 0)/k), sqrt((Δa + 2σ)/k)]
   with δa = k ε² (empty when Δa + 2σ < 0).
2. ``profile`` — Δχ² ≤ 4 of the joint profile likelihood at the mass, under
   the exclusions (:func:`dpfit.inference.fit.fit_fixed_mass`).
3. ``posterior`` — the central 95% credible interval of ε from the joint
   posterior, the mass marginalised over the analysis mass range.

All couplings dimensionless, masses in MeV. In lepton-coupling mode the
window is that of ε_e (the coupling the electron-beam limits and ATOMKI read).
"""

from __future__ import annotations

import numpy as np

from dpfit.inference.fit import fit_fixed_mass
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian, intersect

#: Number of σ of the (g−2) bands in the paper's interval algebra.
BAND_SIGMAS = 2.0


def gm2_band(term: Gm2Gaussian, mass: float, n_sigma: float = BAND_SIGMAS) -> list[tuple[float, float]]:
    """ε range where δa(m, ε) lies within Δa ± nσ (the paper's band), as a list of pieces."""
    k = float(term.shift_per_eps2(mass))
    top = term.delta + n_sigma * term.sigma
    if top < 0:
        return []
    return [(float(np.sqrt(max(term.delta - n_sigma * term.sigma, 0.0) / k)), float(np.sqrt(top / k)))]


def _window_joint(joint: JointLikelihood) -> JointLikelihood:
    """The terms that bound the window's coupling: all (universal) or those reading ε_e (lepton mode)."""
    return joint.part(joint.mode.window_parameter)


def interval_algebra(joint: JointLikelihood, mass: float) -> list[list[float]]:
    """The paper's window at one mass: step terms' allowed pieces ∩ the 2σ (g−2) bands."""
    part = _window_joint(joint)
    pieces = part.allowed(mass)
    for term in part.gaussian_terms():
        pieces = intersect(pieces, gm2_band(term, mass))
    return [[lo, hi] for lo, hi in pieces]


def profile_window(joint: JointLikelihood, mass: float) -> list[list[float]]:
    """Δχ² ≤ 4 region of the profile likelihood at one mass."""
    result = fit_fixed_mass(joint, mass)
    intervals = result.intervals if joint.couplings == "universal" else result.intervals[joint.mode.window_parameter]
    return intervals["95"]


def posterior_window(samples: dict[str, np.ndarray]) -> list[list[float]]:
    """Central 95% credible interval of the window's coupling from posterior samples."""
    values = samples["eps"] if "eps" in samples else samples["eps_e"]
    lo, hi = np.quantile(values, [0.025, 0.975])
    return [[float(lo), float(hi)]]


def algebra_over_masses(joint: JointLikelihood, masses) -> tuple[np.ndarray, list[list[list[float]]]]:
    """The paper's window at each mass of a grid (for the mass-range summary and the figure)."""
    masses = np.asarray(masses, dtype=float)
    return masses, [interval_algebra(joint, float(m)) for m in masses]
