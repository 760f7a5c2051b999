"""Profile-likelihood scans: Δχ²(ε) at fixed mass and Δχ²(m, ε) over a log-spaced grid.

Δχ² is taken against the exact minimum (closed form per allowed piece where the terms declare one, else
numerical, see :func:`dpfit.inference.profile.minimum.profile_minimum`, and never above a grid point), not against
the smallest grid value. In
lepton-coupling mode the coupling not on the axis is profiled; because each
term reads one coupling, that profile is the other part's own minimum at each
mass. Excluded points have Δχ² = +inf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.profile.minimum import profile_minimum
from dpfit.likelihood.joint import JointLikelihood
from dpfit.runtime.executors import Executor, TaskStore, run_tasks

#: A per-mass profile minimum varying by less than this over the mass grid leaves the mass unconstrained.
FLAT_MASS_CHI2 = 0.1


@dataclass
class Scan:
    """A scan: masses (MeV), couplings, and Δχ² with shape (len(mass), len(eps)).

    ``per_mass``: the exact minimum of χ² over the coupling at each mass (profiled over the other coupling).
    ``edges``: the exact couplings where a step term's allowed set begins or ends at each mass, shape
    (k, len(mass)), NaN where a term has no edge (:meth:`JointLikelihood.coupling_edges` of the terms on the axis).
    """

    mass: np.ndarray
    eps: np.ndarray
    delta_chi2: np.ndarray
    chi2_min: float
    axis: str
    per_mass: np.ndarray
    edges: np.ndarray | None = None

    @property
    def mass_unconstrained(self) -> bool:
        """True when the profile over the coupling varies by less than FLAT_MASS_CHI2 across the masses."""
        finite = self.per_mass[np.isfinite(self.per_mass)]
        return self.mass.size > 1 and finite.size > 0 and float(finite.max() - finite.min()) < FLAT_MASS_CHI2

    def contour_levels(self, levels) -> tuple[dict[str, float], int]:
        """Δχ² of each level's contour and the number of parameters used: 2 for (m, coupling), or 1 when the
        mass is unconstrained (then a 2-parameter contour would hold more than it claims)."""
        ndof = 1 if self.mass_unconstrained or self.mass.size == 1 else 2
        return {level.label: level.delta_chi2(ndof) for level in levels}, ndof

    def __repr__(self) -> str:
        allowed = np.isfinite(self.delta_chi2)
        return (f"Scan({self.axis}: {self.mass.size} masses {self.mass[0]:g}-{self.mass[-1]:g} MeV x {self.eps.size} "
                f"couplings {self.eps[0]:.3g}-{self.eps[-1]:.3g}; chi2_min = {self.chi2_min:.4g}; "
                f"{int(allowed.sum())} of {allowed.size} points allowed)")

    def rows(self) -> np.ndarray:
        """Long format, columns mass_MeV, eps, delta_chi2."""
        mm, ee = np.meshgrid(self.mass, self.eps, indexing="ij")
        return np.column_stack([mm.ravel(), ee.ravel(), self.delta_chi2.ravel()])


def _axis_parts(joint: JointLikelihood, axis: str) -> tuple[JointLikelihood, JointLikelihood | None]:
    """(terms reading the axis coupling, terms reading the other one) as universal likelihoods."""
    if axis not in joint.mode.names:
        raise InputError("axis", None, f"the coupling on the axis is one of {', '.join(joint.mode.names)}")
    parts = joint.parts()
    if axis not in parts:
        raise InputError("axis", None, f"no term reads {axis}")
    others = [part for name, part in parts.items() if name != axis]
    return parts[axis], (others[0] if others else None)


def _chi2_grid(joint: JointLikelihood, axis: str, masses: np.ndarray, eps: np.ndarray):
    """χ² on the grid (other coupling profiled) and the exact per-mass minimum."""
    on, off = _axis_parts(joint, axis)
    chi2 = -2.0 * on.logl(masses[:, None], eps[None, :])
    per_mass, _ = profile_minimum(on, masses)
    per_mass = np.minimum(per_mass, chi2.min(axis=1))  # a numerical profile never lies above a grid point
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
        raise NoAllowedRegion("analysis", "mass", f"no coupling is allowed at m = {mass:g} MeV")
    return Scan(masses, np.asarray(eps, dtype=float), chi2 - per_mass[0], float(per_mass[0]), axis, per_mass,
                _axis_parts(joint, axis)[0].coupling_edges(masses))


def scan_2d(joint: JointLikelihood, masses: np.ndarray, eps: np.ndarray, axis: str = "eps", executor=None,
            **run) -> Scan:
    """Δχ²(m, ε) over a grid, relative to the smallest exact per-mass minimum on the mass grid.

    With an ``executor`` (:class:`dpfit.runtime.executors.Executor`) the grid is split by mass rows
    (:func:`chi2_rows`, ``run``: progress, store_dir, identity); same result.
    """
    masses, eps = np.asarray(masses, dtype=float), np.asarray(eps, dtype=float)
    if masses.size * eps.size > MAX_GRID_POINTS:
        raise InputError("points", None, f"a 2D grid of {masses.size} x {eps.size} points exceeds "
                                                  f"{MAX_GRID_POINTS:.3g} points; use fewer")
    if executor is None:
        chi2, per_mass = _chi2_grid(joint, axis, masses, eps)
    else:
        _axis_parts(joint, axis)  # bad axis: the input error here, not in a worker
        chi2, per_mass = chi2_rows(joint, axis, masses, eps, executor, **run)
    chi2_min = float(np.min(per_mass)) + 0.0  # + 0.0: an exact zero reached from below is 0, not -0
    if not np.isfinite(chi2_min):
        raise NoAllowedRegion("analysis", None, "no allowed point anywhere on the grid")
    return Scan(masses, eps, chi2 - chi2_min, chi2_min, axis, per_mass, _axis_parts(joint, axis)[0].coupling_edges(masses))


# ---------------------------------------------------------------- a 2D grid split by mass rows
#: Grid points per task (about 0.1 s of work: small per-task overhead, enough tasks to balance).
POINTS_PER_TASK = 250_000


@dataclass(frozen=True)
class ScanJob:
    joint: JointLikelihood
    axis: str
    masses: np.ndarray
    eps: np.ndarray


def scan_block(job: ScanJob, start: int, stop: int) -> np.ndarray:
    """Rows start..stop-1: column 0 the per-mass minimum, columns 1.. χ² over ε."""
    chi2, per_mass = _chi2_grid(job.joint, job.axis, job.masses[start:stop], job.eps)
    return np.column_stack([per_mass, chi2])


def chi2_rows(joint: JointLikelihood, axis: str, masses: np.ndarray, eps: np.ndarray, executor: Executor,
              progress: bool = False, store_dir=None, identity: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(χ² grid of shape (len(masses), len(eps)), per-mass minimum), computed in blocks of mass rows.

    With ``store_dir`` finished blocks are kept there; ``identity`` (e.g. the analysis) names the job.
    """
    rows = max(1, POINTS_PER_TASK // max(1, eps.size))
    tasks = [(a, min(a + rows, masses.size)) for a in range(0, masses.size, rows)]
    store = None
    if store_dir is not None:
        store = TaskStore(store_dir, {"kind": "scan", "axis": axis, "masses": masses.tolist(), "eps": eps.tolist(),
                                      "terms": repr(joint), "identity": identity})
    blocks = run_tasks(scan_block, ScanJob(joint, axis, masses, eps), tasks, executor,
                       weights=[(b - a) * eps.size for a, b in tasks], store=store, progress=progress,
                       label="grid points")
    out = np.concatenate(blocks, axis=0)
    return out[:, 1:], out[:, 0]


#: Most points along one scan axis.
MAX_POINTS = 10_000
#: Most points of a 2D grid (2000 x 2000; 1000 x 1000 is computed in a fraction of a second).
MAX_GRID_POINTS = 4_000_000


def log_grid(lo: float, hi: float, n) -> np.ndarray:
    """n log-spaced points from lo to hi (both > 0; 2 ≤ n ≤ MAX_POINTS, a whole number)."""
    if not (0 < lo < hi):
        raise InputError("scan range", None, f"expected 0 < low < high, got {lo:g} {hi:g}")
    if not (n == int(n) and 2 <= n <= MAX_POINTS):
        raise InputError("points", None, f"expected a whole number of points from 2 to {MAX_POINTS}, got {n:g}")
    return np.geomspace(lo, hi, int(n))


#: Extra couplings on each side of the span where the likelihood is finite, out to a factor WALL_MARGIN.
MARGIN_POINTS = 8
WALL_MARGIN = 2.0
#: Relative distance of the nodes just outside the finite span's ends.
WALL_GAP = 1e-6


def finite_span(joint: JointLikelihood, masses, eps_range, axis: str = "eps") -> tuple[float, float] | None:
    """The couplings (within ``eps_range``) where the likelihood of the terms on ``axis`` is finite at one
    of the masses (MeV) at least: (lowest allowed, highest allowed); None when nothing is allowed."""
    on, _ = _axis_parts(joint, axis)
    lo, hi = eps_range
    ends = [(piece[0][0], piece[-1][1]) for m in np.atleast_1d(masses)
            if (piece := [p for p in on.allowed(float(m)) if p[1] >= lo and p[0] <= hi])]
    if not ends:
        return None
    return max(lo, min(a for a, _ in ends)), min(hi, max(b for _, b in ends))


def coupling_grid(joint: JointLikelihood, masses, eps_range, n: int, axis: str = "eps") -> np.ndarray:
    """The couplings of a scan at ``masses`` (MeV): n log-spaced points over the span where the likelihood is
    finite (:func:`finite_span`), MARGIN_POINTS more on each side out to a factor WALL_MARGIN (within
    ``eps_range``, so a figure shows the walls), and every term's exact edge at each of the masses
    (:meth:`JointLikelihood.coupling_edges`) inside that range: the walls are grid nodes, not staircases.
    With nothing allowed, n points over the whole range."""
    masses = np.atleast_1d(np.asarray(masses, dtype=float))
    lo, hi = eps_range
    span = finite_span(joint, masses, eps_range, axis)
    if span is None or not span[1] > span[0]:
        return log_grid(lo, hi, n)
    a, b = span
    below = np.geomspace(max(lo, a / WALL_MARGIN), a, MARGIN_POINTS + 1)[:-1] if a > lo else np.empty(0)
    above = np.geomspace(b, min(hi, b * WALL_MARGIN), MARGIN_POINTS + 1)[1:] if b < hi else np.empty(0)
    first, last = (below[0] if below.size else a), (above[-1] if above.size else b)
    edges = _axis_parts(joint, axis)[0].coupling_edges(masses).ravel()
    edges = edges[np.isfinite(edges) & (edges >= first) & (edges <= last)]
    main = max(2, min(int(n), MAX_GRID_POINTS // masses.size - below.size - above.size - edges.size))
    # a node just outside each end of the span: the excluded cells of a map start at the wall, not half a cell on
    beside = [a * (1 - WALL_GAP)] * (a > lo) + [b * (1 + WALL_GAP)] * (b < hi)
    return np.unique(np.concatenate([below, log_grid(a, b, main), above, edges, beside]))


def mass_grid(joint: JointLikelihood, mass_range, n: int) -> np.ndarray:
    """n log-spaced masses (MeV) over ``mass_range`` and the terms' mass breaks inside it (the masses where a
    term's edges change slope or a region begins or ends, :meth:`JointLikelihood.mass_breaks`)."""
    lo, hi = mass_range
    breaks = np.asarray([m for m in joint.mass_breaks() if lo < m < hi], dtype=float)
    return np.unique(np.concatenate([log_grid(lo, hi, n), breaks]))


def scan(target, mass: float | None = None, *, points=None, axis: str | None = None, executor=None, **run) -> Scan:
    """A profile-likelihood scan of an Analysis or Model.

    With ``mass`` (MeV): Δχ² of the coupling at that mass over the model's
    coupling range (``points``: N, default 400). Without: Δχ² over the model's
    mass range × coupling range (``points``: (NM, NE), default (400, 400)). The
    points are log-spaced and spent where the likelihood is finite, with every
    term's exact edge at the scan's masses a grid node (:func:`coupling_grid`, :func:`mass_grid`). ``axis``: the coupling on the axis (default ε, or ε_e with lepton couplings).
    ``executor`` and ``run``: split a 2D grid by mass rows (:func:`scan_2d`).
    """
    model = target.model() if hasattr(target, "model") else target
    joint = model.joint
    axis = axis or joint.mode.window_parameter
    eps_lo, eps_hi = model.eps_range
    if mass is not None:
        n = points if points is not None else 400
        return scan_1d(joint, mass, coupling_grid(joint, [mass], (eps_lo, eps_hi), n, axis), axis)
    if model.mass_range is None:
        raise InputError("scan", "mass_range", "without a preferred region, give a mass range")
    nm, ne = points if points is not None else (400, 400)
    masses = mass_grid(joint, model.mass_range, nm)
    return scan_2d(joint, masses, coupling_grid(joint, masses, (eps_lo, eps_hi), ne, axis), axis, executor, **run)
