"""The landscape: every shipped published limit recast to a model, their union, and where (g−2)_μ survives.

Each exclusion card whose data names a DarkCast table (``darkcast:``) is recast to the model
(:func:`dpfit.model.recast.recast_contour`, Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004). Visible-decay
searches use the model's branching fractions; invisible-decay searches exclude a boson that decays
invisibly (BR = 1, their published assumption), so under a model they scale by the production ratio alone,
g = ε/√c_P. A limit whose production or final state has no coupling in the model, or that dpfit cannot recast
(η → γX, φ → ηX, LHC production, X → π⁺π⁻; or masses above 2 m_π for a model other than the dark photon),
drops out with a note.

The union at a mass is the union of the excluded intervals of every search there, each contour interpolated
linearly in (ln m, ln g) between its own masses (nothing excluded outside them). The (g−2)_μ explanation
*survives* at a mass when the 2σ band of a scenario (Δχ² ≤ 4 of the exact Gaussian likelihood,
:func:`dpfit.inference.bands.exact_edges`) is not entirely inside that union; the report lists the mass
intervals of the grid where it does, per scenario and per decay family (visible and invisible searches are
two hypotheses on the same boson and are never united). Masses in MeV, couplings in units of e.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dpfit.errors import InputError
from dpfit.inputs.records import ExclusionCard
from dpfit.model.recast import Physics, recast_contour
from dpfit.notes import Note, note
from dpfit.physics.vector_models import VectorModel, production_ratio

#: The decay families ``--decays`` selects.
DECAY_CHOICES = {"visible": ("visible",), "invisible": ("invisible",), "all": ("visible", "invisible")}
#: Masses of the common grid on which the union and the (g−2)_μ survival are evaluated.
GRID_POINTS = 1200


@dataclass(frozen=True)
class LimitCurve:
    """One search recast to the model: masses (MeV, within the range asked), lower and upper edges of its
    bands in the model's coupling (shape (bands, n); +inf where nothing is excluded)."""

    limit: str
    card: str
    experiment: str
    citation: str
    family: str
    mass: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)

    def intervals_at(self, masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) of each band at ``masses``, interpolated in (ln m, ln g); +inf where not excluded."""
        masses = np.asarray(masses, dtype=float)
        lo = np.full((self.lower.shape[0], masses.size), np.inf)
        hi = np.full_like(lo, np.inf)
        if self.mass.size < 2:
            return lo, hi
        x, at = np.log(self.mass), np.log(masses)
        inside = (masses >= self.mass[0]) & (masses <= self.mass[-1])
        j = np.clip(np.searchsorted(x, at, side="right") - 1, 0, x.size - 2)
        t = np.where(inside, (at - x[j]) / (x[j + 1] - x[j]), 0.0)
        for b in range(self.lower.shape[0]):
            l0, l1 = self.lower[b, j], self.lower[b, j + 1]
            u0, u1 = self.upper[b, j], self.upper[b, j + 1]
            ok = inside & np.isfinite(l0) & np.isfinite(l1)
            with np.errstate(invalid="ignore", divide="ignore"):
                lo[b] = np.where(ok, np.exp(np.log(l0) + t * (np.log(l1) - np.log(l0))), np.inf)
                closed = ok & np.isfinite(u0) & np.isfinite(u1)
                hi[b] = np.where(closed, np.exp(np.log(u0) + t * (np.log(u1) - np.log(u0))), np.inf)
            hi[b] = np.where(ok, hi[b], np.inf)
        return lo, hi


@dataclass(frozen=True)
class Landscape:
    """Every search drawn (``curves``), the notes on those that dropped out, the mass range and the grid."""

    model: str
    mass_range: tuple[float, float]
    curves: list[LimitCurve]
    dropped: list[Note]
    notes: list[Note]
    grid: np.ndarray = field(repr=False)

    def families(self) -> list[str]:
        return sorted({c.family for c in self.curves}, key=("visible", "invisible").index)

    def union(self, family: str) -> list[list[tuple[float, float]]]:
        """At each grid mass, the merged excluded intervals [(lo, hi), ...] of the family's searches."""
        pieces: list[list[tuple[float, float]]] = [[] for _ in self.grid]
        for curve in self.curves:
            if curve.family != family:
                continue
            lo, hi = curve.intervals_at(self.grid)
            for b in range(lo.shape[0]):
                for i in np.flatnonzero(np.isfinite(lo[b])):
                    pieces[i].append((float(lo[b, i]), float(hi[b, i])))
        return [merge(p) for p in pieces]

    def searches_by_decade(self) -> list[tuple[float, float, list[str]]]:
        """(decade low, decade high, [limits whose contour spans some of it]) for each mass decade of the range
        (a contour spans its first to its last tabulated mass)."""
        lo, hi = self.mass_range
        out = []
        for k in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))):
            a, b = max(10.0**k, lo), min(10.0 ** (k + 1), hi)
            names = [c.limit for c in self.curves if c.mass[0] < b and c.mass[-1] >= a]
            out.append((a, b, names))
        return out


def merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of intervals as disjoint sorted intervals."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(intervals):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def covered(union: list[tuple[float, float]], lo: float, hi: float) -> bool:
    """True when [lo, hi] lies inside one interval of a merged union."""
    return any(a <= lo and hi <= b for a, b in union)


def _invisible(record: ExclusionCard, model: VectorModel) -> tuple[np.ndarray, np.ndarray] | None:
    """An invisible search's bands under the model (a boson decaying invisibly): g = ε/√c_P; None if c_P = 0."""
    c_p = production_ratio(model, record.mechanism)
    if c_p == 0:
        return None
    scale = 1.0 / np.sqrt(c_p)
    return np.atleast_2d(record.contour.lower) * scale, np.atleast_2d(record.contour.upper) * scale


def build_landscape(inputs, model: VectorModel, physics: Physics, mass_range: tuple[float, float],
                    decays: str = "all") -> Landscape:
    """Recast every shipped DarkCast limit of ``inputs`` (an InputSet) to ``model`` over ``mass_range`` (MeV)."""
    families = DECAY_CHOICES[decays]
    curves, dropped, notes = [], [], []
    lo_m, hi_m = mass_range
    for record in sorted(inputs.exclusion_cards(), key=lambda r: r.name):
        data = inputs.file(record.data).doc
        limit = data.get("darkcast")
        family = "invisible" if record.decay == "invisible" else "visible"
        if limit is None or family not in families:
            continue
        m = np.asarray(record.contour.mass, dtype=float)
        if m[-1] < lo_m or m[0] > hi_m:
            continue
        if family == "invisible":
            bands = _invisible(record, model)
            if bands is None:
                dropped.append(note("landscape_no_production", limit=limit, mechanism=record.mechanism,
                                    model=model.name))
                continue
            lower, upper = bands
        else:
            try:
                recast = recast_contour(record, model, physics)
            except InputError as exc:
                dropped.append(note("landscape_unreadable", limit=limit,
                                    reason=exc.message if hasattr(exc, "message") else str(exc)))
                continue
            if not recast.constrains and m[0] > 2 * physics.pion_mass:
                dropped.append(note("landscape_above_hadronic", limit=limit, threshold=2 * physics.pion_mass,
                                    model=model.name))
                continue
            if not recast.constrains:
                dropped.append(note("landscape_no_coupling", limit=limit, mechanism=record.mechanism,
                                    decay=record.decay, model=model.name))
                continue
            if recast.note is not None and recast.note.get("hadronic_limit") is not None:
                notes.append(note("landscape_below_hadronic", limit=limit, threshold=recast.note.get("hadronic_limit")))
            lower, upper = np.atleast_2d(recast.lower), np.atleast_2d(recast.upper)
        keep = (m >= lo_m) & (m <= hi_m)
        # one contour mass either side of the range keeps the interpolated edge up to the range's ends
        idx = np.flatnonzero(keep)
        if idx.size:
            idx = np.arange(max(idx[0] - 1, 0), min(idx[-1] + 2, m.size))
        else:
            idx = np.arange(max(np.searchsorted(m, lo_m) - 1, 0), min(np.searchsorted(m, hi_m) + 1, m.size))
        excluded = np.isfinite(lower[:, idx]).any(axis=0)
        if not excluded.any():
            dropped.append(note("landscape_excludes_nothing", limit=limit, lo=lo_m, hi=hi_m, model=model.name))
            continue
        curves.append(LimitCurve(limit, record.name, record.experiment, data["reference"].split(";")[0], family,
                                 m[idx], lower[:, idx], upper[:, idx]))
    grid = np.geomspace(lo_m, hi_m, GRID_POINTS)
    return Landscape(model.name, (lo_m, hi_m), curves, dropped, notes, grid)


@dataclass(frozen=True)
class Survival:
    """Where the (g−2)_μ 2σ band of one scenario is not entirely excluded by one decay family's searches:
    mass intervals (MeV) of the grid, and whether the band exists there (Δa > 2σ: a band, else an upper limit)."""

    scenario: str
    family: str
    intervals: list[tuple[float, float]]
    band: bool


def survival(land: Landscape, band_edges: dict[str, tuple[np.ndarray, np.ndarray]]) -> list[Survival]:
    """For each scenario's 2σ edges (lower, upper) of the model's coupling on ``land.grid`` and each family:
    the grid mass intervals where [lower, upper] is not inside the union. A scenario whose 2σ region reaches
    g = 0 (Δa < 2σ) is compatible with no boson and survives everywhere; it is flagged ``band=False``."""
    out = []
    for family in land.families():
        union = land.union(family)
        for scenario, (lower, upper) in band_edges.items():
            band = bool(np.all(lower > 0))
            alive = np.array([not covered(u, lo, hi) for u, lo, hi in zip(union, lower, upper)])
            out.append(Survival(scenario, family, runs(land.grid, alive), band))
    return out


def runs(grid: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """The [first, last] grid masses of each run of True in ``mask``."""
    out, start = [], None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        if not on and start is not None:
            out.append((float(grid[start]), float(grid[i - 1])))
            start = None
    if start is not None:
        out.append((float(grid[start]), float(grid[-1])))
    return out


def excluded_mask(land: Landscape, family: str, eps: np.ndarray) -> np.ndarray:
    """Boolean (len(eps), len(grid)): True where (grid mass, eps) lies in the family's union."""
    union = land.union(family)
    mask = np.zeros((eps.size, land.grid.size), dtype=bool)
    for i, intervals in enumerate(union):
        for lo, hi in intervals:
            mask[:, i] |= (eps > lo) & (eps < hi)
    return mask


#: The muon scenarios whose survival the landscape reports, and the electron scenario it draws.
MUON_SCENARIOS = ("WP20", "BMW21", "WP25")
ELECTRON_SCENARIO = "Rb20"


def gm2_bands(inputs, model: VectorModel, grid: np.ndarray) -> tuple[list, list]:
    """(muon bands of MUON_SCENARIOS, electron band of ELECTRON_SCENARIO) under ``model`` on the mass ``grid``
    (MeV), from the exact likelihood (:func:`dpfit.inference.bands.band_from_term`); none for a lepton the model
    does not couple to vectorially, or for a model with axial lepton couplings (their bands are not drawn)."""
    from dpfit.inference.bands import band_from_term
    from dpfit.model.analysis import gm2_term

    if any(model.charges(f, "axial") for f in ("e", "mu")):
        return [], []
    muon = [band_from_term(gm2_term(inputs.gm2_card("mu", s), model), grid) for s in MUON_SCENARIOS
            if model.squared_charge("mu") > 0]
    electron = ([band_from_term(gm2_term(inputs.gm2_card("e", ELECTRON_SCENARIO), model), grid)]
                if model.squared_charge("e") > 0 else [])
    return muon, electron


def muon_survival(inputs, model: VectorModel, physics: Physics, mass_range: tuple[float, float] = (1.0, 1000.0),
                  decays: str = "visible") -> tuple[Landscape, list[Survival]]:
    """The landscape of ``model`` over ``mass_range`` (MeV) and where each muon scenario's 2σ band survives it
    (:func:`survival`; method in the module docstring)."""
    land = build_landscape(inputs, model, physics, mass_range, decays)
    muon, _ = gm2_bands(inputs, model, land.grid)
    return land, survival(land, {band.scenario: band.edges(2) for band in muon})
