"""report.md: every number the source paper prints beside dpfit's, exact intervals beside linear ones.

The printed numbers live in ``data/source_paper.yaml`` (kind ``printed_values``);
each key names the dpfit result it is compared with (see that file's notes).
Misprints are collected from the data files whose notes say "Misprint".
"""

from __future__ import annotations

from dpfit.model.analysis import Analysis
from dpfit.errors import InputError
from dpfit.inference.tables import coupling_estimate
from dpfit.inference.window import interval_algebra
from dpfit.reference.limits_report import contour_vs_point_lines, limit_model_lines, na48_lines

PRINTED = "source_paper"
WINDOW_MASS = 16.7


def dpfit_value(paper: Analysis, key: str) -> float:
    """The dpfit number (paper convention) that a printed-value key refers to."""
    inputs = paper.inputs
    kind, _, rest = key.partition(".")
    if kind in ("eps", "sigma_linear"):
        lepton, scenario, mass = rest.split(".", 2)
        est = coupling_estimate(inputs, lepton, scenario, [float(mass)])
        return float(est.eps[0] if kind == "eps" else est.sigma_linear[0])
    if kind == "delta_a":
        return inputs.delta_a(rest).value
    if kind == "eps_from_g":
        return float(inputs.contour(rest).lower[0])  # converted from g_ve with the run's alpha
    if kind == "window":
        pieces = interval_algebra(paper.likelihood(), WINDOW_MASS)
        return pieces[0][0] if rest == "lower" else pieces[-1][1]
    raise InputError(str(inputs.file(PRINTED).path), "values.key", f"unknown key '{key}'")


def _sig(x: float, digits: int = 4) -> str:
    return f"{x:.{digits - 1}e}"


def comparison_rows(paper: Analysis) -> list[tuple[str, float, float, float]]:
    """(what, printed, dpfit, relative difference) for every printed value."""
    rows = []
    for item in paper.inputs.file(PRINTED).doc["values"]:
        value = dpfit_value(paper, item["key"])
        rows.append((item["what"], item["printed"], value, (value - item["printed"]) / abs(item["printed"])))
    return rows


def misprints(paper: Analysis) -> list[str]:
    """One line per known misprint, from the data files' notes."""
    lines = []
    for entry in paper.inputs.files():
        notes = entry.doc.get("notes", "") if entry.role == "data" else ""
        if "Misprint" in notes:
            lines.append(f"- `{entry.name}` ({entry.origin}): {notes}")
    return sorted(set(lines))


def render(paper: Analysis, exact_rows: list[dict], window: dict, window_extra: dict,
           electron: list[dict], files: list[str], provenance: dict) -> str:
    """The report as Markdown."""
    out = ["# dpfit reference analysis: report", "",
           f"dpfit {provenance['dpfit_version']}; inputs hashed in `provenance.json`; "
           f"overrides: {provenance.get('overrides') or 'none'}.", "",
           "## The source paper's numbers beside dpfit's (paper convention: alpha = 1/137, rounded Delta a)", "",
           "| quantity | paper | dpfit | relative difference |", "|---|---|---|---|"]
    for what, printed, value, rel in comparison_rows(paper):
        out.append(f"| {what} | {printed:.4g} | {_sig(value)} | {rel:+.1e} |")
    out += ["", "Window and band edges are printed by the paper to 2-3 digits; the differences above are "
            "those roundings.", "", "## Known misprints of the source paper", ""]
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
            + (f"; warning: {diag['warning']}" if diag["warning"] else "") + ".", ""]
    out += [f"- limit {c['name']}: {c['experiment']}, {c['cl'] * 100:g}% CL, produced through {c['production']} "
            f"couplings, {c['model']}" for c in window.get("limits", [])]
    out += [f"- note: {n}" for n in window.get("notes", [])] + ["", "## Exclusions as published", ""]
    out += contour_vs_point_lines()
    out += na48_lines()
    out += limit_model_lines()
    out += ["## Files", ""] + [f"- `{f}`" for f in sorted(files)]
    out += ["", "## Inputs (provenance)", "", "| file | role | origin | SHA-256 |", "|---|---|---|---|"]
    out += [f"| `{f['name']}` | {f['role']} | {f['origin']} | `{f['sha256'][:16]}…` |" for f in provenance["files"]]
    out += ["", "Overrides: " + (", ".join(f"`{o['key']}={o['value']}`" for o in provenance["overrides"]) or "none")
            + f"; seed {provenance.get('seed')}; analysis: `{provenance.get('analysis')}`."]
    return "\n".join(out) + "\n"
