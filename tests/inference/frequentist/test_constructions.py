"""Feldman-Cousins, CLs and delta-chi2 intervals against independent constructions.

The reference FC construction here follows Feldman & Cousins, PRD 57 (1998) 3873,
section IV.B directly: for a unit Gaussian measurement x of a mean mu >= 0 the
acceptance interval [x1, x2] at mu has equal likelihood ratio
R(x) = exp(-(x - mu)^2 / 2) / exp(-(x - max(x, 0))^2 / 2) at both ends and
probability CL; the confidence interval of an observed x0 is found by root
finding on those acceptance edges. In x = eps^2 the (g-2) shift is linear, so
that construction applies exactly in units of sigma_x.
"""

import json

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from dpfit.cli import main
from dpfit.inference.frequentist.coverage import coverage
from dpfit.inference.frequentist.constructions import frequentist_interval
from dpfit.inference.levels import parse_level
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.model.analysis import Analysis
from dpfit.output.wording import notes_text
from tests.inference.frequentist.toy_models import wp25_model
from dpfit.output.wording import note_text


# ---------------------------------------------------------------- independent FC construction (unit Gaussian)
def _acceptance(mu: float, cl: float) -> tuple[float, float]:
    """FC acceptance interval [x1, x2] of a unit Gaussian with mean mu >= 0 (section IV.B)."""
    log_r = lambda x: -0.5 * (x - mu) ** 2 + 0.5 * (x - max(x, 0.0)) ** 2  # noqa: E731

    def x1_of(x2):  # the lower end with the same ratio as x2 (or -inf when none is lower)
        target = log_r(x2)
        if log_r(-50.0) >= target:
            return -50.0
        return brentq(lambda x: log_r(x) - target, -50.0, mu)

    prob = lambda x2: norm.cdf(x2 - mu) - norm.cdf(x1_of(x2) - mu) - cl  # noqa: E731
    x2 = brentq(prob, mu + 1e-12, mu + 20.0, xtol=1e-13)
    return x1_of(x2), x2


def fc_reference(x0: float, cl: float) -> tuple[float, float]:
    """FC confidence interval of mu for observed x0, by root finding on the acceptance edges."""
    upper = brentq(lambda mu: _acceptance(mu, cl)[0] - x0, max(x0, 0.0), x0 + 20.0, xtol=1e-12)
    if _acceptance(0.0, cl)[1] >= x0:
        return 0.0, upper
    lower = brentq(lambda mu: _acceptance(mu, cl)[1] - x0, 0.0, max(x0, 1e-9), xtol=1e-12)
    return lower, upper


def unit_model(x0: float) -> ToyModel:
    """One Gaussian term with k = 1, sigma = 1: x = eps^2 is the unit Gaussian mean, eps >= 0."""
    return ToyModel(16.7, np.array([1.0]), np.array([x0]), np.array([1.0]), ((0.0, np.inf),), ("unit",))


@pytest.fixture(scope="module")
def wp25():
    return wp25_model()


def test_reference_construction_reproduces_fc_table_x():
    # Feldman & Cousins 1998, Table X (two decimals)
    assert fc_reference(1.0, 0.6827) == pytest.approx((0.24, 2.00), abs=0.006)
    assert fc_reference(0.0, 0.90) == pytest.approx((0.0, 1.64), abs=0.006)


@pytest.mark.parametrize("x0, cl", [(1.0, 0.6827), (0.0, 0.90), (-1.0, 0.90), (2.5, 0.95)])
def test_closed_form_fc_matches_reference(x0, cl):
    result = frequentist_interval(unit_model(x0), "fc", parse_level(str(cl)), ntoys=100, seed=1)
    (lo, hi), = result.closed_form
    ref = fc_reference(x0, cl)
    assert lo**2 == pytest.approx(ref[0], abs=1e-6) and hi**2 == pytest.approx(ref[1], abs=1e-6)


def test_fc_wp25_at_16_7(wp25):
    level = parse_level("0.6827")
    x0 = wp25.x_observed / wp25.sigma_x
    ref = np.sqrt(np.array(fc_reference(x0, level.probability)) * wp25.sigma_x)
    assert ref == pytest.approx([2.387e-4, 1.135e-3], rel=1e-3)
    result = frequentist_interval(wp25, "fc", level, ntoys=40_000, seed=5)
    assert np.array(result.closed_form[0]) == pytest.approx(ref, rel=1e-6)
    (lo, hi), (elo, ehi) = result.intervals[0], result.edge_errors[0]
    assert abs(lo - ref[0]) < 4 * elo and abs(hi - ref[1]) < 4 * ehi
    assert [lo, hi] == pytest.approx([2.387e-4, 1.135e-3], rel=0.01)
    assert result.to_dict()["toys"] == 40_000


def test_fc_95_agrees_with_delta_chi2_4(wp25):
    level = parse_level("2sigma")
    fc = frequentist_interval(wp25, "fc", level, ntoys=20_000, seed=2)
    chi2 = frequentist_interval(wp25, "chi2", level)
    assert chi2.intervals[0] == pytest.approx([0.0, 1.45e-3], abs=5e-6)
    assert fc.closed_form[0] == pytest.approx(chi2.intervals[0], abs=5e-6)
    assert fc.intervals[0][0] == 0.0
    assert abs(fc.intervals[0][1] - chi2.intervals[0][1]) < 4 * fc.edge_errors[0][1] + 5e-6


def test_cls_single_gaussian_at_zero_closed_form():
    # observed at the eps = 0 prediction: CLs(x) = Phi(-x/s)/Phi(0) = 1 - CL  =>  x_up = s * Phi^-1(1 - (1-CL)/2)
    sigma, k = 3e-9, 2e-3
    model = ToyModel(16.7, np.array([k]), np.array([0.0]), np.array([sigma]), ((0.0, np.inf),), ("g",))
    result = frequentist_interval(model, "cls", parse_level("0.95"), ntoys=40_000, seed=9)
    expected = np.sqrt(sigma / k * norm.ppf(1 - 0.05 / 2))
    assert result.closed_form[0][1] == pytest.approx(expected, rel=1e-9)
    assert result.intervals[0][0] == 0.0
    assert abs(result.intervals[0][1] - expected) < 4 * result.edge_errors[0][1]
    assert result.sides.kind == "upper_limit" and note_text(result.sides) == "one-sided upper limit"


def test_reference_analysis_with_step_terms():
    # default analysis at 16.7 MeV: exclusions and the ATOMKI region leave one piece of eps
    model = ToyModel.from_joint(Analysis().likelihood(), 16.7)
    (a, b), = model.pieces
    result = frequentist_interval(model, "fc", parse_level("0.9"), ntoys=20_000, seed=1, points=100)
    assert result.closed_form is None and any("asymptotic formulae not applied" in n for n in notes_text(result.notes))
    assert all(a <= lo <= hi <= b for lo, hi in result.intervals)
    chi2 = frequentist_interval(model, "chi2", parse_level("0.9"))
    assert chi2.intervals[0][0] == pytest.approx(a)
    from dpfit.errors import InputError

    with pytest.raises(InputError, match="excluded"):
        coverage(model, "chi2", parse_level("0.9"), [0.0], ntoys=1000)


def test_cli_interval_and_coverage(tmp_path, capsys):
    args = ["--electron", "none", "--limits", "none", "--no-atomki", "--mass", "16.7", "--no-progress"]
    assert main(["interval", "--method", "chi2", "--cl", "1sigma", *args, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == "chi2" and doc["intervals"][0] == pytest.approx([0.0, 1.135e-3], rel=1e-3)
    used = {f["name"] for f in doc["provenance"]["files"]}  # only the files the analysis read
    assert {"muon_wp25", "delta_a_mu_wp25"} <= used and not used & {"na64", "atomki", "electron_rb20", "muon_wp20"}
    assert main(["interval", "--method", "chi2", "--cl", "1sigma", *args]) == 0  # text by default
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith("delta chi2 (Wilks) interval of eps at m = 16.7 MeV, level 1sigma")
    assert text[0].endswith("two-sided")  # WP25's best fit is above 0
    assert text[1] == f"  eps: [0, {doc['intervals'][0][1]:.4g}]" and len(text) < 10
    out = tmp_path / "cov"
    assert main(["coverage", "--method", "chi2", "--eps-grid", "1e-4", "1e-3", "2", "--toys", "2000",
                 "--out", str(out), *args]) == 0
    lines = (tmp_path / "cov.csv").read_text().splitlines()
    assert lines[0] == "eps_true,coverage,error" and len(lines) == 4
    assert (tmp_path / "cov.png").stat().st_size > 0
    capsys.readouterr()
    cs18 = ["--muon", "none", "--electron", "Cs18", "--limits", "none", "--no-atomki", "--mass", "16.7"]
    assert main(["interval", "--method", "chi2", "--cl", "1sigma", *cs18]) == 0 and main(["fit", *cs18]) == 0
    text = capsys.readouterr().out  # Delta a < 0: both say one-sided, with the same coverage range
    label = "one-sided upper limit, coverage between 68.27 % and 84.13 % (see `dpfit coverage`)"
    assert text.count(label) == 2, text
    assert main(["interval", "--executor", "threads", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dpfit: error: option --executor") and err.count("\n") == 1
    assert main(["interval", "--muon", "none", *args]) == 2
    capsys.readouterr()  # a true coupling NA64 excludes at this mass (with the default limits)
    assert main(["coverage", "--mass", "16.7", "--eps-grid", "1e-5", "1e-3", "3", "--out", str(out),
                 "--no-progress"]) == 2
    assert capsys.readouterr().err == ("dpfit: error: option --eps-grid: a true coupling lies in an excluded region "
                                       "at this mass\n")


def test_report_lines():
    from types import SimpleNamespace

    from dpfit.reference.frequentist_lines import frequentist_lines
    from dpfit.reference.results import _frequentist

    lines = frequentist_lines(SimpleNamespace(frequentist=_frequentist(Analysis(), 2000), toys=2000))
    rows = [line for line in lines if (line.startswith("| WP25") or line.startswith("| Cs18")) and "| 0.6827 |" in line]
    assert len(rows) == 2
    assert "[0.0002387, 0.001135]" in rows[0]  # FC asymptotic, FC 1998 construction (test above)
    assert rows[0].split("|")[3].strip() == "[0, 0.001135]"  # delta chi2 <= 1
