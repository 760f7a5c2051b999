"""``dpfit interval``: Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass (JSON)."""

from __future__ import annotations

from dpfit.cli.options import add_analysis_options, analysis_from_args, emit
from dpfit.cli import limits
from dpfit.cli.parallel import add_construction_options, executor_from_args, refuse_eps_range


def cmd_interval(args) -> int:
    from contextlib import nullcontext

    from dpfit.inference.executors import clear_store
    from dpfit.inference.frequentist import frequentist_interval
    from dpfit.inference.levels import parse_level
    from dpfit.inference.toys import ToyModel
    from dpfit.output.atomic import output_lock
    from dpfit.output.writers import provenance, to_json

    refuse_eps_range(args)
    level = parse_level(args.cl, source="option --cl")
    analysis = analysis_from_args(args)
    model = ToyModel.from_joint(analysis.likelihood(), args.mass, source="option --mass")
    store = f"{args.out}.chunks" if args.out else None
    with output_lock(args.out) if args.out else nullcontext():  # one run at a time writes this output
        if args.force:
            clear_store(store)
        result = frequentist_interval(model, args.method, level, args.toys, args.seed, executor_from_args(args),
                                      store_dir=store, progress=not args.no_progress, identity=analysis.job_identity())
        doc = result.to_dict()
        doc["provenance"] = provenance(analysis.inputs, command="interval", analysis=analysis.describe())
        emit(to_json(doc), args.out)
        clear_store(store)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("interval", help="Feldman-Cousins, CLs or delta-chi2 interval of eps at fixed mass, by toys")
    add_analysis_options(p)
    add_construction_options(p, "fc", "0.6827", toys=100_000)
    p.add_argument("--out", metavar="FILE", type=limits.output_path, help="write the JSON to FILE; an interrupted run resumes from FILE.chunks/")
    p.add_argument("--force", action="store_true",
                   help="clear a FILE.chunks/ left by a different job (other inputs or options) instead of refusing")
    p.set_defaults(func=cmd_interval)
