"""Where a limit says nothing: the parts of an analysis' mass range outside a limit's data.

A limit term applies only where its contour (or the mass range its card
gives) exists; beyond it the coupling is not constrained by that limit. These
notes say so, so that no part of the mass range is silently open.
"""

from __future__ import annotations

from dpfit.model.model import Model
from dpfit.notes import Note, note


def limit_span(term) -> tuple[float, float] | None:
    """The masses (MeV) where a limit term applies, or None for a term without a mass span."""
    if not isinstance(getattr(term, "mass_range", None), tuple) or not hasattr(term, "mass"):
        return None
    lo, hi = term.mass_range
    if term.mass.size > 1:
        lo, hi = max(lo, float(term.mass[0])), min(hi, float(term.mass[-1]))
    return (lo, hi)


def coverage_notes(model: Model, mass: float | None = None) -> list[Note]:
    """One note per limit whose data do not cover the analysis' mass range, or the fixed ``mass`` (MeV)
    if given; empty without either."""
    if mass is not None:
        lo = hi = float(mass)
    elif model.mass_range is not None:
        lo, hi = model.mass_range
    else:
        return []
    notes = []
    for term in model.joint.terms:
        span = limit_span(term)
        if span is None:
            continue
        if lo == hi:
            if not span[0] <= lo <= span[1]:
                notes.append(note("limit_silent_at_mass", limit=term.name, span=span, mass=lo))
            continue
        gaps = [(a, b) for a, b in ((lo, min(hi, span[0])), (max(lo, span[1]), hi)) if b > a]
        if gaps:
            notes.append(note("limit_silent_over", limit=term.name, span=span, gaps=gaps, range=(lo, hi)))
    return notes


def limits_composition(analysis) -> list[dict]:
    """Each limit of the analysis: name, experiment, CL (probability), production couplings, how it enters
    (``model``: a note, "limit_poisson_zero_events" for -2 ln L = 2 N_c (eps/eps_up)^2, "limit_step" for the
    excluded band removed) and whether it constrains the analysis' vector model (a search whose production or decay coupling
    vanishes there drops out)."""
    out = []
    used = set(analysis.likelihood().names)
    for record in analysis.exclusion_records():
        poisson = analysis.limit_model == "poisson" and record.one_sided
        out.append({"name": record.name, "experiment": record.experiment, "cl": record.cl,
                    "production": record.production,
                    "model": note("limit_poisson_zero_events") if poisson else note("limit_step"),
                    "constrains_model": record.name in used, "mass_range_MeV": [float(v) for v in record.mass_range]})
    return out
