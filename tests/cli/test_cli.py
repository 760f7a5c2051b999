"""dpfit.cli.main: exit statuses (0, 2, 3, 130), and interrupts (SIGINT, SIGTERM): one line, status 130.

SIGTERM during any command is an interrupt like SIGINT, and an interrupt that
Python drops inside a finalizer is sent again: never swallowed. The signal
tests run ``main`` in a short Python process whose command's work is replaced
by a script, and send it the signal once it is working; the others run
``main`` in-process.
"""

import signal
import subprocess
import sys

import pytest

from dpfit.cli import main


def _interrupt_when_working(cmd, sig, **popen):
    """Start ``cmd``, send ``sig`` once it has printed ``working``; return (exit status, stdout, stderr)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)
    assert proc.stdout.readline() == b"working\n"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err.decode()


#: ``dpfit table`` whose work is a sleep, after an interrupt raised inside a finalizer (where Python prints
#: and drops exceptions): what happens when Ctrl-C lands while a weakref callback or ``__del__`` runs.
#: The sleeps of these scripts are many short ones, as computing is: Python runs a signal's handler between
#: bytecodes, so a signal that lands just before a long sleep starts is handled only when the sleep ends.
SWALLOWED = """
import sys, time
from dpfit.cli import cmd_table, main

class Finalizer:
    def __del__(self):
        raise KeyboardInterrupt

def work(args):
    Finalizer()
    print("working", flush=True)
    for _ in range(6000):
        time.sleep(0.01)
    return 0

cmd_table.cmd_table = work
sys.exit(main(["table"]))
"""


def test_interrupt_dropped_by_a_finalizer_is_sent_again():
    run = subprocess.run([sys.executable, "-c", SWALLOWED], capture_output=True, timeout=60)
    assert (run.returncode, run.stderr.decode()) == (130, "dpfit: interrupted\n")


def test_sigterm_during_a_command_is_an_interrupt():
    code, _, err = _interrupt_when_working([sys.executable, "-c", SWALLOWED.replace("Finalizer()", "")],
                                           signal.SIGTERM)
    assert (code, err) == (130, "dpfit: interrupted\n")


#: An interrupt dropped inside a finalizer (to be raised again 10 ms later) while the command is already ending
#: on another interrupt: once ``main`` has returned, nothing may be raised any more.
DROPPED_WHILE_ENDING = """
import sys, time
from dpfit.cli import cmd_table, main

class Finalizer:
    def __del__(self):
        raise KeyboardInterrupt

def work(args):
    Finalizer()
    raise KeyboardInterrupt

cmd_table.cmd_table = work
code = main(["table"])
time.sleep(0.3)  # past the moment the dropped interrupt would be raised again
sys.exit(code)
"""


def test_interrupt_raised_again_never_outlives_the_command():
    run = subprocess.run([sys.executable, "-c", DROPPED_WHILE_ENDING], capture_output=True, timeout=60)
    assert (run.returncode, run.stderr.decode()) == (130, "dpfit: interrupted\n")


#: ``dpfit table`` whose work is the constructor of an object that fails in ``__del__`` unless the constructor
#: finished (as pyparsing's ``Forward`` does when an interrupt lands while matplotlib is being imported).
CUT_SHORT = """
import sys, time
from dpfit.cli import cmd_table, main

class HalfBuilt:
    def __init__(self, seconds):
        print("working", flush=True)
        for _ in range(100 * seconds):
            time.sleep(0.01)
        self.ready = True

    def __del__(self):
        self.ready

def work(args):
    HalfBuilt(SECONDS)
    return 0

cmd_table.cmd_table = work
sys.exit(main(["table"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_finalizer_of_an_object_cut_short_by_the_interrupt_prints_nothing(sig):
    code, _, err = _interrupt_when_working([sys.executable, "-c", CUT_SHORT.replace("SECONDS", "60")], sig)
    assert (code, err) == (130, "dpfit: interrupted\n")


def test_finalizer_error_without_an_interrupt_is_still_reported():
    script = CUT_SHORT.replace("SECONDS", "0").replace("self.ready = True", "")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert run.returncode == 0
    assert "Exception ignored" in run.stderr.decode() and "AttributeError" in run.stderr.decode()


#: ``dpfit table`` whose work turns an interrupt into an error of its own while handling it (the error's cause
#: chain holds the interrupt), or (HANDLED -> pass) handles the interrupt and later fails on its own.
CONVERTED = """
import sys, time
from dpfit.cli import cmd_table, main

def work(args):
    try:
        print("working", flush=True)
        for _ in range(100 * SECONDS):
            time.sleep(0.01)
    except KeyboardInterrupt:
        HANDLED
    raise ValueError("Invalid bounding box")

cmd_table.cmd_table = work
sys.exit(main(["table"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_error_raised_while_handling_the_interrupt_is_reported_as_the_interrupt(sig):
    script = CONVERTED.replace("SECONDS", "60").replace("HANDLED", 'raise ValueError("converted")')
    code, _, err = _interrupt_when_working([sys.executable, "-c", script], sig)
    assert (code, err) == (130, "dpfit: interrupted\n")


def test_error_that_follows_a_handled_interrupt_is_reported_as_itself():
    script = CONVERTED.replace("SECONDS", "60").replace("HANDLED", "pass")
    code, _, err = _interrupt_when_working([sys.executable, "-c", script], signal.SIGINT)
    assert code == 1 and "ValueError: Invalid bounding box" in err and "interrupted" not in err


def test_error_without_an_interrupt_is_not_reported_as_one():
    script = CONVERTED.replace("SECONDS", "0").replace("HANDLED", "pass")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert run.returncode == 1 and "ValueError: Invalid bounding box" in run.stderr.decode()


#: ``dpfit table`` whose work is a block an interrupt waits for (as drawing a figure is), then more work.
DEFERRED = """
import sys, time
from dpfit.cli import cmd_table, main
from dpfit.runtime.interrupts import deferred

def work(args):
    with deferred():
        print("working", flush=True)
        for _ in range(50):
            time.sleep(0.01)
        print("block finished", flush=True)
    for _ in range(6000):
        time.sleep(0.01)
    print("ran past the interrupt", flush=True)
    return 0

cmd_table.cmd_table = work
sys.exit(main(["table"]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_interrupt_inside_a_deferred_block_is_raised_when_the_block_ends(sig):
    code, out, err = _interrupt_when_working([sys.executable, "-c", DEFERRED], sig)
    assert (code, err, out) == (130, "dpfit: interrupted\n", b"block finished\n")


#: ``python -m`` on a package whose ``__main__`` runs dpfit's entry point, with ``dpfit table``'s work inside an
#: ``exec`` of a string (as when an interrupt lands while a dataclass or named tuple is being defined).
INSIDE_EXEC = """
import atexit, time
from dpfit.__main__ import run
from dpfit.cli import cmd_table

def work(args):
    atexit.register(print, "exit handlers ran")
    print("working", flush=True)
    exec("for _ in range(6000): time.sleep(0.01)")
    return 0

cmd_table.cmd_table = work
run()
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_interrupt_that_left_an_exec_ends_python_m_with_status_130(tmp_path, sig):
    package = tmp_path / "inside_exec"
    package.mkdir()
    (package / "__main__.py").write_text(INSIDE_EXEC)
    code, out, err = _interrupt_when_working([sys.executable, "-m", "inside_exec", "table"], sig, cwd=tmp_path)
    assert (code, err) == (130, "dpfit: interrupted\n")
    assert out == b"exit handlers ran\n"  # unflushed output, written by an exit handler


# -- in-process: exit statuses, the interrupt's one line, and what main leaves behind -------------------------------


def test_version_and_usage_error(cli):
    import dpfit

    assert cli("--version") == (0, f"dpfit {dpfit.__version__}\n", "")
    code, out, err = cli("fit", "--mass")
    assert (code, out) == (2, "") and err == "dpfit: error: dpfit fit: argument --mass: expected one argument " \
                                             "(see 'dpfit fit --help')\n"


def test_help_lists_every_command_in_order(cli):
    from dpfit.cli import COMMANDS

    code, out, _ = cli("--help")
    listed = [line.split()[0] for line in out.split("COMMAND")[-1].splitlines() if line.startswith("    ")]
    modules = [command.__name__.removeprefix("dpfit.cli.cmd_") for command in COMMANDS]
    assert code == 0 and [name for name in listed if name in modules] == modules
    assert {"epsilon", "corner"} <= set(listed)  # the second commands of cmd_table and cmd_sample


def test_an_output_that_cannot_be_written_exits_3(cli, tmp_path):
    (tmp_path / "afile").write_text("")
    code, out, err = cli("table", "--masses", "17", "--out", tmp_path / "afile" / "t.txt")
    assert (code, out) == (3, "")
    assert err == f"dpfit: error: cannot write '{tmp_path / 'afile' / 't.txt'}': '{tmp_path / 'afile'}' is a file, " \
                  "not a directory\n"


def interrupting(exc):
    def work(args):
        raise exc

    return work


def converted(args):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise ValueError("converted") from None  # the interrupt stays in the context chain


@pytest.mark.parametrize("work", [interrupting(KeyboardInterrupt()), converted], ids=["interrupt", "converted"])
def test_interrupt_is_one_line_and_handlers_come_back(cli, monkeypatch, work):
    from dpfit.cli import cmd_table

    monkeypatch.setattr(cmd_table, "cmd_table", work)
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.unraisablehook)
    assert cli("table") == (130, "", "dpfit: interrupted\n")
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), sys.unraisablehook) == before


def test_other_errors_are_not_swallowed(monkeypatch):
    from dpfit.cli import cmd_table

    monkeypatch.setattr(cmd_table, "cmd_table", interrupting(ValueError("a bug")))
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(ValueError, match="a bug"):
        main(["table"])
    assert signal.getsignal(signal.SIGINT) == before


def test_broken_pipe_ends_quietly(monkeypatch, capsys):
    import io

    from dpfit.cli import cmd_table

    monkeypatch.setattr(cmd_table, "cmd_table", interrupting(BrokenPipeError()))
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # main replaces it; monkeypatch puts the original back
    assert main(["table"]) == 0
    sys.stdout.close()  # the devnull file main opened
    assert capsys.readouterr().err == ""


def test_caused_by_interrupt_follows_causes_and_contexts():
    from dpfit.cli import caused_by_interrupt

    cause = ValueError("x")
    cause.__cause__ = KeyboardInterrupt()
    context = RuntimeError("y")
    context.__context__ = cause
    a, b = ValueError("a"), ValueError("b")
    a.__context__, b.__context__ = b, a  # a cycle ends the search
    assert caused_by_interrupt(KeyboardInterrupt()) and caused_by_interrupt(cause) and caused_by_interrupt(context)
    assert not caused_by_interrupt(ValueError("z")) and not caused_by_interrupt(a)
