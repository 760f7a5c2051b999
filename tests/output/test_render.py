"""The render layer (dpfit.output.render): text from inputs escaped before it enters Markdown or a terminal line;
numbers, intervals, windows, frequentist intervals, the sampler's choice and the grid check in words.
Left here for dpfit.inputs.limit_files: a limit name with a control character is refused."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from scipy import stats

from tests.output.window_helpers import LEVEL, window_result
from dpfit.errors import InputError
from dpfit.inference.frequentist.constructions import IntervalResult
from dpfit.inference.levels import parse_level
from dpfit.inference.profile.intervals import build_interval
from dpfit.inputs.limit_files import parse_limit_file
from dpfit.output.render import (check_lines, format_number, format_pieces, grid_lines,
                                 interval_line, interval_lines, json_document, markdown_text, sampler_choice,
                                 terminal_text, window_lines)
from dpfit.output.wording import note_text
from dpfit.notes import note


def test_markdown_text_is_inert():
    text = markdown_text("a\n# b <script>alert(1)</script> **c** `d` [e](f) | g & h ~i~ \x1b[31m")
    assert "\n" not in text and "<" not in text and ">" not in text
    assert "\x1b" not in text and "**" not in text and "`d`" not in text and "[e]" not in text
    for escaped in ("\\| g", "\\~i\\~", "\\# b", "\\`d\\`", "\\[e\\](f)"):
        assert escaped in text
    assert "&lt;script&gt;" in text and "\\*\\*c\\*\\*" in text and "&amp;" in text


def test_terminal_text_shows_control_characters():
    assert terminal_text("na64\nfake line\r\x1b[2J\tok") == "na64\\nfake line\\r\\x1b[2J\tok"


def test_limit_name_with_a_newline_is_refused(tmp_path):
    with pytest.raises(InputError, match="field 'name': expected a name of printable characters"):
        parse_limit_file(f"{tmp_path / 'c.csv'}:name=na64\nfake line", source="option --limit-file")
    with pytest.raises(InputError, match="printable"):
        parse_limit_file(f"{tmp_path / 'c.csv'}:name=x\x1b[2J")


# ----------------------------------------------------------------------------- numbers, intervals, windows

def test_numbers_and_pieces_say_what_is_not_a_number():
    assert [format_number(v) for v in (None, math.inf, -math.inf, 1234567.0, 6.6201e-4)] == \
        ["none", "inf", "-inf", "1.235e+06", "0.000662"]
    assert format_pieces([]) == "empty"
    assert format_pieces([[1e-4, 2e-4], [3e-4, math.inf]], edges=[["na64", "gm2:WP25"], ["padme", "eps range"]]) == \
        "[0.0001, 0.0002] (edges: na64, gm2:WP25) U [0.0003, inf] (edges: padme, eps range)"


def test_interval_line_states_the_threshold_sides_and_probability():
    two = build_interval(LEVEL, 4.0, [[6.62e-4, 9.587e-4]], [["na64", "atomki"]], on_boundary=False)
    assert interval_line("eps", "2sigma", two) == \
        "eps 2sigma: [0.000662, 0.0009587] (edges: na64, atomki) -- delta chi2 <= 4, two-sided 95.45 %"
    one = build_interval(LEVEL, 4.0, [[0.0, 1.1e-3]], [["eps=0", "gm2:Cs18"]], on_boundary=True)
    chernoff = 0.5 + 0.5 * stats.chi2.cdf(4.0, 1)  # best fit on eps = 0: 1/2 delta_0 + 1/2 chi2(1)
    assert f"coverage between 95.45 % and {100 * chernoff:.2f} %" in interval_line("eps", "2sigma", one)


def test_window_lines_give_the_window_three_ways_and_each_limit_likelihood():
    lines = window_lines(window_result())
    assert lines[0] == "window of eps at m = 16.7 MeV (terms: gm2:WP25, gm2:Rb20, na64, padme, atomki)"
    assert lines[2] == "  status: allowed"
    expected = ["  interval algebra (paper's method, mixed levels): [0.000662, 0.0009587]",
                "    combines: gm2:WP25: 2 sigma band; na64: complement",
                "  profile likelihood, delta chi2 <= 4, two-sided 95.45 %: [0.00067, 0.00095] (edges: na64, gm2:Rb20)",
                "  posterior, 95 % highest density: [0.00068, 0.00094]",
                "  posterior, central (equal-tailed, two-sided) 95 % (chain): [0.00069, 0.00093] (Monte-Carlo errors "
                "1e-05, 3e-05)",
                "  interval algebra over the mass range: [0.0006, 0.001]",
                "  warning: tau not yet converged",
                "  limit na64: NA64, 90% CL, produced through electron couplings, hard step (excluded band removed)",
                "  limit padme: PADME, 90% CL, produced through electron couplings, zero-event Poisson likelihood, "
                "-2 ln L = 2 N_c (eps/eps_up)^2",
                "  note: a note"]
    assert lines[3:3 + len(expected)] == expected
    assert lines[-1].startswith("    gm2:WP25 vs gm2:Rb20: chi2_PG = 2 for 1 dof, p = 0.157, 1.4 sigma (two-sided)")


def test_an_excluded_window_quotes_no_window():
    lines = window_lines(window_result(status="excluded", notes=["excluded: p = 1e-4"]))
    assert lines[2] == "  status: excluded" and lines[3] == "  note: excluded: p = 1e-4"
    assert not any("interval algebra" in line or "posterior" in line or "limit " in line for line in lines)
    assert lines[4].startswith("  compatibility of the measurement terms at m = 16.7 MeV")


@pytest.mark.parametrize("limit_model", ["step", "poisson"])
def test_every_limit_likelihood_the_model_builds_has_its_words(limit_model):
    from dpfit.model.analysis import Analysis
    from dpfit.model.coverage import limits_composition

    kinds = {c["model"].kind for c in limits_composition(Analysis(limit_model=limit_model))}
    assert kinds and kinds <= {"limit_step", "limit_poisson_zero_events"}
    assert ("limit_poisson_zero_events" in kinds) == (limit_model == "poisson")
    # -2 ln P(0 events | s) = 2 s with s = N_c (eps/eps_up)^2, N_c = -ln(1 - CL): the words' formula
    n_c = -math.log(1 - 0.9)
    assert -2 * stats.poisson.logpmf(0, n_c) == pytest.approx(2 * n_c, rel=1e-12)
    assert "2 N_c (eps/eps_up)^2" in note_text(note("limit_poisson_zero_events"))


def test_interval_lines_say_how_the_interval_was_made():
    fc = IntervalResult("fc", parse_level("0.95"), 16.7, [[0.0, 1.2e-3]], [[0.0, 3.3e-5]], 1000, 1, "two-sided",
                        closed_form=[[0.0, 1.19e-3]], notes=["a note"], construction=note("construction_toys", toys=1000))
    assert interval_lines(fc) == [
        "Feldman-Cousins (likelihood-ratio ordering, eps >= 0) interval of eps at m = 16.7 MeV, level 0.95 "
        "(95 %), two-sided", "  eps: [0, 0.0012]", "  construction: toys (1000)",
        "  Monte-Carlo errors of the edges: [0, 3.3e-05]", "  asymptotic (closed form): [0, 0.00119]",
        "  note: a note"]
    unresolved = dataclasses.replace(fc, intervals=None, edge_errors=None, closed_form=None, notes=[])
    assert interval_lines(unresolved)[1] == "  eps: not quoted (the toys could not resolve this level)"
    assert len(interval_lines(unresolved)) == 3


def test_json_document_adds_extra_keys_and_writes_nan_as_null():
    fc = IntervalResult("cls", parse_level("0.9"), 17.0, [[0.0, math.nan]], None, 10, 2, "one-sided")
    doc = json.loads(json_document(fc, provenance={"seed": 2}))
    assert doc["intervals"] == [[0.0, None]] and doc["provenance"] == {"seed": 2} and doc["method"] == "cls"


def test_sampler_choice_says_why():
    assert sampler_choice("dynesty", True)["reason"].startswith("asked for: nested sampling")
    assert "grid-posterior weight" in sampler_choice("emcee", True)["reason"]
    assert sampler_choice("emcee", False) == {
        "sampler": "emcee", "reason": "default: emcee with walkers drawn from the prior box (no grid reference for this model)"}


def grid_summary() -> dict:
    quantiles = lambda a, b, c: {"q0.025": a, "q0.16": a, "q0.5": b, "q0.84": c, "q0.975": c}  # noqa: E731
    return {"log_evidence": -3.14159, "log_evidence_error": 1.2e-5,
            "parameters": {"m": {"quantiles": quantiles(15.9, 16.712345, 17.5)},
                           "eps": {"quantiles": quantiles(6.7e-4, 8.1e-4, 9.5e-4),
                                   "hpd95": {"holds": 0.9504, "pieces": [[6.8e-4, 9.5e-4]]},
                                   "central95": {"pieces": [[6.7e-4, 9.5e-4]]}}},
            "pieces": {"parameter": "eps", "pieces": [{"eps_range": [6.62e-4, 7.3e-4], "weight": 0.25},
                                                      {"eps_range": [8.0e-4, 9.587e-4], "weight": 0.75}]}}


def test_grid_lines_quote_the_evidence_quantiles_and_pieces():
    lines = grid_lines(grid_summary())
    assert lines[0] == "grid posterior (exact reference): ln Z = -3.1416 +- 1.2e-05 (numerical)"
    assert lines[1] == "  m: 2.5% 15.9, median 16.712, 97.5% 17.5"
    assert lines[2].endswith("; 95% HPD (highest density, holds 0.950) [0.00068, 0.00095]; 95% central (two-sided) "
                             "[0.00067, 0.00095]")
    assert lines[3] == "  allowed pieces of eps: 2: [0.000662, 0.00073] weight 0.2500; [0.0008, 0.000959] weight 0.7500"


def test_check_lines_put_disagreements_among_the_warnings():
    rows = [{"eps_range": [6.62e-4, 7.3e-4], "chain_weight": 0.2, "chain_error": 0.02, "grid_weight": 0.25}]
    check = {"grid": grid_summary(),
             "agreement": {"pieces": {"pieces": rows, "walkers_crossing_pieces": 3}, "warning": None},
             "prior_sensitivity": {"warning": None, "threshold": 0.1, "variants": [{"prior": "eps uniform"}]}}
    out, warnings = check_lines(check)
    assert out[:4] == grid_lines(check["grid"]) and not warnings
    assert out[4] == "  sample vs grid, per piece (weight +- Monte-Carlo error): [0.000662, 0.00073] 0.2000 +- 0.0200 (grid 0.2500)"
    assert out[5:] == ["  walkers that moved between pieces: 3",
                       "  the sample agrees with the grid posterior within its Monte-Carlo errors (3 sigma)",
                       "  prior sensitivity: no quantile moves by more than 10% (eps uniform)"]
    check["agreement"]["warning"] = "piece weights differ"
    check["prior_sensitivity"]["warning"] = "the median moves"
    out, warnings = check_lines(check)
    assert warnings == ["piece weights differ", "the median moves"] and not any("agrees" in line for line in out)
