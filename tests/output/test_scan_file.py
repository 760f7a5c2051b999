"""2D scans as labelled NetCDF (dpfit.output.scan_file), read back through xarray."""

from __future__ import annotations

import json

import numpy as np
from scipy import stats

from dpfit.inference.levels import sigma_probability
from dpfit.inference.profile.scan import Scan
from dpfit.model.analysis import Analysis
from dpfit.output.scan_file import METHOD, write_scan_netcdf


def test_grid_scan_netcdf_labelled(cli, tmp_path):
    import xarray as xr

    from dpfit.inference.profile.scan import coupling_grid, mass_grid, scan_2d

    code, out, err = cli("scan", "--grid", "--points", "30", "20", "--out", tmp_path / "g")
    assert code == 0, err
    with xr.open_dataset(tmp_path / "g.nc") as ds:
        analysis = Analysis()
        joint = analysis.likelihood()
        masses = mass_grid(joint, analysis.resolved_mass_range(), 30)
        scan = scan_2d(joint, masses, coupling_grid(joint, masses, analysis.eps_range, 20))
        assert ds["delta_chi2"].dims == ("mass_MeV", "eps") and ds["delta_chi2"].shape == scan.delta_chi2.shape
        np.testing.assert_array_equal(ds["eps"].values, scan.eps)
        expected = np.where(np.isfinite(scan.delta_chi2), scan.delta_chi2, np.nan)
        np.testing.assert_allclose(ds["delta_chi2"].values, expected, rtol=1e-12)
        flags = ds["excluded_by"]
        assert np.array_equal(flags.values > 0, np.isnan(ds["delta_chi2"].values))
        names = flags.attrs["flag_meanings"].split()
        assert set(names) <= {"na64", "padme", "atomki"} and "atomki" in names
        assert json.loads(ds.attrs["provenance"])["command"] == "scan"
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_hand_built_scan_reads_back_with_its_flags_and_levels(tmp_path):
    import xarray as xr

    mass, eps = np.array([16.0, 16.5, 17.0]), np.array([1e-4, 1e-3])
    dchi2 = np.array([[0.0, np.inf], [1.5, 2.0], [np.inf, np.inf]])
    codes = np.array([[0, 1], [0, 0], [2, 1]])
    scan = Scan(mass, eps, dchi2, 3.25, "eps_mu", dchi2.min(axis=1))
    prov = {"command": "scan", "seed": np.int64(1)}
    write_scan_netcdf(tmp_path / "s.nc", scan, codes, ["na64", "padme 2025"], ["NA64", "PADME"], prov)
    assert [p.name for p in tmp_path.iterdir()] == ["s.nc"]
    with xr.open_dataset(tmp_path / "s.nc") as ds:
        assert ds["delta_chi2"].dims == ("mass_MeV", "eps_mu") and ds["mass_MeV"].attrs["units"] == "MeV"
        np.testing.assert_array_equal(ds["mass_MeV"].values, mass)
        np.testing.assert_array_equal(ds["eps_mu"].values, eps)
        expected = np.where(np.isfinite(dchi2), dchi2, np.nan)  # an excluded cell is NaN, not inf
        np.testing.assert_array_equal(ds["delta_chi2"].values, expected)
        flags = ds["excluded_by"]
        np.testing.assert_array_equal(flags.values, codes)
        assert flags.attrs["flag_meanings"].split() == ["na64", "padme_2025"]  # CF: one word per flag
        assert list(flags.attrs["flag_values"]) == [1, 2]
        assert json.loads(flags.attrs["flag_experiments"]) == ["NA64", "PADME"]
        assert ds.attrs["chi2_min"] == 3.25 and ds.attrs["axis"] == "eps_mu"
        assert json.loads(ds.attrs["provenance"]) == {"command": "scan", "seed": 1}


def test_method_states_the_two_parameter_levels():
    # the 68.27 % and 95.45 % regions of two parameters: the chi2(2) quantiles of the 1 and 2 sigma probabilities
    for n, printed in ((1, "2.30"), (2, "6.18")):
        assert f"{stats.chi2.ppf(sigma_probability(n), 2):.2f}" == printed
    assert "delta chi2 <= 2.30 / 6.18" in METHOD and "68.27 % / 95.45 %" in METHOD
