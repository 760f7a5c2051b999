"""dpfit's own files in the user's cache directory: compiled kernels, digests of validated inputs.

``$XDG_CACHE_HOME/dpfit/<kind>`` (default ``~/.cache/dpfit/<kind>``), never the installed package
tree. Everything there can be deleted at any time; it is rebuilt on use.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir(kind: str) -> Path:
    """The directory of one kind of cached file (not created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dpfit" / kind
