"""Coupling bands ε_ℓ(m) from the (g−2) terms, and the numbers behind the overlay figure.

A scenario's Gaussian term −2 ln L = ((k(m) ε² − Δa)/σ)², with
k(m) = α F_V(m/m_ℓ)/2π (Pospelov, PRD 80 (2009) 095002, eq. 2), gives at each mass the region
Δχ² ≤ n² in closed form:

- Δa ≥ 0: best fit ε = sqrt(Δa/k), region
  sqrt(max(Δa − nσ, 0)/k) ≤ ε ≤ sqrt((Δa + nσ)/k);
- Δa < 0: best fit ε = 0 (a vector boson only raises a_ℓ), χ²_min = (Δa/σ)²,
  region ε ≤ sqrt((Δa + σ sqrt((Δa/σ)² + n²))/k), an upper limit.

The source paper's linear propagation ε ± n σ_ε with σ_ε = (ε/2)(σ/Δa) is kept
beside it (NaN where Δa ≤ 0, where it is undefined). Plots read these results
(dpfit.output.figures); they compute nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dpfit.model.analysis import Analysis, gm2_term
from dpfit.inputs.inputset import InputSet
from dpfit.physics.coupling import sigma_eps_linear
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian

#: Band widths n (Δχ² ≤ n²) carried by a CouplingBand: 1σ and 2σ.
SIGMAS = (1, 2)
#: Masses (MeV) at which a limit's edges are sampled across its mass range.
LIMIT_POINTS = 64


@dataclass(frozen=True)
class CouplingBand:
    """ε of one (g−2) scenario against the boson mass, with its nσ bands.

    mass in MeV; delta_a, sigma_delta_a, central and all edges dimensionless.
    ``exact[n]`` and ``linear[n]`` are (lower, upper) edge arrays of the
    Δχ² ≤ n² region and of the paper's ε ± n σ_ε; ``central`` is the best fit
    (0 when Δa < 0, where the exact band is an upper limit with lower edge 0;
    the linear band is NaN when Δa ≤ 0). ``convention``: the input convention Δa comes from
    ('paper': the source paper's rounded inputs, 'precise'), None when the band was built from a bare term.
    """

    lepton: str
    scenario: str
    mass: np.ndarray = field(repr=False)
    delta_a: float
    sigma_delta_a: float
    central: np.ndarray = field(repr=False)
    exact: dict[int, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    linear: dict[int, tuple[np.ndarray, np.ndarray]] = field(repr=False)
    convention: str | None = None

    @property
    def upper_limit(self) -> bool:
        """True when Δa < 0: the exact band is an upper limit on ε, not a band."""
        return self.delta_a < 0

    def edges(self, n: int, linear: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper) edges of the nσ band, exact or (``linear=True``) the paper's."""
        return (self.linear if linear else self.exact)[n]


def exact_edges(k, delta: float, sigma: float, n: float) -> tuple[np.ndarray, np.ndarray]:
    """Edges of Δχ² ≤ n² for −2 ln L = ((k ε² − Δa)/σ)², ε ≥ 0, with k = δa/ε² > 0.

    For Δa < 0 the upper edge uses Δa + sqrt(Δa² + n²σ²) = n²σ²/(sqrt(Δa² + n²σ²) − Δa),
    free of cancellation.
    """
    k = np.asarray(k, dtype=float)
    if delta >= 0:
        lower = np.sqrt(max(delta - n * sigma, 0.0) / k)
        return lower, np.sqrt((delta + n * sigma) / k)
    reach = (n * sigma) ** 2 / (np.hypot(delta, n * sigma) - delta)
    return np.zeros_like(k), np.sqrt(reach / k)


def band_from_term(term: Gm2Gaussian, masses) -> CouplingBand:
    """The exact and linear 1σ, 2σ bands of a (g−2) term at masses (MeV)."""
    mass = np.atleast_1d(np.asarray(masses, dtype=float))
    k = term.shift_per_eps2(mass)
    delta, sigma = term.delta, term.sigma
    central = np.sqrt(max(delta, 0.0) / k)
    exact = {n: exact_edges(k, delta, sigma, n) for n in SIGMAS}
    if delta > 0:
        sigma_eps = sigma_eps_linear(central, delta, sigma)
        linear = {n: (central - n * sigma_eps, central + n * sigma_eps) for n in SIGMAS}
    else:
        nan = np.full(mass.shape, np.nan)
        linear = {n: (nan, nan) for n in SIGMAS}
    return CouplingBand(term.lepton, term.scenario, mass, delta, sigma, central, exact, linear)


def _input_set(source: Analysis | InputSet) -> InputSet:
    return source.inputs if isinstance(source, Analysis) else source


def coupling_band(source: Analysis | InputSet, lepton: str, scenario: str, masses) -> CouplingBand:
    """The band of ε_ℓ for one scenario ('mu' or 'e', e.g. 'WP20') at masses (MeV).

    source: an Analysis (its inputs are used, whatever scenarios it picks) or an InputSet.
    """
    inputs = _input_set(source)
    return replace(band_from_term(gm2_term(inputs.gm2_card(lepton, scenario)), masses), convention=inputs.convention)


def scenario_bands(source: Analysis | InputSet, lepton: str, masses) -> list[CouplingBand]:
    """Bands of every scenario of a lepton (user-added ones included), in date order; masses in MeV."""
    inputs = _input_set(source)
    return [replace(band_from_term(gm2_term(record), masses), convention=inputs.convention)
            for record in inputs.gm2_cards(lepton)]


@dataclass(frozen=True)
class Box:
    """A labelled rectangle in (m, ε): mass range in MeV, coupling range dimensionless."""

    label: str
    mass: tuple[float, float]
    eps: tuple[float, float]


@dataclass(frozen=True)
class LimitEdges:
    """An exclusion's band lower < ε < upper over its mass range (MeV); upper may be +inf."""

    name: str
    experiment: str
    cl: float | None
    mass: np.ndarray = field(repr=False)
    lower: np.ndarray = field(repr=False)
    upper: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class OverlayResults:
    """Everything the overlay figure draws: bands, limits, the ATOMKI box and the window over mass.

    mass: grid of the bands, MeV. atomki: the preferred-region box (None
    without a region). electron, muon: bands of every scenario of each lepton.
    limits: the exclusions in use. window: the surviving coupling pieces at the
    X17 mass, each drawn over the analysis mass range. provenance: the
    analysis choices and the input files (with hashes).
    """

    mass: np.ndarray
    atomki: Box | None
    electron: list[CouplingBand]
    muon: list[CouplingBand]
    limits: list[LimitEdges]
    window: list[Box]
    provenance: dict
    #: The window with its mass dependence: (masses MeV, lower, upper), the paper's interval algebra at each
    #: mass of the analysis mass range (NaN where empty); None when not computed.
    window_band: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


def limit_edges(record, term: Exclusion) -> list[LimitEdges]:
    """An Exclusion term's bands (Exclusion.band_edges) sampled across its mass range, MeV, one per band;
    ``record`` is its ExclusionCard (experiment, CL)."""
    lo, hi = term.mass_range
    inside = term.mass[(term.mass > lo) & (term.mass < hi)]
    mass = np.unique(np.concatenate([np.geomspace(lo, hi, LIMIT_POINTS), inside]))
    lowers, uppers = term.band_edges(mass)
    out = []
    for band, (lower, upper) in enumerate(zip(lowers, uppers)):
        keep = np.isfinite(lower)
        name = term.name if len(lowers) == 1 else f"{term.name} band {band + 1}"
        out.append(LimitEdges(name, record.experiment, record.cl, mass[keep], lower[keep], upper[keep]))
    return out


def atomki_box(analysis: Analysis) -> Box | None:
    """The region card's box: m0 ± σ_m (MeV) by ε_lower..ε_upper; None without a region.

    For a Gaussian-mass card the box spans the 1σ mass range.
    """
    region = analysis.region_card()
    if region is None:
        return None
    m0, width = region.mass, region.mass_sigma
    return Box(region.experiment, (m0 - width, m0 + width), (region.eps_lower, region.eps_upper))


def window_boxes(analysis: Analysis, pieces) -> list[Box]:
    """The window's ε pieces [[lo, hi], ...] as boxes over the analysis mass range (MeV)."""
    mass = tuple(analysis.resolved_mass_range())
    return [Box("surviving window", mass, (float(lo), float(hi))) for lo, hi in pieces]


def overlay_results(analysis: Analysis, masses, window_pieces) -> OverlayResults:
    """The overlay's numbers for an analysis: bands at masses (MeV), limits, box and window.

    window_pieces: the surviving ε intervals [[lo, hi], ...] at the X17 mass
    (e.g. from the window computation); each is drawn over
    ``analysis.resolved_mass_range()`` (the ATOMKI box's masses by default).
    """
    inputs = analysis.inputs
    mass = np.atleast_1d(np.asarray(masses, dtype=float))
    records = {r.name: r for r in analysis.exclusion_records()}  # cards and limit files
    limits = [edges for t in analysis.terms() if isinstance(t, Exclusion) for edges in limit_edges(records[t.name], t)]
    window = window_boxes(analysis, window_pieces)
    provenance = {"analysis": analysis.describe(), "inputs": inputs.provenance([t.name for t in analysis.terms()])}
    return OverlayResults(mass, atomki_box(analysis), scenario_bands(inputs, "e", mass),
                          scenario_bands(inputs, "mu", mass), limits, window, provenance,
                          window_band(analysis) if window else None)


#: Masses at which the overlay's window is evaluated across the analysis mass range.
WINDOW_POINTS = 81


def window_band(analysis: Analysis) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interval-algebra window at each of WINDOW_POINTS masses of the analysis mass range:
    (masses MeV, lowest, highest surviving ε), NaN where the window is empty."""
    from dpfit.inference.window import algebra_over_masses

    masses, pieces = algebra_over_masses(analysis.likelihood(), np.linspace(*analysis.resolved_mass_range(), WINDOW_POINTS))
    lower = np.array([p[0][0] if p else np.nan for p in pieces])
    upper = np.array([p[-1][1] if p else np.nan for p in pieces])
    return masses, lower, upper
