"""Which step term excludes each cell of a 2D scan (for the ``excluded_by`` layer and the hatched figure).

A cell (m, ε) of a scan is excluded when some step term (an exclusion, whose
ln L is −∞ inside its excluded band, or a preferred region, −∞ outside it)
forbids it, or, in lepton-coupling mode, when no value of the profiled
coupling is allowed at that mass. The first term (in the likelihood's order)
that forbids a cell names it.
"""

from __future__ import annotations

import numpy as np


#: Name of the cells no single term on the axis explains (the profiled coupling has no allowed value).
OTHER = "no allowed value of the profiled coupling"


def excluded_by(joint, scan) -> tuple[np.ndarray, list[str]]:
    """(codes, names): codes[i, j] = 0 where the cell is allowed, k ≥ 1 where names[k - 1] excludes it.

    joint: the likelihood the scan was made of; scan: a :class:`dpfit.inference.profile.scan.Scan`.
    """
    on = joint.part(scan.axis)
    codes = np.zeros(scan.delta_chi2.shape, dtype=np.int8)
    names: list[str] = []
    todo = ~np.isfinite(scan.delta_chi2)
    for term in on.terms:
        if term.smooth or not todo.any():  # a measurement never forbids a coupling: only walls do
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            hit = todo & ~np.isfinite(term.logl(scan.mass[:, None], scan.eps[None, :]))
        if hit.any():
            names.append(term.name)
            codes[hit] = len(names)
            todo &= ~hit
    if todo.any():
        names.append(OTHER)
        codes[todo] = len(names)
    return codes, names
