"""The source paper's table and the electron couplings, against independent quadrature."""

import csv
import io

import pytest

from tests.helpers import eps_quadrature
from dpfit.inputs.load import load_inputs
from dpfit.inference.tables import DEFAULT_MASSES, coupling_estimate, muon_table

# the source paper's Table 1, row at 17 MeV (paper convention)
PRINTED_17_MEV = {"eps_WP20": 1.823e-3, "sigma_WP20": 1.566e-4, "eps_BMW21": 1.223e-3,
                  "sigma_BMW21": 3.577e-4, "eps_WP25": 7.034e-4, "sigma_WP25": 5.771e-4}
PAPER_DELTA = {"WP20": (262e-11, 45e-11), "BMW21": (118e-11, 69e-11), "WP25": (39e-11, 64e-11)}
M_MU, M_E = 105.6583755, 0.51099895069


def four_digits(x: float) -> str:
    return f"{x:.3e}"


@pytest.fixture(scope="module")
def paper():
    return load_inputs(convention="paper")


def test_printed_row_at_17_mev(paper):
    columns, rows = muon_table(paper, [17.0])
    got = dict(zip(columns, rows[0]))
    for key, printed in PRINTED_17_MEV.items():
        assert four_digits(got[key]) == four_digits(printed), key


def test_whole_paper_table_against_quadrature(paper):
    """Every entry, rounded to 4 significant digits, equals the quadrature computation."""
    columns, rows = muon_table(paper, DEFAULT_MASSES)
    assert columns == ["mass_MeV", "eps_WP20", "sigma_WP20", "eps_BMW21", "sigma_BMW21", "eps_WP25", "sigma_WP25"]
    for row in rows:
        mass = row[0]
        for name, (delta, sigma) in PAPER_DELTA.items():
            eps = eps_quadrature(mass, delta, M_MU, 1 / 137)
            assert four_digits(row[columns.index(f"eps_{name}")]) == four_digits(eps), (mass, name)
            assert four_digits(row[columns.index(f"sigma_{name}")]) == four_digits(eps / 2 * sigma / delta)


def test_precise_table_uses_unrounded_inputs():
    precise = load_inputs()
    columns, rows = muon_table(precise, [17.0])
    eps = eps_quadrature(17.0, (116592071.5 - 116591810) * 1e-11, M_MU, 1 / 137.035999177)
    assert rows[0][columns.index("eps_WP20")] == pytest.approx(eps, rel=1e-9)


def test_electron_couplings_at_16_7_mev(paper):
    rb = coupling_estimate(paper, "e", "Rb20", [16.7])
    assert rb.eps[0] == pytest.approx(eps_quadrature(16.7, 34e-14, M_E, 1 / 137), rel=1e-9)
    # the window's top edge: Δa + 2σ of Rb20, printed as 9.6e-4 (issue: 9.61e-4)
    top = eps_quadrature(16.7, (34 + 2 * 16) * 1e-14, M_E, 1 / 137)
    assert f"{top:.2e}" == "9.61e-04"
    cs = coupling_estimate(paper, "e", "Cs18", [16.7])
    assert cs.delta_a < 0 and cs.eps[0] != cs.eps[0]  # NaN: no vector coupling makes Δa < 0


def test_table_csv_header_exact(cli):
    code, out, _ = cli("table", "--convention", "paper", "--format", "csv", "--masses", "17")
    assert code == 0
    lines = out.splitlines()  # plain CSV: the header first, no comment line
    assert lines[0] == "mass_MeV,eps_WP20,sigma_WP20,eps_BMW21,sigma_BMW21,eps_WP25,sigma_WP25"
    row = next(csv.DictReader(io.StringIO("\n".join(lines))))
    assert four_digits(float(row["eps_WP25"])) == "7.034e-04"
    assert "#" not in out


def test_epsilon_json_keys(cli):
    import json

    code, out, _ = cli("epsilon", "--lepton", "e", "--scenario", "Cs18", "--mass", "16.7", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert {"lepton", "scenario", "mass_MeV", "delta_a", "sigma_delta_a", "eps", "sigma_linear"} <= set(doc)
    assert doc["eps"] is None and "cannot" not in doc["message"] or "no coupling" in doc["message"]
