"""``dpfit scan``: profile-likelihood scans."""

from __future__ import annotations

import numpy as np

from dpfit.cli import limits
from dpfit.cli.options import add_analysis_options, add_level_option, analysis_from_args
from dpfit.cli.parallel import add_executor_options, executor_from_args
from dpfit.errors import InputError


def cmd_scan(args) -> int:
    """Run the scan; with --out, one run at a time writes the outputs of PREFIX (its plot's lock is held)."""
    from contextlib import nullcontext

    from dpfit.io.atomic import output_lock

    with output_lock(f"{args.out}.png") if args.out else nullcontext():
        return _scan(args)


def _scan(args) -> int:
    from dpfit.inference.levels import DEFAULT_LEVELS, parse_levels
    from dpfit.inference.profile.scan import scan
    from dpfit.output.wording import level_text
    from dpfit.output.writers import provenance, table_csv

    analysis = analysis_from_args(args)
    if args.grid:
        if args.mass is not None:
            raise InputError("option --mass", None, "--grid scans the mass range; use --mass-range instead")
        if args.points and len(args.points) != 2:
            raise InputError("option --points", None, "a 2D scan takes two numbers of points: NM NE")
        if args.points and max(args.points) > limits.POINTS_2D[1]:
            raise InputError("option --points", None, f"a 2D scan takes at most {limits.POINTS_2D[1]} points per axis")
        executor = None if args.executor == "serial" else executor_from_args(args)  # serial: in process, no chunks
        if args.out and args.force:
            from dpfit.runtime.executors import clear_store

            clear_store(f"{args.out}.chunks")
        result = scan(analysis, points=args.points, axis=args.coupling, executor=executor,
                      progress=not args.no_progress, identity=analysis.job_identity(),
                      store_dir=f"{args.out}.chunks" if args.out else None)
    else:
        if args.mass is None:
            raise InputError("dpfit scan", None, "give --mass MEV for a 1D scan, or --grid for a 2D scan")
        if args.points and len(args.points) != 1:
            raise InputError("option --points", None, "a 1D scan takes one number of points")
        result = scan(analysis, args.mass, points=args.points[0] if args.points else None, axis=args.coupling)
    axis = result.axis
    finite = np.isfinite(result.delta_chi2)
    summary = [f"scan of {axis}: {result.delta_chi2.size} points, chi2_min = {result.chi2_min:.4g}, "
               f"{(~finite).sum()} excluded"]
    levels = args.cl or parse_levels(DEFAULT_LEVELS)
    thresholds, ndof = result.contour_levels(levels)
    if not args.grid:
        for level in levels:
            inside = result.eps[finite[0] & (result.delta_chi2[0] <= thresholds[level.label])]
            summary.append(f"{level.label} ({level_text(level, 1)}, on the grid): "
                           + (f"{inside.min():.4g} .. {inside.max():.4g}" if inside.size else "empty"))
    elif result.mass_unconstrained:
        summary.append("note: the mass is unconstrained over the range (the profile varies by less than 0.1): "
                       "contours use the 1-parameter levels")
    if args.out:
        from dpfit.runtime.executors import clear_store
        from dpfit.output import plots
        from dpfit.output.writers import write_with_provenance

        prov = provenance(analysis, command="scan")
        fmt = args.format or ("netcdf" if args.grid else "csv")
        if fmt == "netcdf" and not args.grid:
            raise InputError("option --format", None, "netcdf holds 2D scans; a 1D scan is written as csv")
        from dpfit.io.atomic import atomic_files

        with atomic_files():  # the figure and the data replace the previous ones together
            if args.grid:
                from dpfit.inference.profile.excluded import excluded_by

                codes, names = excluded_by(analysis.likelihood(), result)
                experiments = [analysis.experiment(name) for name in names]
                plots.plot_scan_2d(result, f"{args.out}.png", plots.contour_labels(result, levels),
                                   excluded=(codes, experiments), title=analysis.title())
            else:
                plots.plot_scan_1d(result, f"{args.out}.png", levels=tuple(thresholds.values()),
                                   title=analysis.title())
            if fmt == "netcdf":
                from dpfit.output.scan_file import write_scan_netcdf

                data = f"{args.out}.nc"
                write_scan_netcdf(data, result, codes, names, experiments, prov)
            else:
                data = f"{args.out}.csv"
                write_with_provenance(data, table_csv(["mass_MeV", axis, "delta_chi2"], result.rows()), prov)
        summary.append(f"wrote {data} and {args.out}.png")
        clear_store(f"{args.out}.chunks")
    print("\n".join(summary))
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("scan", help="profile-likelihood scan: 1D in eps at fixed mass, or 2D over (m, eps)")
    add_analysis_options(p)
    p.add_argument("--mass", type=limits.mass,
                   help=f"mass for a 1D scan {limits.help_range(*limits.MASS_MEV, 'MeV')}")
    p.add_argument("--grid", action="store_true", help="2D scan over the mass range")
    p.add_argument("--points", nargs="+", type=limits.points, metavar="N",
                   help=f"points (1D: N {limits.help_range(*limits.POINTS_1D)}; 2D: NM NE, each {limits.help_range(*limits.POINTS_2D)}); "
                        "spent where the likelihood is finite, with the exact wall edges and the limits' mass breaks added")
    p.add_argument("--coupling", choices=("eps", "eps_e", "eps_mu"), help="the coupling on the axis")
    add_level_option(p)
    p.add_argument("--format", choices=("netcdf", "csv"), default=None,
                   help="data file: netcdf (2D default: PREFIX.nc, labelled arrays) or csv (1D default: PREFIX.csv)")
    p.add_argument("--out", type=limits.output_path, metavar="PREFIX", help="write PREFIX.nc or PREFIX.csv (+ .provenance.json) and PREFIX.png")
    add_executor_options(p)
    p.add_argument("--force", action="store_true",
                   help="clear a PREFIX.chunks/ left by a different 2D scan (other inputs or options) instead of refusing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (2D scans)")
    p.set_defaults(func=cmd_scan)
