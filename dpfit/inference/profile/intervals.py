"""Likelihood intervals as results: pieces at one level, what they hold, and the term that sets each edge."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.inference.levels import Level, one_sided_coverage
from dpfit.likelihood.joint import JointLikelihood

#: Edge label of the physical boundary ε = 0.
BOUNDARY = "eps=0"
#: Edge label of the end of the scanned coupling range.
RANGE_END = "eps_range"


@dataclass(frozen=True)
class Interval:
    """The region Δχ² ≤ ``delta_chi2`` of one parameter at one level, as a union of pieces.

    ``coverage`` is the probability it holds: the level's own for a two-sided
    region, ½ + ½ F_χ²₁(Δχ²) for a one-sided upper limit (best fit on ε = 0 or
    another hard edge; Chernoff 1954). ``edges[i]`` names the term that sets
    each end of piece i ('gm2:WP25', 'na64', 'eps=0', ...).
    """

    level: Level
    delta_chi2: float
    coverage: float
    sided: str
    pieces: list[list[float]]
    edges: list[list[str]]

    def to_dict(self) -> dict:
        """``coverage``: the two-sided level, or for a one-sided limit its coverage at a true coupling on the
        edge; ``coverage_range``: [least, most] the region holds (equal for a two-sided region)."""
        low = self.coverage if self.sided == "two-sided" else self.level.probability
        return {"delta_chi2": self.delta_chi2, "coverage": self.coverage, "coverage_range": [low, self.coverage],
                "sided": self.sided, "pieces": self.pieces, "edges": self.edges}


def build_interval(level: Level, delta_chi2: float, pieces: list[list[float]], edges: list[list[str]],
                   on_boundary: bool) -> Interval:
    """An :class:`Interval`; ``on_boundary``: the best fit sits on a hard edge, the region is one-sided."""
    if on_boundary:
        return Interval(level, delta_chi2, one_sided_coverage(delta_chi2), "one-sided", pieces, edges)
    return Interval(level, delta_chi2, level.probability, "two-sided", pieces, edges)


def step_edge_owner(joint: JointLikelihood, m: float, value: float, rel: float = 1e-9) -> str | None:
    """The step term whose allowed region ends at ``value`` (coupling) at mass m (MeV), if any."""
    for term in joint.terms:
        allowed = term.allowed(m)
        if not allowed:
            continue
        for lo, hi in allowed:
            for edge in (lo, hi):
                if edge > 0 and np.isfinite(edge) and abs(edge - value) <= rel * edge:
                    return term.name
    return None


def measurement_edge_owner(joint: JointLikelihood, m: float, value: float, rel: float = 1e-6) -> str | None:
    """The measurement term whose χ² changes fastest at ``value`` (a central difference of −2 ln L in ε):
    the one that closes the region there."""
    best, owner = -1.0, None
    step = rel * value
    for term in joint.measurements():
        with np.errstate(over="ignore", invalid="ignore"):
            up, down = -2.0 * term.logl(m, value + step), -2.0 * term.logl(m, max(value - step, 0.0))
        slope = abs(float(up - down))
        if np.isfinite(slope) and slope > best:
            best, owner = slope, term.label
    return owner


def edge_owner(joint: JointLikelihood, m: float, value: float) -> str:
    """What sets an interval edge at coupling ``value`` and mass m: ε = 0, a step term's wall or a (g−2) term."""
    if value == 0.0:
        return BOUNDARY
    if not np.isfinite(value):
        return "open"
    return step_edge_owner(joint, m, value) or measurement_edge_owner(joint, m, value) or "unknown"
