"""``dpfit export``: results in the field's formats (DarkCast .lmt, HEPData, ArviZ NetCDF, getdist)."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.limits import help_range
from dpfit.cli.options import (add_analysis_options, add_input_options, analysis_from_args, inputs_from_args,
                               scenario_card)
from dpfit.errors import InputError


def _option_grid(pair, points, option: str):
    """``points`` log-spaced masses over the (LO, HI) an option gave (MeV); LO >= HI is that option's error."""
    from dpfit.inference.profile.scan import log_grid

    lo, hi = pair
    if not lo < hi:
        raise InputError(f"option {option}", None, f"expected LO < HI, got {lo:g} {hi:g}")
    return log_grid(lo, hi, points)


def _level(text: str):
    from dpfit.inference.levels import parse_level

    return parse_level(text, "option --cl")


def _window(analysis, points: int):
    from dpfit.inference.profile.scan import log_grid
    from dpfit.inference.window import algebra_over_masses

    return algebra_over_masses(analysis.likelihood(), log_grid(*analysis.resolved_mass_range(), points))


def _write_edges(out, texts: dict[str, str]) -> list[str]:
    """Write each edge's text to its file (:func:`dpfit.output.export_lmt.edge_path`); the paths written."""
    from dpfit.io.atomic import atomic_files, write_text
    from dpfit.output.export_lmt import edge_path

    written = []
    with atomic_files():  # both edges of a band, or neither
        for edge, text in texts.items():
            path = edge_path(out, edge)
            write_text(path, text)
            written.append(str(path))
    return written


def cmd_export_band(args) -> int:
    from dpfit.output.export_lmt import band_lmt
    from dpfit.output.writers import provenance

    inputs = inputs_from_args(args)
    record = scenario_card(inputs, args.lepton, args.scenario)
    level = _level(args.cl)
    masses = _option_grid(args.mass_range, args.points, "--mass-range")
    prov = provenance(inputs, [record.name], command="export band", level=level.label)
    texts = band_lmt(record, masses, level, prov)
    written = _write_edges(args.out, texts)
    kind = "upper limit" if "limit" in texts else "preferred band, one file per edge (allowed region, not a limit)"
    print(f"wrote {', '.join(written)}: (g-2)_{record.lepton} {record.scenario} at {level.label}, {kind}, "
          f"{len(masses)} masses {masses[0]:g}-{masses[-1]:g} MeV")
    return 0


def cmd_export_window(args) -> int:
    from dpfit.output.export_lmt import window_lmt
    from dpfit.output.writers import provenance

    analysis = analysis_from_args(args)
    masses, pieces = _window(analysis, int(args.points))
    prov = provenance(analysis, command="export window")
    written = _write_edges(args.out, window_lmt(masses, pieces, prov, source="option --out"))
    print(f"wrote {', '.join(written)}: the window's lower and upper edges (allowed region, not a limit) at "
          f"{sum(1 for p in pieces if p)} of {len(masses)} masses")
    return 0


def cmd_export_hepdata(args) -> int:
    from dpfit.inference.bands import band_from_term
    from dpfit.likelihood.terms import gm2_terms
    from dpfit.inference.profile.scan import log_grid, scan_2d
    from dpfit.output import export_hepdata as hd
    from dpfit.output.writers import provenance

    analysis = analysis_from_args(args)
    joint = analysis.likelihood()
    masses, pieces = _window(analysis, int(args.points))
    tables = [hd.window_table(masses, pieces)]
    band_masses = _option_grid(args.band_range, args.points, "--band-range")
    tables += [hd.band_table(band_from_term(t, band_masses)) for t in gm2_terms(joint)]
    nm, ne = (int(n) for n in args.grid_points)
    axis = "eps" if joint.couplings == "universal" else "eps_e"
    scan = scan_2d(joint, log_grid(*analysis.resolved_mass_range(), nm), log_grid(*analysis.eps_range, ne), axis)
    tables.append(hd.scan_table(scan))
    prov = provenance(analysis, command="export hepdata")
    hd.write_submission(hd.submission(tables, prov), prov, args.out)
    print(f"wrote {args.out}: HEPData submission with {len(tables)} tables")
    return 0


def cmd_export_chain(args) -> int:
    from dpfit.inference.bayes.chains import read_chain
    from dpfit.output import export_chain

    chain = read_chain(args.chain)
    prov = export_chain.chain_provenance(chain, f"export chain --format {args.format}")
    if args.format == "netcdf":
        written = [export_chain.write_netcdf(chain, args.out, prov)]
    else:
        written = export_chain.write_getdist(chain, args.out, prov)
    print("wrote " + ", ".join(written))
    return 0


def register(sub) -> None:
    """Add the command's parser (with one subcommand per result) to the ``dpfit`` subparsers."""
    p = sub.add_parser("export", help="write results as DarkCast .lmt, HEPData, ArviZ NetCDF or getdist chains")
    what = p.add_subparsers(dest="what", required=True, metavar="WHAT")

    b = what.add_parser("band", help="a (g-2) band or upper limit at a level, as DarkCast .lmt (a band: one file "
                                     "per edge, FILE_lower.lmt and FILE_upper.lmt)")
    add_input_options(b)
    b.add_argument("--lepton", choices=("e", "mu"), required=True)
    b.add_argument("--scenario", required=True, help="e.g. WP25 (muon), Rb20 (electron)")
    b.add_argument("--cl", default="2sigma", help="level: a probability (0.9) or Nsigma (default 2sigma)")
    b.add_argument("--mass-range", nargs=2, type=limits.mass, default=(1.0, 1000.0), metavar=("LO", "HI"),
                   help=f"masses, each {help_range(*limits.MASS_MEV, 'MeV')} (default 1 1000); written in GeV")
    b.add_argument("--points", type=limits.export_points, default=300,
                   help=f"log-spaced masses {help_range(*limits.EXPORT_POINTS)} (default 300)")
    b.add_argument("--format", choices=("lmt",), default="lmt", help="DarkCast .lmt (the only format)")
    b.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.lmt")
    b.set_defaults(func=cmd_export_band)

    w = what.add_parser("window", help="the surviving window over the mass range, as DarkCast .lmt (one file per "
                                       "edge, FILE_lower.lmt and FILE_upper.lmt)")
    add_analysis_options(w)
    w.add_argument("--points", type=limits.export_points, default=100,
                   help=f"log-spaced masses {help_range(*limits.EXPORT_POINTS)} (default 100)")
    w.add_argument("--format", choices=("lmt",), default="lmt", help="DarkCast .lmt (the only format)")
    w.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.lmt")
    w.set_defaults(func=cmd_export_window)

    h = what.add_parser("hepdata", help="window, (g-2) bands and 2D scan as a HEPData submission archive")
    add_analysis_options(h)
    h.add_argument("--points", type=limits.export_points, default=100,
                   help=f"masses of the window and bands {help_range(*limits.EXPORT_POINTS)} (default 100)")
    h.add_argument("--band-range", nargs=2, type=limits.mass, default=(1.0, 1000.0), metavar=("LO", "HI"),
                   help=f"masses of the bands, each {help_range(*limits.MASS_MEV, 'MeV')} (default 1 1000)")
    h.add_argument("--grid-points", nargs=2, type=limits.hepdata_grid, default=(40, 40), metavar=("NM", "NE"),
                   help=f"2D scan grid, each {help_range(*limits.HEPDATA_GRID)} (default 40 40)")
    h.add_argument("--format", choices=("hepdata",), default="hepdata",
                   help="a HEPData submission archive (the only format)")
    h.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.tar.gz")
    h.set_defaults(func=cmd_export_hepdata)

    c = what.add_parser("chain", help="a posterior chain as ArviZ NetCDF or getdist chain files")
    c.add_argument("chain", metavar="CHAIN.h5")
    c.add_argument("--format", choices=("netcdf", "getdist"), default="netcdf",
                   help="netcdf: ArviZ InferenceData, FILE.nc (default); getdist: ROOT.txt, ROOT.paramnames, "
                        "ROOT.ranges")
    c.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.nc or ROOT",
                   help="netcdf: the file (.nc added if missing); getdist: the root of the chain files")
    c.set_defaults(func=cmd_export_chain)
