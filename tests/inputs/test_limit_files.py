"""Exclusions as the experiments published them: DarkCast .lmt semantics, several bands, NA64's contour by
default, limits that say where they have no data, --limit-file, the zero-event Poisson limit model, production
couplings (NA48/2) and the invisible width on prompt searches."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from scipy import stats

from dpfit.errors import InputError
from dpfit.inference.window import interval_algebra
from dpfit.inputs.contours import read_lmt
from dpfit.inputs.load import default_dir
from dpfit.likelihood.fused import compiled
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, PoissonLimit
from dpfit.model.analysis import Analysis
from dpfit.model.coverage import coverage_notes
from tests.helpers import DARKCAST

needs_darkcast = pytest.mark.skipif(not (DARKCAST / "E141_Riordan1987aw.lmt").exists(),
                                    reason="../shared/external/darkcast not present")


def loglog(mass, m0, m1, v0, v1):
    """Linear interpolation in (ln m, ln v) between two points, by hand."""
    t = (math.log(mass) - math.log(m0)) / (math.log(m1) - math.log(m0))
    return math.exp(math.log(v0) + t * (math.log(v1) - math.log(v0)))


# ------------------------------------------------------------------ the .lmt format


def test_repeated_masses_collapse_to_the_union(tmp_path):
    path = tmp_path / "dup.lmt"
    path.write_text("# m lower upper\n1.0e-2 2e-4 1e-3\n1.0e-2 1e-4 8e-4\n1.0e-2 3e-4 2e-3\n2.0e-2 2e-4 1e-3\n")
    contour = read_lmt(path)
    assert contour.mass.tolist() == [10.0, 20.0]  # GeV -> MeV, one row per mass
    assert contour.lower.tolist() == [1e-4, 2e-4] and contour.upper.tolist() == [2e-3, 1e-3]


def test_several_bands_union_and_allowed_pieces(tmp_path):
    path = tmp_path / "two.lmt"  # 5 columns: two closed bands; 4 columns: a closed band and one open above
    path.write_text("1.0e-2 1e-5 2e-5 1e-4 1e-3\n3.0e-2 1e-5 2e-5 1e-4 1e-3\n")
    contour = read_lmt(path)
    assert contour.bands == 2 and contour.lower.shape == (2, 2)
    term = Exclusion("two", "e", contour.mass, contour.lower, contour.upper, (10.0, 30.0))
    assert term.allowed(20.0) == [(0.0, pytest.approx(1e-5, rel=1e-14)), (pytest.approx(2e-5, rel=1e-14),
                                  pytest.approx(1e-4, rel=1e-14)), (pytest.approx(1e-3, rel=1e-14), np.inf)]
    eps = np.array([5e-6, 1.5e-5, 5e-5, 5e-4, 5e-3])
    assert term.logl(20.0, eps).tolist() == [0.0, -np.inf, 0.0, -np.inf, 0.0]
    assert term.logl(40.0, eps).tolist() == [0.0] * 5  # outside the contour: no effect
    open_above = tmp_path / "open.lmt"
    open_above.write_text("1.0e-2 1e-5 2e-5 1e-4\n3.0e-2 1e-5 2e-5 1e-4\n")
    c = read_lmt(open_above)
    term = Exclusion("open", "e", c.mass, c.lower, c.upper, (10.0, 30.0))
    assert term.allowed(20.0) == [(0.0, pytest.approx(1e-5, rel=1e-14)), (pytest.approx(2e-5, rel=1e-14),
                                  pytest.approx(1e-4, rel=1e-14))]


def test_several_bands_fall_back_from_the_compiled_kernel_and_agree(tmp_path):
    path = tmp_path / "two.lmt"
    path.write_text("1.0e-2 1e-5 2e-5 1e-4 1e-3\n3.0e-2 2e-5 4e-5 2e-4 2e-3\n")
    c = read_lmt(path)
    joint = JointLikelihood([Exclusion("two", "e", c.mass, c.lower, c.upper, (10.0, 30.0))])
    assert compiled(joint, (10.0, 30.0)) is joint  # the numpy path, never a partial kernel


def test_open_band_invisible_width_fused_equals_numpy():
    # a prompt search (band open above) with R = 3: the limit moves up by sqrt(1 + R) = 2, in both paths
    term = Exclusion("prompt", "e", np.array([15.0, 18.0]), np.array([5e-4, 6e-4]), np.array([np.inf, np.inf]),
                     (15.0, 18.0), invisible_ratio=3.0)
    assert term.edges(15.0)[0] == pytest.approx(1e-3, rel=1e-15)
    joint = JointLikelihood([term])
    fused = compiled(joint, (15.0, 18.0))
    assert fused is not joint
    m = np.linspace(14.0, 19.0, 301)[:, None]
    eps = np.geomspace(1e-4, 3e-3, 201)[None, :]
    assert np.array_equal(fused.logl(m, eps), joint.logl(m, eps))


@pytest.mark.parametrize("content, needle", [
    ("1.0e-2\n2.0e-2\n", "at least 2 columns"),
    ("1.0e-2 1e-4 1e-3\n1.0e-2 1e-4 1e-3\n", "at least two rows of distinct masses"),
    ("1.0e-2 1e-5 2e-5 3e-4 1e-4\n2.0e-2 1e-5 2e-5 1e-4 1e-3\n", "not below upper edge"),
])
def test_bad_lmt_files(tmp_path, content, needle):
    path = tmp_path / "bad.lmt"
    path.write_text(content)
    with pytest.raises(InputError, match=needle):
        read_lmt(path)


@pytest.mark.parametrize("name, content", [
    ("band.lmt", "# holds: preferred band, lower edge\n1.0e-2 1e-4\n2.0e-2 2e-4\n"),
    ("band.csv", "#holds: allowed window, upper edge\nmass_MeV,eps_lower\n10,1e-4\n20,2e-4\n"),
])
def test_contour_declaring_an_allowed_region_is_refused(tmp_path, name, content):
    from dpfit.inputs.contours import READERS

    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InputError, match="an allowed region, not an exclusion") as info:
        READERS[path.suffix[1:]](path)
    assert info.value.field == "line 1"
    ok = tmp_path / f"limit{path.suffix}"
    ok.write_text(content.replace("preferred band, lower edge", "upper limit").replace("allowed window, upper edge",
                                                                                          "exclusion"))
    assert READERS[path.suffix[1:]](ok).lower[1] == 2e-4
#: DarkCast tables that are not an excluded band over (mass, ε), and why.
NOT_BANDS = {  # refused by read_lmt
    "LHCb_Aaij2017rft_displaced.lmt": "an r-value grid (columns mass g r), DarkCast's rvals",
    "LHCb_Aaij2019bvg_displaced.lmt": "an r-value grid (columns mass g r), DarkCast's rvals",
}
NOT_LIMITS = {  # read as a table, but not a search's exclusion: dpfit's (g-2) terms come from data/ as Gaussians
    "AMMe_Bodas2021fsy_cs.lmt": "electron (g-2) bound (Cs alpha), computed from the anomalous moment",
    "AMMe_Bodas2021fsy_rb.lmt": "electron (g-2) bound (Rb alpha), computed from the anomalous moment",
    "AMMmu_Bodas2021fsy.lmt": "muon (g-2) bound, computed from the anomalous moment",
    "AMMmu_Bodas2021fsy_2l.lmt": "lower edge of the muon (g-2) preferred band, not an exclusion",
    "AMMmu_Bodas2021fsy_2u.lmt": "upper edge of the muon (g-2) preferred band, not an exclusion",
}


@needs_darkcast
def test_every_darkcast_limit_loads_and_e141_matches_a_hand_interpolation():
    files = {path.name: path for path in sorted(DARKCAST.glob("*.lmt"))}
    assert set(NOT_BANDS) | set(NOT_LIMITS) <= set(files)  # the lists name files that are there
    limits = [name for name in files if name not in NOT_BANDS and name not in NOT_LIMITS]
    assert len(limits) >= 38
    for name in limits + list(NOT_LIMITS):
        contour = read_lmt(files[name])
        rows = [line.split() for line in files[name].read_text().splitlines() if line.strip() and line[0] != "#"]
        assert contour.mass[0] == pytest.approx(1000 * min(float(r[0]) for r in rows if float(r[0]) > 0), rel=1e-12)
        assert contour.mass[-1] == pytest.approx(1000 * max(float(r[0]) for r in rows), rel=1e-12)
        assert np.all(np.diff(contour.mass) > 0) and np.all(contour.lower > 0) and np.all(contour.lower < contour.upper)
        assert contour.bands == 1 and (np.all(np.isinf(contour.upper)) == (len(rows[0]) == 2)), name
    for name in NOT_BANDS:
        with pytest.raises(InputError, match=r"line 1.*'mass g r' are an r-value grid"):
            read_lmt(files[name])
    c = read_lmt(DARKCAST / "E141_Riordan1987aw.lmt")
    term = Exclusion("e141", "e", c.mass, c.lower, c.upper, (c.mass[0], c.mass[-1]))
    lo, hi = term.edges(16.7)
    # the file's rows at 16.457 and 17.340 MeV, interpolated by hand linearly in the mass
    t = (16.7 - 16.457) / (17.340 - 16.457)
    assert lo == pytest.approx(5.0001e-5 + t * (5.6920e-5 - 5.0001e-5), rel=0.01)
    assert hi == pytest.approx(1.9486e-4 + t * (1.7118e-4 - 1.9486e-4), rel=0.01)
    assert lo == pytest.approx(loglog(16.7, 16.457, 17.340, 5.0001e-5, 5.6920e-5), rel=1e-9)


@needs_darkcast
def test_belle_ii_table_starts_after_its_axis_origin():
    """DarkCast's Belle II table begins at mass 0 (the plot's origin), which has no place on a log-mass axis."""
    c = read_lmt(DARKCAST / "BelleII_Adachi2019otg.lmt")
    assert c.mass[0] == pytest.approx(2.0, rel=1e-12) and c.lower[0] == 1.6841e-01


def test_lmt_axis_origin_skipped_only_as_the_first_row(tmp_path):
    path = tmp_path / "origin.lmt"
    path.write_text("# mass lower\n0.0 1e-3\n1.0e-2 1e-3\n2.0e-2 2e-3\n")
    c = read_lmt(path)
    assert c.mass.tolist() == [10.0, 20.0] and c.lower.tolist() == [1e-3, 2e-3]
    path.write_text("1.0e-2 1e-3\n0.0 1e-3\n2.0e-2 2e-3\n")
    with pytest.raises(InputError, match="line 2.*masses and couplings must be positive"):
        read_lmt(path)


def test_lmt_r_value_grid_refused_in_one_line(cli, tmp_path):
    path = tmp_path / "displaced.lmt"
    path.write_text("# produced by someone\n#     mass          g          r\n"
                    "2.143e-01  1.000e-05  3.241e+01\n2.143e-01  1.005e-05  3.201e+01\n2.2e-01  1.0e-05  3.0e+01\n")
    code, _, err = cli("fit", "--limit-file", f"{path}:lepton=e", "--mass", "16.7")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"dpfit: error: {path}") and "line 2" in err and "r-value grid" in err


# ------------------------------------------------------------------ NA64's contour by default


def test_default_window_starts_at_the_contour_and_paper_convention_at_the_point():
    lo = interval_algebra(Analysis().likelihood(), 16.7)[0][0]
    assert lo == pytest.approx(6.62e-4, rel=0.005)
    # the shipped contour's rows around 16.7 MeV, interpolated by hand
    rows = [line.split(",") for line in (default_dir("data") / "contours" / "na64_2020.csv").read_text().splitlines()
            if line and not line.startswith(("#", "mass"))]
    masses = [float(r[0]) for r in rows]
    i = max(k for k, m in enumerate(masses) if m <= 16.7)
    assert lo == pytest.approx(loglog(16.7, masses[i], masses[i + 1], float(rows[i][2]), float(rows[i + 1][2])),
                               rel=1e-12)
    assert interval_algebra(Analysis(convention="paper").likelihood(), 16.7)[0][0] == 6.8e-4
    assert Analysis(convention="paper").limit_cards() == ["na48", "na64_point", "padme"]  # na48 drops out under
    assert Analysis().limit_cards() == ["na48", "na64", "padme"]  # the reference (protophobic) model


def test_atomki_4he_does_not_reopen_above_the_point_range():
    analysis = Analysis(atomki="atomki_4he")
    assert analysis.resolved_mass_range()[1] > 17.55
    joint = analysis.likelihood()
    # above 17.55 MeV NA64's contour still excludes up to about 6.1e-4 (it reaches 24.8 MeV)
    lo = interval_algebra(joint, 17.8)[0][0]
    assert 5.9e-4 < lo < 6.2e-4
    assert not [n for n in coverage_notes(analysis.model()) if "na64" in n]
    point = Analysis(atomki="atomki_4he", limits=("na64_point", "padme"))
    assert interval_algebra(point.likelihood(), 17.8)[0][0] < 5e-4  # the point's range ends at 17.55 MeV
    notes = coverage_notes(point.model())
    assert any(n.startswith("limit na64_point has data only over 15.85-17.55 MeV: over 17.55-17.93 MeV") for n in notes)


def test_fit_prints_where_a_limit_has_no_data(cli):
    code, out, _ = cli("fit", "--atomki", "atomki_4he", "--limits", "na64_point,padme")
    assert code == 0
    assert "note: limit na64_point has data only over 15.85-17.55 MeV" in out
    code, out, _ = cli("fit", "--mass", "25", "--no-atomki", "--limits", "na64", "--format", "json")
    assert code == 0 and any("at 25 MeV it constrains nothing" in n for n in json.loads(out)["notes"])


# ------------------------------------------------------------------ CL kept: the Poisson limit model


def test_poisson_limit_delta_chi2_at_the_edge_is_2_nc():
    term = PoissonLimit("l", "e", np.array([10.0, 20.0]), np.array([1e-3, 2e-3]), (10.0, 20.0), cl=0.9)
    n_c = term.signal_at_limit
    assert stats.poisson.pmf(0, n_c) == pytest.approx(0.1, rel=1e-12)  # zero events observed with prob 1 - CL
    edge = math.sqrt(1e-3 * 2e-3)  # log-log midpoint at sqrt(10*20) MeV
    delta_chi2 = term(math.sqrt(200.0), edge) - term(math.sqrt(200.0), 0.0)
    assert delta_chi2 == pytest.approx(-2 * math.log(0.1), rel=1e-12)
    assert delta_chi2 == pytest.approx(4.61, abs=0.005)
    assert term(30.0, 1.0) == 0.0  # outside its mass range


def test_limit_model_poisson_only_for_one_sided_limits():
    analysis = Analysis(limit_model="poisson", limits=("na64", "na48"), vector_model="dark_photon")
    kinds = {t.name: type(t).__name__ for t in analysis.likelihood().terms}
    assert kinds["na64"] == "Exclusion" and kinds["na48"] == "PoissonLimit"  # NA64's band stays hard
    term = next(t for t in analysis.likelihood().terms if t.name == "na48")
    assert term.cl == 0.9
    assert term(16.7, float(term.limit_at(16.7))) == pytest.approx(-2 * math.log(0.1), rel=1e-12)


# ------------------------------------------------------------------ --limit-file


LMT = "# m lower upper\n1.6e-2 1.5e-4 8.0e-4\n1.8e-2 1.7e-4 7.0e-4\n"


def test_limit_file_fit_end_to_end(cli, tmp_path):
    path = tmp_path / "mine.lmt"
    path.write_text(LMT)
    code, out, err = cli("fit", "--no-atomki", "--limits", "none", "--electron", "none", "--muon", "none",
                         "--limit-file", f"{path}:lepton=e", "--mass", "16.7", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["terms"] == ["mine"]
    (a, b), (c, d) = doc["intervals"]["eps"]["2sigma"]["pieces"]
    assert b == pytest.approx(loglog(16.7, 16.0, 18.0, 1.5e-4, 1.7e-4), rel=1e-12)
    assert c == pytest.approx(loglog(16.7, 16.0, 18.0, 8.0e-4, 7.0e-4), rel=1e-12)
    recorded = doc["provenance"]["analysis"]["limit_files"]
    assert recorded == [{"name": "mine", "path": str(path.resolve()), "lepton": "e", "cl": 0.9, "production": "e_brem",
                         "decay": "e_e", "length_ratio": None, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    code, out, _ = cli("fit", "--limit-file", f"{path}:name=other:cl=0.95", "--mass", "16.7")
    assert code == 0 and "terms: muon_wp25, electron_rb20, na64, padme, other, atomki" in out


@pytest.mark.parametrize("spec, needle", [
    ("{p}:colour=red", "unknown option 'colour=red'"),
    ("{p}:cl=1.5", "field 'cl': expected a probability"),
    ("{p}:lepton=tau", "field 'lepton': expected e or mu"),
    ("{d}/mine.txt", "a limit file must end in .csv or .lmt"),
    ("{d}/absent.lmt", "cannot read file"),
])
def test_bad_limit_file_is_one_line(cli, tmp_path, spec, needle):
    path = tmp_path / "mine.lmt"
    path.write_text(LMT)
    code, out, err = cli("fit", "--limit-file", spec.format(p=path, d=tmp_path), "--mass", "16.7")
    assert code == 2 and err.startswith("dpfit: error: ") and err.count("\n") == 1 and needle in err


# ------------------------------------------------------------------ production couplings, NA48/2, PADME


def test_na48_drops_out_without_quark_couplings_and_applies_to_a_dark_photon(cli):
    code, out, err = cli("fit", "--couplings", "lepton", "--limits", "na64,na48", "--mass", "16.7")
    assert code == 0 and "limit na48 (NA48/2) does not constrain the lepton model" in out and "na48," not in out
    joint = Analysis(limits=("na64", "padme", "na48"), vector_model="dark_photon").likelihood()
    window = interval_algebra(joint, 16.7)
    assert window[0][1] == pytest.approx(7.2042e-4 * (7.7919e-4 / 7.2042e-4) ** (
        math.log(16.7 / 16.685) / math.log(16.786 / 16.685)), rel=1e-9)  # NA48/2's contour closes it from above
    records = {r.name: r for r in Analysis(limits=("na64", "padme", "na48")).exclusion_records()}
    assert (records["na64"].production, records["padme"].production, records["na48"].production) == \
        ("electron", "electron", "quark")


def test_padme_limit_rescaled_by_an_invisible_width():
    padme = next(t for t in Analysis(invisible_ratio=3.0).likelihood().terms if t.name == "padme")
    plain = next(t for t in Analysis().likelihood().terms if t.name == "padme")
    assert padme.edges(16.9)[0] == pytest.approx(2.0 * plain.edges(16.9)[0], rel=1e-15)


def test_a_limit_the_width_does_not_rescale_needs_a_reason(tmp_path):
    text = (default_dir("likelihoods") / "padme.yaml").read_text().replace("visible_decay: true", "visible_decay: false")
    (tmp_path / "padme.yaml").write_text(text)
    with pytest.raises(InputError, match="field 'visible_decay_reason'"):
        Analysis(inputs_dir=str(tmp_path)).likelihood()
    (tmp_path / "padme.yaml").write_text(text + "visible_decay_reason: a made-up reason for the test\n")
    assert "padme" in Analysis(inputs_dir=str(tmp_path)).likelihood().names


# ------------------------------------------------------------------ a broken overlay file blocks only its users


def test_broken_overlay_file_reported_when_used(cli, tmp_path):
    (tmp_path / "good.csv").write_text("mass_MeV,eps_lower\n10,9e-4\n20,9e-4\n")
    (tmp_path / "good_data.yaml").write_text(
        "schema: dpfit-data/1\nkind: exclusion\nexperiment: X\ncl: 0.9\ncoupling: eps\n"
        "contour: {file: good.csv, format: csv}\nreference: made up for a test\n")
    (tmp_path / "good.yaml").write_text("schema: dpfit-card/1\nkind: exclusion\ndescription: a test limit\n"
                                        "data: good_data\nlepton: e\nvisible_decay: true\ndefault: false\n")
    (tmp_path / "bad_data.yaml").write_text(  # its contour file does not exist
        "schema: dpfit-data/1\nkind: exclusion\nexperiment: X\ncl: 0.9\ncoupling: eps\n"
        "contour: {file: missing.csv, format: csv}\nreference: made up for a test\n")
    (tmp_path / "bad.yaml").write_text("schema: dpfit-card/1\nkind: exclusion\ndescription: a broken limit\n"
                                       "data: bad_data\nlepton: e\nvisible_decay: true\n")  # no 'default'
    code, out, err = cli("fit", "--inputs", tmp_path, "--limits", "na64,padme,good", "--mass", "16.7")
    assert code == 0, err
    assert "terms: muon_wp25, electron_rb20, na64, padme, good, atomki" in out
    code, _, err = cli("fit", "--inputs", tmp_path, "--limits", "bad", "--mass", "16.7")
    assert code == 2 and err.count("\n") == 1 and "bad.yaml" in err and "default" in err
    code, _, err = cli("inputs", "check", tmp_path)  # both broken files, one line each; the good ones pass
    lines = err.splitlines()
    assert code == 2 and len(lines) == 2 and "bad.yaml: field 'default'" in lines[0] and "missing.csv" in lines[1]


def test_limit_file_in_an_analysis_file_is_relative_to_it(tmp_path):
    (tmp_path / "mine.lmt").write_text(LMT)
    (tmp_path / "a.yaml").write_text("schema: dpfit-analysis/1\nlimit_files: ['mine.lmt:cl=0.95']\nlimit_model: poisson\n")
    analysis = Analysis.from_file(tmp_path / "a.yaml")
    assert analysis.limit_files[0].path == str((tmp_path / "mine.lmt").resolve()) and analysis.limit_files[0].cl == 0.95
    assert analysis.limit_model == "poisson" and "mine" in analysis.likelihood().names


def test_overlay_figure_numbers_hold_a_limit_file_of_two_bands(tmp_path):
    from dpfit.inference.bands import overlay_results

    path = tmp_path / "two.lmt"
    path.write_text("1.6e-2 1e-5 2e-5 1e-4 1e-3\n1.8e-2 1e-5 2e-5 1e-4 1e-3\n")
    analysis = Analysis(limit_files=(f"{path}:name=two",))
    limits = {limit.name: limit for limit in overlay_results(analysis, [17.0], []).limits}
    assert {"two band 1", "two band 2", "na64", "padme"} <= set(limits)
    assert np.allclose(limits["two band 1"].lower, 1e-5, rtol=1e-12)
    assert np.allclose(limits["two band 2"].upper, 1e-3, rtol=1e-12)
    assert limits["two band 1"].cl == 0.9
