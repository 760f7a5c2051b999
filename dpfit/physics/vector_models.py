"""Vector models by their couplings: the charge matrix, decay widths, branching fractions and production ratios.

A model is a small matrix (the source paper's Eq. 1: X_μ Σ_f f̄γ^μ(g_V^f + g_A^f γ⁵)f): free parameters
(one or more couplings, in units of e) × fermions, vector and axial charges, so that the coupling of
fermion f is ε_f = Σ_p Q_f^p θ_p (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004, sect. 2; axial
vectors: arXiv:2206.08563). A dark photon has Q_f = the electric charge; protophobic quarks have
ε_p = 2ε_u + ε_d = 0 (the source paper's Eq. 2).

Widths (per fermion, m the boson mass, m_f the fermion mass, r = m_f²/m², in MeV for m in MeV):

    Γ(X → ℓ⁺ℓ⁻) = (α m/3) [ε_ℓ² (1 + 2r) + (ε_ℓ^A)² (1 − 4r)] √(1 − 4r)
    Γ(X → νν̄)   = α ε_ν² m/6 per flavour (left-handed neutrinos only)

(Pospelov, PRD 80 (2009) 095002; Ilten et al. 2018, eq. 2.3). Hadronic decays are not modelled: a width
above the two-pion threshold raises :class:`HadronicThreshold` (a vector-meson-dominance model would be
needed there). An extra invisible width Γ_inv = R Γ(X → e⁺e⁻) lowers every visible branching fraction and
shortens the lifetime.

Production relative to a dark photon of the same coupling (Ilten et al. 2018, table 1): electron
bremsstrahlung, e⁺e⁻ → γX and resonant e⁺e⁻ → X go as ε_e²; muon processes as ε_μ²; π⁰ → γX (the
π⁰ → γγ anomaly, Γ(π⁰→γX)/Γ(π⁰→γγ) = 2ε_p²(1 − m²/m_π²)³) and proton bremsstrahlung as ε_p² with
ε_p = 2ε_u + ε_d.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Fermions a model card may charge.
FERMIONS = ("e", "mu", "tau", "nu_e", "nu_mu", "nu_tau", "u", "d", "s", "c", "b", "t")
#: Charged leptons and their neutrinos.
LEPTONS = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
#: Production mechanisms (DarkCast's names) and the coupling each goes with.
PRODUCTION = {"e_brem": "e", "e_e": "e", "e_e_resonant": "e", "mu_brem": "mu", "mu_mu": "mu",
              "pi0_gamma": "p", "p_brem": "p"}
#: Final states a limit may search.
DECAYS = ("e_e", "mu_mu", "invisible")
#: The dark photon's vector charges (electric charges), the reference of every published limit.
DARK_PHOTON = {"e": -1.0, "mu": -1.0, "tau": -1.0, "u": 2 / 3, "d": -1 / 3, "s": -1 / 3, "c": 2 / 3, "b": -1 / 3,
               "t": 2 / 3}


class HadronicThreshold(ValueError):
    """A width asked for above the two-pion threshold, where hadronic decays are not modelled."""


@dataclass(frozen=True)
class VectorModel:
    """Charges of a vector boson per unit of each free coupling (units of e).

    ``vector[p][f]`` and ``axial[p][f]``: the charge of fermion f under parameter p (absent: 0).
    """

    name: str
    parameters: tuple[str, ...]
    vector: dict = field(repr=False)
    axial: dict = field(default_factory=dict, repr=False)
    description: str = ""
    reference: str = ""

    def charges(self, fermion: str, kind: str = "vector") -> dict[str, float]:
        """{parameter: charge} of one fermion's vector ('vector') or axial ('axial') coupling, non-zero only;
        'p' and 'n' give the proton (2u + d) and neutron (u + 2d) vector couplings."""
        table = self.vector if kind == "vector" else self.axial
        if fermion in ("p", "n"):
            weights = {"u": 2.0, "d": 1.0} if fermion == "p" else {"u": 1.0, "d": 2.0}
            out = {p: sum(w * table.get(p, {}).get(q, 0.0) for q, w in weights.items()) for p in self.parameters}
        else:
            out = {p: float(table.get(p, {}).get(fermion, 0.0)) for p in self.parameters}
        return {p: c for p, c in out.items() if c != 0.0}

    def coupling(self, fermion: str, kind: str = "vector") -> tuple[str | None, float]:
        """(parameter, charge) of a fermion's coupling that depends on one parameter ((None, 0) for none);
        ValueError where it mixes several (the inference reads one parameter per coupling)."""
        charges = self.charges(fermion, kind)
        if len(charges) > 1:
            raise ValueError(f"model '{self.name}': the {kind} coupling of {fermion} mixes the parameters "
                             f"{', '.join(charges)}; one parameter per coupling is supported")
        return next(iter(charges.items()), (None, 0.0))

    def squared_charge(self, fermion: str, kind: str = "vector") -> float:
        """Q² of a fermion's coupling per unit of its parameter (0 when uncharged)."""
        return self.coupling(fermion, kind)[1] ** 2


def _lepton_width(mass: np.ndarray, lepton_mass: float, vector2: float, axial2: float, alpha: float) -> np.ndarray:
    """Γ(X → ℓ⁺ℓ⁻) per unit parameter² (MeV); zero below threshold."""
    r = (lepton_mass / mass) ** 2
    phase = np.sqrt(np.clip(1.0 - 4.0 * r, 0.0, None))
    return alpha * mass / 3.0 * (vector2 * (1.0 + 2.0 * r) + axial2 * (1.0 - 4.0 * r)) * phase


def widths(model: VectorModel, mass, lepton_masses: dict[str, float], pion_mass: float, alpha: float,
           invisible_ratio: float = 0.0) -> dict[str, np.ndarray]:
    """Partial widths per unit parameter² (MeV) at masses m (MeV): 'e_e', 'mu_mu', 'tau_tau', 'invisible'
    (neutrinos plus R Γ_ee) and 'total'. HadronicThreshold above 2 m_π (``pion_mass``: the charged pion's)."""
    mass = np.asarray(mass, dtype=float)
    if np.any(mass > 2.0 * pion_mass):
        raise HadronicThreshold(f"above 2 m_pi = {2 * pion_mass:.5g} MeV hadronic decays need a vector-meson-"
                                f"dominance model, which dpfit does not have")
    out = {f"{lep}_{lep}": _lepton_width(mass, lepton_masses[lep], model.squared_charge(lep),
                                         model.squared_charge(lep, "axial"), alpha)
           for lep in LEPTONS if lep in lepton_masses}
    neutrinos = sum(model.squared_charge(nu) for nu in NEUTRINOS)
    out["invisible"] = alpha * neutrinos * mass / 6.0 + invisible_ratio * out["e_e"]
    out["total"] = sum(out.values())
    return out


def branching_fraction(model: VectorModel, decay: str, mass, lepton_masses: dict[str, float], pion_mass: float,
                       alpha: float, invisible_ratio: float = 0.0) -> np.ndarray:
    """BR(X → decay) at masses m (MeV); 0 where the total width vanishes (an uncharged boson). A sum of final
    states is joined by '+' (e.g. 'e_e+mu_mu', a search combining both)."""
    w = widths(model, mass, lepton_masses, pion_mass, alpha, invisible_ratio)
    partial = sum(w[part] for part in decay.split("+"))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(w["total"] > 0, partial / w["total"], 0.0)


def production_ratio(model: VectorModel, production: str) -> float:
    """c_P: the production cross section per unit parameter² relative to a dark photon of coupling 1. A
    lepton's axial coupling produces like a vector one of the same size (equal up to m_ℓ²/m² corrections,
    arXiv:2206.08563); π⁰ → γX and proton bremsstrahlung go through the vector ε_p."""
    coupling = PRODUCTION[production]
    if coupling == "p":
        reference = (2 * DARK_PHOTON["u"] + DARK_PHOTON["d"]) ** 2
        return model.squared_charge("p") / reference
    return (model.squared_charge(coupling) + model.squared_charge(coupling, "axial")) / DARK_PHOTON[coupling] ** 2


def is_dark_photon(model: VectorModel) -> bool:
    """True for a one-parameter model whose charges are the dark photon's (electric charges, no axial, no ν)."""
    if len(model.parameters) != 1 or any(model.charges(f, "axial") for f in FERMIONS):
        return False
    return all(abs(sum(model.charges(f).values()) - DARK_PHOTON.get(f, 0.0)) < 1e-12 for f in FERMIONS)


def dark_photon() -> VectorModel:
    """The kinetically mixed dark photon, charges Q_f (the reference of every published limit)."""
    return VectorModel("dark_photon", ("eps",), {"eps": dict(DARK_PHOTON)})



def log_acceptance(tau, t0: float, t1: float):
    """ln η(τ), η = e^(−t0/τ) − e^(−t1/τ): the fraction of decays between the proper times t0 < t1, computed
    as −t0/τ + ln(1 − e^(−(t1−t0)/τ)) so that it stays finite where η itself underflows; vectorised in τ."""
    with np.errstate(divide="ignore"):
        return -t0 / tau + np.log(-np.expm1(-(t1 - t0) / tau))


def beam_dump_window(lower: float, upper: float, length_ratio: float, width_per_eps2: float) -> tuple[float, float]:
    """(t0, t1) in units of ħ/MeV of a beam dump whose dark-photon band is [lower, upper] at one mass:
    t1 = (1 + ℓ) t0 and equal yields ε² η(τ(ε)) at both edges, τ(ε) = 1/(ε² Γ̂) (Ilten et al. 2018, sect. 2)."""
    from scipy.optimize import brentq

    def log_yield(eps, t0):
        return 2.0 * math.log(eps) + log_acceptance(1.0 / (eps * eps * width_per_eps2), t0, (1.0 + length_ratio) * t0)

    def mismatch(log_t0):
        t0 = math.exp(log_t0)
        return log_yield(lower, t0) - log_yield(upper, t0)

    # the upper edge is set by decays before t0: t0 ~ 1/(upper² Γ̂); the lower by the yield's ε² ε² fall
    centre = math.log(1.0 / (upper**2 * width_per_eps2))
    log_t0 = brentq(mismatch, centre - 30.0, centre + 30.0, xtol=1e-13)
    t0 = math.exp(log_t0)
    return t0, (1.0 + length_ratio) * t0


def recast_band(lower: float, upper: float, scale: float, width_ratio: float, length_ratio: float | None,
                width_per_eps2: float) -> tuple[float, float] | None:
    """A dark-photon band [lower, upper] (upper may be inf: a prompt limit) recast to a model at one mass.

    ``scale`` = BR_F(A')/(c_P BR_F(model)) (the yield's ratio at equal lifetime), ``width_ratio`` =
    Γ_model/Γ_A' per unit coupling², ``width_per_eps2`` = Γ_A'/ε² (MeV); ``length_ratio``: a beam dump's
    decay-volume to shielding length ℓ (None: prompt). Prompt: g = ε √scale for both edges. Beam dump:
    the model's couplings g with c_P g² BR_F η(τ_model(g)) = the excluded yield, two solutions.
    None where the model is not constrained (scale infinite, or the yield never reaches the limit).
    """
    from scipy.optimize import brentq

    if not math.isfinite(scale) or scale <= 0:  # no yield in the model, or none in the published search
        return None
    if length_ratio is None or not math.isfinite(upper):
        return lower * math.sqrt(scale), upper * math.sqrt(scale)
    t0, t1 = beam_dump_window(lower, upper, length_ratio, width_per_eps2)
    target = 2.0 * math.log(lower) + log_acceptance(1.0 / (lower**2 * width_per_eps2), t0, t1)

    def excess(log_g):  # ln(yield_model(g)) − ln(excluded yield), the A' normalisation folded into scale
        g2 = np.exp(2.0 * log_g)
        return np.log(g2 / scale) + log_acceptance(1.0 / (g2 * width_per_eps2 * width_ratio), t0, t1) - target

    # the yield rises as g⁴ at small g and falls as exp(−g² t0 Γ̂) at large g: one peak, two crossings
    grid = np.linspace(math.log(lower) - 12.0, math.log(upper) + 6.0, 1801)
    values = excess(grid)
    peak = int(np.argmax(values))
    if values[peak] <= 0:
        return None
    below = np.flatnonzero(values[:peak] < 0)  # the last grid point under the limit before the peak
    above = peak + np.flatnonzero(values[peak:] < 0)  # and the first after it
    left = brentq(excess, grid[below[-1]], grid[below[-1] + 1], xtol=1e-14) if below.size else float(grid[0])
    right = brentq(excess, grid[above[0] - 1], grid[above[0]], xtol=1e-14) if above.size else float(grid[-1])
    return math.exp(left), math.exp(right)
