"""``python -m dpfit`` and the ``dpfit`` command run the command-line interface.

Until :func:`dpfit.cli.main` takes over, SIGINT ends the process at once and
quietly, as SIGTERM does (status -SIGINT; no traceback from the middle of an
import); :func:`dpfit.cli.main` turns both into one line and exit status 130
while it runs, and gives them back when it returns.

When the command has returned (every output written and closed), the objects
it leaves are frozen out of the garbage collector: the interpreter's final
collection over a large heap (0.7–0.8 s after ``reproduce``) is skipped; the
memory goes back to the system with the process.
"""

import gc
import signal
import sys


def run() -> None:
    """Entry point: quiet interrupts during start-up, then :func:`dpfit.cli.main`'s exit status."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from dpfit.cli import main

    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
