"""Shared test helpers: an independent quadrature reference for F_V, and an in-process CLI runner."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from dpfit.cli import main


def pytest_collection_modifyitems(items):
    """Tests marked ``long`` first: pytest-xdist hands tests out in this order, so the workers finish together."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def fv_quadrature(r: float) -> float:
    """F_V(r) by adaptive quadrature of its defining integral (independent of dpfit.physics.loops)."""
    value, _ = integrate.quad(lambda x: 2 * x * (1 - x) ** 2 / ((1 - x) ** 2 + r * r * x), 0.0, 1.0,
                              epsabs=0, epsrel=1e-13, limit=200)
    return value


def eps_quadrature(mass: float, delta: float, lepton_mass: float, alpha: float) -> float:
    """ε = sqrt(Δa 2π/α / F_V) with F_V from quadrature."""
    return float(np.sqrt(delta * 2 * np.pi / alpha / fv_quadrature(mass / lepton_mass)))


@pytest.fixture
def cli(capsys):
    """Run ``dpfit ARGS`` in-process; return (exit status, stdout, stderr)."""

    def run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def special_entry(path, kind: str, target) -> None:
    """Make ``path`` a symlink to ``target``, a FIFO, or a character device (a copy of /dev/null; skipped without
    the privilege): what no output or store of dpfit may write through."""
    import os
    import stat

    if kind == "symlink":
        path.symlink_to(target)
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        try:
            os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device node needs privileges")
