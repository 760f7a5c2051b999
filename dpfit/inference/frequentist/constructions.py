"""Frequentist intervals of the coupling at fixed mass: Feldman–Cousins, CLs and Δχ², from toys.

Notation: x = ε², x* the unconstrained (g−2) minimum, σ_x its Gaussian error,
t(x) = Δχ²(x) = χ²(x) − χ²_min(allowed) the likelihood ratio with the physical
boundary ε ≥ 0 and any step terms (:mod:`dpfit.inference.frequentist.toys`).

- ``fc``: Feldman & Cousins, PRD 57 (1998) 3873: x is in the interval when the
  observed t(x) is not among the largest fraction 1 − CL of t(x) under x, i.e.
  the p-value P(t ≥ t_obs | x) > 1 − CL (likelihood-ratio ordering). Two-sided
  where the data allow, an upper limit when they do not.
- ``cls``: Read, J. Phys. G 28 (2002) 2693, with q̃ of Cowan, Cranmer, Gross &
  Vitells, EPJC 71 (2011) 1554, eq. 16: CLs(x) = P(q̃_x ≥ q̃_obs | x) /
  P(q̃_x ≥ q̃_obs | 0); the upper limit is where CLs = 1 − CL (one-sided).
- ``chi2``: {x : t(x) ≤ Δχ²(CL)} (Wilks; two-sided level, no toys).

Toy p-values are counts of toys on a grid of test points, summed over chunks
(exactly additive, hence independent of the split); an edge is the linear
interpolation of the p-value (or CLs) through 1 − CL between grid points, with
a Monte-Carlo error σ_p / |dp/dx| (σ_p binomial). Where the coupling axis is a
single piece [0, ∞) the distribution of x* is exactly Gaussian, and the
formulae of Cowan et al. (section 3.6 for t̃_μ, 3.7 for q̃_μ, eqs. 43–44,
65–66 in the Gaussian limit) give the p-values in closed form: they are
reported beside the toys, with a note when the two disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from dpfit.errors import InputError
from dpfit.runtime.executors import Executor
from dpfit.notes import Note, note
from dpfit.inference.levels import Level
from dpfit.inference.frequentist.toys import ToyModel, chunk_rng, run_toy_chunks, toy_draws

METHODS = {"fc": "Feldman-Cousins (likelihood-ratio ordering, eps >= 0)",
           "cls": "CLs upper limit (q-tilde test statistic)",
           "chi2": "delta chi2 (Wilks)"}
#: Test points of the toy grid in x = ε² (plus the allowed pieces' edges).
GRID_POINTS = 400
#: Extent of the grid beyond max(x*, 0), in σ_x.
GRID_SIGMAS = 10.0
#: A chunk's toys are counted in tiles of BLOCK test points × TOY_BLOCK toys. A tile's temporaries
#: (16000 floats, 125 kB: under glibc's 128 kB mmap threshold) stay in the heap that malloc reuses;
#: rows of a whole chunk (50 × 20000 floats, 8 MB each) were handed back to the kernel and faulted in
#: again for every block, as much CPU time in page faults as in numpy. Smaller tiles cost more in
#: numpy's per-call overhead. Counts are integers: the tiling does not change them.
BLOCK = 16
TOY_BLOCK = 1000
#: Toys and closed form disagree when their edges differ by more than this many Monte-Carlo errors.
DISAGREE_SIGMAS = 3.0
#: Fewest toys under ε = 0 beyond q̃_obs for a toy CLs limit to be trusted.
MIN_TAIL_TOYS = 50


@dataclass(frozen=True)
class IntervalJob:
    """What a chunk of toys computes: the model, method, test points x and the observed statistic there."""

    model: ToyModel
    method: str
    xs: np.ndarray
    observed: np.ndarray
    seed: int


def count_chunk(job: IntervalJob, chunk: int, size: int) -> np.ndarray:
    """Counts of toys with statistic ≥ observed at each test point: rows [under x] (fc) or [under x, under 0] (cls)."""
    model = job.model
    draws = toy_draws(model, chunk_rng(job.seed, chunk), size)
    rows = 1 if job.method == "fc" else 2
    counts = np.zeros((rows, job.xs.size), dtype=np.int64)
    for first in range(0, size, TOY_BLOCK):
        tile = slice(first, first + TOY_BLOCK)
        ut = draws.offsets[tile]
        for start in range(0, job.xs.size, BLOCK):
            block = slice(start, start + BLOCK)
            x, obs = job.xs[block, None], job.observed[block, None]
            if draws.uniforms is None:  # Gaussian data alone: x* = x + u
                x_star, n = x + ut, None
            else:
                x_star, n = x + ut, draws.at(model, x)[1][:, tile]
            if job.method == "fc":
                counts[0, block] += (model.delta_chi2(x, x_star, n) >= obs).sum(axis=1)
            else:  # under x = 0 no event is expected: every count is 0
                counts[0, block] += (model.q_tilde(x, x_star, n) >= obs).sum(axis=1)
                counts[1, block] += (model.q_tilde(x, ut[None, :], None if n is None else 0) >= obs).sum(axis=1)
    return counts


def grid_points(model: ToyModel, points: int = GRID_POINTS) -> np.ndarray:
    """Grid in x = ε² from 0 to max(x̂, 0) + GRID_SIGMAS σ_x (x̂ the fit of the data), uniform in ε (dense
    near the boundary, where the p-value of the likelihood-ratio ordering bends fastest), with the allowed
    pieces' edges added."""
    top = max(float(model.best_x(model.x_observed, model.count)), 0.0) + GRID_SIGMAS * model.sigma_x
    edges = [e * e for piece in model.pieces for e in piece if np.isfinite(e) and e * e < top]
    return np.unique(np.concatenate([np.linspace(0.0, np.sqrt(top), points) ** 2, edges]))


def observed_statistic(model: ToyModel, method: str, xs) -> np.ndarray:
    """t_obs (fc, chi2) or q̃_obs (cls) of the data at test points x."""
    if method == "cls":
        return model.q_tilde(xs, model.x_observed, model.count)
    return model.delta_chi2(xs, model.x_observed, model.count)


# ---------------------------------------------------------------- closed forms (Gaussian x*, one piece [0, ∞))
def closed_form_applies(model: ToyModel) -> bool:
    """Gaussian data alone on the single piece ε ≥ 0: x* is exactly Gaussian, the formulae are exact."""
    return model.pieces == ((0.0, np.inf),) and model.rate == 0.0


def closed_form_p(model: ToyModel, method: str, x):
    """p-value (fc) or CLs (cls) at x for a Gaussian x* and the single piece ε ≥ 0 (Cowan et al. 2011);
    vectorised in x (a float for a scalar x)."""
    from scipy.special import ndtr  # on use: the toy workers unpickle jobs of this module and never need scipy

    x = np.asarray(x, dtype=float)
    s = model.sigma_x
    t = np.asarray(observed_statistic(model, method, x), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(t, 0.0))
        near = t <= (x / s) ** 2
        if method == "fc":
            far = ndtr(-root) + ndtr(-((x * x + s * s * t) / (2.0 * x * s)))
            p = np.where(x == 0.0, ndtr(-root), np.where(near, 2.0 * ndtr(-root), far))
        else:  # q̃ ≥ q_obs ⇔ x* ≤ x_c (q̃ decreases in x* below x)
            x_c = np.where(near, x - s * root, (x * x - s * s * t) / (2.0 * x))
            p = ndtr((x_c - x) / s) / ndtr(x_c / s)
    p = np.where(t <= 0.0, 1.0, p)
    return float(p) if p.ndim == 0 else p


def closed_form_interval(model: ToyModel, method: str, alpha: float, xs: np.ndarray) -> list[list[float]]:
    """{x : p(x) > α} from the closed form, edges by brentq between grid points (in x)."""
    from scipy.optimize import brentq

    f = closed_form_p(model, method, xs) - alpha
    g = lambda x: closed_form_p(model, method, x) - alpha  # noqa: E731
    pieces, start = [], (0.0 if f[0] > 0 else None)
    for i in range(1, xs.size):
        if (f[i - 1] > 0) != (f[i] > 0):
            edge = brentq(g, xs[i - 1], xs[i], xtol=1e-15 * xs[-1], rtol=1e-13)
            if f[i] > 0:
                start = edge
            else:
                pieces.append([start, edge])
                start = None
    if start is not None:
        pieces.append([start, float(xs[-1])])
    return pieces


# ---------------------------------------------------------------- intervals from toy counts
def _edges_from_curve(xs, value, err, alpha, allowed) -> tuple[list, list, bool]:
    """Runs of (allowed & value > α) with interpolated edges and their errors (in x); and 'reaches grid end'."""
    inside = allowed & (value > alpha)
    pieces, errors = [], []

    def cross(i, j):  # edge between grid points i (one side) and j (other side)
        if not (allowed[i] and allowed[j]) or value[i] == value[j]:
            return (xs[j] if inside[j] else xs[i]), 0.0
        w = (alpha - value[i]) / (value[j] - value[i])
        slope = abs(value[j] - value[i]) / abs(xs[j] - xs[i])
        return xs[i] + w * (xs[j] - xs[i]), float(np.interp(w, [0, 1], [err[i], err[j]]) / slope)

    i = 0
    while i < xs.size:
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < xs.size and inside[j + 1]:
            j += 1
        lo, elo = (xs[i], 0.0) if i == 0 else cross(i - 1, i)
        hi, ehi = (xs[j], 0.0) if j == xs.size - 1 else cross(j, j + 1)
        pieces.append([float(lo), float(hi)])
        errors.append([elo, ehi])
        i = j + 1
    return pieces, errors, bool(inside[-1])


def _to_eps(pieces_x, errors_x=None):
    """Pieces in x = ε² → in ε; errors δε = δx / (2ε)."""
    eps = [[float(np.sqrt(lo)), float(np.sqrt(hi))] for lo, hi in pieces_x]
    if errors_x is None:
        return eps, None
    errs = [[e / (2 * v) if v > 0 else 0.0 for e, v in zip(pair, piece)] for pair, piece in zip(errors_x, eps)]
    return eps, errs


@dataclass(frozen=True)
class IntervalResult:
    """A frequentist interval of ε at fixed mass: pieces (union), their Monte-Carlo edge errors, what it holds."""

    method: str
    level: Level
    mass: float
    intervals: list
    edge_errors: list | None
    toys: int
    seed: int | None
    sides: Note
    closed_form: list | None = None
    notes: list[Note] = field(default_factory=list)
    construction: Note | None = None
    toy_intervals: list | None = None
    reliable: bool = True

    def to_dict(self) -> dict:
        return {"method": self.method, "description": METHODS[self.method], "cl": self.level.probability,
                "level": self.level.label, "sides": self.sides, "mass_MeV": self.mass, "coupling": "eps",
                "intervals": self.intervals, "construction": self.construction, "edge_mc_errors": self.edge_errors,
                "toys": self.toys, "seed": self.seed, "toy_intervals": self.toy_intervals,
                "asymptotic_intervals": self.closed_form, "notes": self.notes}


def chi2_interval(model: ToyModel, level: Level) -> list[list[float]]:
    """{x allowed : Δχ²(x) ≤ Δχ²(level)} of the data, as ε pieces: Δχ² is convex in x, so each piece holds
    at most one run, its ends found by brentq from the piece's own minimum."""
    from dpfit.inference.profile.minimum import crossing

    c = level.delta_chi2()
    f = lambda x: float(model.delta_chi2(x, model.x_observed, model.count)) - c  # noqa: E731
    pieces = []
    for a, b in model.pieces:
        lo, hi = a * a, b * b
        inner = ToyModel(model.mass, model.k, model.delta, model.sigma, ((a, b),), model.names, model.rate,
                         model.count)
        x_min = float(inner.best_x(model.x_observed, model.count))
        if f(x_min) > 0:
            continue
        left = lo if f(lo) <= 0 else crossing(f, lo, x_min)
        right = max(2.0 * x_min, x_min + model.sigma_x)
        while np.isinf(hi) and f(right) <= 0:
            right *= 2.0
        right = min(right, hi)
        pieces.append([left, right if f(right) <= 0 else crossing(f, x_min, right)])
    return _to_eps(pieces)[0]


def _toy_interval(model: ToyModel, method: str, level: Level, ntoys: int, seed: int, executor: Executor,
                  store_dir, progress: bool, points: int, identity: dict | None):
    """The toy construction with ``ntoys`` toys: (pieces in ε, their Monte-Carlo errors, the test grid in x,
    notes, reliable). Unreliable: too few toys reach the level (fewer than MIN_TAIL_TOYS beyond the observed
    statistic under ε = 0 for CLs, fewer than MIN_TAIL_TOYS expected beyond the critical value for FC);
    the errors are then unknown (NaN), not small."""
    alpha = 1.0 - level.probability
    xs = grid_points(model, points)
    job = IntervalJob(model, method, xs, observed_statistic(model, method, xs), int(seed))
    total = run_toy_chunks(count_chunk, job, ntoys, executor, store_dir, progress=progress,
                           identity={**(identity or {}), "kind": "interval", "method": method, "cl": level.probability,
                                     "xs": xs.tolist()})
    allowed = model.allowed_x(xs)
    p_sb = total[0] / ntoys
    err_sb = np.sqrt(p_sb * (1 - p_sb) / ntoys)
    if method == "fc":
        value, err = p_sb, np.sqrt(alpha * (1 - alpha) / ntoys) * np.ones_like(p_sb)
    else:
        p_b = total[1] / ntoys
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(total[1] > 0, p_sb / p_b, 0.0)
            err = value * np.sqrt(np.where(p_sb > 0, (err_sb / p_sb) ** 2, 0.0)
                                  + np.where(p_b > 0, (1 - p_b) / (ntoys * p_b), 0.0))
        value = np.where(p_sb >= 1.0, 1.0, value)
    pieces, errors, reaches = _edges_from_curve(xs, value, err, alpha, allowed)
    eps, eps_err = _to_eps(pieces, errors)
    notes = [note("toys", toys=ntoys, seed=seed, points=xs.size)]
    reliable = True
    if method == "fc" and alpha * ntoys < MIN_TAIL_TOYS:
        notes.append(note("fc_tail_unreliable", expected=alpha * ntoys))
        eps_err = [[float("nan"), float("nan")] for _ in eps]
        reliable = False
    if method == "cls" and eps:
        k = int(np.searchsorted(xs, pieces[-1][1]))
        tail = int(total[1, min(k, xs.size - 1)])
        if tail < MIN_TAIL_TOYS:
            notes.append(note("cls_tail_unreliable", tail=tail))
            eps_err[-1][1] = float("nan")
            reliable = False
    if reaches:
        notes.append(note("reaches_grid_end"))
    return eps, eps_err, xs, notes, reliable


def frequentist_interval(model: ToyModel, method: str, level: Level, ntoys: int = 0, seed: int = 1,
                         executor: Executor = Executor(), store_dir=None, progress: bool = False,
                         points: int = GRID_POINTS, max_toys: int | None = None,
                         identity: dict | None = None) -> IntervalResult:
    """The ``method`` (fc, cls, chi2) interval of ε at the model's mass and ``level``, from ``ntoys`` toys.
    ``identity`` (e.g. the analysis's job identity) is added to what names a stored job in ``store_dir``.

    Where too few toys reach the level, the number of toys is doubled up to ``max_toys`` (default: no more
    than asked). If the toys still cannot resolve it, the result is never their edge: with Gaussian data on
    the single piece ε ≥ 0 the asymptotic formulae are exact and become the result (``construction`` says
    so, the toys' edges stay in ``toy_intervals``); otherwise ``intervals`` is None, with a note.
    """
    if method not in METHODS:
        raise InputError("interval", "method", f"expected one of {', '.join(METHODS)}, got '{method}'")
    alpha = 1.0 - level.probability
    if method == "chi2":  # one-sided when the best fit sits on ε = 0 or another hard edge (as `fit` says)
        best = float(model.best_x(model.x_observed, model.count))
        on_edge = any(best in (a * a, b * b) for a, b in model.pieces)
        sides = (note("one_sided_upper_limit", delta_chi2=level.delta_chi2(), probability=level.probability) if on_edge
                 else note("two_sided"))
        return IntervalResult("chi2", level, model.mass, chi2_interval(model, level), None, 0, None, sides,
                              notes=[note("wilks", level=level)],
                              construction=note("construction_chi2"))
    from dpfit import arguments

    ntoys = arguments.integer(ntoys, "interval", "toys", arguments.MIN_TOYS, arguments.MAX_TOYS)
    seed = arguments.integer(seed, "interval", "seed", 0, arguments.MAX_SEED)
    max_toys = arguments.integer(max_toys or ntoys, "interval", "max_toys", ntoys, arguments.MAX_TOYS)
    eps, eps_err, xs, notes, reliable = _toy_interval(model, method, level, ntoys, seed, executor, store_dir,
                                                      progress, points, identity)
    first = ntoys
    while not reliable and 2 * ntoys <= max_toys:
        ntoys *= 2
        eps, eps_err, xs, notes, reliable = _toy_interval(model, method, level, ntoys, seed, executor, None,
                                                          progress, points, identity)
    if ntoys > first:
        notes = [note("toys_doubled", first=first, seed=seed, toys=ntoys, max_toys=max_toys)] + notes
    sides = note("fc_sides") if method == "fc" else note("upper_limit")
    closed = None
    if closed_form_applies(model):
        closed = _to_eps(closed_form_interval(model, method, alpha, xs))[0]
        notes += _compare(eps, eps_err, closed)
    elif model.rate > 0:
        notes.append(note("asymptotic_not_applied", reason="poisson"))
    else:
        notes.append(note("asymptotic_not_applied", reason="steps"))
    result = IntervalResult(method, level, model.mass, eps, eps_err, ntoys, int(seed), sides, closed, notes,
                            construction=note("construction_toys", toys=ntoys), toy_intervals=eps, reliable=reliable)
    if reliable:
        return result
    if closed is not None:
        return dataclasses.replace(result, intervals=closed, edge_errors=None,
                                   construction=note("construction_asymptotic"), reliable=True)
    return dataclasses.replace(result, intervals=None, edge_errors=None, construction=note("construction_none"))


def _compare(toys, errors, closed) -> list[Note]:
    """A note when toy and closed-form edges differ by more than DISAGREE_SIGMAS Monte-Carlo errors."""
    if len(toys) != len(closed):
        return [note("toys_disagree_pieces", toys=len(toys), reference=len(closed))]
    out = []
    for piece, err, ref in zip(toys, errors, closed):
        for value, e, r, side in zip(piece, err, ref, ("lower", "upper")):
            known = bool(np.isfinite(e))  # unknown error: any difference is reported
            if abs(value - r) > DISAGREE_SIGMAS * (e if known else 0.0) + 1e-12 * max(abs(r), 1e-30):
                out.append(note("toys_disagree_edge", side=side, toys=float(value), error=float(e),
                                reference=float(r)))
    return out
