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

from dpfit import arguments
from dpfit.errors import InputError
from dpfit.inputs.inputset import InputSet
from dpfit.inputs.limit_files import LimitFile, limit_file_record, parse_limit_file
from dpfit.inputs.load import load_inputs, parse_override
from dpfit.inputs.records import ExclusionCard, Gm2Card, RegionCard
from dpfit.inputs.safety import resolved
from dpfit.inputs.schema import validate
from dpfit.inputs.yaml_io import read_yaml
from dpfit.likelihood.couplings import CouplingMode
from dpfit.likelihood.joint import JointLikelihood
from dpfit.inputs.model_cards import REFERENCE_MODEL, load_model
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PoissonLimit, PreferredRegion
from dpfit.model.model import EpsPrior, MassPrior, Model
from dpfit.notes import Note, note
from dpfit.model.recast import Physics, RecastContour, recast_contour
from dpfit.physics.vector_models import VectorModel, production_ratio


def gm2_term(record: Gm2Card, model: VectorModel | None = None) -> Gm2Gaussian:
    """The Gaussian (g−2) term of a scenario record, with the lepton's vector and axial charges under ``model``
    (None: a dark photon's, Q_V² = 1)."""
    vector2, axial2 = (1.0, 0.0) if model is None else (model.squared_charge(record.lepton),
                                                         model.squared_charge(record.lepton, "axial"))
    return Gm2Gaussian(record.name, record.lepton, record.scenario, record.delta_a.value, record.delta_a.sigma,
                       record.lepton_mass, record.alpha, vector2, axial2)


def exclusion_term(record: ExclusionCard, invisible_ratio: float, limit_model: str = "step",
                   contour: RecastContour | None = None) -> Exclusion | PoissonLimit:
    """The term of an exclusion record: the hard step, or with ``limit_model='poisson'`` and a one-sided limit,
    the zero-event Poisson form (band exclusions stay hard). With a ``contour`` recast to a model (which
    holds the invisible width) its edges are used as they are; without, the edges move by the
    invisible-width ratio to first order."""
    if contour is not None:
        mass, lower, upper, invisible_ratio = contour.mass, contour.lower, contour.upper, 0.0
    else:
        mass, lower, upper = record.contour.mass, record.contour.lower, record.contour.upper
    if limit_model == "poisson" and record.one_sided:
        return PoissonLimit(record.name, record.lepton, mass, lower, record.mass_range, record.cl,
                            invisible_ratio, record.visible_decay)
    return Exclusion(record.name, record.lepton, mass, lower, upper, record.mass_range, invisible_ratio,
                     record.visible_decay, record.cl)


def region_term(record: RegionCard, charge: float = 1.0) -> PreferredRegion:
    """The step term of a preferred-region record; its ε_e box divided by the electron's charge per unit of the
    model's coupling (|Q_e| = 1 for a dark photon)."""
    return PreferredRegion(record.name, record.lepton, record.mass, record.mass_sigma, record.eps_lower / charge,
                           record.eps_upper / charge, record.mass_model)


@dataclass(frozen=True)
class Analysis:
    """The choices of one analysis. Masses in MeV; ranges as (low, high).

    muon, electron: scenario names (None for no term of that lepton).
    limits: exclusion card names (None: the cards marked ``default: true``).
    atomki: region card name (None: no preferred-region term).
    mass_range: for free-mass fits, scans and the mass prior (None: the
    region's mass range, m0 ± σ for a box, ± 3σ for a Gaussian).
    limit_files: contour files used as exclusions, ``PATH[:lepton=e][:cl=0.9][:name=...]``.
    limit_model: 'step' (hard exclusions, the source paper's) or 'poisson' (one-sided limits as
    zero observed events, no background; see :class:`PoissonLimit`).
    """

    muon: str | None = "WP25"
    electron: str | None = "Rb20"
    limits: tuple[str, ...] | None = None
    atomki: str | None = "atomki"
    invisible_ratio: float = 0.0
    couplings: CouplingMode = "universal"
    convention: str = "precise"
    inputs_dir: str | None = None
    overrides: tuple = ()
    mass_range: tuple[float, float] | None = None
    eps_range: tuple[float, float] = (1e-5, 1e-2)
    mass_prior: MassPrior = "uniform"
    eps_prior: EpsPrior = "log-uniform"
    limit_files: tuple = ()
    limit_model: str = "step"
    vector_model: str = REFERENCE_MODEL
    source: str = field(default="analysis options", compare=False)

    def __post_init__(self):
        for name in ("muon", "electron", "atomki", "convention", "couplings", "mass_prior", "eps_prior"):
            arguments.text_or_none(getattr(self, name), self.source, name)
        arguments.names(self.limits, self.source, "limits")
        arguments.real(self.invisible_ratio, self.source, "invisible_ratio", lo=0.0, hi=arguments.MAX_INVISIBLE_RATIO)
        arguments.positive_range(self.eps_range, self.source, "eps_range")
        if self.mass_range is not None:
            arguments.positive_range(self.mass_range, self.source, "mass_range")
        if self.inputs_dir is not None:
            arguments.path(self.inputs_dir, self.source, "inputs_dir")
        if isinstance(self.overrides, (str, bytes)) or not isinstance(self.overrides, (tuple, list)):
            raise InputError(self.source, "overrides", "expected a list of FILE.FIELD=VALUE texts or (key, value) pairs")
        # overrides as (key, value) pairs, whether they came as FILE.FIELD=VALUE text or from a YAML mapping
        object.__setattr__(self, "overrides", tuple(parse_override(o) if isinstance(o, str) else tuple(o)
                                                    for o in self.overrides))
        if self.inputs_dir is not None:  # provenance records where the overlay really is
            object.__setattr__(self, "inputs_dir", str(resolved(self.inputs_dir, self.source, "inputs_dir")))
        for name in ("muon", "electron", "atomki"):  # 'none' (CLI, YAML) means no term
            if isinstance(getattr(self, name), str) and getattr(self, name).lower() == "none":
                object.__setattr__(self, name, None)
        object.__setattr__(self, "limit_files", tuple(
            f if isinstance(f, LimitFile) else parse_limit_file(f, f"{self.source}: limit_files")
            for f in self.limit_files))
        if self.limit_model not in ("step", "poisson"):
            raise InputError(self.source, "limit_model", f"expected step or poisson, got '{self.limit_model}'")
        if self.couplings not in ("universal", "lepton"):
            raise InputError(self.source, "couplings", f"expected universal or lepton, got '{self.couplings}'")
        arguments.text_or_none(self.vector_model, self.source, "vector_model")
        if self.couplings == "lepton" and self.vector_model == REFERENCE_MODEL:  # the alias of --model lepton
            object.__setattr__(self, "vector_model", "lepton")
        elif self.couplings == "lepton" and self.vector_model != "lepton":
            raise InputError(self.source, "couplings", f"lepton couplings are the model 'lepton', not "
                                                       f"'{self.vector_model}'")
        if self.vector_model == "lepton":
            object.__setattr__(self, "couplings", "lepton")
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

    def __repr__(self) -> str:
        """The choices as given, without reading any file (``limits=None``: the cards marked default; a mass range
        of None: the region's)."""
        extra = f", inputs_dir={Path(self.inputs_dir).name!r}" if self.inputs_dir else ""
        extra += f", overrides={list(self.overrides)!r}" if self.overrides else ""
        extra += f", limit_files={[f.name for f in self.limit_files]!r}" if self.limit_files else ""
        limits = "default" if self.limits is None else list(self.limits)
        mass = "the region's" if self.mass_range is None else f"{tuple(self.mass_range)!r} MeV"
        return (f"Analysis(model={self.vector_model!r}, muon={self.muon!r}, electron={self.electron!r}, "
                f"limits={limits}, atomki={self.atomki!r}, convention={self.convention!r}, "
                f"invisible_ratio={self.invisible_ratio:g}, mass_range={mass}, eps_range={tuple(self.eps_range)!r}, "
                f"priors: m {self.mass_prior}, eps {self.eps_prior}{extra})")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_file(cls, path: str | Path, **changes) -> Analysis:
        """Read a YAML analysis file; ``changes`` (e.g. from CLI options) take precedence."""
        doc, _ = read_yaml(Path(path))
        validate(doc, "analysis", str(path))
        values = {k: v for k, v in doc.items() if k not in ("schema", "description")}
        if "model" in values:  # a model file is relative to the analysis file
            spec = values.pop("model")
            local = Path(path).parent / spec
            values["vector_model"] = str(local) if spec.endswith((".yaml", ".yml")) else spec
        if "atomki" in values and values["atomki"] is True:
            values["atomki"] = "atomki"
        if values.get("atomki") is False:
            values["atomki"] = None
        if "inputs" in values:
            inputs = values.pop("inputs")
            values["inputs_dir"] = None if inputs is None else str(resolved(Path(path).parent / inputs, str(path),
                                                                                     "inputs"))
        file_overrides = tuple(values.pop("set", {}).items())  # (key, value): values keep their YAML types
        for key, _ in file_overrides:
            if not isinstance(key, str) or "." not in key:
                raise InputError(str(path), "set", f"expected keys FILE.FIELD, got {key!r}")
        values["overrides"] = file_overrides + tuple(changes.pop("overrides", None) or ())
        for key in ("mass_range", "eps_range", "limits", "limit_files"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        # a limit file named in an analysis file is relative to that file
        values["limit_files"] = tuple(str(Path(path).parent / spec) for spec in values.get("limit_files") or ())
        values.update({k: v for k, v in changes.items() if v is not None})
        return cls(source=str(path), **values)

    def replace(self, **changes) -> Analysis:
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ resolution
    @cached_property
    def inputs(self) -> InputSet:
        # an overlay's broken file is reported when this analysis uses it, not before
        return load_inputs(self.inputs_dir, self.convention, self.overrides, lazy=True)

    def limit_cards(self) -> list[str]:
        """Names of the exclusion cards in use."""
        cards = {c.name: c for c in self.inputs.exclusion_cards()}
        if self.limits is None:
            self.inputs.check_broken_defaults()
            return [name for name, c in sorted(cards.items()) if c.default]
        for name in self.limits:
            if name not in cards:
                if any(key[1] == name for key in self.inputs.broken):
                    self.inputs.card(name)  # a broken card's own error
                raise InputError(self.source, "limits", f"no exclusion card named '{name}'; known: {', '.join(sorted(cards))}")
        if len(set(self.limits)) != len(self.limits):
            raise InputError(self.source, "limits", "a limit is named twice")
        return list(self.limits)

    def exclusion_records(self) -> list[ExclusionCard]:
        """The exclusion records in use: the cards', then the limit files'."""
        records = [self.inputs.record(name) for name in self.limit_cards()]
        records += [limit_file_record(f, self.inputs.alpha()) for f in self.limit_files]
        names = [r.name for r in records]
        if len(set(names)) != len(names):
            raise InputError(self.source, "limit_files", "two limits share a name; give a limit file :name=...")
        return records

    @cached_property
    def vector(self) -> VectorModel:
        """The vector model (a built-in card or a model file; :mod:`dpfit.inputs.model_cards`)."""
        source = "option --model" if self.source in ("analysis options", "option --model") else f"{self.source}: model"
        model = load_model(self.vector_model, source)
        if (len(model.parameters) == 2) != (self.couplings == "lepton"):
            raise InputError(source, "parameters", f"model '{model.name}' has {len(model.parameters)} parameter(s); "
                                                   f"one, or two read by the electron and the muon (the 'lepton' form)")
        return model

    def physics(self) -> Physics:
        """What recasting needs from the inputs: lepton and pion masses (MeV), α, the invisible width ratio."""
        inputs = self.inputs
        return Physics({"e": inputs.mass("m_e"), "mu": inputs.mass("m_mu")}, inputs.mass("m_pi_charged"),
                       inputs.alpha(), self.invisible_ratio)

    def _terms_and_notes(self) -> tuple[list, tuple[Note, ...]]:
        """The likelihood terms under the vector model, and notes on what the model changed or left out."""
        inputs, model = self.inputs, self.vector
        notes = [note("vector_model", model=model.name, description=model.description)]
        terms = []
        for lepton, scenario in (("mu", self.muon), ("e", self.electron)):
            if scenario is None:
                continue
            term = gm2_term(inputs.gm2_card(lepton, scenario), model)
            if term.vector_charge2 == 0 and term.axial_charge2 == 0:
                notes.append(note("gm2_no_coupling", lepton=lepton, scenario=scenario, model=model.name))
                continue
            terms.append(term)
        recast = len(model.parameters) == 1
        if not recast and self.exclusion_records():
            notes.append(note("limits_as_published"))
        for record in self.exclusion_records():
            if not recast and production_ratio(model, record.mechanism) == 0:
                notes.append(note("limit_no_production", limit=record.name, experiment=record.experiment,
                                  model=model.name, mechanism=record.mechanism))
                continue
            contour = recast_contour(record, model, self.physics()) if recast else None
            if contour is not None and contour.note:
                notes.append(contour.note)
            if contour is not None and not contour.constrains:
                continue
            terms.append(exclusion_term(record, self.invisible_ratio, self.limit_model, contour))
        if (region := self.region_card()) is not None:
            parameter, charge = model.coupling(region.lepton)  # the coupling that makes X -> e+e-
            if parameter is None:
                parameter, charge = model.coupling(region.lepton, "axial")
            if parameter is None:
                raise InputError(self.source, "atomki", f"the {model.name} model does not couple to the "
                                                        f"{region.lepton}: the region {region.name} cannot be reached")
            terms.append(region_term(region, abs(charge)))
        if not terms:
            raise InputError(self.source, None, "no likelihood terms: choose a scenario, a limit or a region")
        return terms, tuple(notes)

    def region_card(self) -> RegionCard | None:
        """The preferred-region record in use (None without one)."""
        if self.atomki is None:
            return None
        card = self.inputs.card(self.atomki)
        if card.kind != "region":
            raise InputError(self.source, "atomki", f"card '{self.atomki}' is a {card.kind} card, not a region")
        return self.inputs.record(self.atomki)

    def terms(self) -> list:
        """The likelihood terms of this analysis under its vector model, built from the card records."""
        return self._terms_and_notes()[0]

    def likelihood(self) -> JointLikelihood:
        """The joint likelihood of this analysis."""
        return self.model().joint

    def model(self) -> Model:
        """The model of this analysis against its input set: likelihood, parameters, ranges, priors."""
        if "_model" not in self.__dict__:
            gaussian = self.mass_prior_gaussian() if self.mass_prior == "gaussian" else None
            mass_range = self.resolved_mass_range() if (self.mass_range or self.atomki) else None
            terms, notes = self._terms_and_notes()
            model = Model(JointLikelihood(terms, self.couplings), mass_range, tuple(self.eps_range),
                          self.mass_prior, self.eps_prior, gaussian, self.region_card(), self.describe(), notes)
            object.__setattr__(self, "_model", model)
        return self.__dict__["_model"]

    def resolved_mass_range(self) -> tuple[float, float]:
        """The mass range for free-mass work, MeV (see the class docstring)."""
        if self.mass_range is not None:
            return tuple(self.mass_range)
        region = self.region_card()
        if region is None:
            raise InputError(self.source, "mass_range", "without a preferred region, give a mass range")
        lo, hi = region_term(region).mass_range()  # one rule for the region's masses: the term's
        if not lo > 0:
            raise InputError(str(self.inputs.file(region.data).path), "mass_uncertainty",
                             f"the mass range {region.mass:g} +- {region.mass - lo:g} MeV reaches m <= 0; "
                             "give a positive mass range")
        return (lo, hi)

    def mass_prior_gaussian(self) -> tuple[float, float]:
        """(mean, σ) of a Gaussian mass prior, from the region card, MeV."""
        region = self.region_card()
        if region is None:
            raise InputError(self.source, "mass_prior", "a Gaussian mass prior needs a preferred region")
        return region.mass, region.mass_sigma

    def title(self) -> str:
        """One line naming the analysis' terms, for a figure's title."""
        d = self.describe()
        parts = [f"(g-2)_mu {d['muon']}" if d["muon"] else None, f"(g-2)_e {d['electron']}" if d["electron"] else None,
                 ("limits: " + ", ".join(d["limits"])) if d["limits"] else None, d["atomki"],
                 f"model {d['model']}", f"{d['convention']} convention"]
        return "dpfit: " + "; ".join(p for p in parts if p)

    def experiment(self, name: str) -> str:
        """The experiment behind a card (the card's name for anything else, e.g. a limit file)."""
        try:
            return self.inputs.record(name).experiment
        except InputError:
            return name

    def job_identity(self) -> dict:
        """What fixes the likelihood of a stored job: the choices (:meth:`describe`, with the SHA-256 of each
        limit file) and the digest of the resolved input set (every file's SHA-256, the convention, the overrides)."""
        return {"analysis": self.describe(), "inputs_digest": self.inputs.digest()}

    def describe(self) -> dict:
        """The analysis choices as a plain dict (for provenance)."""
        return {"muon": self.muon, "electron": self.electron, "limits": self.limit_cards(), "atomki": self.atomki,
                "invisible_ratio": self.invisible_ratio, "couplings": self.couplings, "model": self.vector_model,
                "convention": self.convention,
                "inputs_dir": self.inputs_dir, "overrides": [{"key": k, "value": v} for k, v in self.overrides],
                "mass_range": list(self.resolved_mass_range()) if self.mass_range or self.atomki else None,
                "eps_range": list(self.eps_range), "mass_prior": self.mass_prior, "eps_prior": self.eps_prior,
                "limit_files": [f.describe() for f in self.limit_files], "limit_model": self.limit_model}
