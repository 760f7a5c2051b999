"""The one error type dpfit raises for bad input.

Every message names the file (or the option / override key) and the field,
and says what was expected, so that the CLI can print it as a single line.
"""

from __future__ import annotations


class InputError(ValueError):
    """A bad input: a data file, a card, an analysis file, an option or an override.

    Parameters
    ----------
    source : str
        The file path, or a description such as ``"--set"`` or ``"option --mass"``.
    field : str or None
        The field inside the source (dotted path), or None for the whole source.
    message : str
        What is wrong and what was expected.
    """

    def __init__(self, source: str, field: str | None, message: str):
        self.source = str(source)
        self.field = field
        self.message = message
        where = self.source if field is None else f"{self.source}: field '{field}'"
        # one line, whatever text the user's input put into the message
        super().__init__(f"{where}: {message}".replace("\r", "\\r").replace("\n", "\\n"))


class NoAllowedRegion(InputError):
    """The analysis leaves no allowed point (every coupling excluded) where one was asked for."""


class OutputError(Exception):
    """An environment failure while writing an output: the output cannot be written where asked.

    For example a directory given as the output file, a read-only directory, a
    path under a regular file, a name too long for the file system, a full disk
    or a file-size limit. Not an input error: the CLI exits with status 3.
    The previous content of the output, if any, is intact and no temporary
    file is left.

    Parameters
    ----------
    path : str
        The output path that could not be written.
    reason : str
        Why (the operating system's reason, e.g. "Permission denied").
    """

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write '{self.path}': {reason}".replace("\r", "\\r").replace("\n", "\\n"))


class OutputInUse(InputError):
    """Another dpfit process holds the lock of this output."""


class ExecutorUnavailable(Exception):
    """An environment failure: the executor asked for cannot run tasks.

    For example no dask scheduler answers at the address given (nothing
    listening there, or a port that is not a dask scheduler). Not an input
    error: the CLI exits with status 3.

    Parameters
    ----------
    reason : str
        What was tried and what happened, naming the executor (e.g. the scheduler's address).
    """

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason.replace("\r", "\\r").replace("\n", "\\n"))
