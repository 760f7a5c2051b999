"""An input set: every validated data file and card of one run, with accessors in internal units.

Built by :func:`dpfit.inputs.load.load_inputs`. Cards resolve once into typed
records (:mod:`dpfit.inputs.records`): :meth:`InputSet.gm2_card`,
:meth:`InputSet.exclusion_cards`, :meth:`InputSet.region_card`.
"""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from dpfit.errors import InputError
from dpfit.inputs.broken import BrokenFiles
from dpfit.inputs.contours import READERS, Contour, contour_in_eps, read_contour_bytes
from dpfit.inputs.safety import confined
from dpfit.inputs.records import MECHANISM, ExclusionCard, Gm2Card, Measurement, RegionCard, contour_mass_range
from dpfit.physics.units import UNITS, unit_factor

CONVENTIONS = ("precise", "paper")
#: data file of each lepton's mass
LEPTON_MASS = {"mu": "m_mu", "e": "m_e"}
#: constants every input set must define, with the dimension of their unit
CONSTANTS = {"alpha": "dimensionless", "m_mu": "mass", "m_e": "mass", "hbar": "action", "m_pi_charged": "mass"}


@dataclass(frozen=True)
class InputFile:
    """One validated input file. ``origin`` says which layer it came from."""

    name: str
    role: str
    path: Path
    doc: dict
    sha256: str
    origin: str
    layer_root: Path | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.doc["kind"]

    @property
    def layer(self) -> str:
        """The layer's name without machine paths: 'default', 'convention paper', 'overlay' (+ '--set')."""
        name = "overlay" if self.origin.startswith("overlay") else self.origin.removesuffix(" + --set")
        return name + (" + --set" if self.origin.endswith(" + --set") else "")

    @property
    def relative_path(self) -> str:
        """The file's path relative to its layer's directory (its name when the layer is unknown)."""
        if self.layer_root is not None:
            try:
                return self.path.relative_to(self.layer_root).as_posix()
            except ValueError:
                pass
        return self.path.name


class InputSet(BrokenFiles):
    """All validated inputs of one run, with accessors returning internal units."""

    def __init__(self, files: dict, overrides: list[tuple[str, object]], convention: str, broken: dict | None = None):
        self._files = files
        self.overrides = overrides
        self.convention = convention
        #: overlay files that failed to read or validate, by (role, name): raised when used
        self.broken: dict[tuple[str, str], InputError] = dict(broken or {})

    # -- access
    def file(self, name: str, role: str = "data") -> InputFile:
        """The input file of that name and role; its own error if it is broken; InputError with close
        matches if absent."""
        for key in ((role, name), ("unreadable", name)):
            if key in self.broken:
                raise self.broken[key]
        try:
            return self._files[(role, name)]
        except KeyError:
            names = sorted(n for r, n in self._files if r == role)
            close = difflib.get_close_matches(name, names, n=3)
            hint = f"; close matches: {', '.join(close)}" if close else f"; known: {', '.join(names)}"
            raise InputError(f"{role} '{name}'", None, f"no such {role} file{hint}") from None

    def names(self, role: str) -> list[str]:
        return sorted(n for r, n in self._files if r == role)

    def files(self) -> list[InputFile]:
        """Every usable input file (broken overlay files left out)."""
        return [self._files[k] for k in sorted(self._files) if k not in self.broken]

    def cards(self, kind: str | None = None) -> list[InputFile]:
        return [f for f in self.files() if f.role == "card" and (kind is None or f.kind == kind)]

    def card(self, name: str) -> InputFile:
        return self.file(name, "card")

    def _doc(self, name: str, kinds: tuple[str, ...]) -> InputFile:
        entry = self.file(name)
        if entry.kind not in kinds:
            raise InputError(str(entry.path), "kind", f"expected {' or '.join(kinds)} here, got '{entry.kind}'")
        return entry

    def quantity(self, name: str, dimension: str = "dimensionless") -> Measurement:
        """A ``quantity`` file's value and uncertainty in internal units (inverse undone)."""
        entry = self._doc(name, ("quantity",))
        doc = entry.doc
        try:
            factor = unit_factor(doc["unit"], dimension)
        except ValueError as exc:
            raise InputError(str(entry.path), "unit", str(exc)) from None
        value, sigma = float(doc["value"]), float(doc.get("uncertainty", 0.0))
        if doc.get("inverse", False):
            if value == 0:
                raise InputError(str(entry.path), "value", "an inverse quantity cannot be 0")
            with np.errstate(over="ignore", under="ignore"):
                value, sigma = 1.0 / value, sigma / value / value
        result = Measurement(value * factor, sigma * factor)
        if not (math.isfinite(result.value) and math.isfinite(result.sigma)) or (
                doc.get("inverse", False) and result.value == 0):
            raise InputError(str(entry.path), "value", "number out of range")
        return result

    def alpha(self) -> float:
        """The fine-structure constant used for couplings and loops (data file ``alpha``)."""
        return self.quantity("alpha").value

    def mass(self, name: str) -> float:
        """A mass constant (``m_mu``, ``m_e``) in MeV."""
        return self.quantity(name, "mass").value

    def delta_a(self, name: str) -> Measurement:
        """Δa = a_exp − a_SM (dimensionless) from a quantity, difference or ae_difference file."""
        entry = self._doc(name, ("quantity", "difference", "ae_difference"))
        doc = entry.doc
        if entry.kind == "quantity":
            return self.quantity(name)
        experiment = self.quantity(doc["experiment"])
        if entry.kind == "difference":
            prediction = self.quantity(doc["prediction"])
        else:
            prediction = self._a_e_sm(doc)
        return Measurement(experiment.value - prediction.value, math.hypot(experiment.sigma, prediction.sigma))

    def _a_e_sm(self, doc: dict) -> Measurement:
        from dpfit.physics.electron_sm import a_e_sm, parse_ae_theory

        alpha_file = self._doc(doc["alpha"], ("quantity",))
        if not alpha_file.doc.get("inverse", False):
            raise InputError(str(alpha_file.path), "inverse", "an α used for a_e(SM) must be given as 1/α (inverse: true)")
        theory_file = self._doc(doc["theory"], ("ae_sm_theory",))
        theory = parse_ae_theory(theory_file.doc, str(theory_file.path))
        inverse = alpha_file.doc["value"] * unit_factor(alpha_file.doc["unit"], "dimensionless")
        sigma_inverse = alpha_file.doc.get("uncertainty", 0.0) * unit_factor(alpha_file.doc["unit"], "dimensionless")
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                value, sigma = a_e_sm(inverse, sigma_inverse, theory)
            except OverflowError:
                value = sigma = math.inf
        if not (math.isfinite(value) and math.isfinite(sigma)):
            raise InputError(str(theory_file.path), "terms", "numbers out of range: a_e(SM) is not finite")
        return Measurement(float(value), float(sigma))

    def contour(self, name: str) -> Contour:
        """An ``exclusion`` file as a Contour in ε (g_ve converted with the run's α), masses in MeV."""
        entry = self._doc(name, ("exclusion",))
        doc, source = entry.doc, str(entry.path)
        if "point" in doc:
            point = doc["point"]
            mass = point["mass"] * self._unit(entry, "mass_unit", "mass", "MeV")
            scale = self._unit(entry, "unit", "dimensionless", "1")
            upper = point.get("upper", math.inf) * scale
            if not point["lower"] * scale < upper:
                raise InputError(source, "point.upper", "the upper edge must be above the lower edge")
            contour = Contour(np.array([mass]), np.array([point["lower"] * scale]), np.array([upper]), doc["coupling"])
        else:
            path = self.contour_path(entry)
            contour = READERS[doc["contour"]["format"]](path)
            if contour.coupling != doc["coupling"]:
                raise InputError(source, "coupling", f"the contour file {path.name} holds '{contour.coupling}', not '{doc['coupling']}'")
        return contour_in_eps(contour, self.alpha(), source, "coupling")

    @staticmethod
    def _unit(entry: InputFile, field: str, dimension: str, default: str) -> float:
        try:
            return unit_factor(entry.doc.get(field, default), dimension)
        except ValueError as exc:
            raise InputError(str(entry.path), field, str(exc)) from None

    def region(self, name: str) -> dict:
        """A ``region`` file: mass and its uncertainty in MeV, and the ε range."""
        entry = self._doc(name, ("region",))
        doc = entry.doc
        if not doc["eps_lower"] < doc["eps_upper"]:
            raise InputError(str(entry.path), "eps_upper", "must be above eps_lower")
        factor = self._unit(entry, "mass_unit", "mass", "MeV")
        return {"mass": doc["mass"] * factor, "mass_uncertainty": doc["mass_uncertainty"] * factor,
                "eps_lower": doc["eps_lower"], "eps_upper": doc["eps_upper"], "experiment": doc["experiment"]}

    def scenarios(self, lepton: str) -> list[InputFile]:
        """The (g−2) cards of a lepton, in the order of the scenarios' dates (then names)."""
        cards = [c for c in self.cards("gm2_gaussian") if c.doc["lepton"] == lepton]
        return sorted(cards, key=lambda c: (str(self.file(c.doc["delta_a"]).doc.get("date", "")), c.name))

    def scenario(self, lepton: str, name: str) -> InputFile:
        """The (g−2) card of ``lepton`` whose scenario is ``name`` (case-insensitive)."""
        cards = self.scenarios(lepton)
        for card in cards:
            if card.doc["scenario"].lower() == name.lower():
                return card
        failed = self._broken_scenario_cards(lepton, name)
        if failed and failed[0][0]:  # an overlay card that defines this scenario failed: its own error
            raise failed[0][1]
        known = ", ".join(c.doc["scenario"] for c in cards)
        unusable = f"; overlay file(s) that failed and may define it: {failed[0][1]}" if failed else ""
        raise InputError("muon" if lepton == "mu" else "electron", None,
                         f"unknown {lepton} scenario '{name}'; known: {known}{unusable}")

    # -- records (each card resolved once)
    @cached_property
    def _records(self) -> dict:
        return {}

    def record(self, name: str) -> Gm2Card | ExclusionCard | RegionCard:
        """The typed record of the card ``name`` (resolved on first use, then kept)."""
        if name not in self._records:
            card = self.card(name)
            doc = card.doc
            if card.kind == "gm2_gaussian":
                record = Gm2Card(card.name, doc["lepton"], doc["scenario"], self.delta_a(doc["delta_a"]),
                                 self.mass(LEPTON_MASS[doc["lepton"]]), self.alpha(), doc["description"], doc["delta_a"])
            elif card.kind == "exclusion":
                contour = self.contour(doc["data"])
                data = self.file(doc["data"]).doc
                mass_range = tuple(doc["mass_range"]) if "mass_range" in doc else contour_mass_range(contour)
                production = doc.get("production", "electron" if doc["lepton"] == "e" else "muon")
                record = ExclusionCard(card.name, doc["lepton"], data["experiment"], float(data["cl"]), contour,
                                       mass_range, doc["visible_decay"], doc["default"], doc["description"], doc["data"],
                                       production, doc.get("mechanism", MECHANISM[production]),
                                       doc.get("decay", "e_e" if doc["visible_decay"] else "any"),
                                       doc.get("length_ratio"))
            else:
                region = self.region(doc["data"])
                record = RegionCard(card.name, doc["lepton"], region["experiment"], region["mass"],
                                    region["mass_uncertainty"], region["eps_lower"], region["eps_upper"],
                                    doc["mass_model"], doc["description"], doc["data"])
            self._records[name] = record
        return self._records[name]

    def gm2_card(self, lepton: str, scenario: str) -> Gm2Card:
        """The (g−2) record of a lepton's scenario (e.g. 'mu', 'WP25'; case-insensitive)."""
        return self.record(self.scenario(lepton, scenario).name)

    def gm2_cards(self, lepton: str) -> list[Gm2Card]:
        """Every (g−2) record of a lepton, in the order of the scenarios' dates."""
        return [self.record(c.name) for c in self.scenarios(lepton)]

    def exclusion_cards(self) -> list[ExclusionCard]:
        """Every exclusion record, by name."""
        return [self.record(c.name) for c in self.cards("exclusion")]

    def region_card(self, name: str) -> RegionCard:
        """The region record ``name``; InputError if that card is not a region."""
        card = self.card(name)
        if card.kind != "region":
            raise InputError(f"card '{name}'", "kind", f"card '{name}' is a {card.kind} card, not a region")
        return self.record(name)

    # -- checks
    def check(self, lazy: bool = False) -> None:
        """Cross-check every file: references, units, derived values, contour files. With ``lazy``, an
        overlay file that fails is recorded in :attr:`broken` instead (see :func:`load_inputs`)."""
        for name, dimension in CONSTANTS.items():
            try:
                value = self.quantity(name, dimension).value
            except InputError as exc:
                if not (lazy and self._is_broken(exc)):
                    raise
                continue
            if not value > 0:
                raise InputError(str(self.file(name).path), "value", f"{name} must be > 0")
        seen: dict[tuple[str, str], str] = {}
        for entry in sorted(self.files(), key=lambda f: f.role != "data"):  # data before the cards using it
            try:
                if entry.role == "data":
                    self._check_data(entry)
                else:
                    self._check_card(entry)
            except InputError as exc:
                overlay = entry.origin.startswith("overlay") and "--set" not in entry.origin
                if not (lazy and (overlay or self._is_broken(exc))):  # a default file failing on a broken overlay one
                    raise
                self.broken[(entry.role, entry.name)] = exc
                continue
            if entry.role != "data":
                if entry.kind == "gm2_gaussian":
                    key = (entry.doc["lepton"], entry.doc["scenario"].lower())
                    if key in seen:
                        raise InputError(str(entry.path), "scenario",
                                         f"scenario '{entry.doc['scenario']}' is also defined by card '{seen[key]}'")
                    seen[key] = entry.name

    def _check_data(self, entry: InputFile) -> None:
        kind = entry.kind
        if kind == "quantity":
            dim = UNITS[entry.doc["unit"]][0]
            self.quantity(entry.name, dim)
        elif kind in ("difference", "ae_difference"):
            for key in ("experiment", "prediction", "alpha", "theory"):
                if key in entry.doc:
                    self._reference(entry, key)
            self.delta_a(entry.name)
        elif kind == "ae_sm_theory":
            from dpfit.physics.electron_sm import parse_ae_theory

            parse_ae_theory(entry.doc, str(entry.path))
        elif kind == "exclusion":
            self.contour(entry.name)
        elif kind == "region":
            self.region(entry.name)

    def _reference(self, entry: InputFile, field: str) -> str:
        """The data file named by ``entry.doc[field]``; InputError naming entry and field if absent."""
        ref = entry.doc[field]
        if ref not in self.names("data"):
            close = difflib.get_close_matches(ref, self.names("data"), n=3)
            hint = f"; close matches: {', '.join(close)}" if close else ""
            raise InputError(str(entry.path), field, f"no data file named '{ref}'{hint}")
        return ref

    def _check_card(self, entry: InputFile) -> None:
        doc, source = entry.doc, str(entry.path)
        ref = self._reference(entry, "delta_a" if entry.kind == "gm2_gaussian" else "data")
        if entry.kind == "gm2_gaussian":
            self.delta_a(ref)
        elif entry.kind == "exclusion":
            contour = self.contour(ref)
            mass_range = doc.get("mass_range")
            if mass_range is None and contour.mass.size == 1:
                raise InputError(source, "mass_range", "a single-point limit needs the mass range it applies to")
            if mass_range is not None and not mass_range[0] < mass_range[1]:
                raise InputError(source, "mass_range", "expected [low, high] with low < high (MeV)")
            if not doc["visible_decay"] and "visible_decay_reason" not in doc:
                raise InputError(source, "visible_decay_reason",
                                 "a limit the invisible width does not rescale (visible_decay: false) needs a reason")
        elif entry.kind == "region":
            self.region(ref)

    # -- provenance
    def used_files(self, names) -> list[InputFile]:
        """The files that cards or data files ``names`` read, following references (any string field
        naming a data file), plus the constants every result uses (alpha, m_mu, m_e)."""
        data = {n for r, n in self._files if r == "data"}
        todo = [("card", n) if ("card", n) in self._files else ("data", n) for n in names]
        todo += [("data", n) for n in CONSTANTS if n in data]
        seen: dict[tuple[str, str], InputFile] = {}
        while todo:
            key = todo.pop()
            if key in seen or key not in self._files:
                continue
            seen[key] = entry = self._files[key]
            todo += [("data", v) for v in _strings(entry.doc) if v in data and ("data", v) != key]
        return [seen[k] for k in sorted(seen)]

    def digest(self) -> str:
        """SHA-256 of the whole input set: every file's role, name and SHA-256, the convention, the overrides."""
        text = "\n".join([self.convention] + [f"{f.role}/{f.name}/{f.sha256}" for f in self.files()]
                         + [f"set {k}={v!r}" for k, v in self.overrides])
        return hashlib.sha256(text.encode()).hexdigest()

    def provenance(self, used=None) -> dict:
        """What produced a result: convention, the input files it used (``used``: card or data names and
        what they reference; None: every file), each with its layer, its path relative to that layer and
        its SHA-256, the digest of the whole input set, the overrides. No absolute paths."""
        chosen = self.files() if used is None else self.used_files(used)
        files = [{"name": f.name, "role": f.role, "layer": f.layer, "path": f.relative_path, "sha256": f.sha256}
                 for f in chosen]
        for f in chosen:
            if f.role == "data" and f.kind == "exclusion" and "contour" in f.doc:
                path = self.contour_path(f)
                digest = hashlib.sha256(read_contour_bytes(path)).hexdigest() if path.is_file() else None
                relative = (Path(f.relative_path).parent / f.doc["contour"]["file"]).as_posix()
                files.append({"name": path.name, "role": f"contour of {f.name}", "layer": f.layer,
                              "path": relative, "sha256": digest})
        return {"convention": self.convention, "inputs_digest": self.digest(), "files": files,
                "overrides": [{"key": k, "value": v} for k, v in self.overrides]}

    @staticmethod
    def contour_path(entry: InputFile) -> Path:
        """The contour file a data file names, relative to the data file's directory and confined to it
        (or to the shipped data): see :func:`dpfit.inputs.safety.confined`."""
        from dpfit.inputs.schema import default_dir

        return confined(entry.path.parent, entry.doc["contour"]["file"], (entry.path.parent, default_dir("data")),
                        str(entry.path), "contour.file")


def _strings(node):
    """Every string value in a nested document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
