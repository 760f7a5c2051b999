"""The published dark-photon limits shipped as dpfit data: every DarkCast band or one-sided table, read back.

Each shipped contour must equal DarkCast's original table (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004,
directory limits/; a copy in ../shared/external/darkcast/) at every one of its masses. The reference is read
here with numpy, independently of dpfit's contour readers; the comparison is skipped when the copy is absent.
"""

from pathlib import Path

import numpy as np
import pytest

from dpfit.inputs.load import load_inputs
from tests.helpers import DARKCAST

#: DarkCast tables that are not band or one-sided limits on a dark photon: the (g-2) bounds and the LHCb r-value grids.
NOT_LIMITS = {"AMMe_Bodas2021fsy_cs", "AMMe_Bodas2021fsy_rb", "AMMmu_Bodas2021fsy", "AMMmu_Bodas2021fsy_2l",
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
    assert not NOT_LIMITS & set(shipped)


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
    assert np.all(np.isinf(contour.lower[above])) and "2 m_pi = 279.14 MeV" in contour.note
    i = int(np.argmin(abs(contour.mass - 100.0)))
    assert contour.mass[i] < 2 * 105.6583755
    assert contour.lower[i] == pytest.approx(record.contour.lower[i] / np.sqrt(0.4), rel=1e-6)  # m_e corrections ~(m_e/m)^4
