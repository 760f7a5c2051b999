"""Corner plot of a posterior chain (corner.py), returning the numbers it draws.

Axes: m in MeV and log10 ε (the sampled coordinate for a log-uniform prior).
Burn-in and thinning come from the chain's measured autocorrelation time.
The 2D contours enclose 68% and 95% of the posterior mass (not the "1σ/2σ"
of a 2D Gaussian, which would hold 39% / 86%: corner issue #123).
"""

from __future__ import annotations

import numpy as np

from dpfit.output.plots import pyplot, save
from dpfit.inference.chains import Chain
from dpfit.inference.diagnostics import diagnostics

LABELS = {"m": "m [MeV]", "log10_eps": r"$\log_{10}\varepsilon$", "log10_eps_e": r"$\log_{10}\varepsilon_e$",
          "log10_eps_mu": r"$\log_{10}\varepsilon_\mu$", "eps": r"$\varepsilon$", "eps_e": r"$\varepsilon_e$",
          "eps_mu": r"$\varepsilon_\mu$"}
QUANTILES = (0.025, 0.16, 0.5, 0.84, 0.975)


def plot_corner(chain: Chain, target, model=None, grid=None, levels=None) -> dict:
    """Draw the corner plot into ``target`` (.png/.pdf); return quantiles per parameter and diagnostics.

    ``levels`` (default 1sigma,2sigma): the 2D contours enclose each level's probability of the posterior
    mass (68.27 % and 95.45 % by default), and the figure says so. With the chain's ``model`` (and its grid
    posterior ``grid``), prior edges, hard exclusion walls and the grid's 1-D marginals are marked
    (:mod:`dpfit.output.corner_marks`).
    """
    import corner

    from dpfit.inference.levels import DEFAULT_LEVELS, format_percent, parse_levels

    levels = parse_levels(DEFAULT_LEVELS if levels is None else levels)
    held = " and ".join(format_percent(lv.probability) for lv in levels)
    diag = diagnostics(chain)
    flat = chain.chain[diag.burn::diag.thin].reshape(-1, chain.chain.shape[2])
    names = chain.names
    pyplot()
    fig = corner.corner(
        flat, labels=[LABELS.get(n, n) for n in names], quantiles=[0.16, 0.5, 0.84],
        levels=tuple(lv.probability for lv in levels),
        show_titles=True, title_fmt=".4g", title_kwargs={"fontsize": 9}, label_kwargs={"fontsize": 11},
        plot_datapoints=False, fill_contours=True, smooth=1.0, color="C0",
    )
    fig.suptitle(f"joint posterior: the 2D contours hold {held} of the posterior mass; 1D: median and the "
                 f"central 68.27 % interval; "
                 f"{flat.shape[0]} samples (burn-in {diag.burn}, thin {diag.thin})", fontsize=8, y=1.02)
    marks = None
    if model is not None:
        from dpfit.output.corner_marks import mark_corner

        marks = mark_corner(fig, names, flat, model, grid)
    save(fig, target)
    quantiles = {name: dict(zip([f"q{q:g}" for q in QUANTILES], np.quantile(flat[:, i], QUANTILES).tolist()))
                 for i, name in enumerate(names)}
    out = {"quantiles": quantiles, "diagnostics": diag.as_dict(names)}
    if marks is not None:
        out["marks"] = marks
    return out
