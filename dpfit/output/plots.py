"""Figures of scans. Plots read results; they never recompute physics.

Every plotting function draws into ``ax`` (or a new figure when ``ax`` is None)
and returns the Axes it drew on, so it works in a notebook; it never changes
the matplotlib backend (only the ``dpfit`` command selects a non-interactive
one). Given a ``target`` it also saves the figure atomically (temporary file,
then rename) in the format the extension names (png, pdf, svg), and closes the
figure if it made it. Drawing with the Agg renderer runs in a block an interrupt
waits for (:func:`dpfit.runtime.interrupts.deferred`): interrupted inside its
callbacks, Agg raises an error of its own and the interrupt is lost.
"""

from __future__ import annotations

import textwrap
from itertools import cycle
from pathlib import Path

import numpy as np

from dpfit.io.atomic import atomic_path
from dpfit.output.wording import level_text
from dpfit.runtime.interrupts import deferred

#: At most this many grid lines per axis go into a contour or a hatched region (stride decimation).
CONTOUR_POINTS = 300
#: At most this many cells per axis go into the colour map (2–3 pixels each at 150 dpi; the contours use their own grid).
MESH_POINTS = 300
#: zlib level of PNG files: 1 encodes a figure several times faster than the default 6, for files about
#: a fifth larger.
PNG_COMPRESSION = 1
HATCHES = ("///", "\\\\\\", "xx", "++", "..")


def pyplot():
    """matplotlib.pyplot (imported on first use), on whatever backend the user or the CLI selected."""
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax=None, figsize=(6.4, 4.8)):
    """(figure, axes, made): the given axes' figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = pyplot().subplots(figsize=figsize)
    return fig, ax, True


def save(fig, target, crop: bool = True) -> None:
    """Save a figure atomically to ``target`` or to each of a list of targets (one drawing, several formats);
    the format follows each target's extension. ``crop`` trims the canvas to the content, a second layout
    pass per file; a figure laid out to fit its canvas (:func:`layout_with_legend_below`) needs none."""
    for one in map(Path, target if isinstance(target, (list, tuple)) else [target]):
        fmt = one.suffix.lstrip(".").lower() or "png"
        extra = {"pil_kwargs": {"compress_level": PNG_COMPRESSION}} if fmt == "png" else {}
        with atomic_path(one) as tmp, deferred():
            fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight" if crop else None, **extra)


def finish(fig, target, made: bool, crop: bool = True) -> None:
    """Save to ``target`` if given; close the figure if this module made it and saved it."""
    if target is not None:
        save(fig, target, crop)
        if made:
            pyplot().close(fig)


def layout_with_legend_below(fig, legend) -> None:
    """``tight_layout`` over the canvas above a figure legend anchored at the bottom centre: the strip the
    legend needs is measured, so everything fits the canvas and saving needs no crop."""
    legend.set_bbox_to_anchor((0.5, 0.0), transform=fig.transFigure)
    with deferred():  # both lay text out with the Agg renderer
        height = legend.get_window_extent().height / fig.bbox.height
        fig.tight_layout(rect=(0, min(height + 0.01, 0.9), 1, 1))


def log_axis(ax, which: str, values) -> None:
    """Log scale when the values span more than a factor 5, else linear with plain tick labels."""
    values = np.asarray(values)
    if values.max() / values.min() > 5:
        getattr(ax, f"set_{which}scale")("log")


def plain_log_labels(axis) -> None:
    """Ticks at 1, 2, 5 per decade labelled as plain numbers (no mathtext to typeset: fast, legible)."""
    from matplotlib import ticker

    axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


PLAIN_EPS_LABEL = {"eps": "kinetic mixing ε", "eps_e": "ε_e", "eps_mu": "ε_μ"}
EPS_LABEL = {"eps": r"kinetic mixing $\varepsilon$", "eps_e": r"$\varepsilon_e$", "eps_mu": r"$\varepsilon_\mu$"}


def plot_scan_1d(scan, target=None, levels=(1.0, 4.0), *, ax=None, title: str | None = None):
    """Δχ²(ε) at the scan's fixed mass with the Δχ² = 1 and 4 lines; returns the Axes.

    Nothing is profiled in universal mode (ε is the only parameter at fixed
    mass); in lepton mode the other coupling is profiled, and the label says so.
    """
    fig, ax, made = new_axes(ax, (6, 4))
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
    profiled = scan.axis != "eps"
    ax.set_ylabel(r"$\Delta\chi^2$" + (" (other coupling profiled)" if profiled else " at fixed m"))
    top = np.nanmax(finite) if np.isfinite(finite).any() else 10.0
    ax.set_ylim(0, min(top, 25.0) * 1.05 + 0.1)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=8)
    finish(fig, target, made)
    return ax


def _stride(n: int, most: int = CONTOUR_POINTS) -> int:
    """The stride that leaves at most ``most`` of ``n`` grid lines."""
    return max(1, int(np.ceil(n / most)))


def eps_extent(scan, codes=None) -> tuple[float, float]:
    """The ε range worth drawing: the rows holding an allowed cell, widened by a factor 2 (within the grid)."""
    allowed = np.isfinite(scan.delta_chi2).any(axis=0)
    if not allowed.any():
        return float(scan.eps[0]), float(scan.eps[-1])
    rows = np.flatnonzero(allowed)
    return max(scan.eps[0], scan.eps[rows[0]] / 2.0), min(scan.eps[-1], scan.eps[rows[-1]] * 2.0)


WALL_COLOUR = "#d62728"


def _wall_lines(ax, scan, low: float, high: float) -> list:
    """The scan's exact wall edges ε(m) (``scan.edges``) that enter [low, high], one line each; the first is
    labelled for the legend. Returns the lines drawn."""
    if scan.edges is None:
        return []
    lines = []
    for row in scan.edges:
        inside = np.isfinite(row) & (row >= low) & (row <= high)
        if inside.any():
            line, = ax.plot(scan.mass, np.where(np.isfinite(row), row, np.nan), color=WALL_COLOUR, lw=1.4,
                            label=None if lines else "exact wall edges ε(m) (step terms)")
            lines.append(line)
    return lines


def contour_labels(scan, levels) -> dict[str, float]:
    """Each contour's label, saying what it holds, mapped to its Δχ² (for :func:`plot_scan_2d`): 2 parameters,
    or 1 when the mass is unconstrained (:meth:`dpfit.inference.profile.scan.Scan.contour_levels`)."""
    thresholds, ndof = scan.contour_levels(levels)
    params = "2 parameters" if ndof == 2 else "1 parameter (mass unconstrained)"
    return {f"{lv.label}: {level_text(lv, ndof)} ({params})": thresholds[lv.label] for lv in levels}


def plot_scan_2d(scan, target=None, levels=None, *, ax=None, excluded=None, title: str | None = None):
    """Δχ²(m, ε) map with the 2D contours, excluded regions hatched and labelled; returns the Axes.

    levels: {label: Δχ²} of the contours, each label saying what it holds (:func:`contour_labels`).
    excluded: (codes, labels) from :func:`dpfit.inference.profile.excluded.excluded_by`, labels being what
    the legend shows (e.g. the experiments); None: excluded cells are left blank. The scan's exact wall
    edges (``scan.edges``) are drawn as lines ε(m) over the map, so the walls show where they are, not
    where the grid cells end.
    The map is one rasterized mesh of at most MESH_POINTS cells per axis; contours and hatching use at
    most CONTOUR_POINTS grid lines per axis (every k-th line of a finer grid).
    """
    plt = pyplot()
    fig, ax, made = new_axes(ax)
    z = np.where(np.isfinite(scan.delta_chi2), scan.delta_chi2, np.nan).T
    mm, me = _stride(scan.mass.size, MESH_POINTS), _stride(scan.eps.size, MESH_POINTS)
    mesh = ax.pcolormesh(scan.mass[::mm], scan.eps[::me], np.minimum(z[::me, ::mm], 25.0), shading="auto",
                         cmap="viridis_r", rasterized=True)
    fig.colorbar(mesh, ax=ax, label="Δχ² (capped at 25)")
    sm, se = _stride(scan.mass.size), _stride(scan.eps.size)
    mass, eps = scan.mass[::sm], scan.eps[::se]
    handles = []
    if levels:
        finite = np.where(np.isfinite(z), z, 1e3)[::se, ::sm]
        ordered = sorted(levels.items(), key=lambda kv: kv[1])
        styles = ["-", "--", ":"][: len(ordered)]
        ax.contour(mass, eps, finite, levels=[v for _, v in ordered], colors="k", linestyles=styles)
        handles += [plt.Line2D([], [], color="k", ls=ls, label=k)
                    for (k, v), ls in zip(ordered, styles)]
    if excluded is not None:
        from matplotlib.patches import Patch

        codes, labels = excluded
        sub = codes.T[::se, ::sm]
        for k, (label, hatch) in enumerate(zip(labels, cycle(HATCHES)), start=1):
            if (sub == k).any():
                ax.contourf(mass, eps, (sub == k).astype(float), levels=[0.5, 1.5], colors="none", hatches=[hatch])
                handles.append(Patch(facecolor="white", edgecolor="0.3", hatch=hatch, label=f"excluded: {label}"))
    low, high = eps_extent(scan)
    walls = _wall_lines(ax, scan, low, high)
    if walls:
        handles.append(walls[0])
    if handles:
        ax.legend(handles=handles, frameon=True, fontsize=7, loc="lower right")
    log_axis(ax, "x", scan.mass)
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    plain_log_labels(ax.yaxis)
    ax.set_xlabel("boson mass m [MeV]")
    ax.set_ylabel(PLAIN_EPS_LABEL[scan.axis])
    if title:
        ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=8)
    finish(fig, target, made)
    return ax
