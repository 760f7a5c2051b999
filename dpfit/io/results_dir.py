"""Replacing a results directory as a whole, without ever deleting what dpfit did not write.

A results directory written by dpfit holds a marker file :data:`MARKER`
(JSON: dpfit version, a random id of the run, the names of the files written
and the SHA-256 of each). A directory counts as dpfit's (:func:`is_ours`) only
if it holds exactly those regular files, unchanged, and the marker: a copied
``provenance.json`` or marker, a file the user added or edited, a link, all
make it a directory dpfit did not write. :func:`replace_directory`

* refuses the working directory and any of its parents (even when forced):
  replacing them would delete the user's work;
* refuses an existing non-empty directory without the marker unless
  ``force`` is given;
* holds the output's lock for the whole run (:mod:`dpfit.io.atomic`), so
  a second process gets one line saying the output is in use;
* builds into a temporary directory beside the target and swaps it in with
  two renames (target -> ``DIR.previous``, temporary -> target). A kill
  between the two leaves ``DIR.previous``, which the next run renames back;
  a kill after them leaves a marked ``DIR.previous``, which the next run
  removes. A ``DIR.previous`` dpfit did not write is never moved nor removed:
  the run is refused until the user moves it away;
- refuses a target that is a symbolic link (never followed). Temporaries of a killed run (its staging directory, a
  ``DIR.previous`` it was removing) are removed by the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path

from dpfit import __version__
from dpfit.errors import InputError, OutputError
from dpfit.io.atomic import output_lock, staging_directory

#: Name of the marker file inside a results directory written by dpfit.
MARKER = ".dpfit-results"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _sha256(path: Path) -> str | None:
    """SHA-256 of regular file ``path`` (never a link, FIFO or device: None)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def _marker(stage: Path) -> str:
    """The marker of a finished staging directory: its files and their SHA-256, under a random run id."""
    names = sorted(p.name for p in stage.iterdir())
    return json.dumps({"dpfit_version": __version__, "id": secrets.token_hex(16), "files": names,
                       "sha256": {name: _sha256(stage / name) for name in names}}) + "\n"


def is_ours(directory: Path) -> bool:
    """True if dpfit wrote ``directory`` and nobody changed it since: a regular marker file whose list of files
    is exactly the directory's other entries, each a regular file with the SHA-256 the marker records."""
    try:
        if stat.S_ISLNK(os.lstat(directory).st_mode) or _sha256(directory / MARKER) is None:
            return False
        marker = json.loads((directory / MARKER).read_text())
        names = set(os.listdir(directory)) - {MARKER}
    except (OSError, ValueError):
        return False
    if not (isinstance(marker, dict) and isinstance(marker.get("id"), str) and isinstance(marker.get("sha256"), dict)
            and isinstance(marker.get("files"), list) and set(marker["files"]) == names == set(marker["sha256"])):
        return False
    return all(_sha256(directory / name) == marker["sha256"][name] for name in names)


def _remove(directory: Path, out: Path) -> None:
    """Delete ``directory``: first renamed to a temporary name of ``out`` (``.NAME.XXXXXXXX.part``, which the
    next run on ``out`` removes if a kill stops this one), then removed."""
    trash = out.with_name(f".{out.name}.{os.urandom(4).hex()}.part")
    os.replace(directory, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _check_not_working_directory(out: Path) -> None:
    cwd = Path.cwd().resolve()
    if out == cwd or cwd.is_relative_to(out):
        raise InputError(str(out), None, "is the working directory or one of its parents; results replace their "
                                         "directory as a whole, so name a new subdirectory")


def _check_destination(out: Path, force: bool) -> None:
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise InputError(str(out), None, "exists and is not a directory")
    if out.is_dir() and not force and not is_ours(out) and any(out.iterdir()):
        raise InputError(str(out), None, f"is a non-empty directory that dpfit did not write (no {MARKER} marker "
                                         "matching its files, or files added or changed since); choose another "
                                         "directory, or ask explicitly to replace it (force)")


def _recover(out: Path, previous: Path) -> None:
    """Finish the swap of a killed run: restore a ``previous`` dpfit wrote if ``out`` is gone, else remove it.
    A ``previous`` dpfit did not write (or not a directory, or a link) is refused, never moved nor removed."""
    if not (previous.exists() or previous.is_symlink()):
        return
    if not is_ours(previous):
        raise InputError(str(previous), None, "is in the way of the swap and dpfit did not write it; move it away")
    if not out.exists():
        os.replace(previous, out)
    else:
        _remove(previous, out)


@contextmanager
def replace_directory(out: str | Path, force: bool = False):
    """Yield a staging directory; on success it replaces ``out`` (see the module docstring).

    The caller writes every file into the yielded directory; the marker is
    added here. On an exception ``out`` keeps its previous content.
    """
    if str(out) == "":
        raise OutputError("", "empty path")
    if Path(out).is_symlink():
        raise InputError(str(out), None, "is a symbolic link; dpfit does not follow it: name a directory")
    out = Path(out).resolve()
    _check_not_working_directory(out)
    if out.exists() and not out.is_dir():  # a file in the way is the user's input, checked again under the lock
        raise InputError(str(out), None, "exists and is not a directory")
    previous = out.with_name(out.name + ".previous")
    with output_lock(out, directory=True):
        try:
            _recover(out, previous)
            for stale in out.parent.glob(f".{out.name}.partial-*"):  # left by older versions
                shutil.rmtree(stale, ignore_errors=True)
        except OSError as exc:
            raise OutputError(str(out), _reason(exc)) from None
        _check_destination(out, force)
        with staging_directory(out) as stage:
            yield stage
            (stage / MARKER).write_text(_marker(stage))
            if out.exists():
                os.replace(out, previous)
            try:
                os.replace(stage, out)
            except OSError:
                if previous.exists() and not out.exists():
                    os.replace(previous, out)
                raise
        try:
            if previous.exists():
                _remove(previous, out)
        except OSError as exc:
            raise OutputError(str(previous), _reason(exc)) from None
