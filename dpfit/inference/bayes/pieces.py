"""Allowed pieces and a chain: walkers started in every piece, per-piece occupancy, agreement with the grid.

Exclusion bands cut the allowed (m, ε) space into disconnected pieces; an
ensemble sampler's walkers rarely cross the excluded band, so the weight a
chain gives each piece is set by where its walkers start. Here walkers start
in every piece in proportion to the piece's grid-posterior weight, and a
chain's piece weights and quantiles are compared with the grid's.

Errors of a chain's piece weight (and of its fraction below a grid quantile): the larger of the binomial error with the
effective sample size, sqrt(f(1−f)/n_eff), and the spread of the per-walker
fractions over the walkers, std/sqrt(n_walkers) (which stays honest when
walkers never leave their piece). A difference beyond :data:`N_SIGMA` errors,
or a piece holding at least :data:`MIN_PIECE_WEIGHT` of the grid posterior
that no walker ever visited, is flagged.
"""

from __future__ import annotations

import numpy as np

from dpfit.inference.bayes.grid_posterior import GridPosterior
from dpfit.notes import note

#: Disagreement (in combined errors) that flags a chain.
N_SIGMA = 3.0
#: Numerical error allowed for a grid piece weight (the grid's trapezoidal error is far below it).
GRID_TOLERANCE = 1e-6
#: A piece with at least this grid weight must be visited.
MIN_PIECE_WEIGHT = 0.01


def allocate(weights, n: int) -> np.ndarray:
    """n items shared in proportion to weights (largest remainder)."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    counts = np.floor(w * n).astype(int)
    rest = np.argsort(-(w * n - counts))
    counts[rest[: n - counts.sum()]] += 1
    return counts


def walkers_from_grid(grid: GridPosterior, post, nwalkers: int, rng: np.random.Generator) -> np.ndarray:
    """Starting points θ (the sampler's coordinates) in every window piece, in proportion to its weight.

    Within a piece, points are drawn from the grid posterior (node ∝ weight,
    jittered within its cell) and kept where the posterior is finite.
    """
    name = grid.window_parameter
    pieces = grid.pieces(name)
    counts = allocate([p["weight"] for p in pieces], nwalkers)
    labels = grid._cache[("labels", name)]
    cgrid = grid.couplings[name]
    other = np.ones_like(grid.mass)
    for n, g in grid.couplings.items():
        if n != name:
            other = other * g.integral
    cell = (grid.mass_weights * other)[:, None] * cgrid.like * cgrid.weights[None, :]
    dm = np.gradient(grid.mass)
    du = np.gradient(cgrid.u)
    found = []
    for piece, count in zip(pieces, counts):
        if count == 0:
            continue
        p = np.where(labels == piece["label"], cell, 0.0).ravel()
        p = p / p.sum()
        got = []
        for _ in range(100):
            idx = rng.choice(p.size, size=4 * count, p=p)
            i, j = np.unravel_index(idx, cell.shape)
            theta = [grid.mass[i] + rng.uniform(-0.5, 0.5, i.size) * dm[i],
                     cgrid.u[j] + rng.uniform(-0.5, 0.5, j.size) * du[j]]
            for n, g in grid.couplings.items():  # the other coupling from its conditional at the mass
                if n != name:
                    prob = g.like[i] * g.weights[None, :]
                    k = np.array([rng.choice(g.u.size, p=row / row.sum()) for row in prob])
                    theta.insert(list(grid.couplings).index(n) + 1, g.u[k])
            theta = np.column_stack(theta)
            got.extend(theta[np.isfinite(post(theta))])
            if len(got) >= count:
                break
        found.extend(got[:count])
    return np.array(found)


def chain_pieces(grid: GridPosterior, samples: dict[str, np.ndarray], per_walker: dict[str, np.ndarray] | None,
                 n_eff: float) -> dict:
    """Per-piece occupancy of a chain beside the grid's weights, and the flags.

    samples: flat physical samples (m, ε...). per_walker: the same with shape
    (steps, walkers) after burn-in, for the walker spread and crossings (None for weighted/nested samples).
    """
    name = grid.window_parameter
    pieces = grid.pieces(name)
    which = grid.piece_of(name, samples["m"], samples[name], pieces)
    rows, flags = [], []
    walker_fraction = None
    crossed = None
    if per_walker is not None:
        steps, walkers = per_walker["m"].shape
        wp = grid.piece_of(name, per_walker["m"].ravel(), per_walker[name].ravel(), pieces).reshape(steps, walkers)
        crossed = int(np.sum([len(set(wp[:, k]) - {-1}) > 1 for k in range(walkers)]))
        walker_fraction = [np.mean(wp == k, axis=0) for k in range(len(pieces))]
    for k, piece in enumerate(pieces):
        f = float(np.mean(which == k))
        err = float(np.sqrt(max(f * (1 - f), 0.0) / max(n_eff, 1.0)))
        row = {"eps_range": piece["eps_range"], "grid_weight": piece["weight"], "chain_weight": f}
        if walker_fraction is not None:
            wf = walker_fraction[k]
            err = max(err, float(np.std(wf) / np.sqrt(wf.size)))
            row["walkers_at_end"] = int(np.sum(wp[-1] == k))
        row["chain_error"] = err
        if piece["weight"] >= MIN_PIECE_WEIGHT and f == 0:
            flags.append(note("piece_never_visited", eps_range=piece["eps_range"], grid=piece["weight"]))
        elif abs(f - piece["weight"]) > N_SIGMA * err + GRID_TOLERANCE:
            flags.append(note("piece_weight_off", eps_range=piece["eps_range"], chain=f, error=err,
                              grid=piece["weight"], n_sigma=N_SIGMA))
        rows.append(row)
    said = note("no_walker_crossed") if crossed == 0 and len(pieces) > 1 else None
    return {"parameter": name, "pieces": rows, "walkers_crossing_pieces": crossed, "flags": flags, "note": said}


def chain_agreement(grid: GridPosterior, samples: dict[str, np.ndarray], n_eff: float,
                    per_walker: dict[str, np.ndarray] | None = None, qs=(0.025, 0.5, 0.975)) -> dict:
    """Chain vs grid: quantiles with Monte-Carlo errors, piece weights; ``flags`` lists every disagreement."""
    quantiles, flags = {}, []
    for name in grid.names:
        ref = grid.quantiles(name, qs)
        got = np.quantile(samples[name], qs)
        entry = {}
        for q, r, g in zip(qs, ref, got):
            if name == "m":
                x, c = grid._cumulative("m")
                dens = float(np.interp(r, x, np.gradient(c, x)))
            else:
                eps, d = grid.eps_density(name)
                dens = float(np.interp(r, eps, d))
            # in probability: the chain's fraction below the grid quantile, against q
            frac = float(np.mean(samples[name] < r))
            err_p = float(np.sqrt(q * (1 - q) / max(n_eff, 1.0)))
            if per_walker is not None:
                walker = np.mean(per_walker[name] < r, axis=0)
                err_p = max(err_p, float(np.std(walker) / np.sqrt(walker.size)))
            err = err_p / dens if dens > 0 else float("inf")
            entry[f"q{q:g}"] = {"chain": float(g), "grid": r, "mc_error": err, "chain_fraction_below_grid": frac,
                                "fraction_error": err_p}
            if abs(frac - q) > N_SIGMA * err_p:
                flags.append(note("quantile_off", parameter=name, q=q, chain=float(g), grid=float(r), error=err,
                                  fraction=frac, fraction_error=err_p))
        quantiles[name] = entry
    pieces = chain_pieces(grid, samples, per_walker, n_eff)
    flags += pieces["flags"]
    warning = note("chain_disagrees", flags=flags) if flags else None
    return {"method": f"chain vs grid posterior; flagged beyond {N_SIGMA:g} Monte-Carlo errors",
            "quantiles": quantiles, "pieces": pieces, "agrees": not flags, "warning": warning}
