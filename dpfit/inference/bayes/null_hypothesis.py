"""Bayes factor of "an X17 exists" against "no X17", with the null defined precisely.

Null hypothesis H0 (ε = 0, no new boson): every anomalous moment sits at its
Standard-Model prediction, so each Gaussian (g−2) term of the analysis is the
density of its measured Δa with mean 0,

    ln Z0 = ln L0 = Σ_ℓ ln N(Δa_ℓ; 0, σ_ℓ) = Σ_ℓ [−½ (Δa_ℓ/σ_ℓ)² − ln(σ_ℓ √(2π))],

normalised as the X17 evidence is (:func:`dpfit.inference.bayes.evidence.normalisation`).
H0 has no free parameter, so Z0 = L0. Exclusion walls and the preferred region
(ATOMKI) are statements about a boson; they do not apply to H0 (its likelihood
has no wall and no region term), while under H1 they cut the prior volume.

H1 (X17): ln Z1 = ln ∫ L(m, ε) π(m) π(ε) dm dε with the analysis's priors
(by default m uniform over the mass range, ε log-uniform over the ε range) and
the same normalisation. ln B10 = ln Z1 − ln Z0 (Jeffreys 1939, ch. V; Kass &
Raftery, JASA 90 (1995) 773); B10 > 1 favours an X17. The Occam factor makes
ln B10 depend on the prior width: each variant of
:func:`dpfit.inference.bayes.prior_sensitivity.prior_variants` is evaluated too.
"""

from __future__ import annotations

import numpy as np

from dpfit.inference.bayes.evidence import evidence_row
from dpfit.notes import Note, note


def null_log_evidence(model) -> float:
    """ln Z0 of the no-X17 hypothesis: Σ over the measurement terms (:meth:`JointLikelihood.measurements`) of
    their normalised ln L at ε = 0 — ln N(Δa; 0, σ) for a (g−2) term (dimensionless Δa, σ), 0 for a zero-event
    Poisson limit — evaluated at the middle of the mass range (at ε = 0 neither depends on the mass)."""
    mass = float(np.mean(model.mass_range))
    return float(sum(float(t.logl(mass, 0.0)) + t.log_normalisation() for t in model.joint.measurements()))


def evidence_priors(model) -> Note:
    """The priors and normalisation of an X17 evidence (masses in MeV): the mass range, the mass's Gaussian
    (centre, width) or None for a uniform mass, the coupling's prior and range."""
    return note("evidence_priors", mass_range=model.mass_range, mass_gaussian=model.mass_gaussian,
                eps_prior=model.eps_prior, eps_range=model.eps_range)


def x17_against_null(model, label: str, row: dict | None = None, variants=()) -> dict:
    """ln B(X17 : no X17) of one analysis, and under each prior variant ((label, model) pairs).

    ``row``: the analysis's :func:`evidence_row` when already computed. Returns {"analysis", "logz_x17",
    "logz_null", "ln_B", "error", "priors", "variants": [{"prior", "ln_B", "error"}]}.
    """
    row = row or evidence_row(label, model)
    null = null_log_evidence(model)
    out = {"analysis": label, "logz_x17": row["logz"], "logz_null": null, "ln_B": row["logz"] - null,
           "error": row["error"], "priors": evidence_priors(model), "variants": []}
    for prior, variant in variants:
        v = evidence_row(label, variant)
        out["variants"].append({"prior": prior, "ln_B": v["logz"] - null, "error": v["error"]})
    return out

