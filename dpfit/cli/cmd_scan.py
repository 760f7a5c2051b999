"""``dpfit scan``: profile-likelihood scans."""

from __future__ import annotations

import numpy as np

from dpfit.cli.options import add_analysis_options, analysis_from_args
from dpfit.cli import limits
from dpfit.errors import InputError

def cmd_scan(args) -> int:
    from dpfit.inference.scan import CONTOUR_LEVELS, log_grid, scan_1d, scan_2d
    from dpfit.output.writers import provenance, table_csv

    analysis = analysis_from_args(args)
    joint = analysis.likelihood()
    axis = args.coupling or ("eps" if joint.couplings == "universal" else "eps_e")
    eps_lo, eps_hi = analysis.eps_range
    if args.grid:
        if args.mass is not None:
            raise InputError("option --mass", None, "--grid scans the mass range; use --mass-range instead")
        if args.points and len(args.points) != 2:
            raise InputError("option --points", None, "a 2D scan takes two numbers of points: NM NE")
        if args.points and max(args.points) > limits.POINTS_2D[1]:
            raise InputError("option --points", None, f"a 2D scan takes at most {limits.POINTS_2D[1]} points per axis")
        nm, ne = args.points or (400, 400)
        m_lo, m_hi = analysis.resolved_mass_range()
        scan = scan_2d(joint, log_grid(m_lo, m_hi, nm), log_grid(eps_lo, eps_hi, ne), axis)
    else:
        if args.mass is None:
            raise InputError("dpfit scan", None, "give --mass MEV for a 1D scan, or --grid for a 2D scan")
        if args.points and len(args.points) != 1:
            raise InputError("option --points", None, "a 1D scan takes one number of points")
        scan = scan_1d(joint, args.mass, log_grid(eps_lo, eps_hi, args.points[0] if args.points else 400), axis)
    finite = np.isfinite(scan.delta_chi2)
    summary = [f"scan of {axis}: {scan.delta_chi2.size} points, chi2_min = {scan.chi2_min:.4g}, "
               f"{(~finite).sum()} excluded"]
    if not args.grid:
        for label, level in (("68", 1.0), ("95", 4.0)):
            inside = scan.eps[finite[0] & (scan.delta_chi2[0] <= level)]
            summary.append(f"{label}% (grid): " + (f"{inside.min():.4g} .. {inside.max():.4g}" if inside.size else "empty"))
    if args.out:
        from dpfit.output import plots
        from dpfit.output.atomic import write_text

        prov = provenance(analysis.inputs, command="scan", analysis=analysis.describe())
        write_text(f"{args.out}.csv", table_csv(["mass_MeV", "eps", "delta_chi2"], scan.rows(), prov))
        if args.grid:
            plots.plot_scan_2d(scan, f"{args.out}.png", CONTOUR_LEVELS)
        else:
            plots.plot_scan_1d(scan, f"{args.out}.png")
        summary.append(f"wrote {args.out}.csv and {args.out}.png")
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
                   help=f"points (1D: N {limits.help_range(*limits.POINTS_1D)}; 2D: NM NE, each {limits.help_range(*limits.POINTS_2D)})")
    p.add_argument("--coupling", choices=("eps", "eps_e", "eps_mu"), help="the coupling on the axis")
    p.add_argument("--out", metavar="PREFIX", help="write PREFIX.csv and PREFIX.png")
    p.set_defaults(func=cmd_scan)
