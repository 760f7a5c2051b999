"""Figure of a coverage scan: coverage ± its Monte-Carlo error against the true coupling, with the nominal level."""

from __future__ import annotations

import numpy as np

from dpfit.output.plots import EPS_LABEL, finish, pyplot


def plot_coverage(result, target) -> None:
    """Coverage with binomial error bars versus ε_true (ε = 0 drawn at the left edge), nominal CL dashed."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    eps = np.asarray(result.eps_true, dtype=float)
    positive = eps > 0
    x = eps.copy()
    if positive.any() and not positive.all():  # ε = 0 on a log axis: half a decade left of the smallest point
        x[~positive] = eps[positive].min() / 10**0.5
    ax.errorbar(x, result.coverage, yerr=result.error, fmt="o", ms=3, label=f"{result.method}, {result.toys} toys")
    ax.axhline(result.level.probability, ls="--", color="k", label=f"nominal {result.level.probability:.4g}")
    if positive.sum() >= 2:
        from matplotlib.ticker import NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels crowd a span under a decade
    if not positive.all() and positive.any():
        ax.annotate("ε = 0", (x[~positive][0], result.coverage[~positive][0]), textcoords="offset points",
                    xytext=(4, -12), fontsize=8)
    ax.set_xlabel("true " + EPS_LABEL["eps"])
    ax.set_ylabel("coverage")
    ax.set_title(f"m = {result.mass:g} MeV, {result.level.label}")
    ax.legend()
    finish(fig, target, made=True)
