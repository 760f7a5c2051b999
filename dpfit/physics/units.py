"""Units that data files may use, and their conversion to dpfit's internal units.

Internal units: masses and energies in MeV, times in seconds, actions in MeV·s,
anomalous moments and couplings as plain (dimensionless) numbers.
"""

from __future__ import annotations

#: unit string -> (dimension, factor to the internal unit of that dimension)
UNITS: dict[str, tuple[str, float]] = {
    "1": ("dimensionless", 1.0),
    "1e-9": ("dimensionless", 1e-9),
    "1e-10": ("dimensionless", 1e-10),
    "1e-11": ("dimensionless", 1e-11),
    "1e-12": ("dimensionless", 1e-12),
    "1e-13": ("dimensionless", 1e-13),
    "1e-14": ("dimensionless", 1e-14),
    "eV": ("mass", 1e-6),
    "keV": ("mass", 1e-3),
    "MeV": ("mass", 1.0),
    "GeV": ("mass", 1e3),
    "MeV s": ("action", 1.0),
    "eV s": ("action", 1e-6),
}


def unit_factor(unit: str, dimension: str) -> float:
    """Factor converting a value in ``unit`` to the internal unit of ``dimension``.

    Raises KeyError for an unknown unit and ValueError for a unit of another dimension.
    """
    dim, factor = UNITS[unit]
    if dim != dimension:
        raise ValueError(f"unit '{unit}' is a {dim} unit, expected a {dimension} unit")
    return factor
