"""dpfit.cli.cmd_recast: ``dpfit recast`` writes a limit recast to a model as DarkCast .lmt; identity and B−L in
closed form; its errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dpfit.cli.cmd_recast import cmd_recast, register
from dpfit.cli.options import OneLineParser
from tests.helpers import ROOT

M_E = 0.51099895069  # MeV
#: A made-up prompt search (electron bremsstrahlung, X -> e+e-, DarkCast's .lmt: mass in GeV, lower, upper).
LIMIT = "# a test limit\n0.010 1.0e-4 8.0e-4\n0.017 1.1e-4 7.0e-4\n0.020 1.2e-4 6.0e-4\n"


def lmt_rows(path):
    return np.array([[float(c) for c in line.split()] for line in path.read_text().splitlines()
                     if line.strip() and not line.startswith("#")])


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["recast", "na64", "--model", "B-L", "--out", "r.lmt"])
    assert (args.func, args.card, args.limit_file, args.model, args.invisible_ratio) == (cmd_recast, "na64", None,
                                                                                        "B-L", 0.0)


def test_dark_photon_recast_of_a_card_is_its_published_contour(cli, tmp_path):
    """NA64 (2020) recast from the dark photon to the dark photon: the published contour, GeV for MeV."""
    out = tmp_path / "na64.lmt"
    code, stdout, err = cli("recast", "na64", "--model", "dark_photon", "--out", out)
    assert (code, stdout, err) == (0, "", f"wrote {out}: na64 recast to dark_photon\n")
    published = np.loadtxt(ROOT / "data" / "contours" / "na64_2020.csv", delimiter=",", comments="#", skiprows=5)
    rows = lmt_rows(out)
    np.testing.assert_allclose(rows[:, 0] * 1e3, published[:, 0], rtol=1e-9)
    np.testing.assert_allclose(rows[:, 1:], published[:, 1:], rtol=1e-9)
    assert out.read_text().startswith("# dpfit: limit na64 (NA64) recast from the dark photon to the dark_photon model")


def test_b_minus_l_recast_of_a_prompt_electron_search(cli, tmp_path):
    """Produced through the electron coupling (the same in B−L) and seen in e+e-: ε²·BR(ee) is what the search
    measures. B−L adds three neutrino widths, each half the massless Γ(ee): BR = f / (f + 3/2), with
    f = (1 + 2r)√(1 − 4r), r = (m_e/m)²; so ε_BL = ε_DP / √BR."""
    (tmp_path / "my.lmt").write_text(LIMIT)
    out = tmp_path / "bl.lmt"
    code, _, err = cli("recast", "--limit-file", f"{tmp_path / 'my.lmt'}:lepton=e", "--model", "B-L", "--out", out)
    assert code == 0 and err == f"wrote {out}: my recast to B-L\n"
    rows, original = lmt_rows(out), lmt_rows(tmp_path / "my.lmt")
    np.testing.assert_array_equal(rows[:, 0], original[:, 0])
    for (mass, lower, upper), (_, lower0, upper0) in zip(rows, original):
        r = (M_E / (mass * 1e3)) ** 2
        f = (1 + 2 * r) * math.sqrt(1 - 4 * r)
        factor = 1 / math.sqrt(f / (f + 1.5))
        assert (lower, upper) == (pytest.approx(lower0 * factor, rel=1e-6), pytest.approx(upper0 * factor, rel=1e-6))
    assert "production e_brem, decay e_e, prompt; 0.9 CL as published" in out.read_text()


@pytest.mark.parametrize("argv, message", [
    (("--model", "B-L"), "option --limit-file: give a limit card or --limit-file SPEC, one of them"),
    (("na64", "--limit-file", "x.lmt", "--model", "B-L"), "option --limit-file: give a limit card or --limit-file"),
    (("nope", "--model", "B-L"), "card: no exclusion card named 'nope'; known: a1_2011, "),
    (("na64", "--model", "lepton"), "option --model: recasting needs a model with one coupling"),
    (("na64", "--model", "nope"), "option --model: unknown model 'nope'"),
    (("na64", "--model", "B-L", "--invisible-ratio", "2e6"), "argument --invisible-ratio: expected a number from 0 "
                                                             "to 1e+06"),
    (("--limit-file", "nofile.lmt", "--model", "B-L"), "nofile.lmt: cannot read file: No such file or directory"),
    (("na64",), "the following arguments are required: --model"),
])
def test_bad_option_is_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("recast", *argv, "--out", "r.lmt")
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert list(tmp_path.iterdir()) == []
