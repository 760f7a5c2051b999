"""Model comparison in words (dpfit.output.comparison_text): the method, the grid/dynesty warning, the JSON
record and the lines of ``dpfit compare``, from hand-built results of the shape evidence.compare returns."""

from __future__ import annotations

import json
import math
import re

import pytest

from dpfit.output.comparison_text import (comparison_lines, comparison_markdown, comparison_method, comparison_record,
                                          comparison_warning)
from dpfit.output.writers import to_json


def row(label, grid=None, dynesty=None, n_sigma=3.0):
    """One analysis as evidence_row makes it: ln Z from the grid when there is one, their agreement if both."""
    r = {"analysis": label}
    if grid:
        r["grid"] = {"logz": grid[0], "error": grid[1]}
    if dynesty:
        r["dynesty"] = {"logz": dynesty[0], "error": dynesty[1]}
    if grid and dynesty:
        diff, err = dynesty[0] - grid[0], math.hypot(grid[1], dynesty[1])
        r["agreement"] = {"difference": diff, "error": err, "agrees": abs(diff) <= n_sigma * err}
    r["logz"], r["error"] = (grid or dynesty)
    return r


def result(rows, samplers=("grid",), n_sigma=3.0):
    ref = rows[0]
    factors = [{"analysis": r["analysis"], "against": ref["analysis"], "ln_B": r["logz"] - ref["logz"],
                "error": math.hypot(r["error"], ref["error"]), "B": math.exp(r["logz"] - ref["logz"])} for r in rows[1:]]
    return {"samplers": list(samplers), "rows": rows, "bayes_factors": factors, "n_sigma": n_sigma,
            "disagreeing": [r["analysis"] for r in rows if "agreement" in r and not r["agreement"]["agrees"]]}


@pytest.fixture
def grid_only():
    return result([row("muon=WP20", grid=(-12.3456, 2e-4)), row("muon=WP25", grid=(-14.9, 3e-4))])


@pytest.fixture
def with_dynesty():
    # WP20: grid and dynesty 0.05 apart with a combined error of 0.1 (agree); WP25: 0.9 apart (disagree at 3 sigma)
    return result([row("muon=WP20", (-12.30, 1e-4), (-12.25, 0.1)), row("muon=WP25", (-14.90, 1e-4), (-14.00, 0.1))],
                  ("grid", "dynesty"))


def test_method_names_dynesty_only_when_it_ran(grid_only, with_dynesty):
    assert "grid posterior" in comparison_method(grid_only) and "dynesty" not in comparison_method(grid_only)
    assert comparison_method(with_dynesty).endswith("grid posterior and dynesty nested sampling")


def test_warning_names_the_disagreeing_analyses(grid_only, with_dynesty):
    assert comparison_warning(grid_only) is None
    assert comparison_warning(with_dynesty) == "grid and dynesty evidences disagree beyond 3 errors for: muon=WP25"


def test_record_is_the_result_with_method_and_warning_in_words(with_dynesty):
    before = json.dumps(with_dynesty)
    record = comparison_record(with_dynesty)
    assert json.dumps(with_dynesty) == before  # the result itself is left as it was
    assert list(record)[0] == "method" and record["warning"] == comparison_warning(with_dynesty)
    assert {k: v for k, v in record.items() if k not in ("method", "warning")} == with_dynesty
    assert json.loads(to_json(record))["rows"][1]["agreement"]["agrees"] is False


def test_lines_give_each_ln_z_and_each_bayes_factor(grid_only):
    lines = comparison_lines(grid_only)
    assert len(lines) == 1 + 2 + 1 and lines[0] == comparison_method(grid_only)
    assert lines[1] == "muon=WP20: ln Z = -12.346 +- 0.0002" and lines[2] == "muon=WP25: ln Z = -14.900 +- 0.0003"
    m = re.fullmatch(r"ln B\(muon=WP25 : muon=WP20\) = ([-+][\d.]+) \+- ([\d.e-]+) \(B = ([\d.e+-]+); (.*)\)", lines[3])
    ln_b, error, b, words = m.groups()
    assert float(ln_b) == pytest.approx(-14.9 + 12.3456, abs=5e-4)  # three decimals, signed
    assert float(error) == pytest.approx(math.hypot(2e-4, 3e-4), abs=5e-5)  # one significant digit
    assert float(b) == pytest.approx(math.exp(-14.9 + 12.3456), rel=5e-3)
    assert "not X17 against no X17" in words


def test_lines_show_both_evidences_and_their_agreement(with_dynesty):
    lines = comparison_lines(with_dynesty)
    assert lines[1].endswith("(grid -12.3000 +- 1.0e-04; dynesty -12.2500 +- 0.100; agree)")
    assert lines[2].endswith("DISAGREE)") and lines[2].startswith("muon=WP25: ln Z = -14.900")


def test_markdown_table_has_a_reference_row_and_the_warning(with_dynesty):
    out = comparison_markdown(with_dynesty)
    table = [r for r in out if r.startswith("| ") and not r.startswith("| analysis")]
    assert len(table) == 2 and all(r.count(" | ") == 4 for r in table)
    assert table[0] == "| muon=WP20 | -12.300 +- 1.0e-04 | -12.250 +- 0.100 | (reference) | 1 |"
    assert table[1].split(" | ")[3] == "-2.600 +- 1.4e-04"
    assert out[-1] == f"**Warning:** {comparison_warning(with_dynesty)}"
    assert "ln B against muon=WP20" in out[2]
