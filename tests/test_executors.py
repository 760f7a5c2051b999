"""Executors (serial, local processes, dask) give bit-identical results; stored chunks resume a job."""

import numpy as np
import pytest

from dpfit.errors import InputError
from dpfit.inference.coverage import coverage
from dpfit.inference.executors import Executor, TaskStore
from dpfit.inference.frequentist import BLOCK, TOY_BLOCK, IntervalJob, count_chunk, frequentist_interval, grid_points, \
    observed_statistic
from dpfit.inference.levels import parse_level
from dpfit.inference.scan import log_grid, scan_2d
from dpfit.inference.toys import CHUNK, ToyModel, chunk_rng, chunk_sizes, toy_offsets
from dpfit.model.analysis import Analysis


@pytest.fixture(scope="module")
def wp25():
    return ToyModel.from_joint(Analysis(electron=None, limits=(), atomki=None).likelihood(), 16.7)


def test_executors_identical_and_split_independent(wp25, tmp_path):
    level = parse_level("0.9")
    ntoys = 2 * CHUNK + 500
    assert chunk_sizes(ntoys) == [CHUNK, CHUNK, 500]
    serial = frequentist_interval(wp25, "cls", level, ntoys, seed=11, points=60).to_dict()
    procs = frequentist_interval(wp25, "cls", level, ntoys, seed=11, points=60,
                                 executor=Executor("processes", 2)).to_dict()
    dask = frequentist_interval(wp25, "cls", level, ntoys, seed=11, points=60,
                                executor=Executor("dask", 2, local_processes=False)).to_dict()
    assert serial == procs == dask
    cov = [coverage(wp25, "fc", level, [0.0, 5e-4], ntoys, seed=2, executor=ex).coverage.tolist()
           for ex in (Executor(), Executor("dask", 2, local_processes=False))]
    assert cov[0] == cov[1]


def test_fewer_tasks_than_workers(wp25):
    """One chunk of toys on three processes or two dask workers: the same result as serial."""
    level = parse_level("0.9")
    assert chunk_sizes(700) == [700]
    serial = frequentist_interval(wp25, "fc", level, 700, seed=5, points=40).to_dict()
    for executor in (Executor("processes", 3), Executor("dask", 2, local_processes=False)):
        assert frequentist_interval(wp25, "fc", level, 700, seed=5, points=40, executor=executor).to_dict() == serial


@pytest.mark.parametrize("method", ["fc", "cls"])
def test_tiled_counts_equal_whole_chunk_counts(wp25, method):
    """count_chunk's tiles (BLOCK points x TOY_BLOCK toys) give the counts of one pass over the whole chunk."""
    xs = grid_points(wp25, 61)
    job = IntervalJob(wp25, method, xs, observed_statistic(wp25, method, xs), 7)
    size = 2 * TOY_BLOCK + 333  # neither the toys nor the points fill the last tile
    assert size % TOY_BLOCK and xs.size % BLOCK
    u = toy_offsets(wp25, chunk_rng(7, 3), size)
    x, obs = xs[:, None], job.observed[:, None]
    if method == "fc":
        whole = [(wp25.delta_chi2(x, x + u) >= obs).sum(axis=1)]
    else:
        whole = [(wp25.q_tilde(x, x + u) >= obs).sum(axis=1), (wp25.q_tilde(x, u[None, :]) >= obs).sum(axis=1)]
    assert np.array_equal(count_chunk(job, 3, size), np.array(whole))


def test_resume_from_stored_chunks(wp25, tmp_path):
    level = parse_level("0.9")
    store = tmp_path / "cov.chunks"
    first = coverage(wp25, "chi2", level, [0.0, 5e-4], 2 * CHUNK, seed=2, store_dir=store)
    (store / "task-000001.npy").unlink()  # as if interrupted before the last chunk
    again = coverage(wp25, "chi2", level, [0.0, 5e-4], 2 * CHUNK, seed=2, store_dir=store)
    assert again.coverage.tolist() == first.coverage.tolist()
    with pytest.raises(InputError, match="different job"):
        TaskStore(store, {"kind": "other"})


def test_scan_split_by_mass_rows_is_identical(monkeypatch):
    import dpfit.inference.scan_rows as rows

    monkeypatch.setattr(rows, "POINTS_PER_TASK", 500)  # several tasks even on a small grid
    analysis = Analysis()
    joint = analysis.likelihood()
    masses, eps = log_grid(*analysis.resolved_mass_range(), 30), log_grid(1e-5, 1e-2, 100)
    whole = scan_2d(joint, masses, eps)
    for executor in (Executor(), Executor("dask", 2, local_processes=False)):
        split = scan_2d(joint, masses, eps, executor=executor)
        assert np.array_equal(split.delta_chi2, whole.delta_chi2) and split.chi2_min == whole.chi2_min


def test_executor_spec_errors():
    assert Executor.parse("dask=tcp://127.0.0.1:8786", 2) == Executor("dask", 2, "tcp://127.0.0.1:8786")
    for text in ("threads", "processes=tcp://x:1"):
        with pytest.raises(InputError):
            Executor.parse(text)
    with pytest.raises(InputError):
        Executor.parse("serial", 0)


@pytest.mark.parametrize("sig, target", [("SIGINT", "group"), ("SIGINT", "process"), ("SIGTERM", "process")])
def test_interrupted_dask_coverage_prints_one_line(tmp_path, sig, target):
    """A signal to dpfit while its local dask cluster has tasks in flight: one line and status 130, not the
    scheduler's log of the comms it closed ("Closed comm ... while trying to write", CRITICAL), nor a worker's
    "Failed to communicate with scheduler during heartbeat" (ERROR). "group" is a Ctrl-C in a terminal: the
    signal reaches every process of the group, the workers too, which printed a KeyboardInterrupt traceback each."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "cov"
    proc = subprocess.Popen([sys.executable, "-m", "dpfit", "coverage", "--mass", "16.7", "--toys", "100000000",
                             "--eps-grid", "7e-4", "9e-4", "5", "--executor", "dask", "--jobs", "2", "--out", str(out),
                             "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    first = tmp_path / "cov.chunks" / "task-000000.npy"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not first.exists():
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(proc.communicate()[1].decode())
    if target == "group":
        os.killpg(proc.pid, getattr(signal, sig))
    else:
        proc.send_signal(getattr(signal, sig))
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of the run outlives the test
        except ProcessLookupError:
            pass
    assert (proc.returncode, err.decode()) == (130, "dpfit: interrupted\n")
