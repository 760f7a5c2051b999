"""Reading input files safely: regular files only, a size cap, paths confined to their overlay, short excerpts.

The rules every dpfit input obeys (README, "What an overlay may reference"):

- an input file is a regular file: a FIFO, device or socket is refused (never
  opened for a blocking read), and so is a directory;
- it holds at most a fixed number of bytes (1 MiB for YAML, 16 MiB for a
  contour); more is refused in one line, whatever its reported size (files in
  ``/proc`` report 0);
- a file named *inside* an input file (a contour's ``file:``) resolves inside
  the directory of the file that names it, or inside dpfit's shipped data:
  an absolute path, ``..`` leading out, or a symlink pointing elsewhere is
  refused. A file the user names on the command line is read as named (the
  readers of :mod:`dpfit.inputs.contours` take any path; only
  :meth:`dpfit.inputs.inputset.InputSet.contour_path` confines);
- an error message quotes at most a short printable excerpt of a file's content
  (:func:`excerpt`), never a whole line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dpfit.errors import InputError

#: Longest excerpt of a file's content an error message quotes (characters).
EXCERPT_CHARS = 40


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of ``text``, non-printable characters escaped, '...' if cut."""
    text = str(text)
    cut = len(text) > limit
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return shown + ("..." if cut else "")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def read_input_bytes(path: Path, limit: int, what: str = "input file") -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); InputError naming it otherwise.

    Special files are refused from their status before opening, and the file is
    opened non-blocking and checked again, so a FIFO swapped in never blocks.
    """
    source = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(source, None, f"{_kind(os.stat(path).st_mode)}, not a regular file; "
                                           f"a {what} must be a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or type(exc).__name__}") from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise InputError(source, None, f"{_kind(status.st_mode)}, not a regular file")
        if status.st_size > limit:
            raise InputError(source, None, f"{status.st_size} bytes; a {what} may hold at most {limit} bytes")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputError(source, None, f"more than {limit} bytes; a {what} may hold at most {limit} bytes")
    return b"".join(chunks)


def resolved(path, source: str, field: str | None) -> Path:
    """``path`` made absolute with its symlinks followed; a symlink loop is the input's error (``source``,
    ``field``), not Python's RuntimeError."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        raise InputError(source, field, f"'{excerpt(str(path))}' is a loop of symbolic links") from None


def inside(path: Path, roots) -> bool:
    """Whether ``path`` (resolved, symlinks followed) lies inside one of ``roots`` (resolved); False for a loop."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return False
    return any(resolved == Path(r).resolve() or Path(r).resolve() in resolved.parents for r in roots)


def confined(base: Path, name: str, roots, source: str, field: str) -> Path:
    """``base / name`` resolved, if it stays inside one of ``roots``; InputError naming ``source`` and ``field``.

    ``name`` is a relative path written in an input file: absolute paths, ``..``
    leading out of the roots and symlinks pointing out of them are refused.
    """
    if not isinstance(name, str) or not name or "\0" in name:
        raise InputError(source, field, "expected a relative file name")
    if Path(name).is_absolute() or name.startswith("~"):
        raise InputError(source, field, f"'{excerpt(name)}' is an absolute path; name a file inside the "
                                        "overlay directory, relative to it")
    candidate = Path(base) / name
    if not inside(candidate, roots):
        raise InputError(source, field, f"'{excerpt(name)}' leads outside the overlay directory "
                                        "(.. or a symlink); contour files must lie inside it")
    return candidate.resolve()
