"""The coupling mode, in one place: which parameters a model has and which coupling each lepton reads.

``universal``: one kinetic mixing ε for every lepton, parameters (m, eps).
``lepton``: separate ε_e and ε_μ, parameters (m, eps_e, eps_mu); a term of
lepton ℓ reads ε_ℓ. Masses in MeV, couplings dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from dpfit.errors import InputError

#: The coupling modes (the CLI's ``--couplings`` choices and the analysis schema's enum).
CouplingMode = Literal["universal", "lepton"]
#: Coupling parameter read by a term of each lepton, in lepton mode.
LEPTON_PARAMETER = {"e": "eps_e", "mu": "eps_mu"}


@dataclass(frozen=True)
class Couplings:
    """A coupling mode: its parameter names and the coupling each lepton's terms read."""

    mode: CouplingMode = "universal"

    def __post_init__(self):
        if self.mode not in get_args(CouplingMode):
            raise InputError("likelihood", "couplings", f"expected one of {', '.join(get_args(CouplingMode))}, "
                                                        f"got {self.mode!r}")

    @property
    def names(self) -> tuple[str, ...]:
        """The coupling parameters: ('eps',) or ('eps_e', 'eps_mu')."""
        return ("eps",) if self.mode == "universal" else ("eps_e", "eps_mu")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter, the mass first: ('m', 'eps') or ('m', 'eps_e', 'eps_mu')."""
        return ("m",) + self.names

    def parameter_of(self, lepton: str) -> str:
        """The coupling parameter a term of ``lepton`` ('e' or 'mu') reads."""
        return "eps" if self.mode == "universal" else LEPTON_PARAMETER[lepton]

    def column_of(self, lepton: str) -> int:
        """Index of that coupling among :attr:`names`."""
        return self.names.index(self.parameter_of(lepton))

    @property
    def window_parameter(self) -> str:
        """The coupling the surviving window is quoted in: ε, or ε_e (read by the electron-beam searches)."""
        return self.parameter_of("e")
