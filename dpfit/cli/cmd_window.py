"""``dpfit window``: the surviving coupling window, its confidence, and whether the data allow one."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.options import (add_analysis_options, add_format_option, add_sampling_options, analysis_from_args, emit, level_list,
                               probability)


def cmd_window(args) -> int:
    from dpfit.inference.window import window
    from dpfit.output import render
    from dpfit.errors import InputError
    from dpfit.output.writers import provenance

    if args.cl is not None and len(args.cl) != 1:
        raise InputError("option --cl", None, f"a window has one level, got {len(args.cl)}")
    levels = {"level": args.cl[0], "posterior_level": args.cl[0]} if args.cl else {}
    analysis = analysis_from_args(args)
    result = window(analysis, args.mass, **levels, walkers=int(args.walkers), steps=int(args.steps), seed=args.seed,
                    chain_path=args.chain, progress=not args.no_progress, gof_threshold=args.gof_threshold)
    if args.format == "json":
        prov = provenance(analysis, command="window", seed=args.seed)
        emit(render.json_document(result, provenance=prov), args.out)
    else:
        emit(render.text(render.window_lines(result)), args.out)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("window", help="the surviving coupling window: interval algebra, profile, posterior")
    add_analysis_options(p)
    p.add_argument("--mass", type=limits.mass, default=None,
                   help=f"mass in MeV {limits.help_range(*limits.MASS_MEV)} (default: the region's central mass)")
    p.add_argument("--cl", type=level_list, default=None, metavar="LEVEL",
                   help="level of the profile and posterior windows: a probability (0.95) or Nsigma (default: 2sigma "
                        "for the profile likelihood, 95 %% for the posterior)")
    p.add_argument("--gof-threshold", type=probability, default=0.0027, metavar="P",
                   help="below this p-value the analysis is reported as excluded, with no window (default 0.0027, 3 sigma)")
    add_sampling_options(p, steps=3000, walkers=32)
    p.add_argument("--chain", metavar="CHAIN.h5", help="use this chain for the posterior instead of sampling")
    add_format_option(p, "the window three ways, goodness of fit, compatibility, provenance")
    p.add_argument("--out", type=limits.output_path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_window)
