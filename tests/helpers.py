"""Helpers the tests share: where the repository and ../shared are, an independent quadrature reference
for F_V (and the ε it gives), and the special files the safety tests plant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

#: The repository's root (examples/, data/, README.md).
ROOT = Path(__file__).resolve().parents[1]
#: The project's shared folder beside the repository (physics notes, the source paper, DarkCast's tables).
SHARED = ROOT.parent / "shared"
#: DarkCast's published limit tables.
DARKCAST = SHARED / "external" / "darkcast"


def fv_quadrature(r: float) -> float:
    """F_V(r) by adaptive quadrature of its defining integral (independent of dpfit.physics.loops)."""
    value, _ = integrate.quad(lambda x: 2 * x * (1 - x) ** 2 / ((1 - x) ** 2 + r * r * x), 0.0, 1.0,
                              epsabs=0, epsrel=1e-13, limit=200)
    return value


def eps_quadrature(mass: float, delta: float, lepton_mass: float, alpha: float) -> float:
    """ε = sqrt(Δa 2π/α / F_V) with F_V from quadrature."""
    return float(np.sqrt(delta * 2 * np.pi / alpha / fv_quadrature(mass / lepton_mass)))


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
