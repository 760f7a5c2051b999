"""Published dark-photon limits recast to a vector model, contour point by contour point (DarkCast's method).

A search with production P, final state F and (for a beam dump) a lifetime acceptance η(τ) sees a yield
∝ c_P g² BR_F η(τ). At each mass of the published contour the dark photon's excluded coupling fixes the
excluded yield, and the model's limit is the coupling g with the same yield (Ilten, Soreq, Williams, Xue,
JHEP 06 (2018) 004, sect. 2; :func:`dpfit.physics.vector_models.recast_band`). An extra invisible width
(``invisible_ratio`` R: Γ_inv = R Γ_ee) is part of the model: it lowers BR_F and shortens the lifetime.
A search whose production coupling vanishes in the model, or whose final state the model cannot reach,
does not constrain it. Above the two-pion threshold 2 m_π hadronic decays are not modelled: a contour is
recast up to that mass and excludes nothing beyond it (said in the note); a visible search under a dark photon
itself (no extra invisible width) needs no recast and keeps its whole contour. A production mechanism or final state whose
model dependence dpfit does not model (η → γX, φ → ηX, LHC production, X → π⁺π⁻) cannot be recast to
another model (InputError naming the card). Masses in MeV, couplings in units of e.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError
from dpfit.inputs.records import ExclusionCard
from dpfit.notes import Note, note
from dpfit.physics.vector_models import (DECAYS, PRODUCTION, VectorModel, branching_fraction, dark_photon,
                                         is_dark_photon, production_ratio, recast_band, widths)

#: Relative difference below which a model's yield and width equal the dark photon's (no recast needed).
SAME = 1e-12


@dataclass(frozen=True)
class Physics:
    """What recasting needs besides the model: lepton masses and the charged pion's (MeV), α, and R."""

    lepton_masses: dict
    pion_mass: float
    alpha: float
    invisible_ratio: float = 0.0


@dataclass(frozen=True)
class RecastContour:
    """A card's contour in the model's coupling: masses (MeV), lower and upper edges (shape (n,) or (bands, n);
    +inf where nothing is excluded), and what the recast did."""

    mass: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    constrains: bool
    note: Note | None


def _yield_ratios(model: VectorModel, record: ExclusionCard, masses: np.ndarray, physics: Physics):
    """(scale, width_ratio, Γ_A'/ε²) at each of ``masses``: scale = BR_F(A')/(c_P BR_F(model)) (inf: not
    constrained), width_ratio = Γ_model/Γ_A' per unit coupling², vectorised over the masses."""
    reference = dark_photon()
    args = (physics.lepton_masses, physics.pion_mass, physics.alpha)
    c_p = production_ratio(model, record.mechanism)
    if record.decay == "any":  # a search that sees the boson whatever it decays to (its card says why)
        br_ref, yield_model = np.ones(masses.shape), np.full(masses.shape, c_p)
    else:  # published invisible limits assume the dark photon decays invisibly
        br_ref = (np.ones(masses.shape) if record.decay == "invisible"
                  else branching_fraction(reference, record.decay, masses, *args))
        yield_model = c_p * branching_fraction(model, record.decay, masses, *args, physics.invisible_ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(yield_model > 0, br_ref / yield_model, np.inf)
    width_ref = widths(reference, masses, *args)["total"]
    width_model = widths(model, masses, *args, physics.invisible_ratio)["total"]
    return scale, width_model / width_ref, width_ref


def _check_recastable(record: ExclusionCard, model: VectorModel) -> None:
    """InputError naming the card if its production or final state is one dpfit cannot recast."""
    if record.mechanism not in PRODUCTION:
        raise InputError(f"card '{record.name}'", "mechanism",
                         f"production {record.mechanism} is not modelled by dpfit's recasting: the limit applies to a "
                         f"dark photon only, not to the {model.name} model")
    if record.decay != "any" and any(part not in DECAYS for part in record.decay.split("+")):
        raise InputError(f"card '{record.name}'", "decay",
                         f"final state {record.decay} is not modelled by dpfit's recasting (hadronic): the limit "
                         f"applies to a dark photon only, not to the {model.name} model")


def recast_contour(record: ExclusionCard, model: VectorModel, physics: Physics) -> RecastContour:
    """The card's contour recast to ``model`` at every contour mass (see the module docstring)."""
    contour = record.contour
    if is_dark_photon(model) and physics.invisible_ratio == 0 and record.decay != "invisible":
        return RecastContour(np.asarray(contour.mass, dtype=float), contour.lower, contour.upper, True, None)
    _check_recastable(record, model)
    lower, upper = np.atleast_2d(contour.lower).astype(float), np.atleast_2d(contour.upper).astype(float)
    new_lo, new_hi = lower.copy(), upper.copy()
    changed, constrained, hadronic = False, False, False
    masses = np.asarray(contour.mass, dtype=float)
    modelled = (masses <= 2.0 * physics.pion_mass) & (masses > 2.0 * physics.lepton_masses["e"])
    ratios = np.full((3, masses.size), np.nan)
    if modelled.any():
        ratios[:, modelled] = _yield_ratios(model, record, masses[modelled], physics)
    for i, m in enumerate(masses):
        if not modelled[i]:
            new_lo[:, i], new_hi[:, i] = np.inf, np.inf  # no width modelled (hadrons) or none at all (below 2 m_e)
            changed, hadronic = True, hadronic or m > 2.0 * physics.pion_mass
            continue
        scale, width_ratio, width_ref = (float(r) for r in ratios[:, i])
        if abs(scale - 1.0) < SAME and abs(width_ratio - 1.0) < SAME:
            constrained = True
            continue
        changed = True
        for b in range(lower.shape[0]):
            band = recast_band(float(lower[b, i]), float(upper[b, i]), scale, width_ratio, record.length_ratio,
                               width_ref)
            new_lo[b, i], new_hi[b, i] = band if band is not None else (np.inf, np.inf)
            constrained |= band is not None
    shape = np.shape(contour.lower)
    said = None
    if not constrained:
        said = note("limit_no_coupling", limit=record.name, experiment=record.experiment, model=model.name,
                    mechanism=record.mechanism, decay=record.decay)
    elif changed:
        said = note("limit_recast", limit=record.name, model=model.name, mechanism=record.mechanism,
                    decay=record.decay, length_ratio=record.length_ratio,
                    hadronic_limit=2 * physics.pion_mass if hadronic else None)
    return RecastContour(np.asarray(contour.mass, dtype=float), new_lo.reshape(shape), new_hi.reshape(shape),
                         constrained, said)
