"""``dpfit coverage``: coverage of fc, cls or delta-chi2 intervals over a grid of true eps (CSV and plot)."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.options import add_analysis_options, analysis_from_args, positive_number
from dpfit.cli.parallel import add_construction_options, executor_from_args, refuse_eps_range


def cmd_coverage(args) -> int:
    import numpy as np

    from dpfit.errors import InputError
    from dpfit.inference.frequentist.coverage import coverage
    from dpfit.runtime.executors import clear_store
    from dpfit.inference.levels import parse_level
    from dpfit.inference.frequentist.toys import ToyModel
    from dpfit.io.atomic import output_locks, write_text
    from dpfit.output.coverage_plot import plot_coverage

    level = parse_level(args.cl, source="option --cl")
    refuse_eps_range(args)
    lo, hi, n = args.eps_grid
    eps_lo, eps_hi = limits.EPS
    if not (eps_lo <= lo < hi <= eps_hi and n == int(n) and 2 <= n <= limits.EPS_GRID_POINTS):
        raise InputError("option --eps-grid", None, f"expected {eps_lo:g} <= LO < HI <= {eps_hi:g} and 2 <= N <= "
                                                    f"{limits.EPS_GRID_POINTS} points, got {lo:g} {hi:g} {n:g}")
    analysis = analysis_from_args(args)
    model = ToyModel.from_joint(analysis.likelihood(), args.mass, source="option --mass")
    eps_true = np.geomspace(lo, hi, int(n))
    if model.allowed_x(0.0):  # the boundary, where delta chi2 intervals miscover most
        eps_true = np.concatenate([[0.0], eps_true])
    store = f"{args.out}.chunks"
    with output_locks(f"{args.out}.csv", f"{args.out}.png"):  # one run at a time writes these outputs
        if args.force:
            clear_store(store)
        result = coverage(model, args.method, level, eps_true, args.toys, args.seed, executor_from_args(args),
                          store_dir=store, progress=not args.no_progress, identity=analysis.job_identity())
        lines = ["eps_true,coverage,error"] + [f"{e:.8g},{c:.6f},{s:.6f}" for e, c, s in result.rows()]
        write_text(f"{args.out}.csv", "\n".join(lines) + "\n")
        plot_coverage(result, f"{args.out}.png")
        clear_store(store)
    print(f"coverage of {args.method} at {level.label} ({level.probability:.4g}), m = {args.mass:g} MeV, "
          f"{result.toys} toys per point: min {result.coverage.min():.4f}, max {result.coverage.max():.4f}")
    print(f"wrote {args.out}.csv and {args.out}.png")
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("coverage", help="coverage of fc, cls or delta-chi2 intervals over true eps, by toys")
    add_analysis_options(p)
    add_construction_options(p, "chi2", "1sigma", toys=20_000)
    p.add_argument("--eps-grid", nargs=3, type=positive_number, required=True, metavar=("LO", "HI", "N"),
                   help=f"N log-spaced true couplings from LO to HI, each {limits.help_range(*limits.EPS)}, "
                        f"N from 2 to {limits.EPS_GRID_POINTS} (eps = 0 is added where allowed)")
    p.add_argument("--out", required=True, metavar="PREFIX", type=limits.output_path,
                   help="write PREFIX.csv and PREFIX.png; an interrupted run resumes from PREFIX.chunks/")
    p.add_argument("--force", action="store_true",
                   help="clear a PREFIX.chunks/ left by a different job (other inputs or options) instead of refusing")
    p.set_defaults(func=cmd_coverage)
