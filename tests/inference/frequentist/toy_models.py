"""Toy models the frequentist tests share: WP25 alone at 16.7 MeV (one Gaussian (g-2) term, no walls)."""

from dpfit.inference.frequentist.toys import ToyModel
from dpfit.model.analysis import Analysis

#: The analysis options of WP25 alone: no electron term, no limits, no preferred region.
WP25_ONLY = dict(electron=None, limits=(), atomki=None)


def wp25_model() -> ToyModel:
    """The toy model of WP25 alone at m = 16.7 MeV."""
    return ToyModel.from_joint(Analysis(**WP25_ONLY).likelihood(), 16.7)
