"""Model comparison as text: the evidence table and Bayes factors of :func:`dpfit.inference.bayes.evidence.compare`."""

from __future__ import annotations


def comparison_markdown(result: dict) -> list[str]:
    """The report's model-comparison section as Markdown lines."""
    out = ["## Model comparison (evidence and Bayes factors)", "",
           f"Method: {result['method']}. ln B against {result['rows'][0]['analysis']}.", "",
           "| analysis | ln Z (grid) | ln Z (dynesty) | ln B | B |", "|---|---|---|---|---|"]
    factors = {f["analysis"]: f for f in result["bayes_factors"]}
    for r in result["rows"]:
        grid = f"{r['grid']['logz']:.3f} +- {r['grid']['error']:.1e}" if "grid" in r else "-"
        dyn = f"{r['dynesty']['logz']:.3f} +- {r['dynesty']['error']:.3f}" if "dynesty" in r else "-"
        f = factors.get(r["analysis"])
        lnb = f"{f['ln_B']:+.3f} +- {f['error']:.1e}" if f else "(reference)"
        out.append(f"| {r['analysis']} | {grid} | {dyn} | {lnb} | {f['B']:.3g} |" if f else
                   f"| {r['analysis']} | {grid} | {dyn} | {lnb} | 1 |")
    if result["warning"]:
        out += ["", f"**Warning:** {result['warning']}"]
    return out
