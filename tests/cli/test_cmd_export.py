"""dpfit.cli.cmd_export: ``dpfit export band|window|hepdata|chain`` say what they wrote; band edges in closed form."""

from __future__ import annotations

import tarfile

import numpy as np
import pytest

from dpfit.cli.cmd_export import cmd_export_band, cmd_export_chain, cmd_export_hepdata, cmd_export_window, register
from dpfit.cli.options import OneLineParser
from tests.cli.gm2_reference import ONLY_MUON, delta_mu, gaussian_interval, k_mu


def parse(*argv):
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["export", *argv])


def lmt_rows(path):
    """(mass in MeV, edge) of a DarkCast .lmt file: whitespace columns, mass in GeV, '#' comments."""
    rows = np.array([[float(c) for c in line.split()] for line in path.read_text().splitlines()
                     if line.strip() and not line.startswith("#")])
    return rows[:, 0] * 1e3, rows[:, 1]


def test_register_defaults():
    args = parse("band", "--lepton", "mu", "--scenario", "WP25", "--out", "b.lmt")
    assert (args.func, args.cl, tuple(args.mass_range), args.points, args.format) == (cmd_export_band, "2sigma",
                                                                                      (1.0, 1000.0), 300, "lmt")
    args = parse("window", "--out", "w.lmt")
    assert (args.func, args.points) == (cmd_export_window, 100)
    args = parse("hepdata", "--out", "h.tar.gz")
    assert (args.func, args.points, tuple(args.grid_points), tuple(args.band_range)) == (cmd_export_hepdata, 100,
                                                                                         (40, 40), (1.0, 1000.0))
    args = parse("chain", "c.h5", "--out", "c.nc")
    assert (args.func, args.format) == (cmd_export_chain, "netcdf")


def test_band_upper_limit_closed_form(cli, tmp_path):
    """WP25: Δa_μ − 2σ < 0, so the 2σ region reaches ε = 0: an upper limit, ε² = (Δa + 2σ)/k(m)."""
    out = tmp_path / "b.lmt"
    code, stdout, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--points", "3",
                            "--mass-range", "10", "20", "--out", out)
    assert code == 0 and err == ""
    assert stdout == f"wrote {out}: (g-2)_mu WP25 at 2sigma, upper limit, 3 masses 10-20 MeV\n"
    masses, upper = lmt_rows(out)
    np.testing.assert_allclose(masses, np.geomspace(10, 20, 3), rtol=1e-9)
    expected = [gaussian_interval(*delta_mu("WP25"), k_mu(float(m)), 4.0)[1] for m in masses]
    np.testing.assert_allclose(upper, expected, rtol=1e-8)


def test_band_with_two_edges_writes_one_file_per_edge(cli, tmp_path):
    """WP20: 5.8σ from zero, a band: FILE_lower.lmt and FILE_upper.lmt at the 1σ level."""
    code, stdout, _ = cli("export", "band", "--lepton", "mu", "--scenario", "WP20", "--cl", "1sigma", "--points", "3",
                          "--mass-range", "10", "20", "--out", tmp_path / "b.lmt")
    lower, upper = tmp_path / "b_lower.lmt", tmp_path / "b_upper.lmt"
    assert code == 0 and stdout == (f"wrote {lower}, {upper}: (g-2)_mu WP20 at 1sigma, preferred band, one file per "
                                    "edge (allowed region, not a limit), 3 masses 10-20 MeV\n")
    for index, path in enumerate((lower, upper)):
        masses, edge = lmt_rows(path)
        expected = [gaussian_interval(*delta_mu("WP20"), k_mu(float(m)), 1.0)[index] for m in masses]
        np.testing.assert_allclose(edge, expected, rtol=1e-8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b_lower.lmt", "b_upper.lmt"]


def test_window_says_how_many_masses_have_a_window(cli, tmp_path):
    code, stdout, _ = cli("export", "window", "--points", "4", "--out", tmp_path / "w.lmt")
    lower, upper = tmp_path / "w_lower.lmt", tmp_path / "w_upper.lmt"
    masses, low = lmt_rows(lower)
    _, high = lmt_rows(upper)
    assert code == 0 and stdout == (f"wrote {lower}, {upper}: the window's lower and upper edges (allowed region, "
                                    f"not a limit) at {len(masses)} of 4 masses\n")
    assert (low < high).all()


def test_hepdata_counts_its_tables(cli, tmp_path):
    out = tmp_path / "h.tar.gz"
    code, stdout, _ = cli("export", "hepdata", "--points", "3", "--grid-points", "3", "3", "--band-range", "10", "20",
                          "--muon", "WP20", *ONLY_MUON, "--atomki", "--out", out)
    assert code == 0 and stdout == f"wrote {out}: HEPData submission with 3 tables\n"  # window, one band, 2D scan
    with tarfile.open(out) as archive:
        tables = [n for n in archive.getnames() if n.endswith(".yaml") and n != "submission.yaml"]
    assert len(tables) == 3


def test_chain_getdist_lists_what_it_wrote(cli, tmp_path):
    assert cli("sample", "--muon", "WP20", *ONLY_MUON, "--mass-range", "16", "18", "--steps", "10", "--walkers", "8",
               "--no-progress", "--out", tmp_path / "c.h5")[0] == 0
    code, stdout, _ = cli("export", "chain", tmp_path / "c.h5", "--format", "getdist", "--out", tmp_path / "gd" / "c")
    written = stdout.removeprefix("wrote ").rstrip("\n").split(", ")
    assert code == 0 and stdout.startswith("wrote ")
    assert sorted(written) == sorted(str(p) for p in (tmp_path / "gd").iterdir())
    assert {str(tmp_path / "gd" / f"c.{ext}") for ext in ("txt", "paramnames", "ranges")} <= set(written)


@pytest.mark.parametrize("argv, message", [
    (("band", "--lepton", "tau", "--scenario", "WP25"), "argument --lepton: invalid choice: 'tau'"),
    (("band", "--lepton", "mu", "--scenario", "Rb20"), "option --scenario: unknown mu scenario 'Rb20'; known: WP20"),
    (("band", "--lepton", "mu", "--scenario", "WP25", "--cl", "0"), "option --cl: expected a probability strictly"),
    (("band", "--lepton", "mu", "--scenario", "WP25", "--points", "1"), "argument --points: expected an integer"),
    (("band", "--lepton", "mu", "--scenario", "WP25", "--format", "csv"), "argument --format: invalid choice: 'csv'"),
    (("window", "--points", "1"), "argument --points: expected an integer from 2 to 10000, got 1"),
    (("window", "--points", "3", "--muon", "WP99"), "option --muon: unknown mu scenario 'WP99'"),
    (("hepdata", "--grid-points", "3"), "argument --grid-points: expected 2 arguments"),
    (("hepdata", "--points", "3", "--grid-points", "3", "3", "--band-range", "20", "10"),
     "option --band-range: expected LO < HI, got 20 10"),
    (("band", "--lepton", "mu", "--scenario", "WP25", "--mass-range", "20", "10"),
     "option --mass-range: expected LO < HI, got 20 10"),
    (("chain", "missing.h5"), "missing.h5: no such chain file"),
    (("chain", "missing.h5", "--format", "csv"), "argument --format: invalid choice: 'csv'"),
    (("nothing",), "argument WHAT: invalid choice: 'nothing'"),
])
def test_bad_option_is_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("export", *argv, "--out", "x.out")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
