"""A 2D profile-likelihood scan split by mass rows over an executor (serial, processes, dask).

Each task evaluates χ²(m, ε) (other coupling profiled) and the exact per-mass
minimum for a block of consecutive masses (:func:`dpfit.inference.scan._chi2_grid`);
the blocks are concatenated in mass order, so the result is bit-identical to
the unsplit scan whatever the executor and the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.inference.executors import Executor, TaskStore, run_tasks
from dpfit.likelihood.joint import JointLikelihood

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
    from dpfit.inference.scan import _chi2_grid

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
