"""``dpfit interval``: Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass (text or JSON)."""

from __future__ import annotations

from dpfit.cli.options import add_analysis_options, add_format_option, analysis_from_args, emit, positive_number
from dpfit.cli.parallel import add_construction_options, executor_from_args, whole_toys


def cmd_interval(args) -> int:
    from dpfit.inference.executors import remove_store
    from dpfit.inference.frequentist import frequentist_interval
    from dpfit.inference.levels import parse_level
    from dpfit.inference.toys import ToyModel
    from dpfit.output import render
    from dpfit.output.writers import provenance

    level = parse_level(args.cl, source="option --cl")
    analysis = analysis_from_args(args)
    model = ToyModel.from_joint(analysis.likelihood(), args.mass, source="option --mass")
    store = f"{args.out}.chunks" if args.out else None
    toys = whole_toys(args)
    max_toys = toys if args.max_toys is None else whole_toys(args, "max_toys")
    result = frequentist_interval(model, args.method, level, toys, args.seed, executor_from_args(args),
                                  store_dir=store, progress=not args.no_progress, max_toys=max_toys)
    if args.format == "json":  # the files the analysis' terms read, not the whole input set
        emit(render.json_document(result, provenance=provenance(analysis, command="interval")), args.out)
    else:
        emit(render.text(render.interval_lines(result)), args.out)
    remove_store(store)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("interval", help="Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass, by toys")
    add_analysis_options(p)
    add_construction_options(p, "fc", "0.6827", toys=100_000)
    p.add_argument("--max-toys", type=positive_number, metavar="N",
                   help="where --toys cannot resolve the level, double them up to N (default: --toys)")
    add_format_option(p, "the interval, its Monte-Carlo errors, toys, seed and provenance")
    p.add_argument("--out", metavar="FILE", help="write to FILE; an interrupted run resumes from FILE.chunks/")
    p.set_defaults(func=cmd_interval)
