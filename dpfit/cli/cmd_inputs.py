"""``dpfit inputs``: list, show, check or diff the input files."""

from __future__ import annotations

from dpfit.cli.options import add_input_options, inputs_from_args
from dpfit.errors import InputError

def cmd_inputs(args) -> int:
    from dpfit.inputs.load import load_inputs
    from dpfit.inputs.describe import describe_file, diff_inputs, list_inputs

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
    inputs = inputs_from_args(args)
    if args.action == "list":
        print(list_inputs(inputs), end="")
    else:
        if not args.name:
            raise InputError("dpfit inputs show", None, "name the input to show, e.g. dpfit inputs show a_mu_sm_wp25")
        print(describe_file(inputs, args.name), end="")
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("inputs", help="list, show, check or diff the input files")
    add_input_options(p)
    p.add_argument("action", choices=("list", "show", "check", "diff"))
    p.add_argument("name", nargs="?", help="with show: the file name; with check/diff: a directory")
    p.set_defaults(func=cmd_inputs)
