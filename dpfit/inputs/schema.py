"""The JSON Schema of every dpfit document (``dpfit/schemas/v1.json``) and validation against it.

A schema error becomes one :class:`dpfit.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from functools import cache
from pathlib import Path

from dpfit.errors import InputError
from dpfit.inputs.safety import excerpt

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATA_SCHEMA = "dpfit-data/1"
CARD_SCHEMA = "dpfit-card/1"
ANALYSIS_SCHEMA = "dpfit-analysis/1"
CONVENTIONS = ("precise", "paper")
#: document kind -> name of its definition in the JSON Schema
DATA_KINDS = {k: k for k in ("quantity", "difference", "ae_difference", "ae_sm_theory", "exclusion", "region", "printed_values")}
CARD_KINDS = {"gm2_gaussian": "gm2_gaussian", "exclusion": "exclusion_card", "region": "region_card"}
ROLES = {DATA_SCHEMA: ("data", DATA_KINDS), CARD_SCHEMA: ("card", CARD_KINDS)}


SCHEMA_FILE = PACKAGE_DIR / "schemas" / "v1.json"


def default_dir(kind: str) -> Path:
    """The shipped ``data`` or ``likelihoods`` directory (inside the installed package, or the checkout)."""
    for candidate in (PACKAGE_DIR / kind, PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"dpfit's default '{kind}' directory is missing from the installation")


@cache
def schema() -> dict:
    """The JSON Schema of every dpfit document (parsed once, on first use)."""
    return json.loads(SCHEMA_FILE.read_text())


@cache
def schema_digest() -> str:
    """SHA-256 of the schema file: what a remembered validation depends on besides the document."""
    return hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()


def _describe(error) -> tuple[str | None, str]:
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
        field = f"{path}.{excerpt(extra[0])}" if path and extra else (excerpt(extra[0]) if extra else path)
        return field, "unknown field" + (f" (did you mean '{hint[0]}'?)" if hint else f"; allowed: {', '.join(allowed)}")
    if validator == "enum":
        return path, f"expected one of {', '.join(map(str, error.validator_value))}, got {excerpt(repr(instance))}"
    if validator == "const":
        return path, f"expected {error.validator_value!r}, got {excerpt(repr(instance))}"
    if validator in ("exclusiveMinimum", "minimum"):
        bound = "> " if validator == "exclusiveMinimum" else ">= "
        return path, f"expected a number {bound}{error.validator_value}, got {excerpt(repr(instance))}"
    if validator == "oneOf" and isinstance(instance, dict):
        options = [s.get("required", []) for s in error.validator_value]
        names = " or ".join("'" + "', '".join(o) + "'" for o in options)
        return path, f"expected exactly one of {names}"
    if validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(("an " if w in ("array", "object", "integer") else "a ") + w for w in wanted)
        return path, f"expected {names}, got {type(instance).__name__} {excerpt(repr(instance))}"
    return path, excerpt(error.message, 120)


def validate(doc: dict, definition: str, source: str) -> None:
    """Validate ``doc`` against ``$defs/<definition>`` of the schema; raise InputError on failure."""
    import jsonschema  # on use: inputs validated before (dpfit.inputs.validated) need no import

    root = schema()
    validator = jsonschema.Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]})
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        field, message = _describe(error)
        raise InputError(source, field, message)


def classify(doc: dict, source: str) -> tuple[str, str]:
    """Role ('data' or 'card') and schema definition of a document, from its 'schema' and 'kind'."""
    tag = doc.get("schema")
    if not isinstance(tag, str) or tag not in ROLES:
        raise InputError(source, "schema", f"expected '{DATA_SCHEMA}' or '{CARD_SCHEMA}', got {excerpt(repr(tag))}")
    role, kinds = ROLES[tag]
    kind = doc.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise InputError(source, "kind", f"expected one of {', '.join(kinds)}, got {excerpt(repr(kind))}")
    return role, kinds[kind]
