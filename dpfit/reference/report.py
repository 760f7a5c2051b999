"""report.md: every number the source paper prints beside dpfit's, exact intervals beside linear ones.

The printed numbers live in ``data/source_paper.yaml`` (kind ``printed_values``);
each key names the dpfit result it is compared with (grammar in
:mod:`dpfit.reference.paper_numbers`). The misprint list is built from the data:
the rows' flags, that file's ``misprints`` and the data files whose notes say "Misprint".
"""

from __future__ import annotations

from dpfit.inference.profile.gof import SIGNIFICANCE_CONVENTION, SIGNIFICANCE_LABEL
from dpfit.model.analysis import Analysis
from dpfit.output.render import markdown_text
from dpfit.reference.paper_numbers import PRINTED, WINDOW_MASS, PaperRow, discrepancies, paper_rows
from dpfit.reference.paper_numbers import dpfit_value as _paper_value
from dpfit.reference.limits_report import contour_vs_point_lines, limit_model_lines, na48_lines

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
        return markdown_text(" ".join(text.split()))

    for row in comparison_rows(paper):
        shown = f"{row.printed:.10g}" + ("" if row.corrected is None else f" (corrected {row.corrected:.10g})")
        check = "yes" if row.within_rounding else "**no**"
        flag = row.flag or ("" if row.within_rounding else "differs by more than the printed rounding")
        out.append(f"| {cell(row.what)} | {cell(row.where)} | `{row.printed_text}` | {shown} | {_sig(row.dpfit)} | "
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
        single = [g.describe() for g in compat.single.values()]
        out.append(f"| {r['muon']} | {r['electron']} | {r['fit'].describe()} | {pair_text} | " + " | ".join(single) + " |")
    return out


def window_lines(window) -> list[str]:
    """The window three ways, each line stating its confidence, or the exclusion of the analysis."""
    out = [f"## The surviving window at {window.mass:g} MeV (reference analysis, precise convention)", "",
           f"terms: {', '.join(window.terms)}", "", f"- goodness of fit at that mass: {window.gof.describe()}"]
    if window.status == "excluded":
        return out + [f"- status: excluded (p below {window.gof_threshold:g}); no window is quoted."] + \
            [f"- {markdown_text(n)}" for n in window.notes]
    diag = window.diagnostics
    out += [f"- interval algebra (the paper's method, levels mixed): {_pieces(window.algebra)}; it intersects "
            + "; ".join(window.algebra_composition),
            f"- profile likelihood, {window.profile.describe()}: {_pieces(window.profile.pieces)} "
            f"(edges set by {', '.join(' and '.join(e) for e in window.profile.edges)})",
            f"- posterior, {window.posterior_label}: {_pieces(window.posterior)}",
            f"- interval algebra, union over the mass range (mixed levels as above): {_pieces(window.algebra_envelope)}",
            "", f"Posterior run: acceptance {diag['acceptance_fraction']:.3f}, tau "
            + ", ".join(f"{k} {v:.1f}" for k, v in diag["tau"].items())
            + f", effective samples {diag['effective_samples']:.0f}"
            + (f"; warning: {diag['warning']}" if diag["warning"] else "") + "."]
    out += [f"- limit {markdown_text(c['name'])}: {markdown_text(c['experiment'])}, {c['cl'] * 100:g}% CL, produced "
            f"through {markdown_text(c['production'])} couplings, {markdown_text(c['model'])}" for c in window.limits]
    return out + [f"- note: {markdown_text(n)}" for n in window.notes]


def _overrides(provenance: dict) -> str:
    """The ``--set`` overrides of a run as inert Markdown text, or 'none'."""
    return ", ".join(markdown_text(f"{o['key']}={o['value']}") for o in provenance.get("overrides") or []) or "none"


def render(paper: Analysis, exact_rows: list[dict], window, electron: list[dict], gof_rows: list[dict],
           files: list[str], provenance: dict, toys: int = 20_000) -> str:
    """The report as Markdown (``toys``: per frequentist interval)."""
    out = ["# dpfit reference analysis: report", "",
           f"dpfit {provenance['dpfit_version']}; inputs hashed in `provenance.json`; "
           f"overrides: {_overrides(provenance)}.", "",
           "## The source paper's numbers beside dpfit's (paper convention: alpha = 1/137, rounded Delta a)", "",
           "Every number the paper prints that dpfit computes or uses as an input (the classes left out are named in "
           "the notes of `source_paper.yaml`). Rows compute in the paper's convention unless they are the paper's "
           "unrounded arithmetic. Rule: a row is within rounding when |dpfit - printed| <= half a unit in the last "
           "printed digit (for a misprint undone, of the corrected number); any other row is flagged.", ""]
    out += _comparison_lines(paper)
    out += ["", "## Known misprints and contradictions of the source paper", ""]
    out += [markdown_text(line) for line in misprints(paper)] or ["- none recorded"]
    out += [""] + exact_interval_lines(exact_rows) + [""] + electron_lines(electron)
    out += [""] + gof_lines(gof_rows, window.mass) + [""] + window_lines(window)
    from dpfit.output.comparison_text import comparison_markdown
    from dpfit.reference.model_comparison import scenario_comparison

    out += [""] + comparison_markdown(scenario_comparison(paper.replace(convention="precise")))
    from dpfit.reference.frequentist_lines import frequentist_lines

    out += [""] + frequentist_lines(toys=toys)
    out += ["", "## Exclusions as published", ""] + contour_vs_point_lines() + na48_lines() + limit_model_lines()
    out += ["", "## Files", ""] + [f"- `{f}`" for f in sorted(files)]
    out += ["", "## Inputs (provenance)", "", f"input-set digest `{provenance['inputs_digest']}`", "",
            "| file | role | layer | path | SHA-256 |", "|---|---|---|---|---|"]
    out += [f"| `{f['name']}` | {f['role']} | {f['layer']} | {f['path']} | `{f['sha256'][:16]}…` |"
            for f in provenance["files"]]
    out += ["", f"Overrides: {_overrides(provenance)}; seed {provenance.get('seed')}; "
                f"analysis: {markdown_text(provenance.get('analysis'))}."]
    return "\n".join(out) + "\n"
