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
LEVELS = (0.68, 0.95)


def plot_corner(chain: Chain, target) -> dict:
    """Draw the corner plot into ``target`` (.png/.pdf); return quantiles per parameter and diagnostics."""
    import corner

    diag = diagnostics(chain)
    flat = chain.get_chain(discard=diag.burn, thin=diag.thin, flat=True)
    names = chain.names
    pyplot()
    fig = corner.corner(
        flat, labels=[LABELS.get(n, n) for n in names], quantiles=[0.16, 0.5, 0.84], levels=LEVELS,
        show_titles=True, title_fmt=".4g", title_kwargs={"fontsize": 9}, label_kwargs={"fontsize": 11},
        plot_datapoints=False, fill_contours=True, smooth=1.0, color="C0",
    )
    fig.suptitle(f"joint posterior: contours hold 68% and 95% of the posterior; "
                 f"{flat.shape[0]} samples (burn-in {diag.burn}, thin {diag.thin})", fontsize=8, y=1.02)
    save(fig, target)
    quantiles = {name: dict(zip([f"q{q:g}" for q in QUANTILES], np.quantile(flat[:, i], QUANTILES).tolist()))
                 for i, name in enumerate(names)}
    return {"quantiles": quantiles, "diagnostics": diag.as_dict(names)}
