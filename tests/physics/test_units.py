"""dpfit.physics.units: every unit a data file may use converts to MeV, s, MeV·s or a plain number by its SI factor."""

import math

import pytest

from dpfit.physics.units import UNITS, unit_factor

#: SI prefixes written out here: the power of ten of each.
PREFIX = {"": 0, "k": 3, "M": 6, "G": 9}


@pytest.mark.parametrize("unit", ["eV", "keV", "MeV", "GeV"])
def test_mass_units_by_their_si_prefix(unit):
    """X eV = 10^(p − 6) MeV for the prefix p of X."""
    assert unit_factor(unit, "mass") == pytest.approx(10.0 ** (PREFIX[unit[:-2]] - 6), rel=1e-15)


@pytest.mark.parametrize("unit", ["1e-9", "1e-10", "1e-11", "1e-12", "1e-13", "1e-14"])
def test_scaled_numbers_are_their_own_factor(unit):
    """A value in units of 1e-11 (how a_mu is quoted) is value × 1e-11."""
    assert unit_factor(unit, "dimensionless") == float(unit)
    assert unit_factor("1", "dimensionless") == 1.0


def test_action_units_and_hbar():
    """ħ = 6.582119569e-16 eV s (CODATA) is 6.582119569e-22 MeV s."""
    assert 6.582119569e-16 * unit_factor("eV s", "action") == pytest.approx(6.582119569e-22, rel=1e-15)
    assert unit_factor("MeV s", "action") == 1.0


def test_every_unit_has_a_known_dimension_and_a_positive_finite_factor():
    assert {dim for dim, _ in UNITS.values()} == {"dimensionless", "mass", "action"}
    assert all(math.isfinite(f) and f > 0 for _, f in UNITS.values())
    assert {u for u, (dim, f) in UNITS.items() if f == 1.0} == {"1", "MeV", "MeV s"}  # the internal units


def test_unit_of_another_dimension_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match="unit 'GeV' is a mass unit, expected a dimensionless unit"):
        unit_factor("GeV", "dimensionless")
    with pytest.raises(ValueError, match="unit '1e-11' is a dimensionless unit, expected a mass unit"):
        unit_factor("1e-11", "mass")


@pytest.mark.parametrize("unit", ["furlongs", "mev", "TeV", "1e-11 ", ""])
def test_unknown_unit_is_a_key_error(unit):
    with pytest.raises(KeyError):
        unit_factor(unit, "mass")
