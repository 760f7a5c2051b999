"""pytest-benchmark runs (skipped by default; run with `make bench-pytest` or
`pytest tests/benchmarks --benchmark-only`). The ratio against the naive
baseline is recorded in each benchmark's extra_info and printed.

For the one-line figures of the README, run `python -m dpfit.bench`.
"""

import numpy as np
import pytest

from dpfit.model.analysis import Analysis
from dpfit.bench import naive_logl
from dpfit.likelihood.fused import FusedLikelihood
from dpfit.inference.profile.scan import log_grid, scan_2d

N = 1_000_000


@pytest.fixture(scope="module")
def setup():
    analysis = Analysis()
    lo, hi = analysis.resolved_mass_range()
    rng = np.random.default_rng(1)
    m, eps = rng.uniform(lo, hi, N), 10.0 ** rng.uniform(-5, -2, N)
    joint = analysis.likelihood()
    fused = FusedLikelihood(joint, (lo, hi))
    fused.logl(m[:10], eps[:10])
    return analysis, joint, fused, m, eps


@pytest.fixture(scope="module")
def naive_rate(setup):
    import time

    _, joint, _, m, eps = setup
    start = time.perf_counter()
    for a, b in zip(m[:200], eps[:200]):
        naive_logl(joint, a, b)
    return 200 / (time.perf_counter() - start)


def test_fused_throughput(benchmark, setup, naive_rate):
    _, _, fused, m, eps = setup
    benchmark(fused.logl, m, eps)
    rate = N / benchmark.stats.stats.min
    benchmark.extra_info.update(points_per_s=rate, naive_points_per_s=naive_rate, speedup=rate / naive_rate)
    print(f"\nfused: {rate:.2e} points/s, naive {naive_rate:.2e} points/s, ratio {rate / naive_rate:.0f}x")


def test_numpy_throughput(benchmark, setup, naive_rate):
    _, joint, _, m, eps = setup
    benchmark(joint.logl, m, eps)
    rate = N / benchmark.stats.stats.min
    benchmark.extra_info.update(points_per_s=rate, speedup=rate / naive_rate)
    print(f"\nnumpy: {rate:.2e} points/s, ratio {rate / naive_rate:.0f}x")


def test_profile_grid_1000x1000(benchmark, setup):
    analysis, joint, *_ = setup
    masses = log_grid(*analysis.resolved_mass_range(), 1000)
    eps = log_grid(*analysis.eps_range, 1000)
    benchmark(scan_2d, joint, masses, eps)
