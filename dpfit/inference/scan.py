"""Profile-likelihood scans: Δχ²(ε) at fixed mass and Δχ²(m, ε) over a log-spaced grid.

Δχ² is taken against the exact minimum (closed form per allowed piece, see
:func:`dpfit.inference.fit.profile_minimum`), not against the smallest grid value. In
lepton-coupling mode the coupling not on the axis is profiled; because each
term reads one coupling, that profile is the other part's own minimum at each
mass. Excluded points have Δχ² = +inf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.fit import profile_minimum
from dpfit.likelihood.joint import JointLikelihood

#: Δχ² of the 2D contours: 68.27% and 95.45% for two parameters.
CONTOUR_LEVELS = {"68": 2.30, "95": 6.18}


@dataclass
class Scan:
    """A scan: masses (MeV), couplings, and Δχ² with shape (len(mass), len(eps))."""

    mass: np.ndarray
    eps: np.ndarray
    delta_chi2: np.ndarray
    chi2_min: float
    axis: str

    def rows(self) -> np.ndarray:
        """Long format, columns mass_MeV, eps, delta_chi2."""
        mm, ee = np.meshgrid(self.mass, self.eps, indexing="ij")
        return np.column_stack([mm.ravel(), ee.ravel(), self.delta_chi2.ravel()])


def _axis_parts(joint: JointLikelihood, axis: str) -> tuple[JointLikelihood, JointLikelihood | None]:
    """(terms reading the axis coupling, terms reading the other one) as universal likelihoods."""
    if axis not in joint.mode.names:
        raise InputError("option --coupling", None, f"the coupling on the axis is one of {', '.join(joint.mode.names)}")
    parts = joint.parts()
    if axis not in parts:
        raise InputError("option --coupling", None, f"no term reads {axis}")
    others = [part for name, part in parts.items() if name != axis]
    return parts[axis], (others[0] if others else None)


def _chi2_grid(joint: JointLikelihood, axis: str, masses: np.ndarray, eps: np.ndarray):
    """χ² on the grid (other coupling profiled) and the exact per-mass minimum."""
    on, off = _axis_parts(joint, axis)
    chi2 = -2.0 * on.logl(masses[:, None], eps[None, :])
    per_mass, _ = profile_minimum(on, masses)
    if off is not None:
        other, _ = profile_minimum(off, masses)
        chi2 = chi2 + other[:, None]
        per_mass = per_mass + other
    return chi2, per_mass


def scan_1d(joint: JointLikelihood, mass: float, eps: np.ndarray, axis: str = "eps") -> Scan:
    """Δχ²(ε) at a fixed mass (MeV), relative to the exact minimum at that mass."""
    masses = np.array([float(mass)])
    chi2, per_mass = _chi2_grid(joint, axis, masses, np.asarray(eps, dtype=float))
    if not np.isfinite(per_mass[0]):
        raise NoAllowedRegion("analysis", None, f"no coupling is allowed at m = {mass:g} MeV")
    return Scan(masses, np.asarray(eps, dtype=float), chi2 - per_mass[0], float(per_mass[0]), axis)


def scan_2d(joint: JointLikelihood, masses: np.ndarray, eps: np.ndarray, axis: str = "eps") -> Scan:
    """Δχ²(m, ε) over a grid, relative to the smallest exact per-mass minimum on the mass grid."""
    masses, eps = np.asarray(masses, dtype=float), np.asarray(eps, dtype=float)
    if masses.size * eps.size > MAX_GRID_POINTS:
        raise InputError("option --points", None, f"a 2D grid of {masses.size} x {eps.size} points exceeds "
                                                  f"{MAX_GRID_POINTS:.3g} points; use fewer")
    chi2, per_mass = _chi2_grid(joint, axis, masses, eps)
    chi2_min = float(np.min(per_mass))
    if not np.isfinite(chi2_min):
        raise NoAllowedRegion("analysis", None, "no allowed point anywhere on the grid")
    return Scan(masses, eps, chi2 - chi2_min, chi2_min, axis)


#: Most points along one scan axis.
MAX_POINTS = 10_000
#: Most points of a 2D grid (500 x 500: seconds with its plot; 1000 x 1000 took half a minute).
MAX_GRID_POINTS = 250_000


def log_grid(lo: float, hi: float, n) -> np.ndarray:
    """n log-spaced points from lo to hi (both > 0; 2 ≤ n ≤ MAX_POINTS, a whole number)."""
    if not (0 < lo < hi):
        raise InputError("scan range", None, f"expected 0 < low < high, got {lo:g} {hi:g}")
    if not (n == int(n) and 2 <= n <= MAX_POINTS):
        raise InputError("option --points", None, f"expected a whole number of points from 2 to {MAX_POINTS}, got {n:g}")
    return np.geomspace(lo, hi, int(n))
