"""dpfit.notes: a note is data (a kind and its values), hashable and compared by value."""

from __future__ import annotations

import pytest

from dpfit.notes import Note, note


def test_a_note_holds_its_values_by_name_sorted_and_frozen():
    n = note("limit_silent_over", limit="na64", span=[15.85, 17.55], gaps=[(17.55, 17.93)], range=(15.0, 18.0))
    assert n.kind == "limit_silent_over"
    assert [k for k, _ in n.values] == ["gaps", "limit", "range", "span"]
    assert n.get("span") == (15.85, 17.55) and n.get("gaps") == ((17.55, 17.93),) and n.get("missing", 3) == 3
    assert n.as_dict() == {"kind": "limit_silent_over", "limit": "na64", "span": [15.85, 17.55],
                           "gaps": [[17.55, 17.93]], "range": [15.0, 18.0]}


def test_notes_compare_by_value_and_hash_so_a_set_keeps_one_of_each():
    a = note("gm2_no_coupling", lepton="e", scenario="Cs18", model="lepton_mu")
    b = note("gm2_no_coupling", scenario="Cs18", model="lepton_mu", lepton="e")
    assert a == b and len({a, b, note("limits_as_published")}) == 2
    assert a != note("gm2_no_coupling", lepton="mu", scenario="WP25", model="lepton_e")


def test_a_note_is_not_text():
    """Asking a note for a substring is a mistake the caller hears about (say it with dpfit.output.wording)."""
    with pytest.raises(TypeError):
        "Cs18" in note("gm2_no_coupling", lepton="e", scenario="Cs18", model="lepton_mu")  # noqa: B015
    with pytest.raises(dataclasses_frozen_error()):
        Note("x").kind = "y"


def dataclasses_frozen_error():
    import dataclasses

    return dataclasses.FrozenInstanceError
