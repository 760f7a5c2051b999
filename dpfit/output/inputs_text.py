"""Human-readable views of the inputs (`dpfit inputs`): the list, one file, and an overlay's differences."""

from __future__ import annotations

import yaml

from dpfit.inputs.inputset import InputSet


def _summary(inputs: InputSet, entry) -> str:
    doc = entry.doc
    if entry.role == "card":
        return doc["description"]
    if entry.kind == "quantity":
        sigma = "exact" if doc.get("exact") else f"+- {doc['uncertainty']:g}"
        inverse = "1/" if doc.get("inverse") else ""
        return f"{inverse}{doc['quantity']} = {doc['value']:.12g} {sigma} [{doc['unit']}]"
    if entry.kind in ("difference", "ae_difference"):
        m = inputs.delta_a(entry.name)
        return f"{doc['quantity']} = {m.value:.4g} +- {m.sigma:.2g} (derived)"
    return doc.get("description", entry.kind)


def list_inputs(inputs: InputSet) -> str:
    """One line per input file: role, name, kind, summary, origin layer."""
    rows = [(f.role, f.name, f.kind, _summary(inputs, f), f.origin) for f in inputs.files()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}  [{r[4]}]\n" for r in rows)


def describe_file(inputs: InputSet, name: str) -> str:
    """A data file or card (data first), with its path, origin, hash and content."""
    role = "data" if name in inputs.names("data") else "card"
    entry = inputs.file(name, role)
    head = f"# {entry.role} '{entry.name}' ({entry.kind}) from {entry.path} [{entry.origin}]\n# sha256 {entry.sha256}\n"
    if entry.role == "data" and entry.kind in ("difference", "ae_difference"):
        head += f"# {_summary(inputs, entry)}\n"
    return head + yaml.safe_dump(entry.doc, sort_keys=False, allow_unicode=True)


def _flatten(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, node


def diff_inputs(base: InputSet, other: InputSet) -> str:
    """Field-by-field differences of ``other`` against ``base`` (added, removed, changed files)."""
    lines = []
    base_keys = {(f.role, f.name): f for f in base.files()}
    other_keys = {(f.role, f.name): f for f in other.files()}
    for key in sorted(set(base_keys) | set(other_keys)):
        old, new = base_keys.get(key), other_keys.get(key)
        label = f"{key[0]} {key[1]}"
        if old is None:
            lines.append(f"+ {label}: new ({new.path})")
            continue
        if new is None:
            lines.append(f"- {label}: removed")
            continue
        if old.sha256 == new.sha256 and old.doc == new.doc:
            continue
        a, b = dict(_flatten(old.doc)), dict(_flatten(new.doc))
        for field in sorted(set(a) | set(b)):
            if a.get(field) != b.get(field):
                lines.append(f"~ {label}.{field}: {a.get(field)!r} -> {b.get(field)!r}")
    for name in other.names("data"):  # derived Delta a that moved because an input it reads changed
        entry = other.file(name)
        if entry.kind in ("difference", "ae_difference") and name in base.names("data"):
            before, after = base.delta_a(name), other.delta_a(name)
            if (before.value, before.sigma) != (after.value, after.sigma):
                lines.append(f"  = data {name}: {_summary(base, base.file(name))}  ->  {_summary(other, entry)}")
    return "\n".join(lines) + "\n" if lines else "no differences\n"
