"""The report's model comparison: every muon scenario of the inputs with the analysis' other choices."""

from __future__ import annotations

from dpfit.inference.bayes.evidence import compare


def scenario_comparison(analysis) -> dict:
    """Evidence of each muon scenario of ``analysis``'s inputs (its other choices kept) from the grid, and the
    Bayes factors against the first scenario (:func:`dpfit.inference.bayes.evidence.compare`)."""
    scenarios = [record.scenario for record in analysis.inputs.gm2_cards("mu")]
    return compare([(f"muon={s}", analysis.replace(muon=s).model()) for s in scenarios])
