"""dpfit.output.wording: every note dpfit makes has its sentence, and the sentences say the values."""

from __future__ import annotations

import json
import re

from dpfit.notes import note
from dpfit.output.wording import WORDS, note_text, notes_text
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
