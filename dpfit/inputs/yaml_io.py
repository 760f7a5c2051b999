"""Reading dpfit's YAML files: a strict safe loader, finite numbers only, one-line errors.

dpfit reads every YAML text (data files, cards, analysis files, ``--set``
values) with one loader whose rules are:

- plain scalars resolve as in the YAML 1.2 core schema, narrowed: integers
  ``[-+]?(0|[1-9][0-9]*)``; floats with a point and/or an exponent (``0.5``,
  ``1e-4``, ``-3.0e+2``, ``.inf``, ``.nan``); booleans ``true``/``false``;
  null ``null``/``~``/empty; everything else is text;
- a plain scalar that YAML 1.1 (PyYAML's default) reads differently is an error
  naming the key, since its meaning depends on the reader: ``0777`` (octal),
  ``0x1F``, ``0o17``, ``0b101``, ``1_000``, ``1:30`` (sexagesimal), ``yes``/
  ``no``/``on``/``off``/``y``/``n`` and capitalised booleans. Quote such a value
  to have text;
- anchors (``&``) and aliases (``*``) are refused before anything is built, so
  an alias bomb or a recursive alias fails at once;
- a key repeated in one mapping is an error naming it; keys are text;
- a file holds one document and at most :data:`MAX_YAML_BYTES` bytes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from dpfit.errors import InputError
from dpfit.inputs.safety import excerpt, read_input_bytes

#: Largest YAML input file dpfit reads (bytes).
MAX_YAML_BYTES = 1 << 20

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9]+)(?:\.[0-9]*)?[eE][-+]?[0-9]+
                     |[-+]?[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?
                     |[-+]?\.[0-9]+(?:[eE][-+]?[0-9]+)?
                     |[-+]?\.(?:inf|Inf|INF)
                     |\.(?:nan|NaN|NAN))$""", re.X)
_BOOL = re.compile(r"^(?:true|false)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
#: Plain scalars YAML 1.1 reads as something other than the text (numbers in other bases,
#: underscores, sexagesimal, booleans other than true/false), with what it would read.
_AMBIGUOUS = (
    (re.compile(r"^[-+]?0[0-9_]+$"), "an octal number (YAML 1.1)"),
    (re.compile(r"^[-+]?0[xX][0-9a-fA-F_]+$"), "a hexadecimal number"),
    (re.compile(r"^[-+]?0[oO][0-7_]+$"), "an octal number"),
    (re.compile(r"^[-+]?0[bB][01_]+$"), "a binary number"),
    (re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"), "a sexagesimal number (YAML 1.1)"),
    (re.compile(r"^(?=[^_]*_)[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?$"), "a number with '_' (YAML 1.1)"),
    (re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|True|TRUE|False|FALSE)$"),
     "a boolean (YAML 1.1)"),
)


class _Refused(yaml.YAMLError):
    """A construct dpfit does not accept, found while composing (``where`` is the YAML mark)."""

    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message, self.mark = message, mark


ANCHORS_REFUSED = "anchors and aliases (& and *) are not allowed in dpfit inputs"


def _refuse_anchor(event) -> None:
    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
        raise _Refused(ANCHORS_REFUSED, event.start_mark)


class _Loader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with dpfit's resolvers; refuses anchors and aliases while composing."""

    yaml_implicit_resolvers: dict = {}

    def compose_node(self, parent, index):
        _refuse_anchor(self.peek_event())
        return super().compose_node(parent, index)


#: The same rules on libyaml's parser when PyYAML has it (about ten times faster): the events are
#: checked for anchors in a first pass, before libyaml composes the nodes.
_CLoader = type("_CLoader", (yaml.CSafeLoader,), {"yaml_implicit_resolvers": {}}) if yaml.__with_libyaml__ else None

for _loader in filter(None, (_Loader, _CLoader)):
    for _tag, _regex, _first in (
            ("bool", _BOOL, list("tf")), ("int", _INT, list("-+0123456789")),
            ("float", _FLOAT, list("-+0123456789.")), ("null", _NULL, ["~", "n", "N", ""])):
        _loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _regex, _first)


def _checked_events(text: str | bytes) -> None:
    """Parse ``text`` to events with libyaml, refusing the first anchor or alias (nothing is built)."""
    scanner = _CLoader(text)
    try:
        while scanner.check_event():
            _refuse_anchor(scanner.get_event())
    finally:
        scanner.dispose()


def _check_node(node, source: str, path: str) -> None:
    """Duplicate or non-text keys, and plain scalars YAML 1.1 would read otherwise, anywhere under ``node``."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise InputError(source, path or None, "keys must be text")
            key = key_node.value
            child = f"{path}.{key}" if path else key
            if key in seen:
                raise InputError(source, child, "duplicate key in one mapping (each key may appear once)")
            seen.add(key)
            _check_node(value_node, source, child)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check_node(item, source, f"{path}[{i}]")
    elif isinstance(node, yaml.ScalarNode) and not node.style and node.tag == "tag:yaml.org,2002:str":  # plain
        for regex, meaning in _AMBIGUOUS:
            if regex.match(node.value) and any(c.isalnum() for c in node.value):
                fix = "true or false" if "boolean" in meaning else "a plain decimal number"
                raise InputError(source, path or None, f"'{excerpt(node.value)}' would be read as {meaning} by "
                                 f"other YAML readers; quote it for text, or write {fix}")


def parse_yaml(text: str | bytes, source: str = "YAML", field: str | None = None):
    """Parse one YAML document with dpfit's loader; InputError naming ``source`` (and ``field``) if refused."""
    loader = None
    try:
        if _CLoader is not None:
            _checked_events(text)
        loader = (_CLoader or _Loader)(text)  # reads the encoding: may refuse the first bytes
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node(node, source, field or "")
        return loader.construct_document(node)
    except RecursionError:
        raise InputError(source, field, "malformed YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = (getattr(exc, "problem", None) or getattr(exc, "message", None) or getattr(exc, "reason", None)
                   or "not valid YAML")
        raise InputError(source, field, f"malformed YAML{where}: {excerpt(problem, 80)}") from None
    finally:
        if loader is not None:
            loader.dispose()


def check_finite(node, source: str, prefix: str = "") -> None:
    """Reject NaN, infinities, numbers beyond float range and non-text keys anywhere in a parsed document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise InputError(source, prefix or None, f"keys must be text, got {excerpt(repr(key))}")
            check_finite(value, source, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_finite(value, source, f"{prefix}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        raise InputError(source, prefix or None, f"expected a finite number, got {node}")
    elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > 1e300:
        raise InputError(source, prefix or None, "number out of range")


def read_yaml(path: Path) -> tuple[dict, bytes]:
    """Parse a YAML file (a regular file of at most MAX_YAML_BYTES) into a mapping; return it with the raw bytes."""
    source = str(path)
    raw = read_input_bytes(Path(path), MAX_YAML_BYTES, "YAML file")
    doc = parse_yaml(raw, source)
    if not isinstance(doc, dict):
        raise InputError(source, None, f"expected a YAML mapping at the top level, got {type(doc).__name__}")
    check_finite(doc, source)
    return doc, raw
