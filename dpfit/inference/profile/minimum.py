"""The coupling's profile at fixed mass: in closed form where the terms declare one, numerically where not.

Where every term declares :meth:`dpfit.likelihood.terms.Term.quadratic`, χ² = A x² + B x + g(m) in
x = ε² inside each piece of the coupling axis the walls allow (a (g−2) term gives
A = Σ k_i²/σ_i², B = −2 Σ k_i Δ_i/σ_i², k_i = α F_V(m/m_i)/2π, Pospelov, PRD 80 (2009) 095002, eq. 2;
a zero-event Poisson limit adds 2 N_c/ε_up² to B). With A ≥ 0 this is convex in x, minimal at
x* = −B/(2A), so the minimum over a piece [lo, hi] is at sqrt(clip(x*, lo², hi²)). A term without a
closed form makes the profile numerical: a log-spaced scan of each allowed piece, refined by a bounded
Brent minimisation around its best point (:func:`numeric_piece_minimum`).
"""

from __future__ import annotations

import numpy as np

from dpfit.likelihood.joint import JointLikelihood

#: Points of the log-spaced scan of a piece before the bounded minimisation (numerical profiles).
PIECE_SCAN_POINTS = 400
#: Largest coupling a numerical profile searches on a piece open above.
LARGEST_COUPLING = 1.0


def quadratic_minimum_x(joint: JointLikelihood, m) -> np.ndarray | None:
    """x* = −B/(2A) = ε² minimising the terms' quadratic form at masses m (MeV); None without a closed form.

    May be negative; −inf where χ² only grows with x (A = 0 < B), NaN where it is flat (A = B = 0).
    """
    coefficients = joint.quadratic(m)
    if coefficients is None:
        return None
    a, b = coefficients
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.divide(-b, 2.0 * a)


def piece_candidate(x_star, lo: float, hi: float):
    """The minimum of a χ² convex in x = ε² over the piece [lo, hi]: sqrt(clip(x*, lo², hi²)).

    Flat χ² (x* NaN): the lower edge. Vectorised: an array of x* gives an array of ε (a float for a scalar).
    """
    x_star = np.asarray(x_star, dtype=float)
    with np.errstate(invalid="ignore"):
        eps = np.where(np.isnan(x_star), lo, np.sqrt(np.clip(x_star, lo * lo, hi * hi)))
    return float(eps) if eps.ndim == 0 else eps


def numeric_piece_minimum(chi2, lo: float, hi: float) -> tuple[float, float]:
    """(ε, χ²) of the minimum of a vectorised χ²(ε) over the piece [lo, hi], without a closed form: the best
    of the ends and a log-spaced scan, refined by bounded Brent minimisation between its neighbours."""
    from scipy.optimize import minimize_scalar

    top = min(hi, max(LARGEST_COUPLING, 10.0 * lo))
    bottom = lo if lo > 0 else top * 1e-12
    grid = np.unique(np.concatenate([[lo, top], np.geomspace(bottom, top, PIECE_SCAN_POINTS)]))
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.asarray(chi2(grid), dtype=float)
    values = np.where(np.isnan(values), np.inf, values)
    i = int(np.argmin(values))
    best_eps, best = float(grid[i]), float(values[i])
    if not np.isfinite(best):
        return best_eps, best
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    if b > a:
        res = minimize_scalar(lambda e: float(chi2(np.array([e]))[0]), bounds=(a, b), method="bounded",
                              options={"xatol": 1e-12 * b})
        if np.isfinite(res.fun) and res.fun < best:
            best_eps, best = float(res.x), float(res.fun)
    return best_eps, best


def _numeric_profile(joint: JointLikelihood, masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """min over ε of χ² at each mass, piece by piece, numerically (terms without a closed form)."""
    best = np.full(masses.size, np.inf)
    best_eps = np.full(masses.size, np.nan)
    for i, m in enumerate(masses):
        logl = joint.at_mass(float(m))
        chi2 = lambda eps: -2.0 * logl(eps)  # noqa: E731
        for lo, hi in joint.allowed(float(m)):
            eps, value = numeric_piece_minimum(chi2, lo, hi)
            if value < best[i]:
                best[i], best_eps[i] = value, eps
    return best, best_eps


def profile_minimum(joint: JointLikelihood, masses) -> tuple[np.ndarray, np.ndarray]:
    """min over ε of χ²(m, ε) at each mass, and the ε there (+inf and NaN where no coupling is allowed).

    Closed form (every term quadratic in x = ε²): χ² being convex in x inside each allowed piece, the
    minimum over a piece is at sqrt(x*) or at one of the piece's ends, and every end is 0 or an edge of a
    wall: so χ² is evaluated at ε = 0, sqrt(x*) and every term's edges, for all masses at once, and the
    smallest allowed candidate (the lowest ε among equal χ²) wins. Otherwise numerical, piece by piece.
    """
    masses = np.atleast_1d(np.asarray(masses, dtype=float))
    x_star = quadratic_minimum_x(joint, masses)
    if x_star is None:
        return _numeric_profile(joint, masses)
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
