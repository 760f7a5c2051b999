"""``dpfit reproduce``: the whole reference analysis into one directory, all or nothing.

Everything is written into a staging directory beside the target, which then
replaces the target by renames (:mod:`dpfit.output.results_dir`): a kill
leaves either the previous results (restored from ``DIR.previous`` on the
next run if the kill fell between the two renames) or the complete new ones,
never a mix; a directory dpfit did not write is replaced only when forced.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from dpfit.model.analysis import Analysis
from dpfit.errors import InputError
from dpfit.inference.fit import fit_fixed_mass
from dpfit.inference.tables import DEFAULT_MASSES, coupling_estimate, muon_table

#: (walkers, steps, scan points per axis, masses of the figures' curves)
SETTINGS = {"full": (64, 6000, 400, 200), "quick": (16, 400, 40, 40)}
ELECTRON_MASS = 16.7


def window_result(analysis: Analysis, mass: float | None = None, *, walkers: int = 32, steps: int = 3000,
                  seed: int = 1, chain_path=None, progress: bool = True, chain=None) -> tuple[dict, dict]:
    """The window three ways (keys mass_MeV, interval_algebra, profile, posterior, terms) and extras.

    The posterior comes from ``chain`` or ``chain_path`` if given, else from a fresh emcee run.
    """
    from dpfit.inference.chains import check_analysis, read_chain
    from dpfit.inference.diagnostics import diagnostics, physical_samples
    from dpfit.inference.sampling import sample
    from dpfit.inference.window import algebra_over_masses, interval_algebra, posterior_window, profile_window

    joint = analysis.likelihood()
    if mass is None:
        region = analysis.region_card()
        if region is None:
            raise InputError("option --mass", None, "without a preferred region, give the mass (--mass MEV)")
        mass = region.mass
    if chain is None and chain_path is not None:
        chain = read_chain(chain_path)
        check_analysis(chain, analysis.describe(), str(chain_path))
    if chain is None:
        with tempfile.TemporaryDirectory() as tmp:
            chain = sample(analysis, Path(tmp) / "window_chain.h5", nwalkers=walkers, nsteps=steps, seed=seed,
                           progress=progress)
    diag = diagnostics(chain)
    mass_range = analysis.resolved_mass_range()
    _, per_mass = algebra_over_masses(joint, np.linspace(*mass_range, 171))
    pieces = [p for ps in per_mass for p in ps]
    envelope = [[min(p[0] for p in pieces), max(p[1] for p in pieces)]] if pieces else []
    result = {"mass_MeV": float(mass), "interval_algebra": interval_algebra(joint, mass),
              "profile": profile_window(joint, mass),
              "posterior": posterior_window(physical_samples(chain, diag.burn, diag.thin)), "terms": joint.names}
    return result, {"diagnostics": diag.as_dict(chain.names), "mass_range": list(mass_range),
                    "algebra_envelope": envelope}


def _exact_rows(analysis: Analysis, convention: str, masses) -> list[dict]:
    """ε, linear σ and exact intervals of every muon scenario at the table masses."""
    rows = []
    for record in analysis.inputs.gm2_cards("mu"):
        scenario = record.scenario
        single = Analysis(muon=scenario, electron=None, limits=(), atomki=None, convention=convention,
                          inputs_dir=analysis.inputs_dir, overrides=analysis.overrides)
        joint = single.likelihood()
        est = coupling_estimate(single.inputs, "mu", scenario, masses)
        for i, m in enumerate(masses):
            iv = fit_fixed_mass(joint, m).intervals
            rows.append({"convention": convention, "mass_MeV": float(m), "scenario": scenario,
                         "eps": float(est.eps[i]), "sigma_linear": float(est.sigma_linear[i]),
                         "lo68": iv["68"][0][0], "hi68": iv["68"][-1][1], "lo95": iv["95"][0][0], "hi95": iv["95"][-1][1]})
    return rows


def _electron_rows(base: Analysis) -> list[dict]:
    rows = []
    for convention in ("paper", "precise"):
        for record in base.replace(convention=convention).inputs.gm2_cards("e"):
            scenario = record.scenario
            single = Analysis(muon=None, electron=scenario, limits=(), atomki=None, convention=convention,
                              inputs_dir=base.inputs_dir, overrides=base.overrides)
            est = coupling_estimate(single.inputs, "e", scenario, [ELECTRON_MASS])
            eps = float(est.eps[0])
            rows.append({"convention": convention, "scenario": scenario, "mass_MeV": ELECTRON_MASS,
                         "delta_a": est.delta_a, "sigma_delta_a": est.sigma_delta_a,
                         "eps": eps if np.isfinite(eps) else None,
                         "sigma_linear": float(est.sigma_linear[0]) if np.isfinite(eps) else None,
                         "intervals": fit_fixed_mass(single.likelihood(), ELECTRON_MASS).intervals})
    return rows


def _write(stage: Path, written: list[str], name: str, text: str) -> None:
    (stage / name).write_text(text)
    written.append(name)


def _build(stage: Path, quick: bool, progress: bool, inputs_dir, overrides) -> list[str]:
    """Write every result file into ``stage``; return their names."""
    from dpfit.inference import bands
    from dpfit.output import figures, plots
    from dpfit.output.corner_plot import plot_corner
    from dpfit.reference.report import render
    from dpfit.inference.sampling import sample
    from dpfit.inference.scan import CONTOUR_LEVELS, log_grid, scan_2d
    from dpfit.output.writers import provenance, table_csv, to_json

    walkers, steps, points, curve_points = SETTINGS["quick" if quick else "full"]
    reference = Analysis(inputs_dir=inputs_dir, overrides=tuple(overrides))
    paper = reference.replace(convention="paper")
    written: list[str] = []
    prov = provenance(reference.inputs, command="reproduce", analysis=reference.describe(), seed=1, quick=quick)

    for conv, analysis in (("paper", paper), ("precise", reference)):
        columns, rows = muon_table(analysis.inputs, DEFAULT_MASSES)
        _write(stage, written, f"table_{conv}.csv", table_csv(columns, rows, provenance(analysis.inputs, command="table")))
    exact = _exact_rows(paper, "paper", DEFAULT_MASSES) + _exact_rows(reference, "precise", DEFAULT_MASSES)
    _write(stage, written, "intervals_exact.csv", _exact_csv(exact, prov))
    electron = _electron_rows(reference)
    _write(stage, written, "electron.json", to_json({"electron": electron, "provenance": prov}))

    chain = sample(reference, stage / "chain.h5", nwalkers=walkers, nsteps=steps, seed=1, progress=progress,
                   provenance=prov)
    written.append("chain.h5")
    window, extra = window_result(reference, chain=chain)
    _write(stage, written, "window.json", to_json({**window, "provenance": {**prov, "posterior_run": extra}}))

    masses = np.geomspace(5.0, 500.0, curve_points)
    muon_bands = bands.scenario_bands(paper, "mu", masses)
    overlay = bands.overlay_results(reference, np.geomspace(5.0, 50.0, curve_points), window["interval_algebra"])
    for ext in ("png", "pdf"):
        figures.plot_muon_bands(muon_bands, stage / f"muon_bands.{ext}")
        figures.plot_overlay(overlay, stage / f"overlay.{ext}")
        corner_numbers = plot_corner(chain, stage / f"corner.{ext}")
        written += [f"muon_bands.{ext}", f"overlay.{ext}", f"corner.{ext}"]
    _write(stage, written, "corner.json", to_json(corner_numbers))

    m_lo, m_hi = reference.resolved_mass_range()
    scan = scan_2d(reference.likelihood(), log_grid(m_lo, m_hi, points), log_grid(*reference.eps_range, points))
    _write(stage, written, "scan_2d.csv", table_csv(["mass_MeV", "eps", "delta_chi2"], scan.rows(), prov))
    plots.plot_scan_2d(scan, stage / "scan_2d.png", CONTOUR_LEVELS)
    written.append("scan_2d.png")
    _write(stage, written, "provenance.json", to_json(prov))
    written.append("report.md")
    (stage / "report.md").write_text(render(paper, exact, window, extra, electron, written, prov))
    return written


def _exact_csv(rows: list[dict], prov: dict) -> str:
    from dpfit.output.writers import provenance_line

    columns = list(rows[0])
    lines = [provenance_line(prov), ",".join(columns)]
    lines += [",".join(f"{r[c]:.10g}" if isinstance(r[c], float) else str(r[c]) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def reproduce(out: str | Path = "results", quick: bool = False, progress: bool = True,
              inputs_dir: str | None = None, overrides=(), force: bool = False) -> list[str]:
    """Run the reference analysis into ``out`` (all files replaced together); return the file names.

    ``inputs_dir`` and ``overrides`` (``FILE.FIELD=VALUE``) change the inputs of both conventions.
    ``out`` is replaced only if dpfit wrote it (or it is empty), or with ``force``; never the working
    directory or a parent of it (:mod:`dpfit.output.results_dir`).
    """
    from dpfit.output.results_dir import replace_directory

    with replace_directory(out, force=force) as stage:
        written = _build(stage, quick, progress, inputs_dir, overrides)
    return written
