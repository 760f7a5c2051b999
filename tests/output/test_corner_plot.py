"""Corner plots of a chain (dpfit.output.corner_plot): numbers in physical units, titles rounded to the
Monte-Carlo error of the median, and the fill colours corner.py gives each level."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.output.chain_helpers import synthetic_chain
from dpfit.inference.bayes.diagnostics import diagnostics
from dpfit.output.corner_plot import _level_colours, corner_numbers, decimals_for, median_mc_error


def test_corner_numbers_in_eps_and_titles_rounded_to_mc_error(tmp_path):
    import matplotlib.pyplot as plt

    from dpfit.output.corner_plot import corner_numbers, decimals_for, median_mc_error, plot_corner

    chain = synthetic_chain(tmp_path / "c.h5")
    numbers = corner_numbers(chain)
    diag = diagnostics(chain)
    log_eps = chain.get_chain(discard=diag.burn, thin=diag.thin)[:, :, 1].ravel()
    assert set(numbers["quantiles"]) == {"m", "eps"}  # ε, not log10 ε
    assert numbers["quantiles"]["eps"]["q0.5"] == pytest.approx(np.quantile(10.0 ** log_eps, 0.5), rel=1e-12)
    # the Monte-Carlo error of the median against the spread of medians of independent Gaussian samples
    rng = np.random.default_rng(0)
    medians = np.median(rng.standard_normal((2000, 400)), axis=1)
    assert median_mc_error(rng.standard_normal(400_000), 400) == pytest.approx(np.std(medians), rel=0.06)
    assert (decimals_for(0.044), decimals_for(0.0051), decimals_for(3.0)) == (2, 3, 0)
    fig = plot_corner(chain)
    error = median_mc_error(chain.get_chain(discard=diag.burn, thin=diag.thin)[:, :, 0].ravel(), diag.ess)
    title = fig.axes[0].get_title()
    median = title.split("= $")[1].split("^")[0]
    assert len(median.split(".")[1]) == decimals_for(error)
    plt.close(fig)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_level_colours_are_the_fills_corner_draws(n):
    """The legend's patches against the fills corner.hist2d itself draws for n levels (innermost first)."""
    import corner
    from matplotlib.figure import Figure

    levels = (0.6827, 0.9545, 0.9973)[:n]
    ax = Figure().add_subplot()
    xy = np.random.default_rng(1).standard_normal((3000, 2))
    corner.hist2d(xy[:, 0], xy[:, 1], ax=ax, levels=levels, fill_contours=True, plot_datapoints=False, color="C0")
    fills = ax.collections[1].get_facecolor()  # the base fill, then the levels' regions from the outside in
    assert len(fills) == n + 1 and fills[0][3] == 0.0  # outside every level: transparent
    np.testing.assert_allclose(np.array(_level_colours(n)), fills[1:][::-1], atol=1e-12)


def test_decimals_keep_one_significant_digit_of_the_error():
    for error, places in ((0.95, 1), (1.0, 0), (9.9, 0), (12.0, 0), (0.01, 2), (0.0099, 3), (2.5e-7, 7)):
        assert decimals_for(error) == places, error
    assert decimals_for(0.0) == decimals_for(float("nan")) == 4  # no error known: four places


def test_median_mc_error_is_the_gaussian_closed_form():
    values = np.array([1.0, 3.0, 5.0, 7.0])  # population standard deviation sqrt(5)
    assert median_mc_error(values, 20.0) == pytest.approx(math.sqrt(math.pi / 2 * 5 / 20), rel=1e-12)
    assert median_mc_error(values, 0.3) == pytest.approx(math.sqrt(math.pi / 2 * 5), rel=1e-12)  # N_eff at least 1


def test_corner_numbers_give_every_parameter_in_physical_units(tmp_path):
    chain = synthetic_chain(tmp_path / "c.h5", steps=200)
    numbers = corner_numbers(chain)
    diag = diagnostics(chain)
    kept = chain.get_chain(discard=diag.burn, thin=diag.thin, flat=True)
    physical = {"m": kept[:, 0], "eps": 10.0 ** kept[:, 1]}
    for name, values in physical.items():
        q = numbers["quantiles"][name]
        assert list(q) == ["q0.025", "q0.16", "q0.5", "q0.84", "q0.975"]
        np.testing.assert_allclose(list(q.values()), np.quantile(values, [0.025, 0.16, 0.5, 0.84, 0.975]), rtol=1e-12)
        expected = math.sqrt(math.pi / 2) * np.std(values) / math.sqrt(max(diag.ess, 1.0))
        assert numbers["median_mc_error"][name] == pytest.approx(expected, rel=1e-12)
    assert numbers["units"]["m"] == "MeV" and numbers["units"]["eps"] == "1"
