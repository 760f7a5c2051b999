"""Input documents known to pass the JSON Schema, remembered in this process and across processes.

Whether a document is valid depends only on its bytes, the schema and the definition it is checked
against. A valid document is therefore recorded by the SHA-256 of those three, in memory and as an
empty file in the user's cache directory (:func:`dpfit.user_cache.user_cache_dir`), and a later
process loading the same bytes skips the validation, and the import of jsonschema. A changed document
or schema has another digest and is validated again. A cache that cannot be written is not used.
"""

from __future__ import annotations

import hashlib

from dpfit.inputs.schema import schema_digest
from dpfit.user_cache import user_cache_dir

_KNOWN: set[str] = set()


def _key(definition: str, sha256: str) -> str:
    return hashlib.sha256(f"{schema_digest()}\n{definition}\n{sha256}".encode()).hexdigest()


def known_valid(definition: str, sha256: str) -> bool:
    """True if a document with this SHA-256 passed ``definition`` of the current schema before."""
    key = _key(definition, sha256)
    if key in _KNOWN:
        return True
    if (user_cache_dir("validated") / key).is_file():
        _KNOWN.add(key)
        return True
    return False


def remember_valid(definition: str, sha256: str) -> None:
    """Record that a document with this SHA-256 passed ``definition`` of the current schema."""
    key = _key(definition, sha256)
    _KNOWN.add(key)
    directory = user_cache_dir("validated")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / key).touch()
    except OSError:  # a read-only or full cache: validated again next time
        pass
