"""``dpfit sample / corner``: sample the joint posterior, and its corner plot."""

from __future__ import annotations

import sys

from dpfit.cli.options import add_analysis_options, add_sampling_options, analysis_from_args

def _print_chain_summary(chain) -> None:
    from dpfit.inference.diagnostics import credible_summary, diagnostics, physical_samples

    diag = diagnostics(chain)
    print(f"chain: {chain.steps} steps x {chain.nwalkers} walkers; acceptance {diag.acceptance:.3f}; "
          f"tau {', '.join(f'{n} {t:.1f}' for n, t in zip(chain.names, diag.tau))}; "
          f"effective samples {diag.ess:.0f}")
    if diag.warning:
        print(f"warning: {diag.warning}", file=sys.stderr)
    for name, q in credible_summary(physical_samples(chain, diag.burn, diag.thin)).items():
        print(f"{name}: median {q['median']:.5g}; 68% [{q['68'][0]:.5g}, {q['68'][1]:.5g}]; "
              f"95% [{q['95'][0]:.5g}, {q['95'][1]:.5g}]")


def cmd_sample(args) -> int:
    from dpfit.inference.sampling import Interrupted, sample
    from dpfit.output.writers import provenance

    analysis = analysis_from_args(args)
    prov = provenance(analysis.inputs, command="sample", analysis=analysis.describe(), seed=args.seed)
    try:
        chain = sample(analysis, args.out, nwalkers=int(args.walkers), nsteps=int(args.steps), seed=args.seed,
                       resume=args.resume, progress=not args.no_progress, provenance=prov)
    except Interrupted as exc:
        print(f"dpfit: {exc}", file=sys.stderr)
        return 130
    print(f"wrote {args.out}")
    _print_chain_summary(chain)
    return 0


def _analysis_requested(args) -> bool:
    """True if the command line names an analysis (file or option) the chain must match."""
    names = ("analysis", "inputs", "muon", "electron", "limits", "atomki", "invisible_ratio", "couplings",
             "mass_range", "eps_range", "mass_prior", "eps_prior", "convention")
    return any(getattr(args, n, None) not in (None, ()) for n in names) or bool(getattr(args, "overrides", None))


def cmd_corner(args) -> int:
    from dpfit.output.corner_plot import plot_corner
    from dpfit.inference.chains import read_chain
    from dpfit.output.writers import to_json

    chain = read_chain(args.chain)
    if _analysis_requested(args):
        from dpfit.inference.chains import check_analysis

        check_analysis(chain, analysis_from_args(args).describe(), args.chain)
    numbers = plot_corner(chain, args.out)
    if args.format == "json":
        print(to_json(numbers), end="")
    else:
        for name, q in numbers["quantiles"].items():
            print(f"{name}: " + ", ".join(f"{k} {v:.5g}" for k, v in q.items()))
        if numbers["diagnostics"]["warning"]:
            print(f"warning: {numbers['diagnostics']['warning']}", file=sys.stderr)
        print(f"wrote {args.out}")
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("sample", help="sample the joint posterior over (m, eps) with emcee")
    add_analysis_options(p)
    add_sampling_options(p, steps=5000, walkers=32)
    p.add_argument("--out", required=True, metavar="CHAIN.h5", help="chain file (emcee HDF5 layout)")
    p.add_argument("--resume", action="store_true", help="continue CHAIN.h5 until it holds --steps steps")
    p.set_defaults(func=cmd_sample)
    p = sub.add_parser("corner", help="corner plot of a chain, with its quantiles")
    p.add_argument("chain", metavar="CHAIN.h5")
    add_analysis_options(p)  # if given, the chain must have been sampled for this analysis
    p.add_argument("--out", required=True, metavar="FILE.png|pdf")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_corner)
