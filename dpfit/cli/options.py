"""Option types and option groups shared by the ``dpfit`` commands, and the one-line usage-error parser."""

from __future__ import annotations

import argparse
import math
import sys

from dpfit.cli import limits
from dpfit.cli.limits import help_range

#: Exit status of a bad input or usage error.
EXIT_INPUT = 2
#: Exit status of an interrupted command (SIGINT or SIGTERM): 128 + SIGINT, as a shell reports Ctrl-C.
EXIT_INTERRUPTED = 130
#: The option that sets each library field named in an error (the library never names flags).
FIELD_FLAGS = {"mass_range": "--mass-range", "eps_range": "--eps-range", "mass": "--mass", "limits": "--limits",
               "atomki": "--atomki", "muon": "--muon", "electron": "--electron", "couplings": "--couplings", "vector_model": "--model",
               "invisible_ratio": "--invisible-ratio", "mass_prior": "--mass-prior", "eps_prior": "--eps-prior",
               "gof_threshold": "--gof-threshold", "levels": "--cl", "eps_true": "--eps-grid", "toys": "--toys",
               "method": "--method", "nsteps": "--steps", "seed": "--seed", "nlive": "--nlive",
               "limit_files": "--limit-file", "inputs_dir": "--inputs"}
#: Error sources that stand for the analysis built from the command line, or for one command's library call.
LIBRARY_SOURCES = ("analysis", "analysis options", "fit", "window", "scan", "coverage", "interval", "sample")
#: Library error sources that are one option's value.
SOURCE_FLAGS = {"overrides": "--set", "convention": "--convention", "inputs_dir": "--inputs", "axis": "--coupling",
                "points": "--points", "muon": "--muon", "electron": "--electron"}


def flag_message(exc) -> str:
    """An InputError as the CLI prints it: a library field or source becomes the option that sets it. A source
    ``"<library source>: <field>"`` (the parser of one field's value, e.g. a limit file's spec) is that field's
    option, with the parser's own field after it."""
    library, _, within = exc.source.partition(": ")
    if exc.source in LIBRARY_SOURCES and exc.field in FIELD_FLAGS:
        text = f"option {FIELD_FLAGS[exc.field]}: {exc.message}"
    elif exc.source in SOURCE_FLAGS or (library in LIBRARY_SOURCES and within in FIELD_FLAGS):
        flag = SOURCE_FLAGS[exc.source] if exc.source in SOURCE_FLAGS else FIELD_FLAGS[within]
        field = "" if exc.field is None else f"field '{exc.field}': "
        text = f"option {flag}: {field}{exc.message}"
    else:
        text = str(exc)
    from dpfit.output.render import terminal_text

    return terminal_text(text)


def card_names(text: str) -> tuple[str, ...]:
    """argparse type: comma-separated card names; 'none' for none."""
    if text.strip().lower() == "none":
        return ()
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError("expected card names separated by commas, or none")
    return names


def _finite_number(text: str, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text[:40]}'") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        wanted = "a finite number >= 0" if allow_zero else "a positive finite number"
        raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text[:40]}'")
    return value


def positive_number(text: str) -> float:
    """argparse type: a positive finite number."""
    return _finite_number(text, allow_zero=False)


def nonnegative_number(text: str) -> float:
    """argparse type: a finite number >= 0 (the invisible-width ratio)."""
    return _finite_number(text, allow_zero=True)


def probability(text: str) -> float:
    """argparse type: a probability strictly between 0 and 1."""
    value = _finite_number(text, allow_zero=False)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got '{text}'")
    return value


def level_list(text: str) -> tuple:
    """argparse type: confidence levels 'A,B', each a probability (0.95) or Nsigma (2sigma)."""
    from dpfit.errors import InputError
    from dpfit.inference.levels import parse_levels

    try:
        return parse_levels(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def add_level_option(parser: argparse.ArgumentParser) -> None:
    """--cl LIST: the levels of the reported intervals."""
    parser.add_argument("--cl", type=level_list, default=None, metavar="LIST",
                        help="levels of the intervals: probabilities (0.9,0.95) or Nsigma (1sigma,3sigma); "
                             "default 1sigma,2sigma")


def add_format_option(parser: argparse.ArgumentParser, json_holds: str, csv_holds: str | None = None) -> None:
    """--format text|json (|csv): text lines for people by default; what the JSON (and CSV) hold."""
    choices = ("text", "json") + (("csv",) if csv_holds else ())
    parser.add_argument("--format", choices=choices, default="text",
                        help="text: lines for people (default); json: " + json_holds
                             + (f"; csv: {csv_holds}" if csv_holds else ""))


def add_input_options(parser: argparse.ArgumentParser, again: bool = False) -> None:
    """--inputs, --convention, --set. ``again``: the same options on a sub-command of a parser that has
    them, with no defaults of their own, so that a value given before the sub-command is kept."""
    default = (lambda value: argparse.SUPPRESS) if again else (lambda value: value)
    group = parser.add_argument_group("inputs")
    group.add_argument("--inputs", metavar="DIR", default=default(None),
                       help="directory of data files and cards overlaying the defaults")
    group.add_argument("--convention", default=default(None), choices=("precise", "paper"),
                       help="precise (CODATA 2022 alpha, unrounded Delta a; default) or the source paper's")
    group.add_argument("--set", dest="overrides", action="append", default=default([]), metavar="FILE.FIELD=VALUE",
                       help="override one field of one data file or card (repeatable)")


def add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """The analysis options shared by fit, scan, sample and window (the likelihood terms, couplings, ranges, priors)."""
    parser.add_argument("analysis", nargs="?", metavar="ANALYSIS.yaml",
                        help="analysis file (options given here take precedence)")
    add_input_options(parser)
    group = parser.add_argument_group("analysis")
    group.add_argument("--muon", metavar="SCENARIO", help="muon (g-2) scenario: WP20, BMW21, WP25 (default) or none")
    group.add_argument("--electron", metavar="SCENARIO", help="electron (g-2) scenario: Rb20 (default), Cs18 or none")
    group.add_argument("--limits", type=card_names, metavar="A,B", help="exclusion cards (default: na64,padme; none for none)")
    group.add_argument("--atomki", nargs="?", const="atomki", default=None, metavar="CARD",
                       help="use the ATOMKI region (default on; optionally name another region card)")
    group.add_argument("--no-atomki", dest="atomki", action="store_const", const="none", help="no ATOMKI region")
    group.add_argument("--invisible-ratio", type=limits.invisible_ratio, metavar="R",
                       help=f"Gamma_inv / Gamma_ee {help_range(*limits.INVISIBLE_RATIO)} (default 0)")
    group.add_argument("--model", metavar="NAME|FILE",
                       help="the vector model, couplings in units of e: dark_photon, protophobic (default, the "
                            "source paper's), B-L, B, Lmu-Ltau, Le-Lmu, Le-Ltau, lepton (free eps_e, eps_mu), axial, "
                            "or a model file (.yaml)")
    group.add_argument("--couplings", choices=("universal", "lepton"),
                       help="alias: universal is --model protophobic, lepton is --model lepton")
    group.add_argument("--mass-range", nargs=2, type=limits.mass, metavar=("LO", "HI"),
                       help=f"mass range in MeV, each {help_range(*limits.MASS_MEV, 'MeV')}")
    group.add_argument("--eps-range", nargs=2, type=limits.coupling, metavar=("LO", "HI"),
                       help=f"coupling range, each {help_range(*limits.EPS)}")
    group.add_argument("--mass-prior", choices=("uniform", "gaussian"),
                       help="posterior: m uniform over the mass range (default) or Gaussian from the region card")
    group.add_argument("--eps-prior", choices=("log-uniform", "uniform"), help="posterior: prior of eps (default log-uniform)")
    group.add_argument("--limit-file", dest="limit_files", action="append", default=[],
                       metavar="PATH[:lepton=e][:cl=0.9][:name=N]", help="a CSV or .lmt contour as an exclusion (repeatable)")
    group.add_argument("--limit-model", choices=("step", "poisson"),
                       help="one-sided limits as a hard step (default) or as zero events, no background")


def add_sampling_options(p, steps: int, walkers: int) -> None:
    p.add_argument("--walkers", type=limits.walkers, default=walkers,
                   help=f"emcee walkers, an even number {help_range(*limits.WALKERS)} (default {walkers})")
    p.add_argument("--steps", type=limits.steps, default=steps,
                   help=f"total steps per walker {help_range(*limits.STEPS)}; walkers x steps at most "
                        f"{limits.MAX_WALKER_STEPS:,} (default {steps})")
    p.add_argument("--seed", type=limits.seed, default=1,
                   help=f"random seed {help_range(*limits.SEED)} (same seed, same chain)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def analysis_from_args(args):
    """The Analysis of the command line (file, then options on top)."""
    from dpfit.model.analysis import Analysis

    changes = {"muon": args.muon, "electron": args.electron, "limits": args.limits, "atomki": args.atomki,
               "invisible_ratio": args.invisible_ratio, "couplings": args.couplings, "vector_model": args.model,
               "convention": args.convention, "inputs_dir": args.inputs,
               "overrides": tuple(args.overrides) or None,
               "mass_range": tuple(args.mass_range) if args.mass_range else None,
               "eps_range": tuple(args.eps_range) if args.eps_range else None,
               "mass_prior": args.mass_prior, "eps_prior": args.eps_prior,
               "limit_files": tuple(args.limit_files) or None, "limit_model": args.limit_model}
    changes = {k: v for k, v in changes.items() if v is not None}
    if args.analysis:
        return Analysis.from_file(args.analysis, **changes)
    return Analysis(**changes)


def inputs_from_args(args):
    from dpfit.inputs.load import load_inputs

    return load_inputs(args.inputs, args.convention or "precise", args.overrides)


def scenario_card(inputs, lepton: str, scenario: str):
    """The (g−2) card that ``--lepton`` and ``--scenario`` name; an unknown one is ``--scenario``'s error (the
    input set names the analysis options --muon and --electron)."""
    from dpfit.errors import InputError

    try:
        return inputs.gm2_card(lepton, scenario)
    except InputError as exc:
        raise InputError("option --scenario", None, exc.message) from None


def emit(text: str, out: str | None) -> None:
    """Print ``text``, or write it atomically to ``out``."""
    if out is None:
        sys.stdout.write(text)
    else:
        from dpfit.io.atomic import write_text

        write_text(out, text)
        print(f"wrote {out}", file=sys.stderr)


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (``dpfit: error: ...``) and exit status 2, like input errors."""

    def error(self, message: str):
        from dpfit.output.render import terminal_text

        message = terminal_text(message)  # user text stays on one line, its control characters inert
        self.exit(EXIT_INPUT, f"dpfit: error: {self.prog}: {message} (see '{self.prog} --help')\n")
