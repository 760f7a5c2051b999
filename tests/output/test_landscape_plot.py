"""The landscape figure (dpfit.output.landscape_plot): one colour per experiment, each search's band where it
excludes, invisible searches hatched, (g−2) bands reaching g = 0 drawn as edges, the ATOMKI box and the window
in the zoom, one legend entry per layer."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.output.landscape_helpers import small_landscape
from dpfit.inference.bands import coupling_band
from dpfit.model.analysis import Analysis
from dpfit.output.landscape_plot import EPS_RANGE, ZOOM, _draw_curves, _palette, plot_landscape


def test_palette_is_one_colour_per_experiment_whatever_the_order():
    land = small_landscape()
    twin = dataclasses.replace(land.curves[0], limit="Vis_2022")  # the same experiment again
    palette = _palette([land.curves[1], twin, land.curves[0]])
    assert palette == _palette(land.curves) and set(palette) == {"VIS", "INV"}
    assert palette["VIS"] != palette["INV"]


def test_each_search_is_filled_where_it_excludes_and_invisible_ones_are_hatched():
    from matplotlib.figure import Figure

    land = small_landscape()
    ax = Figure().add_subplot()
    handles = _draw_curves(ax, land, _palette(land.curves))
    assert list(handles) == ["VIS", "INV (invisible)"]
    visible, invisible = handles["VIS"], handles["INV (invisible)"]
    assert visible.get_facecolor()[0][3] == pytest.approx(0.45) and not visible.get_hatch()
    face = invisible.get_facecolor()
    assert invisible.get_hatch() == "///" and (len(face) == 0 or face[0][3] == 0.0)  # hatched, not filled
    # the visible search's first band excludes from 10 MeV on (inside 10-40 MeV): no fill at 8 or 45 MeV
    xs = visible.get_paths()[0].vertices[:, 0]
    assert xs.min() == pytest.approx(10.0) and xs.max() == pytest.approx(30.0)
    assert len(ax.collections) == 3  # two bands of the visible search, one of the invisible


def test_landscape_figure_layers_and_legend():
    import matplotlib.pyplot as plt

    land = small_landscape()
    paper = Analysis(convention="paper")
    masses = np.geomspace(8.0, 45.0, 12)
    wp20, wp25 = (coupling_band(paper.inputs, "mu", s, masses) for s in ("WP20", "WP25"))
    rb20 = coupling_band(paper.inputs, "e", "Rb20", masses)
    eps = np.geomspace(*EPS_RANGE, 30)
    visible = np.zeros((30, 4), bool)
    visible[10:15, 1:3] = True
    window = np.zeros((30, 4), bool)
    window[15:18, 2:4] = True
    fig = plot_landscape(land, {"eps": eps, "visible": visible}, [wp20, wp25], [rb20],
                         ((15.85, 17.55), (2e-4, 1.4e-3)), window)
    try:
        ax, zoom = fig.axes
        assert [t.get_text() for t in fig.legends[0].get_texts()] == [
            "VIS", "INV (invisible)", "union of visible searches", "(g−2)_μ WP20 1σ/2σ", "(g−2)_μ WP25 1σ/2σ",
            "(g−2)_e Rb20 1σ/2σ", "ATOMKI region", "window (region not excluded)"]
        assert ax.get_xlim() == pytest.approx(land.mass_range) and ax.get_ylim() == pytest.approx(EPS_RANGE)
        assert zoom.get_xlim() == pytest.approx(ZOOM)
        # WP25's regions reach g = 0 (Delta a = 39(64)e-11): their upper edges as lines, 1 sigma solid, 2 sigma dotted
        assert wp25.edges(1)[0][0] == 0.0
        for n, style in ((1, "-"), (2, ":")):
            assert any(np.allclose(ln.get_ydata(), wp25.edges(n)[1]) and ln.get_linestyle() == style
                       for ln in ax.get_lines())
        boxes = [p for p in ax.patches if p.get_zorder() == 6]
        assert [(b.get_x(), b.get_y(), b.get_x() + b.get_width(), b.get_y() + b.get_height()) for b in boxes] == \
            [pytest.approx((15.85, 2e-4, 17.55, 1.4e-3))]
        assert len([c for c in zoom.collections if c.get_zorder() == 7]) == 1  # the window, in the zoom only
        assert not [c for c in ax.collections if c.get_zorder() == 7]
    finally:
        plt.close(fig)
