"""HEPData submissions (dpfit.output.export_hepdata): the archive passes hepdata-validator; the window, band
and scan tables hold the numbers they describe."""

from __future__ import annotations

import gc
import json
import math
import tarfile
import warnings

import numpy as np
import pytest

from tests.helpers import fv_quadrature
from dpfit.errors import InputError
from dpfit.output.export_hepdata import DIGITS, band_table, scan_table, window_table


def test_hepdata_submission_passes_validator(cli, tmp_path):
    out = tmp_path / "submission.tar.gz"
    code, _, err = cli("export", "hepdata", "--points", "12", "--grid-points", "8", "6", "--out", out)
    assert code == 0, err
    with warnings.catch_warnings():  # the validator's jsonschema use and unclosed files are its own
        warnings.simplefilter("ignore")
        from hepdata_validator.full_submission_validator import FullSubmissionValidator

        validator = FullSubmissionValidator()
        valid = validator.validate(archive=str(out))
        messages = {f: [m.message for m in ms] for f, ms in validator.get_messages().items()}
        gc.collect()
    assert valid, messages
    with tarfile.open(out) as tar:
        names = tar.getnames()
        prov = json.loads(tar.extractfile("provenance.json").read())
        scan = tar.extractfile("profile-likelihood_scan.yaml").read().decode()
    assert {"submission.yaml", "surviving_window.yaml", "g-2_mu_wp25_band.yaml", "g-2_e_rb20_band.yaml"} <= set(names)
    assert scan.count("value:") == 8 * 6 * 3 and "'-'" in scan  # m, eps, Δχ² per cell; excluded cells '-'
    assert len(prov["inputs_digest"]) == 64 and not any(f["path"].startswith("/") for f in prov["files"])



def _values(table) -> dict:
    return {v.name: list(v.values) for v in table.variables}


def test_window_table_leaves_out_empty_masses_and_refuses_two_pieces():
    table = window_table([16.0, 16.5, 17.0], [[[6.6e-4, 9.0e-4]], [], [[6.7e-4, 9.5e-4]]])
    assert table.name == "Surviving window" and "not an excluded band" in table.description
    assert _values(table) == {"m": [16.0, 17.0], "eps allowed lower": [6.6e-4, 6.7e-4],
                              "eps allowed upper": [9.0e-4, 9.5e-4]}
    assert [v.is_independent for v in table.variables] == [True, False, False]
    assert table.variables[0].units == "MeV" and all(v.digits == DIGITS for v in table.variables)
    with pytest.raises(InputError, match="the window has 2 intervals at m = 16.5 MeV") as caught:
        window_table([16.0, 16.5], [[[1e-4, 2e-4]], [[1e-4, 2e-4], [3e-4, 4e-4]]])
    assert str(caught.value).startswith("window: ") and "\n" not in str(caught.value)


def test_band_table_holds_the_exact_edges():
    """Best fit sqrt(Δa/k) and the Δχ² ≤ n² edges sqrt((Δa ± nσ)/k), k = α F_V(m/m_μ)/2π (F_V by quadrature)."""
    from dpfit.inference.bands import coupling_band
    from dpfit.model.analysis import Analysis

    paper = Analysis(convention="paper")
    masses = [10.0, 17.0]
    band = coupling_band(paper.inputs, "mu", "WP20", masses)
    table = band_table(band)
    values = _values(table)
    delta, sigma = 262e-11, 45e-11  # the paper convention's WP20 Delta a_mu
    for i, m in enumerate(masses):
        k = (1 / 137) / (2 * math.pi) * fv_quadrature(m / 105.6583755)
        assert values["eps best fit"][i] == pytest.approx(math.sqrt(delta / k), rel=1e-9)
        for n in (1, 2):
            assert values[f"eps allowed lower, delta chi2 <= {n * n}"][i] == pytest.approx(math.sqrt((delta - n * sigma) / k), rel=1e-9)
            assert values[f"eps allowed upper, delta chi2 <= {n * n}"][i] == pytest.approx(math.sqrt((delta + n * sigma) / k), rel=1e-9)
    assert table.name == "g-2 mu WP20 band" and "two-sided 68.27 % and 95.45 %" in table.description
    cs18 = band_table(coupling_band(paper.inputs, "e", "Cs18", masses))  # Delta a < 0: upper limits
    assert _values(cs18)["eps allowed lower, delta chi2 <= 4"] == [0.0, 0.0]
    assert "upper limits (Delta a < 0: best fit at eps = 0, lower edges 0)" in cs18.description
    assert "between 95.45 % and 97.72 %" in cs18.description  # 1/2 + 1/2 F_chi2(1)(4), Chernoff


def test_scan_table_is_one_row_per_cell_mass_major_with_dashes_where_excluded():
    from dpfit.inference.profile.scan import Scan

    z = np.array([[0.0, np.inf, 2.5], [1.0, 4.0, np.nan]])
    table = scan_table(Scan(np.array([16.0, 17.0]), np.array([1e-4, 1e-3, 1e-2]), z, 7.25, "eps", np.zeros(2)))
    values = _values(table)
    assert values["m"] == [16.0, 16.0, 16.0, 17.0, 17.0, 17.0]
    assert values["eps"] == [1e-4, 1e-3, 1e-2] * 2
    assert values["delta chi2"] == [0.0, "-", 2.5, 1.0, 4.0, "-"]
    assert "chi2 = 7.25" in table.description and "2.30 and <= 6.18" in table.description
