"""Credible regions: highest-posterior-density (HPD) regions as unions of pieces, and central intervals.

HPD region at level p: {x : p(x) ≥ t} with t chosen so the region holds p of
the posterior (Box & Tiao, Bayesian Inference in Statistical Analysis (1973)
§2.8). It is a union of intervals; where the density drops to zero at a hard
wall (an exclusion edge) the region ends at the wall. The central interval
[q_(1−p)/2, q_(1+p)/2] is two-sided and spans any gap between pieces, so it is
labelled as such. Regions are quoted in the physical coupling ε (density per
unit ε).

Monte-Carlo error of a sample quantile q (Rao, Linear Statistical Inference
(1973) §6f.2): σ_x = sqrt(q(1−q)/n_eff) / p(x_q), with n_eff the effective
sample size; the same expression bounds each end of an HPD region, with q the
probability beyond that end.
"""

from __future__ import annotations

import numpy as np


def _segments_mass(x: np.ndarray, dens: np.ndarray) -> np.ndarray:
    return 0.5 * (dens[1:] + dens[:-1]) * np.diff(x)


def hpd_region(x: np.ndarray, dens: np.ndarray, level: float) -> dict:
    """HPD region of a density tabulated on sorted nodes x (trapezoidal), as a labelled union of pieces.

    Returns {"method", "level", "holds", "pieces": [[lo, hi], ...]}: ``holds``
    is the probability the region really contains on the grid.
    """
    total = _segments_mass(x, dens).sum()
    lo_t, hi_t = 0.0, float(dens.max())
    for _ in range(60):  # bisection on the threshold
        t = 0.5 * (lo_t + hi_t)
        if _mass_above(x, dens, t) / total >= level:
            lo_t = t
        else:
            hi_t = t
    t = lo_t
    pieces = _pieces_above(x, dens, t)
    return {"method": "highest posterior density", "level": level, "holds": float(_mass_above(x, dens, t) / total),
            "pieces": pieces}


def _crossings(x, dens, t):
    """Per segment: the part [a, b] of each segment where the linear density is ≥ t."""
    d0, d1 = dens[:-1], dens[1:]
    x0, x1 = x[:-1], x[1:]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        xc = np.where(d1 != d0, x0 + (t - d0) / (d1 - d0) * (x1 - x0), x0)
    a = np.where(d0 >= t, x0, np.where(d1 >= t, xc, x1))
    b = np.where(d1 >= t, x1, np.where(d0 >= t, xc, x0))
    return a, b


def _mass_above(x, dens, t) -> float:
    a, b = _crossings(x, dens, t)
    da = np.interp(a, x, dens)
    db = np.interp(b, x, dens)
    return float(np.sum(0.5 * (da + db) * np.clip(b - a, 0, None)))


def _pieces_above(x, dens, t) -> list[list[float]]:
    a, b = _crossings(x, dens, t)
    pieces: list[list[float]] = []
    for lo, hi in zip(a, b):
        if hi <= lo:
            continue
        if pieces and lo <= pieces[-1][1]:  # adjacent segments share their end node
            pieces[-1][1] = float(hi)
        else:
            pieces.append([float(lo), float(hi)])
    return pieces


def central_region(grid, name: str, level: float) -> dict:
    """Central (equal-tailed, two-sided) interval of a grid posterior's marginal of ``name``."""
    lo, hi = grid.quantiles(name, [(1 - level) / 2, (1 + level) / 2])
    return {"method": "central (equal-tailed, two-sided)", "level": level, "holds": level, "pieces": [[lo, hi]]}


def quantile_error(q: float, density_at_q: float, n_eff: float) -> float:
    """Monte-Carlo error of a sample quantile (see the module docstring); inf where the density is 0."""
    if density_at_q <= 0 or n_eff <= 0:
        return float("inf")
    return float(np.sqrt(q * (1 - q) / n_eff) / density_at_q)


def sample_regions(values: np.ndarray, n_eff: float, level: float = 0.95, bins: int | None = None) -> dict:
    """HPD (histogram density) and central regions of samples with Monte-Carlo errors from n_eff.

    Density per unit value from a histogram in log10 of the value (bins: 2 n_eff^(1/3), 20 to 200); errors of each end from
    :func:`quantile_error` with the histogram density at the end.
    """
    values = np.asarray(values, dtype=float)
    logv = np.log10(values)
    bins = bins or int(max(20, min(200, 2 * n_eff ** (1 / 3))))
    counts, edges = np.histogram(logv, bins=bins)
    widths = np.diff(edges)
    dens_log = counts / (counts.sum() * widths)

    def dens_at(v):  # density per unit value at v
        k = int(np.clip(np.searchsorted(edges, np.log10(v)) - 1, 0, bins - 1))
        return dens_log[k] / (v * np.log(10.0))

    centres = 10 ** (0.5 * (edges[1:] + edges[:-1]))
    order = np.argsort(dens_log / (centres * np.log(10.0)))[::-1]  # density per unit value, as the grid's
    cum = np.cumsum(counts[order]) / counts.sum()
    keep = np.sort(order[: int(np.searchsorted(cum, level) + 1)])
    pieces: list[list[float]] = []
    for k in keep:
        lo, hi = 10 ** edges[k], 10 ** edges[k + 1]
        if pieces and abs(np.log10(lo) - np.log10(pieces[-1][1])) < 1e-12:
            pieces[-1][1] = hi
        else:
            pieces.append([lo, hi])
    hpd = [[float(lo), float(hi), quantile_error(np.mean(values < lo), dens_at(lo * 1.000001), n_eff),
            quantile_error(np.mean(values > hi), dens_at(hi * 0.999999), n_eff)] for lo, hi in pieces]
    qlo, qhi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    central = [float(qlo), float(qhi), quantile_error((1 - level) / 2, dens_at(qlo), n_eff),
               quantile_error((1 - level) / 2, dens_at(qhi), n_eff)]
    return {"hpd": {"method": "highest posterior density (histogram)", "level": level,
                    "pieces": [p[:2] for p in hpd], "errors": [p[2:] for p in hpd]},
            "central": {"method": "central (equal-tailed, two-sided)", "level": level, "pieces": [central[:2]],
                        "errors": [central[2:]]}}
