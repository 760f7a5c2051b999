"""The overlay files that failed to read or validate, as an :class:`InputSet` sees them (a mixin).

With a lazy load (:func:`dpfit.inputs.load.load_inputs`), a broken file of the
user's overlay does not stop the run: its error is kept in ``broken`` by
(role, name) and raised when something uses the file, or reported with every
other one by ``dpfit inputs check``.
"""

from __future__ import annotations

from dpfit.errors import InputError


class BrokenFiles:
    """Queries on ``self.broken`` ({(role, name): InputError}) and ``self._files`` ({(role, name): InputFile})."""

    broken: dict
    _files: dict

    def _is_broken(self, exc: InputError) -> bool:
        """Whether ``exc`` is the recorded error of a broken overlay file."""
        return any(exc is error for error in self.broken.values())

    def broken_errors(self) -> list[InputError]:
        """Every broken overlay file's error, by file name, each error once (a card failing on a broken
        data file reports that file's error)."""
        errors, seen = [], set()
        for key in sorted(self.broken, key=lambda k: (k[1], k[0])):
            text = str(self.broken[key])
            if text not in seen:
                seen.add(text)
                errors.append(self.broken[key])
        return errors

    def check_broken(self) -> None:
        """Raise the first broken overlay file's error (by name), if any."""
        if self.broken:
            raise self.broken[min(self.broken, key=lambda k: (k[1], k[0]))]

    def check_broken_defaults(self) -> None:
        """Raise a broken overlay card's error if it may be a default one (``default`` not false, or unreadable):
        the default limits cannot be known without it."""
        for key in sorted(self.broken, key=lambda k: (k[1], k[0])):
            entry = self._files.get(key)
            if key[0] == "unreadable" or (key[0] == "card" and entry is not None
                                          and entry.doc.get("default", True) is not False):
                raise self.broken[key]

    def _broken_scenario_cards(self, lepton: str, name: str) -> list[tuple[bool, InputError]]:
        """Broken overlay files that are or may be (g−2) cards of ``lepton``: (defines scenario ``name``, error),
        those that define it first."""
        found = []
        for key in sorted(self.broken, key=lambda k: (k[1], k[0])):
            entry = self._files.get(key)
            doc = entry.doc if entry is not None else {}
            if key[0] == "data" or doc.get("kind", "gm2_gaussian") != "gm2_gaussian" or doc.get("lepton", lepton) != lepton:
                continue
            found.append((str(doc.get("scenario", "")).lower() == name.lower(), self.broken[key]))
        return sorted(found, key=lambda f: not f[0])
