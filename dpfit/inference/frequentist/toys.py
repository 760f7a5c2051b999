"""Toy Monte Carlo at fixed mass: every term with data fluctuated, each toy refitted in closed form.

The terms declare their data (:meth:`dpfit.likelihood.terms.Term.toy_data`): a Gaussian measurement
d_i ~ N(k_i x, σ_i) of x = ε² (a (g−2) term: d = Δa, k_i = α F_V(m/m_i)/2π, Pospelov, PRD 80 (2009)
095002, eq. 2), or a count n_j ~ Poisson(c_j x) (a limit read as zero observed events: c = N_c/ε_up²).
Walls (exclusions, regions) hold no data and stay as they are; a term that reads the coupling smoothly but
cannot draw pseudo-data is refused, never dropped. The counts enter only through N = Σ n_j and
C = Σ c_j, so with A = Σ k_i²/σ_i² and x* = Σ k_i d_i/σ_i² / A the toy's χ² is, up to constants,

    f(x) = A (x − x*)² + 2 (C x − N ln x),

convex in x. Its unconstrained minimum solves A x² + (C − A x*) x − N = 0 (x = x* − C/A for N = 0,
x = N/C without Gaussian terms); inside every piece the walls allow the minimum is that root clipped to
the piece, and the fit is the best piece. Δχ²(x) = f(x) − f(x̂): no iteration, millions of toy fits per
second.

x* is linear in the d_i, so a toy at x_true has x* = x_true + u with u = Σ k_i z_i/σ_i / A the same for
every x_true; a count is drawn by inverting the Poisson CDF of C x_true at a uniform U that is also the same
for every x_true. One draw serves all test points of a chunk (common random numbers), which makes
Monte-Carlo p-values smooth in x_true.

Randomness: chunk c of a job with seed s draws from
``numpy.random.SeedSequence(s, spawn_key=(c,))`` (the c-th child of
``SeedSequence(s)``), and chunks have a fixed size, so a result depends only on
the seed and the number of toys — never on how chunks are spread over workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.profile.minimum import piece_candidate
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import CountData

#: Toys per chunk (a task of an executor). Fixed: results must not depend on the split.
CHUNK = 20_000


@dataclass(frozen=True)
class ToyModel:
    """The data of a universal-coupling likelihood at one mass, and the allowed ε pieces.

    ``k``, ``delta``, ``sigma``: the Gaussian measurements (δ per unit ε², observed value, error; dimensionless
    for Δa); ``rate``, ``count``: C = Σ c_j expected events per unit ε² and N the observed count of the
    Poisson terms (0, 0 without any); ``pieces``: allowed [lo, hi] in ε; ``mass`` in MeV; ``names``: the
    terms fluctuated.
    """

    mass: float
    k: np.ndarray
    delta: np.ndarray
    sigma: np.ndarray
    pieces: tuple
    names: tuple
    rate: float = 0.0
    count: int = 0

    @classmethod
    def from_joint(cls, joint: JointLikelihood, mass: float, source: str = "analysis") -> ToyModel:
        if joint.couplings != "universal":
            raise InputError(source, "couplings", "toys need one coupling (universal mode); lepton mode is not supported")
        pieces = tuple((float(lo), float(hi)) for lo, hi in joint.allowed(float(mass)))
        if not pieces:
            raise InputError(source, "mass", f"no coupling is allowed at m = {mass:g} MeV")
        gaussian, rate, count, names = [], 0.0, 0, []
        for term in joint.terms:
            data = term.toy_data(float(mass))
            if data is None:
                if term.smooth:
                    raise InputError(source, None, f"term '{term.name}' reads the coupling but declares no "
                                                   f"pseudo-experiment: toys cannot fluctuate it")
                continue
            names.append(term.name)
            if isinstance(data, CountData):
                rate, count = rate + data.rate, count + int(data.observed)
            else:
                gaussian.append((data.k, data.observed, data.sigma))
        k, delta, sigma = (np.array(column, dtype=float) for column in zip(*gaussian)) if gaussian else \
            (np.zeros(0), np.zeros(0), np.zeros(0))
        if not np.all(k > 0):
            raise InputError(source, "mass", f"the (g-2) shift vanishes at m = {mass:g} MeV: the coupling is not measured")
        if k.size == 0 and rate <= 0:
            raise InputError(source, None, "no measurement to fluctuate: toys need a term with data at this mass")
        return cls(float(mass), k, delta, sigma, pieces, tuple(names), float(rate), count)

    @property
    def information(self) -> float:
        """A = Σ k_i²/σ_i²: the Gaussian part of χ² is A (x − x*)² + const; the error on x = ε² is 1/√A."""
        return float(np.sum((self.k / self.sigma) ** 2))

    @property
    def sigma_x(self) -> float:
        """The scale of x = ε² the data resolve: 1/√A (the Gaussian error), or 5/C with counts alone."""
        return 1.0 / np.sqrt(self.information) if self.k.size else 5.0 / self.rate

    @property
    def x_observed(self) -> float:
        """x* of the Gaussian data (unconstrained minimum, may be negative; 0 without Gaussian terms)."""
        if not self.k.size:
            return 0.0
        return float(np.sum(self.k * self.delta / self.sigma**2) / self.information)

    def allowed_x(self, x) -> np.ndarray:
        """True where x = ε² lies in an allowed piece."""
        x = np.asarray(x, dtype=float)
        inside = np.zeros(x.shape, dtype=bool)
        for lo, hi in self.pieces:
            inside |= (x >= lo * lo) & (x <= hi * hi)
        return inside

    def objective(self, x, x_star, n=0) -> np.ndarray:
        """f(x) = A (x − x*)² + 2 (C x − N ln x): the toy's χ² up to a constant (N = n, the toy's count)."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = self.information * (x - x_star) ** 2 + 2.0 * self.rate * x
            return f - np.where(np.asarray(n) > 0, 2.0 * n * np.log(x), 0.0)

    def unconstrained_x(self, x_star, n=0) -> np.ndarray:
        """The root of A x² + (C − A x*) x − N = 0 that minimises f (no walls; may be negative for N = 0)."""
        a, b = self.information, self.rate - self.information * np.asarray(x_star, dtype=float)
        n = np.asarray(n, dtype=float)
        if a == 0.0:
            return np.broadcast_to(n / self.rate, np.broadcast_shapes(b.shape, n.shape)).copy()
        with np.errstate(invalid="ignore"):
            root = (-b + np.sqrt(b * b + 4.0 * a * n)) / (2.0 * a)
        return np.where(n > 0, root, -b / a)

    def best_x(self, x_star, n=None) -> np.ndarray:
        """x̂: the best allowed x for unconstrained Gaussian minima x* and counts n (closed form per piece,
        best piece; without counts the piece nearest x*)."""
        x_star = np.asarray(x_star, dtype=float)
        if n is None and self.rate == 0.0:
            best = np.full(x_star.shape, np.nan)
            gap = np.full(x_star.shape, np.inf)
            for lo, hi in self.pieces:
                x = piece_candidate(x_star, lo, hi) ** 2
                d = np.abs(x - x_star)
                better = d < gap
                best = np.where(better, x, best)
                gap = np.where(better, d, gap)
            return best
        n = 0 if n is None else n
        free = self.unconstrained_x(x_star, n)
        best = np.full(free.shape, np.nan)
        value = np.full(free.shape, np.inf)
        for lo, hi in self.pieces:
            x = np.clip(free, lo * lo, hi * hi)
            f = self.objective(x, x_star, n)
            better = f < value
            best, value = np.where(better, x, best), np.where(better, f, value)
        return best

    def delta_chi2(self, x_test, x_star, n=None) -> np.ndarray:
        """Δχ² = f(x) − f(x̂) of test points x against the fit of (x*, n) (+inf where x is excluded)."""
        x_test, x_star = np.broadcast_arrays(np.asarray(x_test, dtype=float), np.asarray(x_star, dtype=float))
        if n is None and self.rate == 0.0:
            t = self.information * ((x_test - x_star) ** 2 - (self.best_x(x_star) - x_star) ** 2)
        else:
            n = 0 if n is None else n
            with np.errstate(invalid="ignore"):
                t = self.objective(x_test, x_star, n) - self.objective(self.best_x(x_star, n), x_star, n)
            t = np.where(np.isnan(t), np.inf, t)
        return np.where(self.allowed_x(x_test), np.maximum(t, 0.0), np.inf)

    def q_tilde(self, x_test, x_star, n=None) -> np.ndarray:
        """q̃ of an upper limit (Cowan et al., EPJC 71 (2011) 1554, eq. 16): Δχ² if x̂ ≤ x, else 0."""
        t = self.delta_chi2(x_test, x_star, n)
        return np.where(self.best_x(x_star, n) <= x_test, t, 0.0)


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The generator of chunk ``chunk`` of a job with ``seed`` (independent of the split)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(chunk),)))


def chunk_sizes(ntoys: int) -> list[int]:
    """Sizes of the fixed-size chunks of ``ntoys`` toys (the last one shorter)."""
    full, rest = divmod(int(ntoys), CHUNK)
    return [CHUNK] * full + ([rest] if rest else [])


def toy_offsets(model: ToyModel, rng: np.random.Generator, n: int) -> np.ndarray:
    """u = x* − x_true of n toys: each Δa_i fluctuated by σ_i z_i, refitted in closed form (zeros without
    Gaussian terms)."""
    if not model.k.size:
        return np.zeros(n)
    z = rng.standard_normal((n, model.k.size))
    weights = model.k / model.sigma
    u = z[:, 0] * weights[0]
    for i in range(1, weights.size):  # elementwise in a fixed order (no BLAS threads: same bits everywhere)
        u += z[:, i] * weights[i]
    return u / model.information


@dataclass(frozen=True)
class ToyDraws:
    """The random numbers of n toys, shared by every true point: Gaussian offsets u = x* − x_true and, with
    counts, the uniforms U whose Poisson quantiles are the counts."""

    offsets: np.ndarray
    uniforms: np.ndarray | None

    def at(self, model: ToyModel, x_true) -> tuple[np.ndarray, np.ndarray | None]:
        """(x*, N) of the toys at true points x_true (a column of shape (k, 1) gives (k, n) arrays)."""
        x_true = np.asarray(x_true, dtype=float)
        x_star = x_true + self.offsets
        if self.uniforms is None:
            return x_star, None
        return x_star, poisson_quantiles(model.rate * x_true, self.uniforms, x_star.shape)


def toy_draws(model: ToyModel, rng: np.random.Generator, n: int) -> ToyDraws:
    """n toys' random numbers: the Gaussian offsets first, then (with counts) one uniform per toy."""
    offsets = toy_offsets(model, rng, n)
    return ToyDraws(offsets, rng.random(n) if model.rate > 0 else None)


def poisson_quantiles(mean, uniforms: np.ndarray, shape) -> np.ndarray:
    """Counts n with P(N < n) < U ≤ P(N ≤ n) for N ~ Poisson(mean): the inverse CDF at each uniform, for
    each mean (a column of means gives one row per mean); broadcast to ``shape``."""
    from scipy.special import pdtr

    means = np.atleast_1d(np.asarray(mean, dtype=float)).reshape(-1)
    rows = []
    for mu in means:
        top = int(mu + 12.0 * np.sqrt(mu) + 30.0)
        cdf = pdtr(np.arange(top + 1), mu)
        rows.append(np.minimum(np.searchsorted(cdf, uniforms, side="left"), top))
    counts = np.array(rows) if np.ndim(mean) else rows[0]
    return np.broadcast_to(counts, shape)


def toy_fits(model: ToyModel, x_true: float, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n toys at x_true = ε_true²: fluctuated data, then (x̂, Δχ²(x_true)) of each refit."""
    x_star, counts = toy_draws(model, rng, n).at(model, x_true)
    return model.best_x(x_star, counts), model.delta_chi2(x_true, x_star, counts)


def run_toy_chunks(func, job, ntoys: int, executor, store_dir=None, identity: dict | None = None,
                   progress: bool = False, work_per_toy: int = 1) -> np.ndarray:
    """Σ over the fixed-size chunks c of ``func(job, c, size)`` (integer counts), on ``executor``.

    With ``store_dir`` finished chunks are kept there under ``identity`` plus the model's
    measurements, so that an interrupted job resumes (:class:`dpfit.runtime.executors.TaskStore`).
    """
    from dpfit.runtime.executors import TaskStore, run_tasks

    model = job.model
    sizes = chunk_sizes(ntoys)
    store = None
    if store_dir is not None:
        store = TaskStore(store_dir, {**(identity or {}), "toys": ntoys, "seed": job.seed, "mass": model.mass,
                                      "k": model.k.tolist(), "names": list(model.names), "delta": model.delta.tolist(),
                                      "sigma": model.sigma.tolist(), "rate": model.rate, "count": model.count,
                                      "pieces": model.pieces})
    counts = run_tasks(func, job, [(c, n) for c, n in enumerate(sizes)], executor,
                       weights=[n * work_per_toy for n in sizes], store=store, progress=progress)
    return np.sum(counts, axis=0)
