"""`dpfit scan --grid --points 1000 1000 --out P` end to end, before and after, and beyond process start-up.

In process (imports warmed): before, the CSV path (--format csv, 1e6 rows) with the figure at full
resolution (a 1e6-cell mesh and contours over all 1e6 points), as the command wrote it before; after,
the default NetCDF file and the figure drawn from a mesh of at most 300 cells per axis and
contours/hatching on at most 300 lines per axis.

Whole process: the command as a user runs it, against the start-up every dpfit command pays (Python,
numpy, matplotlib.pyplot and the CLI imported), medians of runs taken in turn; the difference is the
time the scan itself costs the user. Run with `pytest tests/benchmarks --benchmark-only -s`.
"""

import os
import statistics
import subprocess
import sys
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


STARTUP = "import matplotlib; matplotlib.use('Agg'); import dpfit.cli, numpy, matplotlib.pyplot"


def _wall(cmd) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def test_grid_scan_beyond_start_up(benchmark, tmp_path, capsys):
    scan_cmd = [sys.executable, "-m", "dpfit", "scan", *ARGS[1:], "--out", str(tmp_path / "p"), "--no-progress"]
    start_cmd = [sys.executable, "-c", STARTUP]
    _wall(scan_cmd), _wall(start_cmd)  # warm the file cache and numba's cache

    def pairs():
        return [(_wall(scan_cmd), _wall(start_cmd)) for _ in range(5)]

    runs = benchmark.pedantic(pairs, rounds=1, iterations=1)
    scan_s, start_s = (statistics.median(r) for r in zip(*runs))
    benchmark.extra_info.update(scan_s=scan_s, start_up_s=start_s, beyond_start_up_s=scan_s - start_s)
    with capsys.disabled():
        print(f"\nscan --grid 1000x1000 whole process: median {scan_s:.2f} s; start-up alone {start_s:.2f} s; "
              f"beyond start-up {scan_s - start_s:.2f} s (5 runs each, in turn; load average "
              f"{os.getloadavg()[0]:.1f})")
