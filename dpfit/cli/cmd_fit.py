"""``dpfit fit``: best fit, exact profile-likelihood intervals at any level, goodness of fit."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.options import add_analysis_options, add_format_option, add_level_option, analysis_from_args, emit


def cmd_fit(args) -> int:
    from dpfit.inference.profile.fit import fit
    from dpfit.output import render
    from dpfit.output.writers import provenance

    analysis = analysis_from_args(args)
    result = fit(analysis, mass=args.mass, levels=args.cl)
    if args.format == "json":
        prov = provenance(analysis, command="fit")
        emit(render.json_document(result, provenance=prov), args.out)
    else:
        emit(render.text(render.fit_lines(result)), args.out)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("fit", help="best fit (iminuit), exact profile-likelihood intervals and goodness of fit")
    add_analysis_options(p)
    p.add_argument("--mass", type=limits.mass,
                   help=f"fix the mass {limits.help_range(*limits.MASS_MEV, 'MeV')}; free in the mass range otherwise")
    add_level_option(p)
    add_format_option(p, "best fit, goodness of fit, intervals with their levels and edges, provenance")
    p.add_argument("--out", type=limits.output_path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_fit)
