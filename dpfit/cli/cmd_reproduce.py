"""``dpfit reproduce``: the whole reference analysis into one directory."""

from __future__ import annotations

from dpfit.cli import limits
from dpfit.cli.options import add_input_options
from dpfit.errors import InputError

def cmd_reproduce(args) -> int:
    from dpfit.reference.reproduce import reproduce

    if args.convention is not None:
        raise InputError("option --convention", None, "reproduce always runs both conventions (paper and precise)")
    written = reproduce(args.out, quick=args.quick, progress=not args.no_progress, inputs_dir=args.inputs,
                        overrides=args.overrides, force=args.force)
    print(f"wrote {len(written)} files into {args.out}/: {', '.join(sorted(written))}")
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("reproduce", help="the whole reference analysis: tables, window, figures, chain, report")
    add_input_options(p)
    p.add_argument("--out", type=limits.output_path, default="results", metavar="DIR")
    p.add_argument("--force", action="store_true",
                   help="replace DIR even if dpfit did not write it (never the working directory or a parent)")
    p.add_argument("--quick", action="store_true", help="small chain and grids (seconds; for tests)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_reproduce)
