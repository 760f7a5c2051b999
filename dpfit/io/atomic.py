"""The one output mechanism: a lock per output, a temporary beside it, then a rename.

Guarantees (for every file dpfit writes through :func:`atomic_path`):

* **Atomic**: the content goes into a temporary ``.NAME.XXXXXXXX.part`` in
  the target's directory, renamed over the target only when complete. A
  reader, a crash or a kill never sees a half-written file: the target keeps
  its previous content or holds the complete new one.
* **Exclusive**: one dpfit process at a time (per user and machine) writes a
  given output. The lock is an advisory ``flock`` (the ``filelock``
  library) on a file named by a hash of the output's real path, in a private
  per-user directory under the system's temporary directory (nothing is
  added beside the user's outputs); the kernel releases it when the process
  dies, so a killed run never leaves a stale lock. A second process gets
  :class:`~dpfit.errors.OutputInUse` (an input error, exit status 2).
* **Clean**: temporaries of a killed run for the same target (the only ones
  that can exist while the lock is held) are removed by the next run.
* **Only regular files replaced**: an existing target that is a symbolic link
  (to another file, to ``/proc/self/fd/1``...), a FIFO, a device or a socket
  is refused with an :class:`~dpfit.errors.InputError` (exit status 2) and left
  as it is: never followed, never replaced by a file.
* **Ordinary permissions**: files and directories are created with modes
  0666 / 0777 filtered by the process umask, like any other tool's.
* **Environment failures** (a directory as the output file, an empty path, a
  read-only directory, a path under a regular file, a name too long, a full
  disk or a file-size limit) raise :class:`~dpfit.errors.OutputError`
  naming the path and the reason; the previous output stays intact and no
  temporary is left. ``SIGXFSZ`` is ignored so that exceeding a file-size
  limit (``ulimit -f``) raises ``EFBIG`` instead of killing the process.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from dpfit.errors import InputError, OutputError, OutputInUse

_LOCKS: dict[str, object] = {}
_OWNED_DIRS: set[str] = set()


def ignore_file_size_signal() -> None:
    """Ignore SIGXFSZ (main thread only) so a file-size limit gives EFBIG, an OutputError, not a kill."""
    if hasattr(signal, "SIGXFSZ") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def kind_of(mode: int) -> str:
    """What a file-system entry of ``mode`` (``os.lstat``) is, for a message: 'a symbolic link', 'a FIFO', ..."""
    return ("a symbolic link" if stat.S_ISLNK(mode) else "a directory" if stat.S_ISDIR(mode)
            else "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a regular file" if stat.S_ISREG(mode) else "a special file")


def refused_entry(path: str | Path, mode: int, wanted: str = "a file") -> InputError:
    """The error for an existing ``path`` of the wrong kind (``mode``): dpfit neither follows nor replaces it."""
    return InputError(str(path), None, f"is {kind_of(mode)}, not {wanted} dpfit may write; dpfit neither follows "
                                       "nor replaces it: remove it or choose another output")


def _check_target(target: str | Path, directory: bool = False) -> Path:
    """The target as a Path; OutputError for an empty path or a directory given as a file, InputError for an
    existing link, FIFO, device or socket (see the module docstring)."""
    if str(target) == "":
        raise OutputError("", "empty path")
    target = Path(target)
    try:
        mode = os.lstat(target).st_mode
    except OSError:
        mode = None  # absent, or a path error reported below
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise refused_entry(target, mode, "a directory" if directory else "a file")
    try:
        if not directory and target.is_dir():
            raise OutputError(str(target), "is a directory")
        if directory and target.exists() and not target.is_dir():
            raise OutputError(str(target), "exists and is not a directory")
    except OSError as exc:  # e.g. a name too long, a path under a file
        raise OutputError(str(target), _reason(exc)) from None
    return target


def _make_parent(target: Path) -> None:
    for ancestor in target.parents:  # a path under a regular file
        if ancestor.exists() or ancestor.is_symlink():
            if not ancestor.is_dir():
                raise OutputError(str(target), f"'{ancestor}' is a file, not a directory")
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(str(target), _reason(exc)) from None


def _temporary_pattern(name: str) -> re.Pattern:
    return re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.part")


def remove_stale_temporaries(target: str | Path) -> None:
    """Remove ``.NAME.XXXXXXXX.part`` temporaries of ``target`` left by a killed run (lock held)."""
    target = Path(target)
    pattern = _temporary_pattern(target.name)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if pattern.fullmatch(entry.name):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink(missing_ok=True)


def _owned(target: Path) -> bool:
    """True if ``target`` lies in a directory this process is building under a held lock."""
    parent = str(target.absolute().parent)
    return any(parent == d or parent.startswith(d + os.sep) for d in _OWNED_DIRS)


def _lock_file(real_path: str) -> Path:
    """The lock file of an output: ``<tmp>/dpfit-locks-<uid>/<sha256 of its real path>.lock``."""
    directory = Path(tempfile.gettempdir()) / f"dpfit-locks-{os.getuid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    if directory.is_symlink() or directory.stat().st_uid != os.getuid():
        raise OutputError(str(directory), "the lock directory belongs to another account")
    return directory / (hashlib.sha256(real_path.encode("utf-8", "surrogateescape")).hexdigest()[:40] + ".lock")


@contextmanager
def output_lock(target: str | Path, directory: bool = False):
    """Hold the exclusive lock of output ``target`` (re-entrant within this process).

    On first acquisition, temporaries of a killed run for ``target`` are removed.
    Raises OutputInUse if another process holds it, OutputError if the
    target cannot be an output (a directory, an empty path, a path under a
    file, a name too long) or its directory cannot be created.
    """
    from filelock import FileLock, Timeout

    ignore_file_size_signal()
    target = _check_target(target, directory)
    if _owned(target):
        yield
        return
    _make_parent(target)
    key = os.path.realpath(target)
    lock = _LOCKS.get(key)
    try:
        if lock is None:
            lock = _LOCKS[key] = FileLock(str(_lock_file(key)), thread_local=False)
        first = not lock.is_locked
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputInUse(str(target), None, "is in use by another dpfit process; wait for it to finish "
                                             "or choose another output") from None
    except OSError as exc:
        raise OutputError(str(target), _reason(exc)) from None
    try:
        if first:
            remove_stale_temporaries(target)
        yield
    finally:
        lock.release()


@contextmanager
def output_locks(*targets: str | Path):
    """Hold the locks of several outputs (e.g. a command's outputs for its whole run), in the order given."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        for target in targets:
            stack.enter_context(output_lock(target))
        yield


@contextmanager
def owned_directory(path: str | Path):
    """Mark ``path`` as built by this process under a lock held on its final name: no per-file locks inside."""
    key = str(Path(path).absolute())
    _OWNED_DIRS.add(key)
    try:
        yield
    finally:
        _OWNED_DIRS.discard(key)


def _create_temporary(target: Path, directory: bool) -> Path:
    """Create ``.NAME.XXXXXXXX.part`` beside ``target`` with umask-filtered permissions."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            if directory:
                os.mkdir(tmp, 0o777)
            else:
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(str(target), _reason(exc)) from None
    raise OutputError(str(target), "no free temporary name")


def _discard(tmp: Path) -> None:
    if tmp.is_dir() and not tmp.is_symlink():
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        tmp.unlink(missing_ok=True)


class _FileSet:
    """The outputs of one :func:`atomic_files` block: their locks, and (temporary, target) pairs to rename."""

    def __init__(self, locks):
        self.locks, self.pending = locks, []


#: The open :func:`atomic_files` blocks of this process, innermost last.
_FILE_SETS: list[_FileSet] = []


@contextmanager
def atomic_files():
    """Write several outputs as one: every :func:`atomic_path` inside the block writes its temporary, and the
    renames over the targets all happen when the block ends without an exception (each target's lock held until
    then). On an exception (an interrupt included) every temporary is removed and every target keeps its previous
    content: a command's figure, data file and sidecar are never left half old, half new."""
    from contextlib import ExitStack

    with ExitStack() as locks:
        files = _FileSet(locks)
        _FILE_SETS.append(files)
        try:
            yield
        except BaseException:
            for tmp, _ in files.pending:
                _discard(tmp)
            raise
        finally:
            _FILE_SETS.remove(files)
        try:
            for tmp, target in files.pending:
                os.replace(tmp, target)
        except OSError as exc:
            for tmp, _ in files.pending:
                _discard(tmp)
            raise OutputError(str(target), _reason(exc)) from None


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path beside ``target`` (lock held); on success rename it over ``target`` (inside an
    :func:`atomic_files` block: when the block ends).

    On any exception the temporary is removed and ``target`` is untouched; an
    OSError while writing (disk full, file-size limit, ...) becomes OutputError.
    """
    if _FILE_SETS:
        files = _FILE_SETS[-1]
        files.locks.enter_context(output_lock(target))
        tmp = _create_temporary(Path(target), directory=False)
        try:
            try:
                yield tmp
            except OSError as exc:
                raise OutputError(str(target), _reason(exc)) from None
        except BaseException:
            _discard(tmp)
            raise
        files.pending.append((tmp, Path(target)))  # complete: renamed when the block ends
        return
    with output_lock(target):
        target = Path(target)
        tmp = _create_temporary(target, directory=False)
        try:
            try:
                yield tmp
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(str(target), _reason(exc)) from None
        except BaseException:
            _discard(tmp)
            raise


@contextmanager
def staging_directory(target: str | Path):
    """Create a temporary directory beside ``target`` (umask permissions); removed on an exception.

    The caller renames it into place itself (see :mod:`dpfit.reference.reproduce`).
    Temporaries of a killed run are removed when the lock of ``target`` is first taken.
    """
    target = Path(target)
    tmp = _create_temporary(target, directory=True)
    try:
        with owned_directory(tmp):
            yield tmp
    except OSError as exc:
        _discard(tmp)
        raise OutputError(str(target), _reason(exc)) from None
    except BaseException:
        _discard(tmp)
        raise


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text)
