"""Standard-Model prediction of the electron anomalous magnetic moment a_e(alpha).

The prediction, in the form of Aoyama, Kinoshita, Nio (AKN), Atoms 7, 28 (2019)
and of CODATA 2018, Rev. Mod. Phys. 93, 025010 (2021), Sec. on the electron
magnetic-moment anomaly (equation numbers not re-checked), is

    a_e(SM) = sum_{n=1}^{5} C_n (alpha/pi)^n + a_e(hadronic) + a_e(electroweak),
    C_n     = A_1^(2n) + A_2^(2n)(m_e/m_mu) + A_2^(2n)(m_e/m_tau)
              + A_3^(2n)(m_e/m_mu, m_e/m_tau),

with every coefficient read from an ``ae_sm_theory`` data file (see
``data/a_e_sm_theory.yaml`` for the values and their references). In that file
the key ``An`` is A_1^(2n), ``An_mu`` / ``An_tau`` are A_2^(2n) and ``An_mu_tau``
is A_3^(2n).

Uncertainties are propagated linearly and added in quadrature, treating all
inputs as independent: alpha (through da_e/d(alpha^-1)), each numerical
coefficient (sigma(C_n) (alpha/pi)^n), the hadronic and the electroweak terms.

All quantities are dimensionless; alpha enters as its inverse alpha^-1.
Pure functions, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError
from dpfit.physics.units import UNITS

SCHEMA = "dpfit-data/1"
KIND = "ae_sm_theory"

#: term key -> power n of (alpha/pi) it multiplies (None: absolute contribution)
TERMS: dict[str, int | None] = {
    "A1": 1, "A2": 2, "A3": 3, "A4": 4, "A5": 5,
    "A2_mu": 2, "A2_tau": 2,
    "A3_mu": 3, "A3_tau": 3, "A3_mu_tau": 3,
    "A4_mu": 4, "A4_tau": 4, "A4_mu_tau": 4,
    "A5_mu": 5,
    "hadronic": None, "electroweak": None,
}
ORDERS = 5
_TERM_KEYS = {"value", "uncertainty", "exact", "unit", "reference", "note"}


@dataclass(frozen=True)
class AeTheory:
    """Numbers of the a_e(SM) series, all dimensionless.

    coefficients[n-1] is C_n, the total coefficient of (alpha/pi)^n, and
    coefficient_sigmas[n-1] its 1-sigma uncertainty (quadrature sum over the
    terms of that order; 0 when all of them are exact).
    """

    coefficients: tuple[float, ...]
    coefficient_sigmas: tuple[float, ...]
    hadronic: float
    hadronic_sigma: float
    electroweak: float
    electroweak_sigma: float
    source: str = ""


def _fail(source: str, field: str | None, message: str) -> InputError:
    return InputError(source, field, message)


def _number(x, source: str, field: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise _fail(source, field, f"expected a number, got {x!r}")
    if not math.isfinite(x):
        raise _fail(source, field, f"expected a finite number, got {x!r}")
    return float(x)


def _unit_factor(unit, source: str, field: str) -> float:
    if not isinstance(unit, str) or UNITS.get(unit, ("", 0))[0] != "dimensionless":
        known = ", ".join(repr(u) for u, (dim, _) in UNITS.items() if dim == "dimensionless")
        raise _fail(source, field, f"unknown unit {unit!r}; expected one of {known}")
    return UNITS[unit][1]


def _term(entry, key: str, default_factor: float, source: str) -> tuple[float, float]:
    """Value and 1-sigma of one term, converted to plain numbers."""
    where = f"terms.{key}"
    if not isinstance(entry, dict):
        raise _fail(source, where, "expected a mapping with 'value', 'uncertainty' or 'exact: true', 'reference'")
    extra = sorted(set(entry) - _TERM_KEYS)
    if extra:
        raise _fail(source, f"{where}.{extra[0]}", f"unknown key; allowed: {sorted(_TERM_KEYS)}")
    if "value" not in entry:
        raise _fail(source, f"{where}.value", "missing")
    value = _number(entry["value"], source, f"{where}.value")
    ref = entry.get("reference")
    if not isinstance(ref, str) or not ref.strip():
        raise _fail(source, f"{where}.reference", "missing or empty; every term must cite its source")
    factor = default_factor
    if "unit" in entry:
        factor = _unit_factor(entry["unit"], source, f"{where}.unit")

    if "exact" in entry:
        if entry["exact"] is not True:
            raise _fail(source, f"{where}.exact", f"must be true if present, got {entry['exact']!r}")
        if "uncertainty" in entry:
            raise _fail(source, f"{where}.uncertainty", "must be omitted for a term marked 'exact: true'")
        return value * factor, 0.0
    if "uncertainty" not in entry:
        raise _fail(source, f"{where}.uncertainty", "missing; give a 1-sigma uncertainty or 'exact: true'")
    sigma = _number(entry["uncertainty"], source, f"{where}.uncertainty")
    if sigma < 0:
        raise _fail(source, f"{where}.uncertainty", f"must be >= 0, got {sigma!r}")
    if sigma == 0:
        raise _fail(source, f"{where}.uncertainty", "is 0; mark exactly known numbers with 'exact: true' instead")
    return value * factor, sigma * factor


def parse_ae_theory(doc: dict, source: str) -> AeTheory:
    """Validate a parsed ``ae_sm_theory`` document and return its numbers.

    Required: ``schema: dpfit-data/1``, ``kind: ae_sm_theory``, ``reference``,
    optional top-level ``unit`` (a dimensionless unit, default "1"), and a
    ``terms`` mapping holding exactly the keys of ``TERMS``. Each term needs a
    finite ``value``, a ``reference``, and either ``uncertainty`` (> 0) or
    ``exact: true``; an optional ``unit`` overrides the top-level one.

    Raises InputError(source, field, message) naming the dotted field.
    """
    if not isinstance(doc, dict):
        raise _fail(source, None, f"expected a mapping at the top level, got {type(doc).__name__}")
    if doc.get("schema") != SCHEMA:
        raise _fail(source, "schema", f"expected {SCHEMA!r}, got {doc.get('schema')!r}")
    if doc.get("kind") != KIND:
        raise _fail(source, "kind", f"expected {KIND!r}, got {doc.get('kind')!r}")
    if not isinstance(doc.get("reference"), str) or not doc["reference"].strip():
        raise _fail(source, "reference", "missing or empty")
    default_factor = _unit_factor(doc.get("unit", "1"), source, "unit")
    terms = doc.get("terms")
    if not isinstance(terms, dict):
        raise _fail(source, "terms", "missing or not a mapping")
    for key in TERMS:
        if key not in terms:
            raise _fail(source, f"terms.{key}", "missing required term")
    for key in terms:
        if key not in TERMS:
            raise _fail(source, f"terms.{key}", f"unknown term; expected the keys {list(TERMS)}")

    coeff = [0.0] * ORDERS
    var = [0.0] * ORDERS
    parsed = {key: _term(terms[key], key, default_factor, source) for key in TERMS}
    for key, n in TERMS.items():
        if n is not None:
            value, sigma = parsed[key]
            coeff[n - 1] += value
            var[n - 1] += sigma * sigma
            if not (math.isfinite(coeff[n - 1]) and math.isfinite(var[n - 1])):
                raise InputError(source, f"terms.{key}", "number out of range")
    return AeTheory(
        coefficients=tuple(coeff),
        coefficient_sigmas=tuple(math.sqrt(v) for v in var),
        hadronic=parsed["hadronic"][0],
        hadronic_sigma=parsed["hadronic"][1],
        electroweak=parsed["electroweak"][0],
        electroweak_sigma=parsed["electroweak"][1],
        source=str(source),
    )


def _alpha_inverse(alpha_inverse) -> np.ndarray:
    ainv = np.asarray(alpha_inverse, dtype=float)
    if not np.all(np.isfinite(ainv) & (ainv > 0)):
        raise InputError("a_e_sm", "alpha_inverse", f"expected finite positive numbers, got {alpha_inverse!r}")
    return ainv


def _out(x: np.ndarray):
    return float(x) if np.ndim(x) == 0 else x


def da_e_dalpha_inverse(alpha_inverse, theory: AeTheory):
    """Derivative d a_e(SM) / d(alpha^-1), dimensionless.

    With x = alpha/pi = 1/(pi alpha^-1), dx/d(alpha^-1) = -x/alpha^-1, so
    d a_e/d(alpha^-1) = -(1/alpha^-1) sum_n n C_n x^n (hadronic and electroweak
    terms are taken as alpha-independent). Multiply by -(alpha^-1)^2 to get
    d a_e/d alpha. Vectorised over alpha_inverse.
    """
    ainv = _alpha_inverse(alpha_inverse)
    x = 1.0 / (np.pi * ainv)
    s = sum(n * c * x**n for n, c in enumerate(theory.coefficients, start=1))
    return _out(-s / ainv)


def uncertainty_budget(alpha_inverse, sigma_alpha_inverse, theory: AeTheory) -> dict:
    """1-sigma contributions to a_e(SM), dimensionless, by source.

    Keys: "alpha" = |d a_e/d(alpha^-1)| sigma(alpha^-1); "C1".."C5" =
    sigma(C_n) (alpha/pi)^n; "hadronic"; "electroweak". a_e_sm adds them in
    quadrature. Vectorised over alpha_inverse and sigma_alpha_inverse.
    """
    ainv = _alpha_inverse(alpha_inverse)
    s_ainv = np.asarray(sigma_alpha_inverse, dtype=float)
    if not np.all(np.isfinite(s_ainv) & (s_ainv >= 0)):
        raise InputError("a_e_sm", "sigma_alpha_inverse", f"expected finite numbers >= 0, got {sigma_alpha_inverse!r}")
    x = 1.0 / (np.pi * ainv)
    budget = {"alpha": _out(np.abs(np.asarray(da_e_dalpha_inverse(ainv, theory))) * s_ainv)}
    for n, s in enumerate(theory.coefficient_sigmas, start=1):
        budget[f"C{n}"] = _out(s * x**n)
    budget["hadronic"] = theory.hadronic_sigma
    budget["electroweak"] = theory.electroweak_sigma
    return budget


def a_e_sm(alpha_inverse, sigma_alpha_inverse, theory: AeTheory):
    """Standard-Model a_e and its 1-sigma uncertainty, both dimensionless.

    a_e = sum_{n=1}^{5} C_n (alpha/pi)^n + a_e(had) + a_e(EW)  (AKN 2019; module docstring),
    sigma = quadrature sum of ``uncertainty_budget``. alpha_inverse is alpha^-1
    with 1-sigma sigma_alpha_inverse. Returns (value, sigma) as floats, or as
    numpy arrays for array input.
    """
    ainv = _alpha_inverse(alpha_inverse)
    x = 1.0 / (np.pi * ainv)
    qed = sum(c * x**n for n, c in enumerate(theory.coefficients, start=1))
    value = qed + theory.hadronic + theory.electroweak
    budget = uncertainty_budget(ainv, sigma_alpha_inverse, theory)
    sigma = np.sqrt(sum(np.asarray(b, dtype=float) ** 2 for b in budget.values()))
    return _out(value), _out(sigma)
