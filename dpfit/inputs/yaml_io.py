"""Reading dpfit's YAML files: a safe loader (YAML 1.2 numbers), finite numbers only, one-line errors."""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from dpfit.errors import InputError


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


def check_finite(node, source: str, prefix: str = "") -> None:
    """Reject NaN, infinities, numbers beyond float range and non-text keys anywhere in a parsed document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise InputError(source, prefix or None, f"keys must be text, got {key!r}")
            check_finite(value, source, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_finite(value, source, f"{prefix}[{i}]")
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
    check_finite(doc, source)
    return doc, raw
