"""Swapping inputs end to end (issue 5): a file and a command, never a code change.

Five paths, each through the CLI and the Python API, checked against
independent computations (ε by quadrature of F_V, intervals by inverting the
Gaussian in closed form, contours by our own log-log interpolation, a_e(SM)
from dpfit.physics.electron_sm called directly): (1) ``--set`` / ``set:`` /
``overrides=``; (2) an overlay directory; (3) a new muon scenario; (4) a new
limit (YAML point, CSV contour, DarkCast .lmt); (5) a new α for Δa_e. Then
provenance, and bad overrides and contours (exit 2, one line, nothing written).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import DARKCAST, eps_quadrature, fv_quadrature
from dpfit.model.analysis import Analysis
from dpfit.physics.electron_sm import a_e_sm, parse_ae_theory
from dpfit.errors import InputError
from dpfit.inference.profile.fit import fit
from dpfit.inputs.load import default_dir, load_inputs
from dpfit.inputs.yaml_io import read_yaml
from dpfit.inference.bayes.chains import read_chain
from dpfit.inference.tables import muon_table
from dpfit.inference.window import interval_algebra

# Independent of dpfit's data files: the published inputs (precise convention): WP25, Fan et al. 2023, CODATA 2022.
ALPHA = 1 / 137.035999177
M_MU, M_E = 105.6583755, 0.51099895069
A_MU_EXP, SIGMA_MU_EXP = 116592071.5e-11, 14.5e-11
A_E_EXP, SIGMA_E_EXP = 0.00115965218059, 0.00000000000013
REL = 1e-9  # ε from the code against ε by quadrature
REL_IV = 1e-6  # interval edges (root finding) against the closed form

NA64_LMT = DARKCAST / "NA64_Banerjee2019hmi.lmt"
needs_darkcast = pytest.mark.skipif(not NA64_LMT.exists(), reason="../shared/external/darkcast not present")

SET_WP25 = ("a_mu_sm_wp25.value=116592040", "a_mu_sm_wp25.uncertainty=60")
ONLY = ("--electron", "none", "--limits", "none", "--no-atomki")  # a single (g-2) term on the CLI

#: NA64 contour upper edge at 16.7 MeV, log-log interpolation of the published contour (4 digits)
NA64_EDGE = 6.620e-4


def k_mu(mass):
    """δa_μ = k ε² (k = α F_V / 2π, F_V by quadrature)."""
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / M_MU)


def k_e(mass):
    return ALPHA / (2 * math.pi) * fv_quadrature(mass / M_E)


def gaussian_interval(delta, sigma, k, n):
    """{ε ≥ 0 : ((kε² − Δ)/σ)² ≤ n²} for Δ > 0 (closed-form inversion of the Gaussian)."""
    return [math.sqrt(max(delta - n * sigma, 0.0) / k), math.sqrt((delta + n * sigma) / k)]


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_csv(path: Path):
    """(provenance dict from the sidecar F.provenance.json, columns, rows as floats) of a dpfit CSV file."""
    lines = Path(path).read_text().splitlines()
    prov = json.loads(Path(f"{path}.provenance.json").read_text())
    columns = lines[0].split(",")
    rows = [[float(c) for c in line.split(",")] for line in lines[1:]]
    return prov, columns, rows


def prov_file(prov: dict, name: str) -> dict:
    (entry,) = [f for f in prov["files"] if f["name"] == name]
    return entry


# ============================================================================ 1. replace a number


DELTA_SET = A_MU_EXP - 116592040e-11
SIGMA_SET = math.hypot(SIGMA_MU_EXP, 60e-11)


def test_set_table_and_epsilon_cli(cli, tmp_path):
    out = tmp_path / "table.csv"
    code, _, _ = cli("table", "--masses", "17,30", "--format", "csv", "--out", out, "--set", SET_WP25[0], "--set", SET_WP25[1])
    assert code == 0
    prov, columns, rows = read_csv(out)
    i = columns.index("eps_WP25")
    for row in rows:
        eps = eps_quadrature(row[0], DELTA_SET, M_MU, ALPHA)
        assert row[i] == pytest.approx(eps, rel=REL)
        assert row[i + 1] == pytest.approx(eps / 2 * SIGMA_SET / DELTA_SET, rel=REL)
    assert prov["overrides"] == [{"key": "a_mu_sm_wp25.value", "value": 116592040},
                                 {"key": "a_mu_sm_wp25.uncertainty", "value": 60}]
    assert prov_file(prov, "a_mu_sm_wp25")["layer"].startswith("default + --set")
    code, out, _ = cli("epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "17", "--format", "json",
                       "--set", SET_WP25[0], "--set", SET_WP25[1])
    doc = json.loads(out)
    assert code == 0 and doc["delta_a"] == pytest.approx(DELTA_SET, rel=1e-12)
    assert doc["sigma_delta_a"] == pytest.approx(SIGMA_SET, rel=1e-12)
    assert doc["eps"] == pytest.approx(eps_quadrature(17.0, DELTA_SET, M_MU, ALPHA), rel=REL)
    assert doc["provenance"]["overrides"][0]["key"] == "a_mu_sm_wp25.value"


def test_set_fit_cli_and_api_closed_form(cli):
    # a prediction that puts Δa_μ 2.8σ from zero, so both edges of the 68% interval are finite
    value = "a_mu_sm_wp25.value=116591900"
    delta = A_MU_EXP - 116591900e-11
    sigma = math.hypot(SIGMA_MU_EXP, 62e-11)
    code, out, _ = cli("fit", "--mass", "17", *ONLY, "--format", "json", "--set", value)
    assert code == 0
    doc = json.loads(out)
    assert doc["best_fit"]["eps"] == pytest.approx(math.sqrt(delta / k_mu(17.0)), rel=1e-5)
    for label, n in (("1sigma", 1), ("2sigma", 2)):
        assert doc["intervals"]["eps"][label]["pieces"] == [pytest.approx(gaussian_interval(delta, sigma, k_mu(17.0), n), rel=REL_IV)]
    assert doc["provenance"]["overrides"] == [{"key": "a_mu_sm_wp25.value", "value": 116591900}]
    key, _, number = value.partition("=")
    assert doc["provenance"]["analysis"]["overrides"] == [{"key": key, "value": int(number)}]
    # the same through Python
    api = fit(Analysis(electron=None, limits=(), atomki=None, overrides=(value,)).likelihood(), mass=17.0)
    assert api.pieces("1sigma") == [pytest.approx(doc["intervals"]["eps"]["1sigma"]["pieces"][0], rel=1e-12)]


def test_set_api_load_inputs_and_analysis():
    inputs = load_inputs(overrides=list(SET_WP25))
    m = inputs.delta_a("delta_a_mu_wp25")
    assert m.value == pytest.approx(DELTA_SET, rel=1e-12) and m.sigma == pytest.approx(SIGMA_SET, rel=1e-12)
    assert inputs.file("a_mu_sm_wp25").origin.startswith("default + --set")
    assert load_inputs().file("a_mu_sm_wp25").doc["value"] == 116592033  # defaults untouched
    # pre-parsed (key, value) pairs work too
    assert load_inputs(overrides=[("a_mu_sm_wp25.value", 116592040)]).delta_a("delta_a_mu_wp25").value == \
        pytest.approx(A_MU_EXP - 116592040e-11, rel=1e-12)
    # a nested field of a limit: the window's bottom is the NA64 upper edge (the source paper's window)
    joint = Analysis(limits=("na64_point", "padme"), overrides=("na64_2020_point.point.upper=7.0e-4",)).likelihood()
    assert interval_algebra(joint, 16.7)[0][0] == 7.0e-4


def test_set_on_scan_sample_window_cli(cli, tmp_path):
    code, _, _ = cli("scan", "--mass", "16.7", "--points", "30", "--out", tmp_path / "s", "--set", SET_WP25[0])
    assert code == 0
    prov, columns, _ = read_csv(tmp_path / "s.csv")
    assert columns == ["mass_MeV", "eps", "delta_chi2"]
    assert prov["overrides"] == [{"key": "a_mu_sm_wp25.value", "value": 116592040}]
    code, _, _ = cli("sample", "--steps", "30", "--walkers", "8", "--no-progress", "--seed", "11",
                     "--out", tmp_path / "c.h5", "--set", SET_WP25[0])
    assert code == 0
    meta = read_chain(tmp_path / "c.h5").meta
    assert meta["seed"] == 11 and meta["provenance"]["seed"] == 11
    assert meta["provenance"]["overrides"] == [{"key": "a_mu_sm_wp25.value", "value": 116592040}]
    assert meta["analysis"]["overrides"] == [{"key": "a_mu_sm_wp25.value", "value": 116592040}]
    code, _, _ = cli("window", "--steps", "40", "--walkers", "8", "--no-progress", "--seed", "5", "--format", "json",
                     "--out", tmp_path / "w.json", "--limits", "na64_point,padme",
                     "--set", "na64_2020_point.point.upper=7.0e-4")
    assert code == 0
    doc = json.loads((tmp_path / "w.json").read_text())
    assert doc["interval_algebra"]["pieces"][0][0] == 7.0e-4 and doc["profile"]["pieces"][0][0] == 7.0e-4
    assert doc["provenance"]["seed"] == 5
    assert doc["provenance"]["overrides"] == [{"key": "na64_2020_point.point.upper", "value": 7.0e-4}]


def test_set_in_analysis_file(cli, tmp_path):
    path = write(tmp_path, "a.yaml", "schema: dpfit-analysis/1\nelectron: none\nlimits: []\natomki: false\n"
                 "set:\n  a_mu_sm_wp25.value: 116592040\n  a_mu_sm_wp25.uncertainty: 60\n") / "a.yaml"
    analysis = Analysis.from_file(path)
    assert analysis.overrides == (("a_mu_sm_wp25.value", 116592040), ("a_mu_sm_wp25.uncertainty", 60))
    assert analysis.inputs.delta_a("delta_a_mu_wp25").value == pytest.approx(DELTA_SET, rel=1e-12)
    code, from_file, _ = cli("fit", path, "--mass", "17", "--format", "json")
    code2, from_options, _ = cli("fit", "--mass", "17", *ONLY, "--format", "json", "--set", SET_WP25[0], "--set", SET_WP25[1])
    assert code == code2 == 0
    assert json.loads(from_file) == json.loads(from_options)
    assert json.loads(from_file)["intervals"]["eps"]["2sigma"]["pieces"] == [[0.0, pytest.approx(
        gaussian_interval(DELTA_SET, SIGMA_SET, k_mu(17.0), 2)[1], rel=REL_IV)]]


# ============================================================================ 2. overlay a directory


def wp25_overlay(directory: Path) -> Path:
    text = (default_dir("data") / "a_mu_sm_wp25.yaml").read_text()
    assert "value: 116592033" in text and "uncertainty: 62" in text
    return write(directory, "a_mu_sm_wp25.yaml",
                 text.replace("value: 116592033", "value: 116592040").replace("uncertainty: 62", "uncertainty: 60"))


def test_overlay_equals_set_cli(cli, tmp_path):
    d = wp25_overlay(tmp_path / "ov")
    code, _, _ = cli("table", "--inputs", d, "--format", "csv", "--out", tmp_path / "ov.csv")
    code2, _, _ = cli("table", "--set", SET_WP25[0], "--set", SET_WP25[1], "--format", "csv", "--out", tmp_path / "set.csv")
    assert code == code2 == 0
    prov_ov, columns, rows_ov = read_csv(tmp_path / "ov.csv")
    prov_set, columns_set, rows_set = read_csv(tmp_path / "set.csv")
    assert columns == columns_set and rows_ov == rows_set
    entry = prov_file(prov_ov, "a_mu_sm_wp25")
    assert entry["sha256"] == sha256(d / "a_mu_sm_wp25.yaml")
    assert entry["layer"] == "overlay" and prov_ov["overrides"] == []
    assert prov_file(prov_set, "a_mu_sm_wp25")["sha256"] == sha256(default_dir("data") / "a_mu_sm_wp25.yaml")
    assert prov_file(prov_ov, "a_mu_sm_wp20")["layer"] == "default"
    code, out, _ = cli("inputs", "diff", d)
    assert code == 0
    assert out.splitlines() == ["~ data a_mu_sm_wp25.uncertainty: 62 -> 60", "~ data a_mu_sm_wp25.value: 116592033 -> 116592040",
                                "  = data delta_a_mu_wp25: delta_a_mu = 3.85e-10 +- 6.4e-10 (derived)  ->  "
                                "delta_a_mu = 3.15e-10 +- 6.2e-10 (derived)"]


def test_overlay_api(tmp_path):
    d = wp25_overlay(tmp_path)
    inputs = load_inputs(d)
    assert inputs.file("a_mu_sm_wp25").sha256 == sha256(d / "a_mu_sm_wp25.yaml")
    m = inputs.delta_a("delta_a_mu_wp25")
    assert m.value == pytest.approx(DELTA_SET, rel=1e-12) and m.sigma == pytest.approx(SIGMA_SET, rel=1e-12)
    overlay = fit(Analysis(inputs_dir=str(d)).likelihood(), mass=16.7)
    overridden = fit(Analysis(overrides=SET_WP25).likelihood(), mass=16.7)
    assert overlay.intervals == overridden.intervals


# ============================================================================ 3. a new muon scenario

WP27_VALUE, WP27_SIGMA = 116591990, 40
DELTA_27 = A_MU_EXP - WP27_VALUE * 1e-11
SIGMA_27 = math.hypot(SIGMA_MU_EXP, WP27_SIGMA * 1e-11)


def wp27_overlay(directory: Path) -> Path:
    write(directory, "a_mu_sm_wp27.yaml", f"""schema: dpfit-data/1
kind: quantity
quantity: a_mu_sm
description: A hypothetical 2027 Standard-Model prediction of a_mu.
value: {WP27_VALUE}
uncertainty: {WP27_SIGMA}
unit: "1e-11"
reference: "hypothetical White Paper 2027"
date: "2027-06"
""")
    write(directory, "delta_a_mu_wp27.yaml", """schema: dpfit-data/1
kind: difference
quantity: delta_a_mu
description: Delta a_mu = a_mu(exp, 2025) - a_mu(SM, WP27).
experiment: a_mu_exp_2025
prediction: a_mu_sm_wp27
reference: "derived from a_mu_exp_2025 and a_mu_sm_wp27"
date: "2027-06"
""")
    return write(directory, "muon_wp27.yaml", """schema: dpfit-card/1
kind: gm2_gaussian
description: Muon g-2 with the WP27 Standard-Model prediction.
lepton: mu
scenario: WP27
delta_a: delta_a_mu_wp27
""")


def test_new_scenario_table_cli(cli, tmp_path):
    d = wp27_overlay(tmp_path / "wp27")
    code, _, _ = cli("table", "--inputs", d, "--masses", "5,17,100", "--format", "csv", "--out", tmp_path / "t.csv")
    assert code == 0
    prov, columns, rows = read_csv(tmp_path / "t.csv")
    assert columns == ["mass_MeV", "eps_WP20", "sigma_WP20", "eps_BMW21", "sigma_BMW21", "eps_WP25", "sigma_WP25",
                       "eps_WP27", "sigma_WP27"]
    for row in rows:
        eps = eps_quadrature(row[0], DELTA_27, M_MU, ALPHA)
        assert row[7] == pytest.approx(eps, rel=REL)
        assert row[8] == pytest.approx(eps / 2 * SIGMA_27 / DELTA_27, rel=REL)
    assert prov_file(prov, "muon_wp27")["sha256"] == sha256(d / "muon_wp27.yaml")
    code, out, _ = cli("inputs", "diff", d)
    assert code == 0 and "+ card muon_wp27: new" in out and "+ data a_mu_sm_wp27: new" in out


def test_new_scenario_every_command_cli(cli, tmp_path):
    d = wp27_overlay(tmp_path / "wp27")
    code, out, _ = cli("epsilon", "--inputs", d, "--lepton", "mu", "--scenario", "WP27", "--mass", "17", "--format", "json")
    assert code == 0 and json.loads(out)["eps"] == pytest.approx(eps_quadrature(17.0, DELTA_27, M_MU, ALPHA), rel=REL)
    code, out, _ = cli("fit", "--inputs", d, "--muon", "WP27", *ONLY, "--mass", "17", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["terms"] == ["muon_wp27"]
    assert doc["intervals"]["eps"]["1sigma"]["pieces"] == [pytest.approx(gaussian_interval(DELTA_27, SIGMA_27, k_mu(17.0), 1), rel=REL_IV)]
    code, out, _ = cli("fit", "--inputs", d, "--muon", "WP27")  # free mass, the reference analysis otherwise
    assert code == 0 and "terms: muon_wp27, electron_rb20, na64, padme, atomki" in out
    code, out, _ = cli("scan", "--inputs", d, "--muon", "WP27", "--mass", "16.7", "--points", "20")
    points = int(out.split("scan of eps: ")[1].split(" points")[0])  # 20, plus the walls' exact edges
    assert code == 0 and 20 <= points <= 60
    code, out, _ = cli("sample", "--inputs", d, "--muon", "WP27", "--steps", "20", "--walkers", "8", "--no-progress",
                       "--out", tmp_path / "c.h5")
    assert code == 0 and read_chain(tmp_path / "c.h5").meta["analysis"]["muon"] == "WP27"
    code, out, _ = cli("window", "--inputs", d, "--muon", "WP27", "--steps", "30", "--walkers", "8", "--no-progress")
    assert code == 0 and "terms: muon_wp27, electron_rb20" in out


def test_new_scenario_api(tmp_path):
    d = wp27_overlay(tmp_path)
    inputs = load_inputs(d)
    assert [c.doc["scenario"] for c in inputs.scenarios("mu")] == ["WP20", "BMW21", "WP25", "WP27"]
    columns, rows = muon_table(inputs, [17.0])
    assert rows[0, columns.index("eps_WP27")] == pytest.approx(eps_quadrature(17.0, DELTA_27, M_MU, ALPHA), rel=REL)
    joint = Analysis(inputs_dir=str(d), muon="wp27", electron=None, limits=(), atomki=None).likelihood()
    assert joint.names == ["muon_wp27"]
    result = fit(joint, mass=17.0)
    assert result.pieces("2sigma") == [pytest.approx(gaussian_interval(DELTA_27, SIGMA_27, k_mu(17.0), 2), rel=REL_IV)]


# ============================================================================ 4. a new limit


def exclusion_files(directory: Path, name: str, body: str, mass_range: str | None = None, coupling: str = "eps") -> Path:
    """A data file ``<name>_data`` (kind exclusion, with ``body``: a point or a contour) and a card ``<name>``."""
    write(directory, f"{name}_data.yaml", f"""schema: dpfit-data/1
kind: exclusion
experiment: Test {name}
description: a test limit
cl: 0.9
coupling: {coupling}
{body}
reference: "test"
""")
    return write(directory, f"{name}.yaml", f"""schema: dpfit-card/1
kind: exclusion
description: a test limit
data: {name}_data
lepton: e
visible_decay: true
default: false
""" + (f"mass_range: {mass_range}\n" if mass_range else ""))


CSV = "# made up\nmass_MeV,eps_lower,eps_upper\n16.0,1.4e-4,8.2e-4\n17.0,1.5e-4,7.9e-4\n18.0,1.6e-4,7.6e-4\n"


def loglog(mass, masses, values):
    """Straight line in (ln m, ln ε) between the bracketing rows (independent of dpfit.inputs.contours)."""
    i = int(np.searchsorted(masses, mass)) - 1
    t = (math.log(mass) - math.log(masses[i])) / (math.log(masses[i + 1]) - math.log(masses[i]))
    return math.exp(math.log(values[i]) + t * (math.log(values[i + 1]) - math.log(values[i])))


def test_csv_contour_limit_cli_and_api(cli, tmp_path):
    d = exclusion_files(write(tmp_path / "ov", "mylimit.csv", CSV), "mylimit", "contour: {file: mylimit.csv, format: csv}")
    upper = loglog(16.7, [16.0, 17.0, 18.0], [8.2e-4, 7.9e-4, 7.6e-4])
    code, out, _ = cli("fit", "--inputs", d, "--limits", "na64,padme,mylimit", "--mass", "16.7", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["terms"] == ["muon_wp25", "electron_rb20", "na64", "padme", "mylimit", "atomki"]
    assert doc["intervals"]["eps"]["2sigma"]["pieces"][0][0] == pytest.approx(upper, rel=1e-12)  # the window now starts at mylimit's edge
    assert prov_file(doc["provenance"], "mylimit_data")["sha256"] == sha256(d / "mylimit_data.yaml")
    code, out, _ = cli("fit", "--inputs", d, "--mass", "16.7", "--format", "json")  # not a default limit
    assert json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"][0][0] == pytest.approx(NA64_EDGE, rel=1e-4)  # NA64's contour
    analysis = Analysis(inputs_dir=str(d), limits=("na64", "padme", "mylimit"))
    joint = analysis.likelihood()
    lo, hi = joint[joint.names.index("mylimit")].edges(16.7)
    assert lo == pytest.approx(loglog(16.7, [16.0, 17.0, 18.0], [1.4e-4, 1.5e-4, 1.6e-4]), rel=1e-12)
    assert hi == pytest.approx(upper, rel=1e-12)
    assert interval_algebra(joint, 16.7)[0][0] == pytest.approx(upper, rel=1e-12)


def test_csv_contour_in_g_and_yaml_point(cli, tmp_path):
    d = exclusion_files(write(tmp_path / "ov", "g.csv", "mass_MeV,g_lower\n16.0,1.0e-4\n18.0,1.0e-4\n"), "glimit",
                        "contour: {file: g.csv, format: csv}", coupling="g_ve")
    exclusion_files(d, "pointlimit", "point: {mass: 17.0, lower: 2.0e-4, upper: 7.5e-4}", mass_range="[16.5, 17.5]")
    only_limit = ("--muon", "none", "--electron", "none", "--no-atomki", "--mass", "17", "--format", "json")
    code, out, _ = cli("fit", "--inputs", d, "--limits", "glimit", *only_limit)
    assert code == 0
    assert json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"] == [[0.0, pytest.approx(1.0e-4 / math.sqrt(4 * math.pi * ALPHA), rel=1e-12)]]
    code, out, _ = cli("fit", "--inputs", d, "--limits", "pointlimit", *only_limit)
    assert code == 0 and json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"] == [[0.0, 2.0e-4], [7.5e-4, None]]
    code, out, _ = cli("fit", "--inputs", d, "--limits", "pointlimit", *only_limit[:5], "--mass", "18", "--format", "json")
    assert json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"] == [[0.0, None]]  # outside the card's mass range: no effect
    term = Analysis(inputs_dir=str(d), muon=None, electron=None, limits=("pointlimit",), atomki=None).likelihood()[0]
    assert term.edges(17.0) == (2.0e-4, 7.5e-4)


def na64_darkcast_overlay(directory: Path) -> Path:
    """An overlay replacing the NA64 card; its data file names a temporary copy of the DarkCast file inside the
    overlay (an overlay's contour files lie in the overlay directory; the project never ships the file)."""
    write(directory, NA64_LMT.name, NA64_LMT.read_text())
    write(directory, "na64_2019_darkcast.yaml", f"""schema: dpfit-data/1
kind: exclusion
experiment: NA64
description: NA64 visible-decay exclusion over mass, from DarkCast.
cl: 0.9
coupling: eps
contour: {{file: {NA64_LMT.name}, format: lmt}}
reference: "DarkCast limit NA64_Banerjee2019hmi (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004)"
""")
    return write(directory, "na64.yaml", """schema: dpfit-card/1
kind: exclusion
description: NA64 exclusion over mass (DarkCast contour) instead of the single point.
data: na64_2019_darkcast
lepton: e
visible_decay: true
default: true
""")


def darkcast_rows():
    rows = np.array([[float(c) for c in line.split("#")[0].split()] for line in NA64_LMT.read_text().splitlines()
                     if line.split("#")[0].strip()])
    return rows[:, 0] * 1e3, rows[:, 1], rows[:, 2]  # GeV -> MeV


@needs_darkcast
def test_darkcast_na64_contour_replaces_point_cli(cli, tmp_path):
    d = na64_darkcast_overlay(tmp_path / "ov")
    masses, lower, upper = darkcast_rows()
    # NA64 alone: the allowed pieces are below the lower edge and above the upper edge
    code, out, _ = cli("fit", "--inputs", d, "--muon", "none", "--electron", "none", "--limits", "na64", "--no-atomki",
                       "--mass", "16.7", "--format", "json")
    assert code == 0
    (a, b), (c, e) = json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"]
    assert a == 0.0 and f"{b:.3e}" == "1.181e-04" and f"{c:.3e}" == "6.620e-04" and e is None
    assert b == pytest.approx(loglog(16.7, masses, lower), rel=1e-12)
    assert c == pytest.approx(loglog(16.7, masses, upper), rel=1e-12)
    # the reference analysis: the interval starts at the contour's upper edge, not at the point's 6.8e-4
    code, out, _ = cli("fit", "--inputs", d, "--mass", "16.7", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["intervals"]["eps"]["2sigma"]["pieces"][0][0] == pytest.approx(c, rel=1e-12)
    assert prov_file(doc["provenance"], "na64")["layer"] == "overlay"
    code, out, _ = cli("fit", "--inputs", d, "--mass", "17.4", "--format", "json")  # follows the contour over mass
    assert json.loads(out)["intervals"]["eps"]["2sigma"]["pieces"][0][0] == pytest.approx(loglog(17.4, masses, upper), rel=1e-12)
    code, out, _ = cli("inputs", "diff", d)
    assert "~ card na64.data: 'na64_2020' -> 'na64_2019_darkcast'" in out


@needs_darkcast
def test_darkcast_na64_contour_api(tmp_path):
    d = na64_darkcast_overlay(tmp_path)
    joint = Analysis(inputs_dir=str(d)).likelihood()
    lo, hi = joint[joint.names.index("na64")].edges(16.7)
    assert f"{lo:.3e}" == "1.181e-04" and f"{hi:.3e}" == "6.620e-04"
    assert interval_algebra(joint, 16.7)[0][0] == hi
    assert interval_algebra(Analysis().likelihood(), 16.7)[0][0] == pytest.approx(hi, rel=1e-4)  # shipped contour
    assert interval_algebra(Analysis(limits=("na64_point", "padme")).likelihood(), 16.7)[0][0] == 6.8e-4


# ============================================================================ 5. a new α for Δa_e

ALPHA_INV_X, SIGMA_ALPHA_INV_X = 137.035999220, 0.000000015


def alpha_overlay(directory: Path) -> Path:
    write(directory, "alpha_x25.yaml", f"""schema: dpfit-data/1
kind: quantity
quantity: alpha
description: A hypothetical new measurement of 1/alpha.
inverse: true
value: {ALPHA_INV_X}
uncertainty: {SIGMA_ALPHA_INV_X}
unit: "1"
reference: "hypothetical"
date: "2025-09"
""")
    write(directory, "delta_a_e_x25.yaml", """schema: dpfit-data/1
kind: ae_difference
quantity: delta_a_e
description: Delta a_e = a_e(exp, 2023) - a_e(SM) with the new alpha.
experiment: a_e_exp_2023
alpha: alpha_x25
theory: a_e_sm_theory
reference: "derived"
date: "2025-09"
""")
    return write(directory, "electron_x25.yaml", """schema: dpfit-card/1
kind: gm2_gaussian
description: Electron g-2 with the new alpha.
lepton: e
scenario: X25
delta_a: delta_a_e_x25
""")


def delta_a_e_x25() -> tuple[float, float]:
    """Δa_e and σ from dpfit.physics.electron_sm.a_e_sm called directly with the new α."""
    path = default_dir("data") / "a_e_sm_theory.yaml"
    theory = parse_ae_theory(read_yaml(path)[0], str(path))
    value, sigma = a_e_sm(ALPHA_INV_X, SIGMA_ALPHA_INV_X, theory)
    return A_E_EXP - value, math.hypot(SIGMA_E_EXP, sigma)


def test_new_alpha_electron_scenario_cli(cli, tmp_path):
    d = alpha_overlay(tmp_path / "ov")
    delta, sigma = delta_a_e_x25()
    assert delta > sigma > 0  # a band, not an upper limit
    code, out, _ = cli("epsilon", "--inputs", d, "--lepton", "e", "--scenario", "X25", "--mass", "16.7", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["delta_a"] == pytest.approx(delta, rel=1e-12) and doc["sigma_delta_a"] == pytest.approx(sigma, rel=1e-12)
    assert doc["eps"] == pytest.approx(eps_quadrature(16.7, delta, M_E, ALPHA), rel=REL)
    code, out, _ = cli("fit", "--inputs", d, "--electron", "X25", "--muon", "none", "--limits", "none", "--no-atomki",
                       "--mass", "16.7", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["terms"] == ["electron_x25"]
    assert doc["intervals"]["eps"]["1sigma"]["pieces"] == [pytest.approx(gaussian_interval(delta, sigma, k_e(16.7), 1), rel=REL_IV)]
    code, out, _ = cli("window", "--inputs", d, "--electron", "X25", "--steps", "30", "--walkers", "8", "--no-progress",
                       "--format", "json")
    top = gaussian_interval(delta, sigma, k_e(16.7), 2)[1]  # the window's top is the electron's 2σ edge
    assert code == 0 and json.loads(out)["interval_algebra"]["pieces"] == [[pytest.approx(NA64_EDGE, rel=1e-4),
                                                                  pytest.approx(top, rel=1e-12)]]


def test_new_alpha_electron_scenario_api(tmp_path):
    d = alpha_overlay(tmp_path)
    delta, sigma = delta_a_e_x25()
    inputs = load_inputs(d)
    m = inputs.delta_a("delta_a_e_x25")
    assert m.value == pytest.approx(delta, rel=1e-12) and m.sigma == pytest.approx(sigma, rel=1e-12)
    assert inputs.alpha() == load_inputs().alpha()  # a new α for a_e(SM) is not the run's α
    joint = Analysis(inputs_dir=str(d), electron="X25").likelihood()
    assert joint.names[1] == "electron_x25"
    term = joint[1]
    assert (term.delta, term.sigma) == (pytest.approx(delta, rel=1e-12), pytest.approx(sigma, rel=1e-12))


# ============================================================================ provenance


def test_provenance_of_overlay_and_override_in_every_writer(cli, tmp_path):
    d = wp27_overlay(tmp_path / "ov")
    digest = sha256(d / "a_mu_sm_wp27.yaml")
    opts = ("--inputs", d, "--set", "a_mu_sm_wp27.uncertainty=50")
    assert cli("table", *opts, "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    assert cli("table", *opts, "--format", "json", "--out", tmp_path / "t.json")[0] == 0
    assert cli("fit", *opts, "--muon", "WP27", "--mass", "16.7", "--format", "json", "--out", tmp_path / "f.json")[0] == 0
    assert cli("scan", *opts, "--muon", "WP27", "--mass", "16.7", "--points", "10", "--out", tmp_path / "s")[0] == 0
    assert cli("sample", *opts, "--muon", "WP27", "--steps", "20", "--walkers", "8", "--seed", "42", "--no-progress",
               "--out", tmp_path / "c.h5")[0] == 0
    provs = [read_csv(tmp_path / "t.csv")[0], json.loads((tmp_path / "t.json").read_text())["provenance"],
             json.loads((tmp_path / "f.json").read_text())["provenance"], read_csv(tmp_path / "s.csv")[0],
             read_chain(tmp_path / "c.h5").meta["provenance"]]
    from dpfit import __version__

    for prov in provs:
        assert prov["dpfit_version"] == __version__
        assert prov["overrides"] == [{"key": "a_mu_sm_wp27.uncertainty", "value": 50}]
        entry = prov_file(prov, "a_mu_sm_wp27")
        assert entry["sha256"] == digest and entry["layer"] == "overlay + --set" and str(d) not in json.dumps(prov)
        assert all(len(f["sha256"]) == 64 for f in prov["files"])
        assert len(prov["inputs_digest"]) == 64
    for prov in provs[:2]:  # the table reads every muon scenario
        assert prov_file(prov, "a_mu_sm_wp25")["layer"] == "default"
    for prov in provs[2:]:  # an analysis lists only the files its terms read
        assert prov["analysis"]["muon"] == "WP27" and prov["analysis"]["inputs_dir"] == d.name
        assert "a_mu_sm_wp25" not in {f["name"] for f in prov["files"]}
    assert provs[-1]["seed"] == 42 and read_chain(tmp_path / "c.h5").meta["seed"] == 42


def test_provenance_hashes_contour_file(tmp_path):
    d = exclusion_files(write(tmp_path, "mylimit.csv", CSV), "mylimit", "contour: {file: mylimit.csv, format: csv}")
    assert sha256(d / "mylimit.csv") in json.dumps(load_inputs(d).provenance())


# ============================================================================ bad inputs


BAD_SETS = [
    ("a_mu_sm_wp52.value=1", "--set: field 'a_mu_sm_wp52.value': no input file named 'a_mu_sm_wp52'; "
                             "close matches: a_mu_sm_wp25"),
    ("a_mu_sm_wp25.valeu=1", "has no field 'valeu'; close matches: value"),
    ("a_mu_sm_wp25.value=abc", "a_mu_sm_wp25.yaml (with --set overrides): field 'value': expected a number"),
    ("a_mu_sm_wp25.uncertainty=-60", "a_mu_sm_wp25.yaml (with --set overrides): field 'uncertainty': expected a number > 0"),
    ("na64.visible_decay=maybe", "na64.yaml (with --set overrides): field 'visible_decay': expected a boolean"),
    ("na64_2020_point.point.lower=9e-4", "na64_2020_point.yaml: field 'point.upper': the upper edge must be above the lower edge"),
]

BAD_CONTOURS = [
    ("c.csv", "csv", "mass_MeV,eps_lower,eps_upper\n16.0,1e-4,8e-4\n17.0,1e-4,8e-4\n17.0,1e-4,8e-4\n",
     "c.csv: field 'line 4': masses must be strictly increasing"),
    ("c.csv", "csv", "mass_MeV,eps_lower,eps_upper\n16.0,1e-4,8e-4\n17.0,9e-4,8e-4\n",
     "c.csv: field 'line 3': lower edge 0.0009 is not below upper edge 0.0008"),
    ("c.lmt", "lmt", "# m lower upper\n1.7e-2 1e-4 8e-4\n1.6e-2 1e-4 8e-4\n", "c.lmt: field 'line 3': masses must be strictly increasing"),
    ("c.csv", "csv", "mass,eps\n16.0,1e-4\n17.0,1e-4\n", "c.csv: field 'line 1': header must be"),
]

#: every command that writes a file, with --out under {out}
WRITERS = [
    ("table", "--format", "csv", "--out", "{out}.csv"),
    ("fit", "--mass", "16.7", "--format", "json", "--out", "{out}.json"),
    ("scan", "--mass", "16.7", "--points", "10", "--out", "{out}"),
    ("sample", "--steps", "10", "--walkers", "8", "--no-progress", "--out", "{out}.h5"),
    ("window", "--steps", "10", "--walkers", "8", "--no-progress", "--format", "json", "--out", "{out}.json"),
]


def assert_refused(cli, tmp_path, extra, needle, writers=WRITERS):
    """Every writing command: exit 2, one line naming the file or key, nothing written (not even a temporary)."""
    (tmp_path / "out").mkdir()
    for args in writers:
        code, stdout, stderr = cli(*[a.format(out=tmp_path / "out" / "result") for a in args], *extra)
        assert code == 2, (args, stderr)
        assert stderr.startswith("dpfit: error: ") and stderr.count("\n") == 1 and needle in stderr, (args, stderr)
        assert stdout == ""
        assert list((tmp_path / "out").iterdir()) == [], args


@pytest.mark.parametrize("override, needle", BAD_SETS)
def test_bad_override_refused_by_every_command(cli, tmp_path, override, needle):
    assert_refused(cli, tmp_path, ("--set", override), needle)


@pytest.mark.parametrize("name, fmt, content, needle", BAD_CONTOURS)
def test_bad_contour_refused_by_every_command(cli, tmp_path, name, fmt, content, needle):
    d = exclusion_files(write(tmp_path / "ov", name, content), "mylimit", f"contour: {{file: {name}, format: {fmt}}}")
    # every analysis command that uses the limit refuses it
    assert_refused(cli, tmp_path, ("--inputs", d, "--limits", "na64,padme,mylimit"), needle, WRITERS[1:])
    code, _, err = cli("inputs", "check", d)  # and the overlay's check reports it
    assert code == 2 and err.count("\n") == 1 and needle in err
    # a broken file of the overlay does not block commands that do not use it
    code, out, err = cli("fit", "--inputs", d, "--mass", "16.7")
    assert code == 0 and "mylimit" not in out, err


@pytest.mark.parametrize("override, needle", BAD_SETS)
def test_bad_override_api(override, needle):
    with pytest.raises(InputError) as info:
        Analysis(overrides=(override,)).likelihood()
    library = needle.replace("--set: field", "overrides: field")  # the library names its field, the CLI the flag
    assert library in str(info.value) and "\n" not in str(info.value)


def test_bad_set_in_analysis_file(cli, tmp_path):
    path = write(tmp_path, "a.yaml", "schema: dpfit-analysis/1\nset:\n  a_mu_sm_wp25.uncertainty: -60\n") / "a.yaml"
    code, out, err = cli("fit", path, "--format", "json", "--out", tmp_path / "f.json")
    assert code == 2 and "field 'uncertainty': expected a number > 0" in err and err.count("\n") == 1
    assert not (tmp_path / "f.json").exists()
    code, _, err = cli("fit", path, "--set", "a_mu_sm_wp25.uncertainty=60")  # the command line takes precedence
    assert code == 0, err


def test_set_in_analysis_file_keeps_strings(tmp_path):
    path = write(tmp_path, "a.yaml", 'schema: dpfit-analysis/1\nset:\n  a_mu_sm_wp25.notes: "see: arXiv:2505.21476"\n') / "a.yaml"
    assert Analysis.from_file(path).inputs.file("a_mu_sm_wp25").doc["notes"] == "see: arXiv:2505.21476"
