"""dpfit.inputs.contours: the CSV and DarkCast .lmt readers (columns, bands, repeated masses, refusals), and the
DarkCast limits shipped as dpfit data read back against DarkCast's own tables.

Each shipped contour must equal DarkCast's original table (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004,
directory limits/; a copy in ../shared/external/darkcast/) at every one of its masses. The reference is read
here with numpy, independently of dpfit's contour readers; the comparison is skipped when the copy is absent.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from dpfit.errors import InputError
from dpfit.inputs.contours import Contour, holds_line, read_csv, read_lmt
from dpfit.inputs.load import load_inputs
from dpfit.likelihood.terms import Exclusion
from dpfit.output.wording import note_text
from tests.helpers import DARKCAST
from tests.inputs.contour_helpers import loglog

#: DarkCast tables that are not band or one-sided limits on a dark photon: the (g-2) bounds and the LHCb r-value grids.
NOT_SHIPPED = {"AMMe_Bodas2021fsy_cs", "AMMe_Bodas2021fsy_rb", "AMMmu_Bodas2021fsy", "AMMmu_Bodas2021fsy_2l",
              "AMMmu_Bodas2021fsy_2u", "LHCb_Aaij2017rft_displaced", "LHCb_Aaij2019bvg_displaced"}


@pytest.fixture(scope="module")
def shipped():
    """{DarkCast name: exclusion record} of every shipped card whose data names a DarkCast table."""
    inputs = load_inputs()
    out = {}
    for record in inputs.exclusion_cards():
        name = inputs.file(record.data).doc.get("darkcast")
        if name is not None:
            out[name] = record
    return out


def test_every_darkcast_limit_is_shipped_once(shipped):
    assert len(shipped) == 39  # 46 tables less 5 (g-2) bounds and 2 r-value grids
    assert not NOT_SHIPPED & set(shipped)


def test_shipped_limits_are_not_default(shipped):
    """Shipping the landscape does not change the reference analysis: only NA64 and NA48/2 were defaults before."""
    assert {r.name for r in shipped.values() if r.default} == {"na64", "na48"}


def _reference_rows(path: Path) -> np.ndarray:
    rows = np.loadtxt(path, comments="#", ndmin=2)
    return rows[rows[:, 0] > 0]  # a plot's axis origin has no place on a log-mass axis


@pytest.mark.skipif(not DARKCAST.is_dir(), reason="../shared/external/darkcast not present")
def test_each_shipped_table_reproduces_darkcast_at_its_masses(shipped):
    for name, record in sorted(shipped.items()):
        rows = _reference_rows(DARKCAST / f"{name}.lmt")
        contour = record.contour
        lower, upper = np.atleast_2d(contour.lower), np.atleast_2d(contour.upper)
        assert contour.mass.size == np.unique(rows[:, 0]).size, name
        for row in rows:
            i = int(np.argmin(abs(contour.mass - 1000 * row[0])))
            assert contour.mass[i] == pytest.approx(1000 * row[0], rel=1e-9), name
            edges = row[1:]
            for b in range(lower.shape[0]):
                lo = edges[2 * b]
                hi = edges[2 * b + 1] if 2 * b + 1 < edges.size else np.inf
                unique = np.sum(rows[:, 0] == row[0]) == 1
                if unique:  # the shipped band is the table's, to its printed digits
                    assert lower[b, i] == pytest.approx(lo, rel=1e-4), (name, row)
                    assert upper[b, i] == pytest.approx(hi, rel=1e-4), (name, row)
                else:  # a repeated mass: the shipped band covers each of the repeated rows' bands
                    assert lower[b, i] <= lo * (1 + 1e-9) and upper[b, i] >= hi * (1 - 1e-9), (name, row)


def test_cards_record_production_decay_acceptance_and_cl(shipped):
    e141, babar, nomad = shipped["E141_Riordan1987aw"], shipped["BaBar_Lees2014xha"], shipped["NOMAD_Astier2001ck"]
    assert (e141.mechanism, e141.decay, e141.length_ratio, e141.cl) == ("e_brem", "e_e", pytest.approx(35 / 0.12), 0.95)
    assert (babar.mechanism, babar.decay, babar.length_ratio, babar.cl) == ("e_e", "e_e+mu_mu", None, 0.9)
    assert (nomad.mechanism, nomad.length_ratio) == ("pi0_gamma", pytest.approx(7.5 / 835))
    invisible = {n for n, r in shipped.items() if r.decay == "invisible"}
    assert invisible == {"BaBar_Lees2017lec", "BelleII_Adachi2019otg", "LEP_Fox2011fx", "NA62_CortinaGil2019nuo",
                         "NA64_Banerjee2016tad", "NA64_Banerjee2017hhz", "NA64_NA642019imj"}


# ------------------------------------------------------------------ the .lmt format


needs_darkcast = pytest.mark.skipif(not (DARKCAST / "E141_Riordan1987aw.lmt").exists(),
                                    reason="../shared/external/darkcast not present")


def test_repeated_masses_collapse_to_the_union(tmp_path):
    path = tmp_path / "dup.lmt"
    path.write_text("# m lower upper\n1.0e-2 2e-4 1e-3\n1.0e-2 1e-4 8e-4\n1.0e-2 3e-4 2e-3\n2.0e-2 2e-4 1e-3\n")
    contour = read_lmt(path)
    assert contour.mass.tolist() == [10.0, 20.0]  # GeV -> MeV, one row per mass
    assert contour.lower.tolist() == [1e-4, 2e-4] and contour.upper.tolist() == [2e-3, 1e-3]


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


def test_lmt_four_columns_are_a_closed_band_and_one_open_above(tmp_path):
    path = tmp_path / "four.lmt"
    path.write_text("# mass lower upper lower\n1.0e-2 1e-5 2e-5 1e-4\n3.0e-2 2e-5 4e-5 2e-4\n")
    c = read_lmt(path)
    assert c.bands == 2 and c.coupling == "eps" and c.mass.tolist() == [10.0, 30.0]
    assert c.lower.tolist() == [[1e-5, 2e-5], [1e-4, 2e-4]] and c.upper.tolist() == [[2e-5, 4e-5], [math.inf] * 2]
    path.write_text("1.0e-2 1e-5 2e-5\n3.0e-2 2e-5\n")
    with pytest.raises(InputError, match="line 2.*expected 3 columns like the first row, found 2"):
        read_lmt(path)


# ------------------------------------------------------------------ the CSV format


def test_csv_in_eps_and_in_g(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("# a comment\nmass_MeV,eps_lower,eps_upper\n10,1e-4,1e-3\n# between rows\n20,2e-4,2e-3\n")
    c = read_csv(path)
    assert (c.coupling, c.bands, c.mass.tolist(), c.lower.tolist(), c.upper.tolist()) == \
        ("eps", 1, [10.0, 20.0], [1e-4, 2e-4], [1e-3, 2e-3])
    path.write_text("mass_MeV,g_lower\n10,3e-5\n20,4e-5\n")
    c = read_csv(path)  # a coupling to electrons g_ve, kept as such (the input set converts it with its alpha)
    assert (c.coupling, c.lower.tolist(), c.upper.tolist()) == ("g_ve", [3e-5, 4e-5], [math.inf, math.inf])


@pytest.mark.parametrize("content, field, words", [
    ("", None, "empty contour file"),
    ("# only\nmass,eps\n10,1e-4\n", "line 2", "header must be 'mass_MeV,eps_lower[,eps_upper]'"),
    ("mass_MeV,eps_lower\n10,1e-4,1e-3\n20,1e-4\n", "line 2", "expected 2 columns, found 3"),
    ("mass_MeV,eps_lower\n10,abc\n20,1e-4\n", "line 2", "expected a number, got 'abc'"),
    ("mass_MeV,eps_lower\n10,inf\n20,1e-4\n", "line 2", "expected a finite number"),
    ("mass_MeV,eps_lower\n20,1e-4\n10,1e-4\n", "line 3", "masses must be strictly increasing"),
    ("mass_MeV,eps_lower\n10,-1e-4\n20,1e-4\n", "line 2", "masses and couplings must be positive"),
    ("mass_MeV,eps_lower\n10,1e-4\n", None, "at least two rows of distinct masses, found 1"),
])
def test_bad_csv_names_the_line(tmp_path, content, field, words):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        read_csv(path)
    assert (info.value.source, info.value.field) == (str(path), field) and words in info.value.message


def test_contour_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.csv"
    text = "mass_MeV,eps_lower\n10,1e-4\n20,1e-4 # \u00e9\n"
    path.write_bytes(text.encode("latin-1"))  # é is one byte, 0xE9, in Latin-1: at the offset of its character
    offset = text.index("\u00e9")
    with pytest.raises(InputError, match=rf"not UTF-8 text \(byte {offset}\)"):
        read_csv(path)


@pytest.mark.parametrize("kind, accepted", [("upper limit", True), ("exclusion at 90% CL", True),
                                            ("preferred band", False)])
def test_holds_line_is_read_back_by_the_readers(tmp_path, kind, accepted):
    path = tmp_path / "w.csv"
    path.write_text(f"{holds_line(kind)}\nmass_MeV,eps_lower\n10,1e-4\n20,1e-4\n")
    assert holds_line(kind) == f"# holds: {kind}"
    if accepted:
        assert read_csv(path).lower.tolist() == [1e-4, 1e-4]
    else:
        with pytest.raises(InputError, match="an allowed region, not an exclusion"):
            read_csv(path)


def test_bands_of_a_contour():
    one = Contour(np.array([1.0, 2.0]), np.array([1e-4, 1e-4]), np.array([1e-3, 1e-3]), "eps")
    two = Contour(np.array([1.0, 2.0]), np.ones((2, 2)), np.ones((2, 2)), "eps")
    assert (one.bands, two.bands) == (1, 2)


# ------------------------------------------------------------------ shown and recast (the CLI and model areas')


def test_inputs_list_shows_them(cli):
    code, out, _ = cli("inputs", "list")
    assert code == 0
    assert "babar_2014" in out and "e141_1987" in out and "na64_invisible_2019" in out


def test_a_limit_dpfit_cannot_recast_is_one_line(cli):
    """CHARM's eta -> gamma X production is not modelled: under another model, one line and exit status 2."""
    code, _, err = cli("window", "--model", "protophobic", "--limits", "charm_1985")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "charm_1985" in err and "mechanism" in err and "eta_gamma" in err


def test_recast_stops_at_the_two_pion_threshold():
    """BaBar (20 MeV - 10 GeV) under B-L: recast up to 2 m_pi = 279.14 MeV, nothing excluded above, said in the note;
    below it the prompt limit scales by 1/sqrt(BR(B-L)/BR(A')): below 2 m_mu BR(A' -> ee) = 1 and
    BR(B-L -> ee) = 1/(1 + 3/2) = 0.4 (three neutrinos, each half an electron's width)."""
    from dpfit.model.analysis import Analysis
    from dpfit.model.recast import recast_contour

    analysis = Analysis(vector_model="B-L")
    record = analysis.inputs.record("babar_2014")
    contour = recast_contour(record, analysis.vector, analysis.physics())
    above = contour.mass > 2 * 139.57039
    assert np.all(np.isinf(contour.lower[above])) and "2 m_pi = 279.14 MeV" in note_text(contour.note)
    i = int(np.argmin(abs(contour.mass - 100.0)))
    assert contour.mass[i] < 2 * 105.6583755
    assert contour.lower[i] == pytest.approx(record.contour.lower[i] / np.sqrt(0.4), rel=1e-6)  # m_e corrections ~(m_e/m)^4
