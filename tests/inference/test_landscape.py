"""The landscape: every shipped limit recast to a model, against DarkCast's published recasts, and the command.

References: rows of DarkCast's own recasts (Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004; files
recast/limits/<model>/<limit>.lmt of its public repository, mirror micha-a-schmidt/darkcast), in its global
coupling g; g/e with e = 0.302822 is the coupling in units of e. Each row (mass GeV, lower g, upper g or None).
"""

import csv

import numpy as np
import pytest

from dpfit.inference.landscape import build_landscape, covered, merge
from dpfit.model.analysis import Analysis
from dpfit.output.wording import notes_text

E = 0.302822
RECASTS = {
    ("protophobic", "NA64_Banerjee2019hmi"): [(1.4258e-03, 2.5494e-05, 4.0436e-03), (3.1099e-03, 2.6541e-05, 1.9762e-03),
                                              (5.5178e-03, 2.7570e-05, 9.2969e-04), (8.9683e-03, 2.9313e-05, 4.8915e-04),
                                              (1.3263e-02, 3.2299e-05, 2.8434e-04)],
    ("protophobic", "E141_Riordan1987aw"): [(1.0567e-03, 3.5376e-06, 4.5878e-03), (1.3683e-03, 3.0603e-06, 1.8067e-03),
                                            (2.3595e-03, 3.5851e-06, 8.9817e-04), (3.7300e-03, 4.0869e-06, 5.1477e-04),
                                            (5.5811e-03, 4.7879e-06, 3.1391e-04)],
    ("protophobic", "KLOE_Anastasi2015qla"): [(6.9998e-03, 5.3487e-04, None), (3.1000e-02, 6.7508e-04, None),
                                              (5.5000e-02, 6.9119e-04, None), (7.9000e-02, 6.6415e-04, None),
                                              (1.0300e-01, 6.9909e-04, None)],
    ("B-L", "NA64_Banerjee2019hmi"): [(1.4258e-03, 2.5515e-05, 2.2868e-03), (3.1099e-03, 2.6614e-05, 1.1502e-03),
                                      (5.5178e-03, 2.7863e-05, 5.2651e-04), (8.9683e-03, 3.0354e-05, 2.6385e-04),
                                      (1.3263e-02, 3.6071e-05, 1.3841e-04)],
    ("B-L", "E141_Riordan1987aw"): [(1.0567e-03, 3.5438e-06, 1.8645e-03), (1.3683e-03, 3.0701e-06, 1.0151e-03),
                                    (2.3595e-03, 3.6305e-06, 5.2297e-04), (3.7300e-03, 4.2637e-06, 2.9476e-04),
                                    (5.5811e-03, 5.5226e-06, 1.7430e-04)],
    ("B-L", "KLOE_Anastasi2015qla"): [(6.9998e-03, 8.4575e-04, None), (3.1000e-02, 1.0674e-03, None),
                                      (5.5000e-02, 1.0929e-03, None), (7.9000e-02, 1.0501e-03, None),
                                      (1.0300e-01, 1.1054e-03, None)],
}


def _landscape(model, mass_range=(1.0, 200.0), decays="all"):
    analysis = Analysis(vector_model=model)
    return build_landscape(analysis.inputs, analysis.vector, analysis.physics(), mass_range, decays)


@pytest.fixture(scope="module")
def recast():
    return {model: {c.limit: c for c in _landscape(model).curves} for model in ("protophobic", "B-L")}


@pytest.mark.parametrize("model, limit", sorted(RECASTS))
def test_landscape_reproduces_darkcast_recasts(recast, model, limit):
    curve = recast[model][limit]
    ratios = []
    for mass_gev, lower, upper in RECASTS[(model, limit)]:
        i = int(np.argmin(abs(curve.mass - 1000 * mass_gev)))
        assert curve.mass[i] == pytest.approx(1000 * mass_gev, rel=1e-4)
        ratios.append(curve.lower[0, i] / (lower / E))
        if upper is not None:
            ratios.append(curve.upper[0, i] / (upper / E))
    assert abs(np.median(ratios) - 1) < 0.05  # the criterion


def test_at_least_35_searches_for_a_dark_photon():
    land = _landscape("dark_photon", (1.0, 1000.0))
    assert len(land.curves) >= 35
    assert len({c.limit for c in land.curves}) == len(land.curves)


def test_protophobic_drops_the_pion_and_proton_produced_limits_with_a_reason():
    land = _landscape("protophobic")
    drawn = {c.limit for c in land.curves}
    assert "NA48_Batley2015lha" not in drawn and "NuCAL_Blumlein1991xh" not in drawn
    assert any(d.startswith("NA48_Batley2015lha: production (pi0_gamma)") for d in notes_text(land.dropped))
    assert any(d.startswith("CHARM_Bergsma1985qz: production eta_gamma is not modelled") for d in notes_text(land.dropped))


def test_union_and_cover():
    assert merge([(3.0, 4.0), (1.0, 2.0), (1.5, 3.5)]) == [(1.0, 4.0)]
    assert covered([(1.0, 4.0)], 2.0, 3.0) and not covered([(1.0, 2.0), (2.5, 4.0)], 1.5, 3.0)


def test_landscape_command(cli, tmp_path):
    prefix = tmp_path / "L"
    code, out, err = cli("landscape", "--model", "protophobic", "--mass-range", "1", "100", "--decays", "visible",
                         "--out", prefix)
    assert code == 0, err
    for suffix in (".png", ".pdf", ".csv", ".csv.provenance.json"):
        assert (tmp_path / f"L{suffix}").stat().st_size > 0
    with open(f"{prefix}.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["limit", "citation", "mass_MeV", "eps_lower", "eps_upper"]
    assert {"NA64_Banerjee2019hmi", "E141_Riordan1987aw"} <= {r["limit"] for r in rows}
    assert all(1.0 <= float(r["mass_MeV"]) * 0.999 and float(r["mass_MeV"]) <= 1.2 * 100 for r in rows)
    assert "1-10 MeV:" in out and "10-100 MeV:" in out and "WP20" in out and "dropped: NA48_Batley2015lha" in out
    import xarray as xr

    with xr.open_dataset(f"{prefix}.nc") as labelled:  # the same limits, on the landscape's mass grid
        assert set(labelled["limit"].values) == {r["limit"] for r in rows} and labelled.attrs["model"] == "protophobic"
        i = list(labelled["limit"].values).index("NA64_Banerjee2019hmi")
        j = int(np.argmin(abs(labelled["mass_MeV"].values - 16.7)))
        assert labelled["eps_lower"].values[i, 0, j] == pytest.approx(1.18e-4, rel=0.02)  # NA64 at 16.7 MeV


def test_bad_mass_range_is_one_line(cli, tmp_path):
    code, _, err = cli("landscape", "--model", "dark_photon", "--mass-range", "100", "10", "--out", tmp_path / "L")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--mass-range" in err
    assert not list(tmp_path.iterdir())
