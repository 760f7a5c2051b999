"""dpfit.output.wording: every note dpfit makes has its sentence, and the sentences say the values."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from scipy import stats

from dpfit.inference.levels import format_percent, parse_level
from dpfit.inference.profile.gof import goodness_of_fit
from dpfit.inference.profile.intervals import build_interval
from dpfit.notes import note
from dpfit.output.wording import (WORDS, gof_text, interval_text, level_text, note_text, notes_text,
                                  one_sided_text)
from dpfit.output.writers import to_json
from tests.helpers import ROOT


def _kinds_made_in_the_package() -> set[str]:
    kinds = set()
    for path in (ROOT / "dpfit").rglob("*.py"):
        kinds |= set(re.findall(r'\bnote\(\s*"([a-z0-9_]+)"', path.read_text()))
    return kinds


def test_every_note_made_has_words_and_every_wording_is_used():
    made = _kinds_made_in_the_package()
    assert made, "no note(...) call found"
    assert made - set(WORDS) == set(), "notes without words"
    assert set(WORDS) - made == set(), "words for notes nothing makes"


def test_sentences_say_the_values():
    assert note_text(note("limit_silent_over", limit="na64_point", span=(15.85, 17.55), gaps=[(17.55, 17.93)],
                          range=(16.0, 17.93))) == (
        "limit na64_point has data only over 15.85-17.55 MeV: over 17.55-17.93 MeV of the mass range 16-17.93 MeV "
        "it constrains nothing")
    assert note_text(note("toys_doubled", first=200, seed=7, toys=800, max_toys=1000)) == (
        "200 toys, seed 7 were too few; doubled to 800 (--max-toys 1000)")
    assert note_text(note("best_fit_on_edge", parameter="eps", edge="lower", set_by="na64", at_zero=False)) == (
        "eps: best fit on the lower edge of an allowed region, set by na64: the intervals are one-sided")
    assert note_text(note("best_fit_on_edge", parameter="eps", edge="lower", set_by="eps=0", at_zero=True)) == (
        "eps: best fit at the physical boundary eps = 0: the intervals are one-sided upper limits")
    assert note_text(note("toys_disagree_edge", side="upper", toys=1.23456e-3, error=float("nan"),
                          reference=1.2e-3)) == (
        "toys and the asymptotic formulae disagree on the upper edge: 0.0012346 (Monte-Carlo error unknown) "
        "vs 0.0012")


def test_a_warning_that_lists_flags_says_each_flag():
    flags = [note("quantile_moves", parameter="eps", q=0.025, move=0.31, prior="flat in eps"),
             note("quantile_moves", parameter="m", q=0.5, move=0.12, prior="eps range from 1e-05 (not 1e-06)")]
    assert note_text(note("set_by_prior", flags=flags, threshold=0.1)) == (
        "2 posterior quantile(s) set by the prior (move > 10% when the prior changes): eps q0.025 moves 31% "
        "(flat in eps); m q0.5 moves 12% (eps range from 1e-05 (not 1e-06))")


def test_nested_note_and_text_from_inputs():
    worst = note("pair_tension", first="gm2_mu", second="na64", significance=3.14159, chi2_pg=9.87, ndof=1)
    text = note_text(note("data_reject_analysis", mass=16.7, p_value=1.2e-4, threshold=1e-3, worst=worst))
    assert text.endswith("largest disagreement: gm2_mu vs na64: 3.1 sigma tension (chi2_PG = 9.87, 1 dof)")
    assert notes_text(["already words", note("limits_as_published")]) == [
        "already words", "limits used as published (a dark photon's branching fractions) in the two-coupling "
                         "lepton model"]


def test_json_documents_hold_the_sentence():
    doc = json.loads(to_json({"notes": [note("refinement_no_gain")], "warning": None}))
    assert doc == {"notes": ["2D refinement did not improve on the mass grid; grid minimum reported"], "warning": None}


@pytest.mark.parametrize("p", [0.5, 0.6827, 0.9, 0.95])
def test_a_level_says_its_threshold_and_what_it_holds(p):
    level = parse_level(str(p))
    assert level_text(level, 2) == f"delta chi2 <= {stats.chi2.ppf(p, 2):.4g}, {format_percent(p)}"
    assert level_text(parse_level("5sigma")) == "delta chi2 <= 25, 99.9999 %"


@pytest.mark.parametrize("c", [1.0, 2.705543454095404, 4.0, 9.0])
def test_a_one_sided_limit_says_its_chernoff_coverage_range(c):
    """½δ₀ + ½χ²(1): Δχ² ≤ c holds between F_χ²(1)(c) and ½ + ½ F_χ²(1)(c) as an upper limit."""
    assert one_sided_text(c, stats.chi2.cdf(c, 1)) == (
        f"one-sided upper limit, coverage between {format_percent(stats.chi2.cdf(c, 1))} and "
        f"{format_percent(0.5 + 0.5 * stats.chi2.cdf(c, 1))} (see `dpfit coverage`)")


def test_intervals_and_goodness_of_fit_in_one_line():
    level = parse_level("2sigma")
    two = build_interval(level, 4.0, [[1e-4, 2e-4]], [["a", "b"]], False)
    one = build_interval(level, 4.0, [[0.0, 2e-4]], [["eps=0", "b"]], True)
    assert interval_text(two) == "delta chi2 <= 4, two-sided 95.45 %"
    assert interval_text(one) == ("delta chi2 <= 4, one-sided upper limit, coverage between 95.45 % and 97.72 % "
                                  "(see `dpfit coverage`)")
    gof = goodness_of_fit(4.0, 2, 1)  # chi2(1): p = 0.0455, 2 sigma two-sided
    assert gof_text(gof) == "chi2_min = 4 for 1 dof (chi2(1)): p = 0.0455 (2 sigma, two-sided)"
    assert gof_text(goodness_of_fit(0.0, 1, 1)) == "chi2_min = 0 for 0 dof: no degrees of freedom left, no p-value"
    calibrated = dataclasses.replace(gof, distribution=note("mass_free_distribution", calibration=note(
        "free_mass_toys", toys=2000, lo=15.85, hi=17.55, above=40)))
    assert gof_text(calibrated).startswith("chi2_min = 4 for 1 dof (mass free: 2000 toys from the best fit, mass "
                                           "refitted over 15.85-17.55 MeV: 40 at or above chi2_min): p = 0.0455")

