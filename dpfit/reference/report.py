"""report.md: every number the source paper prints beside dpfit's, exact intervals beside linear ones.

The printed numbers live in ``data/source_paper.yaml`` (kind ``printed_values``);
each key names the dpfit result it is compared with (grammar in
:mod:`dpfit.reference.paper_numbers`). The misprint list is built from the data:
the rows' flags, that file's ``misprints`` and the data files whose notes say "Misprint".
"""

from __future__ import annotations

from dpfit.model.analysis import Analysis
from dpfit.reference.paper_numbers import PRINTED, WINDOW_MASS, PaperRow, discrepancies, paper_rows
from dpfit.reference.paper_numbers import dpfit_value as _paper_value

__all__ = ["PRINTED", "WINDOW_MASS", "comparison_rows", "dpfit_value", "misprints", "render"]


def dpfit_value(paper: Analysis, key: str) -> float:
    """The dpfit number (in ``paper``'s convention) that a printed-value key refers to."""
    return _paper_value(paper, key)


def _sig(x: float, digits: int = 4) -> str:
    return f"{x:.{digits - 1}e}"


def comparison_rows(paper: Analysis) -> list[PaperRow]:
    """Every printed value beside dpfit's, with its rounding check and flag."""
    return paper_rows(paper)


def misprints(paper: Analysis) -> list[str]:
    """One line per misprint or contradiction of the paper, from the data (flags, misprints, notes)."""
    return discrepancies(paper)


def _comparison_lines(paper: Analysis) -> list[str]:
    out = ["| quantity | where | printed | as printed | dpfit | relative difference | within rounding | flag |",
           "|---|---|---|---|---|---|---|---|"]
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    for row in comparison_rows(paper):
        shown = f"{row.printed:.10g}" + ("" if row.corrected is None else f" (corrected {row.corrected:.10g})")
        check = "yes" if row.within_rounding else "**no**"
        flag = row.flag or ("" if row.within_rounding else "differs by more than the printed rounding")
        out.append(f"| {cell(row.what)} | {cell(row.where)} | `{row.printed_text}` | {shown} | {_sig(row.dpfit)} | "
                   f"{row.relative_difference:+.1e} | {check} | {cell(flag)} |")
    return out


def render(paper: Analysis, exact_rows: list[dict], window: dict, window_extra: dict,
           electron: list[dict], files: list[str], provenance: dict) -> str:
    """The report as Markdown."""
    out = ["# dpfit reference analysis: report", "",
           f"dpfit {provenance['dpfit_version']}; inputs hashed in `provenance.json`; "
           f"overrides: {provenance.get('overrides') or 'none'}.", "",
           "## The source paper's numbers beside dpfit's (paper convention: alpha = 1/137, rounded Delta a)", "",
           "Every number the paper prints that dpfit computes or uses as an input (the classes left out are named in "
           "the notes of `source_paper.yaml`). Rows compute in the paper's convention unless they are the paper's "
           "unrounded arithmetic. Rule: a row is within rounding when |dpfit - printed| <= half a unit in the last "
           "printed digit (for a misprint undone, of the corrected number); any other row is flagged.", ""]
    out += _comparison_lines(paper)
    out += ["", "## Known misprints and contradictions of the source paper", ""]
    out += misprints(paper) or ["- none recorded"]
    out += ["", "## Exact likelihood intervals beside the paper's linear propagation (muon, paper convention)", "",
            "Linear: eps +- n sigma_eps with sigma_eps = (eps/2)(sigma/Delta a). Exact: Delta chi2 <= 1 and 4 of the "
            "Gaussian term, eps >= 0.", "",
            "| m [MeV] | scenario | eps | linear 1 sigma | exact 68% | linear 2 sigma | exact 95% |",
            "|---|---|---|---|---|---|---|"]
    for r in exact_rows:
        if r["convention"] != "paper":
            continue
        lin1 = f"[{_sig(r['eps'] - r['sigma_linear'])}, {_sig(r['eps'] + r['sigma_linear'])}]"
        lin2 = f"[{_sig(r['eps'] - 2 * r['sigma_linear'])}, {_sig(r['eps'] + 2 * r['sigma_linear'])}]"
        out.append(f"| {r['mass_MeV']:g} | {r['scenario']} | {_sig(r['eps'])} | {lin1} | "
                   f"[{_sig(r['lo68'])}, {_sig(r['hi68'])}] | {lin2} | [{_sig(r['lo95'])}, {_sig(r['hi95'])}] |")
    out += ["", "Negative linear edges (WP25) are the linear approximation's failure; the exact intervals stop at "
            "eps = 0.", "", "## Electron couplings at 16.7 MeV", "",
            "| convention | scenario | Delta a_e | eps_e | exact 68% | exact 95% |", "|---|---|---|---|---|---|"]
    for e in electron:
        eps = "none (Delta a < 0)" if e["eps"] is None else _sig(e["eps"])
        out.append(f"| {e['convention']} | {e['scenario']} | {e['delta_a']:.3e} +- {e['sigma_delta_a']:.2e} | {eps} | "
                   + " | ".join(" U ".join(f"[{_sig(a)}, {_sig(b)}]" for a, b in e["intervals"][k]) for k in ("68", "95"))
                   + " |")
    fmt = lambda pieces: " U ".join(f"[{_sig(a)}, {_sig(b)}]" for a, b in pieces) or "empty"  # noqa: E731
    diag = window_extra["diagnostics"]
    out += ["", f"## The surviving window at {window['mass_MeV']:g} MeV (reference analysis, precise convention)", "",
            f"terms: {', '.join(window['terms'])}", "",
            f"- interval algebra (the paper's method): {fmt(window['interval_algebra'])}",
            f"- profile likelihood, Delta chi2 <= 4: {fmt(window['profile'])}",
            f"- posterior, central 95% credible interval (m marginalised over "
            f"{window_extra['mass_range'][0]:g}-{window_extra['mass_range'][1]:g} MeV): {fmt(window['posterior'])}",
            f"- interval algebra, union over that mass range: {fmt(window_extra['algebra_envelope'])}", "",
            f"Posterior run: acceptance {diag['acceptance_fraction']:.3f}, tau "
            + ", ".join(f"{k} {v:.1f}" for k, v in diag["tau"].items())
            + f", effective samples {diag['effective_samples']:.0f}"
            + (f"; warning: {diag['warning']}" if diag["warning"] else "") + ".", "",
            "## Files", ""] + [f"- `{f}`" for f in sorted(files)]
    out += ["", "## Inputs (provenance)", "", "| file | role | origin | SHA-256 |", "|---|---|---|---|"]
    out += [f"| `{f['name']}` | {f['role']} | {f['origin']} | `{f['sha256'][:16]}…` |" for f in provenance["files"]]
    out += ["", "Overrides: " + (", ".join(f"`{o['key']}={o['value']}`" for o in provenance["overrides"]) or "none")
            + f"; seed {provenance.get('seed')}; analysis: `{provenance.get('analysis')}`."]
    return "\n".join(out) + "\n"
