"""dpfit.inference.window: the surviving window at the X17 mass three ways (interval algebra, profile, posterior) and
the excluded status (a `dpfit reproduce --quick` and a `dpfit sample` test wait here for their areas)."""

import json

import numpy as np
import pytest

import dpfit
from tests.helpers import eps_quadrature
from dpfit.model.analysis import Analysis
from dpfit.inference.window import interval_algebra, profile_window, window
from dpfit.output.wording import note_text
from dpfit.output.wording import notes_text

M_E = 0.51099895069
MASS = 16.7


def test_paper_window_by_interval_algebra():
    pieces = interval_algebra(Analysis(convention="paper").likelihood(), 16.7)
    assert len(pieces) == 1
    lo, hi = pieces[0]
    assert lo == 6.8e-4  # NA64 upper edge
    assert hi == pytest.approx(eps_quadrature(16.7, (34 + 2 * 16) * 1e-14, M_E, 1 / 137), rel=1e-9)
    assert f"{hi:.3g}" == "0.000961"


def test_padme_and_atomki_do_not_cut_inside_the_window():
    base = Analysis(convention="paper")
    full = interval_algebra(base.likelihood(), 16.7)
    assert interval_algebra(base.replace(limits=("na64_point",)).likelihood(), 16.7) == full
    assert interval_algebra(base.replace(atomki=None).likelihood(), 16.7) == full


def test_profile_window_inside_algebra_window():
    joint = Analysis(convention="paper").likelihood()
    (plo, phi), = profile_window(joint, 16.7)
    (alo, ahi), = interval_algebra(joint, 16.7)
    assert plo == alo and phi < ahi  # muon term pulls the joint fit down a little



def test_interval_algebra_applies_the_poisson_limit_at_its_cl(tmp_path):
    path = tmp_path / "up.csv"
    path.write_text("mass_MeV,eps_lower\n10,9e-4\n30,9e-4\n")  # below Rb20's 2 sigma top, 9.587e-4
    analysis = Analysis(muon=None, electron="Rb20", atomki=None, limits=(), limit_files=(f"{path}:lepton=e",),
                        limit_model="poisson")
    pieces = interval_algebra(analysis.likelihood(), MASS)
    assert pieces[-1][1] == pytest.approx(9e-4, rel=1e-12)
    from dpfit.inference.window import algebra_composition

    assert any("upper limit" in text and "(90 % one-sided)" in text for text in notes_text(algebra_composition(analysis.likelihood(), MASS)))


def test_muon_poisson_limit_under_wp20_is_excluded(tmp_path):
    path = tmp_path / "mu.csv"
    path.write_text("mass_MeV,eps_lower\n10,5e-4\n30,5e-4\n")
    analysis = Analysis(muon="WP20", electron=None, atomki=None, limits=(), limit_files=(f"{path}:lepton=mu",),
                        limit_model="poisson", mass_range=(16.0, 17.5))
    result = dpfit.window(analysis, MASS, progress=False)
    assert result.status == "excluded"
    assert result.gof.ndof == 1 and result.gof.p_value == pytest.approx(9e-9, rel=0.1)



def test_window_reports_excluded_status_instead_of_a_window(cli):
    result = window(Analysis(muon="WP20"), MASS)
    assert result.status == "excluded" and result.profile is None and result.posterior is None
    assert result.gof.p_value < 0.0027
    assert "gm2:WP20 vs gm2:Rb20" in note_text(result.compatibility.worst())
    code, out, _ = cli("window", "--muon", "WP20", "--format", "json", "--no-progress")
    doc = json.loads(out)
    assert code == 0 and doc["status"] == "excluded" and doc["posterior"] is None
    assert doc["gof"]["p_value"] == pytest.approx(result.gof.p_value, rel=1e-12)
    code, out, _ = cli("window", "--muon", "WP20", "--gof-threshold", "1e-7", "--steps", "60", "--walkers", "8",
                       "--no-progress", "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "allowed"



def test_window_cli_json_keys(cli, tmp_path):
    code, out, _ = cli("window", "--steps", "300", "--walkers", "16", "--no-progress", "--format", "json",
                       "--convention", "paper")
    doc = json.loads(out)
    assert code == 0
    assert {"mass_MeV", "interval_algebra", "profile", "posterior", "terms", "provenance", "gof", "status",
            "compatibility", "limits", "notes"} <= set(doc)
    assert [(c["name"], c["cl"], c["production"], c["constrains_model"]) for c in doc["limits"]] == [
        ("na48", 0.9, "quark", False), ("na64_point", 0.9, "electron", True), ("padme", 0.9, "electron", True)]
    assert doc["status"] == "allowed"
    assert doc["interval_algebra"]["pieces"][0][0] == 6.8e-4
    assert doc["profile"]["delta_chi2"] == 4.0 and doc["profile"]["sided"] == "two-sided"
    (lo, hi), = doc["posterior"]["pieces"]  # the grid's 95% HPD region: it ends at NA64's wall
    assert lo == pytest.approx(6.8e-4) and hi < 9.4e-4
    assert doc["posterior"]["central"]["method"].startswith("central")
    assert doc["posterior"]["check"]["agreement"]["agrees"]


def test_reproduce_quick_writes_everything(cli, tmp_path):
    out = tmp_path / "results"
    code, _, err = cli("reproduce", "--quick", "--out", out, "--no-progress")
    assert code == 0, err
    expected = {"table_paper.csv", "table_precise.csv", "intervals_exact.csv", "electron.json", "window.json",
                "muon_bands.png", "muon_bands.pdf", "overlay.png", "overlay.pdf", "corner.png", "corner.pdf",
                "corner.json", "scan_2d.csv", "scan_2d.png", "chain.h5", "report.md", "provenance.json",
                "table_paper.csv.provenance.json", "table_precise.csv.provenance.json",
                "intervals_exact.csv.provenance.json", "scan_2d.csv.provenance.json"}
    assert expected <= {p.name for p in out.iterdir()}
    for name in expected:
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / name).stat().st_size > 5000
        if name.endswith(".pdf"):
            assert (out / name).read_bytes()[:5] == b"%PDF-"
    report = (out / "report.md").read_text()
    assert "| eps_mu for WP20 at 17 MeV | Table 1 | `1.823e-3` | 0.001823 | 0.001823 | +" in report
    assert "(630)" in report and "10^-14" in report
    table = (out / "table_paper.csv").read_text().splitlines()
    assert table[0] == "mass_MeV,eps_WP20,sigma_WP20,eps_BMW21,sigma_BMW21,eps_WP25,sigma_WP25"
    window = json.loads((out / "window.json").read_text())
    assert window["interval_algebra"]["pieces"][0][0] == pytest.approx(6.62e-4, rel=0.005)  # NA64's published contour
    assert "| reference | [0.000662, 0.0009587] |" in report
    assert "| NA64 single point (`--limits na48,na64_point,padme`) | [0.00068, 0.0009587] |" in report
    assert "excludes ε > 0.0007289 at 16.7 MeV" in report
    survival = report[report.index("survives the published searches"):]
    assert "| dark_photon | WP20 | 8.2" in survival and "| protophobic | WP20 | " in survival  # a narrow strip
    # a second run replaces the directory whole, leaving no staging (even a killed run's) or backup behind
    (tmp_path / ".results.partial-killed").mkdir()
    code, _, _ = cli("reproduce", "--quick", "--out", out, "--no-progress")
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert np.isfinite(window["posterior"]["pieces"][0]).all()


def test_sample_with_gaussian_mass_prior_and_uniform_eps(cli, tmp_path):
    code, out, err = cli("sample", "--atomki", "atomki_4he", "--mass-prior", "gaussian", "--eps-prior", "uniform",
                         "--steps", "200", "--walkers", "16", "--no-progress", "--out", tmp_path / "c.h5")
    assert code == 0, err
    from dpfit.inference.bayes.chains import read_chain

    chain = read_chain(tmp_path / "c.h5")
    assert chain.names == ["m", "eps"]
    assert abs(np.median(chain.chain[100:, :, 0]) - 16.94) < 0.3

