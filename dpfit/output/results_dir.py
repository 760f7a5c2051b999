"""Replacing a results directory as a whole, without ever deleting what dpfit did not write.

A results directory written by dpfit holds a marker file :data:`MARKER`
(JSON: dpfit version and the files written). :func:`replace_directory`

* refuses the working directory and any of its parents (even when forced):
  replacing them would delete the user's work;
* refuses an existing non-empty directory without the marker unless
  ``force`` is given;
* holds the output's lock for the whole run (:mod:`dpfit.output.atomic`), so
  a second process gets one line saying the output is in use;
* builds into a temporary directory beside the target and swaps it in with
  two renames (target -> ``DIR.previous``, temporary -> target). A kill
  between the two leaves ``DIR.previous``, which the next run renames back;
  a kill after them leaves a marked ``DIR.previous``, which the next run
  removes. Temporaries of a killed run (its staging directory, a
  ``DIR.previous`` it was removing) are removed by the next run.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from dpfit import __version__
from dpfit.errors import InputError, OutputError
from dpfit.output.atomic import output_lock, staging_directory

#: Name of the marker file inside a results directory written by dpfit.
MARKER = ".dpfit-results"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _is_ours(directory: Path) -> bool:
    """True if dpfit wrote ``directory``: the marker, or (before the marker existed) the results of
    ``reproduce`` recorded in their ``provenance.json``."""
    if (directory / MARKER).is_file():
        return True
    try:
        provenance = json.loads((directory / "provenance.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(provenance, dict) and provenance.get("command") == "reproduce"


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
    if out.exists() and not out.is_dir():
        raise InputError(str(out), None, "exists and is not a directory")
    if out.is_dir() and not force and not _is_ours(out) and any(out.iterdir()):
        raise InputError(str(out), None, f"is a non-empty directory that dpfit did not write (no {MARKER} marker); "
                                         "choose another directory, or ask explicitly to replace it (force)")


def _recover(out: Path, previous: Path, force: bool) -> None:
    """Finish the swap of a killed run: restore ``previous`` if ``out`` is gone, else remove a marked one."""
    if not previous.is_dir():
        return
    if not out.exists():
        os.replace(previous, out)
    elif _is_ours(previous) or force:
        _remove(previous, out)
    else:
        raise InputError(str(previous), None, "is in the way of the swap and dpfit did not write it; move it away")


@contextmanager
def replace_directory(out: str | Path, force: bool = False):
    """Yield a staging directory; on success it replaces ``out`` (see the module docstring).

    The caller writes every file into the yielded directory; the marker is
    added here. On an exception ``out`` keeps its previous content.
    """
    if str(out) == "":
        raise OutputError("", "empty path")
    out = Path(out).resolve()
    _check_not_working_directory(out)
    previous = out.with_name(out.name + ".previous")
    with output_lock(out, directory=True):
        try:
            _recover(out, previous, force)
            for stale in out.parent.glob(f".{out.name}.partial-*"):  # left by older versions
                shutil.rmtree(stale, ignore_errors=True)
        except OSError as exc:
            raise OutputError(str(out), _reason(exc)) from None
        _check_destination(out, force)
        with staging_directory(out) as stage:
            yield stage
            (stage / MARKER).write_text(json.dumps({"dpfit_version": __version__,
                                                    "files": sorted(p.name for p in stage.iterdir())}) + "\n")
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
