"""Tests of dpfit.physics.electron_sm: the Standard-Model a_e(alpha) from data/a_e_sm_theory.yaml."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml

from dpfit.physics.electron_sm import a_e_sm, da_e_dalpha_inverse, parse_ae_theory, uncertainty_budget
from dpfit.errors import InputError
from tests.helpers import ROOT

DATA = ROOT / "data" / "a_e_sm_theory.yaml"

# Fan et al., PRL 130, 071801 (2023)
A_EXP, SIGMA_EXP = 0.00115965218059, 0.13e-12
# Parker et al., Science 360, 191 (2018); Morel et al., Nature 588, 61 (2020)
ALPHA_INV_CS18 = (137.035999046, 0.027e-6)
ALPHA_INV_RB20 = (137.035999206, 0.011e-6)


@pytest.fixture(scope="module")
def doc():
    return yaml.safe_load(DATA.read_text())


@pytest.fixture(scope="module")
def theory(doc):
    return parse_ae_theory(doc, str(DATA))


def two_sig(x: float) -> float:
    """Round to 2 significant digits."""
    return float(f"{x:.2g}")


@pytest.mark.parametrize(
    "alpha, delta_e12, sigma_e12, a_sm_e12, a_sm_sigma_e12, a_sm_decimals",
    [
        # Fan et al. 2023: Delta a_e = -1.02(26)e-12; AKN 2019: a_e(SM) = ...181.606(229+)e-12
        (ALPHA_INV_CS18, -1.02, 0.26, 1159652181.61, 0.23, 2),
        # Fan et al. 2023: Delta a_e = +0.34(16)e-12. This data set gives a_e(SM) =
        # ...180.254(94)e-12; the value quoted with Fan/Morel is ...180.252(95)e-12.
        (ALPHA_INV_RB20, +0.34, 0.16, 1159652180.25, 0.094, 2),
    ],
    ids=["Cs18", "Rb20"],
)
def test_delta_a_e_targets(theory, alpha, delta_e12, sigma_e12, a_sm_e12, a_sm_sigma_e12, a_sm_decimals):
    a_sm, sigma_sm = a_e_sm(alpha[0], alpha[1], theory)
    delta = A_EXP - a_sm
    sigma = math.hypot(SIGMA_EXP, sigma_sm)
    assert round(delta * 1e12, 2) == delta_e12
    assert two_sig(sigma * 1e12) == sigma_e12
    assert round(a_sm * 1e12, a_sm_decimals) == pytest.approx(a_sm_e12, abs=1e-6)
    assert two_sig(sigma_sm * 1e12) == a_sm_sigma_e12


def test_cs18_matches_aoyama_2019(theory):
    # AKN, Atoms 7, 28 (2019), abstract: a_e = 1 159 652 181.606(11)(12)(229) e-12
    a_sm, _ = a_e_sm(*ALPHA_INV_CS18, theory)
    assert round(a_sm * 1e12 - 1159652181, 3) == pytest.approx(0.606, abs=1e-9)
    budget = uncertainty_budget(*ALPHA_INV_CS18, theory)
    assert round(budget["C5"] * 1e15) == 11
    assert round(budget["hadronic"] * 1e15) == 12


def test_derivative_matches_finite_difference(theory):
    ainv = ALPHA_INV_RB20[0]
    h = 1e-4
    fd = (a_e_sm(ainv + h, 0.0, theory)[0] - a_e_sm(ainv - h, 0.0, theory)[0]) / (2 * h)
    d = da_e_dalpha_inverse(ainv, theory)
    assert d == pytest.approx(fd, rel=1e-7)
    # d a_e / d alpha = -(alpha^-1)^2 d a_e / d(alpha^-1), close to 1/(2 pi) at leading order
    alpha, ha = 1 / ainv, 1e-9
    fd_alpha = (a_e_sm(1 / (alpha + ha), 0.0, theory)[0] - a_e_sm(1 / (alpha - ha), 0.0, theory)[0]) / (2 * ha)
    assert -ainv**2 * d == pytest.approx(fd_alpha, rel=1e-6)
    assert -ainv**2 * d == pytest.approx(1 / (2 * math.pi), rel=5e-3)
    # with exact theory inputs only alpha contributes to the uncertainty
    budget = uncertainty_budget(ainv, 1e-8, theory)
    assert budget["alpha"] == pytest.approx(abs(d) * 1e-8, rel=1e-12)


def test_leading_order_is_schwinger(doc):
    only_a1 = copy.deepcopy(doc)
    for key, entry in only_a1["terms"].items():
        if key != "A1":
            entry["value"] = 0.0
    theory = parse_ae_theory(only_a1, "only-A1")
    for ainv in (137.035999, 1.0e3, 1.0e6):
        value, sigma = a_e_sm(ainv, 0.0, theory)
        assert value == pytest.approx(1 / (2 * math.pi * ainv), rel=1e-14)
    # and the full series differs from alpha/(2 pi) by the (alpha/pi)^2 term, ~ -0.328 (alpha/pi)^2
    full = parse_ae_theory(doc, "full")
    ainv = 1.0e6
    x = 1 / (math.pi * ainv)
    rest = a_e_sm(ainv, 0.0, full)[0] - full.hadronic - full.electroweak - x / 2
    assert rest == pytest.approx(-0.328478965 * x**2, rel=1e-5)


def test_vectorised(theory):
    ainv = np.array([ALPHA_INV_CS18[0], ALPHA_INV_RB20[0]])
    sig = np.array([ALPHA_INV_CS18[1], ALPHA_INV_RB20[1]])
    values, sigmas = a_e_sm(ainv, sig, theory)
    for i in range(2):
        v, s = a_e_sm(ainv[i], sig[i], theory)
        assert values[i] == v and sigmas[i] == pytest.approx(s, rel=1e-15)


def _broken(doc, edit):
    bad = copy.deepcopy(doc)
    edit(bad)
    return bad


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda d: d["terms"].pop("A5"), "terms.A5"),
        (lambda d: d["terms"].pop("hadronic"), "terms.hadronic"),
        (lambda d: d["terms"]["A4_mu"].update(value=float("nan")), "terms.A4_mu.value"),
        (lambda d: d["terms"]["A5"].update(value="6.737"), "terms.A5.value"),
        (lambda d: d["terms"]["A5"].update(uncertainty=-0.159), "terms.A5.uncertainty"),
        (lambda d: d["terms"]["A5"].update(uncertainty=float("inf")), "terms.A5.uncertainty"),
        (lambda d: d["terms"]["A5"].update(uncertainty=0.0), "terms.A5.uncertainty"),
        (lambda d: d["terms"]["A5"].pop("uncertainty"), "terms.A5.uncertainty"),
        (lambda d: d["terms"]["A1"].update(uncertainty=0.1), "terms.A1.uncertainty"),
        (lambda d: d["terms"]["hadronic"].update(unit="1e-15"), "terms.hadronic.unit"),
        (lambda d: d["terms"]["electroweak"].update(unit="MeV"), "terms.electroweak.unit"),
        (lambda d: d.update(unit="furlong"), "unit"),
        (lambda d: d["terms"]["A2_mu"].pop("reference"), "terms.A2_mu.reference"),
        (lambda d: d["terms"].update(A6={"value": 1.0, "uncertainty": 1.0, "reference": "x"}), "terms.A6"),
        (lambda d: d["terms"]["A5"].update(uncertanty=0.1), "terms.A5.uncertanty"),
        (lambda d: d.update(kind="quantity"), "kind"),
    ],
    ids=[
        "missing-A5", "missing-hadronic", "nan-value", "string-value", "negative-uncertainty",
        "inf-uncertainty", "zero-uncertainty", "missing-uncertainty", "exact-with-uncertainty",
        "unknown-unit", "non-dimensionless-unit", "unknown-top-unit", "missing-reference",
        "unknown-term", "misspelt-key", "wrong-kind",
    ],
)
def test_bad_input_names_the_field(doc, edit, field):
    with pytest.raises(InputError) as err:
        parse_ae_theory(_broken(doc, edit), "theory.yaml")
    assert err.value.field == field
    assert f"'{field}'" in str(err.value)
    assert "theory.yaml" in str(err.value)


def test_bad_alpha_rejected(theory):
    with pytest.raises(InputError, match="alpha_inverse"):
        a_e_sm(float("nan"), 0.0, theory)
    with pytest.raises(InputError, match="sigma_alpha_inverse"):
        a_e_sm(137.036, -1e-9, theory)
