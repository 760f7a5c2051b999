"""``dpfit sample`` helpers: the grid check of an emcee chain, and the dynesty run with its report."""

from __future__ import annotations

import sys


def _emit(doc: dict, lines: list[str], warnings: list[str], fmt: str) -> int:
    from dpfit.output.writers import to_json

    if fmt == "json":
        print(to_json(doc), end="")
    else:
        print("\n".join(lines))
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def report_chain_check(analysis, chain, grid, choice: dict, args) -> int:
    """Compare an emcee chain with the grid posterior; print the check (text or JSON) and loud warnings."""
    from dpfit.inference.bayes.diagnostics import diagnostics
    from dpfit.inference.bayes.posterior_check import chain_samples, grid_check
    from dpfit.output.render import check_lines
    from dpfit.inference.bayes.prior_sensitivity import prior_sensitivity

    diag = diagnostics(chain)
    flat, per = chain_samples(chain, diag.burn)
    check = grid_check(grid, flat, diag.ess, per, prior_sensitivity(analysis.model(), grid))
    lines, warnings = check_lines(check)
    doc = {**choice, "chain": str(args.out), "diagnostics": diag.as_dict(chain.names), **check}
    return _emit(doc, lines, warnings, args.format)


def run_and_report(analysis, args, grid, choice: dict, prov: dict) -> int:
    """Run dynesty, write its weighted samples to ``--out`` and report ln Z (and the grid check)."""
    from dpfit.inference.bayes.nested import run_nested, write_nested
    from dpfit.inference.bayes.posterior_check import grid_check
    from dpfit.output.render import check_lines
    from dpfit.inference.bayes.prior_sensitivity import prior_sensitivity

    import os

    from dpfit.errors import InputError
    from dpfit.io.atomic import output_lock

    if args.resume:
        raise InputError("option --resume", None, "a dynesty run is not resumable; run it again")
    with output_lock(args.out):  # held for the run: one dpfit process at a time writes this file
        if os.path.lexists(args.out):  # as emcee: an existing file is never overwritten
            raise InputError(str(args.out), None, "exists; a dynesty run writes a new file: choose another file")
        run = run_nested(analysis.model(), nlive=int(args.nlive), seed=args.seed, progress=not args.no_progress)
        write_nested(args.out, run, {"provenance": prov, "analysis": analysis.describe()})
    lines = [f"wrote {args.out}", f"sampler: {choice['sampler']} ({choice['reason']})",
             f"dynesty: ln Z = {run.logz:.4f} +- {run.logz_error:.4f}; {run.meta['calls']} likelihood calls; "
             f"effective samples {run.n_eff:.0f}"]
    doc = {**choice, "nested": {"file": str(args.out), "logz": run.logz, "logz_error": run.logz_error,
                                **run.meta, "effective_samples": run.n_eff}}
    warnings = []
    if grid is not None:
        check = grid_check(grid, run.physical(), run.n_eff, None, prior_sensitivity(analysis.model(), grid))
        more, warnings = check_lines(check)
        lines += more
        diff = run.logz - grid.log_evidence
        err = (run.logz_error**2 + grid.log_evidence_error**2) ** 0.5
        agree = abs(diff) <= 3 * err
        lines.append(f"  evidence: dynesty - grid = {diff:+.4f} +- {err:.4f} ({'agree' if agree else 'DISAGREE'} "
                     "within 3 errors)")
        if not agree:
            warnings.append(f"dynesty and grid evidences disagree: {diff:+.4f} +- {err:.4f}")
        doc.update(check)
        doc["evidence_agreement"] = {"difference": diff, "error": err, "agrees": agree}
    return _emit(doc, lines, warnings, args.format)
