"""What a result tells its reader beside its numbers, as data.

A :class:`Note` names a fact (``kind``) and carries the values it is stated with; fits, windows, intervals,
models, posterior checks and landscapes hold notes, and the render layer (:mod:`dpfit.output.wording`) puts
each in words, so every sentence a reader sees is written in one place. A note is a warning when its
result flags it as one (``warning`` fields), never by its wording.
"""

from __future__ import annotations

from dataclasses import dataclass


def _frozen(value):
    """Lists (and tuples of lists) as tuples, so that a note is hashable and compares by value."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


@dataclass(frozen=True)
class Note:
    """One fact for the reader: ``kind`` (what it says) and ``values`` ((name, value) pairs, sorted by name)."""

    kind: str
    values: tuple = ()

    def get(self, name: str, default=None):
        """The value called ``name`` (``default`` when the note has none)."""
        return dict(self.values).get(name, default)

    def as_dict(self) -> dict:
        """{"kind", and each value by name} (lists where the note holds tuples)."""
        def plain(value):
            return [plain(v) for v in value] if isinstance(value, tuple) else value
        return {"kind": self.kind, **{k: plain(v) for k, v in self.values}}

    def __repr__(self) -> str:
        return f"Note({self.kind!r}, {', '.join(f'{k}={v!r}' for k, v in self.values)})"


def note(kind: str, **values) -> Note:
    """A :class:`Note` of ``kind`` with its values by name."""
    return Note(kind, tuple(sorted((k, _frozen(v)) for k, v in values.items())))
