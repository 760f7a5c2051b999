"""Marks on a corner plot (dpfit.output.corner_marks): walls as the step terms' edges, prior edges drawn near
the samples and listed otherwise, the legend off the panels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.output.chain_helpers import synthetic_chain
from dpfit.model.analysis import Analysis
from dpfit.output.corner_marks import PRIOR_REACH, _fmt, mark_corner, walls


def test_corner_draws_the_mass_dependent_wall_once_and_its_legend_off_the_panels(tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Polygon, Rectangle

    from dpfit.output.corner_marks import WALL_COLOUR
    from dpfit.output.corner_plot import plot_corner

    chain = synthetic_chain(tmp_path / "c.h5")  # log10 ε around -3 ± 0.1: NA64's upper edge (-3.18..-3.14) in view
    fig = plot_corner(chain, model=Analysis().model())
    axes = np.array(fig.axes).reshape(2, 2)
    red = to_rgba(WALL_COLOUR)
    wall_lines = [ln for ln in axes[1, 0].get_lines() if to_rgba(ln.get_color()) == red]
    drawn = [w for w in fig.dpfit_marks["walls"] if w["drawn"]]
    assert len(wall_lines) == len(drawn)  # one line per wall, not one dashed line per mass
    [na64] = [w for w in drawn if w["label"] == "NA64"]
    assert na64["eps_max"] > 1.1 * na64["eps_min"]  # the mass-dependent upper edge of the default NA64 contour
    curves = [ln for ln in wall_lines if np.ptp(ln.get_data()[1]) > 0]
    assert len(curves) == 1
    mass, log_eps = curves[0].get_data()
    assert mass.min() == pytest.approx(15.85) and mass.max() == pytest.approx(17.55)
    assert 10 ** log_eps.min() == pytest.approx(na64["eps_min"]) and 10 ** log_eps.max() == pytest.approx(na64["eps_max"])
    bands = [p for p in axes[1, 1].patches if isinstance(p, (Polygon, Rectangle)) and p.get_facecolor()[:3] == red[:3]]
    assert len(bands) == 1  # the varying wall: one band in the 1-D panel (constant walls: one line each)
    assert ("NA64", False) in {(w["label"], w["drawn"]) for w in fig.dpfit_marks["walls"]}  # its lower edge
    dotted = [ln for ln in axes[0, 0].get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == len(fig.dpfit_marks["prior_edges_drawn"][0])  # prior edges: those listed are drawn
    renderer = fig.canvas.get_renderer()
    legend = fig.dpfit_legend.get_window_extent(renderer)
    texts = [t.get_text() for t in fig.dpfit_legend.get_texts()]
    assert any(t.startswith("NA64 wall ε(m)") for t in texts) and any("off the axes" in t for t in texts)
    for ax in fig.axes:
        if ax.get_visible() and ax.has_data():
            assert not legend.overlaps(ax.get_tightbbox(renderer)), "the legend covers a panel"
    plt.close(fig)


@pytest.fixture(scope="module")
def paper_model():
    """The source paper's analysis: NA64 as its single point (1.2e-4 < ε < 6.8e-4 excluded), PADME ε < 5.6e-4/e
    over 16.4-17.4 MeV, the ATOMKI box 2e-4 < ε < 1.4e-3 over 15.85-17.55 MeV, α = 1/137."""
    return Analysis(convention="paper").model()


def test_walls_are_the_step_terms_edges_inside_the_eps_range(paper_model):
    masses = np.array([15.0, 16.0, 16.9, 17.5, 18.0])
    padme = 5.6e-4 / math.sqrt(4 * math.pi / 137)
    expected = {("NA64_POINT", 1.2e-4): [16.0, 16.9, 17.5], ("NA64_POINT", 6.8e-4): [16.0, 16.9, 17.5],
                ("PADME", padme): [16.9], ("ATOMKI", 2e-4): [16.0, 16.9, 17.5], ("ATOMKI", 1.4e-3): [16.0, 16.9, 17.5]}
    found = walls(paper_model, masses)
    assert len(found) == len(expected)
    for wall in found:
        assert wall.parameter == "eps" and np.ptp(wall.eps) == 0  # constant edges
        key = next(k for k in expected if k[0] == wall.label and math.isclose(k[1], wall.eps[0], rel_tol=1e-9))
        np.testing.assert_array_equal(wall.mass, expected.pop(key))
    narrow = Analysis(convention="paper", eps_range=(3e-4, 1e-3)).model()  # only NA64's upper edge lies inside
    assert [(w.label, w.eps[0]) for w in walls(narrow, masses)] == [("NA64_POINT", pytest.approx(6.8e-4))]


def _corner_axes(spans):
    """A bare 2 x 2 corner grid whose columns show the given (low, high) spans."""
    from matplotlib.figure import Figure

    fig = Figure()
    axes = np.array(fig.subplots(2, 2))
    axes[0, 0].set_xlim(*spans[0])
    axes[1, 1].set_xlim(*spans[1])
    axes[1, 0].set_xlim(*spans[0])
    axes[1, 0].set_ylim(*spans[1])
    return fig, axes


def test_marks_draw_the_prior_edges_and_walls_in_view_and_list_the_others(paper_model):
    # the mass edges 15.85 and 17.55 lie within PRIOR_REACH (0.16 MeV) of the panel; log10 ε's -5 and -2 lie
    # farther than 0.1 from (-3.5, -2.5)
    m_span, u_span = (15.9, 17.5), (-3.5, -2.5)
    assert PRIOR_REACH == 0.1
    fig, axes = _corner_axes([m_span, u_span])
    rng = np.random.default_rng(0)
    flat = np.column_stack([rng.uniform(*m_span, 200), rng.uniform(*u_span, 200)])
    marks, entries = mark_corner(fig, ["m", "log10_eps"], flat, paper_model)
    assert marks["prior_edges"] == [[15.85, 17.55], [-5.0, -2.0]]
    assert marks["prior_edges_drawn"] == [[15.85, 17.55], []]
    low, high = axes[0, 0].get_xlim()
    assert low < 15.85 and high > 17.55  # widened to show them
    in_view = {w["label"] + f" {w['eps_min']:.3g}" for w in marks["walls"] if w["drawn"]}
    # log10 of 6.8e-4, 1.849e-3 and 1.4e-3 lie in (-3.5, -2.5); 1.2e-4 and 2e-4 lie below
    assert in_view == {"NA64_POINT 0.00068", "PADME 0.00185", "ATOMKI 0.0014"}
    assert len(marks["walls"]) == 5 and marks["grid_overlays"] == []
    texts = [t for _, t in entries]
    assert any(t.startswith("prior edges: m = 15.85, 17.55 MeV") for t in texts)
    assert "prior edges off the axes: log10 ε ∈ [-5, -2]" in texts
    assert "wall edges off the axes: ATOMKI (1), NA64_POINT (1)" in texts
    assert axes[1, 0].get_ylim() == pytest.approx(u_span)  # the walls leave the panels' spans as they were


def test_fmt_uses_scientific_notation_for_couplings_only():
    assert (_fmt(6.62e-4), _fmt(16.7), _fmt(0.0), _fmt(-5.0), _fmt(0.05)) == ("6.620e-04", "16.7", "0", "-5", "0.05")
