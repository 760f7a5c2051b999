"""``dpfit fit``: best fit, exact profile-likelihood intervals at any level, goodness of fit."""

from __future__ import annotations

from dpfit.cli.options import add_analysis_options, add_level_option, analysis_from_args, emit, positive_number


def cmd_fit(args) -> int:
    from dpfit.inference.fit import fit
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
    p.add_argument("--mass", type=positive_number, help="fix the mass (MeV); free in the mass range otherwise")
    add_level_option(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_fit)
