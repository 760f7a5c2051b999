"""Coverage of the fixed-mass intervals (fc, cls, chi2) over a grid of true couplings, by toys.

At each true ε the toys of :mod:`dpfit.inference.frequentist.toys` are generated and the
fraction whose interval contains ε_true is counted; its error is binomial,
sqrt(c (1 − c)/N). Whether a toy's interval holds x_true = ε_true² needs only
the statistic at x_true (Neyman construction):

- ``chi2``: Δχ²(x_true) ≤ Δχ²(level);
- ``fc``: P(t ≥ t_toy | x_true) > 1 − CL, the p-value from the calibration
  toys of the same chunk (an independent stream of the chunk's generator,
  CHUNK toys), i.e. Feldman–Cousins with critical values from CHUNK toys;
- ``cls``: CLs(x_true) = P(q̃ ≥ q̃_toy | x_true) / P(q̃ ≥ q̃_toy | 0) > 1 − CL,
  both from the chunk's calibration toys (Read 2002; q̃ of Cowan et al. 2011).

Counts are integers summed over chunks, so coverage is the same for any split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit import arguments
from dpfit.errors import InputError
from dpfit.runtime.executors import Executor
from dpfit.inference.frequentist.constructions import METHODS
from dpfit.inference.levels import Level
from dpfit.inference.frequentist.toys import CHUNK, ToyModel, chunk_rng, chunk_sizes, run_toy_chunks, toy_draws
from dpfit.notes import Note, note


@dataclass(frozen=True)
class CoverageJob:
    model: ToyModel
    method: str
    probability: float
    threshold: float
    eps_true: np.ndarray
    seed: int


def _greater_equal_counts(calibration: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, the number of calibration entries ≥ it."""
    ordered = np.sort(calibration)
    return ordered.size - np.searchsorted(ordered, values, side="left")


def covered_chunk(job: CoverageJob, chunk: int, size: int) -> np.ndarray:
    """Rows [c, c², size·c] for each ε_true, c the number of toys of one chunk whose interval contains ε_true (the
    squares give the spread between chunks, which holds the calibration toys' noise)."""
    rng = chunk_rng(job.seed, chunk)
    model = job.model
    toys = toy_draws(model, rng, size)
    calibration = toy_draws(model, rng, size) if job.method != "chi2" else None
    alpha = 1.0 - job.probability
    out = np.zeros(job.eps_true.size, dtype=np.int64)
    for i, eps in enumerate(job.eps_true):
        x = float(eps) ** 2
        u, n = toys.at(model, x)
        if job.method == "chi2":
            out[i] = np.count_nonzero(model.delta_chi2(x, u, n) <= job.threshold)
            continue
        v, m = calibration.at(model, x)
        if job.method == "fc":
            above = _greater_equal_counts(model.delta_chi2(x, v, m), model.delta_chi2(x, u, n))
            out[i] = np.count_nonzero(above > alpha * size)
        else:  # under x = 0 no event is expected: every count is 0
            q = model.q_tilde(x, u, n)
            n_sb = _greater_equal_counts(model.q_tilde(x, v, m), q)
            n_b = _greater_equal_counts(model.q_tilde(x, calibration.offsets, None if m is None else 0), q)
            out[i] = np.count_nonzero(n_sb > alpha * n_b)
    return np.stack([out, out * out, size * out])


@dataclass
class CoverageResult:
    """Coverage (fraction of toys whose interval holds ε_true) and its Monte-Carlo error, per ε_true; ``error_method``
    says how the error was estimated."""

    method: str
    level: Level
    mass: float
    eps_true: np.ndarray
    coverage: np.ndarray
    error: np.ndarray
    toys: int
    seed: int
    error_method: Note = note("coverage_error_binomial")

    def rows(self) -> np.ndarray:
        """Columns eps_true, coverage, error."""
        return np.column_stack([self.eps_true, self.coverage, self.error])

    def to_dict(self) -> dict:
        return {"method": self.method, "description": METHODS[self.method], "cl": self.level.probability,
                "level": self.level.label, "mass_MeV": self.mass, "toys_per_point": self.toys, "seed": self.seed,
                "eps_true": self.eps_true.tolist(), "coverage": self.coverage.tolist(), "error": self.error.tolist(),
                "error_method": self.error_method}


def coverage(model: ToyModel, method: str, level: Level, eps_true, ntoys: int, seed: int = 1,
             executor: Executor = Executor(), store_dir=None, progress: bool = False,
             identity: dict | None = None) -> CoverageResult:
    """Coverage of ``method`` at ``level`` for each true ε in ``eps_true`` (≥ 0), ``ntoys`` toys per point.

    With ``store_dir`` finished chunks are kept there (an interrupted run resumes); ``identity`` (e.g.
    :meth:`dpfit.model.analysis.Analysis.job_identity`) is added to what names the job.
    """
    if method not in METHODS:
        raise InputError("coverage", "method", f"expected one of {', '.join(METHODS)}, got '{method}'")
    eps_true = np.asarray(eps_true, dtype=float)
    if eps_true.ndim != 1 or eps_true.size == 0 or not np.all(np.isfinite(eps_true) & (eps_true >= 0)):
        raise InputError("coverage", "eps_true", "expected finite true couplings >= 0")
    ntoys = arguments.integer(ntoys, "coverage", "toys", arguments.MIN_TOYS, arguments.MAX_TOYS)
    seed = arguments.integer(seed, "coverage", "seed", 0, arguments.MAX_SEED)
    if not np.all(model.allowed_x(eps_true**2)):
        raise InputError("coverage", "eps_true", "a true coupling lies in an excluded region at this mass")
    job = CoverageJob(model, method, level.probability, level.delta_chi2(), eps_true, int(seed))
    counts = run_toy_chunks(covered_chunk, job, ntoys, executor, store_dir, progress=progress,
                            work_per_toy=eps_true.size,
                            identity={**(identity or {}), "kind": "coverage", "method": method, "cl": level.probability,
                                      "eps_true": eps_true.tolist()})
    covered = counts[0] / ntoys
    error, how = _error(method, counts, ntoys)
    return CoverageResult(method, level, model.mass, eps_true, covered, error, ntoys, int(seed), how)


#: Fewest chunks whose spread alone gives the error of a toy-calibrated construction.
MIN_BATCHES = 5


def _error(method: str, counts: np.ndarray, ntoys: int) -> tuple[np.ndarray, Note]:
    """The coverage's Monte-Carlo error and how it was found. Δχ² (no calibration): binomial, sqrt(c(1 − c)/N).
    FC and CLs read their critical values from each chunk's own calibration toys, whose noise the binomial error
    misses: the error is then the spread of the chunks' coverages (batch means,
    Var = k/(k − 1) Σ_j (n_j c_j − n_j c)² / N² over k chunks of n_j toys), and with fewer than MIN_BATCHES chunks the
    larger of that and the binomial error."""
    covered = counts[0] / ntoys
    binomial = np.sqrt(covered * (1 - covered) / ntoys)
    sizes = np.array(chunk_sizes(ntoys), dtype=float)
    k = sizes.size
    if method == "chi2":
        return binomial, note("coverage_error_binomial")
    if k < 2:
        return binomial, note("coverage_error_one_chunk", least=MIN_BATCHES * CHUNK)
    spread = counts[1] - 2 * covered * counts[2] + covered**2 * np.sum(sizes**2)
    batch = np.sqrt(np.maximum(spread, 0.0) * k / (k - 1)) / ntoys
    if k < MIN_BATCHES:
        return np.maximum(batch, binomial), note("coverage_error_larger", chunks=k)
    return batch, note("coverage_error_batch", chunks=k)
