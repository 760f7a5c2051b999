"""Credible regions: HPD of a tabulated density, sample regions with Monte-Carlo errors, corner marks."""

import json

import numpy as np
import pytest
from scipy import stats

from dpfit.inference.bayes.credible import hpd_region, sample_regions


def test_hpd_of_two_separated_pieces_is_their_union_ending_at_the_walls():
    # density 0.2 on [1, 2], 0.8 on [3, 4] (walls at 2 and 3): a 75% HPD region is [3, 4] alone (it holds 0.8,
    # the least a region of constant density can), a 95% one is the union of both pieces, each ending at its walls
    x = np.array([1.0, 1.5, 2.0, 2.0 + 1e-9, 3.0 - 1e-9, 3.0, 3.5, 4.0])
    dens = np.array([0.2, 0.2, 0.2, 0.0, 0.0, 0.8, 0.8, 0.8])
    r = hpd_region(x, dens, 0.75)
    assert r["pieces"] == [[pytest.approx(3.0), pytest.approx(4.0)]] and r["holds"] == pytest.approx(0.8, abs=1e-6)
    r = hpd_region(x, dens, 0.95)
    assert r["pieces"] == [[pytest.approx(1.0), pytest.approx(2.0)], [pytest.approx(3.0), pytest.approx(4.0)]]


def test_hpd_of_a_gaussian_is_the_central_interval():
    x = np.linspace(-8, 8, 20001)
    r = hpd_region(x, stats.norm.pdf(x), 0.95)
    (lo, hi), = r["pieces"]
    assert lo == pytest.approx(stats.norm.ppf(0.025), abs=1e-4) and hi == pytest.approx(stats.norm.ppf(0.975), abs=1e-4)


def test_sample_central_interval_and_its_error_match_scipy():
    rng = np.random.default_rng(4)
    values = 10.0 + rng.standard_normal(40000)
    c = sample_regions(values, 40000)["central"]
    (lo, hi), = c["pieces"]
    (e_lo, e_hi), = c["errors"]
    expected = np.sqrt(0.025 * 0.975 / 40000) / stats.norm.pdf(stats.norm.ppf(0.025))  # Rao's formula, exact pdf
    assert e_lo == pytest.approx(expected, rel=0.2) and e_hi == pytest.approx(expected, rel=0.2)
    assert abs(lo - (10 + stats.norm.ppf(0.025))) < 4 * e_lo and abs(hi - (10 + stats.norm.ppf(0.975))) < 4 * e_hi


def test_corner_marks_prior_edges_walls_and_grid_marginals(cli, tmp_path):
    chain = tmp_path / "c.h5"
    code, _, err = cli("sample", "--limits", "na64_point,padme", "--no-atomki", "--mass-range", "16.4", "17.0",
                       "--steps", "60", "--walkers", "32", "--out", chain, "--no-progress")
    assert code == 0, err
    code, out, err = cli("corner", chain, "--out", tmp_path / "c.png", "--format", "json")
    assert code == 0, err
    marks = json.loads(out)["marks"]
    assert marks["prior_edges"][0] == [16.4, 17.0] and marks["prior_edges"][1] == [-5.0, -2.0]
    assert 1.2e-4 in marks["walls_eps"] and 6.8e-4 in marks["walls_eps"]
    assert marks["prior_edges_drawn"][0] == [16.4, 17.0]  # the mass prior fills the axis: its edges are drawn
    na64 = [w for w in marks["walls"] if w["label"] == "NA64_POINT"]
    assert sorted((w["eps_min"], w["eps_max"]) for w in na64) == [(1.2e-4, 1.2e-4), (6.8e-4, 6.8e-4)]
    assert marks["grid_overlays"] == ["m", "log10_eps"]


def test_compare_names_a_bad_scenario_in_one_line(cli):
    code, out, err = cli("compare", "--muon", "WP20,NOPE", "--no-progress")
    assert code == 2 and err.startswith("dpfit: error:") and "NOPE" in err and len(err.strip().splitlines()) == 1
