"""Best fits (iminuit MIGRAD), exact profile-likelihood intervals at any level, and the goodness of fit.

Step terms (exclusions, regions) make −2 ln L infinite in places, which MIGRAD
cannot cross. So at a fixed mass the coupling axis is first cut into the
pieces every step term allows (:meth:`JointLikelihood.allowed`); MIGRAD then
minimises inside each piece with the piece's edges as parameter limits, and
the best piece wins. A fit therefore never ends in an excluded region, and a
minimum on a piece edge (ε = 0, an exclusion boundary) is reported as such.

Intervals {ε : Δχ²(ε) ≤ c} (c from the level, :mod:`dpfit.inference.levels`)
are found by root finding on the exact Δχ²: within a piece χ² of the Gaussian
(g−2) terms is convex in x = ε² (:mod:`dpfit.inference.profile.minimum`), so each side
of the piece's minimum crosses a level at most once (brentq, to machine
precision). MINOS is not used: its edges at limits are exactly what the piece
logic handles explicitly. An interval cut by an exclusion comes out as several
pieces, each edge named after the term that sets it. A best fit on a hard edge
makes the interval a one-sided limit with the coverage of the Chernoff mixture.

With the mass free, χ² is profiled over a mass grid (fixed-mass fits), the
best point is refined by a 2D MIGRAD inside its piece, and the ε intervals come
from the profile min_m χ²(m, ε) over the grid, edges refined by brentq. A χ²
flat in m (varying by less than :data:`FLAT_MASS_CHI2`) leaves the mass
unconstrained, and the result says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from iminuit import Minuit

from dpfit import arguments
from dpfit.errors import InputError, NoAllowedRegion
from dpfit.notes import Note, note
from dpfit.inference.profile.gof import GoodnessOfFit, goodness_of_fit
from dpfit.inference.profile.intervals import BOUNDARY, RANGE_END, Interval, build_interval, edge_owner
from dpfit.inference.levels import DEFAULT_LEVELS, Level, parse_levels
from dpfit.inference.profile.minimum import (crossing, merge, numeric_piece_minimum, piece_candidate, profile_minimum,
                                     quadratic_minimum_x)
from dpfit.likelihood.joint import JointLikelihood

#: Mass-grid points for profiling over a free mass.
MASS_GRID_POINTS = 201
#: Couplings grid points (log-spaced over the analysis range) for profiles over a free mass.
EPS_GRID_POINTS = 2000
#: A profile χ²(m) varying by at most this over the mass range leaves the mass unconstrained (Δχ²(m) ≤ 1:
#: every mass of the range is inside the 1σ interval).
FLAT_MASS_CHI2 = 1.0


@dataclass
class PieceMinimum:
    """MIGRAD's minimum of χ² in one allowed piece [lo, hi] of the coupling axis."""

    lo: float
    hi: float
    eps: float
    chi2: float
    valid: bool
    at_edge: str | None


@dataclass(frozen=True)
class FitResult:
    """A fit: best-fit point, χ²_min and its goodness of fit, intervals per parameter and level, status.

    ``intervals[parameter][label]`` is an :class:`Interval` (label as the level was given, e.g. '1sigma').
    ``boundary[parameter]`` names the hard edge a best-fit coupling sits on (None inside).
    """

    best_fit: dict[str, float | None]
    chi2_min: float
    intervals: dict[str, dict[str, Interval]]
    gof: GoodnessOfFit
    converged: bool
    terms: list[str]
    mass_fixed: bool
    boundary: dict[str, str | None] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    mass_constrained: bool = True

    def __repr__(self) -> str:
        """A summary in the spirit of iminuit's Minuit: best fit, χ²_min, dof and p-value, each interval's pieces."""
        best = ", ".join(f"{k}={v:.6g}" if v is not None else f"{k}=free" for k, v in self.best_fit.items())
        p = "none" if self.gof.p_value is None else f"{self.gof.p_value:.3g}"
        rows = [f"FitResult(mass {'fixed' if self.mass_fixed else 'free'}; {best}; chi2_min={self.chi2_min:.4g}, "
                f"ndof={self.gof.ndof}, p={p})"]
        rows += [f"  {name} {label}: {iv.pieces} ({iv.sided}, {iv.coverage:.4g})"
                 for name, per_level in self.intervals.items() for label, iv in per_level.items()]
        return "\n".join(rows)

    def pieces(self, label: str | None = None, parameter: str | None = None) -> list[list[float]]:
        """The pieces of one interval (default: the first level, the first coupling)."""
        per_level = self.intervals[parameter or next(iter(self.intervals))]
        return per_level[label or next(iter(per_level))].pieces

    def to_dict(self) -> dict:
        return {"best_fit": self.best_fit, "chi2_min": self.chi2_min, "gof": self.gof.to_dict(),
                "intervals": {p: {label: iv.to_dict() for label, iv in ivs.items()} for p, ivs in self.intervals.items()},
                "converged": self.converged, "terms": self.terms, "mass_fixed": self.mass_fixed,
                "mass_constrained": self.mass_constrained, "boundary": self.boundary, "notes": self.notes}


def _chi2_function(joint: JointLikelihood, m: float):
    """χ²(ε) = −2 ln L(m, ε) at fixed mass, vectorised in ε."""
    logl = joint.at_mass(m)
    return lambda eps: -2.0 * logl(eps)


def _migrad(minuit: Minuit) -> Minuit:
    """Run MIGRAD on a χ² cost (errordef 1) with the strategy and tolerance of every dpfit fit."""
    minuit.errordef = Minuit.LEAST_SQUARES
    minuit.strategy = 2
    minuit.tol = 1e-6
    minuit.migrad()
    return minuit


def _minimise_piece(chi2, joint, m, lo, hi) -> PieceMinimum:
    """MIGRAD on χ²(ε) with ε limited to [lo, hi], started at the closed-form piece minimum (or, for terms
    without one, at the numerical piece minimum).

    A minimum whose χ² does not beat the piece edge's is reported on that edge.
    """
    x_star = quadratic_minimum_x(joint, m)
    start = (piece_candidate(float(x_star), lo, hi) if x_star is not None
             else numeric_piece_minimum(chi2, lo, hi)[0])
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


def _piece_interval(chi2, piece: PieceMinimum, threshold: float) -> tuple[float, float] | None:
    """The part of a piece where χ² ≤ threshold (one interval, by convexity in ε²)."""
    if piece.chi2 > threshold:
        return None
    f = lambda eps: float(chi2(eps)) - threshold  # noqa: E731
    lo = piece.lo if f(piece.lo) <= 0 else crossing(f, piece.lo, piece.eps)
    if np.isfinite(piece.hi):
        hi = piece.hi if f(piece.hi) <= 0 else crossing(f, piece.eps, piece.hi)
        return lo, hi
    right = max(2.0 * piece.eps, 2.0 * piece.lo, 1e-12)
    for _ in range(200):
        if f(right) > 0:
            return lo, crossing(f, piece.eps, right)
        right *= 2.0
    return lo, np.inf


def _levels(levels) -> tuple[Level, ...]:
    return parse_levels(DEFAULT_LEVELS if levels is None else levels)


def fit_coupling(joint: JointLikelihood, m: float, levels=None) -> tuple[PieceMinimum, list[PieceMinimum], dict]:
    """Fit the single coupling of a universal-mode likelihood at fixed mass m (MeV).

    Returns the best piece minimum, all piece minima and ``{label: Interval}``.
    Raises NoAllowedRegion if the step terms exclude every coupling at this mass.
    """
    pieces = joint.allowed(m)
    if not pieces:
        raise NoAllowedRegion("analysis", "mass", f"no coupling is allowed at m = {m:g} MeV (every eps excluded)")
    chi2 = _chi2_function(joint, m)
    if joint.measurements():
        minima = [_minimise_piece(chi2, joint, m, lo, hi) for lo, hi in pieces]
    else:  # only step terms: χ² is constant on each allowed piece, nothing to minimise
        minima = [PieceMinimum(lo, hi, lo, float(chi2(lo)), True, None) for lo, hi in pieces]
    minima = [p for p in minima if np.isfinite(p.chi2)]
    if not minima:
        raise NoAllowedRegion("analysis", None, f"no coupling has finite likelihood at m = {m:g} MeV")
    best = min(minima, key=lambda p: p.chi2)
    on_boundary = best.at_edge is not None and bool(joint.measurements())
    intervals = {}
    for level in _levels(levels):
        threshold = level.delta_chi2(1)
        found = merge([iv for p in minima if (iv := _piece_interval(chi2, p, best.chi2 + threshold)) is not None])
        edges = [[edge_owner(joint, m, lo), edge_owner(joint, m, hi)] for lo, hi in found]
        intervals[level.label] = build_interval(level, threshold, found, edges, on_boundary)
    return best, minima, intervals


def _edge_name(joint: JointLikelihood, m: float, piece: PieceMinimum) -> str | None:
    """The hard edge a piece minimum sits on: 'eps=0' or the step term's name (None inside the piece)."""
    if piece.at_edge is None:
        return None
    return edge_owner(joint, m, piece.lo if piece.at_edge == "lower" else piece.hi)


def _gof(joint: JointLikelihood, chi2_min: float, fitted: int, bounded: int) -> GoodnessOfFit:
    return goodness_of_fit(chi2_min, joint.ndata, fitted, bounded)


def fit_fixed_mass(joint: JointLikelihood, m: float, levels=None) -> FitResult:
    """Best fit and intervals of the coupling(s) at fixed mass m (MeV), with the goodness of fit."""
    best_fit, intervals, notes, boundary = {"m": float(m)}, {}, [], {}
    chi2_min, converged, fitted, bounded = 0.0, True, 0, 0
    for name, part in joint.parts().items():
        best, _, iv = fit_coupling(part, m, levels)
        if part.measurements():
            fitted += 1
            boundary[name] = _edge_name(part, m, best)
            bounded += boundary[name] is not None
        else:
            boundary[name] = None
            notes.append(note("flat_parameter", parameter=name))
        best_fit[name] = best.eps
        chi2_min += best.chi2
        converged &= best.valid
        intervals[name] = iv
        if boundary[name] is not None:
            notes.append(note("best_fit_on_edge", parameter=name, edge=best.at_edge, set_by=boundary[name],
                              at_zero=boundary[name] == BOUNDARY))
    for name in joint.parameters[1:]:
        if name not in best_fit:
            best_fit[name] = None
            notes.append(note("unconstrained_parameter", parameter=name))
    return FitResult(best_fit, chi2_min, intervals, _gof(joint, chi2_min, fitted, bounded), converged, joint.names,
                     True, boundary, notes)


def _profile_over_mass(part: JointLikelihood, masses: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """min over the mass grid of χ²(m, ε), for each ε (vectorised)."""
    chi2 = -2.0 * part.logl(masses[:, None], eps[None, :])
    return chi2.min(axis=0)


def _profile_edge_owner(part: JointLikelihood, masses: np.ndarray, value: float, inward: float) -> str:
    """What sets an edge of a mass-profiled interval: the owner at the mass that minimises χ² just inside it."""
    inside = value * (1.0 + 1e-9 * inward) if value > 0 else value
    m = float(masses[int(np.argmin(-2.0 * part.logl(masses, np.full(masses.shape, inside))))])
    return edge_owner(part, m, value)


def _profile_intervals(part: JointLikelihood, masses, eps_range, chi2_min, levels,
                       on_boundary: bool) -> tuple[dict, list[str]]:
    """Δχ² ≤ level regions of the mass-profiled χ²(ε), edges refined by brentq."""
    grid = np.concatenate([[0.0], np.geomspace(eps_range[0], eps_range[1], EPS_GRID_POINTS)])
    prof = _profile_over_mass(part, masses, grid)
    profile = lambda e: float(_profile_over_mass(part, masses, np.array([e]))[0])  # noqa: E731
    intervals, notes = {}, []
    for level in _levels(levels):
        threshold = chi2_min + level.delta_chi2(1)
        inside = prof <= threshold
        pieces, edges = [], []
        i = 0
        while i < len(grid):
            if not inside[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(grid) and inside[j + 1]:
                j += 1
            f = lambda e: profile(e) - threshold  # noqa: E731
            lo = grid[i] if i == 0 else crossing(f, grid[i - 1], grid[i])
            hi = grid[j] if j == len(grid) - 1 else crossing(f, grid[j], grid[j + 1])
            hi_owner = _profile_edge_owner(part, masses, hi, -1.0)
            if j == len(grid) - 1:
                notes.append(note("region_reaches_range_end", level=level.label, end=eps_range[1]))
                hi_owner = RANGE_END
            pieces.append([lo, hi])
            edges.append([_profile_edge_owner(part, masses, lo, 1.0), hi_owner])
            i = j + 1
        intervals[level.label] = build_interval(level, level.delta_chi2(1), pieces, edges, on_boundary)
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


def _mass_notes(chi2: np.ndarray, masses: np.ndarray, m_fit: float) -> tuple[list[Note], bool]:
    """Notes on the mass profile: unconstrained (flat χ²) or a best fit on the edge of the range."""
    finite = chi2[np.isfinite(chi2)]
    spread = float(finite.max() - finite.min())
    lo, hi = float(masses[0]), float(masses[-1])
    if spread <= FLAT_MASS_CHI2:
        return [note("mass_not_constrained", spread=spread, threshold=FLAT_MASS_CHI2, lo=lo, hi=hi)], False
    step = masses[1] - masses[0]
    if m_fit - lo < 0.5 * step or hi - m_fit < 0.5 * step:
        return [note("mass_on_range_edge", mass=m_fit, lo=lo, hi=hi)], True
    return [], True


def fit_free_mass(joint: JointLikelihood, mass_range: tuple[float, float],
                  eps_range: tuple[float, float], levels=None) -> FitResult:
    """Best fit with the mass free in mass_range (MeV), ε intervals profiled over the mass."""
    masses = np.linspace(mass_range[0], mass_range[1], MASS_GRID_POINTS)
    profiles = {}
    for name, part in joint.parts().items():
        chi2, _ = profile_minimum(part, masses)
        if not np.isfinite(chi2).any():
            raise NoAllowedRegion("analysis", None,
                                  f"no allowed point for {name} in the mass range {mass_range[0]:g}-{mass_range[1]:g} MeV")
        profiles[name] = (part, chi2)
    if joint.couplings != "universal":
        # Separable χ²: each coupling's part has its own best mass; the joint fit needs one mass.
        total = sum(chi2 for _, chi2 in profiles.values())
        k = int(np.argmin(total))
        best = fit_fixed_mass(joint, masses[k], levels)
        mass_notes, constrained = _mass_notes(total, masses, masses[k])
        notes = [note("lepton_couplings_free_mass")]
        fitted = sum(b is not None for b in best.best_fit.values()) - 1
        gof = _free_mass_gof(joint, masses, best.best_fit, best.chi2_min, fitted,
                             sum(b is not None for b in best.boundary.values()))
        return FitResult(best.best_fit, best.chi2_min, best.intervals, gof, best.converged, joint.names, False,
                         best.boundary, notes + mass_notes + best.notes, constrained)
    part, chi2 = profiles["eps"]
    m0 = masses[int(np.argmin(chi2))]
    piece = fit_coupling(part, m0, levels)[0]
    step = masses[1] - masses[0]
    notes = []
    if piece.at_edge is not None:  # ε on a boundary: the mass is fixed only by the grid
        m_fit, eps_fit, chi2_fit, valid = m0, piece.eps, piece.chi2, piece.valid
        notes.append(note("mass_from_grid_at_eps_edge", spacing=step))
    else:
        m_fit, eps_fit, chi2_fit, valid = _refine_2d(part, m0, piece, max(mass_range[0], m0 - step),
                                                     min(mass_range[1], m0 + step))
    if not (np.isfinite(chi2_fit) and chi2_fit <= piece.chi2):
        m_fit, eps_fit, chi2_fit, valid = m0, piece.eps, piece.chi2, piece.valid
        notes.append(note("refinement_no_gain"))
    if not np.isfinite(chi2_fit):
        raise NoAllowedRegion("analysis", None, "no allowed point in the mass range")
    mass_notes, constrained = _mass_notes(chi2, masses, m_fit)
    boundary = {"eps": _edge_name(part, m_fit, piece) if piece.at_edge is not None else None}
    on_boundary = boundary["eps"] is not None and bool(part.measurements())
    intervals, more = _profile_intervals(part, np.append(masses, m_fit), eps_range, chi2_fit, levels, on_boundary)
    gof = _free_mass_gof(joint, masses, {"m": m_fit, "eps": eps_fit}, chi2_fit, 1 if part.measurements() else 0,
                         int(on_boundary))
    return FitResult({"m": m_fit, "eps": eps_fit}, chi2_fit, {"eps": intervals}, gof, valid, joint.names, False,
                     boundary, notes + mass_notes + more, constrained)


def _free_mass_gof(joint: JointLikelihood, masses: np.ndarray, best: dict, chi2_min: float, couplings: int,
                   bounded: int) -> GoodnessOfFit:
    """Goodness of fit with the mass free: χ²_min's distribution calibrated by toys from the best fit
    (:mod:`dpfit.inference.profile.free_mass_gof`); the fixed-mass rule (mass not counted) where a term declares no
    pseudo-experiment, said in the distribution."""
    from dpfit.inference.profile.free_mass_gof import calibrate
    from dpfit.inference.profile.gof import calibrated_goodness_of_fit

    ndof = max(joint.ndata - couplings, 0)
    calibration = calibrate(joint, masses, best, chi2_min) if joint.ndata else None
    if calibration is None:
        return _gof(joint, chi2_min, couplings, bounded)
    return calibrated_goodness_of_fit(chi2_min, ndof, calibration)


def fit(target, mass: float | None = None, mass_range=None, eps_range=None, levels=None) -> FitResult:
    """Fit at fixed mass (``mass`` in MeV) or with the mass free in ``mass_range`` (MeV).

    ``target``: a :class:`JointLikelihood`, or an Analysis / Model, whose mass
    and coupling ranges are then the defaults. ``levels``: '1sigma,2sigma'
    (default), or any list of probabilities / Nσ
    (:func:`dpfit.inference.levels.parse_levels`). A likelihood without a mass
    or a mass range is fitted with the mass free in its own mass range
    (:meth:`JointLikelihood.default_mass_range`: the preferred region's, else the exclusions').
    """
    notes = []
    if isinstance(target, JointLikelihood):
        joint = target
    else:
        model = target.model() if hasattr(target, "model") else target
        from dpfit.model.coverage import coverage_notes

        joint, notes = model.joint, list(model.notes) + coverage_notes(model, mass)
        if mass is None and mass_range is None:
            if model.mass_range is None:
                raise InputError("analysis", "mass_range", "without a preferred region, give a mass range or a mass")
            mass_range = model.mass_range
        eps_range = model.eps_range if eps_range is None else eps_range
    eps_range = arguments.positive_range((1e-5, 1e-2) if eps_range is None else eps_range, "fit", "eps_range")
    if mass is not None:
        result = fit_fixed_mass(joint, arguments.real(mass, "fit", "mass", lo=0.0), levels)
    else:
        if mass_range is not None:
            mass_range = arguments.positive_range(mass_range, "fit", "mass_range")
        if mass_range is None:
            mass_range = joint.default_mass_range()
            if mass_range is None:
                raise InputError("fit", "mass_range", "no term fixes a mass range: give a mass or a mass range (MeV)")
        result = fit_free_mass(joint, tuple(mass_range), eps_range, levels)
    return dataclasses.replace(result, notes=notes + result.notes)
