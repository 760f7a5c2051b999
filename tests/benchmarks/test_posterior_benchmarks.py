"""Benchmarks of the grid posterior and of dynesty on the reference analysis (skipped by default; run with
`pytest tests/benchmarks --benchmark-only`). Targets: grid posterior under 1 s, dynesty under 60 s (2 cores).
Each prints its time and the ratio against a baseline measured in the same run: nested scipy quadrature
of the evidence (numpy likelihood) for the grid, the grid for dynesty.
"""

import time

import numpy as np
import pytest
from scipy import integrate

from dpfit.inference.bayes.grid_posterior import grid_posterior
from dpfit.inference.bayes.nested import run_nested
from dpfit.model.analysis import Analysis


@pytest.fixture(scope="module")
def model():
    m = Analysis(limits=("na64", "padme")).model()
    grid_posterior(m)  # load the compiled kernel once
    return m


def quadrature_seconds(model) -> float:
    joint, (lo, hi), (mlo, mhi) = model.joint, model.eps_range, model.mass_range

    def inner(m):
        return sum(integrate.quad(lambda u: np.exp(joint.logl(m, 10.0**u)), np.log10(max(a, lo)),
                                  np.log10(min(b, hi)), epsrel=1e-8)[0]
                   for a, b in joint.allowed(m) if max(a, lo) < min(b, hi))

    start = time.perf_counter()
    integrate.quad(inner, mlo, mhi, epsrel=1e-6)
    return time.perf_counter() - start


def test_grid_posterior_reference(benchmark, model):
    grid = benchmark(grid_posterior, model)
    t = benchmark.stats.stats.min
    baseline = quadrature_seconds(model)
    benchmark.extra_info.update(seconds=t, quadrature_seconds=baseline, ratio=baseline / t)
    print(f"\ngrid posterior: {t:.3f} s (target < 1 s); scipy nested quadrature of ln Z alone {baseline:.2f} s; "
          f"ratio {baseline / t:.1f}x; ln Z = {grid.log_evidence:.5f}")


def test_dynesty_reference(benchmark, model):
    run = benchmark.pedantic(run_nested, args=(model,), kwargs={"nlive": 400, "seed": 1}, rounds=1, iterations=1)
    t = benchmark.stats.stats.min
    start = time.perf_counter()
    grid = grid_posterior(model)
    t_grid = time.perf_counter() - start
    benchmark.extra_info.update(seconds=t, grid_seconds=t_grid, ratio=t / t_grid)
    print(f"\ndynesty (nlive 400): {t:.1f} s (target < 60 s), ln Z = {run.logz:.3f} +- {run.logz_error:.3f}; "
          f"grid {t_grid:.3f} s, ln Z = {grid.log_evidence:.4f}; dynesty / grid time {t / t_grid:.0f}x")
