"""``dpfit interval``: Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass (text or JSON)."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.options import add_analysis_options, add_format_option, analysis_from_args, emit
from dpfit.cli.parallel import add_construction_options, executor_from_args, refuse_eps_range


def cmd_interval(args) -> int:
    from contextlib import nullcontext

    from dpfit.runtime.executors import clear_store
    from dpfit.inference.frequentist.constructions import frequentist_interval
    from dpfit.inference.levels import parse_level
    from dpfit.inference.frequentist.toys import ToyModel
    from dpfit.output import render
    from dpfit.io.atomic import output_lock
    from dpfit.output.writers import provenance

    refuse_eps_range(args)
    level = parse_level(args.cl, source="option --cl")
    analysis = analysis_from_args(args)
    model = ToyModel.from_joint(analysis.likelihood(), args.mass, source="option --mass")
    store = f"{args.out}.chunks" if args.out else None
    with output_lock(args.out) if args.out else nullcontext():  # one run at a time writes this output
        if args.force:
            clear_store(store)
        result = frequentist_interval(model, args.method, level, args.toys, args.seed, executor_from_args(args),
                                      store_dir=store, progress=not args.no_progress, identity=analysis.job_identity(),
                                      max_toys=args.max_toys)
        if args.format == "json":  # the files the analysis' terms read, not the whole input set
            emit(render.json_document(result, provenance=provenance(analysis, command="interval")), args.out)
        else:
            emit(render.text(render.interval_lines(result)), args.out)
        clear_store(store)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("interval", help="Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass, by toys")
    add_analysis_options(p)
    add_construction_options(p, "fc", "0.6827", toys=100_000)
    p.add_argument("--max-toys", type=limits.toys, metavar="N",
                   help=f"where --toys cannot resolve the level, double them up to N {limits.help_range(*limits.TOYS)} "
                        f"(default: --toys)")
    add_format_option(p, "the interval, its Monte-Carlo errors, toys, seed and provenance")
    p.add_argument("--out", type=limits.output_path, metavar="FILE",
                   help="write to FILE; an interrupted run resumes from FILE.chunks/")
    p.add_argument("--force", action="store_true",
                   help="clear a FILE.chunks/ left by a different job (other inputs or options) instead of refusing")
    p.set_defaults(func=cmd_interval)
