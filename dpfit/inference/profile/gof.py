"""Goodness of fit and the compatibility of measurements, with the physical boundary taken into account.

χ²_min of k Gaussian measurements with p fitted parameters follows χ²(k − p)
(Wilks). When b of the fitted couplings end on a hard edge (ε = 0, an exclusion
wall), the distribution is the mixture Σ_j C(b, j) 2⁻ᵇ χ²(k − p + j)
(Chernoff, Ann. Math. Stat. 25 (1954) 573; Self & Liang, JASA 82 (1987) 605;
for one bounded parameter ½χ²(k−1) + ½χ²(k)). Step terms carry no degrees of
freedom.

Compatibility of measurement groups: the parameter goodness of fit of
Maltoni & Schwetz, PRD 68 (2003) 033020, χ²_PG = χ²_min(A+B) − χ²_min(A) −
χ²_min(B) with n_A + n_B − n_{A+B} degrees of freedom (n: parameters each fit
constrains).

Every p-value, whatever distribution gave it (χ², the boundary mixture,
χ²_PG), becomes a Gaussian significance by one convention,
:data:`SIGNIFICANCE_CONVENTION`: two-sided, Z = Φ⁻¹(1 − p/2), the N of the
±Nσ Gaussian interval that holds 1 − p — the same "Nσ" as the levels
(:mod:`dpfit.inference.levels`: 2σ holds 95.45 %) and as Δχ² = N² for one
parameter. Z is never negative: Z = 0 at p = 1 (no tension at all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dpfit.notes import Note, note

#: How every p-value in dpfit's outputs becomes a significance (written into each JSON beside it).
SIGNIFICANCE_CONVENTION = ("two-sided: Z = Phi^-1(1 - p/2), the N of a +-N sigma Gaussian interval holding 1 - p "
                           "(p = 0.0027 is 3 sigma); Z >= 0, Z = 0 at p = 1")
#: The short label of that convention in text outputs.
SIGNIFICANCE_LABEL = "two-sided"

#: p-value below which an analysis is reported as excluded rather than given a window (3σ, two-sided).
GOF_THRESHOLD = 0.0027


@dataclass(frozen=True)
class GoodnessOfFit:
    """χ²_min, its degrees of freedom and p-value, and the distribution the p-value used."""

    chi2_min: float
    ndof: int
    bounded: int
    p_value: float | None
    distribution: str | Note  # chi2(k) or a mixture, by name; a calibration (the mass free) as a note
    significance: float | None

    def to_dict(self) -> dict:
        return {"chi2_min": self.chi2_min, "ndof": self.ndof, "p_value": self.p_value,
                "distribution": self.distribution, "significance_sigma": self.significance,
                "significance_convention": SIGNIFICANCE_CONVENTION}


def _mixture_sf(chi2: float, ndof: int, bounded: int) -> float:
    """P(X ≥ χ²) for X ~ Σ_j C(b, j) 2⁻ᵇ χ²(ndof + j); χ²(0) is a point mass at 0."""
    from scipy import stats  # imported on use: keeps start-up light

    total = 0.0
    for j in range(bounded + 1):
        weight = math.comb(bounded, j) / 2**bounded
        k = ndof + j
        total += weight * (float(stats.chi2.sf(chi2, k)) if k > 0 else float(chi2 <= 0))
    return total


def _mixture_name(ndof: int, bounded: int) -> str:
    if bounded == 0:
        return f"chi2({ndof})"
    return " + ".join(f"{math.comb(bounded, j) / 2**bounded:g} chi2({ndof + j})" for j in range(bounded + 1))


def significance(p_value: float) -> float:
    """Gaussian significance Z (in σ) of a p-value, two-sided: Z = Φ⁻¹(1 − p/2) (:data:`SIGNIFICANCE_CONVENTION`).

    Z ≥ 0 for every p in [0, 1]: Z = 0 at p = 1, Z = ∞ at p = 0.
    """
    from scipy import stats  # imported on use: keeps start-up light

    if not 0.0 <= p_value <= 1.0:
        raise ValueError(f"a p-value lies in [0, 1], got {p_value!r}")
    return float(stats.norm.isf(p_value / 2.0))


def goodness_of_fit(chi2_min: float, ndata: int, nfit: int, bounded: int = 0) -> GoodnessOfFit:
    """The p-value of χ²_min for ``ndata`` measurements, ``nfit`` fitted parameters, ``bounded`` of them on an edge.

    With no degrees of freedom left and nothing on a boundary there is no p-value.
    """
    ndof = max(ndata - nfit, 0)
    bounded = min(bounded, nfit)
    distribution = _mixture_name(ndof, bounded)
    if ndof == 0 and bounded == 0:
        return GoodnessOfFit(chi2_min, 0, 0, None, distribution, None)
    p = min(max(_mixture_sf(chi2_min, ndof, bounded), 0.0), 1.0)  # round-off of the mixture's sum
    return GoodnessOfFit(chi2_min, ndof, bounded, p, distribution, significance(p))


def calibrated_goodness_of_fit(chi2_min: float, ndof: int, calibration: dict) -> GoodnessOfFit:
    """The goodness of fit of a fit whose χ²_min distribution was calibrated (the mass free:
    :func:`dpfit.inference.profile.free_mass_gof.calibrate`); ``ndof``: measurements − fitted couplings, the mass
    not counted. The calibration's method is the distribution."""
    p = min(max(calibration["p_value"], 0.0), 1.0)
    return GoodnessOfFit(chi2_min, ndof, 0, p, note("mass_free_distribution", calibration=calibration["method"]),
                         significance(p))


@dataclass(frozen=True)
class Tension:
    """Parameter goodness of fit of two measurement terms (Maltoni–Schwetz)."""

    first: str
    second: str
    chi2_pg: float
    ndof: int
    p_value: float | None
    significance: float | None

    def to_dict(self) -> dict:
        return {"terms": [self.first, self.second], "chi2_pg": self.chi2_pg, "ndof": self.ndof,
                "p_value": self.p_value, "significance_sigma": self.significance,
                "significance_convention": SIGNIFICANCE_CONVENTION}


def tension(first: str, second: str, chi2_pair: float, chi2_first: float, chi2_second: float,
            n_first: int, n_second: int, n_pair: int) -> Tension:
    """χ²_PG = χ²(pair) − χ²(first) − χ²(second) with n_first + n_second − n_pair dof (Z by :func:`significance`)."""
    from scipy import stats  # imported on use: keeps start-up light

    chi2_pg = max(chi2_pair - chi2_first - chi2_second, 0.0)
    ndof = n_first + n_second - n_pair
    if ndof <= 0:
        return Tension(first, second, chi2_pg, ndof, None, None)
    p = float(stats.chi2.sf(chi2_pg, ndof))
    return Tension(first, second, chi2_pg, ndof, p, significance(p))
