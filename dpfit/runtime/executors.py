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
  A scheduler that does not answer dask's handshake within
  ``SCHEDULER_TIMEOUT_S`` (nothing listening, or a port that is not a dask
  scheduler), or one that has no worker within ``WORKER_WAIT_S``, raises
  ExecutorUnavailable.

Never more workers than tasks are started, and never more than
``JOBS_PER_CPU`` per CPU of the machine are asked for. The local process pool's
workers end with the process that runs the pool, even when it is killed. A worker's start-up (spawn, imports)
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
import signal
import stat
import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit.errors import ExecutorUnavailable, InputError, OutputError
from dpfit.inputs.safety import excerpt

KINDS = ("serial", "processes", "dask")
#: Most workers per CPU of this machine: more only queue for the CPUs, each holding its own memory.
JOBS_PER_CPU = 4
#: Seconds to wait for a dask scheduler's handshake (a port that answers but is not one never sends it).
SCHEDULER_TIMEOUT_S = 8.0
#: Seconds a running scheduler is given to have at least one worker (batch-system workers may take a while to
#: start); with none by then the run ends with ExecutorUnavailable instead of waiting for ever.
WORKER_WAIT_S = 120.0


def max_jobs() -> int:
    """The most workers an Executor takes: JOBS_PER_CPU × the CPUs this process may run on."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return JOBS_PER_CPU * cpus


def _scheduler_address(address: str, text: str, source: str) -> str:
    """``address`` if it is ``tcp://HOST:PORT``; InputError otherwise (inproc://, tls://, no port, ...)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:  # a port that is not a number in 0-65535, a bad IPv6 literal
        parts, port = None, None
    if parts is None or parts.scheme != "tcp" or not parts.hostname or not port or parts.path or parts.query \
            or parts.fragment or parts.username is not None:
        scheme = f" ({parts.scheme}:// is not supported)" if parts is not None and parts.scheme not in ("", "tcp") else ""
        raise InputError(source, None, f"expected dask=tcp://HOST:PORT, a dask scheduler's address{scheme}, "
                                       f"got '{excerpt(text)}'")
    return address


@dataclass(frozen=True)
class Executor:
    """Where tasks run: ``kind`` (serial, processes, dask), ``jobs`` workers, dask scheduler ``address``."""

    kind: str = "serial"
    jobs: int = 1
    address: str | None = None
    #: dask LocalCluster workers as processes (False: threads in this process, a quick cluster for tests).
    local_processes: bool = True

    @classmethod
    def parse(cls, text: str, jobs: int = 1, source: str = "executor", jobs_source: str | None = None) -> Executor:
        """'serial', 'processes', 'dask' or 'dask=tcp://host:8786', with ``jobs`` workers (1 to max_jobs()).

        A bad value raises InputError naming ``source`` (the text) or ``jobs_source`` (the workers; by
        default ``source``, field 'jobs').
        """
        kind, equals, address = str(text).partition("=")
        kind = kind.strip()
        if kind not in KINDS:
            raise InputError(source, None, f"expected one of serial, processes, dask or dask=ADDRESS, got '{excerpt(text)}'")
        if equals and kind != "dask":
            raise InputError(source, None, f"only dask takes a scheduler address, got '{excerpt(text)}'")
        if equals:
            address = _scheduler_address(address.strip(), text, source)
        where = (source, "jobs") if jobs_source is None else (jobs_source, None)
        if not (jobs == int(jobs) and jobs >= 1):
            raise InputError(*where, f"expected a whole number of workers >= 1, got {jobs}")
        if jobs > max_jobs():
            raise InputError(*where, f"expected at most {max_jobs()} workers ({JOBS_PER_CPU} per CPU of this "
                                     f"machine), got {int(jobs)}")
        return cls(kind, int(jobs), address or None)

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
    * While :meth:`opened` is held, the store's lock (:func:`dpfit.io.atomic.output_lock`)
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
        """Lock the store, check it belongs to this job (creating it if absent), and yield it. A store this call
        created is removed again when the run fails before any task has finished (nothing in it to resume)."""
        from dpfit.io.atomic import output_lock, owned_directory

        _check_store_directory(self.directory)
        with output_lock(self.directory, directory=True):
            _check_store_directory(self.directory)
            manifest = self.directory / JOB_FILE
            held = _read_regular(manifest, 2**20)
            created = not self.directory.exists()
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
            try:
                with owned_directory(self.directory):
                    yield self
            except BaseException:
                if created and set(os.listdir(self.directory)) <= {JOB_FILE}:  # made here, nothing finished in it
                    manifest.unlink(missing_ok=True)
                    self.directory.rmdir()
                raise

    def _write_manifest(self) -> None:
        from dpfit.io.atomic import write_text

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
        from dpfit.io.atomic import atomic_path

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
    from dpfit.io.atomic import refused_entry

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
    from dpfit.io.atomic import refused_entry

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
    from dpfit.io.atomic import output_lock

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


#: prctl(2) option (linux/prctl.h): the signal a process gets when the thread that started it ends.
PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent process, where the kernel does not signal its death.
PARENT_POLL_S = 0.5


def _receive_job(func, job, parent: int) -> None:
    """The pool's initializer, in each worker: end with ``parent`` (its pid), then keep the job."""
    global _WORKER_JOB
    _end_with_parent(parent)
    _WORKER_JOB = (func, job)


def _end_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL (which runs none of its clean-up).

    On Linux the kernel sends SIGKILL at the parent's death (prctl PR_SET_PDEATHSIG); elsewhere a daemon
    thread looks every PARENT_POLL_S seconds whether the process was handed to another parent. Either
    way a parent already gone when this runs ends the process at once. A worker holds no result of its
    own (the parent stores each finished task), so nothing is lost. Before, after a SIGKILL of
    ``--executor processes`` its workers and multiprocessing's resource tracker ran on under PID 1.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
            if os.getppid() != parent:  # the parent died before the request
                os._exit(1)
            return
    import threading

    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="dpfit parent watch").start()


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _run_received(*task):
    func, job = _WORKER_JOB
    return func(job, *task)


def _run_processes(func, job, tasks, todo, jobs, finish) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # The job goes to each worker once, when it starts; a task carries only its own arguments.
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                             initializer=_receive_job, initargs=(func, job, os.getpid())) as pool:
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
        _probe_scheduler(executor.address)
        try:
            client = Client(executor.address, timeout=SCHEDULER_TIMEOUT_S)
        except OSError as exc:
            raise ExecutorUnavailable(f"dask scheduler {executor.address}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            client.close()
            raise ExecutorUnavailable(f"dask scheduler {executor.address}: no worker joined within {WORKER_WAIT_S:g} s "
                                      f"(start one with: dask worker {executor.address})") from None
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


def _probe_scheduler(address: str) -> None:
    """ExecutorUnavailable unless a dask scheduler at ``address`` answers dask's handshake within
    SCHEDULER_TIMEOUT_S.

    distributed's Client waits for that answer without a time limit: a port that accepts the connection
    but is not a scheduler (``python3 -m http.server PORT``) held ``dpfit`` forever. The probe runs in a
    thread of its own, so that it works under a running event loop (Jupyter) too.
    """
    import asyncio
    import threading

    from distributed.comm import connect

    failure: list[BaseException] = []

    async def handshake():
        comm = await asyncio.wait_for(connect(address, timeout=SCHEDULER_TIMEOUT_S), SCHEDULER_TIMEOUT_S)
        await comm.close()

    def run():
        try:
            asyncio.run(handshake())
        except Exception as exc:  # noqa: BLE001 - whatever the port sent back, it is not a scheduler
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True, name="dpfit scheduler probe")
    thread.start()
    thread.join()
    if failure:
        exc = failure[0]
        reason = (f"no dask handshake within {SCHEDULER_TIMEOUT_S:g} s (is it a dask scheduler?)"
                  if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {excerpt(str(exc), 200)}")
        raise ExecutorUnavailable(f"dask scheduler {address}: {reason}")


def _close(client, cluster) -> None:
    client.close()
    if cluster is not None:
        cluster.close()
