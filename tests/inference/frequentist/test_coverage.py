"""Coverage by toys: Delta chi2 at and away from the boundary, FC and CLs, the errors quoted, bad requests."""

import numpy as np
import pytest
from scipy.stats import norm

from dpfit.errors import InputError
from dpfit.inference.frequentist.constructions import METHODS
from dpfit.inference.frequentist.coverage import MIN_BATCHES, _error, coverage
from dpfit.inference.frequentist.toys import CHUNK, ToyModel
from dpfit.inference.levels import parse_level
from dpfit.model.analysis import Analysis
from tests.inference.frequentist.toy_models import wp25_model
from dpfit.output.wording import note_text
from dpfit.notes import note


@pytest.fixture(scope="module")
def wp25():
    return wp25_model()


def test_chi2_coverage_at_zero_is_0841(wp25):
    result = coverage(wp25, "chi2", parse_level("1sigma"), [0.0, 2e-3], ntoys=40_000, seed=3)
    # Delta chi2 <= 1 at eps = 0 covers when x* < 0 or 0 <= x* <= sigma_x: Phi(1)
    assert abs(result.coverage[0] - norm.cdf(1.0)) < 4 * result.error[0]
    # far from the boundary Wilks holds: 68.27 %
    assert abs(result.coverage[1] - 0.6827) < 4 * result.error[1]


def test_fc_covers_and_cls_overcovers(wp25):
    fc = coverage(wp25, "fc", parse_level("0.9"), [0.0, 1e-3], ntoys=20_000, seed=4)
    assert np.all(np.abs(fc.coverage - 0.9) < 4 * fc.error + 0.005)  # 0.005: critical values from CHUNK toys
    cls = coverage(wp25, "cls", parse_level("0.9"), [0.0, 1e-3], ntoys=20_000, seed=4)
    assert cls.coverage[0] == 1.0 and cls.coverage[1] > 0.9


@pytest.mark.parametrize("method", ["fc", "cls"])
def test_coverage_error_holds_the_calibration_noise(method):
    """FC and CLs read their critical values from each chunk's calibration toys: the quoted error must match the
    spread of the coverage over seeds (the binomial error alone was 1.3-2.2 times too small here)."""
    model = ToyModel.from_joint(Analysis(muon="WP25", electron=None, atomki=None).likelihood(), 16.7)  # NA64 walls
    results = [coverage(model, method, parse_level("0.6827"), np.array([7e-4]), 100_000, seed=s) for s in range(16)]
    values = np.array([r.coverage[0] for r in results])
    quoted = np.mean([r.error[0] for r in results])
    assert "chunks" in note_text(results[0].error_method)
    assert 0.55 < values.std(ddof=1) / quoted < 1.6  # 16 seeds: the spread itself is known to about 20 %


def test_chi2_coverage_at_two_sigma_and_its_binomial_error(wp25):
    # x_true = 5 sigma_x: Delta chi2 <= 4 covers when |x* - x_true| <= 2 sigma_x, 95.45 %
    eps = np.sqrt(5 * wp25.sigma_x)
    result = coverage(wp25, "chi2", parse_level("2sigma"), [eps], ntoys=20_000, seed=5)
    c = result.coverage[0]
    assert result.error[0] == pytest.approx(np.sqrt(c * (1 - c) / 20_000), rel=1e-12)
    assert note_text(result.error_method).startswith("binomial")
    assert abs(c - (2 * norm.cdf(2.0) - 1)) < 4 * result.error[0]
    assert result.rows().tolist() == [[eps, c, result.error[0]]]
    doc = result.to_dict()
    assert doc["description"] == METHODS["chi2"] and doc["toys_per_point"] == 20_000 and doc["level"] == "2sigma"


def test_true_points_share_their_toys(wp25):
    # one draw serves every true point: the coverage at each eps does not depend on the others asked with it
    points = [0.0, 5e-4, 1e-3]
    together = coverage(wp25, "chi2", parse_level("0.9"), points, ntoys=5_000, seed=6)
    reversed_ = coverage(wp25, "chi2", parse_level("0.9"), points[::-1], ntoys=5_000, seed=6)
    alone = coverage(wp25, "chi2", parse_level("0.9"), [5e-4], ntoys=5_000, seed=6)
    assert np.array_equal(together.coverage, reversed_.coverage[::-1])
    assert together.coverage[1] == alone.coverage[0]


def test_error_of_a_calibrated_construction_from_few_chunks_by_hand():
    # 3 chunks of 20000 toys covering 18000, 18200 and 17800: c = 0.9; batch means
    # Var = k/(k-1) sum (c_j - n_j c)^2 / N^2 = 1.5 (0 + 200^2 + 200^2) / 60000^2; binomial sqrt(0.09 / 60000)
    per_chunk = np.array([18000, 18200, 17800])
    counts = np.array([[per_chunk.sum()], [np.sum(per_chunk**2)], [CHUNK * per_chunk.sum()]])
    error, how = _error("fc", counts, 60_000)
    assert error == pytest.approx([np.sqrt(1.5 * 80_000) / 60_000], rel=1e-9)  # 5.8e-3 > binomial 1.2e-3
    assert how == note("coverage_error_larger", chunks=3)
    equal = np.array([[54_000], [3 * 18_000**2], [CHUNK * 54_000]])  # no spread: the binomial error remains
    assert _error("cls", equal, 60_000)[0] == pytest.approx([np.sqrt(0.09 / 60_000)], rel=1e-9)
    assert MIN_BATCHES == 5
    error, how = _error("fc", np.array([[18_000], [18_000**2], [CHUNK * 18_000]]), 20_000)
    assert error == pytest.approx([np.sqrt(0.09 / 20_000)]) and how.kind == "coverage_error_one_chunk"


@pytest.mark.parametrize("method, points, ntoys, field", [
    ("nope", [0.0], 1000, "method"),
    ("chi2", [-1e-4], 1000, "eps_true"),
    ("chi2", [], 1000, "eps_true"),
    ("chi2", [np.nan], 1000, "eps_true"),
    ("chi2", [1e-4], 10, "toys"),
])
def test_a_bad_request_names_its_field(wp25, method, points, ntoys, field):
    with pytest.raises(InputError) as info:
        coverage(wp25, method, parse_level("0.9"), points, ntoys=ntoys)
    assert info.value.source == "coverage" and info.value.field == field and "\n" not in str(info.value)
