"""Best fits (iminuit MIGRAD) and exact profile-likelihood intervals.

Step terms (exclusions, regions) make −2 ln L infinite in places, which MIGRAD
cannot cross. So at a fixed mass the coupling axis is first cut into the
pieces every step term allows (:meth:`JointLikelihood.allowed`); MIGRAD then
minimises inside each piece with the piece's edges as parameter limits, and
the best piece wins. A fit therefore never ends in an excluded region, and a
minimum on a piece edge (ε = 0, an exclusion boundary) is reported as such.

Intervals {ε : Δχ²(ε) ≤ 1 or 4} are found by root finding on the exact
Δχ²: within a piece, χ² of the Gaussian (g−2) terms is a sum of squares of
functions linear in x = ε², hence convex in x, so each side of the piece's
minimum crosses a level at most once (brentq, to machine precision). MINOS
is not used: its edges at limits are exactly what the piece logic handles
explicitly. An interval cut by an exclusion comes out as several pieces.

With the mass free, χ² is profiled over a mass grid (fixed-mass fits), the
best point is refined by a 2D MIGRAD inside its piece, and the ε intervals come
from the profile min_m χ²(m, ε) over the grid, edges refined by brentq.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from iminuit import Minuit
from scipy.optimize import brentq

from dpfit import arguments
from dpfit.errors import InputError, NoAllowedRegion
from dpfit.likelihood.joint import JointLikelihood

#: Δχ² levels of the reported intervals (one parameter): 68.27% and 95.45%.
LEVELS = {"68": 1.0, "95": 4.0}
#: Mass-grid points for profiling over a free mass.
MASS_GRID_POINTS = 201
#: Couplings grid points (log-spaced over the analysis range) for profiles over a free mass.
EPS_GRID_POINTS = 2000


@dataclass
class PieceMinimum:
    """MIGRAD's minimum of χ² in one allowed piece [lo, hi] of the coupling axis."""

    lo: float
    hi: float
    eps: float
    chi2: float
    valid: bool
    at_edge: str | None


@dataclass
class FitResult:
    """A fit: best-fit point, χ²_min, intervals per level (lists of [lo, hi] pieces), status."""

    best_fit: dict
    chi2_min: float
    intervals: dict
    converged: bool
    terms: list[str]
    mass_fixed: bool
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"best_fit": self.best_fit, "chi2_min": self.chi2_min, "intervals": self.intervals,
                "converged": self.converged, "terms": self.terms, "mass_fixed": self.mass_fixed,
                "notes": self.notes}


def _chi2_function(joint: JointLikelihood, m: float):
    """χ²(ε) = −2 ln L(m, ε) at fixed mass, vectorised in ε."""
    return lambda eps: -2.0 * joint.logl(m, np.asarray(eps, dtype=float))


def gaussian_minimum_x(joint: JointLikelihood, m) -> np.ndarray:
    """x* = ε² minimising the Gaussian (g−2) terms at masses m, in closed form.

    With δa_i = k_i(m) x, χ² = Σ ((k_i x − Δ_i)/σ_i)² is minimal at
    x* = Σ k_i Δ_i/σ_i² / Σ k_i²/σ_i² (may be negative; NaN without Gaussian terms).
    """
    num = den = 0.0
    for term in joint.gaussian_terms():
        k = term.shift_per_eps2(m)
        num = num + k * term.delta / term.sigma**2
        den = den + (k / term.sigma) ** 2
    if not joint.gaussian_terms():
        return np.full(np.shape(m), np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # den = 0 where k underflows (m ≫ m_ℓ): χ² is then flat in ε and x* is not finite
        return np.divide(np.asarray(num, dtype=float), np.asarray(den, dtype=float))


def piece_candidate(x_star: float, lo: float, hi: float) -> float:
    """The minimum of a χ² convex in x = ε² over the piece [lo, hi]: sqrt(clip(x*, lo², hi²)).

    Without Gaussian terms (x* NaN) χ² is flat in ε and the lower edge is returned.
    """
    if not np.isfinite(x_star):
        return lo
    return float(np.sqrt(np.clip(x_star, lo * lo, hi * hi)))


def profile_minimum(joint: JointLikelihood, masses) -> tuple[np.ndarray, np.ndarray]:
    """min over ε of χ²(m, ε) at each mass (exact: closed form per allowed piece), and the ε there.

    Masses in MeV; +inf (and NaN ε) where no coupling is allowed.
    """
    masses = np.atleast_1d(np.asarray(masses, dtype=float))
    x_star = gaussian_minimum_x(joint, masses)
    candidates_m, candidates_eps, owner = [], [], []
    for i, m in enumerate(masses):
        for lo, hi in joint.allowed(float(m)):
            candidates_m.append(m)
            candidates_eps.append(piece_candidate(float(x_star[i]), lo, hi))
            owner.append(i)
    best = np.full(masses.shape, np.inf)
    best_eps = np.full(masses.shape, np.nan)
    if owner:
        chi2 = -2.0 * joint.logl(np.array(candidates_m), np.array(candidates_eps))
        for i, c, e in zip(owner, chi2, candidates_eps):
            if c < best[i]:
                best[i], best_eps[i] = c, e
    return best, best_eps


def _migrad(minuit: Minuit) -> Minuit:
    """Run MIGRAD on a χ² cost (errordef 1) with the strategy and tolerance of every dpfit fit."""
    minuit.errordef = Minuit.LEAST_SQUARES
    minuit.strategy = 2
    minuit.tol = 1e-6
    minuit.migrad()
    return minuit


def _minimise_piece(chi2, joint, m, lo, hi) -> PieceMinimum:
    """MIGRAD on χ²(ε) with ε limited to [lo, hi], started at the closed-form piece minimum.

    A minimum whose χ² does not beat the piece edge's is reported on that edge.
    """
    start = piece_candidate(float(gaussian_minimum_x(joint, m)), lo, hi)
    if start == lo:  # start inside the limits, a little off the edge
        start = lo + 1e-3 * ((hi if np.isfinite(hi) else 2.0 * lo + 1e-3) - lo)

    def cost(eps):  # MIGRAD may probe NaN next to an infinite piece edge: +inf, as for any point outside
        return float(chi2(eps)) if np.isfinite(eps) else np.inf

    minuit = Minuit(cost, eps=start)
    minuit.limits["eps"] = (lo, hi if np.isfinite(hi) else None)
    minuit.errors["eps"] = max(0.1 * start, 1e-3 * (start + lo) + 1e-12)
    _migrad(minuit)
    eps = float(minuit.values["eps"])
    value = float(chi2(eps))
    at_edge = None
    tolerance = 1e-9 * max(1.0, abs(value))
    for edge, label in ((lo, "lower"), (hi, "upper")):
        if np.isfinite(edge) and float(chi2(edge)) <= value + tolerance:
            eps, value, at_edge = edge, float(chi2(edge)), label
            break
    return PieceMinimum(lo, hi, eps, value, bool(minuit.valid), at_edge)


def _crossing(f, a: float, b: float) -> float:
    """Root of f on [a, b] with f(a), f(b) of opposite signs, to machine precision."""
    return brentq(f, a, b, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def _piece_interval(chi2, piece: PieceMinimum, threshold: float) -> tuple[float, float] | None:
    """The part of a piece where χ² ≤ threshold (one interval, by convexity in ε²)."""
    if piece.chi2 > threshold:
        return None
    f = lambda eps: float(chi2(eps)) - threshold  # noqa: E731
    lo = piece.lo if f(piece.lo) <= 0 else _crossing(f, piece.lo, piece.eps)
    if np.isfinite(piece.hi):
        hi = piece.hi if f(piece.hi) <= 0 else _crossing(f, piece.eps, piece.hi)
        return lo, hi
    right = max(2.0 * piece.eps, 2.0 * piece.lo, 1e-12)
    for _ in range(200):
        if f(right) > 0:
            return lo, _crossing(f, piece.eps, right)
        right *= 2.0
    return lo, np.inf


def _merge(intervals: list[tuple[float, float]]) -> list[list[float]]:
    """Sorted union, joining intervals that touch."""
    out: list[list[float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return out


def fit_coupling(joint: JointLikelihood, m: float) -> tuple[PieceMinimum, list[PieceMinimum], dict]:
    """Fit the single coupling of a universal-mode likelihood at fixed mass m (MeV).

    Returns the best piece minimum, all piece minima and the intervals per level.
    Raises NoAllowedRegion if the step terms exclude every coupling at this mass.
    """
    pieces = joint.allowed(m)
    if not pieces:
        raise NoAllowedRegion("analysis", None, f"no coupling is allowed at m = {m:g} MeV (every ε excluded)")
    chi2 = _chi2_function(joint, m)
    if joint.gaussian_terms():
        minima = [_minimise_piece(chi2, joint, m, lo, hi) for lo, hi in pieces]
    else:  # only step terms: χ² is constant on each allowed piece, nothing to minimise
        minima = [PieceMinimum(lo, hi, lo, float(chi2(lo)), True, None) for lo, hi in pieces]
    minima = [p for p in minima if np.isfinite(p.chi2)]
    if not minima:
        raise NoAllowedRegion("analysis", None, f"no coupling has finite likelihood at m = {m:g} MeV")
    best = min(minima, key=lambda p: p.chi2)
    intervals = {}
    for label, level in LEVELS.items():
        found = [_piece_interval(chi2, p, best.chi2 + level) for p in minima]
        intervals[label] = _merge([iv for iv in found if iv is not None])
    return best, minima, intervals


def _describe_edge(piece: PieceMinimum) -> str | None:
    if piece.at_edge is None:
        return None
    if piece.at_edge == "lower" and piece.lo == 0.0:
        return "best fit at the physical boundary eps = 0"
    return f"best fit on the {piece.at_edge} edge of an allowed region (a step term's boundary)"


def fit_fixed_mass(joint: JointLikelihood, m: float) -> FitResult:
    """Best fit and intervals of the coupling(s) at fixed mass m (MeV)."""
    best_fit, intervals, notes = {"m": float(m)}, {}, []
    chi2_min, converged = 0.0, True
    for name, part in joint.parts().items():
        best, _, iv = fit_coupling(part, m)
        if not part.gaussian_terms():
            notes.append(f"{name}: no (g-2) term, the likelihood is flat: the intervals are the allowed regions")
        best_fit[name] = best.eps
        chi2_min += best.chi2
        converged &= best.valid
        intervals[name] = iv
        if (note := _describe_edge(best)) is not None:
            notes.append(f"{name}: {note}")
    for name in joint.parameters[1:]:
        if name not in best_fit:
            best_fit[name] = None
            notes.append(f"{name}: no term constrains it")
    if joint.couplings == "universal":
        intervals = intervals["eps"]
    return FitResult(best_fit, chi2_min, intervals, converged, joint.names, True, notes)


def _profile_over_mass(part: JointLikelihood, masses: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """min over the mass grid of χ²(m, ε), for each ε (vectorised)."""
    chi2 = -2.0 * part.logl(masses[:, None], eps[None, :])
    return chi2.min(axis=0)


def _profile_intervals(part: JointLikelihood, masses, eps_range, chi2_min) -> tuple[dict, list[str]]:
    """Δχ² ≤ level regions of the mass-profiled χ²(ε), edges refined by brentq."""
    grid = np.concatenate([[0.0], np.geomspace(eps_range[0], eps_range[1], EPS_GRID_POINTS)])
    prof = _profile_over_mass(part, masses, grid)
    profile = lambda e: float(_profile_over_mass(part, masses, np.array([e]))[0])  # noqa: E731
    intervals, notes = {}, []
    for label, level in LEVELS.items():
        threshold = chi2_min + level
        inside = prof <= threshold
        pieces = []
        i = 0
        while i < len(grid):
            if not inside[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(grid) and inside[j + 1]:
                j += 1
            f = lambda e: profile(e) - threshold  # noqa: E731
            lo = grid[i] if i == 0 else _crossing(f, grid[i - 1], grid[i])
            hi = grid[j] if j == len(grid) - 1 else _crossing(f, grid[j], grid[j + 1])
            if j == len(grid) - 1:
                notes.append(f"the {label}% region reaches the end of the coupling range ({eps_range[1]:g})")
            pieces.append([lo, hi])
            i = j + 1
        intervals[label] = pieces
    return intervals, notes


def _refine_2d(part: JointLikelihood, m0: float, piece: PieceMinimum, m_lo: float, m_hi: float):
    """2D MIGRAD around a grid minimum, limits: the neighbouring grid masses and the ε piece."""

    def cost(m, eps):
        if not (np.isfinite(m) and np.isfinite(eps)):  # MIGRAD probing a singular direction
            return 1e300
        return float(-2.0 * part.logl(m, eps))

    minuit = Minuit(cost, m=m0, eps=piece.eps)
    minuit.limits["m"] = (m_lo, m_hi)
    minuit.limits["eps"] = (piece.lo, piece.hi if np.isfinite(piece.hi) else None)
    minuit.errors["m"] = 0.1 * (m_hi - m_lo)
    minuit.errors["eps"] = max(0.1 * piece.eps, 1e-9)
    _migrad(minuit)
    return float(minuit.values["m"]), float(minuit.values["eps"]), float(minuit.fval), bool(minuit.valid)


def fit_free_mass(joint: JointLikelihood, mass_range: tuple[float, float],
                  eps_range: tuple[float, float]) -> FitResult:
    """Best fit with the mass free in mass_range (MeV), ε intervals profiled over the mass."""
    masses = np.linspace(mass_range[0], mass_range[1], MASS_GRID_POINTS)
    best_fit, intervals, notes = {}, {}, []
    chi2_total, converged = 0.0, True
    profiles = {}
    for name, part in joint.parts().items():
        chi2, _ = profile_minimum(part, masses)
        if not np.isfinite(chi2).any():
            raise NoAllowedRegion("analysis", None,
                                  f"no allowed point for {name} in the mass range {mass_range[0]:g}-{mass_range[1]:g} MeV")
        k = int(np.argmin(chi2))
        profiles[name] = (part, chi2, masses[k])
    if joint.couplings == "universal":
        part, _, m0 = profiles["eps"]
        piece = fit_coupling(part, m0)[0]
        step = masses[1] - masses[0]
        if piece.at_edge is not None:  # ε on a boundary: the mass is fixed only by the grid
            m_fit, eps_fit, chi2_fit, valid = m0, piece.eps, piece.chi2, piece.valid
            notes.append(f"best fit on a boundary of eps; mass from the profile grid (spacing {step:.3g} MeV)")
        else:
            m_fit, eps_fit, chi2_fit, valid = _refine_2d(part, m0, piece, max(mass_range[0], m0 - step),
                                                         min(mass_range[1], m0 + step))
        if not (np.isfinite(chi2_fit) and chi2_fit <= piece.chi2):
            m_fit, eps_fit, chi2_fit, valid = m0, piece.eps, piece.chi2, piece.valid
            notes.append("2D refinement did not improve on the mass grid; grid minimum reported")
        best_fit = {"m": m_fit, "eps": eps_fit}
        chi2_total, converged = chi2_fit, valid
        intervals, more = _profile_intervals(part, np.append(masses, m_fit), eps_range, chi2_fit)
        notes += more
    else:
        # Separable χ²: each coupling's part has its own best mass; the joint fit needs one mass.
        total = sum(chi2 for _, chi2, _ in profiles.values())
        k = int(np.argmin(total))
        best = fit_fixed_mass(joint, masses[k])
        best_fit, chi2_total, converged = best.best_fit, best.chi2_min, best.converged
        notes.append("lepton couplings with free mass: best mass from the profile grid, intervals at that mass")
        intervals, notes = best.intervals, notes + best.notes
    if not np.isfinite(chi2_total):
        raise NoAllowedRegion("analysis", None, "no allowed point in the mass range")
    return FitResult(best_fit, chi2_total, intervals, converged, joint.names, False, notes)


def fit(joint: JointLikelihood, mass: float | None = None, mass_range=None, eps_range=(1e-5, 1e-2)) -> FitResult:
    """Fit at fixed mass (``mass`` in MeV) or with the mass free in ``mass_range`` (MeV).

    Without either, the mass is free in the likelihood's own mass range
    (:meth:`JointLikelihood.default_mass_range`: the preferred region's, else the exclusions').
    """
    eps_range = arguments.positive_range(eps_range, "fit", "eps_range")
    if mass is not None:
        return fit_fixed_mass(joint, arguments.real(mass, "fit", "mass", lo=0.0))
    if mass_range is not None:
        mass_range = arguments.positive_range(mass_range, "fit", "mass_range")
    if mass_range is None:
        mass_range = joint.default_mass_range()
        if mass_range is None:
            raise InputError("fit", "mass_range", "no term fixes a mass range: give a mass or a mass range (MeV)")
    return fit_free_mass(joint, tuple(mass_range), eps_range)
