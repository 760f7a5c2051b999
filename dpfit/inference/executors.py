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

Results are numpy arrays. With a :class:`TaskStore` each finished task is
saved atomically in its directory, signed with the job's digest and a checksum;
a rerun of the same job (same digest) loads the sound finished tasks and runs
only the rest, so an interrupted run resumes to the same result; a store of
another job is refused, never mixed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import stat
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit.errors import InputError, OutputError

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
    """Finished task results of one job in a directory, so that an interrupted run resumes.

    The directory holds ``job.json`` (the job's identity and its digest) and one
    ``task-NNNNNN.chunk`` per finished task. The **job digest** is the SHA-256 of the
    canonical JSON of ``identity`` (everything that determines a task's content:
    resolved inputs, likelihood numbers, method, level, grid, toys, seed) plus the
    dpfit version. A chunk file is one header line ``dpfit-chunk 1 <job digest>
    <SHA-256 of the payload>`` followed by the payload, a ``.npy`` array (no pickles).

    * A store of another job (another digest) is refused (:class:`~dpfit.errors.InputError`),
      never mixed; so is a non-empty directory without ``job.json``.
    * A chunk whose header, checksum, digest or array is wrong (truncated, empty,
      garbage, another job's, a valid ``.npy`` swapped in) is computed again.
    * The store directory, ``job.json`` or a chunk that is a symbolic link, FIFO,
      device or (for a file) a directory is refused, never followed or replaced.
    * While :meth:`opened` is held, the store's lock (:func:`dpfit.output.atomic.output_lock`)
      is held: a second process gets :class:`~dpfit.errors.OutputInUse`.
    """

    #: Largest chunk file read (bytes): a task's result is far smaller (a 2D scan block ~2 MB).
    MAX_BYTES = 256 * 2**20

    def __init__(self, directory: str | Path, identity: dict):
        from dpfit import __version__

        self.directory = Path(directory)
        self.identity = json.loads(json.dumps({**identity, "dpfit_version": __version__}, sort_keys=True, default=str))
        self.digest = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()

    @contextmanager
    def opened(self):
        """Lock the store, check it belongs to this job (creating it if absent), and yield it."""
        from dpfit.output.atomic import output_lock, owned_directory

        _check_store_directory(self.directory)
        with output_lock(self.directory, directory=True):
            _check_store_directory(self.directory)
            manifest = self.directory / JOB_FILE
            held = _read_regular(manifest, 2**20)
            if held is None:
                if self.directory.is_dir() and set(os.listdir(self.directory)) - {JOB_FILE}:
                    raise InputError(str(self.directory), None, "is a non-empty directory that is not a dpfit chunk "
                                                                "store; move it away or choose another output")
                self._write_manifest()
            elif _held_digest(held) != self.digest:
                raise InputError(str(self.directory), None,
                                 "holds the finished chunks of a different job (other inputs, options or dpfit "
                                 "version); rerun with --force to clear it, or delete the directory")
            _remove_chunk_temporaries(self.directory)
            with owned_directory(self.directory):
                yield self

    def _write_manifest(self) -> None:
        from dpfit.output.atomic import write_text

        self.directory.mkdir(parents=True, exist_ok=True)
        write_text(self.directory / JOB_FILE,
                   json.dumps({"digest": self.digest, "identity": self.identity}, sort_keys=True, indent=1) + "\n")

    def _path(self, index: int) -> Path:
        return self.directory / f"task-{index:06d}.chunk"

    def load(self, index: int) -> np.ndarray | None:
        """The stored result of task ``index``, or None if absent or not a sound chunk of this job."""
        data = _read_regular(self._path(index), self.MAX_BYTES)
        if data is None:
            return None
        header, _, payload = data.partition(b"\n")
        if header.split() != [b"dpfit-chunk", b"1", self.digest.encode(), hashlib.sha256(payload).hexdigest().encode()]:
            return None
        try:
            array = np.load(io.BytesIO(payload), allow_pickle=False)
        except (ValueError, OSError, EOFError):
            return None
        return array if isinstance(array, np.ndarray) and array.dtype.kind in "biuf" else None

    def save(self, index: int, result: np.ndarray) -> None:
        """Write task ``index``'s result atomically, with the job digest and its checksum."""
        from dpfit.output.atomic import atomic_path

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(result), allow_pickle=False)
        payload = buffer.getvalue()
        header = f"dpfit-chunk 1 {self.digest} {hashlib.sha256(payload).hexdigest()}\n".encode()
        with atomic_path(self._path(index)) as tmp:
            tmp.write_bytes(header + payload)


#: The identity file of a store directory.
JOB_FILE = "job.json"
_STORE_FILE = re.compile(r"task-\d{6}\.chunk|job\.json")
_STORE_TEMPORARY = re.compile(r"\.(task-\d{6}\.chunk|job\.json)\.[a-z0-9_]{8}\.part")


def _check_store_directory(directory: Path) -> None:
    """InputError unless ``directory`` is absent or a real directory (not a link, FIFO, device)."""
    from dpfit.output.atomic import refused_entry

    try:
        mode = os.lstat(directory).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(str(directory), exc.strerror or str(exc)) from None
    if not stat.S_ISDIR(mode):
        raise refused_entry(directory, mode, "a directory")


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of regular file ``path`` (None if absent or larger than ``limit``); InputError if it is a link,
    directory, FIFO or device. Never follows a link, never blocks on a FIFO."""
    from dpfit.output.atomic import refused_entry

    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        raise refused_entry(path, mode)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(str(path), exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise refused_entry(path, info.st_mode)
        return fh.read(limit + 1) if info.st_size <= limit else None


def _held_digest(data: bytes):
    try:
        held = json.loads(data)
    except ValueError:
        return None
    return held.get("digest") if isinstance(held, dict) else None


def _remove_chunk_temporaries(directory: Path) -> None:
    """Remove the temporaries of chunks a killed run was writing (regular files only)."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if _STORE_TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)


def clear_store(directory: str | Path | None) -> None:
    """Delete the files of a chunk store that dpfit wrote (``job.json``, chunks, their temporaries), then the
    directory if nothing else is left in it; never follows a link, never deletes a file dpfit did not write.

    Used once a job's output is written (nothing is left to resume), and to clear a store on request.
    """
    from dpfit.output.atomic import output_lock

    if directory is None:
        return
    directory = Path(directory)
    _check_store_directory(directory)
    if not directory.exists():
        return
    with output_lock(directory, directory=True):
        _check_store_directory(directory)
        with os.scandir(directory) as entries:
            for entry in entries:
                if (_STORE_FILE.fullmatch(entry.name) or _STORE_TEMPORARY.fullmatch(entry.name)) \
                        and entry.is_file(follow_symlinks=False):
                    Path(entry.path).unlink(missing_ok=True)
        try:
            directory.rmdir()
        except OSError:  # something the user put there: left as it is
            pass


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
    with store.opened() if store is not None else nullcontext():
        return _run_stored(func, job, tasks, executor, weights, store, progress, label)


def _run_stored(func, job, tasks, executor, weights, store, progress, label) -> list:
    """:func:`run_tasks` with ``store`` (if any) open."""
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


def _run_dask(func, job, tasks, todo, executor: Executor, finish) -> None:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if executor.address is None:
        import dask

        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = LocalCluster(n_workers=min(executor.jobs, len(todo)), threads_per_worker=1,
                                   processes=executor.local_processes, dashboard_address=None,
                                   silence_logs=logging.ERROR,  # not the warnings about tasks cancelled on a stop
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
