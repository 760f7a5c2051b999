"""DarkCast .lmt exports (dpfit.output.export_lmt): a (g-2) band or limit and the window, read back through
dpfit's reader and checked against closed forms with F_V from quadrature; what is an allowed region never reads
back as an exclusion."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize, stats

from tests.helpers import fv_quadrature
from tests.output.chain_helpers import synthetic_chain
from dpfit.errors import InputError
from dpfit.inputs.contours import read_lmt
from dpfit.model.analysis import Analysis
from dpfit.output.export_lmt import MEV_PER_GEV, band_lmt, edge_path, recast_lmt, window_lmt

REL = 1e-4


def k_of(record, mass: float) -> float:
    """δa/ε² = α F_V(m/m_ℓ)/2π with F_V by quadrature."""
    return record.alpha / (2 * math.pi) * fv_quadrature(mass / record.lepton_mass)


def upper_by_root(record, mass: float, dchi2: float) -> float:
    """ε where Δχ² of the Gaussian (g−2) term reaches dchi2 above its minimum (root finding, not the closed form)."""
    k, delta, sigma = k_of(record, mass), record.delta_a.value, record.delta_a.sigma
    chi2_min = (delta / sigma) ** 2 if delta < 0 else 0.0
    best = math.sqrt(max(delta, 0.0) / k)
    f = lambda e: ((k * e * e - delta) / sigma) ** 2 - chi2_min - dchi2  # noqa: E731
    return optimize.brentq(f, best, 1.0, xtol=1e-16, rtol=1e-13)


# ----------------------------------------------------------------------------- DarkCast .lmt


def test_band_lmt_upper_limit_reads_back(cli, tmp_path):
    out = tmp_path / "wp25.lmt"
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--cl", "2sigma",
                       "--mass-range", "1", "1000", "--points", "300", "--format", "lmt", "--out", out)
    assert code == 0, err
    text = out.read_text()
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) == 300 and all(len(r.split()) == 2 for r in rows)  # Δa − 2σ < 0: an upper limit
    assert "delta chi2 <= 4" in text and "95.45 %" in text
    prov = json.loads(next(line for line in text.splitlines() if line.startswith("# provenance: "))[14:])
    assert {f["name"] for f in prov["files"]} >= {"muon_wp25", "a_mu_sm_wp25"} and "a_mu_sm_wp20" not in json.dumps(prov)
    contour = read_lmt(out)
    assert np.allclose(contour.mass, np.geomspace(1, 1000, 300), rtol=REL)
    record = Analysis().inputs.gm2_card("mu", "WP25")
    for i in (0, 150, 299):
        assert contour.lower[i] == pytest.approx(upper_by_root(record, contour.mass[i], 4.0), rel=REL)


def lmt_rows(text: str) -> np.ndarray:
    """The numeric rows of an .lmt text, parsed here (not by the reader under test)."""
    return np.array([[float(c) for c in r.split()] for r in text.splitlines() if r.strip() and not r.startswith("#")])


def test_band_lmt_one_file_per_edge_and_one_sided_level():
    from dpfit.inference.levels import parse_level
    from dpfit.inputs.records import Gm2Card, Measurement

    base = Analysis().inputs.gm2_card("mu", "WP25")
    strong = Gm2Card("x", "mu", "X", Measurement(2.5e-9, 5e-10), base.lepton_mass, base.alpha, "", "x")
    texts = band_lmt(strong, [10.0, 100.0], parse_level("0.9"))
    assert set(texts) == {"lower", "upper"}  # a preferred band: one two-column file per edge, as DarkCast's AMM files
    lower, upper = lmt_rows(texts["lower"]), lmt_rows(texts["upper"])
    assert lower.shape == upper.shape == (2, 2) and np.array_equal(lower[:, 0], upper[:, 0])
    assert "# holds: preferred band, lower edge" in texts["lower"] and "# holds: preferred band, upper edge" in texts["upper"]
    c = stats.chi2.ppf(0.9, 1)
    for (m_gev, lo), (_, hi) in zip(lower, upper):
        k = k_of(strong, m_gev * 1e3)
        assert lo == pytest.approx(math.sqrt((2.5e-9 - math.sqrt(c) * 5e-10) / k), rel=REL)
        assert hi == pytest.approx(upper_by_root(strong, m_gev * 1e3, c), rel=REL)
    negative = Analysis().inputs.gm2_card("e", "Cs18")  # Δa < 0: best fit on the boundary
    assert negative.delta_a.value < 0
    texts = band_lmt(negative, [17.0, 18.0], parse_level("0.9"))
    assert set(texts) == {"limit"} and "# holds: upper limit" in texts["limit"]
    # ½ + ½ F(2.706) = 0.95 (Chernoff) is the most the limit covers; 90 % the least
    assert "one-sided" in texts["limit"] and "between 90 % and 95 %" in texts["limit"]
    assert lmt_rows(texts["limit"])[0, 1] == pytest.approx(upper_by_root(negative, 17.0, c), rel=REL)


def test_window_lmt_one_file_per_edge(cli, tmp_path):
    from dpfit.inference.profile.scan import log_grid
    from dpfit.inference.window import algebra_over_masses

    out = tmp_path / "window.lmt"
    code, _, err = cli("export", "window", "--points", "25", "--out", out)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["window_lower.lmt", "window_upper.lmt"]
    analysis = Analysis()
    masses, pieces = algebra_over_masses(analysis.likelihood(), log_grid(*analysis.resolved_mass_range(), 25))
    kept = [(m, p[0]) for m, p in zip(masses, pieces) if p]
    lower, upper = (lmt_rows((tmp_path / f"window_{edge}.lmt").read_text()) for edge in ("lower", "upper"))
    assert len(lower) == len(upper) == len(kept) >= 2
    assert np.allclose(lower[:, 0] * 1e3, [m for m, _ in kept], rtol=REL)
    assert np.allclose(lower[:, 1], [p[0] for _, p in kept], rtol=REL)
    assert np.allclose(upper[:, 1], [p[1] for _, p in kept], rtol=REL)


def test_every_export_as_a_limit_is_refused_or_keeps_its_meaning(cli, tmp_path):
    """An allowed region must never be read back as an exclusion (it used to: three columns = excluded band)."""
    from dpfit.inputs.contours import read_lmt

    assert cli("export", "band", "--lepton", "e", "--scenario", "Rb20", "--points", "20", "--out", tmp_path / "rb20.lmt")[0] == 0
    assert cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--points", "20", "--out", tmp_path / "wp25.lmt")[0] == 0
    assert cli("export", "window", "--points", "12", "--out", tmp_path / "w.lmt")[0] == 0
    assert cli("export", "hepdata", "--points", "6", "--grid-points", "4", "4", "--out", tmp_path / "h.tar.gz")[0] == 0
    assert cli("table", "--masses", "10,17", "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    assert cli("scan", "--grid", "--points", "4", "3", "--format", "csv", "--out", tmp_path / "s")[0] == 0
    assert cli("scan", "--grid", "--points", "4", "3", "--out", tmp_path / "g")[0] == 0
    synthetic_chain(tmp_path / "c.h5", steps=60)
    assert cli("export", "chain", tmp_path / "c.h5", "--out", tmp_path / "c.nc")[0] == 0
    refused = {"rb20_lower.lmt": "allowed region", "rb20_upper.lmt": "allowed region", "w_lower.lmt": "allowed region",
               "w_upper.lmt": "allowed region", "h.tar.gz": "must end in", "t.csv": "header must be",
               "s.csv": "header must be", "g.nc": "must end in", "c.nc": "must end in"}
    for name, why in refused.items():
        code, out, err = cli("fit", "--mass", "16.7", "--limit-file", tmp_path / name)
        assert code == 2 and not out and err.count("\n") == 1 and why in err and "Traceback" not in err, (name, err)
    # the one export that is a limit (the WP25 2 sigma region reaches eps = 0) reads back as that limit:
    # eps above the written edge excluded, nothing below it
    contour = read_lmt(tmp_path / "wp25.lmt")
    record = Analysis().inputs.gm2_card("mu", "WP25")
    assert np.all(np.isinf(contour.upper))
    assert contour.lower[10] == pytest.approx(upper_by_root(record, contour.mass[10], 4.0), rel=REL)
    code, out, err = cli("fit", "--mass", "16.7", "--limit-file", tmp_path / "wp25.lmt")
    assert code == 0 and "wp25" in out, err



def test_edge_path_names_one_file_per_edge(tmp_path):
    assert edge_path(tmp_path / "w.lmt", "limit") == tmp_path / "w.lmt"
    assert edge_path(tmp_path / "w.lmt", "lower") == tmp_path / "w_lower.lmt"
    assert edge_path(tmp_path / "w", "upper") == tmp_path / "w_upper.lmt"  # DarkCast's extension added
    assert edge_path("out/band.txt", "upper").as_posix() == "out/band_upper.txt"


def test_window_lmt_leaves_out_empty_masses_and_says_so():
    masses = [16.0, 16.5, 17.0, 17.5]
    pieces = [[[6.6e-4, 9.0e-4]], [], [[6.7e-4, 9.5e-4]], [[6.8e-4, 9.6e-4]]]
    texts = window_lmt(masses, pieces, prov={"command": "export"})
    assert set(texts) == {"lower", "upper"}
    lower, upper = lmt_rows(texts["lower"]), lmt_rows(texts["upper"])
    np.testing.assert_allclose(lower[:, 0] * MEV_PER_GEV, [16.0, 17.0, 17.5], rtol=1e-9)
    np.testing.assert_allclose(lower[:, 1], [6.6e-4, 6.7e-4, 6.8e-4], rtol=1e-9)
    np.testing.assert_allclose(upper[:, 1], [9.0e-4, 9.5e-4, 9.6e-4], rtol=1e-9)
    assert "# masses 0.016 .. 0.0175 GeV; 1 of 4 masses with an empty window left out\n" in texts["lower"]
    assert "# holds: allowed window, lower edge" in texts["lower"] and "# holds: allowed window, upper edge" in texts["upper"]
    prov = next(line for line in texts["upper"].splitlines() if line.startswith("# provenance: "))
    assert json.loads(prov[len("# provenance: "):]) == {"command": "export"}


@pytest.mark.parametrize("pieces, message", [
    ([[[1e-4, 2e-4], [3e-4, 4e-4]], [[1e-4, 2e-4]]], "the window has 2 separate intervals at m = 16 MeV"),
    ([[[1e-4, 2e-4]], []], "the window is non-empty at fewer than two masses")])
def test_window_lmt_refuses_what_one_band_per_mass_cannot_hold(pieces, message):
    with pytest.raises(InputError, match=message) as caught:
        window_lmt([16.0, 17.0], pieces, source="option --out")
    assert str(caught.value).startswith("option --out: ") and "\n" not in str(caught.value)


def test_recast_to_the_dark_photon_writes_the_published_limit_back():
    """Recasting a dark-photon limit to the dark photon is the identity: the file holds the published edges."""
    from dpfit.model.recast import recast_contour

    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model="dark_photon")
    for name, columns, holds in (("na48", 2, "upper limit"), ("na64", 3, "excluded band")):
        record = analysis.inputs.record(name)
        text = recast_lmt(record, recast_contour(record, analysis.vector, analysis.physics()), analysis.vector,
                          prov={"command": "recast"})
        rows = lmt_rows(text)
        assert rows.shape == (record.contour.mass.size, columns) and f"# holds: {holds}" in text
        np.testing.assert_allclose(rows[:, 0] * MEV_PER_GEV, record.contour.mass, rtol=1e-9)
        published = np.atleast_2d(record.contour.lower)[0]
        np.testing.assert_allclose(rows[:, 1], np.where(np.isfinite(published), published, 1e5), rtol=1e-9)
        if columns == 3:
            top = np.atleast_2d(record.contour.upper)[0]
            np.testing.assert_allclose(rows[:, 2], np.where(np.isfinite(top), top, 1e5), rtol=1e-9)
        assert f"dpfit: limit {name} ({record.experiment}) recast from the dark photon to the dark_photon model" in text
        assert "JHEP 06 (2018) 004" in text


def test_recast_file_reads_back_as_the_published_limit(tmp_path):
    from dpfit.model.recast import recast_contour

    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model="dark_photon")
    record = analysis.inputs.record("na48")
    path = tmp_path / "na48.lmt"
    path.write_text(recast_lmt(record, recast_contour(record, analysis.vector, analysis.physics()), analysis.vector))
    contour = read_lmt(path)
    np.testing.assert_allclose(contour.mass, record.contour.mass, rtol=1e-9)
    np.testing.assert_allclose(contour.lower, record.contour.lower, rtol=1e-9)
    assert np.isinf(contour.upper).all()  # one-sided: every coupling above the edge excluded


def test_a_single_point_limit_is_written_over_its_mass_range_and_reads_back(cli, tmp_path):
    """PADME's single point (16.9 MeV, applying over 16.4-17.4 MeV) becomes two rows at the range's ends, the
    published value at both: a contour the .lmt reader and --limit-file take."""
    from dpfit.model.recast import recast_contour

    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model="dark_photon")
    record = analysis.inputs.record("padme")
    assert record.contour.mass.size == 1 and tuple(record.mass_range) == (16.4, 17.4)
    path = tmp_path / "padme.lmt"
    path.write_text(recast_lmt(record, recast_contour(record, analysis.vector, analysis.physics()), analysis.vector))
    contour = read_lmt(path)
    np.testing.assert_allclose(contour.mass, [16.4, 17.4], rtol=1e-12)
    np.testing.assert_allclose(contour.lower, np.repeat(np.atleast_2d(record.contour.lower)[0], 2), rtol=1e-9)
    code, out, err = cli("fit", "--mass", "16.9", "--limit-file", str(path), "--limits", "none", "--no-atomki")
    assert code == 0, err


def test_a_recast_band_with_empty_masses_reads_back(tmp_path):
    """NA64's band recast to B-L: where nothing is excluded the file holds DarkCast's 1e5 in both columns; the
    reader takes such a row as an empty band, and every other row back as written."""
    from dpfit.model.recast import recast_contour

    analysis = Analysis(muon=None, electron=None, atomki=None, limits=(), vector_model="B-L")
    record = analysis.inputs.record("na64")
    contour = recast_contour(record, analysis.vector, analysis.physics())
    path = tmp_path / "na64_bl.lmt"
    path.write_text(recast_lmt(record, contour, analysis.vector))
    back = read_lmt(path)
    lower, upper = np.atleast_2d(contour.lower)[0], np.atleast_2d(contour.upper)[0]
    empty = ~np.isfinite(lower)
    assert empty.any() and (~empty).any()  # both kinds of row are in the file
    np.testing.assert_allclose(back.lower[~empty], lower[~empty], rtol=1e-9)
    np.testing.assert_allclose(back.upper[~empty], upper[~empty], rtol=1e-9)
    assert np.all(back.lower[empty] == 1e5) and np.all(back.upper[empty] == 1e5)
