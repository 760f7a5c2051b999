"""Evidence and Bayes factors between analyses (model comparison).

The evidence of analysis i is Z_i = ∫ L_i(data | m, ε) π(m, ε) dm dε with its
priors normalised (Jeffreys, Theory of Probability (1939) ch. V; Kass &
Raftery, JASA 90 (1995) 773). dpfit's Gaussian (g−2) terms hold −½ pull²
without their normalisation, so each Gaussian term's −ln(σ √(2π)) is added
here: each analysis is then a model of the measured anomalous moments (its
scenario supplies the Standard-Model prediction and σ), and analyses built on
different scenarios compare on the same footing. Step terms (exclusions,
regions) are 0 or −∞ and need none. ln B_ij = ln Z_i − ln Z_j; the error of
ln B adds the two evidence errors in quadrature.

ln Z comes from the grid posterior (numerical error: full vs half resolution)
and, when asked, from dynesty (its own error); where both are computed they
must agree within 3 combined errors, else the row is flagged.
"""

from __future__ import annotations

import numpy as np

from dpfit.inference.bayes.grid_posterior import grid_available, grid_posterior

#: Combined errors within which grid and dynesty evidences must agree.
N_SIGMA = 3.0


def normalisation(model) -> float:
    """Σ over the terms of the constant that normalises each as a density of its data
    (:meth:`dpfit.likelihood.terms.Term.log_normalisation`: −ln(σ √(2π)) for a Gaussian (g−2) term, σ
    dimensionless: Δa's error; 0 for a zero-event Poisson limit, already a probability, and for walls)."""
    return model.joint.log_normalisation()


def evidence_row(label: str, model, sampler: str = "grid", nlive: int = 400, seed: int = 1, grid=None) -> dict:
    """ln Z of one model from the grid (and dynesty when ``sampler='dynesty'``), normalised as above.
    ``grid``: the model's grid posterior when the caller has it already."""
    const = normalisation(model)
    row = {"analysis": label, "normalisation": const}
    if grid_available(model):
        grid = grid if grid is not None else grid_posterior(model)
        row["grid"] = {"logz": grid.log_evidence + const, "error": grid.log_evidence_error}
    if sampler == "dynesty" or "grid" not in row:
        from dpfit.inference.bayes.nested import run_nested

        run = run_nested(model, nlive=nlive, seed=seed)
        row["dynesty"] = {"logz": run.logz + const, "error": run.logz_error, "nlive": nlive, "seed": seed}
    if "grid" in row and "dynesty" in row:
        diff = row["dynesty"]["logz"] - row["grid"]["logz"]
        err = float(np.hypot(row["dynesty"]["error"], row["grid"]["error"]))
        row["agreement"] = {"difference": diff, "error": err, "agrees": abs(diff) <= N_SIGMA * err}
    best = row.get("grid") or row["dynesty"]
    row["logz"], row["error"] = best["logz"], best["error"]
    return row


def compare(models: list[tuple[str, object]], sampler: str = "grid", nlive: int = 400, seed: int = 1,
            progress: bool = False, grids: dict | None = None) -> dict:
    """Evidence of each (label, model) and the Bayes factors of each against the first.
    ``grids``: {label: grid posterior} the caller has already computed.

    Returns {"samplers": ["grid"] or ["grid", "dynesty"], "rows": [...], "bayes_factors": [{"analysis",
    "against", "ln_B", "error", "B"}], "disagreeing": [analyses whose grid and dynesty ln Z differ beyond
    ``N_SIGMA`` combined errors], "n_sigma"}; :mod:`dpfit.output.comparison_text` says it in words.
    """
    from tqdm import tqdm

    grids = grids or {}
    rows = [evidence_row(label, model, sampler, nlive, seed, grids.get(label))
            for label, model in tqdm(models, disable=not progress, desc="evidence", unit="analysis")]
    ref = rows[0]
    factors = [{"analysis": r["analysis"], "against": ref["analysis"], "ln_B": r["logz"] - ref["logz"],
                "error": float(np.hypot(r["error"], ref["error"])), "B": float(np.exp(r["logz"] - ref["logz"]))}
               for r in rows[1:]]
    return {"samplers": ["grid", "dynesty"] if sampler == "dynesty" else ["grid"], "rows": rows,
            "bayes_factors": factors, "n_sigma": N_SIGMA,
            "disagreeing": [r["analysis"] for r in rows if "agreement" in r and not r["agreement"]["agrees"]]}
