"""``dpfit reproduce``: the whole reference analysis into one directory, all or nothing.

Everything is written into a staging directory beside the target, which then
replaces the target by renames (:mod:`dpfit.io.results_dir`): a kill
leaves either the previous results (restored from ``DIR.previous`` on the
next run if the kill fell between the two renames) or the complete new ones,
never a mix; a directory dpfit did not write is replaced only when forced.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dpfit import arguments
from dpfit.model.analysis import Analysis
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.tables import DEFAULT_MASSES, coupling_estimate, muon_table

#: (walkers, steps, scan points per axis, masses of the figures' curves, toys per frequentist interval)
SETTINGS = {"full": (64, 6000, 400, 200, 20_000), "quick": (16, 400, 40, 40, 1_000)}
ELECTRON_MASS = 16.7


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
            iv = fit_fixed_mass(joint, m).intervals["eps"]
            one, two = iv["1sigma"].pieces, iv["2sigma"].pieces
            rows.append({"convention": convention, "mass_MeV": float(m), "scenario": scenario,
                         "eps": float(est.eps[i]), "sigma_linear": float(est.sigma_linear[i]),
                         "lo_1sigma": one[0][0], "hi_1sigma": one[-1][1], "lo_2sigma": two[0][0], "hi_2sigma": two[-1][1]})
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
                         "fit": fit_fixed_mass(single.likelihood(), ELECTRON_MASS).to_dict()})
    return rows


def _gof_rows(base: Analysis, mass: float) -> list[dict]:
    """For every muon × electron scenario pair: the full model's fit at ``mass`` (MeV) and the pair's tension."""
    from dpfit.inference.profile.compatibility import compatibility

    rows = []
    inputs = base.inputs
    for muon in inputs.gm2_cards("mu"):
        for electron in inputs.gm2_cards("e"):
            joint = base.replace(muon=muon.scenario, electron=electron.scenario).likelihood()
            rows.append({"muon": muon.scenario, "electron": electron.scenario,
                         "fit": fit_fixed_mass(joint, mass).gof, "compatibility": compatibility(joint, mass)})
    return rows


def _write(stage: Path, written: list[str], name: str, text: str) -> None:
    (stage / name).write_text(text)
    written.append(name)


def _build(stage: Path, quick: bool, progress: bool, inputs_dir, overrides) -> list[str]:
    """Write every result file into ``stage``; return their names."""
    from dpfit.inference import bands
    from dpfit.output import figures, plots
    from dpfit.output.corner_plot import corner_numbers, plot_corner
    from dpfit.reference.report import render
    from dpfit.inference.bayes.sampling import sample
    from dpfit.inference.window import window
    from dpfit.inference.levels import DEFAULT_LEVELS, parse_levels
    from dpfit.inference.profile.excluded import excluded_by
    from dpfit.inference.profile.scan import scan as profile_scan
    from dpfit.output.writers import provenance, sidecar, table_csv, to_json

    walkers, steps, points, curve_points, toys = SETTINGS["quick" if quick else "full"]
    reference = Analysis(inputs_dir=inputs_dir, overrides=tuple(overrides))
    paper = reference.replace(convention="paper")
    written: list[str] = []
    prov = provenance(reference, command="reproduce", seed=1, quick=quick)

    def csv(name: str, text: str, csv_prov: dict) -> None:  # plain CSV and its provenance sidecar
        _write(stage, written, name, text)
        _write(stage, written, sidecar(name).name, to_json(csv_prov))

    for conv, analysis in (("paper", paper), ("precise", reference)):
        columns, rows = muon_table(analysis.inputs, DEFAULT_MASSES)
        csv(f"table_{conv}.csv", table_csv(columns, rows),
            provenance(analysis.inputs, [c.name for c in analysis.inputs.gm2_cards("mu")], command="table"))
    exact = _exact_rows(paper, "paper", DEFAULT_MASSES) + _exact_rows(reference, "precise", DEFAULT_MASSES)
    csv("intervals_exact.csv", _exact_csv(exact), prov)
    electron = _electron_rows(reference)
    _write(stage, written, "electron.json", to_json({"electron": electron, "provenance": prov}))

    from dpfit.inference.bayes.posterior_check import grid_summary_or_none

    grid = grid_summary_or_none(reference.model())  # the walkers' start and the window's reference
    chain = sample(reference, stage / "chain.h5", nwalkers=walkers, nsteps=steps, seed=1, progress=progress,
                   grid=grid, provenance=prov)
    written.append("chain.h5")
    result = window(reference, chain=chain, grid=grid)
    _write(stage, written, "window.json", to_json({**result.to_dict(), "provenance": prov}))

    masses = np.geomspace(5.0, 500.0, curve_points)
    muon_bands = bands.scenario_bands(paper, "mu", masses)
    overlay = bands.overlay_results(reference, np.geomspace(5.0, 50.0, curve_points),
                                    result.algebra if result.status == "allowed" else [])
    both = lambda name: [stage / f"{name}.{ext}" for ext in ("png", "pdf")]  # noqa: E731 - one drawing, two files
    figures.plot_muon_bands(muon_bands, both("muon_bands"))
    figures.plot_overlay(overlay, both("overlay"))
    plot_corner(chain, both("corner"), model=reference.model(), grid=grid)  # marks the walls and prior edges
    written += [f"{name}.{ext}" for name in ("muon_bands", "overlay", "corner") for ext in ("png", "pdf")]
    _write(stage, written, "corner.json", to_json(corner_numbers(chain)))

    scan = profile_scan(reference, points=(points, points))  # the walls' exact edges are grid nodes
    csv("scan_2d.csv", table_csv(["mass_MeV", "eps", "delta_chi2"], scan.rows()), prov)
    codes, names = excluded_by(reference.likelihood(), scan)
    plots.plot_scan_2d(scan, stage / "scan_2d.png", scan.contour_labels(parse_levels(DEFAULT_LEVELS)),
                       excluded=(codes, [reference.experiment(name) for name in names]), title=reference.title())
    written.append("scan_2d.png")
    _write(stage, written, "provenance.json", to_json(prov))
    written.append("report.md")
    gof_rows = _gof_rows(reference, result.mass)
    (stage / "report.md").write_text(render(paper, exact, result, electron, gof_rows, written, prov, toys=toys))
    return written


def _exact_csv(rows: list[dict]) -> str:
    """Plain CSV of the exact-interval rows (header first)."""
    columns = list(rows[0])
    lines = [",".join(columns)]
    lines += [",".join(f"{r[c]:.10g}" if isinstance(r[c], float) else str(r[c]) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def reproduce(out: str | Path = "results", quick: bool = False, progress: bool = True,
              inputs_dir: str | None = None, overrides=(), force: bool = False) -> list[str]:
    """Run the reference analysis into ``out`` (all files replaced together); return the file names.

    ``inputs_dir`` and ``overrides`` (``FILE.FIELD=VALUE``) change the inputs of both conventions.
    ``out`` is replaced only if dpfit wrote it (or it is empty), or with ``force``; never the working
    directory or a parent of it (:mod:`dpfit.io.results_dir`).
    """
    out = arguments.path(out, "reproduce", "out")
    from dpfit.io.results_dir import replace_directory

    with replace_directory(out, force=force) as stage:
        written = _build(stage, quick, progress, inputs_dir, overrides)
    return written
