"""dpfit.inference.bands: the exact and linear (g-2) coupling bands against Δχ² = n² written out and the source paper's
Table 1, and the overlay's limits, boxes and window band."""

import math
from decimal import Decimal, localcontext
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from tests.helpers import eps_quadrature, fv_quadrature
from dpfit.inference.bands import (LIMIT_POINTS, atomki_box, band_from_term, coupling_band, exact_edges, limit_edges,
                                   scenario_bands, window_band, window_boxes)
from dpfit.inputs.load import default_dir
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian
from dpfit.model.analysis import Analysis

ALPHA, M_MU, M_E = 1 / 137, 105.6583755, 0.51099895069


def k_of(mass, lepton_mass):
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / lepton_mass)


@pytest.mark.parametrize("delta, sigma", [(262e-11, 45e-11), (39e-11, 64e-11), (-102e-11, 26e-11)])
@pytest.mark.parametrize("n", [1, 2])
def test_exact_edges_are_where_delta_chi2_reaches_n_squared(delta, sigma, n):
    k = k_of(17.0, M_MU)
    lower, upper = exact_edges(k, delta, sigma, n)
    chi2 = lambda eps: ((k * eps * eps - delta) / sigma) ** 2  # noqa: E731
    chi2_min = 0.0 if delta >= 0 else (delta / sigma) ** 2
    assert chi2(float(upper)) - chi2_min == pytest.approx(n * n, rel=1e-9)
    if delta - n * sigma > 0:
        assert chi2(float(lower)) - chi2_min == pytest.approx(n * n, rel=1e-9)
    else:
        assert float(lower) == 0.0


def test_the_upper_limit_of_a_far_negative_measurement_has_no_cancellation():
    """Δa = −1e9 σ: Δa + sqrt(Δa² + n²σ²) is 0 in floating point; the edge against 50-digit decimals."""
    delta, sigma, k = -1e-9, 1e-18, 1e-5
    assert delta + math.sqrt(delta**2 + 4 * sigma**2) == 0.0  # the naive form
    _, upper = exact_edges(k, delta, sigma, 2)
    with localcontext() as context:
        context.prec = 50
        reach = Decimal(delta) + (Decimal(delta) ** 2 + 4 * Decimal(sigma) ** 2).sqrt()
        expected = float((reach / Decimal(k)).sqrt())
    assert float(upper) == pytest.approx(expected, rel=1e-12)


def test_band_of_a_term_central_exact_and_linear():
    wp20 = Gm2Gaussian("mu", "mu", "WP20", 262e-11, 45e-11, M_MU, ALPHA)
    masses = np.array([15.0, 17.0, 19.0])
    band = band_from_term(wp20, masses)
    k = np.array([k_of(m, M_MU) for m in masses])
    central = np.sqrt(262e-11 / k)
    assert band.central == pytest.approx(central, rel=1e-9) and not band.upper_limit and band.convention is None
    sigma_eps = central / 2 * 45e-11 / 262e-11  # the paper's linear propagation
    for n in (1, 2):
        assert band.edges(n, linear=True)[0] == pytest.approx(central - n * sigma_eps, rel=1e-9)
        assert band.edges(n, linear=True)[1] == pytest.approx(central + n * sigma_eps, rel=1e-9)
        assert band.edges(n)[1] == pytest.approx(np.sqrt((262e-11 + n * 45e-11) / k), rel=1e-9)
    cs18 = band_from_term(Gm2Gaussian("e", "e", "Cs18", -102e-14, 26e-14, M_E, ALPHA), masses)
    assert cs18.upper_limit and np.all(cs18.central == 0.0) and np.all(cs18.edges(1)[0] == 0.0)
    assert np.isnan(cs18.edges(2, linear=True)[0]).all() and np.isnan(cs18.edges(2, linear=True)[1]).all()


def test_coupling_bands_reproduce_table_1_at_17_mev():
    """The source paper's Table 1 at 17 MeV: eps_WP20 = 1.823e-3, sigma_WP20 = 1.566e-4 (linear)."""
    band = coupling_band(Analysis(convention="paper"), "mu", "WP20", [17.0])
    assert f"{band.central[0]:.3e}" == "1.823e-03" and band.convention == "paper"
    lo, hi = band.edges(1, linear=True)
    assert f"{(hi[0] - lo[0]) / 2:.3e}" == "1.566e-04"
    names = [b.scenario for b in scenario_bands(Analysis(convention="paper"), "mu", [17.0])]
    dates = {name: yaml.safe_load((default_dir("data") / f"delta_a_mu_{name.lower()}.yaml").read_text())["date"]
             for name in names}
    assert set(names) == {"WP20", "BMW21", "WP25"} and names == sorted(names, key=dates.get)  # in date order


def test_limit_edges_sample_each_band_over_its_mass_range():
    term = Exclusion("x", "e", np.array([10.0, 16.0, 30.0]), np.array([[1e-4, 2e-4, 3e-4], [1e-3, 2e-3, 3e-3]]),
                     np.array([[5e-4, 6e-4, 7e-4], [4e-3, 5e-3, 6e-3]]), (12.0, 20.0))
    record = SimpleNamespace(experiment="test experiment", cl=0.9)
    first, second = limit_edges(record, term)
    assert (first.name, second.name) == ("x band 1", "x band 2") and first.experiment == "test experiment"
    assert first.mass.size == LIMIT_POINTS + 1 and 16.0 in first.mass  # the contour point inside the range
    assert first.mass[0] == pytest.approx(12.0) and first.mass[-1] == pytest.approx(20.0)
    i = int(np.argmin(abs(first.mass - 13.0)))
    t = math.log(first.mass[i] / 10.0) / math.log(16.0 / 10.0)  # log-log interpolation near 13 MeV, written out
    assert first.lower[i] == pytest.approx(1e-4 * 2.0**t, rel=1e-12)
    assert second.upper[i] == pytest.approx(4e-3 * (5.0 / 4.0) ** t, rel=1e-12)


def test_the_region_box_and_the_window_boxes():
    region = yaml.safe_load((default_dir("data") / "atomki_8be_2016.yaml").read_text())
    box = atomki_box(Analysis())
    m0, width = region["mass"], region["mass_uncertainty"]
    assert box.label == region["experiment"] and box.mass == pytest.approx((m0 - width, m0 + width))
    assert box.eps == (region["eps_lower"], region["eps_upper"])
    assert atomki_box(Analysis(atomki=None)) is None
    (window,) = window_boxes(Analysis(), [[6.6e-4, 9.6e-4]])
    assert window.mass == pytest.approx((m0 - width, m0 + width)) and window.eps == (6.6e-4, 9.6e-4)


def test_window_band_runs_from_na64_to_the_rb20_two_sigma_edge():
    """Paper inputs: at every mass of the ATOMKI range the interval algebra keeps NA64's point limit (6.8e-4) to the
    top of Rb20's 2σ band, ε = sqrt((Δa + 2σ) 2π/α / F_V) by quadrature."""
    masses, lower, upper = window_band(Analysis(convention="paper"))
    assert masses[0] == pytest.approx(15.85) and masses[-1] == pytest.approx(17.55)
    assert np.all(lower == 6.8e-4)
    for m, hi in zip(masses[::10], upper[::10]):
        assert hi == pytest.approx(eps_quadrature(m, (34 + 2 * 16) * 1e-14, M_E, ALPHA), rel=1e-9)
