"""dpfit.bench: the naive baseline computes the same ln L as dpfit, and the report prints each child's figures."""

import gc
import json
import math
import time

import numpy as np
import pytest

from dpfit import bench
from dpfit.bench import SINGLE_THREAD, naive_logl
from dpfit.model.analysis import Analysis


@pytest.fixture(scope="module")
def points():
    return bench._points(40, seed=3)


def test_points_are_reproducible_and_inside_the_analysis_ranges(points):
    analysis, m, eps = points
    lo, hi = analysis.resolved_mass_range()
    assert m.shape == eps.shape == (40,) and np.all((lo <= m) & (m <= hi))
    assert np.all((1e-5 <= eps) & (eps <= 1e-2))
    _, m2, eps2 = bench._points(40, seed=3)
    assert np.array_equal(m, m2) and np.array_equal(eps, eps2)


def test_naive_baseline_is_the_same_likelihood(points):
    """F_V by scipy's quad (relative error ~1e-8) against dpfit's loop function: the same joint ln L, on the reference
    analysis (most random points excluded: -inf in both) and on its (g-2) terms alone (every point finite)."""
    analysis, m, eps = points
    for joint in (analysis.likelihood(), Analysis(limits=(), atomki=None).likelihood()):
        fast = joint.logl(m, eps)
        naive = np.array([naive_logl(joint, a, b) for a, b in zip(m, eps)])
        finite = np.isfinite(fast)
        assert np.array_equal(finite, np.isfinite(naive)) and finite.sum() >= 3
        assert naive[finite] == pytest.approx(fast[finite], rel=1e-7, abs=1e-9)
        assert np.array_equal(naive[~finite], fast[~finite])  # the same cells excluded (-inf)
    assert finite.all()


def test_one_measurement_prints_its_figures_as_json(capsys, monkeypatch):
    monkeypatch.setitem(bench.MEASUREMENTS, "tiny", lambda: {"tiny_s": 0.25})
    assert bench.main(["--one", "tiny"]) == 0
    assert json.loads(capsys.readouterr().out) == {"tiny_s": 0.25}


def test_report_lines_and_the_speed_up(capsys, monkeypatch):
    figures = {"throughput": {"fused_points_per_s": 1.2e7, "numpy_points_per_s": 3e6, "naive_points_per_s": 4e4},
               "grid": {"grid_1000x1000_s": 0.1234}, "reproduce_quick": {"reproduce_quick_s": 2.5}}
    monkeypatch.setattr(bench, "_child", lambda name: (figures[name], 123.4))
    assert bench.main(["throughput", "grid", "reproduce_quick"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("dpfit benchmarks, ") and lines[0].endswith("cores, single-threaded children")
    assert "joint log-likelihood (fused, 1 core): 1.20e+07 points/s" in lines
    assert "speed-up fused / naive: 300x" in lines  # 1.2e7 / 4e4
    assert "1000 x 1000 profile grid (scan_2d, in process): 0.123 s" in lines
    assert "dpfit reproduce --quick (cold process, end to end): 2.50 s" in lines
    assert lines.count("  peak memory (grid): 123 MiB") == 1 and len(lines) == 1 + 5 + 2 + 2


def test_a_failed_child_is_an_error_naming_it():
    with pytest.raises(RuntimeError, match="benchmark no_such_measurement failed with status 1"):
        bench._child("no_such_measurement")
    gc.collect()  # a pipe left open would be reported here (ResourceWarning, an error under the suite's filters)


def test_children_run_single_threaded_and_timing_measures_wall_time():
    assert SINGLE_THREAD == {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                              "NUMBA_NUM_THREADS")}
    elapsed = bench._timed(lambda: time.sleep(0.05))
    assert 0.05 <= elapsed and math.isfinite(elapsed)
