"""The landscape as labelled NetCDF (dpfit.output.landscape_file), read back through xarray: each search's
excluded band per grid mass, interpolated in (ln m, ln g), NaN where nothing is excluded."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.output.landscape_helpers import small_landscape
from dpfit.inference.landscape import Landscape
from dpfit.output.landscape_file import write_landscape_netcdf


def loglog(m, m0, m1, g0, g1):
    """g at m on the straight line through (m0, g0) and (m1, g1) in (ln m, ln g)."""
    t = (math.log(m) - math.log(m0)) / (math.log(m1) - math.log(m0))
    return math.exp(math.log(g0) + t * (math.log(g1) - math.log(g0)))


def test_landscape_reads_back_band_by_band(tmp_path):
    import xarray as xr

    land = small_landscape()
    write_landscape_netcdf(tmp_path / "l.nc", land, {"command": "landscape"})
    with xr.open_dataset(tmp_path / "l.nc") as ds:
        assert ds["eps_lower"].dims == ("limit", "band", "mass_MeV") and ds["eps_lower"].shape == (2, 2, 4)
        np.testing.assert_array_equal(ds["mass_MeV"].values, land.grid)
        assert [str(v) for v in ds["limit"].values] == ["Vis_2020", "Inv_2019"]
        assert [str(v) for v in ds["family"].values] == ["visible", "invisible"]
        assert [str(v) for v in ds["experiment"].values] == ["VIS", "INV"]
        assert str(ds["citation"].values[1]) == "B. Author, PRD 2 (2019) 2"
        lower, upper = ds["eps_lower"].values, ds["eps_upper"].values
        # the visible search: nothing below its first mass (8 MeV), its own point at 10 MeV, then (ln m, ln g)
        assert np.isnan(lower[0, :, 0]).all() and np.isnan(upper[0, :, 0]).all()
        assert (lower[0, 0, 1], upper[0, 0, 1]) == pytest.approx((1e-4, 1e-3), rel=1e-12)
        assert lower[0, 0, 2] == pytest.approx(loglog(30, 20, 40, 2e-4, 4e-4), rel=1e-12)
        assert upper[0, 0, 2] == pytest.approx(loglog(30, 20, 40, 1e-3, 2e-3), rel=1e-12)
        assert np.isnan(lower[0, 0, 3])  # 45 MeV: beyond its last mass
        # its second band exists only between 20 and 40 MeV (at 10 MeV one end is open: nothing interpolated)
        assert np.isnan(lower[0, 1, [0, 1, 3]]).all() and lower[0, 1, 2] == pytest.approx(loglog(30, 20, 40, 1e-2, 2e-2))
        # the invisible search: open above (+inf kept where it excludes), a single band, the second all NaN
        assert lower[1, 0, 0] == pytest.approx(loglog(8, 5, 50, 3e-5, 3e-4), rel=1e-12)
        assert np.isposinf(upper[1, 0]).all() and np.isnan(lower[1, 1]).all() and np.isnan(upper[1, 1]).all()
        assert ds.attrs["model"] == "dark_photon" and list(ds.attrs["mass_range_MeV"]) == [8.0, 45.0]
        assert json.loads(ds.attrs["dropped"]) == ["Gone_2000: no coupling"]
        assert json.loads(ds.attrs["provenance"]) == {"command": "landscape"}


def test_empty_landscape_is_written(tmp_path):
    import xarray as xr

    land = Landscape("axial", (1.0, 10.0), [], [], [], np.geomspace(1.0, 10.0, 3))
    write_landscape_netcdf(tmp_path / "e.nc", land)
    with xr.open_dataset(tmp_path / "e.nc") as ds:
        assert ds["eps_lower"].shape == (0, 1, 3) and json.loads(ds.attrs["provenance"]) == {}
