"""``dpfit sample / corner``: sample the joint posterior, and its corner plot."""

from __future__ import annotations

import contextlib
import sys

from dpfit.cli import limits
from dpfit.cli.options import (EXIT_INTERRUPTED, add_analysis_options, add_format_option, add_level_option,
                               add_sampling_options, analysis_from_args)


def _print_chain_summary(chain) -> None:
    from dpfit.inference.bayes.diagnostics import credible_summary, diagnostics, physical_samples
    from dpfit.output.wording import note_text

    diag = diagnostics(chain)
    print(f"chain: {chain.steps} steps x {chain.nwalkers} walkers; acceptance {diag.acceptance:.3f}; "
          f"tau {', '.join(f'{n} {t:.1f}' for n, t in zip(chain.names, diag.tau))}; "
          f"effective samples {diag.ess:.0f}")
    if diag.warning:
        print(f"warning: {note_text(diag.warning)}", file=sys.stderr)
    from dpfit.inference.levels import format_percent

    for name, q in credible_summary(physical_samples(chain, diag.burn, diag.thin)).items():
        print(f"{name}: median {q['median']:.5g}; " + "; ".join(
            f"central {format_percent(c['probability'])} credible [{c['interval'][0]:.5g}, {c['interval'][1]:.5g}]"
            for c in q["central"].values()))


def cmd_sample(args) -> int:
    from dpfit.inference.bayes.posterior_check import grid_summary_or_none
    from dpfit.output.render import sampler_choice
    from dpfit.inference.bayes.sampling import Interrupted, sample
    from dpfit.output.writers import provenance

    analysis = analysis_from_args(args)
    grid = grid_summary_or_none(analysis.model())
    choice = sampler_choice(args.sampler, grid is not None)
    prov = provenance(analysis, command="sample", seed=args.seed, **choice)
    if args.sampler == "dynesty":
        from dpfit.cli.sample_nested import run_and_report

        return run_and_report(analysis, args, grid, choice, prov)
    try:
        chain = sample(analysis, args.out, nwalkers=int(args.walkers), nsteps=int(args.steps), seed=args.seed,
                       resume=args.resume, progress=not args.no_progress, provenance=prov, grid=grid)
    except Interrupted as exc:
        print(f"dpfit: interrupted: {exc.path} holds {exc.steps} steps; continue with --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    with contextlib.redirect_stdout(sys.stdout if args.format == "text" else sys.stderr):
        print(f"wrote {args.out}")
        print(f"sampler: {choice['sampler']} ({choice['reason']})")
        _print_chain_summary(chain)
    if grid is not None:
        from dpfit.cli.sample_nested import report_chain_check

        return report_chain_check(analysis, chain, grid, choice, args)
    return 0


def _analysis_requested(args) -> bool:
    """True if the command line names an analysis (file or option) the chain must match."""
    names = ("analysis", "inputs", "muon", "electron", "limits", "atomki", "invisible_ratio", "couplings",
             "mass_range", "eps_range", "mass_prior", "eps_prior", "convention")
    return any(getattr(args, n, None) not in (None, ()) for n in names) or bool(getattr(args, "overrides", None))


def cmd_corner(args) -> int:
    from dpfit.output.corner_plot import corner_numbers, plot_corner
    from dpfit.inference.bayes.chains import read_chain
    from dpfit.output.wording import note_text
    from dpfit.output.writers import to_json

    from dpfit.inference.bayes.posterior_check import analysis_of_chain, grid_summary_or_none

    chain = read_chain(args.chain)
    if _analysis_requested(args):
        from dpfit.inference.bayes.chains import check_analysis

        check_analysis(chain, analysis_from_args(args).describe(), args.chain)
    analysis = analysis_of_chain(chain)
    model = analysis.model() if analysis is not None else None
    fig = plot_corner(chain, args.out, model=model, grid=grid_summary_or_none(model) if model is not None else None,
                      levels=args.cl)
    numbers = corner_numbers(chain)
    if fig.dpfit_marks is not None:
        numbers["marks"] = fig.dpfit_marks
    if args.format == "json":
        print(to_json(numbers), end="")
    else:
        for name, q in numbers["quantiles"].items():
            print(f"{name}: " + ", ".join(f"{k} {v:.5g}" for k, v in q.items()))
        if numbers["diagnostics"]["warning"]:
            print(f"warning: {note_text(numbers['diagnostics']['warning'])}", file=sys.stderr)
        print(f"wrote {args.out}")
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("sample", help="sample the joint posterior over (m, eps) with emcee")
    add_analysis_options(p)
    add_sampling_options(p, steps=5000, walkers=32)
    p.add_argument("--out", type=limits.output_path, required=True, metavar="CHAIN.h5", help="chain file (emcee HDF5 layout)")
    p.add_argument("--resume", action="store_true", help="continue CHAIN.h5 until it holds --steps steps")
    p.add_argument("--sampler", choices=("emcee", "dynesty"), default="emcee",
                   help="emcee (default; walkers in every allowed piece) or dynesty nested sampling (evidence)")
    p.add_argument("--nlive", type=limits.nlive, default=400,
                   help=f"dynesty live points {limits.help_range(*limits.NLIVE)} (default 400)")
    add_format_option(p, "the grid check, agreement and prior sensitivity")
    p.set_defaults(func=cmd_sample)
    p = sub.add_parser("corner", help="corner plot of a chain, with its quantiles")
    p.add_argument("chain", metavar="CHAIN.h5")
    add_analysis_options(p)  # if given, the chain must have been sampled for this analysis
    p.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.png|pdf")
    add_level_option(p)
    add_format_option(p, "quantiles, diagnostics and the marks drawn")
    p.set_defaults(func=cmd_corner)
