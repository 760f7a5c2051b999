"""Scan figures (dpfit.output.plots): drawn into given axes, backend left alone; strides, the ε extent, axis
scales, the 1D and 2D scans' drawn data and files saved in the format their extension names."""

from __future__ import annotations

import numpy as np
import pytest

from dpfit.inference.profile.scan import Scan
from dpfit.model.analysis import Analysis
from dpfit.output.plots import (CONTOUR_POINTS, WALL_COLOUR, _stride, eps_extent, log_axis, plot_scan_1d, plot_scan_2d,
                                save)
from dpfit.output.plots import contour_labels


def test_plots_take_axes_and_leave_the_backend_alone():
    import matplotlib
    import matplotlib.pyplot as plt

    from dpfit.inference.profile.excluded import excluded_by
    from dpfit.inference.levels import parse_levels
    from dpfit.inference.profile.scan import log_grid, scan_1d, scan_2d
    from dpfit.output.plots import plot_scan_1d, plot_scan_2d

    previous = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        analysis = Analysis()
        joint = analysis.likelihood()
        ax = plot_scan_1d(scan_1d(joint, 17.0, log_grid(1e-5, 1e-2, 30)))
        assert matplotlib.get_backend() == "svg" and "fixed m" in ax.get_ylabel()
        fig, mine = plt.subplots()
        scan = scan_2d(joint, log_grid(16.0, 17.5, 12), log_grid(1e-5, 1e-2, 40))
        codes, names = excluded_by(joint, scan)
        levels = contour_labels(scan, parse_levels("1sigma,2sigma"))
        assert plot_scan_2d(scan, None, levels, ax=mine, excluded=(codes, names)) is mine
        low, high = mine.get_ylim()  # the ε axis covers the allowed rows, not the whole 1e-5..1e-2
        assert low > 1e-4 and high < 5e-3
        assert matplotlib.get_backend() == "svg"
        plt.close("all")
    finally:
        matplotlib.use(previous)


def _axes():
    """A bare Axes (no pyplot: no backend, no global figure)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(3, 2)).add_subplot()


@pytest.mark.parametrize("n", [1, 299, 300, 301, 600, 601, 1999])
def test_stride_leaves_at_most_the_points_asked_and_no_fewer_than_needed(n):
    k = _stride(n)
    assert len(range(0, n, k)) <= CONTOUR_POINTS
    assert k == 1 or len(range(0, n, k - 1)) > CONTOUR_POINTS  # the smallest such stride


def test_eps_extent_is_the_allowed_rows_widened_by_two_within_the_grid():
    eps = np.geomspace(1e-5, 1e-2, 7)  # half a decade apart
    z = np.full((2, 7), np.inf)
    z[0, 2], z[1, 4] = 1.0, 3.0  # allowed rows 2..4
    scan = Scan(np.array([16.0, 17.0]), eps, z, 0.0, "eps", np.zeros(2))
    assert eps_extent(scan) == (pytest.approx(eps[2] / 2), pytest.approx(eps[4] * 2))
    z[0, 0], z[1, 6] = 0.0, 0.0  # allowed at both ends: the grid's ends, not beyond
    assert eps_extent(scan) == (eps[0], eps[-1])
    scan.delta_chi2 = np.full((2, 7), np.inf)  # nothing allowed: the whole grid
    assert eps_extent(scan) == (eps[0], eps[-1])


def test_log_axis_only_beyond_a_factor_five():
    ax = _axes()
    log_axis(ax, "x", [10.0, 50.0])
    log_axis(ax, "y", [10.0, 50.1])
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "log")


def test_scan_1d_draws_the_finite_curve_and_marks_the_excluded_couplings():
    eps = np.geomspace(1e-4, 1e-2, 6)
    dchi2 = np.array([[40.0, 3.0, 0.0, np.inf, np.inf, 9.0]])
    scan = Scan(np.array([16.7]), eps, dchi2, 1.0, "eps", np.zeros(1))
    ax = _axes()
    assert plot_scan_1d(scan, ax=ax, title="t") is ax
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(x, eps)
    np.testing.assert_array_equal(np.isnan(y), ~np.isfinite(dchi2[0]))
    assert [ln.get_ydata()[0] for ln in ax.lines[1:3]] == [1.0, 4.0]  # the Delta chi2 = 1 and 4 lines
    assert ax.get_ylim() == pytest.approx((0.0, 25.0 * 1.05 + 0.1))  # capped at 25 (the curve reaches 40)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "excluded (step terms)" in labels and "m = 16.7 MeV" in labels
    assert ax.get_xscale() == "log" and ax.get_ylabel().endswith("at fixed m")


def test_scan_2d_draws_each_wall_edge_in_view_once_and_names_only_the_excluders_present():
    mass, eps = np.linspace(16.0, 17.0, 5), np.geomspace(1e-5, 1e-2, 13)
    z = np.full((5, 13), np.inf)
    z[:, 5:9] = np.linspace(0.0, 8.0, 4)  # allowed: 4 rows in the middle
    codes = np.where(np.isfinite(z), 0, 1)
    edges = np.array([np.full(5, eps[5]), np.full(5, 1e-9), np.linspace(eps[8], eps[7], 5)])
    scan = Scan(mass, eps, z, 0.0, "eps", np.zeros(5), edges)
    ax = _axes()
    plot_scan_2d(scan, ax=ax, excluded=(codes, ["NA64", "PADME"]))
    walls = [ln for ln in ax.lines if ln.get_color() == WALL_COLOUR]
    assert len(walls) == 2  # the edge at 1e-9 lies outside the drawn range
    np.testing.assert_allclose(walls[1].get_ydata(), edges[2])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["excluded: NA64", "exact wall edges ε(m) (step terms)"]  # PADME excludes no cell
    assert ax.get_ylim() == pytest.approx(eps_extent(scan)) and ax.get_xscale() == "linear"


def test_save_writes_each_target_in_its_extension_format(tmp_path):
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(1.5, 1.0))
    fig.add_subplot().plot([1, 2], [3, 4])
    targets = [tmp_path / "f.png", tmp_path / "f.svg", tmp_path / "f.pdf"]
    save(fig, targets)
    save(fig, tmp_path / "plain")  # no extension: PNG
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.pdf", "f.png", "f.svg", "plain"]  # no temporaries
    assert targets[2].read_bytes().startswith(b"%PDF") and b"<svg" in targets[1].read_bytes()[:500]
    for png in (targets[0], tmp_path / "plain"):
        with Image.open(png) as image:
            assert image.format == "PNG" and image.info["dpi"] == pytest.approx((150, 150), abs=0.1)
