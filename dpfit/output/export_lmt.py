"""DarkCast ``.lmt`` limit files: a (g−2) band or upper limit at any level, and the surviving window.

DarkCast's format (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004): ``#``
comment lines, then whitespace-separated rows with the boson mass in GeV and
the kinetic mixing ε. Every reader of the format (DarkCast's and dpfit's own,
:func:`dpfit.inputs.contours.read_lmt`) takes two columns (mass, ε) as "ε above
is excluded" and three (mass, lower, upper) as "lower < ε < upper is
excluded". A preferred band or a surviving window is the opposite, an allowed
region, so it is never written as three columns: as DarkCast does for the
(g−2)_μ preferred band (``AMMmu_Bodas2021fsy_2l.lmt`` and ``_2u.lmt``), each
edge goes to a file of its own, two columns (mass, edge), and the header
states which edge it is and that the file holds an allowed region
(``# holds: preferred band, lower edge``), which makes dpfit's limit readers
refuse it. An upper limit (the region reaches ε = 0) is one two-column file,
``# holds: upper limit``, and reads back as what it is.

A (g−2) term −2 ln L = ((k(m) ε² − Δa)/σ)², k = α F_V(m/m_ℓ)/2π (Pospelov,
PRD 80 (2009) 095002, eq. 2) gives at each mass the region Δχ² ≤ c in closed
form (:func:`dpfit.inference.bands.exact_edges`), with c the level's
one-parameter threshold. When the region reaches ε = 0 it is an upper limit
(one file); when Δa < 0 the best fit sits on that boundary and the limit
covers between F_χ²₁(c) and ½ + ½ F_χ²₁(c), the latter for a true coupling at
0 (Chernoff, Ann. Math. Stat. 25 (1954) 573). Otherwise it is a preferred band
holding F_χ²₁(c), two-sided, written one file per edge.

Provenance goes in the comment header (the format's only metadata field), one
``# provenance: {json}`` line.
"""

from __future__ import annotations

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.bands import exact_edges
from dpfit.inference.levels import Level, format_percent
from dpfit.output.wording import one_sided_text
from dpfit.inputs.contours import NOTHING_EXCLUDED, holds_line
from dpfit.inputs.records import Gm2Card
from dpfit.output.writers import provenance_line

#: MeV per GeV (DarkCast's masses are in GeV).
MEV_PER_GEV = 1000.0


#: The edges of a band, one file each.
EDGES = ("lower", "upper")


def _body(header: list[str], holds: str, columns: list[np.ndarray], prov: dict | None) -> str:
    lines = [f"# {line}" for line in header] + [holds_line(holds)]
    if prov is not None:
        lines.append(provenance_line(prov))
    rows = np.column_stack(columns)
    lines += [" ".join(f"{v:.9e}" for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def band_lmt(record: Gm2Card, masses, level: Level, prov: dict | None = None) -> dict[str, str]:
    """The ``.lmt`` texts of a (g−2) scenario's Δχ² ≤ c region at masses (MeV), c = level.delta_chi2(1).

    Returns {"limit": text} (mass in GeV, upper edge of ε) when the region
    reaches ε = 0 (an upper limit), else {"lower": text, "upper": text}, one
    two-column file per edge of the preferred band, each declaring that it
    holds an allowed region.
    """
    from dpfit.model.analysis import gm2_term

    term = gm2_term(record)
    mass = np.asarray(masses, dtype=float)
    c = level.delta_chi2(1)
    lower, upper = exact_edges(term.shift_per_eps2(mass), term.delta, term.sigma, float(np.sqrt(c)))
    lower = np.broadcast_to(lower, mass.shape)
    what = (f"dpfit: (g-2)_{record.lepton} scenario {record.scenario}, Delta a = {term.delta:.6g} +- {term.sigma:.3g}; "
            f"exact Gaussian likelihood in Delta a, region delta chi2 <= {c:.6g} (level {level.label}), one parameter")
    if not np.all(lower > 0):
        if term.delta < 0:
            held = f"best fit at eps = 0 (Delta a < 0): {one_sided_text(c, level.probability)}"
        else:
            held = f"upper limit (the region reaches eps = 0) holding {format_percent(level.probability)}"
        header = [what, held, "columns: mass [GeV], eps upper (eps above it is outside the region)"]
        return {"limit": _body(header, "upper limit", [mass / MEV_PER_GEV, upper], prov)}
    held = f"preferred band holding {format_percent(level.probability)}, two-sided"
    texts = {}
    for edge, values in zip(EDGES, (lower, upper)):
        other = "upper" if edge == "lower" else "lower"
        header = [what, f"{held}: this file is its {edge} edge; the band lies between this edge and the {other} "
                        f"edge (file ending _{other}.lmt). An allowed region, not an exclusion limit.",
                  f"columns: mass [GeV], eps {edge} edge of the preferred band"]
        texts[edge] = _body(header, f"preferred band, {edge} edge", [mass / MEV_PER_GEV, values], prov)
    return texts


def window_lmt(masses, pieces: list[list[list[float]]], prov: dict | None = None,
               source: str = "window") -> dict[str, str]:
    """The ``.lmt`` texts of the surviving window [lower, upper] per mass (MeV): {"lower": text, "upper": text}.

    pieces: per mass, the window's ε intervals (:func:`dpfit.inference.window.algebra_over_masses`).
    Each edge is a two-column file declaring that it holds an allowed region.
    One interval per mass: masses where the window is empty are left out
    (said in the header) and more than one interval is refused.
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
    edges = {"lower": np.array([pieces[i][0][0] for i in keep]), "upper": np.array([pieces[i][0][1] for i in keep])}
    texts = {}
    for edge, values in edges.items():
        other = "upper" if edge == "lower" else "lower"
        header = ["dpfit: surviving coupling window (the source paper's interval algebra: preferred region, "
                  "complement of each exclusion, 2 sigma band of each (g-2) term)",
                  f"masses {masses[keep[0]] / MEV_PER_GEV:.6g} .. {masses[keep[-1]] / MEV_PER_GEV:.6g} GeV; "
                  f"{empty} of {len(masses)} masses with an empty window left out",
                  f"this file is the window's {edge} edge; the window lies between it and the {other} edge "
                  f"(file ending _{other}.lmt). An allowed region, not an exclusion limit.",
                  f"columns: mass [GeV], eps {edge} edge of the window"]
        texts[edge] = _body(header, f"allowed window, {edge} edge", [masses[keep] / MEV_PER_GEV, values], prov)
    return texts


def edge_path(out, edge: str):
    """The file of one edge: ``out`` itself for a single limit, else ``STEM_lower.lmt`` / ``STEM_upper.lmt`` beside it."""
    from pathlib import Path

    out = Path(out)
    return out if edge == "limit" else out.with_name(f"{out.stem}_{edge}{out.suffix or '.lmt'}")


def recast_lmt(record, contour, model, prov: dict | None = None) -> str:
    """The ``.lmt`` text of a limit recast to a vector model (:func:`dpfit.model.recast.recast_contour`): mass in
    GeV, the excluded band's lower [and upper] edge in the model's coupling in units of e, DarkCast's 1e5 where
    nothing is excluded (its own convention for a mass where the recast limit vanishes)."""
    lower = np.where(np.isfinite(contour.lower), contour.lower, NOTHING_EXCLUDED)
    upper = np.where(np.isfinite(contour.upper), contour.upper, NOTHING_EXCLUDED)
    one_sided = bool(np.all(np.isinf(record.contour.upper)))
    acceptance = (f"beam dump, decay-volume to shielding length ratio {record.length_ratio:g}"
                  if record.length_ratio else "prompt")
    header = [f"dpfit: limit {record.name} ({record.experiment}) recast from the dark photon to the {model.name} model",
              f"production {record.mechanism}, decay {record.decay}, {acceptance}; {record.cl:.4g} CL as published",
              "columns: mass [GeV], excluded coupling " + ("lower" if one_sided else "lower and upper edge")
              + " [units of e; 1e5: nothing excluded]",
              f"model: {model.description} ({model.reference})",
              "recasting: P. Ilten, Y. Soreq, M. Williams, W. Xue, JHEP 06 (2018) 004 (DarkCast), sect. 2",
              f"limit: {record.description}"]
    mass = np.asarray(contour.mass, dtype=float)
    lower, upper = np.atleast_2d(lower)[0], np.atleast_2d(upper)[0]
    if mass.size == 1:  # a single-point limit holds over its card's mass range: its two ends, as a contour
        mass, lower, upper = np.asarray(record.mass_range, dtype=float), np.repeat(lower, 2), np.repeat(upper, 2)
        header.append(f"a single-point limit, written at both ends of the mass range it applies to "
                      f"({record.mass_range[0]:g}-{record.mass_range[1]:g} MeV)")
    columns = [mass / MEV_PER_GEV, lower] + ([] if one_sided else [upper])
    return _body(header, "upper limit" if one_sided else "excluded band", columns, prov)
