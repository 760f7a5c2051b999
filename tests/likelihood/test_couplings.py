"""dpfit.likelihood.couplings: the parameters of each coupling mode and the coupling each lepton's terms read."""

import pytest

from dpfit.errors import InputError
from dpfit.likelihood.couplings import LEPTON_PARAMETER, Couplings


def test_universal_mode_reads_one_eps_for_every_lepton():
    mode = Couplings()
    assert mode.mode == "universal" and mode.names == ("eps",) and mode.parameters == ("m", "eps")
    assert [mode.parameter_of(lepton) for lepton in ("e", "mu")] == ["eps", "eps"]
    assert mode.column_of("e") == mode.column_of("mu") == 0
    assert mode.window_parameter == "eps"


def test_lepton_mode_reads_eps_e_and_eps_mu():
    mode = Couplings("lepton")
    assert mode.names == ("eps_e", "eps_mu") and mode.parameters == ("m", "eps_e", "eps_mu")
    assert mode.parameter_of("e") == "eps_e" and mode.parameter_of("mu") == "eps_mu"
    assert (mode.column_of("e"), mode.column_of("mu")) == (0, 1)  # the order of the couplings after the mass
    assert mode.window_parameter == "eps_e"  # the electron-beam searches' coupling
    assert set(LEPTON_PARAMETER.values()) == set(mode.names)


def test_modes_compare_by_value_and_an_unknown_mode_is_refused():
    assert Couplings("lepton") == Couplings("lepton") != Couplings("universal")
    with pytest.raises(InputError, match="universal, lepton.*'quark'"):
        Couplings("quark")
    with pytest.raises(KeyError):
        Couplings("lepton").parameter_of("tau")  # no tau coupling in the lepton mode
