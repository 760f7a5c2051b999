"""dpfit.inputs.records: frozen records, one-sided limits told from bands, a contour's mass range, default mechanisms."""

import dataclasses
import math

import numpy as np
import pytest

from dpfit.inputs.contours import Contour
from dpfit.inputs.records import MECHANISM, ExclusionCard, Gm2Card, Measurement, contour_mass_range
from dpfit.physics.vector_models import PRODUCTION


def card(contour: Contour) -> ExclusionCard:
    return ExclusionCard("x", "e", "X", 0.9, contour, contour_mass_range(contour), True, False, "a test", "x_data")


MASS = np.array([10.0, 20.0, 30.0])


@pytest.mark.parametrize("lower, upper, one_sided", [
    ([1e-4] * 3, [math.inf] * 3, True),  # a simple upper limit
    ([1e-4] * 3, [math.inf, 1e-3, math.inf], False),  # closed at one mass
    ([1e-4] * 3, [1e-3] * 3, False),  # a band
    ([[1e-5] * 3, [1e-4] * 3], [[2e-5] * 3, [math.inf] * 3], False),  # two bands, the second open above
])
def test_one_sided_means_one_band_open_above_everywhere(lower, upper, one_sided):
    record = card(Contour(MASS, np.array(lower), np.array(upper), "eps"))
    assert record.one_sided is one_sided


def test_contour_mass_range_is_min_and_max_as_floats():
    low, high = contour_mass_range(Contour(np.array([16.9]), np.array([1e-4]), np.array([math.inf]), "eps"))
    assert (low, high) == (16.9, 16.9) and type(low) is float and type(high) is float
    assert contour_mass_range(Contour(MASS, MASS, MASS, "eps")) == (10.0, 30.0)


def test_records_are_frozen_and_compare_by_value():
    m = Measurement(3.85e-10, 6.4e-10)
    assert m == Measurement(3.85e-10, 6.4e-10) and m != Measurement(3.85e-10, 6.5e-10)
    gm2 = Gm2Card("muon_wp25", "mu", "WP25", m, 105.6583755, 1 / 137.035999177, "d", "delta_a_mu_wp25")
    with pytest.raises(dataclasses.FrozenInstanceError):
        gm2.lepton_mass = 1.0
    record = card(Contour(MASS, MASS * 1e-5, MASS * 1e-4, "eps"))
    assert (record.production, record.mechanism, record.decay, record.length_ratio) == \
        ("electron", "e_brem", "e_e", None)
    assert "contour" not in repr(record)  # arrays kept out of the repr


def test_default_mechanisms_are_productions_the_recast_knows():
    """Each production's default mechanism is one DarkCast names, produced through that production's coupling."""
    assert set(MECHANISM) == {"electron", "quark", "muon"}
    coupling = {"electron": "e", "muon": "mu", "quark": "p"}
    for production, mechanism in MECHANISM.items():
        assert PRODUCTION[mechanism] == coupling[production]
