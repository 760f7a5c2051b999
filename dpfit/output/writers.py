"""Text, CSV and JSON renderings of results, each carrying its provenance.

CSV files are plain (the header, then rows: ``pandas.read_csv(F)`` gives the
columns); their provenance goes beside them in ``F.provenance.json``
(:func:`write_csv`). JSON documents carry a ``provenance`` key. Writing to disk
goes through :mod:`dpfit.io.atomic`.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np

from dpfit import __version__
from dpfit.notes import Note
from dpfit.output.wording import note_text


def provenance(source, used=None, **extra) -> dict:
    """What produced a result: dpfit version, the input files it used with their SHA-256 (paths relative
    to their layer), the digest of the whole input set, overrides, and ``extra`` (seed, command, ...).

    source: an Analysis (the files its terms read; its choices under ``analysis``) or an InputSet
    (the files named in ``used`` and what they reference; every file when ``used`` is None).
    """
    from dpfit.model.analysis import Analysis

    if isinstance(source, Analysis):
        used = [term.name for term in source.terms()] if used is None else used
        extra = {"analysis": source.describe(), **extra}
        source = source.inputs
    if isinstance(extra.get("analysis"), dict) and extra["analysis"].get("inputs_dir"):
        extra["analysis"] = {**extra["analysis"], "inputs_dir": Path(extra["analysis"]["inputs_dir"]).name}
    return {"dpfit_version": __version__, **extra, **source.provenance(used)}


def _clean(value):
    """JSON-safe: numpy scalars to Python, NaN/inf to None, a note as its sentence."""
    if isinstance(value, Note):
        return note_text(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(document: dict) -> str:
    """Pretty JSON with NaN and infinities written as null."""
    return json.dumps(_clean(document), indent=2) + "\n"


def provenance_line(prov: dict) -> str:
    """The ``# provenance: {json}`` comment line, for formats whose only metadata are comments (.lmt)."""
    return "# provenance: " + json.dumps(_clean(prov), separators=(",", ":"))


def table_csv(columns: list[str], rows: np.ndarray) -> str:
    """Plain CSV: the exact header, then rows (%.10g; nan, inf and -inf as such)."""
    out = io.StringIO()
    out.write(",".join(columns) + "\n")
    for row in rows:
        out.write(",".join(f"{v:.10g}" for v in row) + "\n")  # nan, inf and -inf as such
    return out.getvalue()


def sidecar(target: str | Path) -> Path:
    """The provenance file beside an output file: ``F`` -> ``F.provenance.json``."""
    target = Path(target)
    return target.with_name(target.name + ".provenance.json")


def write_with_provenance(target: str | Path, text: str, prov: dict) -> Path:
    """Write ``text`` to ``target`` and ``prov`` to its sidecar ``target.provenance.json`` (both atomically);
    return the sidecar's path."""
    from dpfit.io.atomic import write_text

    write_text(sidecar(target), to_json(prov))
    write_text(target, text)
    return sidecar(target)


def table_text(columns: list[str], rows: np.ndarray, digits: int = 4) -> str:
    """Aligned human-readable table with ``digits`` significant digits."""
    cells = [columns] + [[f"{v:g}" if j == 0 else ("—" if not math.isfinite(v) else f"{v:.{digits - 1}e}")
                          for j, v in enumerate(row)] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(columns))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells) + "\n"


def table_json(columns: list[str], rows: np.ndarray, prov: dict | None = None) -> str:
    """JSON: {"columns": [...], "rows": [[...], ...], "provenance": {...}}."""
    doc = {"columns": columns, "rows": rows.tolist()}
    if prov is not None:
        doc["provenance"] = prov
    return to_json(doc)
