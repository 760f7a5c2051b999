"""Figures. Plots read results; they never recompute physics.

Every figure is saved atomically (temporary file, then rename) in the format
its extension names (png, pdf, svg).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dpfit.output.atomic import atomic_path


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, target) -> None:
    """Save a figure atomically to ``target`` (or to each of a list of targets, drawn once per format);
    the format follows each target's extension. Closes the figure."""
    targets = target if isinstance(target, (list, tuple)) else [target]
    for one in map(Path, targets):
        with atomic_path(one) as tmp:
            fig.savefig(tmp, format=one.suffix.lstrip(".") or "png", dpi=150, bbox_inches="tight")
    pyplot().close(fig)


def log_axis(ax, which: str, values) -> None:
    """Log scale when the values span more than a factor 5, else linear with plain tick labels."""
    values = np.asarray(values)
    if values.max() / values.min() > 5:
        getattr(ax, f"set_{which}scale")("log")


EPS_LABEL = {"eps": r"kinetic mixing $\varepsilon$", "eps_e": r"$\varepsilon_e$", "eps_mu": r"$\varepsilon_\mu$"}


def plot_scan_1d(scan, target, levels=(1.0, 4.0)) -> None:
    """Δχ²(ε) at fixed mass with the Δχ² = 1 and 4 lines."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    finite = np.where(np.isfinite(scan.delta_chi2[0]), scan.delta_chi2[0], np.nan)
    ax.plot(scan.eps, finite, color="C0", label=f"m = {scan.mass[0]:g} MeV")
    for level, style in zip(levels, ("--", ":")):
        ax.axhline(level, color="gray", ls=style, lw=1, label=rf"$\Delta\chi^2 = {level:g}$")
    excluded = ~np.isfinite(scan.delta_chi2[0])
    if excluded.any():
        ax.fill_between(scan.eps, 0, 1, where=excluded, transform=ax.get_xaxis_transform(),
                        color="k", alpha=0.15, step="mid", label="excluded (step terms)")
    ax.set_xscale("log")
    ax.set_xlabel(EPS_LABEL[scan.axis])
    ax.set_ylabel(r"$\Delta\chi^2$ (profile)")
    top = np.nanmax(finite) if np.isfinite(finite).any() else 10.0
    ax.set_ylim(0, min(top, 25.0) * 1.05 + 0.1)
    ax.legend(frameon=False, fontsize=8)
    save(fig, target)


def plot_scan_2d(scan, target, levels) -> None:
    """Δχ²(m, ε) map with contours; ``levels`` maps each contour's label (what it holds) to its Δχ²."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    z = np.where(np.isfinite(scan.delta_chi2), scan.delta_chi2, np.nan).T
    mesh = ax.pcolormesh(scan.mass, scan.eps, np.minimum(z, 25.0), shading="auto", cmap="viridis_r")
    fig.colorbar(mesh, ax=ax, label=r"$\Delta\chi^2$ (capped at 25; blank: excluded)")
    finite = np.where(np.isfinite(z), z, 1e3)
    ordered = sorted(levels.items(), key=lambda kv: kv[1])
    styles = ["-", "--", ":"][: len(ordered)]
    ax.contour(scan.mass, scan.eps, finite, levels=[v for _, v in ordered], colors="k", linestyles=styles)
    handles = [plt.Line2D([], [], color="k", ls=ls, label=k)
               for (k, v), ls in zip(ordered, styles)]
    ax.legend(handles=handles, frameon=True, fontsize=8, loc="lower right")
    log_axis(ax, "x", scan.mass)
    ax.set_yscale("log")
    ax.set_xlabel("boson mass m [MeV]")
    ax.set_ylabel(EPS_LABEL[scan.axis])
    save(fig, target)
