"""Helpers of the output tests: dpfit in a subprocess or in this process, leftover temporaries, one-line errors."""

import subprocess
import sys

from dpfit.cli import main


def run(*argv, **kwargs):
    """dpfit in a subprocess (a second process, or resource limits)."""
    return subprocess.run([sys.executable, "-m", "dpfit", *argv], capture_output=True, text=True, timeout=300,
                          **kwargs)


def run_here(capsys, *argv):
    """dpfit in this process: (exit status, stderr)."""
    code = main(list(argv))
    return code, capsys.readouterr().err


def leftovers(directory):
    """Temporaries dpfit may create beside an output (never the lock files, which stay by design)."""
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith(".part") or ".partial-" in p.name)


def one_line(err: str, status: int) -> bool:
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("dpfit: error: ") and status in (2, 3)
