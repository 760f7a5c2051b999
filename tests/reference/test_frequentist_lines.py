"""The report's frequentist section (dpfit.reference.frequentist_lines): Δχ², Feldman–Cousins and CLs intervals
per scenario and level with their Monte-Carlo errors, formatted from hand-built rows."""

from __future__ import annotations

import math
from types import SimpleNamespace

from dpfit.inference.frequentist.constructions import IntervalResult
from dpfit.inference.levels import parse_level
from dpfit.reference.frequentist_lines import _pieces, frequentist_lines
from dpfit.reference.results import MASS, FrequentistRow
from dpfit.notes import note


def test_pieces_with_their_errors():
    assert _pieces(None) == "not resolved by the toys" and _pieces([]) == "empty"
    assert _pieces([[1.234567e-4, 5e-4], [7e-4, 9e-4]]) == "[0.0001235, 0.0005] ∪ [0.0007, 0.0009]"
    assert _pieces([[0.0, 1.2e-3]], [[0.0, 3.3e-5]]) == "[0, 0.0012 ± 3e-05]"  # a lower edge at 0 has no error
    assert _pieces([[2e-4, 1.2e-3]], [[1.1e-5, math.nan]]) == "[0.0002 ± 1e-05, 0.0012 (MC error unknown)]"


def result(method, level, intervals, errors, closed, construction=note("construction_toys", toys=1000),
           notes=("first",), toy=None):
    return IntervalResult(method, level, MASS, intervals, errors, 1000, 1, "two-sided", closed_form=closed,
                          notes=list(notes), construction=construction, toy_intervals=toy)


def test_one_row_per_scenario_and_level_and_notes_for_what_the_toys_could_not_resolve():
    level = parse_level("0.95")
    resolved = FrequentistRow("WP25 (muon)", level, SimpleNamespace(intervals=[[0.0, 1.46e-3]]),
                              result("fc", level, [[0.0, 1.45e-3]], [[0.0, 2e-5]], [[0.0, 1.44e-3]]),
                              result("cls", level, [[0.0, 1.3e-3]], [[0.0, 1e-5]], [[0.0, 1.31e-3]],
                                     notes=("first", "the toys saturate")))
    asymptotic = FrequentistRow("Cs18 (electron)", level, SimpleNamespace(intervals=[[0.0, 4.0e-4]]),
                                result("fc", level, [[0.0, 3.9e-4]], None, [[0.0, 3.9e-4]],
                                       construction=note("construction_asymptotic"), toy=None),
                                result("cls", level, [[0.0, 3.5e-4]], [[0.0, 1e-5]], [[0.0, 3.5e-4]]))
    out = frequentist_lines(SimpleNamespace(toys=1000, frequentist=[resolved, asymptotic]), seed=7)
    assert out[0] == "## Frequentist intervals at fixed mass (one (g-2) term alone, no exclusions)"
    assert out[2].startswith(f"m = {MASS:g} MeV; 1000 toys per interval (seed 7);")
    rows = [line for line in out if line.startswith("| WP25") or line.startswith("| Cs18")]
    assert rows[0] == ("| WP25 (muon) | 0.95 | [0, 0.00146] | [0, 0.00145 ± 2e-05] | [0, 0.00144] | "
                       "[0, 0.0013 ± 1e-05] | [0, 0.00131] |")
    assert rows[1].split(" | ")[3] == "[0, 0.00039]"  # no toy errors: the asymptotic result
    header = next(line for line in out if line.startswith("| scenario"))
    assert all(r.count(" | ") == header.count(" | ") for r in rows)
    assert out[-2:] == ["- WP25 (muon), 0.95, cls: the toys saturate",
                        "- Cs18 (electron), 0.95, fc: the result is the asymptotic formulae of Cowan et al. (2011), exact "
                        "for Gaussian data on eps >= 0 (the toys could not resolve this level); the toys gave not "
                        "resolved by the toys"]
