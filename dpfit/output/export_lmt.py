"""DarkCast ``.lmt`` limit files: a (g−2) band or upper limit at any level, and the surviving window.

DarkCast's format (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004): ``#``
comment lines, then whitespace-separated rows with the boson mass in GeV and
the kinetic mixing ε: two columns (mass, ε) for an upper limit, three
(mass, lower, upper) for a band. dpfit's own reader is
:func:`dpfit.inputs.contours.read_lmt`.

A (g−2) term −2 ln L = ((k(m) ε² − Δa)/σ)², k = α F_V(m/m_ℓ)/2π (Pospelov,
PRD 80 (2009) 095002, eq. 2) gives at each mass the region Δχ² ≤ c in closed
form (:func:`dpfit.inference.bands.exact_edges`), with c the level's
one-parameter threshold. When the region reaches ε = 0 it is an upper limit
(two columns); when Δa < 0 the best fit sits on that boundary and the limit
holds ½ + ½ F_χ²₁(c) (Chernoff, Ann. Math. Stat. 25 (1954) 573). Otherwise it
is a band (three columns) holding F_χ²₁(c), two-sided.

Provenance goes in the comment header (the format's only metadata field), one
``# provenance: {json}`` line.
"""

from __future__ import annotations

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.bands import exact_edges
from dpfit.inference.levels import Level, format_percent, one_sided_coverage
from dpfit.inputs.records import Gm2Card
from dpfit.output.writers import provenance_line

#: MeV per GeV (DarkCast's masses are in GeV).
MEV_PER_GEV = 1000.0


def _body(header: list[str], columns: list[np.ndarray], prov: dict | None) -> str:
    lines = [f"# {line}" for line in header]
    if prov is not None:
        lines.append(provenance_line(prov))
    rows = np.column_stack(columns)
    lines += [" ".join(f"{v:.9e}" for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def band_lmt(record: Gm2Card, masses, level: Level, prov: dict | None = None) -> str:
    """The ``.lmt`` text of a (g−2) scenario's Δχ² ≤ c region at masses (MeV), c = level.delta_chi2(1).

    Two columns (mass in GeV, upper edge of ε) when the region reaches ε = 0,
    else three (mass in GeV, lower edge, upper edge).
    """
    from dpfit.model.analysis import gm2_term

    term = gm2_term(record)
    mass = np.asarray(masses, dtype=float)
    c = level.delta_chi2(1)
    lower, upper = exact_edges(term.shift_per_eps2(mass), term.delta, term.sigma, float(np.sqrt(c)))
    lower = np.broadcast_to(lower, mass.shape)
    band = bool(np.all(lower > 0))
    if band:
        held = f"two-sided band holding {format_percent(level.probability)}"
    elif term.delta < 0:
        held = (f"one-sided upper limit (best fit at eps = 0, Delta a < 0) holding "
                f"{format_percent(one_sided_coverage(c))} (Chernoff)")
    else:
        held = f"upper limit (the region reaches eps = 0) holding {format_percent(level.probability)}"
    header = [f"dpfit: (g-2)_{record.lepton} scenario {record.scenario}, Delta a = {term.delta:.6g} "
              f"+- {term.sigma:.3g}",
              f"method: exact Gaussian likelihood in Delta a, region delta chi2 <= {c:.6g} (level {level.label}), "
              f"one parameter; {held}",
              "columns: mass [GeV], " + ("eps lower, eps upper" if band else "eps upper (above: outside the region)")]
    columns = [mass / MEV_PER_GEV] + ([lower, upper] if band else [upper])
    return _body(header, columns, prov)


def window_lmt(masses, pieces: list[list[list[float]]], prov: dict | None = None, source: str = "window") -> str:
    """The ``.lmt`` text of the surviving window [lower, upper] per mass (MeV), three columns.

    pieces: per mass, the window's ε intervals (:func:`dpfit.inference.window.algebra_over_masses`).
    A band file holds one interval per mass: masses where the window is empty
    are left out (said in the header) and more than one interval is refused.
    """
    masses = np.asarray(masses, dtype=float)
    keep = [i for i, p in enumerate(pieces) if p]
    for i in keep:
        if len(pieces[i]) > 1:
            raise InputError(source, None, f"the window has {len(pieces[i])} separate intervals at m = "
                                           f"{masses[i]:g} MeV; a .lmt file holds one band per mass (use HEPData)")
    if len(keep) < 2:
        raise InputError(source, None, "the window is non-empty at fewer than two masses; nothing to write")
    empty = len(masses) - len(keep)
    header = ["dpfit: surviving coupling window (the source paper's interval algebra: preferred region, "
              "complement of each exclusion, 2 sigma band of each (g-2) term)",
              f"masses {masses[keep[0]] / MEV_PER_GEV:.6g} .. {masses[keep[-1]] / MEV_PER_GEV:.6g} GeV; "
              f"{empty} of {len(masses)} masses with an empty window left out",
              "columns: mass [GeV], eps lower, eps upper (the window, not an excluded band)"]
    lo = np.array([pieces[i][0][0] for i in keep])
    hi = np.array([pieces[i][0][1] for i in keep])
    return _body(header, [masses[keep] / MEV_PER_GEV, lo, hi], prov)
