"""dpfit.cli.cmd_landscape: ``dpfit landscape`` (recast searches: report, CSV, figure, NetCDF) and its CSV writer."""

from __future__ import annotations

import csv
import io
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from dpfit.cli.cmd_landscape import cmd_landscape, landscape_csv, register
from dpfit.cli.options import OneLineParser


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["landscape", "--model", "B-L", "--out", "L"])
    assert (args.func, args.model, tuple(args.mass_range), args.decays) == (cmd_landscape, "B-L", (1.0, 1000.0), "all")


def test_landscape_csv_one_row_per_mass_and_band():
    """Rows in contour order, every band of every mass; a band marked absent (lower edge inf) is skipped;
    a citation with commas stays one field."""
    inf = math.inf
    land = SimpleNamespace(curves=[
        SimpleNamespace(limit="A_2020", citation="A. Author, Phys. Rev. D 1 (2020) 2, arXiv:2001.00001",
                        mass=np.array([10.0, 20.0]), lower=np.array([[1e-4, 2e-4], [5e-3, inf]]),
                        upper=np.array([[1e-3, 1.5e-3], [6e-3, inf]])),
        SimpleNamespace(limit="B_2021", citation="B", mass=np.array([1.0 / 3]), lower=np.array([[1e-5]]),
                        upper=np.array([[inf]]))])
    rows = list(csv.reader(io.StringIO(landscape_csv(land))))
    assert rows == [["limit", "citation", "mass_MeV", "eps_lower", "eps_upper"],
                    ["A_2020", "A. Author, Phys. Rev. D 1 (2020) 2, arXiv:2001.00001", "10", "0.0001", "0.001"],
                    ["A_2020", "A. Author, Phys. Rev. D 1 (2020) 2, arXiv:2001.00001", "10", "0.005", "0.006"],
                    ["A_2020", "A. Author, Phys. Rev. D 1 (2020) 2, arXiv:2001.00001", "20", "0.0002", "0.0015"],
                    ["B_2021", "B", "0.3333333333", "1e-05", "inf"]]


def test_invisible_landscape_report_and_files(cli, tmp_path):
    xarray = pytest.importorskip("xarray")
    prefix = tmp_path / "L"
    code, out, err = cli("landscape", "--model", "B-L", "--mass-range", "16.6", "16.8", "--decays", "invisible",
                         "--out", prefix)
    assert code == 0
    with open(f"{prefix}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    searches = sorted({row["limit"] for row in rows})
    lines = out.splitlines()
    assert lines[0] == f"landscape of B-L: {len(searches)} searches over 16.6-16.8 MeV" and searches
    assert lines[1].startswith("  16.6-16.8 MeV: ") and set(lines[1].split(": ", 1)[1].split(", ")) == set(searches)
    window = [line for line in lines if line.startswith("window in the ATOMKI region")]
    assert all(line.endswith("no visible search was drawn (--decays), so none closes it") for line in window)
    assert err == (f"wrote {prefix}.png, {prefix}.pdf, {prefix}.csv (+ provenance), {prefix}.nc: {len(searches)} "
                   "searches recast to B-L\n")
    survival = [line for line in lines if line.startswith("  WP20 ") or line.startswith("  WP25 ")
                or line.startswith("  BMW21 ")]
    assert len(survival) == 3 and all(" invisible: " in line for line in survival)  # the invisible family only
    prov = json.loads((tmp_path / "L.csv.provenance.json").read_text())
    assert (prov["command"], prov["model"], prov["decays"], prov["mass_range"]) == ("landscape", "B-L", "invisible",
                                                                                   [16.6, 16.8])
    assert all(float(row["eps_lower"]) > 0 for row in rows)
    with xarray.open_dataset(f"{prefix}.nc", engine="h5netcdf") as data:
        assert len(data.data_vars) > 0
    assert (tmp_path / "L.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "L.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("argv, message", [
    (("--model", "lepton"), "option --model: the landscape needs a model with one coupling"),
    (("--model", "nope"), "option --model: unknown model 'nope'"),
    (("--model", "B-L", "--decays", "some"), "argument --decays: invalid choice: 'some'"),
    (("--model", "B-L", "--mass-range", "10", "10"),
     "option --mass-range: expected LOW HIGH with 0 < LOW < HIGH (MeV), got 10 10"),
    (("--model", "B-L", "--mass-range", "0.001", "0.002", "--decays", "visible"),
     "option --mass-range: no shipped limit constrains B-L over 0.001-0.002 MeV"),
    (("--mass-range", "1", "10"), "the following arguments are required: --model"),
])
def test_bad_option_is_one_line(cli, tmp_path, argv, message):
    code, out, err = cli("landscape", *argv, "--out", tmp_path / "L")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
