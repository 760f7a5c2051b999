"""``dpfit inputs``: list, show, check or diff the input files."""

from __future__ import annotations

from dpfit.cli.options import EXIT_INPUT, add_input_options, flag_message, inputs_from_args
from dpfit.errors import InputError

def cmd_inputs(args) -> int:
    import sys

    from dpfit.output.inputs_text import describe_file, diff_inputs, list_inputs
    from dpfit.inputs.load import load_inputs

    if args.action == "check":
        directory = args.directory or args.inputs
        inputs = load_inputs(directory, args.convention or "precise", args.overrides, lazy=directory is not None)
        errors = inputs.broken_errors()
        for exc in errors:  # every failing file of the overlay, one line each
            print(f"dpfit: error: {flag_message(exc)}", file=sys.stderr)
        if errors:
            return EXIT_INPUT
        print(f"ok: {len(inputs.files())} files valid ({inputs.convention} convention"
              + (f", overlay {directory}" if directory else "") + ")")
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
        print(describe_file(inputs, args.name), end="")
    return 0


def register(sub) -> None:
    """Add the command's parser, with one sub-command per action, to the ``dpfit`` subparsers."""
    p = sub.add_parser("inputs", help="list, show, check or diff the input files")
    add_input_options(p)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every input file with its value and origin layer",
                                 description="Every input file (data and cards) with its role, kind, value and origin "
                                             "layer; `dpfit inputs show NAME` prints one file whole with its SHA-256.")
    show = actions.add_parser("show", help="one input file in full", description="One input file in full.")
    show.add_argument("name", metavar="NAME", help="the file's name without .yaml, e.g. a_mu_sm_wp25")
    check = actions.add_parser("check", help="validate the inputs (an overlay: every failing file reported)",
                               description="Validate every input without running anything. With an overlay "
                                           "directory, every file of it that fails is reported, one line each "
                                           "(exit status 2).")
    check.add_argument("directory", nargs="?", metavar="DIR", help="the overlay directory (default: --inputs)")
    diff = actions.add_parser("diff", help="what an overlay directory changes, value by value",
                              description="What an overlay directory changes against the defaults, value by value.")
    diff.add_argument("directory", nargs="?", metavar="DIR", help="the overlay directory")
    for action in (listing, show, check, diff):
        add_input_options(action, again=True)
    p.set_defaults(func=cmd_inputs)
