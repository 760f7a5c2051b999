"""The compiled fused likelihood agrees with the numpy reference path."""

import numpy as np
import pytest

from dpfit.model.analysis import Analysis
from dpfit.likelihood.fused import FusedLikelihood
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion

M_MU, M_E, ALPHA = 105.6583755, 0.51099895069, 1 / 137.035999177


def agree(joint, mass_range, n=200_000, seed=3):
    rng = np.random.default_rng(seed)
    lo, hi = mass_range
    m = rng.uniform(lo - 1.0, hi + 1.0, n)  # some points outside the table: exact fallback
    couplings = [10.0 ** rng.uniform(-4.5, -2.5, n) for _ in joint.parameters[1:]]
    fast = FusedLikelihood(joint, mass_range).logl(m, *couplings)
    slow = joint.logl(m, *couplings)
    assert np.array_equal(np.isfinite(fast), np.isfinite(slow))
    finite = np.isfinite(slow)
    assert finite.any()
    assert np.all(np.abs(fast[finite] - slow[finite]) <= 1e-9 * np.maximum(1.0, np.abs(slow[finite])))


@pytest.mark.parametrize("changes", [{}, {"couplings": "lepton"}, {"atomki": "atomki_4he"},
                                     {"electron": "Cs18", "invisible_ratio": 2.0}, {"muon": None}])
def test_fused_matches_reference(changes):
    analysis = Analysis(**changes)
    agree(analysis.likelihood(), analysis.resolved_mass_range())


def test_fused_with_contour_exclusion_and_shapes():
    contour = Exclusion("c", "e", np.array([10.0, 15.0, 30.0]), np.array([1e-4, 2e-4, 3e-4]),
                        np.array([1e-3, 2e-3, np.inf]), (10.0, 30.0))
    joint = JointLikelihood([Gm2Gaussian("mu", "mu", "X", 2.6e-9, 4.5e-10, M_MU, ALPHA),
                             Gm2Gaussian("e", "e", "Y", 3.4e-13, 1.6e-13, M_E, ALPHA), contour,
                             PreferredRegion("r", "e", 17.0, 3.0, 1e-4, 3e-3, "gaussian")])
    agree(joint, (8.0, 35.0))
    fused = FusedLikelihood(joint, (8.0, 35.0))
    grid = fused.logl(np.linspace(9, 30, 7)[:, None], np.geomspace(1e-4, 1e-2, 5)[None, :])
    assert grid.shape == (7, 5)
    assert np.allclose(grid, joint.logl(np.linspace(9, 30, 7)[:, None], np.geomspace(1e-4, 1e-2, 5)[None, :]),
                       rtol=1e-12, atol=1e-12)
