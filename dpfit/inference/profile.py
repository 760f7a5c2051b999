"""The coupling's profile in closed form, and one-dimensional root finding on χ².

At fixed mass the (g−2) terms give χ² = Σ ((k_i x − Δ_i)/σ_i)² with x = ε²
and k_i = α F_V(m/m_i)/2π (Pospelov, PRD 80 (2009) 095002, eq. 2): a sum of
squares of functions linear in x, hence convex in x, minimal at
x* = Σ k_i Δ_i/σ_i² / Σ k_i²/σ_i². Inside each piece [lo, hi] of the coupling
axis that the step terms allow, the minimum is at sqrt(clip(x*, lo², hi²)).
"""

from __future__ import annotations

import numpy as np

from dpfit.likelihood.joint import JointLikelihood


def gaussian_minimum_x(joint: JointLikelihood, m) -> np.ndarray:
    """x* = ε² minimising the Gaussian (g−2) terms at masses m (MeV), in closed form.

    May be negative; NaN without Gaussian terms or where every k underflows (m ≫ m_ℓ).
    """
    terms = joint.gaussian_terms()
    if not terms:
        return np.full(np.shape(m), np.nan)
    num = den = 0.0
    for term in terms:
        k = term.shift_per_eps2(m)
        num = num + k * term.delta / term.sigma**2
        den = den + (k / term.sigma) ** 2
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.divide(np.asarray(num, dtype=float), np.asarray(den, dtype=float))


def piece_candidate(x_star, lo: float, hi: float):
    """The minimum of a χ² convex in x = ε² over the piece [lo, hi]: sqrt(clip(x*, lo², hi²)).

    Without Gaussian terms (x* NaN) χ² is flat in ε and the lower edge is returned.
    Vectorised: an array of x* gives an array of ε (a float for a scalar).
    """
    x_star = np.asarray(x_star, dtype=float)
    with np.errstate(invalid="ignore"):
        eps = np.where(np.isfinite(x_star), np.sqrt(np.clip(x_star, lo * lo, hi * hi)), lo)
    return float(eps) if eps.ndim == 0 else eps


def profile_minimum(joint: JointLikelihood, masses) -> tuple[np.ndarray, np.ndarray]:
    """min over ε of χ²(m, ε) at each mass (exact: closed form per allowed piece), and the ε there.

    Masses in MeV; +inf (and NaN ε) where no coupling is allowed. χ² being convex in x = ε² inside
    each allowed piece, the minimum over a piece is at sqrt(x*) or at one of the piece's ends, and
    every end is 0 or an edge of a step term: so χ² is evaluated at ε = 0, sqrt(x*) and every term's
    edges, for all masses at once, and the smallest allowed candidate (the lowest ε among equal χ²) wins.
    """
    masses = np.atleast_1d(np.asarray(masses, dtype=float))
    x_star = gaussian_minimum_x(joint, masses)
    with np.errstate(invalid="ignore"):
        centre = np.sqrt(np.where(x_star > 0, x_star, 0.0))
    candidates = np.vstack([np.zeros((1, masses.size)), centre[None, :], joint.coupling_edges(masses)])
    candidates = np.sort(np.where(np.isfinite(candidates), candidates, 0.0), axis=0)
    chi2 = -2.0 * joint.logl(masses[None, :], candidates)
    pick = np.argmin(chi2, axis=0)
    columns = np.arange(masses.size)
    best = chi2[pick, columns]
    best_eps = np.where(np.isfinite(best), candidates[pick, columns], np.nan)
    return best, best_eps


def crossing(f, a: float, b: float) -> float:
    """Root of f on [a, b] with f(a), f(b) of opposite signs, to machine precision (brentq)."""
    from scipy.optimize import brentq  # on use: scans and toy workers that find no edge never load scipy

    return brentq(f, a, b, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def merge(intervals: list[tuple[float, float]]) -> list[list[float]]:
    """Sorted union, joining intervals that touch."""
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out
