"""The landscape figure: every search recast to a model over (m, g), the union's edge, the (g−2) bands, the
ATOMKI region, and a zoom on 15–18 MeV with the window. Reads the numbers of
:mod:`dpfit.inference.landscape` and :mod:`dpfit.inference.bands`; computes nothing. Masses in MeV,
couplings in units of e (the model's parameter)."""

from __future__ import annotations

import numpy as np

from dpfit.output.plots import finish, layout_with_legend_below, pyplot

#: ε axis of both panels.
EPS_RANGE = (1e-8, 1e-1)
#: The zoom panel's masses (MeV).
ZOOM = (15.0, 18.0)
MUON_COLOURS = {"WP20": "#1f77b4", "BMW21": "#2ca02c", "WP25": "#9467bd"}
ELECTRON_COLOUR = "#ff7f0e"
ATOMKI_COLOUR = "#d62728"


def _palette(curves) -> dict[str, tuple]:
    """One colour per experiment, fixed by the experiments' sorted names (the same search, the same colour)."""
    import matplotlib

    experiments = sorted({c.experiment for c in curves})
    cmap = matplotlib.colormaps["tab20"]
    return {e: cmap(i % 20) for i, e in enumerate(experiments)}


def _draw_curves(ax, land, palette):
    handles = {}
    for curve in land.curves:
        lo, hi = curve.intervals_at(land.grid)
        colour = palette[curve.experiment]
        for b in range(lo.shape[0]):
            ok = np.isfinite(lo[b])
            if not ok.any():
                continue
            top = np.where(np.isfinite(hi[b]), hi[b], 1.0)
            style = dict(facecolor=(*colour[:3], 0.45), edgecolor=colour, lw=0.6)
            if curve.family == "invisible":
                style.update(facecolor="none", hatch="///", edgecolor=colour)
            patch = ax.fill_between(land.grid, np.where(ok, lo[b], 1.0), np.where(ok, top, 1.0), where=ok,
                                    interpolate=False, **style)
            key = curve.experiment + (" (invisible)" if curve.family == "invisible" else "")
            handles.setdefault(key, patch)
    return handles


def plot_landscape(land, masks: dict, muon_bands: list, electron_bands: list, region, window_mask, target=None):
    """Two panels: the whole range (log-log) and the 15–18 MeV zoom. ``masks``: {family: excluded mask on
    (eps grid, land.grid)}; ``region``: (mass range, g range) of the ATOMKI box or None; ``window_mask``:
    True where the region is not excluded (on the same grid)."""
    plt = pyplot()
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(13.5, 6.2), gridspec_kw={"width_ratios": [2.2, 1]})
    palette = _palette(land.curves)
    eps = masks["eps"]
    groups = {}
    for axis in (ax, zoom):
        handles = _draw_curves(axis, land, palette)
        if axis is ax:
            groups.update(handles)
        for family, ls in (("visible", "-"), ("invisible", "--")):
            if family in masks:
                axis.contour(land.grid, eps, masks[family].astype(float), levels=[0.5], colors="black",
                                  linewidths=1.4, linestyles=ls)
                if axis is ax:
                    groups[f"union of {family} searches"] = plt.Line2D([], [], color="black", ls=ls, lw=1.4)
        for band in muon_bands:
            colour = MUON_COLOURS.get(band.scenario, "0.3")
            for n, alpha in ((2, 0.18), (1, 0.35)):
                lower, upper = band.edges(n)
                if np.all(lower > 0):
                    patch = axis.fill_between(band.mass, lower, upper, color=colour, alpha=alpha, lw=0)
                else:  # the region reaches g = 0: an upper limit, drawn as its edge so it hides no search
                    patch, = axis.plot(band.mass, upper, color=colour, lw=1.4, ls=":" if n == 2 else "-")
            if axis is ax:
                groups[f"(g−2)_μ {band.scenario} 1σ/2σ"] = patch
        for band in electron_bands:
            for n, alpha in ((2, 0.18), (1, 0.35)):
                lower, upper = band.edges(n)
                patch = axis.fill_between(band.mass, np.maximum(lower, EPS_RANGE[0]), upper, color=ELECTRON_COLOUR,
                                          alpha=alpha, lw=0, hatch="..")
            if axis is ax:
                groups[f"(g−2)_e {band.scenario} 1σ/2σ"] = patch
        if region is not None:
            (m0, m1), (g0, g1) = region
            rect = plt.Rectangle((m0, g0), m1 - m0, g1 - g0, facecolor=(*plt.matplotlib.colors.to_rgb(ATOMKI_COLOUR), 0.25),
                                 edgecolor=ATOMKI_COLOUR, lw=1.8, zorder=6)
            axis.add_patch(rect)
            if axis is ax:
                groups["ATOMKI region"] = rect
    if window_mask is not None and window_mask.any():
        zoom.contourf(land.grid, eps, window_mask.astype(float), levels=[0.5, 1.5], colors=["gold"], zorder=7)
        zoom.contour(land.grid, eps, window_mask.astype(float), levels=[0.5], colors="black", linewidths=0.8, zorder=8)
        groups["window (region not excluded)"] = plt.Rectangle((0, 0), 1, 1, facecolor="gold", edgecolor="black")
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlim(*land.mass_range), ax.set_ylim(*EPS_RANGE)
    zoom.set_xlim(*ZOOM), zoom.set_yscale("log"), zoom.set_ylim(1e-5, 1e-2)
    for axis in (ax, zoom):
        axis.set_xlabel("boson mass m [MeV]")
    ax.set_ylabel(f"coupling g [e] ({land.model})")
    ax.set_title(f"Published limits recast to {land.model}")
    zoom.set_title("zoom: 15–18 MeV")
    ax.add_patch(plt.Rectangle((ZOOM[0], 1e-5), ZOOM[1] - ZOOM[0], 1e-2 - 1e-5, fill=False, edgecolor="0.3",
                               lw=1.0, ls=":", zorder=9))
    legend = fig.legend(list(groups.values()), list(groups), loc="lower center", ncol=6, fontsize=7, frameon=False)
    layout_with_legend_below(fig, legend)
    finish(fig, target, made=True, crop=False)
    return fig
