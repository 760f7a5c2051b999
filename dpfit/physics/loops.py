"""One-loop functions of a light vector or axial-vector boson in a lepton's g−2.

Both functions take r = m_X / m_ℓ (boson mass over lepton mass, dimensionless)
and are vectorised over numpy arrays.

Vector (Leveille, Nucl. Phys. B137 (1978) 63; Pospelov, PRD 80 (2009) 095002, eq. 2):

    F_V(r) = ∫₀¹ dx 2x(1−x)² / ((1−x)² + r² x),    δa = (α ε²/2π) F_V(m/m_ℓ)

Axial (Leveille 1978; Fayet, PRD 75 (2007) 115017):

    H(r) = ∫₀¹ dx (2x³ + (x−x²)(4−x) r²) / (x² + (1−x) r²),
    δa = −(f_A²/4π²)(m_ℓ²/m²) H(m/m_ℓ)

Numerics. With a = r² and I(a) = ∫₀¹ dx/(x² − a x + a) the closed forms are

    F_V = 1 − 2a − a(2−a) ln a + a(4a − a² − 2) I
    H   = 1 − 5a/2 + a² − (a/2)(a² − 4a + 2) ln a + (a²/2)(a−2)(a−4) I

which cancel catastrophically for large r (terms of order a³ for a result of
order 1/a). For r > 2 we substitute r = t + 1/t, u = t² ∈ (0, 1)
(so a = (1+u)²/u, I = −u ln u/(1−u²)); the ln u pieces then combine exactly
and, with L = ln(1+u),

    F_V = 1 − 2(1+u)²/u + 2(1+u)²(1+u²) L/u² + 2u²(1+u) ln u/(1−u)
    H   = 1 − 5(1+u)²/(2u) + (1+u)⁴/u² − (1+u)²(1+u⁴) L/u³ + u(1+u)² ln u.

The polynomial-times-L part still cancels as u → 0 (r → ∞), so below
``_U_SERIES`` it is summed as its Taylor series in u (convergent for |u| < 1),
whose coefficients follow from L = Σ_j (−1)^{j+1} u^j / j. The result is
accurate to better than 1e-13 relative for every r in [1e-6, 1e6] (tested against
high-precision quadrature in tests/test_loops.py).
"""

from __future__ import annotations

from functools import cache

import numpy as np

#: Below this u (r ≳ 2.5) the regular part is summed as a power series.
_U_SERIES = 0.25
#: Number of series terms: 0.25**40 ≈ 8e-25, far below double precision.
_N_SERIES = 40


def _log1p_coefficient(j: int) -> float:
    """Taylor coefficient of u**j in ln(1+u) (zero for j < 1)."""
    return 0.0 if j < 1 else (-1.0) ** (j + 1) / j


@cache
def _regular_series(poly: tuple[float, ...], shift: int, laurent: tuple[tuple[int, float], ...]) -> np.ndarray:
    """Taylor coefficients c_0..c_{N-1} of  Σ_k poly[k] u^k · ln(1+u) / u^shift  +  Σ laurent.

    ``laurent`` lists (power, coefficient) pairs of the elementary part
    (including its negative powers, which must cancel the pole of the first
    part; this is checked).
    """
    lowest = -shift
    coeff = {n: sum(p * _log1p_coefficient(n + shift - k) for k, p in enumerate(poly))
             for n in range(lowest, _N_SERIES)}
    for power, c in laurent:
        coeff[power] += c
    if any(abs(coeff[n]) > 1e-12 for n in range(lowest, 0)):
        raise ArithmeticError("series for the loop function does not cancel its pole")
    return np.array([coeff[n] for n in range(_N_SERIES)])


def _u_of_r(r: np.ndarray) -> np.ndarray:
    """u = t² with r = t + 1/t, 0 < t < 1 (valid for r > 2), computed without cancellation."""
    t = 1.0 / (0.5 * r * (1.0 + np.sqrt((1.0 - 2.0 / r) * (1.0 + 2.0 / r))))
    return t * t


def _integral_i(r: np.ndarray) -> np.ndarray:
    """I(a) = ∫₀¹ dx/(x² − a x + a), a = r², for 0 < r ≤ 2 (θ = arccos(r/2), I = θ/(r sin θ))."""
    theta = np.arccos(np.minimum(r / 2.0, 1.0))
    # θ/sin θ → 1 as θ → 0 (r → 2); np.sinc(x) = sin(πx)/(πx)
    return 1.0 / (r * np.sinc(theta / np.pi))


def _evaluate(r, small_r, large_r_direct, series_args, large_r_log):
    """Evaluate a loop function piecewise: closed form (r ≤ 2), u-form, u-series."""
    r = np.asarray(r, dtype=float)
    if np.any(~(r >= 0)):
        raise ValueError("loop functions need r = m_X/m_lepton >= 0")
    out = np.empty_like(r)
    low = r <= 2.0
    if np.any(low):
        out[low] = small_r(r[low])
    high = ~low
    if np.any(high):
        u = _u_of_r(r[high])
        val = np.empty_like(u)
        direct = u >= _U_SERIES
        val[direct] = large_r_direct(u[direct])
        us = u[~direct]
        coeffs = _regular_series(*series_args)
        val[~direct] = np.polynomial.polynomial.polyval(us, coeffs) + large_r_log(us)
        out[high] = val
    return out if out.ndim else float(out)


def _fv_small_r(r):
    a = r * r
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        val = 1.0 - 2.0 * a - a * (2.0 - a) * np.log(a) + a * (4.0 * a - a * a - 2.0) * _integral_i(r)
    return np.where(a == 0.0, 1.0, val)  # r = 0, or r < 1e-154 where r² underflows: the limit F_V(0) = 1


def _fv_u_direct(u):
    return (1.0 - 2.0 * (1 + u) ** 2 / u + 2.0 * (1 + u) ** 2 * (1 + u * u) * np.log1p(u) / (u * u)
            + _fv_u_log(u))


def _log_u(u):
    """ln u, with u = 0 (r > 1e162, where u = 1/r² underflows) mapped to 0: its terms u^k ln u vanish there."""
    return np.log(np.where(u > 0.0, u, 1.0))


def _fv_u_log(u):
    return 2.0 * u * u * (1 + u) * _log_u(u) / (1.0 - u)


def _h_small_r(r):
    a = r * r
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        val = (1.0 - 2.5 * a + a * a - 0.5 * a * (a * a - 4.0 * a + 2.0) * np.log(a)
               + 0.5 * a * a * (a - 2.0) * (a - 4.0) * _integral_i(r))
    return np.where(a == 0.0, 1.0, val)  # as for F_V: the limit H(0) = 1


def _h_u_direct(u):
    return (1.0 - 2.5 * (1 + u) ** 2 / u + (1 + u) ** 4 / (u * u)
            - (1 + u) ** 2 * (1 + u ** 4) * np.log1p(u) / u ** 3 + _h_u_log(u))


def _h_u_log(u):
    return u * (1 + u) ** 2 * _log_u(u)


# (1+u)²(1+u²) = 1 + 2u + 2u² + 2u³ + u⁴ ; elementary part 1 − 2(1+u)²/u
_FV_SERIES = ((2.0, 4.0, 4.0, 4.0, 2.0), 2, ((0, 1.0), (-1, -2.0), (0, -4.0), (1, -2.0)))
# −(1+u)²(1+u⁴) = −(1 + 2u + u² + u⁴ + 2u⁵ + u⁶) ; elementary 1 − 5(1+u)²/(2u) + (1+u)⁴/u²
_H_SERIES = ((-1.0, -2.0, -1.0, 0.0, -1.0, -2.0, -1.0), 3,
             ((0, 1.0), (-1, -2.5), (0, -5.0), (1, -2.5),
              (-2, 1.0), (-1, 4.0), (0, 6.0), (1, 4.0), (2, 1.0)))


def mass_ratio(mass, lepton_mass):
    """r = m_X/m_ℓ as a float array; +inf (no overflow warning) for masses beyond float range of r."""
    with np.errstate(over="ignore"):
        return np.asarray(mass, dtype=float) / lepton_mass


def loop_vector(r):
    """Vector loop function F_V(r), r = m_X/m_ℓ ≥ 0 (dimensionless).

    F_V(0) = 1, F_V ≈ 1 − πr for r ≪ 1, F_V ≈ 2/(3r²) for r ≫ 1.
    Accepts scalars or arrays; returns the same shape.
    """
    return _evaluate(r, _fv_small_r, _fv_u_direct, _FV_SERIES, _fv_u_log)


def loop_axial(r):
    """Axial loop function H(r), r = m_X/m_ℓ ≥ 0 (dimensionless).

    H(0) = 1 and H(∞) = 5/3 (the heavy-boson limit, δa = −(5/3) f_A² m_ℓ²/(4π² m²)).
    Accepts scalars or arrays; returns the same shape.
    """
    return _evaluate(r, _h_small_r, _h_u_direct, _H_SERIES, _h_u_log)
