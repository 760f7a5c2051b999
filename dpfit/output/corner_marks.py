"""Marks on a corner plot: prior edges, hard exclusion walls and the grid's 1-D marginals.

Drawn on the figure returned by ``corner.corner`` (axes in an ndim × ndim
grid, the 1-D histograms on the diagonal, in the sampled coordinates: m in
MeV and log10 ε or ε). A wall is one edge ε(m) of a step term's allowed set
(:meth:`dpfit.likelihood.terms.Term.coupling_edges`) over the mass prior's
range: one line ε(m) in the (m, ε) panel, and in the panels without the mass
one band spanning the wall's ε over that mass range. Prior edges are drawn
where they fall within about a tenth of a panel's width of the samples (the
axis is widened to show them); the others are listed as beyond the axes.
The grid posterior's marginal densities
(:mod:`dpfit.inference.bayes.grid_posterior`) are scaled to the histograms'
counts (samples × bin width) so the two can be compared by eye.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WALL_COLOUR = "C3"
GRID_COLOUR = "C1"
#: Masses across the mass prior's range at which a wall's edge ε(m) is evaluated.
WALL_POINTS = 201
#: A prior edge within this fraction of a panel's width of the samples is drawn (the axis widened to it).
PRIOR_REACH = 0.1


@dataclass(frozen=True)
class Wall:
    """One edge of a step term's allowed set: ε(m) (dimensionless) at masses (MeV), on coupling ``parameter``."""

    label: str
    parameter: str
    mass: np.ndarray
    eps: np.ndarray


def walls(model, masses) -> list[Wall]:
    """Every edge of every step term at the masses (MeV) that lies inside the model's ε range, one Wall each."""
    masses = np.asarray(masses, dtype=float)
    lo, hi = model.eps_range
    out = []
    for term in model.joint.terms:
        for row in term.coupling_edges(masses):
            keep = np.isfinite(row) & (row > lo) & (row < hi)
            if keep.any():
                out.append(Wall(term.name.upper(), model.joint.mode.parameter_of(term.lepton), masses[keep], row[keep]))
    return out


def _axes(fig, ndim):
    return np.array(fig.axes).reshape(ndim, ndim)


def _panels_of(axes, k):
    """(panels with parameter k on x, panels with it on y) in the lower triangle, diagonal on x only."""
    n = axes.shape[0]
    return [axes[i, k] for i in range(k, n)], [axes[k, j] for j in range(k)]


def _set_span(axes, k, span) -> None:
    xs, ys = _panels_of(axes, k)
    for ax in xs:
        ax.set_xlim(*span)
    for ax in ys:
        ax.set_ylim(*span)


def _prior_edges(axes, k, edges) -> list[float]:
    """Draw the prior edges (sampled coordinate) of parameter k that lie near its samples; return those drawn."""
    lo, hi = axes[k, k].get_xlim()
    reach = PRIOR_REACH * (hi - lo)
    near = [float(e) for e in edges if lo - reach <= e <= hi + reach]
    if not near:
        return []
    pad = 0.03 * (hi - lo)
    _set_span(axes, k, (min([lo] + [e - pad for e in near]), max([hi] + [e + pad for e in near])))
    xs, ys = _panels_of(axes, k)
    for edge in near:
        for ax in xs:
            ax.axvline(edge, color="k", ls=":", lw=1.0)
        for ax in ys:
            ax.axhline(edge, color="k", ls=":", lw=1.0)
    return near


def _draw_wall(axes, k, mass_column, wall_u, mass) -> bool:
    """One line ε(m) in the (m, ε) panel, one band (or line, if constant) in the other panels of parameter k.
    Returns False (nothing drawn) when the wall lies outside the panels' ε span."""
    lo, hi = axes[k, k].get_xlim()
    if wall_u.max() < lo or wall_u.min() > hi:
        return False
    xs, ys = _panels_of(axes, k)
    kept = [(ax, ax.get_xlim(), ax.get_ylim()) for ax in xs + ys]
    constant = wall_u.max() - wall_u.min() <= 1e-9 * max(1.0, abs(wall_u.max()))
    for ax in xs:
        if constant:
            ax.axvline(wall_u[0], color=WALL_COLOUR, lw=1.6)
        else:
            ax.axvspan(wall_u.min(), wall_u.max(), color=WALL_COLOUR, alpha=0.3, lw=0)
    for j, ax in enumerate(ys):
        if j == mass_column:
            ax.plot(mass, wall_u, color=WALL_COLOUR, lw=1.6)
        elif constant:
            ax.axhline(wall_u[0], color=WALL_COLOUR, lw=1.6)
        else:
            ax.axhspan(wall_u.min(), wall_u.max(), color=WALL_COLOUR, alpha=0.3, lw=0)
    for ax, xlim, ylim in kept:
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
    return True


def _grid_marginals(axes, names, flat, grid, bins) -> list[str]:
    overlays = []
    for i, name in enumerate(names):
        bare = name.removeprefix("log10_")
        lo, hi = np.min(flat[:, i]), np.max(flat[:, i])
        scale = flat.shape[0] * (hi - lo) / bins
        if bare == "m":
            x, c = grid._cumulative("m")
            dens = np.gradient(c, x)
        else:
            x, dens = grid.coupling_density(bare)
        axes[i, i].plot(x, dens * scale, color=GRID_COLOUR, lw=1.2)
        overlays.append(name)
    return overlays


def _fmt(value: float) -> str:
    """A number in at most 4 significant digits, in scientific notation below 1e-2 (couplings)."""
    return f"{value:.3e}" if 0 < abs(value) < 1e-2 else f"{value:.4g}"


def mark_corner(fig, names, flat: np.ndarray, model, grid=None, bins: int = 20) -> tuple[dict, list]:
    """Draw the marks (see the module docstring).

    Returns (what was drawn, legend entries): the dict holds ``prior_edges`` (every parameter's, sampled
    coordinate), ``prior_edges_drawn``, ``walls`` (label, parameter, ε range, drawn or not), ``walls_eps``
    (every wall's ε values, sorted) and ``grid_overlays``; the entries are (handle, label) pairs.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ndim = len(names)
    axes = _axes(fig, ndim)
    log_eps = model.eps_prior == "log-uniform"
    to_u = np.log10 if log_eps else np.asarray
    column = {name.removeprefix("log10_"): i for i, name in enumerate(names)}
    prior = [tuple(map(float, model.mass_range))] + [tuple(map(float, to_u(np.asarray(model.eps_range))))] * (ndim - 1)
    entries = []

    drawn, beyond = [], []
    for k, name in enumerate(names):
        near = _prior_edges(axes, k, prior[k])
        drawn.append(near)
        if len(near) < len(prior[k]):
            beyond.append(name)
    label = {"m": "m", "log10_eps": "log10 ε", "eps": "ε"}
    if any(drawn):
        shown = "; ".join(f"{label.get(names[k], names[k])} = {', '.join(_fmt(e) for e in near)}"
                          + (" MeV" if names[k] == "m" else "")
                          for k, near in enumerate(drawn) if near)
        entries.append((Line2D([], [], color="k", ls=":", lw=1.0), f"prior edges: {shown}"))
    if beyond:
        ranges = "; ".join(f"{label.get(n, n)} ∈ [{_fmt(prior[names.index(n)][0])}, {_fmt(prior[names.index(n)][1])}]"
                           for n in beyond)
        entries.append((Line2D([], [], ls="none"), f"prior edges off the axes: {ranges}"))

    mass_column = column.get("m")
    masses = np.linspace(*model.mass_range, WALL_POINTS)
    found = walls(model, masses)
    described = []
    for wall in found:
        k = column.get(wall.parameter)
        shown = k is not None and _draw_wall(axes, k, mass_column, to_u(wall.eps), wall.mass)
        described.append({"label": wall.label, "parameter": wall.parameter, "eps_min": float(wall.eps.min()),
                          "eps_max": float(wall.eps.max()), "drawn": bool(shown)})
        if shown:
            where = f"m = {_fmt(wall.mass.min())}–{_fmt(wall.mass.max())} MeV"
            entries.append((Line2D([], [], color=WALL_COLOUR, lw=1.6), f"{wall.label} wall ε(m), {where}"))
            if np.ptp(wall.eps) > 0:
                entries.append((Patch(color=WALL_COLOUR, alpha=0.3, lw=0), f"{wall.label} wall's ε over those masses: "
                                f"{_fmt(wall.eps.min())}–{_fmt(wall.eps.max())}"))
    hidden = [w["label"] for w in described if not w["drawn"]]
    if hidden:
        counted = ", ".join(f"{name} ({hidden.count(name)})" for name in sorted(set(hidden)))
        entries.append((Line2D([], [], ls="none"), f"wall edges off the axes: {counted}"))

    overlays = []
    if grid is not None:
        overlays = _grid_marginals(axes, names, flat, grid, bins)
        entries.append((Line2D([], [], color=GRID_COLOUR, lw=1.2), "exact grid marginal, scaled to the histogram"))
    marks = {"prior_edges": [list(p) for p in prior], "prior_edges_drawn": drawn, "walls": described,
             "walls_eps": sorted({float(e) for w in found for e in w.eps}), "grid_overlays": overlays}
    return marks, entries
