"""An analysis: which cards, which couplings, which ranges and priors.

The same choices come from the CLI options, from a YAML analysis file
(``schema: dpfit-analysis/1``, e.g. ``examples/x17.yaml``) or from Python::

    from dpfit.model.analysis import Analysis
    joint = Analysis(muon="WP20", limits=["na64"]).likelihood()

The defaults are the reference X17 analysis: WP25 muon, Rb20 electron, the
default limits (NA64, PADME), the ATOMKI ⁸Be 2016 region, universal ε, no
invisible width.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dpfit.errors import InputError
from dpfit.inputs.inputset import LEPTON_MASS, InputSet, load_inputs, parse_override, read_yaml, validate
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, JointLikelihood, PreferredRegion



def gm2_term(inputs: InputSet, lepton: str, scenario: str) -> Gm2Gaussian:
    """The Gaussian (g−2) term of a lepton's scenario card ('mu' or 'e', e.g. 'WP20')."""
    card = inputs.scenario(lepton, scenario)
    delta = inputs.delta_a(card.doc["delta_a"])
    return Gm2Gaussian(card.name, lepton, card.doc["scenario"], delta.value, delta.sigma,
                       inputs.mass(LEPTON_MASS[lepton]), inputs.alpha())


@dataclass(frozen=True)
class Analysis:
    """The choices of one analysis. Masses in MeV; ranges as (low, high).

    muon, electron: scenario names (None for no term of that lepton).
    limits: exclusion card names (None: the cards marked ``default: true``).
    atomki: region card name (None: no preferred-region term).
    mass_range: for free-mass fits, scans and the mass prior (None: the
    region's mass range, m0 ± σ for a box, ± 3σ for a Gaussian).
    """

    muon: str | None = "WP25"
    electron: str | None = "Rb20"
    limits: tuple[str, ...] | None = None
    atomki: str | None = "atomki"
    invisible_ratio: float = 0.0
    couplings: str = "universal"
    convention: str = "precise"
    inputs_dir: str | None = None
    overrides: tuple = ()
    mass_range: tuple[float, float] | None = None
    eps_range: tuple[float, float] = (1e-5, 1e-2)
    mass_prior: str = "uniform"
    eps_prior: str = "log-uniform"
    source: str = field(default="analysis options", compare=False)

    def __post_init__(self):
        # overrides as (key, value) pairs, whether they came as FILE.FIELD=VALUE text or from a YAML mapping
        object.__setattr__(self, "overrides", tuple(parse_override(o) if isinstance(o, str) else tuple(o)
                                                    for o in self.overrides))
        if self.inputs_dir is not None:  # provenance records where the overlay really is
            object.__setattr__(self, "inputs_dir", str(Path(self.inputs_dir).resolve()))
        for name in ("muon", "electron", "atomki"):  # 'none' (CLI, YAML) means no term
            if isinstance(getattr(self, name), str) and getattr(self, name).lower() == "none":
                object.__setattr__(self, name, None)
        if self.couplings not in ("universal", "lepton"):
            raise InputError(self.source, "couplings", f"expected universal or lepton, got '{self.couplings}'")
        if not self.invisible_ratio >= 0:
            raise InputError(self.source, "invisible_ratio", f"expected a number >= 0, got {self.invisible_ratio}")
        for name, rng in (("mass_range", self.mass_range), ("eps_range", self.eps_range)):
            if rng is not None and not (len(rng) == 2 and 0 < rng[0] < rng[1] < math.inf):
                raise InputError(self.source, name, f"expected [low, high] with 0 < low < high, got {list(rng)}")
        for name in ("muon", "electron"):
            value = getattr(self, name)
            if value is not None and "," in value:
                raise InputError(self.source, name, f"alternative scenarios are never combined: pick one of '{value}'")
        if self.mass_prior not in ("uniform", "gaussian"):
            raise InputError(self.source, "mass_prior", f"expected uniform or gaussian, got '{self.mass_prior}'")
        if self.eps_prior not in ("log-uniform", "uniform"):
            raise InputError(self.source, "eps_prior", f"expected log-uniform or uniform, got '{self.eps_prior}'")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_file(cls, path: str | Path, **changes) -> Analysis:
        """Read a YAML analysis file; ``changes`` (e.g. from CLI options) take precedence."""
        doc, _ = read_yaml(Path(path))
        validate(doc, "analysis", str(path))
        values = {k: v for k, v in doc.items() if k not in ("schema", "description")}
        if "atomki" in values and values["atomki"] is True:
            values["atomki"] = "atomki"
        if values.get("atomki") is False:
            values["atomki"] = None
        if "inputs" in values:
            inputs = values.pop("inputs")
            values["inputs_dir"] = None if inputs is None else str((Path(path).parent / inputs).resolve())
        file_overrides = tuple(values.pop("set", {}).items())  # (key, value): values keep their YAML types
        for key, _ in file_overrides:
            if not isinstance(key, str) or "." not in key:
                raise InputError(str(path), "set", f"expected keys FILE.FIELD, got {key!r}")
        values["overrides"] = file_overrides + tuple(changes.pop("overrides", None) or ())
        for key in ("mass_range", "eps_range", "limits"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        values.update({k: v for k, v in changes.items() if v is not None})
        return cls(source=str(path), **values)

    def replace(self, **changes) -> Analysis:
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ resolution
    @cached_property
    def inputs(self) -> InputSet:
        return load_inputs(self.inputs_dir, self.convention, self.overrides)

    def limit_cards(self) -> list[str]:
        """Names of the exclusion cards in use."""
        cards = {c.name: c for c in self.inputs.cards("exclusion")}
        if self.limits is None:
            return [name for name, c in sorted(cards.items()) if c.doc["default"]]
        for name in self.limits:
            if name not in cards:
                raise InputError(self.source, "limits", f"no exclusion card named '{name}'; known: {', '.join(sorted(cards))}")
        if len(set(self.limits)) != len(self.limits):
            raise InputError(self.source, "limits", "a limit is named twice")
        return list(self.limits)

    def region_card(self):
        if self.atomki is None:
            return None
        card = self.inputs.card(self.atomki)
        if card.kind != "region":
            raise InputError(self.source, "atomki", f"card '{self.atomki}' is a {card.kind} card, not a region")
        return card

    def terms(self) -> list:
        """The likelihood terms of this analysis, built from the cards."""
        inputs = self.inputs
        terms = []
        for lepton, scenario in (("mu", self.muon), ("e", self.electron)):
            if scenario is None:
                continue
            terms.append(gm2_term(inputs, lepton, scenario))
        for name in self.limit_cards():
            card = inputs.card(name)
            contour = inputs.contour(card.doc["data"])
            mass_range = tuple(card.doc.get("mass_range", (contour.mass[0], contour.mass[-1])))
            terms.append(Exclusion(name, card.doc["lepton"], contour.mass, contour.lower, contour.upper,
                                   mass_range, self.invisible_ratio, card.doc["visible_decay"]))
        if (card := self.region_card()) is not None:
            region = inputs.region(card.doc["data"])
            terms.append(PreferredRegion(card.name, card.doc["lepton"], region["mass"], region["mass_uncertainty"],
                                         region["eps_lower"], region["eps_upper"], card.doc["mass_model"]))
        if not terms:
            raise InputError(self.source, None, "no likelihood terms: choose a scenario, a limit or a region")
        return terms

    def likelihood(self) -> JointLikelihood:
        """The joint likelihood of this analysis."""
        return JointLikelihood(self.terms(), self.couplings)

    def resolved_mass_range(self) -> tuple[float, float]:
        """The mass range for free-mass work, MeV (see the class docstring)."""
        if self.mass_range is not None:
            return tuple(self.mass_range)
        card = self.region_card()
        if card is None:
            raise InputError(self.source, "mass_range", "without a preferred region, give a mass range (--mass-range LO HI)")
        region = self.inputs.region(card.doc["data"])
        width = region["mass_uncertainty"] * (3.0 if card.doc["mass_model"] == "gaussian" else 1.0)
        if not region["mass"] - width > 0:
            raise InputError(str(self.inputs.file(card.doc["data"]).path), "mass_uncertainty",
                             f"the mass range {region['mass']:g} +- {width:g} MeV reaches m <= 0; "
                             "give a positive --mass-range")
        return (region["mass"] - width, region["mass"] + width)

    def mass_prior_gaussian(self) -> tuple[float, float]:
        """(mean, σ) of a Gaussian mass prior, from the region card, MeV."""
        card = self.region_card()
        if card is None:
            raise InputError(self.source, "mass_prior", "a Gaussian mass prior needs a preferred region (--atomki)")
        region = self.inputs.region(card.doc["data"])
        return region["mass"], region["mass_uncertainty"]

    def describe(self) -> dict:
        """The analysis choices as a plain dict (for provenance)."""
        return {"muon": self.muon, "electron": self.electron, "limits": self.limit_cards(), "atomki": self.atomki,
                "invisible_ratio": self.invisible_ratio, "couplings": self.couplings, "convention": self.convention,
                "inputs_dir": self.inputs_dir, "overrides": [{"key": k, "value": v} for k, v in self.overrides],
                "mass_range": list(self.resolved_mass_range()) if self.mass_range or self.atomki else None,
                "eps_range": list(self.eps_range), "mass_prior": self.mass_prior, "eps_prior": self.eps_prior}
