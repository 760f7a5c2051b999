"""The coverage figure (dpfit.output.coverage_plot): coverage ± its error against ε_true, ε = 0 placed half a
decade left of the smallest positive ε on a log axis, the nominal level dashed."""

from __future__ import annotations

import numpy as np
import pytest

from dpfit.inference.frequentist.coverage import CoverageResult
from dpfit.inference.levels import parse_level
from dpfit.output import coverage_plot
from dpfit.output.coverage_plot import plot_coverage


@pytest.fixture
def drawn(monkeypatch):
    """The figures plot_coverage hands to its save step (saved, and closed, as usual)."""
    figures, real = [], coverage_plot.finish
    monkeypatch.setattr(coverage_plot, "finish", lambda fig, target, made: (figures.append(fig), real(fig, target, made)))
    yield figures
    import matplotlib.pyplot as plt

    for fig in figures:
        plt.close(fig)


def test_coverage_points_errors_and_nominal_level(tmp_path, drawn):
    level = parse_level("2sigma")
    result = CoverageResult("fc", level, 16.7, np.array([0.0, 1e-4, 1e-3]), np.array([0.97, 0.95, 0.94]),
                            np.array([0.01, 0.02, 0.005]), 100, 1)
    plot_coverage(result, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [fig] = drawn
    ax = fig.axes[0]
    points = ax.containers[0]
    x, y = points.lines[0].get_data()
    np.testing.assert_allclose(x, [1e-4 / 10**0.5, 1e-4, 1e-3], rtol=1e-12)  # ε = 0 half a decade left
    np.testing.assert_array_equal(y, result.coverage)
    bars = points.lines[2][0].get_segments()
    np.testing.assert_allclose([s[1][1] - s[0][1] for s in bars], 2 * result.error, rtol=1e-12)
    nominal = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(nominal) == 1 and nominal[0].get_ydata()[0] == pytest.approx(level.probability)
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.texts] == ["ε = 0"]
    assert ax.get_title() == "m = 16.7 MeV, 2sigma"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["nominal 0.9545", "fc, 100 toys"]


def test_a_single_positive_point_stays_on_a_linear_axis(tmp_path, drawn):
    result = CoverageResult("cls", parse_level("0.9"), 17.0, np.array([5e-4]), np.array([0.91]),
                            np.array([0.01]), 50, 2)
    plot_coverage(result, tmp_path / "c.svg")
    [fig] = drawn
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear" and not ax.texts
    np.testing.assert_array_equal(ax.containers[0].lines[0].get_xdata(), [5e-4])
    assert b"<svg" in (tmp_path / "c.svg").read_bytes()[:500]


def test_the_figure_is_closed_after_saving(tmp_path):
    import matplotlib.pyplot as plt

    result = CoverageResult("cls", parse_level("0.9"), 17.0, np.array([5e-4]), np.array([0.91]),
                            np.array([0.01]), 50, 2)
    before = set(plt.get_fignums())
    for i in range(3):
        plot_coverage(result, tmp_path / f"c{i}.png")
    assert set(plt.get_fignums()) == before
