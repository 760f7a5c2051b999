"""`dpfit scan --grid --points 1000 1000 --out P` end to end in-process (imports warmed), before and after.

before: the CSV path (--format csv, 1e6 rows) with the figure at full resolution (a 1e6-cell mesh and
contours over all 1e6 points), as the command wrote it before; after: the default NetCDF file and the
figure drawn from a mesh of at most 500 cells per axis and contours/hatching on at most 300 lines per axis.
Run with `pytest tests/benchmarks --benchmark-only -s`.
"""

import time

import pytest

from dpfit.cli import main
from dpfit.output import plots

ARGS = ["scan", "--grid", "--points", "1000", "1000"]


def _run(tmp_path, *extra):
    start = time.perf_counter()
    assert main(ARGS + list(extra) + ["--out", str(tmp_path / "g")]) == 0
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("before")
    _run(tmp, "--format", "csv")  # warm the imports and the compiled paths
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plots, "MESH_POINTS", 10**9)
        mp.setattr(plots, "CONTOUR_POINTS", 10**9)
        return min(_run(tmp, "--format", "csv") for _ in range(2))


def test_grid_scan_end_to_end(benchmark, before, tmp_path, capsys):
    _run(tmp_path)  # warm
    benchmark.pedantic(_run, args=(tmp_path,), rounds=3, iterations=1)
    after = benchmark.stats.stats.min
    benchmark.extra_info.update(before_s=before, after_s=after, speedup=before / after)
    with capsys.disabled():
        print(f"\nscan --grid 1000x1000 end to end: before (CSV, full-resolution figure) {before:.2f} s, "
              f"after (NetCDF, decimated figure) {after:.2f} s, ratio {before / after:.1f}x")
