"""Executors (serial, local processes, dask) give bit-identical results; stored chunks resume a job."""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from dpfit.errors import InputError
from dpfit.inference.frequentist.coverage import coverage
from dpfit.runtime.executors import Executor, TaskStore
from dpfit.inference.frequentist.constructions import BLOCK, TOY_BLOCK, IntervalJob, count_chunk, frequentist_interval, grid_points, \
    observed_statistic
from dpfit.inference.levels import parse_level
from dpfit.inference.profile.scan import log_grid, scan_2d
from dpfit.inference.frequentist.toys import CHUNK, ToyModel, chunk_rng, chunk_sizes, toy_offsets
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
    (store / "task-000001.chunk").unlink()  # as if interrupted before the last chunk
    again = coverage(wp25, "chi2", level, [0.0, 5e-4], 2 * CHUNK, seed=2, store_dir=store)
    assert again.coverage.tolist() == first.coverage.tolist()
    with pytest.raises(InputError, match="different job"), TaskStore(store, {"kind": "other"}).opened():
        pass


def test_scan_split_by_mass_rows_is_identical(monkeypatch):
    import dpfit.inference.profile.scan as rows

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
    assert Executor.parse("dask=tcp://[::1]:8786").address == "tcp://[::1]:8786"
    for text in ("threads", "processes=tcp://x:1"):
        with pytest.raises(InputError):
            Executor.parse(text)
    with pytest.raises(InputError):
        Executor.parse("serial", 0)


@pytest.mark.parametrize("address", ["garbage", "inproc://x", "tls://127.0.0.1:8786", "tcp://127.0.0.1",
                                     "tcp://127.0.0.1:99999", "tcp://:8786", "tcp://127.0.0.1:8786/path", ""])
def test_bad_scheduler_address_is_one_line_exit_2(cli, address):
    code, _, err = cli("coverage", "--mass", "16.7", "--toys", "2000", "--eps-grid", "7e-4", "9e-4", "2",
                       "--executor", f"dask={address}", "--out", "never-written")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("dpfit: error: option --executor: expected dask=tcp://HOST:PORT"), err


def test_jobs_bounded_by_the_machine_before_any_work(cli, tmp_path):
    from dpfit.runtime.executors import JOBS_PER_CPU, max_jobs

    assert max_jobs() == JOBS_PER_CPU * len(os.sched_getaffinity(0))
    assert Executor.parse("processes", max_jobs()).jobs == max_jobs()
    code, _, err = cli("coverage", "--mass", "16.7", "--toys", "2000", "--eps-grid", "7e-4", "9e-4", "2",
                       "--executor", "processes", "--jobs", max_jobs() + 1, "--out", tmp_path / "cov")
    assert (code, err) == (2, f"dpfit: error: option --jobs: expected at most {max_jobs()} workers "
                              f"({JOBS_PER_CPU} per CPU of this machine), got {max_jobs() + 1}\n")
    assert list(tmp_path.iterdir()) == []  # refused before any work: no chunks, no output
    code, out, _ = cli("coverage", "--help")
    assert code == 0 and f"at most {JOBS_PER_CPU} per CPU" in " ".join(out.split())


def test_a_scheduler_without_workers_is_exit_3_not_a_hang(cli, tmp_path, monkeypatch):
    """A running scheduler that no worker has joined used to hold dpfit for ever (the job's scatter waited)."""
    import dask
    from distributed import LocalCluster

    import dpfit.runtime.executors as executors

    monkeypatch.setattr(executors, "WORKER_WAIT_S", 1.0)
    with dask.config.set({"distributed.logging.distributed": "error"}), \
            LocalCluster(n_workers=0, processes=False, protocol="tcp", dashboard_address=None, silence_logs=50) as cluster:
        address = cluster.scheduler_address
        code, out, err = cli("coverage", "--mass", "16.7", "--toys", "2000", "--eps-grid", "7e-4", "9e-4", "2",
                             "--executor", f"dask={address}", "--out", tmp_path / "cov", "--no-progress")
    assert (code, out) == (3, "")
    assert err == (f"dpfit: error: dask scheduler {address}: no worker joined within 1 s (start one with: dask worker "
                   f"{address})\n")


def test_port_that_is_not_a_dask_scheduler_is_exit_3_not_a_hang(tmp_path):
    """A port that accepts the connection and never answers (as ``python3 -m http.server`` does to dask's
    handshake) held dpfit forever; nothing listening took distributed's 10 s and was reported as a bad input."""
    import socket
    import subprocess
    import sys
    import threading

    held = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
        run = subprocess.run([sys.executable, "-m", "dpfit", "coverage", "--mass", "16.7", "--toys", "2000", "--eps-grid",
                              "7e-4", "9e-4", "2", "--executor", f"dask=tcp://127.0.0.1:{port}", "--out",
                              str(tmp_path / "cov"), "--no-progress"], capture_output=True, timeout=60)  # not a hang
    for conn, _ in held:
        conn.close()
    assert held, "dpfit never connected"
    assert (run.returncode, run.stderr.decode()) == (
        3, f"dpfit: error: dask scheduler tcp://127.0.0.1:{port}: no dask handshake within 8 s (is it a dask scheduler?)\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_process_pool_workers_end_with_a_killed_parent(tmp_path):
    """SIGKILL of ``--executor processes``: its workers (and multiprocessing's resource tracker) lived on
    under PID 1; they now end with it."""
    import signal
    import subprocess
    import time

    def children(pid):
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):  # a process that ended while it was read
                pass
        return found

    with (tmp_path / "stderr").open("wb") as stderr:  # a file: no pipe for the surviving workers to hold open
        proc = subprocess.Popen([sys.executable, "-m", "dpfit", "coverage", "--mass", "16.7", "--toys", "100000000",
                                 "--eps-grid", "7e-4", "9e-4", "5", "--executor", "processes", "--jobs", "2", "--out",
                                 str(tmp_path / "cov"), "--no-progress"], stdout=subprocess.DEVNULL, stderr=stderr)
    first = tmp_path / "cov.chunks" / "task-000000.chunk"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    spawned = children(proc.pid)
    proc.kill()
    proc.wait(timeout=30)
    if not first.exists() or len(spawned) < 3:  # 2 workers and the resource tracker
        pytest.fail(f"{spawned} {(tmp_path / 'stderr').read_text()}")
    def running(pid):
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"  # not a zombie
        except OSError:
            return False

    deadline = time.monotonic() + 10
    while (alive := [pid for pid in spawned if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in alive:  # nothing of the run outlives the test
        os.kill(pid, signal.SIGKILL)
    assert alive == [], alive


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
    first = tmp_path / "cov.chunks" / "task-000000.chunk"
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
