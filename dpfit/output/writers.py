"""Text, CSV and JSON renderings of results, each carrying its provenance.

CSV files start with one ``# provenance: {json}`` comment line, then the header;
JSON documents carry a ``provenance`` key. Writing to disk goes through
:mod:`dpfit.output.atomic`.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np

from dpfit import __version__


def provenance(inputs, **extra) -> dict:
    """What produced a result: dpfit version, inputs with hashes, overrides, and ``extra``
    (analysis choices, seed, command)."""
    return {"dpfit_version": __version__, **extra, **inputs.provenance()}


def _clean(value):
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
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
    """The ``# provenance: {json}`` comment line that heads dpfit's CSV files."""
    return "# provenance: " + json.dumps(_clean(prov), separators=(",", ":"))


def table_csv(columns: list[str], rows: np.ndarray, prov: dict | None = None) -> str:
    """CSV with an optional provenance comment line, then the exact header, then rows (%.10g)."""
    out = io.StringIO()
    if prov is not None:
        out.write(provenance_line(prov) + "\n")
    out.write(",".join(columns) + "\n")
    for row in rows:
        out.write(",".join(f"{v:.10g}" for v in row) + "\n")  # nan, inf and -inf as such
    return out.getvalue()


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
