"""The ``dpfit`` command. It parses arguments and calls the library; nothing else.

Every bad input ends in one line ``dpfit: error: <file or option>: <field>: <what>``
on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np

from dpfit import __version__
from dpfit.errors import InputError

EXIT_INPUT = 2


# ----------------------------------------------------------------------------- option parsing helpers


def _finite_number(text: str, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        wanted = "a finite number >= 0" if allow_zero else "a positive finite number"
        raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text}'")
    return value


def positive_number(text: str) -> float:
    """argparse type: a positive finite number (masses in MeV, couplings, counts)."""
    return _finite_number(text, allow_zero=False)


def mass_list(text: str) -> list[float]:
    """argparse type: comma-separated positive masses in MeV."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected masses in MeV, e.g. 5,10,17")
    return [positive_number(part) for part in parts]


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("inputs")
    group.add_argument("--inputs", metavar="DIR", help="directory of data files and cards overlaying the defaults")
    group.add_argument("--convention", default=None, choices=("precise", "paper"),
                       help="precise (CODATA 2022 alpha, unrounded Delta a; default) or the source paper's")
    group.add_argument("--set", dest="overrides", action="append", default=[], metavar="FILE.FIELD=VALUE",
                       help="override one field of one data file or card (repeatable)")


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """The analysis options shared by fit, scan, sample and window (physics.md §3)."""
    parser.add_argument("analysis", nargs="?", metavar="ANALYSIS.yaml",
                        help="analysis file (options given here take precedence)")
    _add_input_options(parser)
    group = parser.add_argument_group("analysis")
    group.add_argument("--muon", metavar="SCENARIO", help="muon (g-2) scenario: WP20, BMW21, WP25 (default) or none")
    group.add_argument("--electron", metavar="SCENARIO", help="electron (g-2) scenario: Rb20 (default), Cs18 or none")
    group.add_argument("--limits", type=_names, metavar="A,B", help="exclusion cards (default: na64,padme; none for none)")
    group.add_argument("--atomki", nargs="?", const="atomki", default=None, metavar="CARD",
                       help="use the ATOMKI region (default on; optionally name another region card)")
    group.add_argument("--no-atomki", dest="atomki", action="store_const", const="none", help="no ATOMKI region")
    group.add_argument("--invisible-ratio", type=_nonnegative, metavar="R", help="Gamma_inv / Gamma_ee (default 0)")
    group.add_argument("--couplings", choices=("universal", "lepton"), help="one eps for all leptons, or eps_e and eps_mu")
    group.add_argument("--mass-range", nargs=2, type=positive_number, metavar=("LO", "HI"), help="mass range in MeV")
    group.add_argument("--eps-range", nargs=2, type=positive_number, metavar=("LO", "HI"), help="coupling range")
    group.add_argument("--mass-prior", choices=("uniform", "gaussian"),
                       help="posterior: m uniform over the mass range (default) or Gaussian from the region card")
    group.add_argument("--eps-prior", choices=("log-uniform", "uniform"), help="posterior: prior of eps (default log-uniform)")


def _names(text: str) -> tuple[str, ...]:
    """argparse type: comma-separated card names; 'none' for none."""
    if text.strip().lower() == "none":
        return ()
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected card names separated by commas, or none")
    return names


def _nonnegative(text: str) -> float:
    """argparse type: a finite number >= 0 (the invisible-width ratio)."""
    return _finite_number(text, allow_zero=True)


def _analysis(args):
    """The Analysis of the command line (file, then options on top)."""
    from dpfit.analysis import Analysis

    changes = {"muon": args.muon, "electron": args.electron, "limits": args.limits, "atomki": args.atomki,
               "invisible_ratio": args.invisible_ratio, "couplings": args.couplings,
               "convention": args.convention, "inputs_dir": args.inputs,
               "overrides": tuple(args.overrides) or None,
               "mass_range": tuple(args.mass_range) if args.mass_range else None,
               "eps_range": tuple(args.eps_range) if args.eps_range else None,
               "mass_prior": args.mass_prior, "eps_prior": args.eps_prior}
    changes = {k: v for k, v in changes.items() if v is not None}
    if args.analysis:
        return Analysis.from_file(args.analysis, **changes)
    return Analysis(**changes)


def _load(args):
    from dpfit.inputs import load_inputs

    return load_inputs(args.inputs, args.convention or "precise", args.overrides)


def _emit(text: str, out: str | None) -> None:
    """Print ``text``, or write it atomically to ``out``."""
    if out is None:
        sys.stdout.write(text)
    else:
        from dpfit.atomic import write_text

        write_text(out, text)
        print(f"wrote {out}", file=sys.stderr)


# ----------------------------------------------------------------------------- commands


def cmd_table(args) -> int:
    from dpfit.tables import DEFAULT_MASSES, muon_table
    from dpfit.writers import provenance, table_csv, table_json, table_text

    inputs = _load(args)
    columns, rows = muon_table(inputs, args.masses or DEFAULT_MASSES)
    prov = provenance(inputs, command="table")
    text = {"text": lambda: table_text(columns, rows), "csv": lambda: table_csv(columns, rows, prov),
            "json": lambda: table_json(columns, rows, prov)}[args.format]()
    _emit(text, args.out)
    return 0


def cmd_epsilon(args) -> int:
    from dpfit.tables import coupling_estimate
    from dpfit.writers import provenance, to_json

    inputs = _load(args)
    est = coupling_estimate(inputs, args.lepton, args.scenario, [args.mass])
    eps, sigma = float(est.eps[0]), float(est.sigma_linear[0])
    doc = {"lepton": est.lepton, "scenario": est.scenario, "mass_MeV": args.mass, "delta_a": est.delta_a,
           "sigma_delta_a": est.sigma_delta_a, "eps": eps, "sigma_linear": sigma}
    message = None
    if est.delta_a < 0:
        message = (f"Delta a = {est.delta_a:.3g} < 0: a vector boson can only raise a_{est.lepton}, "
                   "so no coupling produces it (the exact likelihood gives an upper limit instead)")
    if args.format == "json":
        doc["message"] = message
        doc["provenance"] = provenance(inputs, command="epsilon")
        _emit(to_json(doc), None)
    else:
        lines = [f"{est.lepton} {est.scenario} at m = {args.mass:g} MeV: Delta a = {est.delta_a:.4g} +- {est.sigma_delta_a:.2g}"]
        lines.append(message if message else f"eps = {eps:.4e} +- {sigma:.4e} (linear propagation)")
        _emit("\n".join(lines) + "\n", None)
    return 0


def cmd_inputs(args) -> int:
    from dpfit.inputs import load_inputs
    from dpfit.inputs_report import describe_file, diff_inputs, list_inputs

    if args.action == "check":
        inputs = load_inputs(args.directory or args.inputs, args.convention or "precise", args.overrides)
        print(f"ok: {len(inputs.files())} files valid ({inputs.convention} convention"
              + (f", overlay {args.directory or args.inputs}" if (args.directory or args.inputs) else "") + ")")
        return 0
    if args.action == "diff":
        if not args.directory:
            raise InputError("dpfit inputs diff", None, "name the overlay directory to compare, e.g. dpfit inputs diff mydir/")
        print(diff_inputs(load_inputs(None, args.convention or "precise"),
                          load_inputs(args.directory, args.convention or "precise", args.overrides)), end="")
        return 0
    inputs = _load(args)
    if args.action == "list":
        print(list_inputs(inputs), end="")
    else:
        if not args.name:
            raise InputError("dpfit inputs show", None, "name the input to show, e.g. dpfit inputs show a_mu_sm_wp25")
        print(describe_file(inputs, args.name), end="")
    return 0


def _format_intervals(intervals: dict) -> str:
    return "  ".join(f"{label}%: " + (" U ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in pieces) or "empty")
                     for label, pieces in intervals.items())


def cmd_fit(args) -> int:
    from dpfit.fit import fit
    from dpfit.writers import provenance, to_json

    analysis = _analysis(args)
    joint = analysis.likelihood()
    mass_range = None if args.mass is not None else analysis.resolved_mass_range()
    result = fit(joint, mass=args.mass, mass_range=mass_range, eps_range=analysis.eps_range)
    if args.format == "json":
        doc = result.as_dict()
        doc["provenance"] = provenance(analysis.inputs, command="fit", analysis=analysis.describe())
        _emit(to_json(doc), args.out)
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
    _emit("\n".join(lines) + "\n", args.out)
    return 0


def cmd_scan(args) -> int:
    from dpfit.scan import CONTOUR_LEVELS, log_grid, scan_1d, scan_2d
    from dpfit.writers import provenance, table_csv

    analysis = _analysis(args)
    joint = analysis.likelihood()
    axis = args.coupling or ("eps" if joint.couplings == "universal" else "eps_e")
    eps_lo, eps_hi = analysis.eps_range
    if args.grid:
        if args.mass is not None:
            raise InputError("option --mass", None, "--grid scans the mass range; use --mass-range instead")
        if args.points and len(args.points) != 2:
            raise InputError("option --points", None, "a 2D scan takes two numbers of points: NM NE")
        nm, ne = args.points or (400, 400)
        m_lo, m_hi = analysis.resolved_mass_range()
        scan = scan_2d(joint, log_grid(m_lo, m_hi, nm), log_grid(eps_lo, eps_hi, ne), axis)
    else:
        if args.mass is None:
            raise InputError("dpfit scan", None, "give --mass MEV for a 1D scan, or --grid for a 2D scan")
        if args.points and len(args.points) != 1:
            raise InputError("option --points", None, "a 1D scan takes one number of points")
        scan = scan_1d(joint, args.mass, log_grid(eps_lo, eps_hi, args.points[0] if args.points else 400), axis)
    finite = np.isfinite(scan.delta_chi2)
    summary = [f"scan of {axis}: {scan.delta_chi2.size} points, chi2_min = {scan.chi2_min:.4g}, "
               f"{(~finite).sum()} excluded"]
    if not args.grid:
        for label, level in (("68", 1.0), ("95", 4.0)):
            inside = scan.eps[finite[0] & (scan.delta_chi2[0] <= level)]
            summary.append(f"{label}% (grid): " + (f"{inside.min():.4g} .. {inside.max():.4g}" if inside.size else "empty"))
    if args.out:
        from dpfit import plots
        from dpfit.atomic import write_text

        prov = provenance(analysis.inputs, command="scan", analysis=analysis.describe())
        write_text(f"{args.out}.csv", table_csv(["mass_MeV", "eps", "delta_chi2"], scan.rows(), prov))
        if args.grid:
            plots.plot_scan_2d(scan, f"{args.out}.png", CONTOUR_LEVELS)
        else:
            plots.plot_scan_1d(scan, f"{args.out}.png")
        summary.append(f"wrote {args.out}.csv and {args.out}.png")
    print("\n".join(summary))
    return 0


def _print_chain_summary(chain) -> None:
    from dpfit.sampling import credible_summary, diagnostics, physical_samples

    diag = diagnostics(chain)
    print(f"chain: {chain.steps} steps x {chain.chain.shape[1]} walkers; acceptance {diag.acceptance:.3f}; "
          f"tau {', '.join(f'{n} {t:.1f}' for n, t in zip(chain.names, diag.tau))}; "
          f"effective samples {diag.ess:.0f}")
    if diag.warning:
        print(f"warning: {diag.warning}", file=sys.stderr)
    for name, q in credible_summary(physical_samples(chain, diag.burn, diag.thin)).items():
        print(f"{name}: median {q['median']:.5g}; 68% [{q['68'][0]:.5g}, {q['68'][1]:.5g}]; "
              f"95% [{q['95'][0]:.5g}, {q['95'][1]:.5g}]")


def cmd_sample(args) -> int:
    from dpfit.sampling import Interrupted, sample
    from dpfit.writers import provenance

    analysis = _analysis(args)
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


def cmd_corner(args) -> int:
    from dpfit.corner_plot import plot_corner
    from dpfit.sampling import read_chain
    from dpfit.writers import to_json

    chain = read_chain(args.chain)
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


def cmd_window(args) -> int:
    from dpfit.reproduce import window_result
    from dpfit.writers import provenance, to_json

    analysis = _analysis(args)
    result, extra = window_result(analysis, args.mass, walkers=int(args.walkers), steps=int(args.steps),
                                  seed=args.seed, chain_path=args.chain, progress=not args.no_progress)
    if args.format == "json":
        result["provenance"] = provenance(analysis.inputs, command="window", analysis=analysis.describe(),
                                          seed=args.seed, posterior_run=extra["diagnostics"])
        _emit(to_json(result), args.out)
        return 0
    fmt = lambda pieces: " U ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in pieces) or "empty"  # noqa: E731
    lines = [f"window at m = {result['mass_MeV']:g} MeV (terms: {', '.join(result['terms'])})",
             f"  interval algebra (paper's method): {fmt(result['interval_algebra'])}",
             f"  profile likelihood, delta chi2 <= 4: {fmt(result['profile'])}",
             f"  posterior 95% credible (m marginalised over {extra['mass_range'][0]:g}-{extra['mass_range'][1]:g} MeV):"
             f" {fmt(result['posterior'])}",
             f"  interval algebra over the mass range: {fmt(extra['algebra_envelope'])}"]
    if extra["diagnostics"].get("warning"):
        lines.append(f"  warning: {extra['diagnostics']['warning']}")
    _emit("\n".join(lines) + "\n", args.out)
    return 0


def cmd_reproduce(args) -> int:
    from dpfit.reproduce import reproduce

    if args.convention is not None:
        raise InputError("option --convention", None, "reproduce always runs both conventions (paper and precise)")
    written = reproduce(args.out, quick=args.quick, progress=not args.no_progress, inputs_dir=args.inputs,
                        overrides=args.overrides)
    print(f"wrote {len(written)} files into {args.out}/: {', '.join(sorted(written))}")
    return 0


def _add_sampling_options(p, steps: int, walkers: int) -> None:
    p.add_argument("--walkers", type=positive_number, default=walkers, help=f"emcee walkers (default {walkers})")
    p.add_argument("--steps", type=positive_number, default=steps, help=f"total steps per walker (default {steps})")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same chain)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


# ----------------------------------------------------------------------------- parser


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (``dpfit: error: ...``) and exit status 2, like input errors."""

    def error(self, message: str):
        message = message.replace("\r", "\\r").replace("\n", "\\n")  # user text stays on one line
        self.exit(EXIT_INPUT, f"dpfit: error: {self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="dpfit", description="Inference on light vector bosons (dark photons, X17).")
    parser.add_argument("--version", action="version", version=f"dpfit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("table", help="eps_mu and its linear sigma for every muon scenario over mass")
    _add_input_options(p)
    p.add_argument("--masses", type=mass_list, default=None, metavar="M1,M2,...", help="masses in MeV")
    p.add_argument("--format", choices=("text", "csv", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("epsilon", help="the coupling that explains one (g-2) scenario at one mass")
    _add_input_options(p)
    p.add_argument("--lepton", choices=("e", "mu"), required=True)
    p.add_argument("--scenario", required=True, help="e.g. WP20, BMW21, WP25 (muon); Cs18, Rb20 (electron)")
    p.add_argument("--mass", type=positive_number, required=True, help="boson mass in MeV")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_epsilon)

    p = sub.add_parser("fit", help="best fit (iminuit) and exact profile-likelihood intervals")
    _add_analysis_options(p)
    p.add_argument("--mass", type=positive_number, help="fix the mass (MeV); free in the mass range otherwise")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("scan", help="profile-likelihood scan: 1D in eps at fixed mass, or 2D over (m, eps)")
    _add_analysis_options(p)
    p.add_argument("--mass", type=positive_number, help="mass for a 1D scan (MeV)")
    p.add_argument("--grid", action="store_true", help="2D scan over the mass range")
    p.add_argument("--points", nargs="+", type=positive_number, metavar="N", help="points (1D: N; 2D: NM NE)")
    p.add_argument("--coupling", choices=("eps", "eps_e", "eps_mu"), help="the coupling on the axis")
    p.add_argument("--out", metavar="PREFIX", help="write PREFIX.csv and PREFIX.png")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("sample", help="sample the joint posterior over (m, eps) with emcee")
    _add_analysis_options(p)
    _add_sampling_options(p, steps=5000, walkers=32)
    p.add_argument("--out", required=True, metavar="CHAIN.h5", help="chain file (emcee HDF5 layout)")
    p.add_argument("--resume", action="store_true", help="continue CHAIN.h5 until it holds --steps steps")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("corner", help="corner plot of a chain, with its quantiles")
    p.add_argument("chain", metavar="CHAIN.h5")
    p.add_argument("--out", required=True, metavar="FILE.png|pdf")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_corner)

    p = sub.add_parser("window", help="the surviving coupling window: interval algebra, profile, posterior")
    _add_analysis_options(p)
    p.add_argument("--mass", type=positive_number, default=None, help="mass in MeV (default: the region's central mass)")
    _add_sampling_options(p, steps=3000, walkers=32)
    p.add_argument("--chain", metavar="CHAIN.h5", help="use this chain for the posterior instead of sampling")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_window)

    p = sub.add_parser("reproduce", help="the whole reference analysis: tables, window, figures, chain, report")
    _add_input_options(p)
    p.add_argument("--out", default="results", metavar="DIR")
    p.add_argument("--quick", action="store_true", help="small chain and grids (seconds; for tests)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("inputs", help="list, show, check or diff the input files")
    _add_input_options(p)
    p.add_argument("action", choices=("list", "show", "check", "diff"))
    p.add_argument("name", nargs="?", help="with show: the file name; with check/diff: a directory")
    p.set_defaults(func=cmd_inputs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 bad input or usage)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (already printed as one line), --help, --version
        return exc.code
    try:
        if args.command == "inputs":
            args.directory = args.name if args.action in ("check", "diff") else None
        return args.func(args)
    except InputError as exc:
        print(f"dpfit: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("dpfit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `dpfit table | head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the interpreter's final flush quiet
        return 0
