"""Tests left here for other areas: the export command's bad options (dpfit.cli.cmd_export) and the reprs of
an Analysis and a Scan (dpfit.model.analysis, dpfit.inference.profile.scan)."""

from __future__ import annotations

from dpfit.model.analysis import Analysis


def test_export_bad_inputs_one_line(cli, tmp_path):
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP99", "--out", tmp_path / "x.lmt")
    assert code == 2 and err.startswith("dpfit: error: option --scenario") and err.count("\n") == 1
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--cl", "1.5", "--out", tmp_path / "x.lmt")
    assert code == 2 and "option --cl" in err
    code, _, err = cli("export", "chain", tmp_path / "missing.h5", "--out", tmp_path / "x.nc")
    assert code == 2 and "no such chain file" in err
    assert not list(tmp_path.iterdir())


def test_reprs_are_informative():
    from dpfit.inference.profile.scan import log_grid, scan_1d

    analysis = Analysis()
    text = repr(analysis)
    assert "limits=default" in text and "mass_range=the region's" in text and "model='protophobic'" in text
    assert "muon_wp25" in repr(analysis.model()) and " at 0x" not in repr(analysis.model())
    scan = scan_1d(analysis.likelihood(), 17.0, log_grid(1e-5, 1e-2, 10))
    assert repr(scan).startswith("Scan(eps: 1 masses") and "of 10 points allowed" in repr(scan)
