"""Corner plot of a posterior chain (corner.py), and the numbers it shows.

Axes: m in MeV and log10 ε (the sampled coordinate for a log-uniform prior).
Burn-in and thinning come from the chain's measured autocorrelation time.
The 2D contours enclose the levels' probability of the posterior mass
(68.27 % and 95.45 % by default; not the "1σ/2σ" of a 2D Gaussian, which
would hold 39 % / 86 %: corner issue #123), and the figure says so. With the
chain's model (and its grid posterior), prior edges, hard exclusion walls and
the grid's 1-D marginals are marked (:mod:`dpfit.output.corner_marks`).

The titles (median and the 16–84 % quantiles) are rounded to the digit the
Monte-Carlo error of the median supports: that error is
sqrt(π/2) σ / sqrt(N_eff) for a near-Gaussian marginal (Kendall & Stuart,
The Advanced Theory of Statistics, vol. 1, §10.10), N_eff the effective
sample size. The numbers (:func:`corner_numbers`) are in physical units,
ε rather than log10 ε, like every other dpfit output.
"""

from __future__ import annotations

import math

import numpy as np

from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.diagnostics import diagnostics, physical_samples
from dpfit.output.plots import finish, pyplot

LABELS = {"m": "m [MeV]", "log10_eps": r"$\log_{10}\varepsilon$", "log10_eps_e": r"$\log_{10}\varepsilon_e$",
          "log10_eps_mu": r"$\log_{10}\varepsilon_\mu$", "eps": r"$\varepsilon$", "eps_e": r"$\varepsilon_e$",
          "eps_mu": r"$\varepsilon_\mu$"}
QUANTILES = (0.025, 0.16, 0.5, 0.84, 0.975)


def median_mc_error(values: np.ndarray, ess: float) -> float:
    """Monte-Carlo standard error of the median: sqrt(π/2) σ / sqrt(N_eff)."""
    return float(math.sqrt(math.pi / 2) * np.std(values) / math.sqrt(max(ess, 1.0)))


def decimals_for(error: float) -> int:
    """Decimal places that keep one significant digit of ``error`` (≥ 0)."""
    if not error > 0:
        return 4
    return max(0, -int(math.floor(math.log10(error))))


def _flat(chain: Chain):
    diag = diagnostics(chain)
    return diag, chain.get_chain(discard=diag.burn, thin=diag.thin, flat=True)


def _corner():
    """The corner package, imported without its optional ArviZ front end (``corner.arviz_corner``), which
    dpfit does not use: importing ArviZ costs about a second of every corner plot's start-up."""
    import sys

    if "corner" in sys.modules or "arviz" in sys.modules:
        import corner

        return corner
    sys.modules["arviz"] = None  # makes corner's `import arviz` fail, as when ArviZ is not installed
    try:
        import corner
    finally:
        del sys.modules["arviz"]
    return corner


def _level_colours(n: int) -> list:
    """The fill colours corner.hist2d gives the regions of n levels of colour C0, smallest probability first:
    the innermost region opaque, the ring of the j-th level (j ≥ 1) with alpha (n − j)/(n + 1)."""
    from matplotlib.colors import to_rgba

    base = to_rgba("C0")
    return [base[:3] + (1.0 if j == 0 else (n - j) / (n + 1),) for j in range(n)]


def _legend(fig, axes, header: str, entries: list):
    """The legend of every mark, headed by the sampling summary, in the empty upper triangle: its top left at
    the top right of the first diagonal panel, so it covers no panel with data."""
    import textwrap

    top = axes[0, 0].get_position()
    width = 50 if axes.shape[0] == 2 else 60
    legend = fig.legend([h for h, _ in entries], ["\n".join(textwrap.wrap(t, width)) for _, t in entries],
                        loc="upper left", bbox_to_anchor=(top.x1 + 0.02, top.y1), bbox_transform=fig.transFigure,
                        fontsize=7, frameon=False, title="\n".join(textwrap.wrap(header, width)),
                        title_fontsize=7, alignment="left", handlelength=2.0)
    return legend


def plot_corner(chain: Chain, target=None, *, fig=None, model=None, grid=None, levels=None):
    """Draw the corner plot (into ``fig`` if given), save it to ``target`` if given; return the Figure.

    ``levels``: the 2D contours' probability content (default 1sigma,2sigma). ``model`` / ``grid``: mark
    prior edges, exclusion walls and the grid marginals; what was marked is in ``fig.dpfit_marks``.
    """
    corner = _corner()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from dpfit.inference.levels import DEFAULT_LEVELS, format_percent, parse_levels

    levels = parse_levels(DEFAULT_LEVELS if levels is None else levels)
    diag, flat = _flat(chain)
    names = chain.names
    made = fig is None
    if made:  # panels of 2.6 in (corner's own are 2 in): room for the legend in the empty upper triangle
        fig = pyplot().figure(figsize=(2.6 * len(names) + 1.6,) * 2)
    fig = corner.corner(
        flat, fig=fig, labels=[LABELS.get(n, n) for n in names], quantiles=[0.16, 0.5, 0.84],
        levels=tuple(lv.probability for lv in levels), show_titles=False, label_kwargs={"fontsize": 11},
        plot_datapoints=False, fill_contours=True, smooth=1.0, color="C0",
    )
    axes = np.asarray(fig.axes).reshape(len(names), len(names))
    for i, name in enumerate(names):
        q16, q50, q84 = np.quantile(flat[:, i], [0.16, 0.5, 0.84])
        d = decimals_for(median_mc_error(flat[:, i], diag.ess))
        axes[i, i].set_title(f"{LABELS.get(name, name)} = ${q50:.{d}f}^{{+{q84 - q50:.{d}f}}}_{{-{q50 - q16:.{d}f}}}$",
                             fontsize=9)
    ordered = sorted(levels, key=lambda lv: lv.probability)
    entries = [(Patch(facecolor=colour, edgecolor="C0"), f"2D: highest-density region holding {format_percent(lv.probability)}")
               for lv, colour in zip(ordered, _level_colours(len(levels)))]
    entries.append((Line2D([], [], color="C0", ls="--"), "1-D: 16, 50, 84 % quantiles"))
    fig.dpfit_marks = None
    if model is not None:
        from dpfit.output.corner_marks import mark_corner

        fig.dpfit_marks, marks = mark_corner(fig, names, flat, model, grid)
        entries += marks
    header = (f"Joint posterior: {flat.shape[0]} samples (burn-in {diag.burn}, thin {diag.thin}). Titles: median, "
              "16–84 % quantiles, to the Monte-Carlo error of the median.")
    fig.dpfit_legend = _legend(fig, axes, header, entries)
    finish(fig, target, made)
    return fig


def corner_numbers(chain: Chain) -> dict:
    """Quantiles of each parameter in physical units (m in MeV, ε), their Monte-Carlo error, diagnostics."""
    diag = diagnostics(chain)
    samples = physical_samples(chain, diag.burn, diag.thin)
    quantiles = {name: dict(zip([f"q{q:g}" for q in QUANTILES], np.quantile(values, QUANTILES).tolist()))
                 for name, values in samples.items()}
    errors = {name: median_mc_error(values, diag.ess) for name, values in samples.items()}
    return {"quantiles": quantiles, "median_mc_error": errors, "units": {"m": "MeV", "eps": "1", "eps_e": "1",
                                                                          "eps_mu": "1"},
            "diagnostics": diag.as_dict(chain.names)}
