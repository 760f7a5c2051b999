"""Text of the Bayes factor X17 : no X17 (:mod:`dpfit.inference.bayes.null_hypothesis`) for ``report.md`` and
``dpfit compare``: the priors, the null's definition, ln B per analysis and under each prior variant."""

from __future__ import annotations

from dpfit.output.wording import note_text

#: The null hypothesis, once, in words.
NULL_DEFINITION = ("no X17: eps = 0, every (g-2) term at its Standard-Model prediction, ln Z0 = sum over the (g-2) "
                   "terms of ln N(Delta a; 0, sigma) with the same Gaussian normalisation as the X17 evidence; "
                   "exclusion walls and the ATOMKI region do not apply to the null (they cut the X17 prior volume)")


def _variants(row: dict) -> str:
    return "; ".join(f"{v['prior']}: {v['ln_B']:+.2f}" for v in row["variants"]) or "none"


def null_lines(rows: list[dict]) -> list[str]:
    """Plain-text lines (``dpfit compare``): priors, the null, ln B(X17 : no X17) per analysis with its variants."""
    if not rows:
        return []
    out = [f"priors of the X17 evidence: {note_text(rows[0]['priors'])}", f"null hypothesis: {NULL_DEFINITION}"]
    for r in rows:
        out.append(f"ln B(X17 : no X17) for {r['analysis']} = {r['ln_B']:+.2f} +- {r['error']:.1g} "
                   f"(ln Z_X17 {r['logz_x17']:.3f}, ln Z_null {r['logz_null']:.3f}); prior variants: {_variants(r)}")
    return out


def null_markdown(rows: list[dict]) -> list[str]:
    """The report's table of ln B(X17 : no X17) per analysis, with the priors, the null and the prior variants."""
    out = ["### X17 against no X17", "", f"Priors of the X17 evidence: {note_text(rows[0]['priors'])}.", "",
           f"Null hypothesis: {NULL_DEFINITION}. ln B > 0 favours an X17 (Jeffreys' scale: |ln B| < 1 "
           "barely worth mentioning, 1-2.5 substantial, 2.5-5 strong, > 5 decisive; Kass & Raftery 1995 use "
           "2 ln B). The Occam factor makes ln B depend on the prior width: the variants show how much.", "",
           "| analysis | ln Z (X17) | ln Z (no X17) | ln B(X17 : no X17) | under other priors |", "|---|---|---|---|---|"]
    out += [f"| {r['analysis']} | {r['logz_x17']:.3f} | {r['logz_null']:.3f} | {r['ln_B']:+.2f} +- {r['error']:.1g} | "
            f"{_variants(r)} |" for r in rows]
    return out
