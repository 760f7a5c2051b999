"""A 2D scan as a labelled array file (NetCDF through xarray and h5netcdf): ``xarray.open_dataset(F)`` loads it.

Variables: ``delta_chi2`` (mass_MeV, <coupling>) — Δχ² against the global
minimum, NaN where a step term excludes the cell — and ``excluded_by``
(CF flag variable: 0 allowed, k the k-th name of its ``flag_meanings``
attribute, each a card name; ``flag_experiments`` gives the experiment).
The attributes say the method, the two-parameter contour levels, χ²_min and
the provenance (JSON).
"""

from __future__ import annotations

import json

import numpy as np

from dpfit.io.atomic import atomic_path
from dpfit.output.writers import to_json

#: The text of the contour levels the figure and the file state.
METHOD = ("profile likelihood: delta chi2 = chi2(m, eps) - global minimum (the other coupling profiled in lepton "
          "mode); two parameters, so the 68.27 % / 95.45 % regions are delta chi2 <= 2.30 / 6.18 (Wilks)")


def write_scan_netcdf(target, scan, codes: np.ndarray, names: list[str], experiments: list[str],
                      prov: dict | None = None) -> None:
    """Write the scan as NetCDF4 (see the module docstring), atomically; h5netcdf directly (xarray reads it)."""
    import h5netcdf

    z = np.where(np.isfinite(scan.delta_chi2), scan.delta_chi2, np.nan)
    dims = ("mass_MeV", scan.axis)
    with atomic_path(target) as tmp:
        with h5netcdf.File(tmp, "w") as f:
            f.dimensions = {"mass_MeV": scan.mass.size, scan.axis: scan.eps.size}
            for name, values, attrs in (("mass_MeV", scan.mass, {"units": "MeV", "long_name": "boson mass"}),
                                        (scan.axis, scan.eps, {"units": "1", "long_name": f"coupling {scan.axis}"})):
                f.create_variable(name, (name,), "f8", data=values).attrs.update(attrs)
            f.create_variable("delta_chi2", dims, "f8", data=z, fillvalue=np.nan).attrs.update(
                {"long_name": "delta chi2 against the global minimum", "units": "1",
                 "comment": "NaN: excluded by a step term (see excluded_by)"})
            f.create_variable("excluded_by", dims, "i1", data=codes.astype(np.int8)).attrs.update(
                {"flag_values": np.arange(1, len(names) + 1, dtype=np.int8),
                 "flag_meanings": " ".join(n.replace(" ", "_") for n in names),
                 "flag_experiments": json.dumps(experiments),
                 "comment": "0: allowed; k: excluded by the k-th card of flag_meanings"})
            f.attrs.update({"method": METHOD, "chi2_min": float(scan.chi2_min), "axis": scan.axis,
                            "provenance": to_json(prov or {})})
