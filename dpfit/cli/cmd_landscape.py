"""``dpfit landscape``: every shipped published limit recast to a model, in one figure, one CSV and one line
per mass decade; and the masses where the (g−2)_μ explanation survives."""

from __future__ import annotations

import csv
import io
import sys

from dpfit.cli import limits
from dpfit.cli.options import add_input_options

#: (g−2) scenarios drawn: the muon's three and the electron's Rb20.


def _mass_range(values) -> tuple[float, float]:
    from dpfit.errors import InputError

    lo, hi = values
    if not 0 < lo < hi:
        raise InputError("option --mass-range", None, f"expected LOW HIGH with 0 < LOW < HIGH (MeV), got {lo:g} {hi:g}")
    return lo, hi


def landscape_csv(land) -> str:
    """Plain CSV: limit,citation,mass_MeV,eps_lower,eps_upper; one row per contour mass and excluded band."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["limit", "citation", "mass_MeV", "eps_lower", "eps_upper"])
    for curve in land.curves:
        for i, mass in enumerate(curve.mass):
            for b in range(curve.lower.shape[0]):
                lo, hi = curve.lower[b, i], curve.upper[b, i]
                if lo == float("inf"):
                    continue
                writer.writerow([curve.limit, curve.citation, f"{mass:.10g}", f"{lo:.10g}", f"{hi:.10g}"])
    return out.getvalue()


def cmd_landscape(args) -> int:
    import numpy as np

    from dpfit.errors import InputError
    from dpfit.inference.landscape import build_landscape, excluded_mask, gm2_bands, survival
    from dpfit.io.atomic import atomic_files
    from dpfit.model.analysis import Analysis
    from dpfit.output.landscape_file import write_landscape_netcdf
    from dpfit.output.landscape_plot import EPS_RANGE, plot_landscape
    from dpfit.output.writers import provenance, write_with_provenance

    lo_m, hi_m = _mass_range(args.mass_range)
    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model=args.model,
                        convention=args.convention or "precise", inputs_dir=args.inputs,
                        overrides=tuple(args.overrides), source="option --model")
    model, inputs = analysis.vector, analysis.inputs
    if len(model.parameters) != 1:
        raise InputError("option --model", None, "the landscape needs a model with one coupling")
    land = build_landscape(inputs, model, analysis.physics(), (lo_m, hi_m), args.decays)
    if not land.curves:
        raise InputError("option --mass-range", None, f"no shipped limit constrains {model.name} over {lo_m:g}-{hi_m:g} MeV")
    muon_bands, electron_bands = gm2_bands(inputs, model, land.grid)
    edges = {band.scenario: band.edges(2) for band in muon_bands}
    eps = np.geomspace(*EPS_RANGE, 500)
    masks = {"eps": eps, **{f: excluded_mask(land, f, eps) for f in land.families()}}
    region, window = None, None
    atomki = inputs.record("atomki")
    parameter, charge = model.coupling("e")
    if parameter is not None:
        box_m = (atomki.mass - atomki.mass_sigma, atomki.mass + atomki.mass_sigma)
        region = (box_m, (atomki.eps_lower / abs(charge), atomki.eps_upper / abs(charge)))
        inside = ((land.grid >= box_m[0]) & (land.grid <= box_m[1]))[None, :] & \
                 ((eps >= region[1][0]) & (eps <= region[1][1]))[:, None]
        window = inside & ~masks.get("visible", np.zeros_like(inside))
    prov = provenance(inputs, [c.card for c in land.curves], command="landscape", model=model.name,
                      mass_range=[lo_m, hi_m], decays=args.decays, dropped=land.dropped, notes=land.notes)
    with atomic_files():  # the figures, the table and the array file replace the previous ones together
        plot_landscape(land, masks, muon_bands, electron_bands, region, window,
                       target=[f"{args.out}.png", f"{args.out}.pdf"])
        write_with_provenance(f"{args.out}.csv", landscape_csv(land), prov)
        write_landscape_netcdf(f"{args.out}.nc", land, prov)
    _report(land, survival(land, edges), window, region)
    print(f"wrote {args.out}.png, {args.out}.pdf, {args.out}.csv (+ provenance), {args.out}.nc: {_searches(land)} "
          f"recast to {model.name}", file=sys.stderr)
    return 0


def _searches(land) -> str:
    """'1 search', '5 searches'."""
    return f"{len(land.curves)} search{'' if len(land.curves) == 1 else 'es'}"


def _report(land, alive, window, region) -> None:
    print(f"landscape of {land.model}: {_searches(land)} over {land.mass_range[0]:g}-{land.mass_range[1]:g} MeV")
    for a, b, names in land.searches_by_decade():
        print(f"  {a:g}-{b:g} MeV: {', '.join(names) if names else 'no search'}")
    from dpfit.output.wording import note_text

    for note in land.dropped:
        print(f"  dropped: {note_text(note)}")
    for note in land.notes:
        print(f"  note: {note_text(note)}")
    print("(g-2)_mu explanation survives (2 sigma band, exact likelihood, not entirely inside the union of the "
          "family's searches on a grid of 1200 log-spaced masses):")
    for s in alive:
        where = ", ".join(f"{a:.4g}-{b:.4g}" for a, b in s.intervals) or "nowhere"
        flag = "" if s.band else " (the 2 sigma region reaches g = 0: no boson needed)"
        print(f"  {s.scenario:6s} {s.family:9s}: {where} MeV{flag}")
    if region is not None:
        where = f"window in the ATOMKI region ({region[0][0]:.4g}-{region[0][1]:.4g} MeV)"
        if not any(c.family == "visible" for c in land.curves):
            print(f"{where}: no visible search was drawn (--decays), so none closes it")
        else:
            state = "open" if window is not None and window.any() else "closed"
            print(f"{where}: {state} under the visible searches")


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("landscape", help="every published limit recast to a model: figure, CSV, (g-2)_mu survival")
    p.add_argument("--model", required=True, metavar="NAME|FILE", help="the vector model (built-in name or .yaml)")
    p.add_argument("--mass-range", type=limits.mass, nargs=2, default=(1.0, 1000.0), metavar=("LOW", "HIGH"),
                   help="masses in MeV (default 1 1000)")
    p.add_argument("--decays", choices=("visible", "invisible", "all"), default="all",
                   help="searches for visible decays, invisible decays (a boson decaying invisibly), or both (default)")
    add_input_options(p)
    p.add_argument("--out", type=limits.output_path, required=True, metavar="PREFIX",
                   help="writes PREFIX.png, PREFIX.pdf, PREFIX.csv and PREFIX.csv.provenance.json")
    p.set_defaults(func=cmd_landscape)
