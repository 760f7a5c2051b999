"""Helpers the profile tests share (and the Term-protocol tests beside them): the source paper's rounded inputs and
k(m) by quadrature, one-term analyses, a cut card, the zero-event Poisson reproducer, a dense minimum, and the
likelihoods of the two extension terms of :mod:`tests.likelihood.extension_terms`.

Paper convention inputs (independent of dpfit's files): α = 1/137, Δa_μ(WP20) = 262(45)e-11,
Δa_e(Rb20) = 34(16)e-14, Δa_e(Cs18) = −102(26)e-14.
"""

from __future__ import annotations

import math

import numpy as np

from tests.helpers import fv_quadrature
from tests.likelihood.extension_terms import Eps2Measurement, StudentCoupling
from dpfit.model.analysis import Analysis

ALPHA_PAPER, M_MU, M_E = 1 / 137, 105.6583755, 0.51099895069
ALPHA = ALPHA_PAPER
REL = 1e-6  # intervals against the closed-form inversion of the Gaussian
WP20, RB20, CS18 = (262e-11, 45e-11), (34e-14, 16e-14), (-102e-14, 26e-14)
MASS = 16.7
N_C = -math.log(0.1)  # expected events at a 90 % CL limit with zero observed


def k_factor(mass, lepton_mass, alpha):
    """δa = k ε², k = α F_V/2π with F_V by quadrature."""
    return alpha / (2 * np.pi) * fv_quadrature(mass / lepton_mass)


def k(mass, lepton_mass):
    """k(m) with the paper's α = 1/137."""
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / lepton_mass)


def only(**changes):
    """A paper-convention analysis with nothing but ``changes``."""
    base = dict(muon=None, electron=None, limits=(), atomki=None, convention="paper")
    return Analysis(**{**base, **changes})


def paper(**kw):
    """A paper-convention analysis without limits or region (the default scenarios unless given)."""
    return Analysis(convention="paper", **{"limits": (), "atomki": None, **kw})


def cut_card(tmp_path, lower, upper, name="cut"):
    """An overlay with one exclusion card excluding lower < ε < upper over 16-18 MeV; returns its directory."""
    (tmp_path / f"{name}_data.yaml").write_text(f"""schema: dpfit-data/1
kind: exclusion
experiment: test
cl: 0.9
coupling: eps
point: {{mass: 17.0, lower: {lower}, upper: {upper}}}
reference: test
""")
    (tmp_path / f"{name}.yaml").write_text(f"""schema: dpfit-card/1
kind: exclusion
description: a test cut
data: {name}_data
lepton: e
mass_range: [16.0, 18.0]
visible_decay: true
default: false
""")
    return str(tmp_path)


def poisson_reproducer(directory):
    """The issue's reproducer: Rb20 with a one-sided electron limit at 1e-3 read as zero observed events."""
    path = directory / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,1e-3\n30,1e-3\n")
    return Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                    limit_model="poisson", mass_range=(15.0, 18.0), eps_range=(1e-5, 1e-2))


def rb20_k_delta_sigma():
    term = Analysis(muon=None, atomki=None, limits=()).likelihood()[0]
    return float(term.shift_per_eps2(MASS)), term.delta, term.sigma


def poisson_chi2(eps):
    """χ² of the reproducer written out: the Rb20 pull² plus 2 N_c (ε/1e-3)²."""
    k, delta, sigma = rb20_k_delta_sigma()
    eps = np.asarray(eps, dtype=float)
    return ((k * eps**2 - delta) / sigma) ** 2 + 2 * N_C * (eps / 1e-3) ** 2


def dense_minimum(chi2, top=3e-3, n=400_001):
    """(ε, χ²) of the smallest χ² on a dense linear grid over [0, top]."""
    eps = np.linspace(0.0, top, n)
    values = chi2(eps)
    i = int(np.argmin(values))
    return eps[i], values[i]


def eps2_likelihood():
    """Rb20 plus an :class:`Eps2Measurement` at 1.3 times Rb20's ε² with 1.5 times its error: (joint, term)."""
    base = Analysis(muon=None, electron="Rb20", atomki=None, limits=()).likelihood()
    k = float(base[0].shift_per_eps2(MASS))
    term = Eps2Measurement("eps2_exp", "e", mean=base[0].delta / k * 1.3, sigma=base[0].sigma / k * 1.5)
    return base + term, term


def student_likelihood():
    """Rb20 and NA64's contour plus a :class:`StudentCoupling` (no closed form, no pseudo-data)."""
    base = Analysis(muon=None, electron="Rb20", atomki=None, limits=("na64",)).likelihood()
    term = StudentCoupling("student", "e", mean=8.5e-4, scale=1.5e-4, dof=3.0)
    return base + term
