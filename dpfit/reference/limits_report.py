"""Report lines about the exclusions and the vector models: the contour against the source paper's single
point, NA48/2 under the dark-photon model, the step against the Poisson limit model, and the window under
four models side by side.

Each function formats :class:`dpfit.reference.results.ReferenceResults` (computed with the run's own
inputs) into Markdown lines; the windows are the paper's interval algebra at one mass (Δχ² is not
involved) and the profile-likelihood Δχ² ≤ 4 region (two-sided, 95.45 % for one parameter by Wilks), at
fixed mass, of ε (units of e).
"""

from __future__ import annotations

from dpfit.inference.profile.gof import SIGNIFICANCE_LABEL
from dpfit.output.render import markdown_text
from dpfit.output.wording import note_text
from dpfit.reference.results import MASS


def _fmt(pieces) -> str:
    return " U ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in pieces) or "empty"


def _table(rows) -> list[str]:
    lines = ["| analysis | interval algebra (paper's method) | profile likelihood, Δχ² ≤ 4 |", "|---|---|---|"]
    return lines + [f"| {r.label} | {_fmt(r.algebra)} | {_fmt(r.profile or [])} |" for r in rows]


def contour_vs_point_lines(results) -> list[str]:
    """The window at 16.7 MeV with NA64's published contour (default) beside the source paper's single point."""
    return [f"### NA64: published contour against the single point (m = {MASS:g} MeV)", "",
            "NA64's 90 % CL contour (PRD 101 (2020) 071101(R), digitised in DarkCast) excludes up to 6.62e-4 at "
            "16.7 MeV; the source paper uses the abstract's rounded point 6.8e-4 over the whole ATOMKI mass range.", ""
            ] + _table(results.exclusions["contour_vs_point"]) + [""]


def na48_lines(results) -> list[str]:
    """What NA48/2 (π⁰ → γX, quark couplings) does to the window under the dark-photon model."""
    return [f"### NA48/2 under the dark-photon model (m = {MASS:g} MeV)", "",
            f"NA48/2's π⁰ → γX contour (PLB 746 (2015) 178, digitised in DarkCast) excludes ε > "
            f"{results.na48_limit:.4g} at {MASS:g} MeV (90 % CL; linear in (ln m, ln ε) between contour points). "
            "π⁰ → γX goes through the quark couplings, which a kinetically mixed dark photon has (ε·Q): under that "
            "model NA48/2 applies; under the protophobic model (ε_p = 0) it drops out by itself.", ""
            ] + _table(results.exclusions["na48"]) + [""]


def limit_model_lines(results) -> list[str]:
    """The window under the hard step (default) and the zero-event Poisson reading of one-sided limits."""
    return [f"### One-sided limits: hard step against zero-event Poisson (m = {MASS:g} MeV)", "",
            "With `--limit-model poisson` a one-sided limit at CL enters as −2 ln L = 2 N_c (ε/ε_up)², "
            "N_c = −ln(1 − CL) (Δχ² = 4.61 at a 90 % CL limit); band exclusions (NA64) stay hard.", ""
            ] + _table(results.exclusions["limit_model"]) + [""]


def _cut(edges) -> str:
    return "; ".join(f"lower edge: {', '.join(lo) or '?'}, upper edge: {', '.join(hi) or '?'}" for lo, hi in edges)


def _model_row(name: str, row) -> str:
    gof = row.gof
    p = "no dof" if gof.p_value is None else f"p = {gof.p_value:.2g} ({gof.significance:.2g} sigma, {SIGNIFICANCE_LABEL})"
    if not row.algebra:
        return (f"| {name} | excluded: empty | {_fmt(row.profile or [])} | {gof.chi2_min:.4g} for {gof.ndof} dof, {p} "
                f"| the terms' bands do not overlap |")
    return (f"| {name} | {_fmt(row.algebra)} | {_fmt(row.profile or [])} | {gof.chi2_min:.4g} for {gof.ndof} dof, "
            f"{p} | {_cut(row.algebra_edges)} |")


def model_lines(results) -> list[str]:
    """The window at the reference mass under four vector models side by side, and Cs18 under an axial coupling."""
    mass = results.window.mass
    out = [f"## The window at {mass:g} MeV under four vector models", "",
           f"The reference inputs ({results.analysis.muon}, {results.analysis.electron}, limits "
           f"{', '.join(results.analysis.limit_cards())}, ATOMKI) read by each model: each exclusion recast by "
           "DarkCast's equation (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004; axial: arXiv:2206.08563), a search "
           "whose production coupling vanishes drops out. Interval algebra (levels mixed, as the paper), profile "
           "likelihood Delta chi2 <= 4 (two-sided 95.45 %), goodness of fit at that mass; an analysis with "
           "p < 2.7e-3 is excluded (no window is quoted). Couplings in units of e.", "",
           "| model | interval algebra | profile, Delta chi2 <= 4 | goodness of fit | what cuts the window |",
           "|---|---|---|---|---|"]
    out += [_model_row(name, row) for name, row in results.models]
    notes = sorted({note_text(n) for _, row in results.models for n in row.notes})
    out += ["", "Notes of the models:"] + [f"- {markdown_text(n)}" for n in notes]
    ax = results.axial_cs18
    gof = ax.gof
    out += ["", "### What Cs18 means under an axial coupling", "",
            "Cs18 measures a_e below the Standard Model (Delta a_e < 0, 3.9 sigma with the Cs value of alpha). A vector "
            "coupling only raises a_e, so a vector boson cannot explain it (the electron rows give an upper limit); an "
            "axial coupling lowers a_e (the source paper's Eq. 4-5: delta a = -(alpha eps_A^2/pi)(m_e/m)^2 H(m/m_e)), "
            "so Cs18 has the sign of an axial boson. `dpfit epsilon --model axial --lepton e --scenario Cs18 --mass "
            f"16.7` gives eps_A = {results.axial_eps_cs18:.4g}. Under the axial model the ATOMKI region reads the "
            "electron's axial coupling, NA48/2 drops out (no quark coupling) and NA64 and PADME are recast (notes "
            f"above). With the muon term of the reference ({results.analysis.muon}) the axial boson also lowers a_mu, "
            f"against the measured Delta a_mu >= 0: the full axial analysis with Cs18 at {mass:g} MeV has chi2_min "
            f"{gof.chi2_min:.4g} for {gof.ndof} dof (p = {gof.p_value:.2g}), interval algebra {_fmt(ax.algebra)}."]
    return out


def survival_lines(results) -> list[str]:
    """Where the (g−2)_μ explanation survives the shipped published limits, per model and muon scenario."""
    out = ["### Where the (g-2)_mu explanation survives the published searches (1 MeV to 2 m_pi)", "",
           "Method: each shipped dark-photon limit (DarkCast's tables, 39 searches) is recast to the model "
           "(`dpfit landscape`); at each of 1200 log-spaced masses the scenario's 2 sigma band of the exact "
           "likelihood (delta chi2 <= 4) survives unless it lies entirely inside the union of the visible-decay "
           "searches' excluded regions. A scenario whose 2 sigma region reaches eps = 0 needs no boson and survives "
           "everywhere (marked). Hadronic decays above 2 m_pi = 279 MeV are not modelled, so the table stops there.", "",
           "| model | scenario | surviving masses (MeV) |", "|---|---|---|"]
    for model, rows in results.survival.items():
        for s in rows:
            where = ", ".join(f"{a:.4g}-{b:.4g}" for a, b in s.intervals) or "nowhere"
            flag = "" if s.band else " (2 sigma region reaches eps = 0: no boson needed)"
            out.append(f"| {model} | {s.scenario} | {where}{flag} |")
    return out + [""]
