"""One render layer: dpfit's typed results as text lines (the CLI's and the report's) and JSON documents.

Every number is printed with what it is: intervals with their Δχ² threshold,
whether they are two- or one-sided and the probability they hold, each edge
with the term that sets it; fits with their goodness of fit.
"""

from __future__ import annotations

import math
import re

from dpfit.inference.levels import format_percent
from dpfit.inference.profile.gof import SIGNIFICANCE_LABEL
from dpfit.output.writers import to_json
from dpfit.output.wording import gof_text, interval_text, note_text, notes_text

#: Characters that Markdown (CommonMark, GitHub) or inline HTML would act on inside a line of text.
_MARKDOWN_ACTIVE = re.compile(r"([\\`*\[\]|~#!$]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
#: Control characters (C0 but tab, DEL, C1) that a terminal would act on.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def terminal_text(value) -> str:
    """Text from inputs (names, notes, override values) for one terminal line: every control character
    (newline, carriage return, escape...) shown as its Python escape (``\\n``, ``\\x1b``), never acted on."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], str(value))


def markdown_text(value) -> str:
    """Text from inputs as inert Markdown inline text: one line (control characters escaped as in
    :func:`terminal_text`), ``& < >`` as HTML entities, and Markdown's active characters backslash-escaped
    (``_`` only where it can open or close emphasis: ``eps_mu`` stays as it is)."""
    text = terminal_text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_ACTIVE.sub(r"\\\1", text)


def format_number(value: float | None, digits: int = 4) -> str:
    """A number to ``digits`` significant digits; 'inf' / 'none' where it is not finite."""
    if value is None:
        return "none"
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def format_pieces(pieces, digits: int = 4, edges=None) -> str:
    """'[a, b] U [c, d]' (with '(set by X)' per edge when ``edges`` are given), 'empty' for none."""
    if not pieces:
        return "empty"
    out = []
    for i, (lo, hi) in enumerate(pieces):
        text = f"[{format_number(lo, digits)}, {format_number(hi, digits)}]"
        if edges is not None:
            text += f" (edges: {edges[i][0]}, {edges[i][1]})"
        out.append(text)
    return " U ".join(out)


def interval_line(name: str, label: str, interval) -> str:
    """'eps 1sigma: [a, b] (edges: na64, gm2:Rb20) -- delta chi2 <= 1, two-sided 68.27 %'."""
    return f"{name} {label}: {format_pieces(interval.pieces, edges=interval.edges)} -- {interval_text(interval)}"


def fit_lines(result) -> list[str]:
    """Text lines of a :class:`dpfit.inference.profile.fit.FitResult`."""
    best = ", ".join(f"{k} = {format_number(v, 5)}" if v is not None else f"{k} free" for k, v in result.best_fit.items()
                     if k != "m" or result.mass_constrained)
    best = best if result.mass_constrained else f"m not constrained, {best}"
    lines = [f"terms: {', '.join(result.terms)}",
             f"best fit: {best} ({'mass fixed' if result.mass_fixed else 'mass free'})",
             f"goodness of fit: {gof_text(result.gof)}; converged: {result.converged}"]
    for name, per_level in result.intervals.items():
        lines += [interval_line(name, label, iv) for label, iv in per_level.items()]
    return lines + [f"note: {note_text(n)}" for n in result.notes]


def compatibility_lines(compat) -> list[str]:
    """The compatibility table as text: each (g−2) term's own fit, then each pair's tension."""
    lines = [f"compatibility of the measurement terms at m = {compat.mass:g} MeV (parameter goodness of fit):"]
    for name, g in compat.single.items():
        lines.append(f"  {name} alone: {gof_text(g)}")
    for t in compat.pairs:
        if t.p_value is None:
            lines.append(f"  {t.first} vs {t.second}: chi2_PG = {t.chi2_pg:.3g}, no degrees of freedom")
        else:
            lines.append(f"  {t.first} vs {t.second}: chi2_PG = {t.chi2_pg:.3g} for {t.ndof} dof, p = {t.p_value:.3g}, "
                         f"{t.significance:.2g} sigma ({SIGNIFICANCE_LABEL})")
    return lines


def window_lines(result) -> list[str]:
    """Text lines of a :class:`dpfit.inference.window.WindowResult`."""
    lines = [f"window of {result.parameter} at m = {result.mass:g} MeV (terms: {', '.join(result.terms)})",
             f"  goodness of fit at that mass: {gof_text(result.gof)}",
             f"  status: {result.status}"]
    if result.status == "excluded":
        return lines + [f"  note: {note_text(n)}" for n in result.notes] + ["  " + line for line in
                                                                 compatibility_lines(result.compatibility)]
    lines += [f"  interval algebra (paper's method, mixed levels): {format_pieces(result.algebra)}",
              "    combines: " + "; ".join(notes_text(result.algebra_composition)),
              f"  profile likelihood, {interval_text(result.profile)}: "
              f"{format_pieces(result.profile.pieces, edges=result.profile.edges)}",
              f"  posterior, {note_text(result.posterior_label)}: {format_pieces(result.posterior)}"]
    if result.posterior_central is not None:
        c = result.posterior_central
        lines.append(f"  posterior, {c['method']} {format_percent(c['level'])} (chain): {format_pieces(c['pieces'])} "
                     f"(Monte-Carlo errors {c['errors'][0][0]:.1g}, {c['errors'][0][1]:.1g})")
    lines.append(f"  interval algebra over the mass range: {format_pieces(result.algebra_envelope)}")
    if result.posterior_check is not None:
        more, warnings = check_lines(result.posterior_check)
        lines += ["  " + line for line in more] + [f"  warning: {w}" for w in warnings]
    if result.diagnostics and result.diagnostics.get("warning"):
        lines.append(f"  warning: {note_text(result.diagnostics['warning'])}")
    lines += [f"  limit {c['name']}: {c['experiment']}, {c['cl'] * 100:g}% CL, produced through {c['production']} "
              f"couplings, {note_text(c['model'])}" for c in result.limits]
    lines += [f"  note: {note_text(n)}" for n in result.notes]
    return lines + ["  " + line for line in compatibility_lines(result.compatibility)]


def interval_lines(result) -> list[str]:
    """Text lines of a :class:`dpfit.inference.frequentist.IntervalResult` (ε, dimensionless; mass in MeV)."""
    doc = result.to_dict()
    lines = [f"{doc['description']} interval of {doc['coupling']} at m = {doc['mass_MeV']:g} MeV, "
             f"level {doc['level']} ({format_percent(doc['cl'])}), {note_text(doc['sides'])}",
             f"  {doc['coupling']}: " + (format_pieces(doc["intervals"]) if doc["intervals"] is not None
                                         else "not quoted (the toys could not resolve this level)"),
             f"  construction: {note_text(doc['construction'])}"]
    if doc["edge_mc_errors"] is not None:
        lines.append("  Monte-Carlo errors of the edges: " + format_pieces(doc["edge_mc_errors"], 2))
    if doc["asymptotic_intervals"] is not None:
        lines.append(f"  asymptotic (closed form): {format_pieces(doc['asymptotic_intervals'])}")
    return lines + [f"  note: {note_text(note)}" for note in doc["notes"]]


def text(lines: list[str]) -> str:
    """Lines joined into one text with a final newline."""
    return "\n".join(lines) + "\n"


def json_document(result, **extra) -> str:
    """A result's ``to_dict()`` as pretty JSON (NaN and infinities as null), with ``extra`` keys (provenance)."""
    return to_json({**result.to_dict(), **extra})


def sampler_choice(sampler: str, grid_ok: bool) -> dict:
    """Which sampler ran and why, in words (recorded in the output)."""
    if sampler == "dynesty":
        reason = "asked for: nested sampling populates every allowed piece and gives the evidence"
    elif grid_ok:
        reason = ("default: emcee with walkers started in every allowed piece in proportion to its grid-posterior "
                  "weight; the grid posterior is the reference it is checked against")
    else:
        reason = "default: emcee with walkers drawn from the prior box (no grid reference for this model)"
    return {"sampler": sampler, "reason": reason}


def grid_lines(summary: dict) -> list[str]:
    """Text lines of a grid summary (:meth:`GridPosterior.summary`)."""
    lines = [f"grid posterior (exact reference): ln Z = {summary['log_evidence']:.4f} "
             f"+- {summary['log_evidence_error']:.1e} (numerical)"]
    for name, entry in summary["parameters"].items():
        q = entry["quantiles"]
        line = f"  {name}: 2.5% {q['q0.025']:.5g}, median {q['q0.5']:.5g}, 97.5% {q['q0.975']:.5g}"
        if "hpd95" in entry:
            line += (f"; 95% HPD (highest density, holds {entry['hpd95']['holds']:.3f}) "
                     f"{format_pieces(entry['hpd95']['pieces'])}; 95% central (two-sided) "
                     f"{format_pieces(entry['central95']['pieces'])}")
        lines.append(line)
    pieces = summary["pieces"]["pieces"]
    lines.append(f"  allowed pieces of {summary['pieces']['parameter']}: {len(pieces)}: " + "; ".join(
        f"[{p['eps_range'][0]:.3g}, {p['eps_range'][1]:.3g}] weight {p['weight']:.4f}" for p in pieces))
    return lines


def check_lines(check: dict) -> tuple[list[str], list[str]]:
    """(stdout lines, warning lines) of a :func:`grid_check`."""
    out = grid_lines(check["grid"])
    agreement = check["agreement"]
    rows = agreement["pieces"]["pieces"]
    out.append("  sample vs grid, per piece (weight +- Monte-Carlo error): " + "; ".join(
        f"[{r['eps_range'][0]:.3g}, {r['eps_range'][1]:.3g}] {r['chain_weight']:.4f} +- {r['chain_error']:.4f} "
        f"(grid {r['grid_weight']:.4f})" for r in rows))
    if agreement["pieces"].get("walkers_crossing_pieces") is not None:
        out.append(f"  walkers that moved between pieces: {agreement['pieces']['walkers_crossing_pieces']}")
    warnings = []
    if agreement["pieces"].get("note"):
        out.append(f"  note: {note_text(agreement['pieces']['note'])}")
    if agreement["warning"]:
        warnings.append(note_text(agreement["warning"]))
    else:
        out.append("  the sample agrees with the grid posterior within its Monte-Carlo errors (3 sigma)")
    sens = check.get("prior_sensitivity")
    if sens:
        if sens["warning"]:
            warnings.append(note_text(sens["warning"]))
        else:
            out.append(f"  prior sensitivity: no quantile moves by more than {sens['threshold']:.0%} "
                       f"({', '.join(v['prior'] for v in sens['variants'])})")
    return out, warnings
