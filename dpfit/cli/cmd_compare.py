"""``dpfit compare``: evidence and Bayes factors between analyses given as option lists."""

from __future__ import annotations

import argparse
import itertools
import sys

from dpfit.cli import limits
from dpfit.cli.options import add_analysis_options, add_format_option, analysis_from_args, emit

#: Analysis options that may be given as a comma list (one analysis per value; lists multiply).
LIST_OPTIONS = ("muon", "electron", "atomki")


def analyses_from_args(args) -> list[tuple[str, object]]:
    """(label, Analysis) for every combination of the comma-listed options."""
    from dpfit.errors import InputError

    choices = []
    for name in LIST_OPTIONS:
        value = getattr(args, name)
        values = [v.strip() for v in value.split(",")] if isinstance(value, str) else [value]
        values = [v for v in values if v != ""] or [value]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise InputError(f"option --{name}", None, f"names {', '.join(map(str, twice))} more than once")
        choices.append(values)
    count = len(list(itertools.product(*choices)))
    if count > limits.MAX_ANALYSES:
        raise InputError("dpfit compare", None, f"the comma lists make {count} analyses; at most {limits.MAX_ANALYSES}")
    out = []
    for combo in itertools.product(*choices):
        ns = argparse.Namespace(**vars(args))
        for name, value in zip(LIST_OPTIONS, combo):
            setattr(ns, name, value)
        label = ", ".join(f"{n}={v}" for n, v, c in zip(LIST_OPTIONS, combo, choices) if len(c) > 1) or "analysis"
        out.append((label, analysis_from_args(ns)))
    return out


def cmd_compare(args) -> int:
    from dpfit.inference.bayes.evidence import compare
    from dpfit.output.writers import to_json

    from dpfit.inference.bayes.null_hypothesis import x17_against_null
    from dpfit.inference.bayes.prior_sensitivity import prior_variants
    from dpfit.output.comparison_text import comparison_lines, comparison_record, comparison_warning
    from dpfit.output.report_evidence import null_lines

    analyses = [(label, a.model()) for label, a in analyses_from_args(args)]
    result = compare(analyses, sampler=args.sampler, nlive=int(args.nlive), seed=args.seed,
                     progress=not args.no_progress)
    rows = {r["analysis"]: r for r in result["rows"]}
    result["x17_vs_null"] = [x17_against_null(model, label, rows[label], prior_variants(model))
                             for label, model in analyses]
    if args.format == "json":
        emit(to_json(comparison_record(result)), args.out)
    else:
        emit("\n".join(comparison_lines(result) + null_lines(result["x17_vs_null"])) + "\n", args.out)
    if comparison_warning(result):
        print(f"warning: {comparison_warning(result)}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("compare", help="evidence and Bayes factors between analyses (--muon WP20,BMW21,WP25 ...)",
                       description=f"Evidence of each analysis the comma lists of --muon, --electron and --atomki make "
                                   f"(at most {limits.MAX_ANALYSES}, each name once), and their Bayes factors.")
    add_analysis_options(p)
    p.add_argument("--sampler", choices=("grid", "dynesty"), default="grid",
                   help="grid evidence (default), or grid and dynesty (both, checked against each other)")
    p.add_argument("--nlive", type=limits.nlive, default=400,
                   help=f"dynesty live points {limits.help_range(*limits.NLIVE)} (default 400)")
    p.add_argument("--seed", type=limits.seed, default=1, help=f"dynesty random seed {limits.help_range(*limits.SEED)}")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_format_option(p, "each analysis' evidence and the Bayes factors")
    p.add_argument("--out", type=limits.output_path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_compare)
