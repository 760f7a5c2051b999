"""``dpfit table / epsilon``: the coupling tables and one scenario's coupling."""

from __future__ import annotations

import sys

from dpfit.cli import limits
from dpfit.cli.limits import mass_list
from dpfit.cli.options import (add_format_option, add_input_options, add_level_option, emit, inputs_from_args,
                               scenario_card)

def cmd_table(args) -> int:
    from dpfit.inference.tables import DEFAULT_MASSES, muon_table
    from dpfit.output.writers import provenance, table_csv, table_json, table_text, write_with_provenance

    from dpfit.errors import InputError
    from dpfit.inputs.model_cards import load_model

    inputs = inputs_from_args(args)
    model = load_model(args.model)
    if model.coupling("mu")[0] is None and model.coupling("mu", "axial")[0] is None:
        raise InputError("option --model", None, f"the {model.name} model does not couple to the muon")
    columns, rows = muon_table(inputs, args.masses or DEFAULT_MASSES, model)
    prov = provenance(inputs, [c.name for c in inputs.gm2_cards("mu")], command="table")
    if args.format == "csv" and args.out:  # plain CSV; its provenance beside it
        written = write_with_provenance(args.out, table_csv(columns, rows), prov)
        print(f"wrote {args.out} and {written}", file=sys.stderr)
        return 0
    text = {"text": lambda: table_text(columns, rows), "csv": lambda: table_csv(columns, rows),
            "json": lambda: table_json(columns, rows, prov)}[args.format]()
    emit(text, args.out)
    return 0


def cmd_epsilon(args) -> int:
    from dpfit.inference.tables import coupling_estimate, coupling_intervals
    from dpfit.inputs.model_cards import load_model
    from dpfit.output import render
    from dpfit.output.writers import provenance, to_json

    inputs = inputs_from_args(args)
    model = load_model(args.model)
    if model.coupling(args.lepton)[0] is None and model.coupling(args.lepton, "axial")[0] is None:
        from dpfit.errors import InputError

        raise InputError("option --model", None, f"the {model.name} model does not couple to the {args.lepton}")
    scenario_card(inputs, args.lepton, args.scenario)  # an unknown scenario is --scenario's error
    est = coupling_estimate(inputs, args.lepton, args.scenario, [args.mass], model)
    exact = coupling_intervals(inputs, args.lepton, args.scenario, args.mass, args.cl, model)
    eps, sigma = float(est.eps[0]), float(est.sigma_linear[0])
    doc = {"lepton": est.lepton, "scenario": est.scenario, "mass_MeV": args.mass, "model": model.name,
           "coupling_unit": "e", "delta_a": est.delta_a, "sigma_delta_a": est.sigma_delta_a, "eps": eps,
           "sigma_linear": sigma}
    message = None
    if not eps == eps:  # NaN: no coupling of this model gives a shift of Δa's sign
        direction = "raise" if est.delta_a < 0 else "lower"  # k(m) has the other sign than Δa
        message = (f"Delta a = {est.delta_a:.3g}: the {model.name} boson can only {direction} a_{est.lepton} here, so "
                   f"no coupling produces it (the exact likelihood gives an upper limit instead)")
    if args.format == "json":
        doc["message"] = message
        doc["exact"] = exact.to_dict()
        doc["provenance"] = provenance(inputs, [inputs.scenario(args.lepton, args.scenario).name], command="epsilon")
        emit(to_json(doc), None)
    else:
        lines = [f"{est.lepton} {est.scenario} at m = {args.mass:g} MeV, model {model.name} (couplings in units of e): "
                 f"Delta a = {est.delta_a:.4g} +- {est.sigma_delta_a:.2g}"]
        lines.append(message if message else f"eps = {eps:.4e} +- {sigma:.4e} (linear propagation)")
        lines += ["exact likelihood: " + line for _, per_level in exact.intervals.items()
                  for line in [render.interval_line("eps", label, iv) for label, iv in per_level.items()]]
        emit(render.text(lines), None)
    return 0


def register(sub) -> None:
    """Add the command's parser to the ``dpfit`` subparsers."""
    p = sub.add_parser("table", help="eps_mu and its linear sigma for every muon scenario over mass")
    add_input_options(p)
    p.add_argument("--model", default="dark_photon", metavar="NAME|FILE",
                   help="the vector model whose muon coupling is tabulated, in units of e (default dark_photon, "
                        "the source paper's table)")
    p.add_argument("--masses", type=mass_list, default=None, metavar="M1,M2,...",
                   help=f"masses in MeV, each {limits.help_range(*limits.MASS_MEV, 'MeV')}, at most {limits.MAX_MASSES}")
    add_format_option(p, "the table with its inputs", "one row per mass, a column per scenario")
    p.add_argument("--out", type=limits.output_path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(func=cmd_table)
    p = sub.add_parser("epsilon", help="the coupling that explains one (g-2) scenario at one mass")
    add_input_options(p)
    p.add_argument("--lepton", choices=("e", "mu"), required=True)
    p.add_argument("--model", default="dark_photon", metavar="NAME|FILE",
                   help="the vector model whose coupling is quoted (default dark_photon; axial: an axial coupling, "
                        "which lowers a_l)")
    p.add_argument("--scenario", required=True, help="e.g. WP20, BMW21, WP25 (muon); Cs18, Rb20 (electron)")
    p.add_argument("--mass", type=limits.mass, required=True,
                   help=f"boson mass {limits.help_range(*limits.MASS_MEV, 'MeV')}")
    add_level_option(p)
    add_format_option(p, "eps, its linear sigma and the exact intervals")
    p.set_defaults(func=cmd_epsilon)
