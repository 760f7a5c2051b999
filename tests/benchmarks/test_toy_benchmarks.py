"""Toy benchmarks (skipped by default; run with `pytest tests/benchmarks/test_toy_benchmarks.py --benchmark-only -s`).

- toy fits per second on one core for the reference analysis at 16.7 MeV
  (fluctuated Δa, closed-form refit per allowed piece, Δχ² at the true point),
  against MIGRAD refits of the same pseudo-data (the fit module's path) measured
  in the same run;
- wall-time scaling of a fixed Feldman–Cousins job from 1 to 2 workers, for the
  process pool and for a dask LocalCluster, against the serial run of the same
  job in the same session (results checked identical).
"""

import os
import time

import numpy as np
import pytest

from dpfit.inference.executors import Executor
from dpfit.inference.fit import fit_coupling
from dpfit.inference.frequentist import frequentist_interval
from dpfit.inference.levels import parse_level
from dpfit.inference.toys import ToyModel, chunk_rng, toy_fits
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian
from dpfit.model.analysis import Analysis

MASS = 16.7
N = 1_000_000


@pytest.fixture(scope="module")
def reference():
    joint = Analysis().likelihood()
    return joint, ToyModel.from_joint(joint, MASS)


def _migrad_rate(joint, model, x_true, ntoys=50) -> float:
    """Toy refits per second through fit_coupling (MIGRAD per allowed piece, plus its delta chi2 intervals), the baseline."""
    rng = chunk_rng(1, 0)
    steps = [t for t in joint.terms if not isinstance(t, Gm2Gaussian)]
    start = time.perf_counter()
    for _ in range(ntoys):
        fakes = [Gm2Gaussian(t.name, t.lepton, t.scenario, float(t.shift_per_eps2(MASS) * x_true + t.sigma * z),
                             t.sigma, t.lepton_mass, t.alpha)
                 for t, z in zip(joint.gaussian_terms(), rng.standard_normal(len(model.k)))]
        fit_coupling(JointLikelihood(fakes + steps), MASS)
    return ntoys / (time.perf_counter() - start)


def test_toy_fits_per_second(benchmark, reference):
    joint, model = reference
    x_true = 1e-3**2
    rng = chunk_rng(1, 0)
    benchmark(toy_fits, model, x_true, rng, N)
    rate = N / benchmark.stats.stats.min
    baseline = _migrad_rate(joint, model, x_true)
    benchmark.extra_info.update(toys_per_s=rate, migrad_toys_per_s=baseline, speedup=rate / baseline)
    print(f"\ntoy fits (reference analysis, m = {MASS} MeV, {len(model.k)} Gaussian terms, {len(model.pieces)} piece(s)): "
          f"{rate:.2e} /s on one core; MIGRAD refits {baseline:.3g} /s; ratio {rate / baseline:.0f}x")


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_scaling_one_to_two_workers(benchmark, reference, kind):
    _, model = reference
    level, ntoys = parse_level("0.9"), 400_000

    cpu = {}

    def run(jobs):
        before = os.times()
        start = time.perf_counter()
        result = frequentist_interval(model, "fc", level, ntoys, seed=1, executor=Executor(kind, jobs), points=400)
        after = os.times()  # worker processes are reaped by now: their CPU time is in children_*
        cpu[jobs] = (after.children_user + after.children_system) - (before.children_user + before.children_system)
        return time.perf_counter() - start, result.to_dict()

    def measure():
        return run(1), run(2)

    (t1, r1), (t2, r2) = benchmark.pedantic(measure, rounds=1, iterations=1)
    assert r1 == r2
    t0 = time.perf_counter()
    serial = frequentist_interval(model, "fc", level, ntoys, seed=1)
    ts = time.perf_counter() - t0
    assert serial.to_dict() == r1
    benchmark.extra_info.update(one_worker_s=t1, two_workers_s=t2, serial_s=ts, speedup=t1 / t2)
    load = os.getloadavg()[0]  # other users of the machine take cores from the workers
    print(f"\n{kind} (load average {load:.1f} at the end): FC, {ntoys} toys x 400 test points: serial {ts:.2f} s, 1 worker {t1:.2f} s, "
          f"2 workers {t2:.2f} s, scaling 1 -> 2: {t1 / t2:.2f}x; worker CPU {cpu[1]:.1f} s (1), {cpu[2]:.1f} s (2): "
          f"wall/CPU with 2 workers {t2 / (cpu[2] / 2):.2f} (1.0 on two free cores)")
