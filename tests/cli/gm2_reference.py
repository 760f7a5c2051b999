"""Published (g-2)_mu inputs and closed forms the command tests check dpfit's numbers against.

Independent of dpfit's data files and code: the numbers are the published ones (precise convention), the
one-loop factor F_V comes from quadrature (tests.helpers.fv_quadrature), and a single Gaussian (g-2) term
δa_μ = k ε² with k = α F_V(m/m_μ) / 2π is inverted in closed form.
"""

from __future__ import annotations

import functools
import math

from tests.helpers import fv_quadrature

#: CODATA 2022 fine-structure constant; muon mass in MeV (CODATA 2022).
ALPHA = 1 / 137.035999177
M_MU = 105.6583755
#: a_μ(exp), the 2025 world average (Fermilab final + BNL): 116592071.5(14.5) × 1e-11.
A_MU_EXP, SIGMA_MU_EXP = 116592071.5e-11, 14.5e-11
#: a_μ(SM), Theory Initiative White Papers: 2020 (Aoyama et al.) and 2025, in units of 1e-11.
A_MU_SM = {"WP20": (116591810, 43), "WP25": (116592033, 62)}
#: Command-line options that leave the one muon (g-2) term (a Gaussian in δa_μ) as the whole likelihood.
ONLY_MUON = ("--electron", "none", "--limits", "none", "--no-atomki")


def delta_mu(scenario: str) -> tuple[float, float]:
    """(Δa_μ, σ) = a_μ(exp) − a_μ(SM) and the two uncertainties in quadrature."""
    value, sigma = A_MU_SM[scenario]
    return A_MU_EXP - value * 1e-11, math.hypot(SIGMA_MU_EXP, sigma * 1e-11)


@functools.lru_cache(maxsize=None)
def k_mu(mass: float) -> float:
    """δa_μ = k ε² for a vector of mass ``mass`` (MeV) with muon coupling ε e: k = α F_V(m/m_μ) / 2π."""
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / M_MU)


def gaussian_interval(delta: float, sigma: float, k: float, delta_chi2: float) -> list[float]:
    """{ε ≥ 0 : ((kε² − Δ)/σ)² ≤ Δχ²} for Δ > 0 (the lower edge is ε = 0 where Δ − √Δχ² σ ≤ 0)."""
    n = math.sqrt(delta_chi2)
    return [math.sqrt(max(delta - n * sigma, 0.0) / k), math.sqrt((delta + n * sigma) / k)]


@functools.lru_cache(maxsize=None)
def log_evidence(scenario: str, mass_range: tuple[float, float], eps_range: tuple[float, float] = (1e-5, 1e-2),
                 normalised: bool = True) -> float:
    """ln Z of the one muon term: m uniform over ``mass_range``, ε log-uniform over ``eps_range``,
    L = exp(−χ²/2) times, if ``normalised``, 1/(σ√2π) (the term as a density of Δa_μ). Gauss–Legendre in m
    (24 nodes), adaptive quadrature in ln ε."""
    import numpy as np
    from scipy import integrate

    delta, sigma = delta_mu(scenario)
    lo, hi = mass_range
    nodes, weights = np.polynomial.legendre.leggauss(24)
    total = 0.0
    for x, w in zip(nodes, weights):
        k = k_mu(lo + (hi - lo) * (x + 1) / 2)
        peak = 0.5 * math.log(delta / k)
        inner, _ = integrate.quad(lambda u: math.exp(-0.5 * ((k * math.exp(2 * u) - delta) / sigma) ** 2),
                                  math.log(eps_range[0]), math.log(eps_range[1]), points=[peak],
                                  epsabs=0, epsrel=1e-11, limit=200)
        total += w / 2 * inner
    log_z = math.log(total / math.log(eps_range[1] / eps_range[0]))
    return log_z - math.log(sigma * math.sqrt(2 * math.pi)) if normalised else log_z
