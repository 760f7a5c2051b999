"""dpfit.inputs.limit_files: --limit-file specifications parsed, read into exclusion records, used end to end;
and, until they move to the likelihood, model and inference areas, what exclusions do there (several bands,
NA64's contour by default, where a limit has no data, the zero-event Poisson limit, production couplings,
the invisible width on prompt searches)."""

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
from dpfit.inputs.limit_files import LimitFile, limit_file_record, parse_limit_file
from dpfit.inputs.load import default_dir
from dpfit.likelihood.fused import compiled
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, PoissonLimit
from dpfit.model.analysis import Analysis
from dpfit.model.coverage import coverage_notes
from dpfit.output.wording import notes_text
from tests.inputs.contour_helpers import loglog

ALPHA = 1 / 137.035999177


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


def test_a_g_limit_that_overflows_in_eps_is_one_line_without_a_numpy_warning(cli, tmp_path):
    """g_ve = 1e308 divided by e = sqrt(4 pi alpha) ~ 0.3 overflows: the file's error, exit 2, nothing else printed
    (pytest turns warnings into errors, so a numpy overflow warning would fail this test too)."""
    path = tmp_path / "big.csv"
    path.write_text("mass_MeV,g_lower\n10,1e308\n20,1e308\n")
    code, out, err = cli("fit", "--limit-file", str(path), "--mass", "16.7")
    assert (code, out) == (2, "")
    assert err == f"dpfit: error: {path}: a g_ve value is out of range once converted to eps\n"


def test_parse_limit_file_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expected = LimitFile(str((tmp_path / "sub/mine.lmt").resolve()), "e", 0.9, "mine", "e_brem", "e_e", None)
    assert parse_limit_file("sub/mine.lmt") == expected  # the path resolved against the working directory
    muon = parse_limit_file("m.csv:lepton=mu")
    assert (muon.lepton, muon.production, muon.name) == ("mu", "mu_brem", "m")


def test_parse_limit_file_every_option():
    spec = "/data/e141.lmt:lepton=e:cl=0.95:name=E141:production=pi0_gamma:decay=invisible:lratio=291.5"
    assert parse_limit_file(spec) == LimitFile("/data/e141.lmt", "e", 0.95, "E141", "pi0_gamma", "invisible", 291.5)


@pytest.mark.parametrize("spec, field, words", [
    (":cl=0.9", None, "expected PATH[:lepton=e]"),
    ("x.lmt:cl", None, "unknown option 'cl'"),
    ("x.lmt:cl=nan", "cl", "strictly between 0 and 1"),
    ("x.lmt:cl=1", "cl", "strictly between 0 and 1"),
    ("x.lmt:cl=ninety", "cl", "expected a probability"),
    ("x.lmt:name=a\tb", "name", "printable characters"),
    ("x.lmt:production=eta_gamma", "production", "expected one of e_brem"),
    ("x.lmt:decay=gamma_gamma", "decay", "expected one of e_e, mu_mu, invisible"),
    ("x.lmt:lratio=0", "lratio", "expected a number in (0, 1e6]"),
    ("x.lmt:lratio=2e6", "lratio", "expected a number in (0, 1e6]"),
    ("x.lmt:lratio=long", "lratio", "expected a positive number"),
])
def test_parse_limit_file_errors_name_the_source_and_field(spec, field, words):
    with pytest.raises(InputError) as info:
        parse_limit_file(spec, "option --limit-file")
    assert info.value.source == "option --limit-file" and info.value.field == field
    assert words in info.value.message and "\n" not in str(info.value)


def test_limit_file_record_converts_g_to_eps_and_maps_the_production(tmp_path):
    """A CSV in g_ve: ε = g/e with e = sqrt(4πα); π⁰ → γX production reads the quark couplings."""
    path = tmp_path / "g.csv"
    path.write_text("mass_MeV,g_lower,g_upper\n10,3e-5,3e-4\n20,6e-5,6e-4\n")
    limit = parse_limit_file(f"{path}:production=pi0_gamma:lratio=10")
    record = limit_file_record(limit, ALPHA)
    e = math.sqrt(4 * math.pi * ALPHA)
    assert record.contour.coupling == "eps"
    assert record.contour.lower == pytest.approx([3e-5 / e, 6e-5 / e], rel=1e-15)
    assert record.contour.upper == pytest.approx([3e-4 / e, 6e-4 / e], rel=1e-15)
    assert (record.name, record.experiment, record.mass_range, record.production, record.mechanism) == \
        ("g", "g.csv", (10.0, 20.0), "quark", "pi0_gamma")
    assert (record.visible_decay, record.default, record.length_ratio, record.cl) == (True, False, 10.0, 0.9)


@pytest.mark.parametrize("options, production, visible", [("", "electron", True), (":lepton=mu", "muon", True),
                                                          (":decay=invisible", "electron", False)])
def test_limit_file_record_production_and_visibility(tmp_path, options, production, visible):
    path = tmp_path / "l.lmt"
    path.write_text(LMT)
    record = limit_file_record(parse_limit_file(f"{path}{options}"), ALPHA)
    assert (record.production, record.visible_decay) == (production, visible)
    assert record.contour.mass.tolist() == [16.0, 18.0]  # GeV -> MeV, read as given


def test_limit_file_describe_records_the_bytes_it_read(tmp_path):
    path = tmp_path / "mine.lmt"
    path.write_text(LMT)
    described = parse_limit_file(f"{path}:cl=0.95").describe()
    assert described == {"name": "mine", "path": str(path.resolve()), "lepton": "e", "cl": 0.95, "production": "e_brem",
                         "decay": "e_e", "length_ratio": None, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


# ------------------------------------------------------------------ several bands in the likelihood


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
    assert not [n for n in coverage_notes(analysis.model()) if n.get("limit").startswith("na64")]
    point = Analysis(atomki="atomki_4he", limits=("na64_point", "padme"))
    assert interval_algebra(point.likelihood(), 17.8)[0][0] < 5e-4  # the point's range ends at 17.55 MeV
    notes = notes_text(coverage_notes(point.model()))
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


# ------------------------------------------------------------------ a limit file in an analysis and a figure


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
