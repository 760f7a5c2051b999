"""Running independent tasks serially, on a local process pool or on a dask cluster, resumably.

``run_tasks(func, job, tasks, ...)`` evaluates ``func(job, *task)`` for every
task and returns the results in task order, whatever order they finish in:

- ``serial``: in this process;
- ``processes``: a ``concurrent.futures.ProcessPoolExecutor`` of ``jobs``
  workers (spawned, so that no thread state is forked); the job is sent to each
  worker once, when it starts, and a task carries only its own arguments;
- ``dask``: a ``distributed.LocalCluster`` of ``jobs`` single-threaded workers,
  or the running scheduler at ``address`` (``tcp://host:8786``; workers there
  may come from dask-jobqueue on a batch system). The job is scattered once.

Never more workers than tasks are started. A worker's start-up (spawn, imports)
is a fixed cost of about 0.5 s (processes) to 1–2 s (dask) per run; tasks should
be long against the ~1–5 ms a task costs the executor, and many against the
number of workers, so that the last one leaves the others idle only briefly.

Results are numpy arrays. With a ``store`` directory each finished task is
saved there atomically as ``task-NNNNNN.npy`` beside a ``job.json`` that
identifies the job; a rerun of the same job loads the finished tasks and runs
only the rest, so an interrupted run resumes to the same result.
"""

from __future__ import annotations

import json
import logging
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit.errors import InputError

KINDS = ("serial", "processes", "dask")


@dataclass(frozen=True)
class Executor:
    """Where tasks run: ``kind`` (serial, processes, dask), ``jobs`` workers, dask scheduler ``address``."""

    kind: str = "serial"
    jobs: int = 1
    address: str | None = None
    #: dask LocalCluster workers as processes (False: threads in this process, a quick cluster for tests).
    local_processes: bool = True

    @classmethod
    def parse(cls, text: str, jobs: int = 1, source: str = "executor") -> Executor:
        """'serial', 'processes', 'dask' or 'dask=tcp://host:8786'."""
        kind, _, address = str(text).partition("=")
        kind = kind.strip()
        if kind not in KINDS:
            raise InputError(source, None, f"expected one of serial, processes, dask or dask=ADDRESS, got '{text}'")
        if address and kind != "dask":
            raise InputError(source, None, f"only dask takes a scheduler address, got '{text}'")
        if not (jobs == int(jobs) and jobs >= 1):
            raise InputError(source, "jobs", f"expected a whole number of workers >= 1, got {jobs}")
        return cls(kind, int(jobs), address.strip() or None)

    def describe(self) -> str:
        if self.kind == "dask":
            return f"dask scheduler {self.address}" if self.address else f"dask LocalCluster, {self.jobs} workers"
        return "serial" if self.kind == "serial" else f"{self.jobs} local processes"


class TaskStore:
    """Finished task results of one job in a directory (``job.json`` + ``task-NNNNNN.npy``)."""

    def __init__(self, directory: str | Path, identity: dict):
        self.directory = Path(directory)
        self.identity = json.loads(json.dumps(identity, sort_keys=True, default=str))
        manifest = self.directory / "job.json"
        if manifest.exists():
            try:
                held = json.loads(manifest.read_text())
            except ValueError:
                held = None
            if held != self.identity:
                raise InputError(str(self.directory), None,
                                 "holds the finished chunks of a different job; remove it or choose another output")
        else:
            from dpfit.output.atomic import write_text

            write_text(manifest, json.dumps(self.identity, sort_keys=True, indent=1) + "\n")

    def _path(self, index: int) -> Path:
        return self.directory / f"task-{index:06d}.npy"

    def load(self, index: int):
        path = self._path(index)
        return np.load(path) if path.exists() else None

    def save(self, index: int, result: np.ndarray) -> None:
        from dpfit.output.atomic import atomic_path

        with atomic_path(self._path(index)) as tmp, open(tmp, "wb") as fh:
            np.save(fh, np.asarray(result))


def _progress(total: float, label: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="toys", unit_scale=True, disable=not enabled, leave=False)


def run_tasks(func, job, tasks: list[tuple], executor: Executor = Executor(), *, weights=None,
              store: TaskStore | None = None, progress: bool = False, label: str = "toys") -> list:
    """``[func(job, *task) for task in tasks]``, run by ``executor``, resumed from ``store``.

    ``weights`` (e.g. toys per task) drive the progress bar. ``func`` must be a
    module-level function and ``job`` picklable for processes and dask.
    """
    weights = list(weights) if weights is not None else [1] * len(tasks)
    results: list = [None] * len(tasks)
    if store is not None:
        for i in range(len(tasks)):
            results[i] = store.load(i)
    todo = [i for i, r in enumerate(results) if r is None]
    bar = _progress(sum(weights), label, progress)
    bar.update(sum(w for i, w in enumerate(weights) if results[i] is not None))

    def finish(i, value):
        results[i] = value
        if store is not None:
            store.save(i, value)
        bar.update(weights[i])

    try:
        if executor.kind == "serial" or not todo:
            for i in todo:
                finish(i, func(job, *tasks[i]))
        elif executor.kind == "processes":
            _run_processes(func, job, tasks, todo, executor.jobs, finish)
        else:
            _run_dask(func, job, tasks, todo, executor, finish)
    finally:
        bar.close()
    return results


#: The function and job of the running pool, in each worker process (set once by the pool's initializer).
_WORKER_JOB: tuple = ()


def _receive_job(func, job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = (func, job)


def _run_received(*task):
    func, job = _WORKER_JOB
    return func(job, *task)


def _run_processes(func, job, tasks, todo, jobs, finish) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # The job goes to each worker once, when it starts; a task carries only its own arguments.
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_receive_job, initargs=(func, job)) as pool:
        futures = {pool.submit(_run_received, *tasks[i]): i for i in todo}
        try:
            for future in as_completed(futures):
                finish(futures[future], future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise


#: dask settings of the local cluster dpfit starts (a running scheduler's workers keep their own).
#: - dask starts workers with MALLOC_TRIM_THRESHOLD_=65536: glibc then hands every freed block of a
#:   task's temporaries back to the kernel and faults it in again at the next one, which doubled the CPU
#:   time of a toy chunk (half of it in the kernel). Toy tasks hold little memory, so the variable is
#:   left unset (None), glibc's default.
#: - With no dashboard nobody reads the workers' statistical profiler (a stack sample every 10 ms) or
#:   the system monitor, and the event-loop tick check runs 50 times a second in the scheduler, each
#:   nanny and worker: idle, they took 4 % of a core in the parent and 3 % in each worker; with these
#:   settings 1.8 % and 0.8 %, time the workers' tasks get back.
LOCAL_CLUSTER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                        "distributed.worker.profile.enabled": False,
                        "distributed.admin.system-monitor.interval": "5s",
                        "distributed.admin.tick.interval": "1s"}


#: Log level of the local cluster, in this process and in its workers: only CRITICAL. dpfit reports a
#: failed task or a lost worker through the futures' exceptions; distributed's own lines were noise around
#: the one line of an interrupt: a warning per task cancelled on a stop, and a worker's "Failed to
#: communicate with scheduler during heartbeat" (ERROR, with a traceback) when the scheduler went first.
LOCAL_CLUSTER_LOG_LEVEL = logging.CRITICAL


@contextmanager
def _sigint_blocked():
    """SIGINT held back from the calling thread while the local cluster starts; delivered when it has started.

    The cluster's event-loop thread, and every worker process that thread spawns, inherit the blocked
    signal (through fork and exec), so a Ctrl-C, which the terminal sends to every process of its
    foreground group, reaches only this process: it closes the cluster and prints one line. Unblocked,
    each worker process answered it with its own KeyboardInterrupt traceback. multiprocessing's resource
    tracker is started first, here: started by the event-loop thread, it would unblock SIGINT in that
    thread (``resource_tracker.ensure_running`` blocks and then unblocks it around its own spawn).
    """
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: nothing inherits a mask
        yield
        return
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _run_dask(func, job, tasks, todo, executor: Executor, finish) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if executor.address is None:
        import dask

        with dask.config.set(LOCAL_CLUSTER_CONFIG), _sigint_blocked():
            cluster = LocalCluster(n_workers=min(executor.jobs, len(todo)), threads_per_worker=1,
                                   processes=executor.local_processes, dashboard_address=None,
                                   silence_logs=LOCAL_CLUSTER_LOG_LEVEL,
                                   # the scheduler's HTTP routes on a free port, not 8787 (taken by another cluster)
                                   scheduler_kwargs={"dashboard_address": ":0"})
            client = Client(cluster)
    else:
        try:
            client = Client(executor.address, timeout="10s")
        except OSError as exc:
            raise InputError("executor", "address", f"cannot reach the dask scheduler at {executor.address}: {exc}") from None
    try:
        remote_job = client.scatter(job, broadcast=True)
        futures = [client.submit(func, remote_job, *tasks[i], pure=False) for i in todo]
        index = {f.key: i for f, i in zip(futures, todo)}
        for future in as_completed(futures):
            finish(index[future.key], future.result())
    except BaseException:
        # an interrupt or an error ends the run: what the scheduler in this process logs while the cluster
        # goes down with tasks in flight ("Closed comm ... while trying to write", CRITICAL) is not news
        from distributed.utils import silence_logging_cmgr

        with silence_logging_cmgr(logging.CRITICAL + 1):
            _close(client, cluster)
        raise
    _close(client, cluster)


def _close(client, cluster) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


def remove_store(directory: str | Path | None) -> None:
    """Delete a job's finished tasks once its output is written (nothing is left to resume)."""
    import shutil

    if directory is not None and (Path(directory) / "job.json").exists():
        shutil.rmtree(directory, ignore_errors=True)
