"""Blocks that an interrupt waits for: Ctrl-C (or SIGTERM) is raised when the block ends, not inside it.

C code that calls back into Python cannot always pass an interrupt on: matplotlib's Agg renderer, interrupted
inside a callback while it draws, raises ``ValueError: Invalid bounding box`` instead of the
``KeyboardInterrupt``, and the interrupt is lost. A figure saved inside :func:`deferred` finishes drawing (a
second or less) and the interrupt is raised as it ends; the caller's clean-up (an atomic write's temporary
file) runs as for any interrupt.

The signal handler of the ``dpfit`` command calls :func:`hold_or_raise`; without it (dpfit used as a
library), Python's own handler raises at once and a block changes nothing. Signal handlers run in the main
thread only, so the state is one counter.
"""

from __future__ import annotations

from contextlib import contextmanager


class _Held:
    depth = 0  # how many deferred blocks the main thread is inside
    pending = False  # an interrupt arrived inside one


@contextmanager
def deferred():
    """Run the block whole: an interrupt that arrives inside is raised as KeyboardInterrupt when it ends.

    An error raised by the block itself propagates as it is (it happened; the interrupt held back did not
    cause it) and the held interrupt is dropped with it, since the command ends on the error anyway.
    """
    _Held.depth += 1
    try:
        yield
    except BaseException:
        _Held.pending = _Held.pending and _Held.depth > 1
        raise
    finally:
        _Held.depth -= 1
    if _Held.depth == 0 and _Held.pending:
        _Held.pending = False
        raise KeyboardInterrupt


def hold_or_raise() -> None:
    """What a signal handler does with an interrupt: remember it inside a deferred block, else raise it now."""
    if _Held.depth:
        _Held.pending = True
        return
    raise KeyboardInterrupt
