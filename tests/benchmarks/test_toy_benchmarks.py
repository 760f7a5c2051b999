"""Toy benchmarks (skipped by default; run with `pytest tests/benchmarks/test_toy_benchmarks.py --benchmark-only -s`).

- toy fits per second on one core for the reference analysis at 16.7 MeV
  (fluctuated Δa, closed-form refit per allowed piece, Δχ² at the true point),
  against MIGRAD refits of the same pseudo-data (the fit module's path) measured
  in the same run;
- wall-time scaling of one Feldman–Cousins job from 1 to 2 workers, for the
  process pool and for a dask LocalCluster, against the serial run of the same
  job in the same session (results checked identical). The job is a realistic
  one, 2e6 toys × 400 test points (p-values to ~2e-4 at 90 % CL; ~6 s per worker
  with two workers on a free core): the workers' start-up (spawn, imports, dask's
  scheduler and nannies) is a fixed cost of about 0.5 s (processes) to 1–2 s
  (dask) that a job of a second or two cannot amortise. That fixed cost is part
  of every measured time and is also printed on its own (a pool of J workers
  running J tiny tasks of the same job), with the scaling of the work without it.
  The parent's one-time import of dask (paid once per session) is not timed.
  Worker CPU time (os.times of the reaped children) is printed beside wall time:
  on a shared machine other users take cores from the workers and the wall-time
  ratio drops, while an unchanged CPU total shows that the parallel work itself
  scales. The figures mean something only on a free machine: the 1-min load
  average (which counts this benchmark's own serial run, about 1) is printed
  before and after.
"""

import os
import time

import numpy as np
import pytest

from dpfit.runtime.executors import Executor, run_tasks
from dpfit.inference.profile.fit import fit_coupling
from dpfit.inference.frequentist.constructions import IntervalJob, count_chunk, frequentist_interval, grid_points, observed_statistic
from dpfit.inference.levels import parse_level
from dpfit.inference.frequentist.toys import ToyModel, chunk_rng, toy_fits
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Gm2Gaussian, gm2_terms
from dpfit.model.analysis import Analysis

MASS = 16.7
N = 1_000_000
#: The scaling job: FC at 90 % CL, SCALING_TOYS toys on SCALING_POINTS test points.
SCALING_TOYS, SCALING_POINTS = 2_000_000, 400


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
                 for t, z in zip(gm2_terms(joint), rng.standard_normal(len(model.k)))]
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


def _timed(call):
    """(value, wall s, CPU s of this process, CPU s of the child processes reaped meanwhile)."""
    before, start = os.times(), time.perf_counter()
    value = call()
    wall, after = time.perf_counter() - start, os.times()
    own = (after.user + after.system) - (before.user + before.system)
    children = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    return value, wall, own, children


@pytest.fixture(scope="module")
def serial_run(reference):
    """The scaling job run serially in this process: (result dict, wall s)."""
    _, model = reference
    result, wall, _, _ = _timed(lambda: frequentist_interval(model, "fc", parse_level("0.9"), SCALING_TOYS, seed=1,
                                                             points=SCALING_POINTS))
    return result.to_dict(), wall


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_scaling_one_to_two_workers(benchmark, reference, serial_run, kind):
    _, model = reference
    level = parse_level("0.9")
    if kind == "dask":
        import distributed  # noqa: F401  (the parent's one-time import is not part of either run)
    xs = grid_points(model, SCALING_POINTS)
    job = IntervalJob(model, "fc", xs, observed_statistic(model, "fc", xs), 1)
    load_before = os.getloadavg()[0]

    def fixed_cost(jobs):  # start J workers, send the job, run J tiny tasks, stop
        return _timed(lambda: run_tasks(count_chunk, job, [(c, 100) for c in range(jobs)], Executor(kind, jobs)))[1]

    def run(jobs):
        return _timed(lambda: frequentist_interval(model, "fc", level, SCALING_TOYS, seed=1,
                                                   executor=Executor(kind, jobs), points=SCALING_POINTS).to_dict())

    def measure():
        return {jobs: (fixed_cost(jobs), run(jobs)) for jobs in (1, 2)}

    runs = benchmark.pedantic(measure, rounds=1, iterations=1)
    (s1, (r1, t1, p1, c1)), (s2, (r2, t2, p2, c2)) = runs[1], runs[2]
    serial, ts = serial_run
    assert r1 == r2 == serial
    load_after = os.getloadavg()[0]
    scaling, work_scaling = t1 / t2, (t1 - s1) / (t2 - s2)
    benchmark.extra_info.update(serial_s=ts, one_worker_s=t1, two_workers_s=t2, speedup=scaling,
                                fixed_one_s=s1, fixed_two_s=s2, work_speedup=work_scaling,
                                worker_cpu_one_s=c1, worker_cpu_two_s=c2, load_before=load_before,
                                load_after=load_after)
    print(f"\n{kind}: FC 90 %, {SCALING_TOYS:.0e} toys x {SCALING_POINTS} test points "
          f"(1-min load average, this benchmark's own runs included: {load_before:.2f} before, {load_after:.2f} after; "
          f"meaningful on a free machine only)\n"
          f"  wall: serial {ts:.2f} s; 1 worker {t1:.2f} s, 2 workers {t2:.2f} s: scaling 1 -> 2 = {scaling:.2f}x "
          f"(2 workers vs serial {ts / t2:.2f}x)\n"
          f"  fixed cost (start J workers, send the job, J tiny tasks, stop): {s1:.2f} s (1), {s2:.2f} s (2); "
          f"scaling of the rest {work_scaling:.2f}x\n"
          f"  CPU: workers {c1:.2f} s (1), {c2:.2f} s (2), ratio {c2 / c1:.2f} (1.00: the parallel work costs no more); "
          f"parent {p1:.2f} s (1), {p2:.2f} s (2); wall / (worker CPU / 2) with 2 workers "
          f"{t2 / (c2 / 2):.2f} (about 1 when two cores are free)")
