"""Reading and validating dpfit's inputs: data files, likelihood cards, overlays, overrides.

Layers, later ones replacing earlier ones file by file (a file's name is its stem):

1. the defaults shipped with dpfit (``data/`` and ``likelihoods/``);
2. the convention overlay (``data/conventions/<name>/``; none for ``precise``);
3. a user directory (``--inputs DIR``), whose YAML files (searched recursively)
   are data files (``schema: dpfit-data/1``) or cards (``schema: dpfit-card/1``);
4. ``--set FILE.FIELD=VALUE`` overrides.

Every file is validated against the JSON Schema ``dpfit/schemas/v1.json`` and
then cross-checked (references, units, contour files); any problem raises
:class:`dpfit.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from dpfit.inputs.contours import READERS, Contour
from dpfit.errors import InputError
from dpfit.physics.coupling import eps_from_g
from dpfit.inputs.units import UNITS, unit_factor

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATA_SCHEMA = "dpfit-data/1"
CARD_SCHEMA = "dpfit-card/1"
ANALYSIS_SCHEMA = "dpfit-analysis/1"
CONVENTIONS = ("precise", "paper")
#: document kind -> name of its definition in the JSON Schema
DATA_KINDS = {k: k for k in ("quantity", "difference", "ae_difference", "ae_sm_theory", "exclusion", "region", "printed_values")}
CARD_KINDS = {"gm2_gaussian": "gm2_gaussian", "exclusion": "exclusion_card", "region": "region_card"}
ROLES = {DATA_SCHEMA: ("data", DATA_KINDS), CARD_SCHEMA: ("card", CARD_KINDS)}
#: data file of each lepton's mass
LEPTON_MASS = {"mu": "m_mu", "e": "m_e"}
#: constants every input set must define, with the dimension of their unit
CONSTANTS = {"alpha": "dimensionless", "m_mu": "mass", "m_e": "mass", "hbar": "action"}


def default_dir(kind: str) -> Path:
    """The shipped ``data`` or ``likelihoods`` directory (inside the installed package, or the checkout)."""
    for candidate in (PACKAGE_DIR / kind, PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"dpfit's default '{kind}' directory is missing from the installation")


@dataclass(frozen=True)
class Measurement:
    """A value with its 1σ uncertainty, in internal units (dimensionless or MeV)."""

    value: float
    sigma: float


@dataclass(frozen=True)
class InputFile:
    """One validated input file. ``origin`` says which layer it came from."""

    name: str
    role: str
    path: Path
    doc: dict
    sha256: str
    origin: str

    @property
    def kind(self) -> str:
        return self.doc["kind"]


# ----------------------------------------------------------------------------- reading


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, reading ``1e-4`` as a number (YAML 1.2) rather than a string (YAML 1.1)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+
                  |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)
                  |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


def parse_yaml(text: str | bytes):
    """Parse YAML text with dpfit's loader (safe; 1e-4 is a number)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader


def _check_finite(node, source: str, prefix: str = "") -> None:
    """Reject NaN, infinities, numbers beyond float range and non-text keys anywhere in a parsed document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise InputError(source, prefix or None, f"keys must be text, got {key!r}")
            _check_finite(value, source, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_finite(value, source, f"{prefix}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise InputError(source, prefix or None, f"expected a finite number, got {node}")
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > 1e300:
        raise InputError(source, prefix or None, "number out of range")


def read_yaml(path: Path) -> tuple[dict, bytes]:
    """Parse a YAML file into a mapping; return it with the raw bytes (for hashing)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(source, None, f"cannot read file: {exc.strerror}") from None
    try:
        doc = parse_yaml(raw)
    except RecursionError:
        raise InputError(source, None, "malformed YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(source, None, f"malformed YAML{where}: {problem}") from None
    if not isinstance(doc, dict):
        raise InputError(source, None, f"expected a YAML mapping at the top level, got {type(doc).__name__}")
    _check_finite(doc, source)
    return doc, raw


@cache
def schema() -> dict:
    """The JSON Schema of every dpfit document (parsed once, on first use)."""
    return json.loads((PACKAGE_DIR / "schemas" / "v1.json").read_text())


def _describe(error: jsonschema.ValidationError) -> tuple[str | None, str]:
    """Turn a jsonschema error into (dotted field, message)."""
    path = ".".join(str(p) for p in error.absolute_path) or None
    validator, instance = error.validator, error.instance
    if validator == "required":
        missing = error.message.split("'")[1]
        return (f"{path}.{missing}" if path else missing), "missing (required)"
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(instance) - set(allowed))
        hint = difflib.get_close_matches(extra[0], allowed, n=1) if extra else []
        field = f"{path}.{extra[0]}" if path and extra else (extra[0] if extra else path)
        return field, "unknown field" + (f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}")
    if validator == "enum":
        return path, f"expected one of {', '.join(map(str, error.validator_value))}, got {instance!r}"
    if validator == "const":
        return path, f"expected {error.validator_value!r}, got {instance!r}"
    if validator in ("exclusiveMinimum", "minimum"):
        bound = "> " if validator == "exclusiveMinimum" else ">= "
        return path, f"expected a number {bound}{error.validator_value}, got {instance!r}"
    if validator == "oneOf" and isinstance(instance, dict):
        options = [s.get("required", []) for s in error.validator_value]
        names = " or ".join("'" + "', '".join(o) + "'" for o in options)
        return path, f"expected exactly one of {names}"
    if validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(("an " if w in ("array", "object", "integer") else "a ") + w for w in wanted)
        return path, f"expected {names}, got {type(instance).__name__} {instance!r}"
    return path, error.message


def validate(doc: dict, definition: str, source: str) -> None:
    """Validate ``doc`` against ``$defs/<definition>`` of the schema; raise InputError on failure."""
    root = schema()
    validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]})
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        field, message = _describe(error)
        raise InputError(source, field, message)


def _classify(doc: dict, source: str) -> tuple[str, str]:
    """Role ('data' or 'card') and schema definition of a document, from its 'schema' and 'kind'."""
    tag = doc.get("schema")
    if not isinstance(tag, str) or tag not in ROLES:
        raise InputError(source, "schema", f"expected '{DATA_SCHEMA}' or '{CARD_SCHEMA}', got {tag!r}")
    role, kinds = ROLES[tag]
    kind = doc.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise InputError(source, "kind", f"expected one of {', '.join(kinds)}, got {kind!r}")
    return role, kinds[kind]


def _scan(directory: Path, origin: str, skip: Path | None = None) -> list[InputFile]:
    """Every YAML input file below ``directory`` (sorted), except those under ``skip``."""
    found = []
    for path in sorted(p for ext in ("*.yaml", "*.yml") for p in directory.rglob(ext)):
        if skip is not None and skip in path.parents:
            continue
        doc, raw = read_yaml(path)
        if doc.get("schema") == ANALYSIS_SCHEMA:  # an analysis file kept beside its overlay is not an input
            continue
        role, _ = _classify(doc, str(path))
        found.append(InputFile(path.stem, role, path, doc, hashlib.sha256(raw).hexdigest(), origin))
    return found


# ----------------------------------------------------------------------------- overrides


def parse_override(text: str) -> tuple[str, object]:
    """Split ``FILE.FIELD=VALUE`` (VALUE read as YAML, so numbers are numbers)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or "." not in key:
        raise InputError("--set", text, "expected FILE.FIELD=VALUE, e.g. a_mu_sm_wp25.value=116592040")
    try:
        parsed = parse_yaml(value)
    except (yaml.YAMLError, RecursionError):
        raise InputError("--set", key, f"cannot read the value '{value}'") from None
    return key, parsed


def _apply_override(files: dict, key: str, value) -> None:
    if not isinstance(key, str) or "." not in key:
        raise InputError("--set", str(key), "expected a key FILE.FIELD, e.g. a_mu_sm_wp25.value")
    name, _, field = key.partition(".")
    matches = [k for k in files if k[1] == name]
    if not matches:
        close = difflib.get_close_matches(name, sorted({k[1] for k in files}), n=3)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise InputError("--set", key, f"no input file named '{name}'{hint}")
    if len(matches) > 1:
        raise InputError("--set", key, f"'{name}' names both a data file and a card; rename one")
    entry = files[matches[0]]
    doc = copy.deepcopy(entry.doc)
    node, parts = doc, field.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if not isinstance(node, dict) or (part not in node and not last):
            raise InputError("--set", key, f"{entry.path} has no field '{'.'.join(parts[:depth + 1])}'")
        if last and part not in node:
            props = schema()["$defs"][_classify(doc, str(entry.path))[1]].get("properties", {}) if depth == 0 else {}
            if part not in props:
                close = difflib.get_close_matches(part, sorted(set(node) | set(props)), n=3)
                hint = f"; close matches: {', '.join(close)}" if close else ""
                raise InputError("--set", key, f"{entry.path} has no field '{field}'{hint}")
        if last:
            node[part] = value
        else:
            node = node[part]
    _check_finite(doc, "--set", key)
    origin = entry.origin if entry.origin.endswith(" + --set") else entry.origin + " + --set"
    files[matches[0]] = InputFile(entry.name, entry.role, entry.path, doc, entry.sha256, origin)


# ----------------------------------------------------------------------------- the set


class InputSet:
    """All validated inputs of one run, with accessors returning internal units."""

    def __init__(self, files: dict, overrides: list[tuple[str, object]], convention: str):
        self._files = files
        self.overrides = overrides
        self.convention = convention

    # -- access
    def file(self, name: str, role: str = "data") -> InputFile:
        """The input file of that name and role; InputError with close matches if absent."""
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
        return [self._files[k] for k in sorted(self._files)]

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
        if contour.coupling == "g_ve":
            with np.errstate(over="ignore"):
                contour = Contour(contour.mass, eps_from_g(contour.lower, self.alpha()),
                                  eps_from_g(contour.upper, self.alpha()), "eps")
            if not np.all(np.isfinite(contour.lower)):
                raise InputError(source, "coupling", "a g_ve value is out of range once converted to eps")
        return contour

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
        known = ", ".join(c.doc["scenario"] for c in cards)
        raise InputError("option --muon" if lepton == "mu" else "option --electron", None,
                         f"unknown {lepton} scenario '{name}'; known: {known}")

    # -- checks
    def check(self) -> None:
        """Cross-check every file: references, units, derived values, contour files."""
        for name, dimension in CONSTANTS.items():
            if not self.quantity(name, dimension).value > 0:
                raise InputError(str(self.file(name).path), "value", f"{name} must be > 0")
        seen: dict[tuple[str, str], str] = {}
        for entry in sorted(self.files(), key=lambda f: f.role != "data"):  # data before the cards using it
            if entry.role == "data":
                self._check_data(entry)
            else:
                self._check_card(entry)
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
            for field in ("experiment", "prediction", "alpha", "theory"):
                if field in entry.doc:
                    self._reference(entry, field)
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
        elif entry.kind == "region":
            self.region(ref)

    # -- provenance
    def provenance(self) -> dict:
        """What produced a result: convention, every input file with its SHA-256, the overrides."""
        files = [{"name": f.name, "role": f.role, "path": str(f.path), "origin": f.origin, "sha256": f.sha256}
                 for f in self.files()]
        for f in self.files():
            if f.role == "data" and f.kind == "exclusion" and "contour" in f.doc:
                path = self.contour_path(f)
                digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
                files.append({"name": path.name, "role": f"contour of {f.name}", "path": str(path),
                              "origin": f.origin, "sha256": digest})
        return {"convention": self.convention, "files": files,
                "overrides": [{"key": k, "value": v} for k, v in self.overrides]}

    @staticmethod
    def contour_path(entry: InputFile) -> Path:
        """The contour file a data file names, relative to the data file's directory."""
        return (entry.path.parent / entry.doc["contour"]["file"]).resolve()


def load_inputs(inputs_dir: str | Path | None = None, convention: str = "precise",
                overrides: list[str] | tuple[str, ...] = ()) -> InputSet:
    """Load, overlay, override and validate every input; see the module docstring for the layers."""
    if convention not in CONVENTIONS:
        raise InputError("option --convention", None, f"expected one of {', '.join(CONVENTIONS)}, got '{convention}'")
    data_dir = default_dir("data")
    layers = [(data_dir, "default", data_dir / "conventions"), (default_dir("likelihoods"), "default", None)]
    if convention != "precise":
        layers.append((data_dir / "conventions" / convention, f"convention {convention}", None))
    if inputs_dir is not None:
        user = Path(inputs_dir).resolve()
        if not user.is_dir():
            raise InputError(str(user), None, "--inputs must name an existing directory")
        layers.append((user, f"overlay {user}", None))
    files: dict[tuple[str, str], InputFile] = {}
    for directory, origin, skip in layers:
        for entry in _scan(directory, origin, skip):
            files[(entry.role, entry.name)] = entry
    parsed = [parse_override(o) if isinstance(o, str) else o for o in overrides]
    for key, value in parsed:
        _apply_override(files, key, value)
    for entry in files.values():
        source = str(entry.path) + (" (with --set overrides)" if "--set" in entry.origin else "")
        validate(entry.doc, _classify(entry.doc, source)[1], source)
    inputs = InputSet(files, parsed, convention)
    inputs.check()
    return inputs
