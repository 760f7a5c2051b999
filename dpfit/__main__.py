"""``python -m dpfit`` and the ``dpfit`` command run the command-line interface.

Until :func:`dpfit.cli.main` takes over, SIGINT ends the process at once and
quietly, as SIGTERM does (status -SIGINT; no traceback from the middle of an
import); :func:`dpfit.cli.main` turns both into one line and exit status 130
while it runs, and gives them back when it returns.

When the command has returned (every output written and closed), the objects
it leaves are frozen out of the garbage collector: the interpreter's final
collection over a large heap (0.7–0.8 s after ``reproduce``) is skipped; the
memory goes back to the system with the process.

An interrupted command ends the process at once with status 130, after the
exit handlers (:mod:`atexit`) and with the standard streams flushed, but
without the interpreter's own ending: when a KeyboardInterrupt has left an
``exec`` or ``eval`` of a string (a dataclass or named tuple being defined as
the interrupt landed), CPython's ``Py_RunMain`` ends ``python -m`` by sending
itself SIGINT after exit, though dpfit handled the interrupt (status -2 instead
of 130).
"""

import atexit
import contextlib
import gc
import os
import signal
import sys


def run() -> None:
    """Entry point: quiet interrupts during start-up, then :func:`dpfit.cli.main`'s exit status."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from dpfit.cli import main
    from dpfit.cli.options import EXIT_INTERRUPTED

    status = main()
    if status == EXIT_INTERRUPTED:
        _end_interrupted(status)
    gc.freeze()
    sys.exit(status)


def _end_interrupted(status: int) -> None:
    """End the process with ``status`` now: exit handlers, then the standard streams, then ``os._exit``."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing more to say
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
