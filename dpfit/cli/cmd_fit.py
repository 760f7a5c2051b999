"""``dpfit fit``: best fit and exact profile-likelihood intervals."""

from __future__ import annotations

from dpfit.cli.options import add_analysis_options, analysis_from_args, emit, positive_number

def _format_intervals(intervals: dict) -> str:
    return "  ".join(f"{label}%: " + (" U ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in pieces) or "empty")
                     for label, pieces in intervals.items())


def cmd_fit(args) -> int:
    from dpfit.inference.fit import fit
    from dpfit.model.coverage import coverage_notes
    from dpfit.output.writers import provenance, to_json

    analysis = analysis_from_args(args)
    joint = analysis.likelihood()
    mass_range = None if args.mass is not None else analysis.resolved_mass_range()
    result = fit(joint, mass=args.mass, mass_range=mass_range, eps_range=analysis.eps_range)
    result.notes.extend(coverage_notes(analysis.model(), args.mass))
    if args.format == "json":
        doc = result.as_dict()
        doc["provenance"] = provenance(analysis.inputs, command="fit", analysis=analysis.describe())
        emit(to_json(doc), args.out)
        return 0
    lines = [f"terms: {', '.join(result.terms)}",
             "best fit: " + ", ".join(f"{k} = {v:.5g}" if v is not None else f"{k} free" for k, v in result.best_fit.items())
             + (" (mass fixed)" if result.mass_fixed else " (mass free)"),
             f"chi2_min = {result.chi2_min:.4g}, converged: {result.converged}"]
    if joint.couplings == "universal":
        lines.append("eps " + _format_intervals(result.intervals))
    else:
        lines += [f"{name} " + _format_intervals(iv) for name, iv in result.intervals.items()]
    lines += [f"note: {n}" for n in result.notes]
    emit("\n".join(lines) + "\n", args.out)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("fit", help="best fit (iminuit) and exact profile-likelihood intervals")
    add_analysis_options(p)
    p.add_argument("--mass", type=positive_number, help="fix the mass (MeV); free in the mass range otherwise")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_fit)
