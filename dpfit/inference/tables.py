"""The coupling tables: ε_ℓ(m) that explains each (g−2) scenario, with the paper's linear σ.

ε_ℓ(m) = sqrt(Δa_ℓ (2π/α) / F_V(m/m_ℓ)),  σ_ε = (ε/2)(σ_Δa/Δa)
(Pospelov, PRD 80 (2009) 095002, eq. 2, inverted; σ_ε is the source paper's linear propagation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.inputs.inputset import InputSet
from dpfit.physics.coupling import eps_from_delta_a, sigma_eps_linear

#: Masses of the source paper's table, MeV.
DEFAULT_MASSES = (5, 10, 15, 17, 20, 25, 30, 35, 40, 45, 50, 100, 200, 300, 400, 500)


@dataclass(frozen=True)
class CouplingEstimate:
    """ε that explains one scenario's Δa at one or more masses (MeV)."""

    lepton: str
    scenario: str
    mass: np.ndarray
    delta_a: float
    sigma_delta_a: float
    eps: np.ndarray
    sigma_linear: np.ndarray


def coupling_estimate(inputs: InputSet, lepton: str, scenario: str, masses, model=None) -> CouplingEstimate:
    """ε_ℓ and the linear σ_ε for a scenario at the given masses (NaN where no coupling gives Δa: Δa < 0
    for a vector boson). ``model``: a :class:`dpfit.physics.vector_models.VectorModel` (None: a dark photon's
    vector coupling), whose charges set δa = k(m) ε² (an axial coupling makes k < 0)."""
    record = inputs.gm2_card(lepton, scenario)
    delta = record.delta_a
    mass = np.atleast_1d(np.asarray(masses, dtype=float))
    if model is None:
        eps = eps_from_delta_a(mass, delta.value, record.lepton_mass, record.alpha)
    else:
        from dpfit.model.analysis import gm2_term

        with np.errstate(invalid="ignore", divide="ignore"):
            eps = np.sqrt(delta.value / gm2_term(record, model).shift_per_eps2(mass))
    return CouplingEstimate(lepton, record.scenario, mass, delta.value, delta.sigma, eps,
                            np.abs(sigma_eps_linear(eps, delta.value, delta.sigma)))


def muon_table(inputs: InputSet, masses=DEFAULT_MASSES, model=None) -> tuple[list[str], np.ndarray]:
    """Columns and rows of the muon table: mass_MeV, then eps_<S>, sigma_<S> per muon scenario (the coupling of
    ``model``, None: a dark photon's)."""
    columns, data = ["mass_MeV"], [np.asarray(masses, dtype=float)]
    for record in inputs.gm2_cards("mu"):
        est = coupling_estimate(inputs, "mu", record.scenario, masses, model)
        columns += [f"eps_{est.scenario}", f"sigma_{est.scenario}"]
        data += [est.eps, est.sigma_linear]
    return columns, np.column_stack(data)


def coupling_intervals(inputs: InputSet, lepton: str, scenario: str, mass: float, levels=None, model=None):
    """The exact profile-likelihood fit of one (g−2) scenario alone at ``mass`` (MeV) under ``model`` (None: a
    dark photon's coupling): best ε, intervals at ``levels`` (default 1sigma,2sigma) and goodness of fit, as
    a :class:`dpfit.inference.profile.fit.FitResult`."""
    from dpfit.inference.profile.fit import fit_fixed_mass
    from dpfit.likelihood.joint import JointLikelihood
    from dpfit.model.analysis import gm2_term

    return fit_fixed_mass(JointLikelihood([gm2_term(inputs.gm2_card(lepton, scenario), model)]), mass, levels)
