"""A sampled posterior checked against the grid reference (:mod:`dpfit.output.render` says it in words).

For a model with at most 3 parameters the grid posterior
(:mod:`dpfit.inference.bayes.grid_posterior`) is the reference; a chain (emcee) or a
nested run (dynesty) is compared with it (:func:`dpfit.inference.bayes.pieces.chain_agreement`),
and the prior sensitivity (:mod:`dpfit.inference.bayes.prior_sensitivity`) is stated.
"""

from __future__ import annotations

from dpfit.inference.bayes.grid_posterior import GridPosterior
from dpfit.notes import note


def chain_samples(chain, burn: int) -> tuple[dict, dict]:
    """(flat physical samples, per-walker physical samples of shape (steps, walkers)) after burn-in."""
    arr = chain.chain[burn:]
    per, flat = {}, {}
    for i, name in enumerate(chain.names):
        bare = name.removeprefix("log10_")
        values = 10.0 ** arr[:, :, i] if name.startswith("log10_") else arr[:, :, i]
        per[bare] = values
        flat[bare] = values.reshape(-1)
    return flat, per


def grid_check(grid: GridPosterior, samples: dict, n_eff: float, per_walker: dict | None = None,
               sensitivity: dict | None = None) -> dict:
    """The grid reference summary, the sample's agreement with it and the prior sensitivity."""
    from dpfit.inference.bayes.pieces import chain_agreement

    return {"grid": grid.summary(), "agreement": chain_agreement(grid, samples, n_eff, per_walker),
            "prior_sensitivity": sensitivity}


def grid_summary_or_none(model):
    """The grid posterior when the model allows one (at most 3 parameters and a mass range), else None."""
    from dpfit.inference.bayes.grid_posterior import grid_available, grid_posterior

    return grid_posterior(model) if grid_available(model) else None


#: Fewest effective samples beyond each end of the chain's central interval for it to be quoted (below, its ends
#: are the chain's extreme samples, and their Monte-Carlo errors mean nothing).
MIN_TAIL_SAMPLES = 1.0


def window_check(grid: GridPosterior, chain, diag, probability: float = 0.95) -> dict:
    """The window's posterior entries at ``probability``: ``posterior`` (the grid's highest-posterior-density
    pieces), ``posterior_central`` (the chain's central interval, with Monte-Carlo errors, and ``holds``: the
    probability inside and beyond each end; None, with a note in ``notes``, when fewer than MIN_TAIL_SAMPLES
    effective samples lie beyond each end) and ``posterior_check`` (grid summary and the chain's agreement with
    it)."""
    from dpfit.inference.bayes.credible import hpd_region, sample_regions

    flat, per = chain_samples(chain, diag.burn)
    name = grid.window_parameter
    hpd = hpd_region(*grid.eps_density(name), probability)
    from dpfit.inference.bayes.prior_sensitivity import prior_sensitivity

    check = grid_check(grid, flat, diag.ess, per, prior_sensitivity(grid.model, grid) if grid.model else None)
    beyond = (1 - probability) / 2 * diag.ess
    if beyond < MIN_TAIL_SAMPLES:  # the chain's extreme samples, not a quantile: not quoted
        return {"posterior": hpd["pieces"], "posterior_central": None, "posterior_check": check,
                "notes": [note("chain_tail_unresolved", probability=probability, beyond=beyond, least=MIN_TAIL_SAMPLES)]}
    central = sample_regions(flat[name], diag.ess, level=probability)["central"]
    return {"posterior": hpd["pieces"],
            "posterior_central": {**central, "holds": note("chain_central_holds", probability=probability)},
            "posterior_check": check, "notes": []}


def _limit_file(described):
    """A LimitFile from its provenance record (:meth:`LimitFile.describe`; the file's SHA-256 is not a field)."""
    from dpfit.inputs.limit_files import LimitFile

    if not isinstance(described, dict):
        return described
    return LimitFile(**{k: v for k, v in described.items() if k != "sha256"})


def analysis_of_chain(chain):
    """The Analysis a chain file records in its metadata (None for a chain without one)."""
    from dpfit.model.analysis import Analysis

    d = dict(chain.meta.get("analysis") or {})
    if not d:
        return None
    d["overrides"] = tuple((o["key"], o["value"]) for o in d.get("overrides") or ())
    if "model" in d:  # Analysis.describe records the vector model as "model"
        d["vector_model"] = d.pop("model")
    d["limit_files"] = tuple(_limit_file(f) for f in d.get("limit_files") or ())
    for key in ("limits", "mass_range", "eps_range"):
        if d.get(key) is not None:
            d[key] = tuple(d[key])
    return Analysis(**d)
