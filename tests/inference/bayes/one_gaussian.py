"""The one-Gaussian-term analysis the Bayesian tests share, and its evidence by independent scipy quadrature.

(g-2)_mu WP20 alone in the source paper's convention: Delta a = 262(45)e-11, alpha = 1/137, so
-2 ln L = ((k(m) eps^2 - Delta a)/sigma)^2 with k(m) = alpha F_V(m/m_mu)/2pi (Pospelov, PRD 80 (2009) 095002,
eq. 2), F_V from :func:`tests.helpers.fv_quadrature`. No walls, so every integrand here is smooth.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from dpfit.model.analysis import Analysis
from tests.helpers import fv_quadrature

M_MU = 105.6583755  # MeV
ALPHA, DELTA, SIGMA = 1 / 137, 262e-11, 45e-11
MASS_RANGE, EPS_RANGE = (16.9, 17.1), (1e-4, 1e-2)


def one_gaussian(**changes) -> Analysis:
    """WP20 alone (paper convention) over m in 16.9-17.1 MeV, eps in [1e-4, 1e-2], log-uniform eps prior."""
    options = dict(muon="WP20", electron=None, limits=(), atomki=None, convention="paper", mass_range=MASS_RANGE,
                   eps_range=EPS_RANGE)
    return Analysis(**{**options, **changes})


def shift_per_eps2(m: float) -> float:
    """k(m) = alpha F_V(m/m_mu)/2pi, with F_V by quadrature."""
    return ALPHA / (2 * np.pi) * fv_quadrature(m / M_MU)


def log_likelihood(m: float, eps):
    """ln L = -1/2 pull^2 (unnormalised, as dpfit's terms)."""
    return -0.5 * ((shift_per_eps2(m) * np.asarray(eps) ** 2 - DELTA) / SIGMA) ** 2


def log_evidence(mass_range=MASS_RANGE, eps_range=EPS_RANGE, eps_prior: str = "log-uniform") -> float:
    """ln Z = ln ∫∫ L pi(m) pi(eps) dm deps (priors uniform in m and in log10 eps or eps, normalised), plus
    -ln(sigma sqrt(2 pi)) (the Gaussian density of Delta a), by nested scipy quadrature."""
    (mlo, mhi), (lo, hi) = mass_range, eps_range

    def inner(m):
        k = shift_per_eps2(m)
        peak = np.sqrt(DELTA / k)
        if eps_prior == "log-uniform":
            f = lambda u: np.exp(-0.5 * ((k * 10 ** (2 * u) - DELTA) / SIGMA) ** 2)  # noqa: E731
            a, b, points, width = np.log10(lo), np.log10(hi), [np.log10(peak)], np.log10(hi / lo)
        else:
            f = lambda e: np.exp(-0.5 * ((k * e * e - DELTA) / SIGMA) ** 2)  # noqa: E731
            a, b, points, width = lo, hi, [peak], hi - lo
        points = [p for p in points if a < p < b]
        return integrate.quad(f, a, b, points=points or None, epsabs=0, epsrel=1e-11, limit=200)[0] / width

    z = integrate.quad(inner, mlo, mhi, epsabs=0, epsrel=1e-10)[0] / (mhi - mlo)
    return float(np.log(z) - np.log(SIGMA * np.sqrt(2 * np.pi)))
