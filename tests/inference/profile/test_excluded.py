"""dpfit.inference.profile.excluded: which wall excludes each cell of a 2D scan, worked out by hand on a small grid."""

import numpy as np

from dpfit.inference.profile.excluded import OTHER, excluded_by
from dpfit.inference.profile.scan import scan_2d
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion

M_E, M_MU = 0.51099895069, 105.6583755
RB20 = Gm2Gaussian("e", "e", "Rb20", 34e-14, 16e-14, M_E, 1 / 137)


def band(name, lo, hi, lepton="e"):
    """A wall excluding lo < ε < hi over 16-18 MeV (one contour point: constant in mass)."""
    return Exclusion(name, lepton, np.array([17.0]), np.array([lo]), np.array([hi]), (16.0, 18.0))


def test_the_first_wall_in_the_likelihood_names_each_cell():
    joint = JointLikelihood([RB20, band("a", 1e-4, 3e-4), band("b", 2e-4, 5e-4),
                             PreferredRegion("r", "e", 17.0, 0.5, 5e-5, 8e-4)])
    eps = np.array([1.5e-4, 2.5e-4, 4e-4, 6e-4, 1e-3])
    scan = scan_2d(joint, np.array([16.2, 17.0]), eps)
    codes, names = excluded_by(joint, scan)
    assert names == ["a", "b", "r"]
    # 1.5e-4: a; 2.5e-4: a and b, a comes first; 4e-4: b; 6e-4: only the region's box (16.5-17.5 MeV); 1e-3: above it
    assert codes.tolist() == [[1, 1, 2, 3, 3], [1, 1, 2, 0, 3]]
    assert np.array_equal(codes == 0, np.isfinite(scan.delta_chi2))


def test_a_coupling_with_no_allowed_value_off_the_axis_is_named_other():
    """Lepton couplings: at 16.2 MeV the muon's box region allows no ε_μ, so every ε_e cell there is excluded though
    no term on the ε_e axis forbids it."""
    muon = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, 1 / 137)
    joint = JointLikelihood([RB20, band("a", 1e-4, 3e-4), muon, PreferredRegion("r", "mu", 17.0, 0.5, 1e-4, 1e-2)],
                            "lepton")
    scan = scan_2d(joint, np.array([16.2, 17.0]), np.array([2e-4, 6e-4]), axis="eps_e")
    codes, names = excluded_by(joint, scan)
    assert names == ["a", OTHER]
    assert codes.tolist() == [[1, 2], [1, 0]]


def test_nothing_excluded_gives_no_names():
    scan = scan_2d(JointLikelihood([RB20]), np.array([16.5, 17.0]), np.geomspace(1e-4, 1e-2, 4))
    codes, names = excluded_by(JointLikelihood([RB20]), scan)
    assert names == [] and not codes.any()
