"""The reference figures: the muon bands (ε_μ against m per scenario) and the overlay of every constraint.

Plots only: they draw :mod:`dpfit.inference.bands` results and compute no physics. Masses
are in MeV, couplings dimensionless. Figures are saved atomically through
:func:`dpfit.output.plots.save` in the format the target's extension names.
"""

from __future__ import annotations

from itertools import cycle

import numpy as np

from dpfit.inference.levels import format_percent, one_sided_coverage
from dpfit.inference.bands import CouplingBand, OverlayResults
from dpfit.output.plots import finish, layout_with_legend_below, log_axis, pyplot

MASS_LABEL = "boson mass m [MeV]"
LEPTON_SYMBOL = {"mu": r"\mu", "e": "e"}
MUON_COLOURS = ("#1f5fa8", "#8e44ad", "#0e9aa7", "#d35400", "#7f8c8d")
ELECTRON_COLOURS = ("#2e8b3a", "#b8860b", "#556b2f")
LIMIT_STYLES = ({"color": "#555555", "hatch": "///"}, {"color": "#8b4513", "hatch": "\\\\\\"},
                {"color": "#2f4f4f", "hatch": "xx"})
WINDOW_COLOUR = "#e0115f"
ATOMKI_COLOUR = "#ff8c00"
#: Shading of the 1σ and 2σ bands.
BAND_ALPHA = {1: 0.45, 2: 0.2}


#: Labels are Unicode text, with mathtext only for subscripts: every mathtext string is typeset anew for
#: each rendering of a figure (each file saved), which costs more than drawing the rest.
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _times_ten(exponent: int) -> str:
    """× 10^k in Unicode superscripts, e.g. × 10⁻¹¹."""
    return f"× 10{str(exponent).translate(SUPERSCRIPT)}"


def _power_of_ten(value: float) -> str:
    """A number as a × 10^k with two significant digits, e.g. 6.8 × 10⁻⁴."""
    exponent = int(np.floor(np.log10(abs(value))))
    return f"{value / 10.0**exponent:.2g} {_times_ten(exponent)}"


def _delta_text(band: CouplingBand) -> str:
    """Δa_ℓ as the source paper prints it: integers value(σ) × 10^k, k chosen so that σ has two digits,
    e.g. "Δa_μ = 262(45) × 10⁻¹¹"."""
    exponent = int(np.floor(np.log10(band.sigma_delta_a))) - 1
    value, sigma = (f"{x / 10.0**exponent:.0f}" for x in (band.delta_a, band.sigma_delta_a))
    return rf"Δ$a_{{{LEPTON_SYMBOL[band.lepton]}}}$ = {value.replace('-', '−')}({sigma}) {_times_ten(exponent)}"


CONVENTION_TEXT = {"paper": "inputs in the source paper's convention (its rounded Δa)",
                   "precise": "inputs in dpfit's precise convention (unrounded Δa)"}


def _convention_text(bands: list[CouplingBand]) -> str | None:
    """What the bands' convention is, in words; None when the bands do not say or disagree."""
    conventions = {b.convention for b in bands}
    if len(conventions) != 1 or None in conventions:
        return None
    (convention,) = conventions
    return CONVENTION_TEXT.get(convention, f"inputs in the '{convention}' convention")


def _positive_span(bands: list[CouplingBand], linear: bool) -> tuple[float, float]:
    """(smallest positive, largest finite) value of the bands' central lines and edges."""
    values = [b.central for b in bands]
    for band in bands:
        for n in (1, 2):
            values.extend(band.edges(n, linear))
    flat = np.concatenate([np.ravel(v) for v in values])
    flat = flat[np.isfinite(flat) & (flat > 0)]
    return float(flat.min()), float(flat.max())


# ----------------------------------------------------------------------------- muon bands


def _band_label(n: int, linear: bool) -> str:
    if linear:
        factor = "" if n == 1 else n
        return rf"{n}σ: ε ± {factor}$\sigma_\varepsilon$ (paper's linear propagation)"
    return f"{n}σ: Δχ² ≤ {n * n} (exact likelihood)"


def _band_panel(ax, band: CouplingBand, linear: bool, bottom: float, colour: str) -> list[str]:
    """One scenario's central line and nσ bands; returns notes on lower edges at or below 0."""
    symbol = LEPTON_SYMBOL[band.lepton]
    label = rf"best fit $\varepsilon_{{{symbol}}}$" + (" (explains Δa)" if band.delta_a > 0 else "")
    ax.plot(band.mass, band.central, color=colour, lw=1.8, label=label)
    notes = []
    for n in (1, 2):
        lower, upper = band.edges(n, linear)
        ax.fill_between(band.mass, np.maximum(lower, bottom), upper, color=colour, alpha=BAND_ALPHA[n],
                        lw=0, label=_band_label(n, linear))
        if np.any(lower <= 0):
            where = "goes below" if linear else "reaches"
            notes.append(rf"{n}σ band {where} $\varepsilon_{{{symbol}}}$ = 0")
    ax.set_title(f"{band.scenario}\n{_delta_text(band)}", fontsize=10)
    return notes


def _plain_log_ticks(axis) -> None:
    """Log-axis ticks at 1, 2, 5 × 10^k labelled as plain numbers (e.g. 5, 10, 20)."""
    from matplotlib import ticker

    axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def plot_muon_bands(bands: list[CouplingBand], target=None, linear: bool = False, *, fig=None):
    """ε_μ against m, one log–log panel per scenario (shared y), with 1σ and 2σ bands.

    bands: CouplingBand results (masses in MeV), e.g. from dpfit.inference.bands.scenario_bands.
    linear=True draws the paper's linear ε ± nσ_ε instead of the exact Δχ² ≤ n² bands.
    Edges at or below zero are drawn down to the bottom of the log axis, and noted.
    Draws into ``fig`` (a new figure if None), saves to ``target`` if given; returns the Figure.
    """
    made = fig is None
    if made:
        fig = pyplot().figure(figsize=(3.4 * len(bands) + 0.6, 4.2))
    axes = fig.subplots(1, len(bands), sharey=True, squeeze=False)[0]
    low, high = _positive_span(bands, linear)
    bottom, top = low / 2.0, high * 2.0
    for ax, band in zip(axes, bands):
        notes = _band_panel(ax, band, linear, bottom, MUON_COLOURS[0])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(band.mass.min(), band.mass.max())
        ax.set_ylim(bottom, top)
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel(MASS_LABEL)
        ax.grid(which="major", alpha=0.3)
        if notes:
            ax.text(0.96, 0.04, "\n".join(notes), transform=ax.transAxes, fontsize=8, va="bottom", ha="right",
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9})
    axes[0].set_ylabel(r"$\varepsilon_\mu$ (dimensionless)")
    handles, labels = axes[0].get_legend_handles_labels()
    method = "the source paper's linear propagation" if linear else "the exact likelihood"
    convention = _convention_text(bands)
    fig.suptitle(f"Muon coupling from (g−2)$_\\mu$, bands from {method}"
                 + (f";\n{convention}" if convention else ""), fontsize=11)
    legend = fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=9)
    layout_with_legend_below(fig, legend)
    finish(fig, target, made, crop=False)
    return fig


# ----------------------------------------------------------------------------- overlay


def _positive(values) -> np.ndarray:
    """Values with those ≤ 0 masked as NaN (not drawable on a log axis)."""
    return np.where(values > 0, values, np.nan)


def _on_white(colour: str, alpha: float) -> tuple:
    """The opaque colour that ``colour`` at ``alpha`` shows over white: fills drawn with it never mix."""
    from matplotlib.colors import to_rgb

    return tuple(alpha * c + (1.0 - alpha) for c in to_rgb(colour))


def _muon_bands(ax, bands: list[CouplingBand]) -> list:
    """Muon bands as edges only (1σ solid, 2σ dashed): no fill, so nothing mixes with the other layers.

    Lower edges at ε = 0 are not drawn (a log axis); the legend says which reach it.
    """
    handles = []
    for band, colour in zip(bands, cycle(MUON_COLOURS)):
        parts, at_zero = [], []
        for n, style in ((1, "-"), (2, "--")):
            lower, upper = band.edges(n)
            line, = ax.plot(band.mass, upper, color=colour, ls=style, lw=1.3)
            ax.plot(band.mass, _positive(lower), color=colour, ls=style, lw=1.3)
            parts.append(line)
            if np.any(lower <= 0):
                at_zero.append(f"{n}σ")
        note = f", {' and '.join(at_zero)} down to ε = 0" if at_zero else ""
        handles.append((tuple(parts), f"{band.scenario} (μ): 1σ, 2σ edges{note}"))
    return handles


def upper_limit_label(band: CouplingBand) -> str:
    """What a Δa < 0 scenario's line is: a one-sided upper limit on ε_ℓ at Δχ² = 4, not a band."""
    held = format_percent(one_sided_coverage(4.0))  # the best fit sits on eps = 0: a one-sided limit
    return f"{band.scenario} ({band.lepton}): one-sided upper limit, Δχ² = 4 ({held})"


def _electron_bands(ax, bands: list[CouplingBand]) -> list:
    """Electron bands filled without overlap (1σ, and the two 2σ strips beside it, opaque, under every other
    layer) or, for Δa < 0, the 2σ (Δχ² = 4) upper-limit line."""
    handles = []
    colours = cycle(ELECTRON_COLOURS)
    for band in bands:
        if band.upper_limit:
            line, = ax.plot(band.mass, band.edges(2)[1], color="black", ls="-.", lw=1.6, zorder=4)
            handles.append((line, upper_limit_label(band)))
            continue
        colour = next(colours)
        (lo1, hi1), (lo2, hi2) = band.edges(1), band.edges(2)
        two = _on_white(colour, BAND_ALPHA[2])
        patch2 = ax.fill_between(band.mass, lo2, lo1, color=two, lw=0, zorder=0.5)
        ax.fill_between(band.mass, hi1, hi2, color=two, lw=0, zorder=0.5)
        patch1 = ax.fill_between(band.mass, lo1, hi1, color=_on_white(colour, BAND_ALPHA[1]), lw=0, zorder=0.5)
        handles += [(patch1, f"{band.scenario} (e): 1σ"), (patch2, f"{band.scenario} (e): 2σ")]
    return handles


def _limits(ax, limits, top: float) -> list:
    """Excluded regions hatched, with solid edges; an open upper edge runs to ``top``."""
    handles = []
    for limit, style in zip(limits, cycle(LIMIT_STYLES)):
        upper = np.where(np.isfinite(limit.upper), limit.upper, top)
        patch = ax.fill_between(limit.mass, limit.lower, upper, facecolor="none", edgecolor=style["color"],
                                hatch=style["hatch"], lw=1.2)
        cl = f" {limit.cl:.0%} CL" if limit.cl is not None else ""
        handles.append((patch, f"{limit.experiment}{cl}: excluded"))
    return handles


def _rectangle(ax, mass: tuple[float, float], eps: tuple[float, float], **style):
    """Add the rectangle mass × eps (MeV × dimensionless) to ax; return it."""
    from matplotlib.patches import Rectangle

    return ax.add_patch(Rectangle((mass[0], eps[0]), mass[1] - mass[0], eps[1] - eps[0], **style))


#: The window and the ATOMKI box are outlines: the curves that set their edges stay visible.
WINDOW_STYLE = {"facecolor": "none", "edgecolor": WINDOW_COLOUR, "lw": 2.4, "zorder": 5}


def _draw_overlay(ax, results: OverlayResults, top: float) -> list:
    """Every layer of the overlay on one axis; returns the legend's (handle, label) pairs."""
    pairs = (_electron_bands(ax, results.electron) + _muon_bands(ax, results.muon)
             + _limits(ax, results.limits, top))
    if (box := results.atomki) is not None:
        rect = _rectangle(ax, box.mass, box.eps, facecolor="none", edgecolor=ATOMKI_COLOUR, lw=2, zorder=4)
        pairs.append((rect, f"{box.label}: preferred"))
    if results.window_band is not None and np.isfinite(results.window_band[1]).any():
        mass, lower, upper = results.window_band
        patch = ax.fill_between(mass, lower, upper, **WINDOW_STYLE)
        pairs.append((patch, "surviving window ε(m) (outline)"))
    elif results.window:
        rects = [_rectangle(ax, b.mass, b.eps, **WINDOW_STYLE) for b in results.window]
        pieces = ", ".join(f"[{_power_of_ten(b.eps[0])}, {_power_of_ten(b.eps[1])}]" for b in results.window)
        pairs.append((rects[0], f"{results.window[0].label}: ε ∈ {pieces}"))
    return pairs


def _label_upper_limits(ax, bands: list[CouplingBand]) -> list:
    """Name each upper-limit line on the axis itself, near its right end, with an arrow down (allowed below)."""
    texts = []
    lo, hi = ax.get_xlim()
    x = lo + 0.97 * (hi - lo) if ax.get_xscale() == "linear" else lo * (hi / lo) ** 0.97
    for band in bands:
        if band.upper_limit:
            y = float(np.interp(x, band.mass, band.edges(2)[1]))
            texts.append(ax.annotate(f"{band.scenario} (e): upper limit ↓", (x, y), xytext=(0, 3),
                                     textcoords="offset points", ha="right", va="bottom", fontsize=8, zorder=6,
                                     bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}))
    return texts


def _compact_legend(fig, pairs: list):
    """One legend below the panels, four columns wide."""
    from matplotlib.legend_handler import HandlerTuple

    return fig.legend([h for h, _ in pairs], [label for _, label in pairs], loc="lower center", ncol=4,
                      frameon=False, fontsize=8, handlelength=3.0, columnspacing=1.5,
                      handler_map={tuple: HandlerTuple(ndivide=None, pad=0.6)})


def _zoom_limits(results: OverlayResults) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Mass and ε ranges around the X17 boxes (atomki and window), with margins; None without boxes."""
    boxes = ([results.atomki] if results.atomki is not None else []) + results.window
    if not boxes:
        return None
    m_lo, m_hi = min(b.mass[0] for b in boxes), max(b.mass[1] for b in boxes)
    e_lo, e_hi = min(b.eps[0] for b in boxes), max(b.eps[1] for b in boxes)
    if results.window_band is not None and np.isfinite(results.window_band[1]).any():
        e_lo, e_hi = min(e_lo, np.nanmin(results.window_band[1])), max(e_hi, np.nanmax(results.window_band[2]))
    margin = 0.35 * (m_hi - m_lo)
    return (m_lo - margin, m_hi + margin), (e_lo / 2.5, e_hi * 2.5)


def _style_overlay_axis(ax, mass_range, eps_range) -> None:
    ax.set_xlim(*mass_range)
    ax.set_ylim(*eps_range)
    ax.set_yscale("log")
    log_axis(ax, "x", mass_range)
    if ax.get_xscale() == "log":
        _plain_log_ticks(ax.xaxis)
    ax.set_xlabel(MASS_LABEL)
    ax.set_ylabel(r"coupling $\varepsilon_e$, $\varepsilon_\mu$ (dimensionless)")
    ax.grid(which="major", alpha=0.3)


def plot_overlay(results: OverlayResults, target=None, *, fig=None):
    """The overlay over m = results.mass (MeV, log axes): bands, limits, ATOMKI box and window.

    A second panel zooms on the X17 region (the ATOMKI box and the window, drawn
    with its mass dependence; its mass axis is linear, the range being narrow),
    framed in grey on the first. Only the electron bands are filled (opaque, the 1σ and 2σ parts side by
    side); every other layer is a line, an outline or a hatch, so no two fills mix into a colour the legend
    does not show. Upper-limit lines are named on the axes. The legend sits below both panels. Draws into ``fig`` (a new
    figure if None), saves to ``target`` if given; returns the Figure.
    """
    zoom = _zoom_limits(results)
    ncols = 2 if zoom else 1
    made = fig is None
    if made:
        fig = pyplot().figure(figsize=(12.5 if zoom else 8, 6.4))
    axes = fig.subplots(1, ncols, squeeze=False, gridspec_kw={"width_ratios": [1.5, 1][:ncols]})[0]
    low, high = _positive_span(results.electron + results.muon, linear=False)
    bottom, top = low / 1.5, high * 1.5
    for ax in axes:
        pairs = _draw_overlay(ax, results, top)
    _style_overlay_axis(axes[0], (results.mass.min(), results.mass.max()), (bottom, top))
    axes[0].set_title("Lepton (g−2) bands, direct searches and ATOMKI", fontsize=11)
    if zoom:
        _style_overlay_axis(axes[1], *zoom)
        axes[1].set_title("Zoom on the X17 region (grey frame at left)", fontsize=11)
        _rectangle(axes[0], *zoom, fill=False, edgecolor="0.4", lw=1.2, zorder=6)
    for ax in axes:
        _label_upper_limits(ax, results.electron)
    layout_with_legend_below(fig, _compact_legend(fig, pairs))
    finish(fig, target, made, crop=False)
    return fig
