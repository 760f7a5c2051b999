"""The ``dpfit`` command: argument parsing and one library call per command.

Every bad input ends in one line ``dpfit: error: <file or option>: <field>: <what>``
on stderr and exit status 2, with nothing written. An output that cannot be
written (environment failure) ends in one line ``dpfit: error: cannot write
'<path>': <reason>`` and exit status 3; an interrupt exits with status 130. Each command lives in its
own module (``dpfit.cli.cmd_*``) with a ``register(sub)`` function.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from dpfit import __version__
from dpfit.cli import (cmd_compare, cmd_coverage, cmd_export, cmd_fit, cmd_inputs, cmd_interval, cmd_landscape,
                       cmd_recast, cmd_reproduce, cmd_sample, cmd_scan, cmd_table, cmd_window)
from dpfit.cli.options import EXIT_INPUT, EXIT_INTERRUPTED, OneLineParser, flag_message
from dpfit.errors import ExecutorUnavailable, InputError
from dpfit.errors import OutputError
from dpfit.runtime.interrupts import hold_or_raise

#: Exit status of an environment failure (an output that cannot be written).
EXIT_ENVIRONMENT = 3

#: Command modules, in the order ``dpfit --help`` lists them.
COMMANDS = (cmd_table, cmd_fit, cmd_scan, cmd_sample, cmd_window, cmd_interval, cmd_coverage, cmd_compare, cmd_export,
            cmd_recast, cmd_landscape, cmd_reproduce, cmd_inputs)


def build_parser() -> argparse.ArgumentParser:
    """The ``dpfit`` argument parser with every command's subparser."""
    parser = OneLineParser(prog="dpfit", description="Inference on light vector bosons (dark photons, X17).")
    parser.add_argument("--version", action="version", version=f"dpfit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


class _Interrupts:
    """SIGINT and SIGTERM as KeyboardInterrupt while :func:`main` runs, and what Python reports about them.

    The signal handler (:meth:`raise_interrupt`) raises KeyboardInterrupt wherever the main thread is. Two
    kinds of report can follow, both through ``sys.unraisablehook`` (:meth:`hook`):

    * an interrupt that Python dropped inside a callback whose exceptions it ignores (a weakref callback,
      ``__del__``): SIGINT is sent to the process again from a timer thread a moment after the callback has
      returned (a signal, so that a blocking call is interrupted too), but only while :func:`main` still
      handles interrupts: :meth:`stop` ends that, under the same lock as the sending;
    * the error of a finalizer on an object whose constructor the interrupt cut short (a pyparsing
      ``Forward`` built while matplotlib was being imported has no ``expr`` yet, and its ``__del__`` fails):
      once an interrupt has been raised, such reports are dropped, since the command is ending with the one
      line ``dpfit: interrupted`` and status 130. Before any interrupt they go to the previous hook.
    """

    def __init__(self):
        self._lock, self._active, self._timers, self.raised = threading.Lock(), True, [], False

    def raise_interrupt(self, signum, frame):
        """Signal handler: KeyboardInterrupt in the main thread, now or at the end of the block that defers it
        (:func:`dpfit.runtime.interrupts.deferred`)."""
        self.raised = True
        hold_or_raise()

    def _send(self) -> None:
        with self._lock:
            if self._active:
                os.kill(os.getpid(), signal.SIGINT)

    def hook(self, unraisable, fallback) -> None:
        """``sys.unraisablehook``: a dropped interrupt is sent again; another error goes to ``fallback``
        unless an interrupt has already been raised."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            timer = threading.Timer(0.01, self._send)
            self._timers.append(timer)
            timer.start()
        elif not self.raised:
            fallback(unraisable)

    def stop(self) -> None:
        with self._lock:
            self._active = False
        for timer in self._timers:
            timer.cancel()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input or usage, 3 environment, 130 interrupted).

    While it runs, SIGINT and SIGTERM (in the main thread) raise KeyboardInterrupt, never swallowed, so both
    end in the one line ``dpfit: interrupted`` and status 130, after the outputs in progress are cleaned up;
    so does an error raised while the interrupt was being handled (its cause chain holds the interrupt). Any
    other error is reported as what it is, even one that follows an interrupt. A further interrupt while
    that line is written is ignored, and the previous handlers come back on return (with any interrupt still
    waiting to be raised again cancelled).
    """
    previous, hook, interrupts = {}, sys.unraisablehook, _Interrupts()
    try:
        if threading.current_thread() is threading.main_thread():
            sys.unraisablehook = lambda unraisable: interrupts.hook(unraisable, hook)
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, interrupts.raise_interrupt)
        return _run(argv)
    except KeyboardInterrupt:
        interrupts.raised = True  # however it was raised: objects it cut short are freed with its traceback
        return _report_interrupt(interrupts, previous)
    except Exception as exc:
        if not caused_by_interrupt(exc):
            raise
        return _report_interrupt(interrupts, previous)
    finally:
        interrupts.stop()
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        sys.unraisablehook = hook


def caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in the error's cause chain (``raise ... from`` or raised while handling)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _report_interrupt(interrupts: _Interrupts, handled: dict) -> int:
    """Print the one line of an interrupt; return its status, 130. The ``handled`` signals are ignored from
    here on (one interrupt is enough: a later one is not raised while this one is reported)."""
    interrupts.stop()
    for sig in handled:
        signal.signal(sig, signal.SIG_IGN)
    print("dpfit: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _run(argv: list[str] | None) -> int:
    from dpfit.io.atomic import ignore_file_size_signal

    ignore_file_size_signal()
    os.environ.setdefault("MPLBACKEND", "Agg")  # the command draws into files: a non-interactive backend
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (already printed as one line), --help, --version
        return exc.code
    try:
        return args.func(args)
    except InputError as exc:
        print(f"dpfit: error: {flag_message(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except (OutputError, ExecutorUnavailable) as exc:
        print(f"dpfit: error: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except BrokenPipeError:  # e.g. `dpfit table | head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
