"""How much a grid posterior moves when the prior changes, and which quantiles the prior sets.

The grid posterior (:mod:`dpfit.inference.bayes.grid_posterior`) is recomputed with
the other ε prior (log-uniform ↔ uniform) and with the lower end of the ε
range moved down to :data:`LOW_EPS` (1e-5 → 1e-8 by default). A quantile (2.5 %,
50 %, 97.5 % of each parameter) moving by more than
:data:`THRESHOLD` relative is flagged "set by the prior" (a posterior the data
determine does not move when a prior's cut-off moves where the likelihood is flat).
"""

from __future__ import annotations

import dataclasses

from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.model.model import Model
from dpfit.notes import note

#: Relative move of a quantile that marks it as set by the prior.
THRESHOLD = 0.05
#: Lower end of the ε range in the moved-range variant.
LOW_EPS = 1e-8
QUANTILES = (0.025, 0.5, 0.975)


def prior_variants(model: Model) -> list[tuple[str, Model]]:
    """(label, model) with the other ε prior, and with the ε range's lower end moved to LOW_EPS."""
    other = "uniform" if model.eps_prior == "log-uniform" else "log-uniform"
    out = [(f"eps prior {other}", dataclasses.replace(model, eps_prior=other))]
    if model.eps_range[0] > LOW_EPS:
        out.append((f"eps range from {LOW_EPS:g} (not {model.eps_range[0]:g})",
                    dataclasses.replace(model, eps_range=(LOW_EPS, model.eps_range[1]))))
    return out


def prior_sensitivity(model: Model, base=None, threshold: float = THRESHOLD) -> dict:
    """Quantiles under each prior variant, their relative moves, and the ones set by the prior.

    Returns {"threshold", "variants": [{"prior", "quantiles", "moves"}], "set_by_prior": [notes "quantile_moves"],
    "warning": a note "set_by_prior" or None}.
    """
    base = base or grid_posterior(model)
    names = base.names
    ref = {n: base.quantiles(n, QUANTILES) for n in names}
    variants, flagged = [], []
    for label, variant in prior_variants(model):
        grid = grid_posterior(variant)
        moves = {}
        for n in names:
            qs = grid.quantiles(n, QUANTILES)
            moves[n] = {f"q{q:g}": [v, abs(v / r - 1.0)] for q, v, r in zip(QUANTILES, qs, ref[n])}
            flagged += [note("quantile_moves", parameter=n, q=q, move=rel, prior=label)
                        for q, (v, rel) in zip(QUANTILES, moves[n].values()) if rel > threshold]
        variants.append({"prior": label, "moves": moves})
    warning = note("set_by_prior", flags=flagged, threshold=threshold) if flagged else None
    return {"threshold": threshold, "variants": variants, "set_by_prior": flagged, "warning": warning}
