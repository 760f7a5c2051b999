"""Physics of a light vector boson X coupled to leptons by kinetic mixing ε.

Pure functions of numpy arrays, no I/O. Units: masses in MeV, widths in MeV,
lifetimes in s; α, ε, g and anomalous moments are dimensionless.
The coupling to a lepton of charge Q is e·ε·Q with e = sqrt(4πα).
"""

from __future__ import annotations

import numpy as np

from dpfit.physics.loops import loop_vector, mass_ratio


def delta_a(mass, eps, lepton_mass, alpha):
    """One-loop shift of a lepton's anomalous moment from a vector boson.

    δa_ℓ(m, ε) = (α ε² / 2π) · F_V(m / m_ℓ)   (Pospelov, PRD 80 (2009) 095002, eq. 2)

    mass, lepton_mass in MeV; eps, alpha dimensionless. Broadcasts over arrays.
    """
    return alpha * np.square(eps) / (2.0 * np.pi) * loop_vector(mass_ratio(mass, lepton_mass))


def eps_from_delta_a(mass, delta, lepton_mass, alpha):
    """Coupling that produces a given shift: ε = sqrt(Δa · (2π/α) / F_V(m/m_ℓ)).

    Inverse of :func:`delta_a`. A vector boson only raises a_ℓ, so for Δa < 0
    there is no solution and the result is NaN; where F_V underflows to 0
    (m ≳ 1e150 m_ℓ) it is +inf. Masses in MeV.
    """
    delta = np.asarray(delta, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # F_V underflows to 0 for m ≳ 1e150 m_ℓ: ε = inf
        ratio = delta * (2.0 * np.pi / alpha) / loop_vector(mass_ratio(mass, lepton_mass))
    with np.errstate(invalid="ignore"):
        return np.where(ratio >= 0.0, np.sqrt(np.where(ratio >= 0.0, ratio, 0.0)), np.nan)


def sigma_eps_linear(eps, delta, sigma_delta):
    """The source paper's linear error propagation σ_ε = (ε/2)(σ_Δa/Δa).

    A first-order approximation, poor when σ_Δa is not small against Δa;
    dpfit's own intervals come from the exact likelihood. At Δa = 0 the
    derivative dε/dΔa = ε/(2Δa) diverges and the result is +inf.
    """
    eps, delta = np.asarray(eps, dtype=float), np.asarray(delta, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(delta == 0.0, np.inf, 0.5 * eps * np.asarray(sigma_delta) / delta)


def elementary_charge(alpha):
    """e = sqrt(4πα) in natural (Heaviside–Lorentz) units."""
    return np.sqrt(4.0 * np.pi * alpha)


def eps_from_g(g, alpha):
    """ε = g / e for a coupling g to electrons quoted as g_ve (e.g. PADME)."""
    return np.asarray(g) / elementary_charge(alpha)


def g_from_eps(eps, alpha):
    """g = e·ε, the coupling to electrons that corresponds to kinetic mixing ε."""
    return np.asarray(eps) * elementary_charge(alpha)


def width_ee(mass, eps, alpha, electron_mass):
    """Partial width Γ(X → e⁺e⁻) in MeV.

    Γ = ε² α m/3 · (1 + 2x) · sqrt(1 − 4x),  x = m_e²/m²
    (Pospelov 2009, eq. 5; Batell, Pospelov, Ritz, PRD 79 (2009) 115008).
    Zero below threshold (m ≤ 2 m_e).
    """
    mass = np.asarray(mass, dtype=float)
    x = (electron_mass / mass) ** 2
    phase = np.sqrt(np.clip(1.0 - 4.0 * x, 0.0, None))
    return np.square(eps) * alpha * mass / 3.0 * (1.0 + 2.0 * x) * phase


def lifetime(width, hbar):
    """Lifetime τ = ħ/Γ in seconds, for a width in MeV and ħ in MeV·s."""
    with np.errstate(divide="ignore"):
        return hbar / np.asarray(width, dtype=float)
