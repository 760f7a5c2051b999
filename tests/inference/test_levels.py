"""dpfit.inference.levels: parsing levels, their Δχ² thresholds for one and two parameters and what they hold,
against scipy.stats and the closed-form edges of one Gaussian (g-2) term."""

import json
import math

import pytest
from scipy import stats

from tests.inference.profile.profile_helpers import M_MU, WP20, k
from dpfit.errors import InputError
from dpfit.inference.levels import (Level, format_percent, one_sided_coverage, parse_level,
                                    parse_levels, sigma_probability)


def test_two_parameter_levels_and_named_levels():
    one, two = parse_levels("1sigma,2sigma")
    assert one.delta_chi2(1) == 1.0 and two.delta_chi2(1) == 4.0
    assert one.delta_chi2(2) == pytest.approx(stats.chi2.ppf(stats.chi2.cdf(1, 1), 2), rel=1e-12)
    assert one.delta_chi2(2) == pytest.approx(2.30, abs=0.005) and two.delta_chi2(2) == pytest.approx(6.18, abs=0.005)
    p95 = parse_level("0.95")
    assert p95.delta_chi2(1) == pytest.approx(3.841, abs=5e-4) and p95.delta_chi2(2) == pytest.approx(5.991, abs=5e-4)
    for bad in ("0", "1", "1.5", "-2sigma", "twosigma", "9sigma"):
        with pytest.raises(ValueError):
            parse_level(bad)


@pytest.mark.parametrize("label, level", [("0.9", stats.chi2.ppf(0.9, 1)), ("3sigma", 9.0)])
def test_cl_option_edges_against_the_closed_form(cli, label, level):
    code, out, _ = cli("fit", "--mass", "17", "--muon", "WP20", "--electron", "none", "--limits", "none",
                       "--no-atomki", "--convention", "paper", "--cl", label, "--format", "json")
    assert code == 0
    interval = json.loads(out)["intervals"]["eps"][label]
    km = k(17.0, M_MU)
    n = math.sqrt(level)
    expected = [math.sqrt((WP20[0] - n * WP20[1]) / km), math.sqrt((WP20[0] + n * WP20[1]) / km)]
    assert interval["pieces"] == [pytest.approx(expected, rel=1e-6)]
    assert interval["delta_chi2"] == pytest.approx(level, rel=1e-12) and interval["sided"] == "two-sided"
    assert interval["coverage"] == pytest.approx(stats.chi2.cdf(level, 1), rel=1e-9)



@pytest.mark.parametrize("n", [0.5, 1.0, 2.0, 3.0, 5.0])
def test_n_sigma_holds_the_gaussian_probability_and_means_n_squared(n):
    level = parse_level(f"{n:g}sigma")
    assert level.probability == sigma_probability(n) == pytest.approx(stats.norm.cdf(n) - stats.norm.cdf(-n),
                                                                        rel=1e-12)
    assert level.delta_chi2(1) == n * n and level.sigmas == n
    for ndof in (2, 3):
        assert level.delta_chi2(ndof) == pytest.approx(stats.chi2.ppf(level.probability, ndof), rel=1e-9)


@pytest.mark.parametrize("p", [0.5, 0.6827, 0.9, 0.95, 0.99])
def test_a_probability_level_is_the_chi2_quantile(p):
    level = parse_level(str(p))
    assert level.label == str(p) and level.sigmas is None
    for ndof in (1, 2, 4):
        assert level.delta_chi2(ndof) == pytest.approx(stats.chi2.ppf(p, ndof), rel=1e-10)


@pytest.mark.parametrize("c", [1.0, 2.705543454095404, 4.0, 9.0])
def test_one_sided_coverage_is_the_chernoff_mixture(c):
    """½δ₀ + ½χ²(1): P(Δχ² ≤ c) = ½ + ½ F_χ²(1)(c); Δχ² ≤ 2.71 holds 95 %, Δχ² ≤ 4 holds 97.72 %."""
    assert one_sided_coverage(c) == pytest.approx(0.5 + 0.5 * stats.chi2.cdf(c, 1), rel=1e-12)


def test_format_percent_keeps_the_digits_that_matter():
    assert [format_percent(p) for p in (0.682689492, 0.95, 0.9973002, 0.5, 0.001)] == [
        "68.27 %", "95 %", "99.73 %", "50 %", "0.1 %"]


def test_level_lists_parse_and_refuse_duplicates_and_emptiness():
    levels = parse_levels(["0.9", Level("mine", 0.5)])
    assert [lv.label for lv in levels] == ["0.9", "mine"] and levels[1].probability == 0.5
    assert [lv.label for lv in parse_levels(" 1sigma , 0.95 ")] == ["1sigma", "0.95"]
    for bad, needle in ((",", "at least one level"), ("1sigma,1sigma", "given twice"), ("9sigma", "N <= 8"),
                        ("0.95,abc", "expected a probability")):
        with pytest.raises(InputError, match=needle) as info:
            parse_levels(bad, source="option --cl")
        assert str(info.value).startswith("option --cl: ")


def test_a_probability_below_one_never_reads_100_percent():
    five = math.erf(5 / math.sqrt(2))  # 5 sigma: 1 - 5.7e-7
    assert format_percent(five) == "99.9999 %" and float(format_percent(five)[:-2]) < 100
    assert format_percent(1 - 1e-12) == "99.9999999999 %"
    assert format_percent(1e-9) == "0.0000001 %" and format_percent(0.0) == "0 %" and format_percent(1.0) == "100 %"

