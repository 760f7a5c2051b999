"""Marks on a corner plot: prior edges, hard exclusion walls, labelled HPD levels, grid 1-D marginals.

Drawn on the figure returned by ``corner.corner`` (axes in an ndim × ndim
grid, the 1-D histograms on the diagonal, in the sampled coordinates: m in
MeV and log10 ε or ε). The grid posterior's marginal densities
(:mod:`dpfit.inference.bayes.grid_posterior`) are scaled to the histograms' counts
(samples × bin width) so the two can be compared by eye.
"""

from __future__ import annotations

import numpy as np


def _axes(fig, ndim):
    return np.array(fig.axes).reshape(ndim, ndim)


def walls(model, masses) -> list[float]:
    """The hard edges in ε of every step term over the masses (MeV), as one sorted list (ε)."""
    out = set()
    for m in masses:
        for term in model.joint.terms:
            for lo, hi in term.allowed(float(m)) or []:
                out.update(e for e in (lo, hi) if np.isfinite(e) and model.eps_range[0] < e < model.eps_range[1])
    return sorted(out)


def mark_corner(fig, names, flat: np.ndarray, model, grid=None, bins: int = 20) -> dict:
    """Draw the marks (see the module docstring); return what was drawn (prior edges, walls, overlays)."""
    ndim = len(names)
    axes = _axes(fig, ndim)
    log_eps = model.eps_prior == "log-uniform"
    to_u = np.log10 if log_eps else (lambda x: x)
    prior = [model.mass_range] + [tuple(to_u(np.asarray(model.eps_range)))] * (ndim - 1)
    wall_eps = walls(model, np.linspace(*model.mass_range, 41))
    wall_u = [float(to_u(e)) for e in wall_eps]
    for i in range(ndim):
        for j in range(i + 1):
            ax = axes[i, j]
            for edge in prior[j]:  # prior edges on the x axis of every panel in column j
                ax.axvline(edge, color="k", ls=":", lw=0.8)
            if i != j and i > 0:
                for edge in prior[i]:
                    ax.axhline(edge, color="k", ls=":", lw=0.8)
            if j > 0:
                for w in wall_u:
                    ax.axvline(w, color="C3", ls="--", lw=0.8)
            if i != j and i > 0:
                for w in wall_u:
                    ax.axhline(w, color="C3", ls="--", lw=0.8)
    overlays = []
    if grid is not None:
        for i, name in enumerate(names):
            bare = name.removeprefix("log10_")
            lo, hi = np.min(flat[:, i]), np.max(flat[:, i])
            scale = flat.shape[0] * (hi - lo) / bins
            if bare == "m":
                x, c = grid._cumulative("m")
                dens = np.gradient(c, x)
            else:
                x, dens = grid.coupling_density(bare)
            axes[i, i].plot(x, dens * scale, color="C1", lw=1.2)
            overlays.append(name)
    fig.text(0.5, 1.06, "dotted: prior edges; dashed red: hard exclusion walls; orange: exact grid marginal; "
                       "2D contours: highest-density regions holding 68% and 95% of the posterior",
             ha="center", fontsize=7)
    return {"prior_edges": [list(map(float, p)) for p in prior], "walls_eps": wall_eps, "grid_overlays": overlays}
