"""Chunk stores of resumable jobs: a store of another job is refused, a bad chunk is recomputed, links,
FIFOs and devices are refused and never followed, and a store in use is locked."""

import os
import subprocess
import sys

import numpy as np
import pytest
from tests.helpers import special_entry

from dpfit.errors import InputError, OutputInUse
from dpfit.inference.frequentist.coverage import coverage
from dpfit.runtime.executors import Executor, TaskStore, clear_store, run_tasks
from dpfit.inference.frequentist.constructions import frequentist_interval
from dpfit.inference.levels import parse_level
from dpfit.inference.profile.scan import chi2_rows
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.model.analysis import Analysis

CALLS = []


def square(job, i):
    """A task: job * [i, i², i³] (counted, so that a test sees which tasks ran)."""
    CALLS.append(i)
    return job * np.array([i, i * i, i**3], dtype=np.int64)


def run_stored(directory, identity=None, n=4):
    CALLS.clear()
    return run_tasks(square, 2, [(i,) for i in range(n)], store=TaskStore(directory, identity or {"job": "squares"}))


def test_resume_loads_only_sound_chunks_of_this_job(tmp_path):
    store = tmp_path / "s.chunks"
    first = run_stored(store)
    assert CALLS == [0, 1, 2, 3]
    assert [r.tolist() for r in run_stored(store)] == [r.tolist() for r in first] and CALLS == []
    # a valid .npy of zeros swapped in, a truncated chunk, an empty one, garbage, another job's chunk
    np.save(tmp_path / "zeros.npy", np.zeros(3, dtype=np.int64))
    os.replace(tmp_path / "zeros.npy", store / "task-000000.chunk")
    (store / "task-000001.chunk").write_bytes((store / "task-000001.chunk").read_bytes()[:-5])
    (store / "task-000002.chunk").write_bytes(b"")
    other = tmp_path / "other.chunks"
    run_stored(other, {"job": "other"})
    os.replace(other / "task-000003.chunk", store / "task-000003.chunk")
    again = run_stored(store)
    assert sorted(CALLS) == [0, 1, 2, 3]
    assert [r.tolist() for r in again] == [r.tolist() for r in first]
    (store / "task-000002.chunk").write_bytes(os.urandom(300))
    run_stored(store)
    assert CALLS == [2]


def test_store_of_another_job_is_refused_and_cleared_only_on_request(tmp_path):
    store = tmp_path / "s.chunks"
    run_stored(store)
    with pytest.raises(InputError, match="different job.*--force"):
        run_stored(store, {"job": "squares", "seed": 2})
    assert CALLS == []
    (store / "notes.txt").write_text("mine")
    clear_store(store)
    assert sorted(os.listdir(store)) == ["notes.txt"]  # only what dpfit wrote is removed
    with pytest.raises(InputError, match="not a dpfit chunk store"):
        run_stored(store)
    (store / "notes.txt").unlink()
    run_stored(store, {"job": "squares", "seed": 2})
    assert CALLS == [0, 1, 2, 3]


@pytest.fixture(scope="module")
def toy_model():
    return ToyModel.from_joint(Analysis(electron=None, limits=(), atomki=None).likelihood(), 16.7)


def test_stale_toy_stores_are_refused(tmp_path, toy_model):
    """Coverage and interval stores of the same method and toys but other inputs (another input digest)."""
    level = parse_level("0.9")
    cov, itv = tmp_path / "cov.chunks", tmp_path / "itv.chunks"
    coverage(toy_model, "chi2", level, [5e-4], 200, store_dir=cov, identity={"inputs_digest": "a"})
    frequentist_interval(toy_model, "fc", level, 200, points=20, store_dir=itv, identity={"inputs_digest": "a"})
    with pytest.raises(InputError, match="different job"):
        coverage(toy_model, "chi2", level, [5e-4], 200, store_dir=cov, identity={"inputs_digest": "b"})
    with pytest.raises(InputError, match="different job"):
        frequentist_interval(toy_model, "fc", level, 200, points=20, store_dir=itv, identity={"inputs_digest": "b"})


def test_toy_store_tells_models_apart(tmp_path):
    """Two models with the same measurements but another (g-2) shift per eps² (alpha changed) are two jobs."""
    level = parse_level("0.9")
    store = tmp_path / "cov.chunks"
    default = Analysis(electron=None, limits=(), atomki=None)
    changed = Analysis(electron=None, limits=(), atomki=None, overrides=("alpha.value=0.01",))
    coverage(ToyModel.from_joint(default.likelihood(), 16.7), "chi2", level, [5e-4], 200, store_dir=store)
    with pytest.raises(InputError, match="different job"):
        coverage(ToyModel.from_joint(changed.likelihood(), 16.7), "chi2", level, [5e-4], 200, store_dir=store)


def test_stale_scan_store_is_refused(tmp_path):
    analysis = Analysis(limits=(), atomki=None)
    joint, masses, eps = analysis.likelihood(), np.geomspace(10, 20, 4), np.geomspace(1e-4, 1e-2, 5)
    store = tmp_path / "scan.chunks"
    chi2_rows(joint, "eps", masses, eps, Executor(), store_dir=store, identity=analysis.job_identity())
    edited = Analysis(limits=(), atomki=None, overrides=("a_mu_exp_2025.value=0.0",))
    with pytest.raises(InputError, match="different job"):
        chi2_rows(edited.likelihood(), "eps", masses, eps, Executor(), store_dir=store, identity=edited.job_identity())




@pytest.mark.parametrize("kind", ["symlink", "fifo", "device", "directory"])
def test_special_chunk_is_refused_and_left_alone(tmp_path, kind):
    store = tmp_path / "s.chunks"
    run_stored(store)
    chunk = store / "task-000001.chunk"
    chunk.unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    if kind == "directory":
        chunk.mkdir()
    else:
        special_entry(chunk, kind, victim)
    named = {"symlink": "symbolic link", "fifo": "FIFO"}.get(kind, kind)
    with pytest.raises(InputError, match=f"task-000001.chunk: is a {named}, not a file dpfit may write"):
        run_stored(store)
    assert victim.read_text() == "keep" and (chunk.is_dir() if kind == "directory" else not chunk.is_file()
                                             or chunk.is_symlink())


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device"])
def test_special_store_directory_is_refused_never_followed(tmp_path, kind):
    target = tmp_path / "elsewhere"
    target.mkdir()
    store = tmp_path / "s.chunks"
    special_entry(store, kind, target)
    with pytest.raises(InputError, match="s.chunks: is a"):
        run_stored(store)
    with pytest.raises(InputError, match="s.chunks: is a"):
        clear_store(store)
    assert os.listdir(target) == []


def test_store_in_use_is_locked(tmp_path):
    store = tmp_path / "s.chunks"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys\nfrom dpfit.runtime.executors import TaskStore\n"
        f"with TaskStore({str(store)!r}, {{'job': 'squares'}}).opened():\n"
        "    print('held', flush=True)\n    sys.stdin.read()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(OutputInUse, match="in use by another dpfit process"):
            run_stored(store)
    finally:
        holder.communicate("", timeout=60)
    run_stored(store)  # released: the same job runs (the holder stored no chunk)
    assert CALLS == [0, 1, 2, 3]


def test_cli_stale_coverage_store_one_line(tmp_path, cli, toy_model):
    """A store left by a run with other inputs (--set) is refused with one line naming it; --force clears it."""
    out = tmp_path / "m"
    args = ["coverage", "--mass", "16.7", "--electron", "none", "--limits", "none", "--no-atomki", "--method", "chi2",
            "--eps-grid", "1e-4", "2e-3", "3", "--toys", "200", "--seed", "5", "--no-progress", "--out", out]
    with TaskStore(f"{out}.chunks", {"some": "other job"}).opened():
        pass
    code, _, err = cli(*args, "--set", "alpha.value=20")
    assert code == 2 and err.count("\n") == 1 and f"{out}.chunks: holds the finished chunks of a different job" in err
    assert not (tmp_path / "m.csv").exists()
    code, _, err = cli(*args, "--set", "alpha.value=20", "--force")
    assert code == 0 and (tmp_path / "m.csv").exists() and not (tmp_path / "m.chunks").exists()


def square_until(job, i):
    """A task that finishes for i < job and fails from there on (as an interrupted or broken run does)."""
    if i >= job:
        raise RuntimeError(f"task {i} failed")
    return np.array([i, i * i], dtype=float)


def test_a_store_made_by_a_run_that_finished_nothing_is_removed_with_it(tmp_path):
    store = TaskStore(tmp_path / "job.chunks", {"kind": "test"})
    with pytest.raises(RuntimeError, match="task 0 failed"):
        run_tasks(square_until, 0, [(0,), (1,)], store=store)
    assert os.listdir(tmp_path) == []  # no job.json left behind: nothing to resume


def test_a_store_with_a_finished_task_stays_for_the_resume(tmp_path):
    store = TaskStore(tmp_path / "job.chunks", {"kind": "test"})
    with pytest.raises(RuntimeError, match="task 1 failed"):
        run_tasks(square_until, 1, [(0,), (1,)], store=store)
    assert sorted(os.listdir(tmp_path / "job.chunks")) == ["job.json", "task-000000.chunk"]
    out = run_tasks(square_until, 2, [(0,), (1,)], store=store)  # the rerun reuses task 0
    np.testing.assert_array_equal(np.vstack(out), [[0, 0], [1, 1]])


def test_a_store_that_existed_is_never_removed_by_a_failed_run(tmp_path):
    (tmp_path / "job.chunks").mkdir()
    store = TaskStore(tmp_path / "job.chunks", {"kind": "test"})
    with pytest.raises(RuntimeError):
        run_tasks(square_until, 0, [(0,)], store=store)
    assert os.listdir(tmp_path / "job.chunks") == ["job.json"]
