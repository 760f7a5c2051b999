"""``dpfit reproduce``: the whole reference analysis into one directory, all or nothing.

Everything is written into a staging directory beside the target, which then
replaces the target by renames (:mod:`dpfit.io.results_dir`): a kill
leaves either the previous results (restored from ``DIR.previous`` on the
next run if the kill fell between the two renames) or the complete new ones,
never a mix; a directory dpfit did not write is replaced only when forced.
"""

from __future__ import annotations

from pathlib import Path

from dpfit import arguments
from dpfit.model.analysis import Analysis

def _write(stage: Path, written: list[str], name: str, text: str) -> None:
    (stage / name).write_text(text)
    written.append(name)


def _build(stage: Path, quick: bool, progress: bool, inputs_dir, overrides) -> list[str]:
    """Compute the results once (:func:`dpfit.reference.results.compute`), then write every file into ``stage``
    by formatting them; return the file names."""
    from dpfit.inference.levels import DEFAULT_LEVELS, parse_levels
    from dpfit.output import figures, plots
    from dpfit.output.corner_plot import corner_numbers, plot_corner
    from dpfit.output.writers import provenance, sidecar, table_csv, to_json
    from dpfit.reference.report import render
    from dpfit.reference.results import compute

    reference = Analysis(inputs_dir=inputs_dir, overrides=tuple(overrides))
    written: list[str] = []
    prov = provenance(reference, command="reproduce", seed=1, quick=quick)
    results = compute(reference, stage / "chain.h5", quick=quick, progress=progress, prov=prov)
    written.append("chain.h5")

    def csv(name: str, text: str, csv_prov: dict) -> None:  # plain CSV and its provenance sidecar
        _write(stage, written, name, text)
        _write(stage, written, sidecar(name).name, to_json(csv_prov))

    for conv, analysis in (("paper", results.paper), ("precise", reference)):
        columns, rows = results.tables[conv]
        csv(f"table_{conv}.csv", table_csv(columns, rows),
            provenance(analysis.inputs, [c.name for c in analysis.inputs.gm2_cards("mu")], command="table"))
    csv("intervals_exact.csv", _exact_csv(results.exact), prov)
    _write(stage, written, "electron.json", to_json({"electron": results.electron, "provenance": prov}))
    _write(stage, written, "window.json", to_json({**results.window.to_dict(), "provenance": prov}))

    both = lambda name: [stage / f"{name}.{ext}" for ext in ("png", "pdf")]  # noqa: E731 - one drawing, two files
    figures.plot_muon_bands(results.figures["muon_bands"], both("muon_bands"))
    figures.plot_overlay(results.figures["overlay"], both("overlay"))
    plot_corner(results.chain, both("corner"), model=results.analysis.model(), grid=results.grid)  # walls, prior edges
    written += [f"{name}.{ext}" for name in ("muon_bands", "overlay", "corner") for ext in ("png", "pdf")]
    _write(stage, written, "corner.json", to_json(corner_numbers(results.chain)))

    scan = results.figures["scan"]
    csv("scan_2d.csv", table_csv(["mass_MeV", "eps", "delta_chi2"], scan.rows()), prov)
    codes, names = results.figures["excluded"]
    plots.plot_scan_2d(scan, stage / "scan_2d.png", plots.contour_labels(scan, parse_levels(DEFAULT_LEVELS)),
                       excluded=(codes, [reference.experiment(name) for name in names]), title=reference.title())
    written.append("scan_2d.png")
    _write(stage, written, "provenance.json", to_json(prov))
    written.append("report.md")
    (stage / "report.md").write_text(render(results, written, prov))
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
