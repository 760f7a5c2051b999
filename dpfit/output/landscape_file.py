"""The landscape as a labelled array file (NetCDF4 through h5netcdf; ``xarray.open_dataset(F)`` loads it).

Dimensions ``limit`` (each search recast to the model, named as in DarkCast), ``band`` (a search's excluded bands)
and ``mass_MeV`` (the landscape's common log-spaced grid). Variables ``eps_lower`` and ``eps_upper``: each band's
excluded couplings at each grid mass, interpolated linearly in (ln m, ln ε) between the search's own masses, NaN
where it excludes nothing; ``family`` (visible or invisible decays), ``experiment`` and ``citation`` per limit.
Couplings in units of e.
"""

from __future__ import annotations

import numpy as np

from dpfit.io.atomic import atomic_path
from dpfit.output.writers import to_json


def write_landscape_netcdf(target, land, prov: dict | None = None) -> None:
    """Write a :class:`dpfit.inference.landscape.Landscape` as NetCDF4 (see the module docstring), atomically."""
    import h5netcdf
    import h5py

    bands = max((c.lower.shape[0] for c in land.curves), default=1)
    lower = np.full((len(land.curves), bands, land.grid.size), np.nan)
    upper = np.full_like(lower, np.nan)
    for i, curve in enumerate(land.curves):
        lo, hi = curve.intervals_at(land.grid)
        excluded = np.isfinite(lo)
        lower[i, : lo.shape[0]] = np.where(excluded, lo, np.nan)
        upper[i, : hi.shape[0]] = np.where(excluded, hi, np.nan)  # +inf: open above, kept
    text = lambda values: np.array(values, dtype=object)  # noqa: E731
    with atomic_path(target) as tmp:
        with h5netcdf.File(tmp, "w") as f:
            f.dimensions = {"limit": len(land.curves), "band": bands, "mass_MeV": land.grid.size}
            f.create_variable("mass_MeV", ("mass_MeV",), "f8", data=land.grid).attrs.update(
                {"units": "MeV", "long_name": "boson mass"})
            for name in ("limit", "family", "experiment", "citation"):
                values = [getattr(c, name) for c in land.curves]
                f.create_variable(name, ("limit",), h5py.string_dtype(), data=text(values))
            for name, values, what in (("eps_lower", lower, "lower"), ("eps_upper", upper, "upper")):
                f.create_variable(name, ("limit", "band", "mass_MeV"), "f8", data=values, fillvalue=np.nan).attrs.update(
                    {"units": "1", "long_name": f"{what} edge of the excluded coupling (units of e)",
                     "comment": "NaN: nothing excluded at this mass; +inf (upper): open above"})
            f.attrs.update({"model": land.model, "mass_range_MeV": list(land.mass_range),
                            "dropped": to_json(land.dropped), "provenance": to_json(prov or {})})
