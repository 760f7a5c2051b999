"""Model comparison in words: the evidence table and Bayes factors of :func:`dpfit.inference.bayes.evidence.compare`."""

from __future__ import annotations


def comparison_method(result: dict) -> str:
    """What the evidences are and how they were computed."""
    return ("evidence ln Z with normalised priors and Gaussian-term normalisation; ln Z from the grid posterior"
            + (" and dynesty nested sampling" if "dynesty" in result["samplers"] else ""))


def comparison_warning(result: dict) -> str | None:
    """The warning of analyses whose grid and dynesty evidences disagree, or None."""
    bad = result["disagreeing"]
    return (f"grid and dynesty evidences disagree beyond {result['n_sigma']:g} errors for: {', '.join(bad)}"
            if bad else None)


def comparison_record(result: dict) -> dict:
    """The result as a JSON record that says what it is: ``method`` and ``warning`` in words added."""
    return {"method": comparison_method(result), **result, "warning": comparison_warning(result)}


def comparison_lines(result: dict) -> list[str]:
    """The plain-text lines of ``dpfit compare``: the method, ln Z per analysis, the Bayes factors."""
    lines = [comparison_method(result)]
    for r in result["rows"]:
        line = f"{r['analysis']}: ln Z = {r['logz']:.3f} +- {r['error']:.1g}"
        if "grid" in r and "dynesty" in r:
            a = r["agreement"]
            line += (f" (grid {r['grid']['logz']:.4f} +- {r['grid']['error']:.1e}; dynesty {r['dynesty']['logz']:.4f}"
                     f" +- {r['dynesty']['error']:.3f}; {'agree' if a['agrees'] else 'DISAGREE'})")
        lines.append(line)
    for f in result["bayes_factors"]:
        lines.append(f"ln B({f['analysis']} : {f['against']}) = {f['ln_B']:+.3f} +- {f['error']:.1g} "
                     f"(B = {f['B']:.3g}; two SM predictions of the same data compared, not X17 against no X17)")
    return lines


def comparison_markdown(result: dict) -> list[str]:
    """The report's model-comparison section as Markdown lines."""
    out = ["## Model comparison (evidence and Bayes factors)", "",
           f"Method: {comparison_method(result)}. ln B against {result['rows'][0]['analysis']}.", "",
           "| analysis | ln Z (grid) | ln Z (dynesty) | ln B | B |", "|---|---|---|---|---|"]
    factors = {f["analysis"]: f for f in result["bayes_factors"]}
    for r in result["rows"]:
        grid = f"{r['grid']['logz']:.3f} +- {r['grid']['error']:.1e}" if "grid" in r else "-"
        dyn = f"{r['dynesty']['logz']:.3f} +- {r['dynesty']['error']:.3f}" if "dynesty" in r else "-"
        f = factors.get(r["analysis"])
        lnb = f"{f['ln_B']:+.3f} +- {f['error']:.1e}" if f else "(reference)"
        out.append(f"| {r['analysis']} | {grid} | {dyn} | {lnb} | {f['B']:.3g} |" if f else
                   f"| {r['analysis']} | {grid} | {dyn} | {lnb} | 1 |")
    if comparison_warning(result):
        out += ["", f"**Warning:** {comparison_warning(result)}"]
    return out
