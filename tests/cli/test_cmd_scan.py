"""dpfit.cli.cmd_scan: ``dpfit scan``, 1D at a mass and 2D over the mass range: summary lines, data file, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from scipy import stats

from dpfit.cli.cmd_scan import cmd_scan, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ONLY_MUON, delta_mu, gaussian_interval, k_mu

#: One Gaussian (g-2) term: Δχ²(m, ε) = ((k(m) ε² − Δ)/σ)², whose minimum 0 is reached at every mass.
ONE_TERM = ("--muon", "WP20", *ONLY_MUON)


def closed_form(mass, eps):
    delta, sigma = delta_mu("WP20")
    return ((k_mu(mass) * eps**2 - delta) / sigma) ** 2


def read_rows(path):
    header, *lines = path.read_text().splitlines()
    return header.split(","), np.array([[float(c) for c in line.split(",")] for line in lines])


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["scan", "--mass", "17"])
    assert (args.func, args.mass, args.grid, args.points, args.format, args.executor) == (cmd_scan, 17.0,
                                                                                         False, None, None, "serial")


def test_1d_scan_csv_and_summary_against_closed_form(cli, tmp_path):
    code, out, err = cli("scan", "--mass", "17", "--points", "60", *ONE_TERM, "--cl", "0.9,2sigma",
                         "--out", tmp_path / "s")
    assert code == 0 and err == ""
    columns, rows = read_rows(tmp_path / "s.csv")
    assert columns == ["mass_MeV", "eps", "delta_chi2"] and len(rows) == 60 and (rows[:, 0] == 17.0).all()
    expected = closed_form(17.0, rows[:, 1])
    np.testing.assert_allclose(rows[:, 2], expected, rtol=1e-8, atol=1e-8)
    lines = out.splitlines()
    assert lines[0].startswith("scan of eps: 60 points, chi2_min = ") and lines[0].endswith(", 0 excluded")
    for line, label, dchi2, percent in ((lines[1], "0.9", stats.chi2.ppf(0.9, 1), "90"),
                                        (lines[2], "2sigma", 4.0, "95.45")):
        inside = rows[expected <= dchi2, 1]
        assert line == f"{label} (delta chi2 <= {dchi2:.4g}, {percent} %, on the grid): " \
                       f"{inside.min():.4g} .. {inside.max():.4g}"
        lo, hi = gaussian_interval(*delta_mu("WP20"), k_mu(17.0), dchi2)
        assert lo <= inside.min() <= inside.max() <= hi  # grid points inside the exact interval
    assert lines[3] == f"wrote {tmp_path / 's.csv'} and {tmp_path / 's.png'}"
    with Image.open(tmp_path / "s.png") as image:
        assert image.format == "PNG"
    prov = json.loads((tmp_path / "s.csv.provenance.json").read_text())
    assert prov["command"] == "scan" and prov["analysis"]["muon"] == "WP20"


def test_1d_scan_without_out_prints_only_the_summary(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("scan", "--mass", "17", "--points", "12", *ONE_TERM, "--cl", "0.9")
    # 12 log-spaced points from 1e-5 to 1e-2 miss the 90 % interval
    assert code == 0 and out.splitlines()[1] == "0.9 (delta chi2 <= 2.706, 90 %, on the grid): empty"
    assert list(tmp_path.iterdir()) == []


def test_2d_scan_csv_against_closed_form(cli, tmp_path):
    code, out, _ = cli("scan", "--grid", "--points", "4", "3", *ONE_TERM, "--mass-range", "10", "20",
                       "--format", "csv", "--out", tmp_path / "g")
    assert code == 0
    first, note = out.splitlines()[:2]
    assert first.startswith("scan of eps: 12 points, chi2_min = ") and first.endswith(", 0 excluded")
    assert note == ("note: the mass is unconstrained over the range (the profile varies by less than 0.1): contours "
                    "use the 1-parameter levels")
    columns, rows = read_rows(tmp_path / "g.csv")
    assert columns == ["mass_MeV", "eps", "delta_chi2"]
    np.testing.assert_allclose(np.unique(rows[:, 0]), np.geomspace(10, 20, 4), rtol=1e-8)
    expected = [closed_form(m, e) for m, e in rows[:, :2]]
    np.testing.assert_allclose(rows[:, 2], expected, rtol=1e-8)


def test_2d_scan_netcdf_by_default(cli, tmp_path):
    xarray = pytest.importorskip("xarray")
    code, out, _ = cli("scan", "--grid", "--points", "4", "3", *ONE_TERM, "--mass-range", "10", "20",
                       "--out", tmp_path / "g")
    assert code == 0 and out.splitlines()[-1] == f"wrote {tmp_path / 'g.nc'} and {tmp_path / 'g.png'}"
    with xarray.open_dataset(tmp_path / "g.nc", engine="h5netcdf") as data:
        assert data["delta_chi2"].dims == ("mass_MeV", "eps") and data["delta_chi2"].shape == (4, 3)
        mm, ee = np.meshgrid(data["mass_MeV"].values, data["eps"].values, indexing="ij")
        expected = np.vectorize(closed_form)(mm, ee)
        np.testing.assert_allclose(data["delta_chi2"].values, expected, rtol=1e-8)
        assert (data["excluded_by"].values == 0).all() and json.loads(data.attrs["provenance"])["command"] == "scan"


@pytest.mark.parametrize("argv, message", [
    ((), "dpfit scan: give --mass MEV for a 1D scan, or --grid for a 2D scan"),
    (("--grid", "--mass", "17"), "option --mass: --grid scans the mass range; use --mass-range instead"),
    (("--mass", "17", "--points", "10", "10"), "option --points: a 1D scan takes one number of points"),
    (("--grid", "--points", "5"), "option --points: a 2D scan takes two numbers of points: NM NE"),
    (("--grid", "--points", "3000", "3000"), "option --points: a 2D scan takes at most 2000 points per axis"),
    (("--mass", "17", "--points", "1"), "argument --points: expected an integer from 2 to 10000, got 1"),
    (("--mass", "17", "--format", "netcdf"), "option --format: netcdf holds 2D scans; a 1D scan is written as csv"),
    (("--mass", "17", "--coupling", "eps_e"), "option --coupling: "),
    (("--grid", "--points", "3", "3", "--executor", "threads"), "option --executor: expected one of serial"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("scan", *argv, "--out", tmp_path / "s")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
