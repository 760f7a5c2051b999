"""``dpfit window``: the surviving coupling window."""

from __future__ import annotations

from dpfit.cli.options import add_analysis_options, add_sampling_options, analysis_from_args, emit, positive_number

def cmd_window(args) -> int:
    from dpfit.reference.reproduce import window_result
    from dpfit.output.writers import provenance, to_json

    analysis = analysis_from_args(args)
    result, extra = window_result(analysis, args.mass, walkers=int(args.walkers), steps=int(args.steps),
                                  seed=args.seed, chain_path=args.chain, progress=not args.no_progress)
    if args.format == "json":
        result["provenance"] = provenance(analysis.inputs, command="window", analysis=analysis.describe(),
                                          seed=args.seed, posterior_run=extra["diagnostics"])
        emit(to_json(result), args.out)
        return 0
    fmt = lambda pieces: " U ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in pieces) or "empty"  # noqa: E731
    lines = [f"window at m = {result['mass_MeV']:g} MeV (terms: {', '.join(result['terms'])})",
             f"  interval algebra (paper's method): {fmt(result['interval_algebra'])}",
             f"  profile likelihood, delta chi2 <= 4: {fmt(result['profile'])}",
             f"  posterior 95% credible (m marginalised over {extra['mass_range'][0]:g}-{extra['mass_range'][1]:g} MeV):"
             f" {fmt(result['posterior'])}",
             f"  interval algebra over the mass range: {fmt(extra['algebra_envelope'])}"]
    lines += [f"  limit {c['name']}: {c['experiment']}, {c['cl'] * 100:g}% CL, produced through {c['production']} "
              f"couplings, {c['model']}" for c in result["limits"]]
    lines += [f"  note: {n}" for n in result["notes"]]
    if extra["diagnostics"].get("warning"):
        lines.append(f"  warning: {extra['diagnostics']['warning']}")
    emit("\n".join(lines) + "\n", args.out)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("window", help="the surviving coupling window: interval algebra, profile, posterior")
    add_analysis_options(p)
    p.add_argument("--mass", type=positive_number, default=None, help="mass in MeV (default: the region's central mass)")
    add_sampling_options(p, steps=3000, walkers=32)
    p.add_argument("--chain", metavar="CHAIN.h5", help="use this chain for the posterior instead of sampling")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_window)
