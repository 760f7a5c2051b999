"""The ``dpfit`` command. It parses arguments and calls the library; nothing else.

Every bad input ends in one line ``dpfit: error: <file or option>: <field>: <what>``
on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import argparse
import math
import sys

from dpfit import __version__
from dpfit.errors import InputError

EXIT_INPUT = 2


# ----------------------------------------------------------------------------- option parsing helpers


def positive_number(text: str) -> float:
    """argparse type: a positive finite number (masses in MeV, couplings, counts of sigma)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got '{text}'")
    return value


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


# ----------------------------------------------------------------------------- parser


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (``dpfit: error: ...``) and exit status 2, like input errors."""

    def error(self, message: str):
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
