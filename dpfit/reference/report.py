"""report.md: the answer first, then the details, then every number the source paper prints beside dpfit's.

:func:`render` formats :class:`dpfit.reference.results.ReferenceResults` (computed once, with the run's own
inputs); it computes nothing.

The printed numbers live in ``data/source_paper.yaml`` (kind ``printed_values``);
each key names the dpfit result it is compared with (grammar in
:mod:`dpfit.reference.paper_numbers`). The misprint list is built from the data:
the rows' flags, that file's ``misprints`` and the data files whose notes say "Misprint".
"""

from __future__ import annotations

from dpfit.inference.profile.gof import SIGNIFICANCE_CONVENTION, SIGNIFICANCE_LABEL
from dpfit.output.render import markdown_text
from dpfit.output.wording import gof_text, interval_text, note_text, notes_text
from dpfit.reference.paper_numbers import WINDOW_MASS
from dpfit.reference.limits_report import (contour_vs_point_lines, limit_model_lines, model_lines, na48_lines,
                                          survival_lines)

__all__ = ["render", "summary_lines"]


def _sig(x: float, digits: int = 4) -> str:
    return f"{x:.{digits - 1}e}"


def _digits(printed_text: str) -> int:
    """Significant digits of a printed number (its mantissa; 4 for an exact fraction)."""
    mantissa = printed_text.replace(" ", "").lstrip("-").split("(")[0].split("e")[0].rstrip("%")
    if "/" in mantissa:
        return 4
    return max(1, len(mantissa.replace(".", "").lstrip("0")))


def _comparison_lines(rows) -> list[str]:
    """The appendix table: dpfit's number with at least as many significant digits as the printed one."""
    out = ["| quantity | where | printed | as printed | dpfit | relative difference | within rounding | flag |",
           "|---|---|---|---|---|---|---|---|"]
    def cell(text: str) -> str:
        return markdown_text(" ".join(text.split()))

    for row in rows:
        shown = f"{row.printed:.10g}" + ("" if row.corrected is None else f" (corrected {row.corrected:.10g})")
        check = "yes" if row.within_rounding else "**no**"
        flag = row.flag or ("" if row.within_rounding else "differs by more than the printed rounding")
        digits = max(4, _digits(row.printed_text) + 1)
        out.append(f"| {cell(row.what)} | {cell(row.where)} | `{row.printed_text}` | {shown} | {row.dpfit:.{digits}g} | "
                   f"{row.relative_difference:+.1e} | {check} | {cell(flag)} |")
    return out


def _pieces(pieces) -> str:
    return " U ".join(f"[{_sig(a)}, {_sig(b)}]" for a, b in pieces) or "empty"


def exact_interval_lines(exact_rows: list[dict]) -> list[str]:
    """The exact Δχ² intervals beside the paper's linear ε ± nσ_ε (muon, paper convention)."""
    out = ["## Exact likelihood intervals beside the paper's linear propagation (muon, paper convention)", "",
           "Linear: eps +- n sigma_eps with sigma_eps = (eps/2)(sigma/Delta a). Exact: the profile-likelihood regions "
           "Delta chi2 <= 1 (two-sided 68.27 %) and Delta chi2 <= 4 (two-sided 95.45 %) of the Gaussian term, eps >= 0.",
           "", "| m [MeV] | scenario | eps | linear 1 sigma | exact, Delta chi2 <= 1 | linear 2 sigma | "
           "exact, Delta chi2 <= 4 |", "|---|---|---|---|---|---|---|"]
    for r in exact_rows:
        if r["convention"] != "paper":
            continue
        lin1 = f"[{_sig(r['eps'] - r['sigma_linear'])}, {_sig(r['eps'] + r['sigma_linear'])}]"
        lin2 = f"[{_sig(r['eps'] - 2 * r['sigma_linear'])}, {_sig(r['eps'] + 2 * r['sigma_linear'])}]"
        out.append(f"| {r['mass_MeV']:g} | {r['scenario']} | {_sig(r['eps'])} | {lin1} | "
                   f"[{_sig(r['lo_1sigma'])}, {_sig(r['hi_1sigma'])}] | {lin2} | "
                   f"[{_sig(r['lo_2sigma'])}, {_sig(r['hi_2sigma'])}] |")
    return out + ["", "Negative linear edges (WP25) are the linear approximation's failure; the exact intervals stop at "
                  "eps = 0 (there the WP25 intervals are two-sided regions touching the boundary, not upper limits: "
                  "the best fit is not on the boundary)."]


def electron_lines(electron: list[dict]) -> list[str]:
    """Δa_e, ε_e and the exact intervals (with what each holds) for each electron scenario at 16.7 MeV."""
    out = ["## Electron couplings at 16.7 MeV", "",
           "| convention | scenario | Delta a_e | eps_e | goodness of fit | exact, 1 sigma level | exact, 2 sigma level |",
           "|---|---|---|---|---|---|---|"]
    for e in electron:
        eps = "none (Delta a < 0)" if e["eps"] is None else _sig(e["eps"])
        ivs = e["fit"]["intervals"]["eps"]
        cells = []
        for label in ("1sigma", "2sigma"):
            iv = ivs[label]
            low, high = iv["coverage_range"]
            held = (f"two-sided {100 * high:.2f} %" if iv["sided"] == "two-sided" else
                    f"one-sided upper limit, coverage between {100 * low:.2f} % and {100 * high:.2f} %")
            cells.append(f"{_pieces(iv['pieces'])} (Delta chi2 <= {iv['delta_chi2']:g}, {held})")
        gof = e["fit"]["gof"]
        gof_text = ("no dof" if gof["p_value"] is None else
                    f"chi2_min {gof['chi2_min']:.3g}, p = {gof['p_value']:.2g} ({gof['significance_sigma']:.2g} sigma, "
                    f"{SIGNIFICANCE_LABEL})")
        out.append(f"| {e['convention']} | {e['scenario']} | {e['delta_a']:.3e} +- {e['sigma_delta_a']:.2e} | {eps} | "
                   f"{gof_text} | " + " | ".join(cells) + " |")
    return out + ["", "With Delta a_e < 0 (Cs18) a vector boson, which only raises a_e, cannot explain the measurement: "
                  "the best fit sits on eps = 0, the regions are one-sided upper limits covering between the two-sided "
                  "level (a true coupling far from 0) and the Chernoff mixture's value (a true coupling at 0), and the goodness of fit measures the deficit against any vector boson."]


def gof_lines(rows: list[dict], mass: float) -> list[str]:
    """Goodness of fit of the full model and the tension of each muon × electron pair at ``mass`` (MeV)."""
    out = [f"## Goodness of fit and compatibility at {mass:g} MeV (precise convention)", "",
           "Each row: the full reference model with that pair of scenarios (with NA64, PADME and ATOMKI as step terms, "
           "which carry no degrees of freedom): chi2_min, dof, p-value and the distribution used (Chernoff mixture "
           "when the coupling ends on a hard edge); then the parameter goodness of fit of the two (g-2) measurements "
           "(Maltoni & Schwetz 2003) and each measurement's own fit. Every significance is "
           f"{SIGNIFICANCE_CONVENTION}.", "",
           "| muon | electron | full model | tension muon vs electron | muon alone | electron alone |",
           "|---|---|---|---|---|---|"]
    for r in rows:
        compat = r["compatibility"]
        pair = compat.pairs[0] if compat.pairs else None
        pair_text = ("n/a" if pair is None or pair.p_value is None else
                     f"chi2_PG {pair.chi2_pg:.3g} ({pair.ndof} dof): {pair.significance:.2g} sigma, "
                     f"{SIGNIFICANCE_LABEL}")
        single = [gof_text(g) for g in compat.single.values()]
        out.append(f"| {r['muon']} | {r['electron']} | {gof_text(r['fit'])} | {pair_text} | " + " | ".join(single) + " |")
    return out


def window_lines(window) -> list[str]:
    """The window three ways, each line stating its confidence, or the exclusion of the analysis."""
    out = [f"## The surviving window at {window.mass:g} MeV (reference analysis, precise convention)", "",
           f"terms: {', '.join(window.terms)}", "", f"- goodness of fit at that mass: {gof_text(window.gof)}"]
    if window.status == "excluded":
        return out + [f"- status: excluded (p below {window.gof_threshold:g}); no window is quoted."] + \
            [f"- {markdown_text(note_text(n))}" for n in window.notes]
    diag = window.diagnostics
    out += [f"- interval algebra (the paper's method, levels mixed): {_pieces(window.algebra)}; it intersects "
            + "; ".join(notes_text(window.algebra_composition)),
            f"- profile likelihood, {interval_text(window.profile)}: {_pieces(window.profile.pieces)} "
            f"(edges set by {', '.join(' and '.join(e) for e in window.profile.edges)})",
            f"- posterior, {note_text(window.posterior_label)}: {_pieces(window.posterior)}",
            f"- interval algebra, union over the mass range (mixed levels as above): {_pieces(window.algebra_envelope)}",
            "", f"Posterior run: acceptance {diag['acceptance_fraction']:.3f}, tau "
            + ", ".join(f"{k} {v:.1f}" for k, v in diag["tau"].items())
            + f", effective samples {diag['effective_samples']:.0f}"
            + (f"; warning: {note_text(diag['warning'])}" if diag["warning"] else "") + "."]
    out += [f"- limit {markdown_text(c['name'])}: {markdown_text(c['experiment'])}, {c['cl'] * 100:g}% CL, produced "
            f"through {markdown_text(c['production'])} couplings, {note_text(c['model'])}" for c in window.limits]
    return out + [f"- note: {markdown_text(note_text(n))}" for n in window.notes]


def _overrides(provenance: dict) -> str:
    """The ``--set`` overrides of a run as inert Markdown text, or 'none'."""
    return ", ".join(markdown_text(f"{o['key']}={o['value']}") for o in provenance.get("overrides") or []) or "none"


def _assumptions(results) -> list[str]:
    """The model and the source paper's assumptions, listed once."""
    a = results.analysis
    return [f"- model: {markdown_text(note_text(results.window.notes[0])) if results.window.notes else a.vector_model}",
            f"- the source paper's assumptions: lepton-universal couplings (eps_e = eps_mu = eps), no proton coupling "
            f"(protophobic: NA48/2's pi0 -> gamma X does not apply), eps_nu = 0, BR(X -> e+e-) = 1 below the muon "
            f"pair threshold (invisible width ratio {a.invisible_ratio:g}), one boson explains ATOMKI, (g-2)_mu and "
            f"(g-2)_e at once; inputs: muon {a.muon}, electron {a.electron}, limits {', '.join(a.limit_cards())}, "
            f"region {a.atomki}; convention {a.convention}."]


def _main_discrepancies(results) -> list[str]:
    """The window beside the paper's, and the printed numbers that move a result by more than 1 %."""
    rows = {r.key: r for r in results.paper_rows}
    out = []
    lo, hi = rows.get("window.lower"), rows.get("window.upper")
    if lo and hi:
        out.append(f"- the paper's window [{lo.printed_text}, {hi.printed_text}] at {WINDOW_MASS:g} MeV: dpfit gives "
                   f"[{_sig(lo.dpfit)}, {_sig(hi.dpfit)}] in the paper's convention (NA64 as the abstract's single "
                   f"point 6.8e-4) and {_pieces(results.window.algebra)} in the precise one, where the lower edge is "
                   "NA64's published contour (6.620e-4 at 16.7 MeV)")
    big = [r for r in results.paper_rows if (r.flag or not r.within_rounding) and abs(r.relative_difference) > 0.01
           and not r.key.startswith("window.")]
    out += [f"- {markdown_text(r.what)} ({markdown_text(r.where)}): printed `{r.printed_text}`, dpfit "
            f"{_sig(r.dpfit)} ({r.relative_difference:+.1%})" for r in big]
    flagged = sum(1 for r in results.paper_rows if r.flag or not r.within_rounding)
    out.append(f"- {len(results.paper_rows) - flagged} of {len(results.paper_rows)} printed numbers agree within the "
               f"paper's rounding; {flagged} are flagged (all in the appendix, reasons in 'Known misprints')")
    return out


def _pieces_level(pieces) -> str:
    return _pieces(pieces) if pieces else "empty"


def summary_lines(results) -> list[str]:
    """The first screen: the window three ways with levels, goodness of fit, the model, the main discrepancies."""
    w = results.window
    out = [f"## The answer: the X17 window at {w.mass:g} MeV", ""]
    if w.status == "excluded":
        out.append(f"- **excluded**: {gof_text(w.gof)}; no window is quoted.")
    else:
        out += [f"- interval algebra (the source paper's method; levels mixed: 2 sigma (g-2) bands, 90 % CL limits, "
                f"the ATOMKI box): eps in {_pieces_level(w.algebra)}",
                f"- profile likelihood, {interval_text(w.profile)}: eps in {_pieces_level(w.profile.pieces)} (edges set by "
                f"{', '.join(' and '.join(e) for e in w.profile.edges)})",
                f"- posterior, {note_text(w.posterior_label)}: eps in {_pieces_level(w.posterior)}"]
    out += [f"- goodness of fit at {w.mass:g} MeV: {gof_text(w.gof)}"]
    mine = next((r for r in results.x17_vs_null if r["analysis"] == f"muon={results.analysis.muon}"), None)
    if mine:
        out.append(f"- X17 against no X17 ({mine['analysis']}): ln B = {mine['ln_B']:+.2f} (priors and the null in "
                   "'Model comparison'; other priors: " + "; ".join(f"{v['prior']} {v['ln_B']:+.2f}"
                                                                    for v in mine["variants"]) + ")")
    out += ["", "Model and assumptions:", ""] + _assumptions(results)
    out += ["", "Main discrepancies with the source paper:", ""] + _main_discrepancies(results)
    return out


def render(results, files: list[str], provenance: dict) -> str:
    """The report as Markdown, formatted from ``results`` (:class:`dpfit.reference.results.ReferenceResults`)."""
    from dpfit.output.comparison_text import comparison_markdown
    from dpfit.output.report_evidence import null_markdown
    from dpfit.reference.frequentist_lines import frequentist_lines

    out = ["# dpfit reference analysis: report", ""] + summary_lines(results)
    out += ["", "## Details", "", f"dpfit {provenance['dpfit_version']}; inputs hashed in `provenance.json`; "
            f"overrides: {_overrides(provenance)}."]
    out += [""] + window_lines(results.window) + [""] + model_lines(results)
    out += [""] + gof_lines(results.gof_rows, results.window.mass)
    out += [""] + exact_interval_lines(results.exact) + [""] + electron_lines(results.electron)
    out += [""] + comparison_markdown(results.evidence)
    out += ["", "Priors and normalisation of every ln Z above: " + note_text(results.x17_vs_null[0]["priors"]) + ". ln Z "
            "is a density of the measured Delta a values (dimensionless), so ln Z of analyses with different "
            "scenarios compare SM predictions; `dpfit window` quotes the posterior's own ln Z without the Gaussian "
            "normalisation, a different number.", ""] + null_markdown(results.x17_vs_null)
    out += [""] + frequentist_lines(results)
    out += ["", "## Exclusions as published", ""] + contour_vs_point_lines(results) + na48_lines(results) \
        + limit_model_lines(results) + survival_lines(results)
    out += ["", "## Known misprints and contradictions of the source paper", ""]
    out += [markdown_text(line) for line in results.misprints] or ["- none recorded"]
    out += ["", "## Files", ""] + [f"- `{f}`" for f in sorted(files)]
    out += ["", "## Inputs (provenance)", "", f"input-set digest `{provenance['inputs_digest']}`", "",
            "| file | role | layer | path | SHA-256 |", "|---|---|---|---|---|"]
    out += [f"| `{f['name']}` | {f['role']} | {f['layer']} | {f['path']} | `{f['sha256'][:16]}…` |"
            for f in provenance["files"]]
    out += ["", f"Overrides: {_overrides(provenance)}; seed {provenance.get('seed')}; "
                f"analysis: {markdown_text(provenance.get('analysis'))}."]
    out += ["", "## Appendix: the source paper's numbers beside dpfit's (paper convention: alpha = 1/137, rounded "
            "Delta a)", "",
            "Every number the paper prints that dpfit computes or uses as an input (the classes left out are named in "
            "the notes of `source_paper.yaml`). Rows compute in the paper's convention unless they are the paper's "
            "unrounded arithmetic. Rule: a row is within rounding when |dpfit - printed| <= half a unit in the last "
            "printed digit (for a misprint undone, of the corrected number); any other row is flagged. dpfit's "
            "number has at least one significant digit more than the printed one.", ""]
    out += _comparison_lines(results.paper_rows)
    return "\n".join(out) + "\n"
