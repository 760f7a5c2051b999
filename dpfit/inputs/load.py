"""Loading an input set: the layers, overlays and ``--set`` overrides.

Layers, later ones replacing earlier ones file by file (a file's name is its stem):

1. the defaults shipped with dpfit (``data/`` and ``likelihoods/``);
2. the convention overlay (``data/conventions/<name>/``; none for ``precise``);
3. a user directory (``--inputs DIR``), whose YAML files (directly in it: a
   layer is read one level deep, subdirectories are ignored) are data files
   (``schema: dpfit-data/1``) or cards (``schema: dpfit-card/1``), plus the
   contour files they name, inside the same directory;
4. ``--set FILE.FIELD=VALUE`` overrides.

Every file is validated against the JSON Schema and then cross-checked
(references, units, contour files); any problem raises
:class:`dpfit.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
from pathlib import Path

from dpfit.errors import InputError
from dpfit.inputs.inputset import CONVENTIONS, InputFile, InputSet
from dpfit.inputs.safety import excerpt, inside, resolved
from dpfit.inputs.schema import ANALYSIS_SCHEMA, classify, default_dir, schema, validate
from dpfit.inputs.validated import known_valid, remember_valid
from dpfit.inputs.yaml_io import check_finite, parse_yaml, read_yaml


#: Parsed input files of this process, by (path, inode, size, modification time): a file is read once.
_PARSED: dict[tuple, tuple[dict, str]] = {}
#: Input sets already built in this process, by their layers, overrides and the state of their files.
_SETS: dict[tuple, InputSet] = {}


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


def _layer_state(directory: Path) -> tuple:
    """(path, inode, size, mtime) of every regular file directly in a layer directory (YAML and contour files);
    (path, 'other') for any other entry (a FIFO, a directory), so that adding one changes the state too."""
    state = []
    for path in sorted(directory.iterdir()):
        try:
            state.append(_stat_key(path) if path.is_file() else (str(path), "other"))
        except OSError:  # vanished or unreadable: reading it reports the problem
            state.append((str(path),))
    return tuple(state)


def _read_input(path: Path) -> tuple[dict, str]:
    """(document, SHA-256 of the bytes) of an input file, parsed once per process while it is unchanged."""
    key = _stat_key(path)
    if key not in _PARSED:
        doc, raw = read_yaml(path)
        _PARSED[key] = (doc, hashlib.sha256(raw).hexdigest())
    return _PARSED[key]


#: Longest ``--set`` value (characters).
MAX_OVERRIDE_CHARS = 4096


def _yaml_files(directory: Path, skip: Path | None) -> list[Path]:
    """The ``*.yaml``/``*.yml`` entries directly in ``directory`` (one level deep); a symlink leading out is refused."""
    try:
        entries = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    except OSError as exc:
        raise InputError(str(directory), None, f"cannot list the directory: {exc.strerror}") from None
    for path in entries:
        if path.is_symlink() and not inside(path, [directory]):
            raise InputError(str(path), None, "a symlink leading outside the overlay directory; "
                                              "copy the file into the overlay instead")
    return [p for p in entries if skip is None or skip not in p.parents]


def _scan(directory: Path, origin: str, skip: Path | None = None, broken: dict | None = None) -> list[InputFile]:
    """Every YAML input file below ``directory`` (sorted), except those under ``skip``. With ``broken``
    (a dict), a file that cannot be read or classified (schema, kind) is recorded there by ('unreadable', name)
    instead of raising."""
    found = []
    for path in _yaml_files(directory, skip):
        try:
            doc, sha256 = _read_input(path)
            if doc.get("schema") == ANALYSIS_SCHEMA:  # an analysis file kept beside its overlay is not an input
                continue
            role, _ = classify(doc, str(path))
        except InputError as exc:
            if broken is None:
                raise
            broken[("unreadable", path.stem)] = exc
            continue
        found.append(InputFile(path.stem, role, path, doc, sha256, origin, directory))
    return found


# ----------------------------------------------------------------------------- overrides


def parse_override(text: str) -> tuple[str, object]:
    """Split ``FILE.FIELD=VALUE`` (VALUE read as YAML, so numbers are numbers)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or "." not in key:
        raise InputError("overrides", excerpt(text), "expected FILE.FIELD=VALUE, e.g. a_mu_sm_wp25.value=116592040")
    if len(value) > MAX_OVERRIDE_CHARS:
        raise InputError("overrides", excerpt(key), f"a value may hold at most {MAX_OVERRIDE_CHARS} characters")
    return key, parse_yaml(value, "overrides", excerpt(key))


def _apply_override(files: dict, key: str, value) -> None:
    if not isinstance(key, str) or "." not in key:
        raise InputError("overrides", str(key), "expected a key FILE.FIELD, e.g. a_mu_sm_wp25.value")
    name, _, field = key.partition(".")
    matches = [k for k in files if k[1] == name]
    if not matches:
        close = difflib.get_close_matches(name, sorted({k[1] for k in files}), n=3)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise InputError("overrides", key, f"no input file named '{name}'{hint}")
    if len(matches) > 1:
        raise InputError("overrides", key, f"'{name}' names both a data file and a card; rename one")
    entry = files[matches[0]]
    doc = copy.deepcopy(entry.doc)
    node, parts = doc, field.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if not isinstance(node, dict) or (part not in node and not last):
            raise InputError("overrides", key, f"{entry.path} has no field '{'.'.join(parts[:depth + 1])}'")
        if last and part not in node:
            props = schema()["$defs"][classify(doc, str(entry.path))[1]].get("properties", {}) if depth == 0 else {}
            if part not in props:
                close = difflib.get_close_matches(part, sorted(set(node) | set(props)), n=3)
                hint = f"; close matches: {', '.join(close)}" if close else ""
                raise InputError("overrides", key, f"{entry.path} has no field '{field}'{hint}")
        if last:
            node[part] = value
        else:
            node = node[part]
    check_finite(doc, "overrides", key)
    origin = entry.origin if entry.origin.endswith(" + --set") else entry.origin + " + --set"
    files[matches[0]] = InputFile(entry.name, entry.role, entry.path, doc, entry.sha256, origin, entry.layer_root)


def load_inputs(inputs_dir: str | Path | None = None, convention: str = "precise",
                overrides: list[str] | tuple[str, ...] = (), lazy: bool = False) -> InputSet:
    """Load, overlay, override and validate every input; see the module docstring for the layers.

    With ``lazy``, a file of the user's overlay that fails to read or validate does not stop the
    load: it is recorded as broken, and its error is raised when something uses it
    (:meth:`InputSet.file`) or by :meth:`InputSet.check_broken`.
    """
    if convention not in CONVENTIONS:
        raise InputError("convention", None, f"expected one of {', '.join(CONVENTIONS)}, got '{convention}'")
    data_dir = default_dir("data")
    layers = [(data_dir, "default", data_dir / "conventions"), (default_dir("likelihoods"), "default", None)]
    if convention != "precise":
        layers.append((data_dir / "conventions" / convention, f"convention {convention}", None))
    if inputs_dir is not None:
        user = resolved(inputs_dir, "inputs_dir", None)
        if not user.is_dir():
            raise InputError("inputs_dir", None, f"{user} is not an existing directory")
        layers.append((user, f"overlay {user}", None))
    parsed = [parse_override(o) if isinstance(o, str) else tuple(o) for o in overrides]
    state = tuple(_layer_state(directory) for directory, _, _ in layers)
    key = (tuple((str(d), o) for d, o, _ in layers), repr(parsed), state, lazy)
    if key in _SETS:
        return _SETS[key]
    files: dict[tuple[str, str], InputFile] = {}
    broken: dict[tuple[str, str], InputError] = {}
    for directory, origin, skip in layers:
        for entry in _scan(directory, origin, skip, broken if lazy and origin.startswith("overlay") else None):
            files[(entry.role, entry.name)] = entry
    for name, value in parsed:
        _apply_override(files, name, value)
    for entry in files.values():
        overridden = "--set" in entry.origin
        source = str(entry.path) + (" (with --set overrides)" if overridden else "")
        definition = classify(entry.doc, source)[1]
        if overridden or not known_valid(definition, entry.sha256):
            try:
                validate(entry.doc, definition, source)
            except InputError as exc:
                if not (lazy and entry.origin.startswith("overlay")):
                    raise
                broken[(entry.role, entry.name)] = exc
                continue
            if not overridden:
                remember_valid(definition, entry.sha256)
    inputs = InputSet(files, parsed, convention, broken)
    inputs.check(lazy=lazy)
    _SETS[key] = inputs
    return inputs
