"""``python -m dpfit.bench``: speed and memory figures of the reference analysis, one per line.

Each measurement runs in its own single-threaded child process, so its peak
memory (max RSS) is its own and nothing is shared between them. Throughputs
are compared with a naive baseline measured in the same run: the joint
log-likelihood with F_V from ``scipy.integrate.quad``, point by point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                 "NUMBA_NUM_THREADS": "1"}


def _points(n: int, seed: int = 1):
    from dpfit.model.analysis import Analysis

    analysis = Analysis()
    lo, hi = analysis.resolved_mass_range()
    rng = np.random.default_rng(seed)
    return analysis, rng.uniform(lo, hi, n), 10.0 ** rng.uniform(-5, -2, n)


def naive_logl(joint, m: float, eps: float) -> float:
    """The reference joint ln L at one point with F_V by adaptive quadrature (the baseline)."""
    from scipy import integrate

    from dpfit.likelihood.terms import Gm2Gaussian

    total = 0.0
    for term in joint.terms:
        if isinstance(term, Gm2Gaussian):
            r = m / term.lepton_mass
            fv = integrate.quad(lambda x: 2 * x * (1 - x) ** 2 / ((1 - x) ** 2 + r * r * x), 0.0, 1.0)[0]
            pull = (term.alpha / (2 * np.pi) * fv * eps * eps - term.delta) / term.sigma
            total -= 0.5 * pull * pull
        else:
            total += float(term.logl(m, eps))
    return total


def measure_throughput() -> dict:
    from dpfit.likelihood.fused import FusedLikelihood

    analysis, m, eps = _points(4_000_000)
    joint = analysis.likelihood()
    fused = FusedLikelihood(joint, analysis.resolved_mass_range())
    fused.logl(m[:10], eps[:10])  # compile (or load the cache) outside the timing
    best = min(_timed(lambda: fused.logl(m, eps)) for _ in range(5))
    numpy_time = min(_timed(lambda: joint.logl(m, eps)) for _ in range(3))
    n_naive = 400
    naive = _timed(lambda: [naive_logl(joint, a, b) for a, b in zip(m[:n_naive], eps[:n_naive])])
    return {"fused_points_per_s": m.size / best, "numpy_points_per_s": m.size / numpy_time,
            "naive_points_per_s": n_naive / naive}


def measure_grid() -> dict:
    from dpfit.model.analysis import Analysis
    from dpfit.inference.profile.scan import log_grid, scan_2d

    analysis = Analysis()
    joint = analysis.likelihood()
    masses, eps = log_grid(*analysis.resolved_mass_range(), 1000), log_grid(*analysis.eps_range, 1000)
    scan_2d(joint, masses[:4], eps[:4])
    return {"grid_1000x1000_s": min(_timed(lambda: scan_2d(joint, masses, eps)) for _ in range(3))}


def measure_emcee() -> dict:
    from dpfit.model.analysis import Analysis
    from dpfit.inference.bayes.posterior import posterior
    from dpfit.inference.bayes.sampling import sample

    analysis = Analysis()
    post = posterior(analysis.model())
    theta = post.draw_prior(np.random.default_rng(0), 64)
    calls = 10_000
    post(theta)
    logprob = _timed(lambda: [post(theta) for _ in range(calls)])
    with tempfile.TemporaryDirectory() as tmp:
        total = _timed(lambda: sample(analysis, os.path.join(tmp, "c.h5"), nwalkers=64, nsteps=10_000, seed=1,
                                      progress=False))
    return {"emcee_64x10000_s": total, "logprob_share": logprob / total}


def measure_reproduce(quick: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "dpfit", "reproduce", "--out", os.path.join(tmp, "r"), "--no-progress"]
        seconds = _timed(lambda: subprocess.run(cmd + (["--quick"] if quick else []), check=True,
                                                capture_output=True))
    return {"reproduce_quick_s" if quick else "reproduce_s": seconds}


MEASUREMENTS = {"throughput": measure_throughput, "grid": measure_grid, "emcee": measure_emcee,
                "reproduce": lambda: measure_reproduce(False), "reproduce_quick": lambda: measure_reproduce(True)}


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _child(name: str) -> tuple[dict, float]:
    """Run one measurement in a child process; return its figures and its peak RSS in MiB."""
    env = {**os.environ, **SINGLE_THREAD}
    proc = subprocess.Popen([sys.executable, "-m", "dpfit.bench", "--one", name], stdout=subprocess.PIPE, env=env)
    with proc.stdout:
        out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark {name} failed with status {proc.returncode}")
    return json.loads(out), usage.ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--one"]:
        print(json.dumps(MEASUREMENTS[argv[1]]()))
        return 0
    names = argv or list(MEASUREMENTS)
    print(f"dpfit benchmarks, {os.cpu_count()} cores, single-threaded children")
    for name in names:
        figures, rss = _child(name)
        if name == "throughput":
            print(f"joint log-likelihood (fused, 1 core): {figures['fused_points_per_s']:.2e} points/s")
            print(f"joint log-likelihood (numpy reference path): {figures['numpy_points_per_s']:.2e} points/s")
            print(f"naive baseline (F_V by scipy quad per point): {figures['naive_points_per_s']:.2e} points/s")
            print(f"speed-up fused / naive: {figures['fused_points_per_s'] / figures['naive_points_per_s']:.0f}x")
        elif name == "grid":
            print(f"1000 x 1000 profile grid (scan_2d, in process): {figures['grid_1000x1000_s']:.3f} s")
        elif name == "emcee":
            print(f"emcee 64 walkers x 10000 steps: {figures['emcee_64x10000_s']:.2f} s "
                  f"({100 * figures['logprob_share']:.0f}% in the log-probability)")
        else:
            key = next(iter(figures))
            label = "dpfit reproduce --quick" if name == "reproduce_quick" else "dpfit reproduce"
            print(f"{label} (cold process, end to end): {figures[key]:.2f} s")
        print(f"  peak memory ({name}): {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
