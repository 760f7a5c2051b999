"""``dpfit recast``: a published dark-photon limit recast to a vector model, as a DarkCast ``.lmt`` file."""

from __future__ import annotations

import sys

from dpfit.cli import limits
from dpfit.cli.options import add_input_options, inputs_from_args


def cmd_recast(args) -> int:
    from dpfit.errors import InputError
    from dpfit.inputs.limit_files import limit_file_record, parse_limit_file
    from dpfit.model.analysis import Analysis
    from dpfit.model.recast import recast_contour
    from dpfit.io.atomic import write_text
    from dpfit.output.export_lmt import recast_lmt
    from dpfit.output.wording import note_text
    from dpfit.output.writers import provenance

    if (args.card is None) == (args.limit_file is None):
        raise InputError("option --limit-file", None, "give a limit card or --limit-file SPEC, one of them")
    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model=args.model,
                        invisible_ratio=args.invisible_ratio, convention=args.convention or "precise",
                        inputs_dir=args.inputs, overrides=tuple(args.overrides), source="option --model")
    inputs = inputs_from_args(args)
    if args.card is not None:
        if args.card not in {c.name for c in inputs.exclusion_cards()}:
            raise InputError("card", None, f"no exclusion card named '{args.card}'; known: "
                                           f"{', '.join(sorted(c.name for c in inputs.exclusion_cards()))}")
        record = inputs.record(args.card)
    else:
        record = limit_file_record(parse_limit_file(args.limit_file, "option --limit-file"), inputs.alpha())
    if len(analysis.vector.parameters) != 1:
        raise InputError("option --model", None, "recasting needs a model with one coupling")
    contour = recast_contour(record, analysis.vector, analysis.physics())
    prov = provenance(inputs, [record.name] if args.card else [], command="recast", analysis=analysis.describe())
    write_text(args.out, recast_lmt(record, contour, analysis.vector, prov))
    print(f"wrote {args.out}: {record.name} recast to {analysis.vector.name}"
          + (f" ({note_text(contour.note)})" if contour.note and not contour.constrains else ""), file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("recast", help="a dark-photon limit recast to a vector model (DarkCast .lmt)")
    p.add_argument("card", nargs="?", help="an exclusion card (e.g. na64, na48); or give --limit-file")
    p.add_argument("--limit-file", metavar="SPEC",
                   help="PATH[:lepton=e][:cl=0.9][:name=N][:production=P][:decay=F][:lratio=L], a DarkCast-format limit")
    p.add_argument("--model", required=True, metavar="NAME|FILE", help="the vector model (built-in name or .yaml)")
    p.add_argument("--invisible-ratio", type=limits.invisible_ratio, default=0.0, metavar="R",
                   help="an extra invisible width Gamma_inv = R Gamma_ee (default 0)")
    add_input_options(p)
    p.add_argument("--out", type=limits.output_path, required=True, metavar="FILE.lmt")
    p.set_defaults(func=cmd_recast)
