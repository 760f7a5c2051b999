"""Report section: Feldman–Cousins and CLs beside Δχ² for one (g−2) term alone at a fixed mass.

``frequentist_lines(results)`` formats the rows of
:attr:`dpfit.reference.results.ReferenceResults.frequentist` (computed with the
run's own inputs): for WP25 (muon) and Cs18 (electron), each alone (no
exclusions, no region) at 16.7 MeV, the Δχ² interval, the Feldman–Cousins
interval (toys, with Monte-Carlo edge errors, and the closed form for a Gaussian
measurement) and the CLs upper limit, at 68.27 % and 95 % (Feldman & Cousins,
PRD 57 (1998) 3873; Read, J. Phys. G 28 (2002) 2693; Cowan et al., EPJC 71 (2011) 1554).
"""

from __future__ import annotations

from dpfit.output.wording import note_text
from dpfit.reference.results import MASS


def _pieces(pieces, errors=None) -> str:
    if pieces is None:
        return "not resolved by the toys"
    if not pieces:
        return "empty"
    out = []
    for i, (lo, hi) in enumerate(pieces):
        if errors is None:
            out.append(f"[{lo:.4g}, {hi:.4g}]")
        else:
            elo, ehi = errors[i]
            lo_text = "0" if lo == 0 else f"{lo:.4g} ± {elo:.1g}"
            hi_error = f" ± {ehi:.1g}" if ehi == ehi else " (MC error unknown)"
            out.append(f"[{lo_text}, {hi:.4g}{hi_error}]")
    return " ∪ ".join(out)


def frequentist_lines(results, seed: int = 1) -> list[str]:
    """Markdown lines: Δχ², FC (toys and closed form) and CLs intervals of ε per scenario and level."""
    out = ["## Frequentist intervals at fixed mass (one (g-2) term alone, no exclusions)", "",
           f"m = {MASS:g} MeV; {results.toys} toys per interval (seed {seed}); FC two-sided by likelihood-ratio "
           "ordering with eps >= 0, CLs a one-sided upper limit with q-tilde, delta chi2 by Wilks; "
           "edges ± Monte-Carlo error; a result the toys cannot resolve is the asymptotic one, said in the notes; "
           "asymptotic: the formulae of Cowan et al. (2011), exact here (x = eps^2 Gaussian).", "",
           "| scenario | CL | delta chi2 | FC (result) | FC (asymptotic) | CLs upper limit (result) | CLs (asymptotic) |",
           "|---|---|---|---|---|---|---|"]
    notes = []
    for row in results.frequentist:
        label, p, fc, cls = row.label, row.level.probability, row.fc, row.cls
        out.append(f"| {label} | {p:.4g} | {_pieces(row.chi2.intervals)} | "
                   f"{_pieces(fc.intervals, fc.edge_errors)} | {_pieces(fc.closed_form)} | "
                   f"{_pieces(cls.intervals, cls.edge_errors)} | {_pieces(cls.closed_form)} |")
        notes += [f"- {label}, {p:.4g}, {r.method}: {note_text(n)}" for r in (fc, cls) for n in r.notes[1:]]
        notes += [f"- {label}, {p:.4g}, {r.method}: the result is the {note_text(r.construction)}; the toys "
                  f"gave {_pieces(r.toy_intervals)}" for r in (fc, cls) if r.construction.kind != "construction_toys"]
    return out + ([""] + notes if notes else [])
