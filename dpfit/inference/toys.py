"""Toy Monte Carlo at fixed mass: fluctuated (g−2) measurements refitted with the piecewise fit.

A toy at a true point (m, ε_true) replaces every Gaussian measurement Δa_i by
k_i x_true + σ_i z_i (z_i standard normal, x = ε², δa_i = k_i(m) x with k_i
from Pospelov, PRD 80 (2009) 095002, eq. 2); step terms (exclusions, regions)
stay as they are. Each toy is refitted as the data are: inside every piece
the step terms allow, χ² = Σ ((k_i x − Δa_i)/σ_i)² is a parabola in x with
unconstrained minimum x* = Σ k_i Δa_i/σ_i² / A, A = Σ k_i²/σ_i²
(as :func:`dpfit.inference.profile.gaussian_minimum_x`), so the piece minimum is x*
clipped to the piece (:func:`dpfit.inference.profile.piece_candidate`) and the
fit is the best piece. Because χ²(x) = A (x − x*)² + const, the likelihood
ratio of a test point is Δχ²(x) = A [(x − x*)² − (x̂ − x*)²], with x̂ the best
allowed x: no iteration, millions of toy fits per second.

x* is linear in the Δa_i, so a toy at x_true has x* = x_true + u with
u = Σ k_i z_i/σ_i / A the same for every x_true: one draw of z serves all test
points of a chunk (common random numbers), which makes Monte-Carlo p-values
smooth in x_true.

Randomness: chunk c of a job with seed s draws from
``numpy.random.SeedSequence(s, spawn_key=(c,))`` (the c-th child of
``SeedSequence(s)``), and chunks have a fixed size, so a result depends only on
the seed and the number of toys — never on how chunks are spread over workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.profile import piece_candidate
from dpfit.likelihood.joint import JointLikelihood

#: Toys per chunk (a task of an executor). Fixed: results must not depend on the split.
CHUNK = 20_000


@dataclass(frozen=True)
class ToyModel:
    """The Gaussian terms of a universal-coupling likelihood at one mass, and the allowed ε pieces.

    ``k``: δa per ε² of each term; ``delta``, ``sigma``: observed Δa and its error
    (dimensionless); ``pieces``: allowed [lo, hi] in ε; ``mass`` in MeV.
    """

    mass: float
    k: np.ndarray
    delta: np.ndarray
    sigma: np.ndarray
    pieces: tuple
    names: tuple

    @classmethod
    def from_joint(cls, joint: JointLikelihood, mass: float, source: str = "analysis") -> ToyModel:
        if joint.couplings != "universal":
            raise InputError(source, "couplings", "toys need one coupling (universal mode); lepton mode is not supported")
        terms = joint.gaussian_terms()
        if not terms:
            raise InputError(source, None, "no (g-2) measurement to fluctuate: toys need at least one Gaussian term")
        pieces = tuple((float(lo), float(hi)) for lo, hi in joint.allowed(float(mass)))
        if not pieces:
            raise InputError(source, "mass", f"no coupling is allowed at m = {mass:g} MeV")
        k = np.array([float(t.shift_per_eps2(mass)) for t in terms])
        if not np.all(k > 0):
            raise InputError(source, "mass", f"the (g-2) shift vanishes at m = {mass:g} MeV: the coupling is not measured")
        return cls(float(mass), k, np.array([t.delta for t in terms]), np.array([t.sigma for t in terms]),
                   pieces, tuple(t.name for t in terms))

    @property
    def information(self) -> float:
        """A = Σ k_i²/σ_i²: χ² = A (x − x*)² + const; the error on x = ε² is 1/√A."""
        return float(np.sum((self.k / self.sigma) ** 2))

    @property
    def sigma_x(self) -> float:
        """Standard deviation of x* = the Gaussian error on x = ε²."""
        return 1.0 / np.sqrt(self.information)

    @property
    def x_observed(self) -> float:
        """x* of the data (unconstrained minimum, may be negative)."""
        return float(np.sum(self.k * self.delta / self.sigma**2) / self.information)

    def allowed_x(self, x) -> np.ndarray:
        """True where x = ε² lies in an allowed piece."""
        x = np.asarray(x, dtype=float)
        inside = np.zeros(x.shape, dtype=bool)
        for lo, hi in self.pieces:
            inside |= (x >= lo * lo) & (x <= hi * hi)
        return inside

    def best_x(self, x_star) -> np.ndarray:
        """x̂: the best allowed x for unconstrained minima x* (closed form per piece, best piece)."""
        x_star = np.asarray(x_star, dtype=float)
        best = np.full(x_star.shape, np.nan)
        gap = np.full(x_star.shape, np.inf)
        for lo, hi in self.pieces:
            x = piece_candidate(x_star, lo, hi) ** 2
            d = np.abs(x - x_star)
            better = d < gap
            best = np.where(better, x, best)
            gap = np.where(better, d, gap)
        return best

    def delta_chi2(self, x_test, x_star) -> np.ndarray:
        """Δχ² = A [(x − x*)² − (x̂ − x*)²] of test points x against the fit of x* (+inf where x is excluded)."""
        x_test, x_star = np.broadcast_arrays(np.asarray(x_test, dtype=float), np.asarray(x_star, dtype=float))
        t = self.information * ((x_test - x_star) ** 2 - (self.best_x(x_star) - x_star) ** 2)
        return np.where(self.allowed_x(x_test), np.maximum(t, 0.0), np.inf)

    def q_tilde(self, x_test, x_star) -> np.ndarray:
        """q̃ of an upper limit (Cowan et al., EPJC 71 (2011) 1554, eq. 16): Δχ² if x̂ ≤ x, else 0."""
        t = self.delta_chi2(x_test, x_star)
        return np.where(self.best_x(x_star) <= x_test, t, 0.0)


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The generator of chunk ``chunk`` of a job with ``seed`` (independent of the split)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(chunk),)))


def chunk_sizes(ntoys: int) -> list[int]:
    """Sizes of the fixed-size chunks of ``ntoys`` toys (the last one shorter)."""
    full, rest = divmod(int(ntoys), CHUNK)
    return [CHUNK] * full + ([rest] if rest else [])


def toy_offsets(model: ToyModel, rng: np.random.Generator, n: int) -> np.ndarray:
    """u = x* − x_true of n toys: each Δa_i fluctuated by σ_i z_i, refitted in closed form."""
    z = rng.standard_normal((n, model.k.size))
    weights = model.k / model.sigma
    u = z[:, 0] * weights[0]
    for i in range(1, weights.size):  # elementwise in a fixed order (no BLAS threads: same bits everywhere)
        u += z[:, i] * weights[i]
    return u / model.information


def toy_fits(model: ToyModel, x_true: float, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n toys at x_true = ε_true²: fluctuated Δa, then (x̂, Δχ²(x_true)) of each refit."""
    x_star = x_true + toy_offsets(model, rng, n)
    return model.best_x(x_star), model.delta_chi2(x_true, x_star)


def run_toy_chunks(func, job, ntoys: int, executor, store_dir=None, identity: dict | None = None,
                   progress: bool = False, work_per_toy: int = 1) -> np.ndarray:
    """Σ over the fixed-size chunks c of ``func(job, c, size)`` (integer counts), on ``executor``.

    With ``store_dir`` finished chunks are kept there under ``identity`` plus the model's
    measurements, so that an interrupted job resumes (:class:`dpfit.inference.executors.TaskStore`).
    """
    from dpfit.inference.executors import TaskStore, run_tasks

    model = job.model
    sizes = chunk_sizes(ntoys)
    store = None
    if store_dir is not None:
        store = TaskStore(store_dir, {**(identity or {}), "toys": ntoys, "seed": job.seed, "mass": model.mass,
                                      "k": model.k.tolist(), "names": list(model.names), "delta": model.delta.tolist(), "sigma": model.sigma.tolist(),
                                      "pieces": model.pieces})
    counts = run_tasks(func, job, [(c, n) for c, n in enumerate(sizes)], executor,
                       weights=[n * work_per_toy for n in sizes], store=store, progress=progress)
    return np.sum(counts, axis=0)
