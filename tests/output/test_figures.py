"""The two reference figures (dpfit.output.figures): the muon bands and the overlay written as PNG and PDF, their
titles, legend, fills, labels and zoom. Left here for dpfit.inference.bands: band edges against an independent
computation (F_V by quadrature, tests/helpers.py) and against the profile-likelihood fit, the overlay's layers.
"""

import math

import numpy as np
import pytest

from tests.helpers import fv_quadrature
from dpfit.model.analysis import Analysis
from dpfit.inference.bands import coupling_band, overlay_results, scenario_bands
from dpfit.output.figures import plot_muon_bands, plot_overlay
from dpfit.inference.profile.fit import fit

ALPHA_PAPER = 1 / 137
M_MU, M_E = 105.6583755, 0.51099895069
LEPTON_MASS = {"mu": M_MU, "e": M_E}
# the paper convention's inputs (the source paper's rounded values): Δa and σ
PAPER_DELTA = {("mu", "WP20"): (262e-11, 45e-11), ("mu", "BMW21"): (118e-11, 69e-11),
               ("mu", "WP25"): (39e-11, 64e-11), ("e", "Rb20"): (34e-14, 16e-14), ("e", "Cs18"): (-102e-14, 26e-14)}
# the source paper's Table 1: the printed row at 17 MeV, ε (σ_ε), linear propagation
PRINTED_17_MEV = {"WP20": ("1.823e-03", "1.566e-04"), "BMW21": ("1.223e-03", "3.577e-04"),
                  "WP25": ("7.034e-04", "5.771e-04")}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def reference_edges(mass: float, lepton: str, scenario: str, n: int) -> tuple[float, float, float]:
    """(best fit, lower, upper) of Δχ² ≤ n², in closed form with F_V from quadrature."""
    delta, sigma = PAPER_DELTA[(lepton, scenario)]
    k = ALPHA_PAPER / (2 * math.pi) * fv_quadrature(mass / LEPTON_MASS[lepton])
    if delta >= 0:
        return math.sqrt(delta / k), math.sqrt(max(delta - n * sigma, 0) / k), math.sqrt((delta + n * sigma) / k)
    return 0.0, 0.0, math.sqrt((delta + math.sqrt(delta**2 + (n * sigma) ** 2)) / k)


@pytest.fixture(scope="module")
def paper():
    return Analysis(convention="paper")


@pytest.mark.parametrize("lepton, scenario", list(PAPER_DELTA))
def test_exact_edges_against_quadrature(paper, lepton, scenario):
    masses = [5.0, 16.7, 120.0, 500.0]
    band = coupling_band(paper.inputs, lepton, scenario, masses)
    for i, mass in enumerate(masses):
        for n in (1, 2):
            central, lower, upper = reference_edges(mass, lepton, scenario, n)
            assert band.central[i] == pytest.approx(central, rel=1e-9, abs=0)
            assert band.edges(n)[0][i] == pytest.approx(lower, rel=1e-9, abs=0)
            assert band.edges(n)[1][i] == pytest.approx(upper, rel=1e-9, abs=0)


@pytest.mark.parametrize("lepton, scenario", [("mu", "WP20"), ("mu", "WP25"), ("e", "Cs18")])
def test_exact_band_equals_fit_intervals(paper, lepton, scenario):
    """The closed-form band is the profile-likelihood fit's interval (fit.py, brentq on Δχ²)."""
    alone = paper.replace(muon=scenario if lepton == "mu" else None, electron=scenario if lepton == "e" else None,
                          limits=(), atomki=None)
    result = fit(alone.likelihood(), mass=17.0)
    band = coupling_band(paper.inputs, lepton, scenario, [17.0])
    for n, level in ((1, "1sigma"), (2, "2sigma")):
        [[lo, hi]] = result.pieces(level)
        assert band.edges(n)[0][0] == pytest.approx(lo, rel=1e-9, abs=1e-15)
        assert band.edges(n)[1][0] == pytest.approx(hi, rel=1e-9)
    assert band.central[0] == pytest.approx(result.best_fit["eps"], rel=1e-6, abs=1e-12)


def test_physics_table_of_exact_intervals(paper):
    """WP20 and WP25 at 17 MeV, to the printed digits."""
    wp20 = coupling_band(paper.inputs, "mu", "WP20", [17.0])
    assert [f"{wp20.edges(n)[i][0]:.3e}" for n in (1, 2) for i in (0, 1)] == \
        ["1.659e-03", "1.973e-03", "1.477e-03", "2.113e-03"]
    wp25 = coupling_band(paper.inputs, "mu", "WP25", [17.0])
    assert f"{wp25.central[0]:.2e}" == "7.03e-04"
    assert [f"{wp25.edges(n)[1][0]:.3e}" for n in (1, 2)] == ["1.143e-03", "1.455e-03"]
    assert wp25.edges(1)[0][0] == wp25.edges(2)[0][0] == 0.0
    from_analysis = coupling_band(paper, "mu", "WP25", [17.0])  # an Analysis works as the source too
    assert from_analysis.edges(2)[1][0] == wp25.edges(2)[1][0]


def test_negative_delta_is_an_upper_limit(paper):
    band = coupling_band(paper.inputs, "e", "Cs18", [5.0, 16.7, 50.0])
    assert band.upper_limit
    assert np.all(band.central == 0.0)
    for n in (1, 2):
        lower, upper = band.edges(n)
        assert np.all(lower == 0.0) and np.all(upper > 0.0)
        assert np.all(np.isnan(band.edges(n, linear=True)[0])) and np.all(np.isnan(band.edges(n, linear=True)[1]))
    assert np.all(band.edges(2)[1] > band.edges(1)[1])


def test_linear_bands_reproduce_the_printed_row(paper):
    for band in scenario_bands(paper.inputs, "mu", [17.0]):
        eps, sigma = PRINTED_17_MEV[band.scenario]
        lower, upper = band.edges(1, linear=True)
        assert f"{band.central[0]:.3e}" == eps
        assert f"{(upper[0] - lower[0]) / 2:.3e}" == sigma
        lower2, upper2 = band.edges(2, linear=True)
        assert upper2[0] - band.central[0] == pytest.approx(2 * (upper[0] - band.central[0]), rel=1e-12)
        assert band.central[0] - lower2[0] == pytest.approx(2 * (band.central[0] - lower[0]), rel=1e-12)


def test_overlay_results_hold_every_layer(paper):
    results = overlay_results(paper, np.geomspace(5, 50, 20), [[6.8e-4, 9.6e-4]])
    assert [b.scenario for b in results.muon] == ["WP20", "BMW21", "WP25"]
    assert [b.scenario for b in results.electron] == ["Cs18", "Rb20"]
    assert (results.atomki.mass, results.atomki.eps) == ((15.85, 17.55), (2e-4, 1.4e-3))
    limits = {limit.name: limit for limit in results.limits}
    assert sorted(limits) == ["na64_point", "padme"]  # the paper convention's default: NA64's single point
    na64 = limits["na64_point"]
    assert (na64.mass.min(), na64.mass.max()) == (15.85, 17.55)
    assert np.all(na64.lower == 1.2e-4) and np.all(na64.upper == 6.8e-4)
    assert np.all(np.isinf(limits["padme"].upper))
    assert limits["padme"].lower[0] == pytest.approx(5.6e-4 / math.sqrt(4 * math.pi * ALPHA_PAPER), rel=1e-12)
    [window] = results.window
    assert (window.mass, window.eps) == ((15.85, 17.55), (6.8e-4, 9.6e-4))
    assert results.provenance["inputs"]["convention"] == "paper"


def test_user_scenario_appears_in_the_overlay(tmp_path):
    (tmp_path / "delta_a_mu_mine.yaml").write_text(
        "schema: dpfit-data/1\nkind: quantity\nquantity: delta_a_mu\nvalue: 150\nuncertainty: 50\n"
        "unit: \"1e-11\"\nreference: test\ndate: \"2030-01\"\n")
    (tmp_path / "muon_mine.yaml").write_text(
        "schema: dpfit-card/1\nkind: gm2_gaussian\ndescription: a user scenario\nlepton: mu\nscenario: Mine\n"
        "delta_a: delta_a_mu_mine\n")
    results = overlay_results(Analysis(inputs_dir=str(tmp_path)), [17.0], [])
    assert [b.scenario for b in results.muon][-1] == "Mine"
    assert results.muon[-1].delta_a == pytest.approx(150e-11)
    assert results.window == []


def _assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 20_000


def test_figures_are_written_as_png_and_pdf(paper, tmp_path):
    bands = scenario_bands(paper.inputs, "mu", np.geomspace(5, 500, 60))
    overlay = overlay_results(paper, np.geomspace(5, 50, 60), [[6.8e-4, 9.6e-4]])
    for suffix in ("png", "pdf"):
        plot_muon_bands(bands, tmp_path / f"muon_bands.{suffix}")
        plot_overlay(overlay, tmp_path / f"overlay.{suffix}")
    plot_muon_bands(bands, tmp_path / "muon_bands_linear.png", linear=True)
    for name in ("muon_bands", "overlay", "muon_bands_linear"):
        _assert_png(tmp_path / f"{name}.png")
    for name in ("muon_bands", "overlay"):
        data = (tmp_path / f"{name}.pdf").read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "muon_bands.pdf", "muon_bands.png", "muon_bands_linear.png", "overlay.pdf", "overlay.png"]


def test_muon_bands_print_delta_a_as_the_paper_and_name_the_convention(paper):
    import matplotlib.pyplot as plt

    fig = plot_muon_bands(scenario_bands(paper, "mu", np.geomspace(5, 500, 20)))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["WP20\nΔ$a_{\\mu}$ = 262(45) × 10⁻¹¹", "BMW21\nΔ$a_{\\mu}$ = 118(69) × 10⁻¹¹",
                      "WP25\nΔ$a_{\\mu}$ = 39(64) × 10⁻¹¹"]
    assert "source paper's convention" in fig._suptitle.get_text()
    plt.close(fig)
    precise = plot_muon_bands(scenario_bands(Analysis(), "mu", np.geomspace(5, 500, 20)))
    assert "precise convention" in precise._suptitle.get_text()
    plt.close(precise)
    [cs18] = [b for b in scenario_bands(paper, "e", [17.0]) if b.scenario == "Cs18"]
    from dpfit.output.figures import _delta_text

    assert _delta_text(cs18).endswith("= −102(26) × 10⁻¹⁴")


def test_overlay_window_follows_the_mass_fills_do_not_mix_and_legend_is_compact():
    import matplotlib.pyplot as plt

    from dpfit.inference import bands
    from dpfit.inference.window import interval_algebra
    from dpfit.output.figures import plot_overlay

    analysis = Analysis()
    results = bands.overlay_results(analysis, np.geomspace(5, 50, 40), interval_algebra(analysis.likelihood(), 16.7))
    mass, lower, upper = results.window_band
    for i in (0, 40, 79):
        assert [[lower[i], upper[i]]] == interval_algebra(analysis.likelihood(), float(mass[i]))
    assert np.nanmax(upper) > 1.05 * np.nanmin(upper)  # not a constant-ε box
    fig = plot_overlay(results)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "surviving window ε(m) (outline)" in texts and "ATOMKI 8Be (2016): preferred" in texts
    assert "Cs18 (e): one-sided upper limit, Δχ² = 4 (97.72 %)" in texts
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert legend.height < 0.15 * fig.bbox.height  # compact: was a quarter of the figure
    assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1 and legend.y0 >= fig.bbox.y0
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent(renderer))
        filled = [c for c in ax.collections if len(c.get_facecolor()) and c.get_facecolor()[0][3] > 0]
        assert all(c.get_facecolor()[0][3] == 1.0 for c in filled)  # opaque fills only: no mixed colours
        assert len(filled) == 3  # Rb20: the 1σ band and the two 2σ strips beside it, side by side
        window = [c for c in ax.collections if c.get_zorder() == 5]
        face = window[0].get_facecolor() if len(window) == 1 else None
        assert face is not None and (len(face) == 0 or face[0][3] == 0)  # an outline: its edges' curves show
        assert any(t.get_text() == "Cs18 (e): upper limit ↓" for t in ax.texts)
    plt.close(fig)


def test_upper_limit_label_states_the_chernoff_coverage(paper):
    from scipy import stats

    from dpfit.output.figures import upper_limit_label

    [cs18] = [b for b in scenario_bands(paper, "e", [17.0]) if b.scenario == "Cs18"]
    held = 100 * (0.5 + 0.5 * stats.chi2.cdf(4.0, 1))  # best fit on eps = 0: 1/2 delta_0 + 1/2 chi2(1)
    assert upper_limit_label(cs18) == f"Cs18 (e): one-sided upper limit, Δχ² = 4 ({held:.2f} %)"


def test_zoom_frames_the_x17_boxes_with_margins(paper):
    import dataclasses

    from dpfit.output.figures import _zoom_limits

    results = overlay_results(paper, np.geomspace(5, 50, 10), [[6.8e-4, 9.6e-4]])
    # the ATOMKI box (15.85-17.55 MeV, 2e-4-1.4e-3) holds the window: 35 % of its width either side, eps x/÷ 2.5
    (m_lo, m_hi), (e_lo, e_hi) = _zoom_limits(results)
    assert (m_lo, m_hi) == pytest.approx((15.85 - 0.595, 17.55 + 0.595)) and (e_lo, e_hi) == pytest.approx((8e-5, 3.5e-3))
    alone = dataclasses.replace(results, atomki=None)  # the window's mass-dependent upper edge widens the frame
    top = np.nanmax(results.window_band[2])
    assert top > 9.6e-4 and _zoom_limits(alone)[1] == pytest.approx((6.8e-4 / 2.5, top * 2.5))
    assert _zoom_limits(dataclasses.replace(results, atomki=None, window=[])) is None


def test_fills_are_the_opaque_colours_of_their_shade_over_white():
    from dpfit.output.figures import _on_white, _power_of_ten

    assert _on_white("#ff0000", 0.2) == pytest.approx((1.0, 0.8, 0.8))
    assert _on_white("#000000", 0.45) == pytest.approx((0.55, 0.55, 0.55))
    assert [_power_of_ten(v) for v in (6.8e-4, 1.4e-3, 500.0)] == ["6.8 × 10⁻⁴", "1.4 × 10⁻³", "5 × 10²"]
