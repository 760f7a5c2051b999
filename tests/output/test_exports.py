"""Exports in the field's formats, each checked by that format's own tool (issue: results others can use).

DarkCast .lmt read back through dpfit's reader against closed forms with F_V from
quadrature; HEPData through hepdata-validator; ArviZ NetCDF through
``arviz.from_netcdf``/``arviz.summary``; getdist chains through ``getdist``;
plain CSVs through ``pandas.read_csv``; 2D scans through ``xarray``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import tarfile
import warnings

import numpy as np
import pytest
from scipy import optimize, stats

from tests.helpers import fv_quadrature
from dpfit.inference.bayes.chains import Chain, read_chain, write_chain
from dpfit.inference.bayes.diagnostics import diagnostics
from dpfit.inputs.contours import read_lmt
from dpfit.model.analysis import Analysis

REL = 1e-4


def k_of(record, mass: float) -> float:
    """δa/ε² = α F_V(m/m_ℓ)/2π with F_V by quadrature."""
    return record.alpha / (2 * math.pi) * fv_quadrature(mass / record.lepton_mass)


def upper_by_root(record, mass: float, dchi2: float) -> float:
    """ε where Δχ² of the Gaussian (g−2) term reaches dchi2 above its minimum (root finding, not the closed form)."""
    k, delta, sigma = k_of(record, mass), record.delta_a.value, record.delta_a.sigma
    chi2_min = (delta / sigma) ** 2 if delta < 0 else 0.0
    best = math.sqrt(max(delta, 0.0) / k)
    f = lambda e: ((k * e * e - delta) / sigma) ** 2 - chi2_min - dchi2  # noqa: E731
    return optimize.brentq(f, best, 1.0, xtol=1e-16, rtol=1e-13)


# ----------------------------------------------------------------------------- DarkCast .lmt


def test_band_lmt_upper_limit_reads_back(cli, tmp_path):
    out = tmp_path / "wp25.lmt"
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--cl", "2sigma",
                       "--mass-range", "1", "1000", "--points", "300", "--format", "lmt", "--out", out)
    assert code == 0, err
    text = out.read_text()
    rows = [line for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) == 300 and all(len(r.split()) == 2 for r in rows)  # Δa − 2σ < 0: an upper limit
    assert "delta chi2 <= 4" in text and "95.45 %" in text
    prov = json.loads(next(line for line in text.splitlines() if line.startswith("# provenance: "))[14:])
    assert {f["name"] for f in prov["files"]} >= {"muon_wp25", "a_mu_sm_wp25"} and "a_mu_sm_wp20" not in json.dumps(prov)
    contour = read_lmt(out)
    assert np.allclose(contour.mass, np.geomspace(1, 1000, 300), rtol=REL)
    record = Analysis().inputs.gm2_card("mu", "WP25")
    for i in (0, 150, 299):
        assert contour.lower[i] == pytest.approx(upper_by_root(record, contour.mass[i], 4.0), rel=REL)


def lmt_rows(text: str) -> np.ndarray:
    """The numeric rows of an .lmt text, parsed here (not by the reader under test)."""
    return np.array([[float(c) for c in r.split()] for r in text.splitlines() if r.strip() and not r.startswith("#")])


def test_band_lmt_one_file_per_edge_and_one_sided_level():
    from dpfit.inference.levels import parse_level
    from dpfit.inputs.records import Gm2Card, Measurement
    from dpfit.output.export_lmt import band_lmt

    base = Analysis().inputs.gm2_card("mu", "WP25")
    strong = Gm2Card("x", "mu", "X", Measurement(2.5e-9, 5e-10), base.lepton_mass, base.alpha, "", "x")
    texts = band_lmt(strong, [10.0, 100.0], parse_level("0.9"))
    assert set(texts) == {"lower", "upper"}  # a preferred band: one two-column file per edge, as DarkCast's AMM files
    lower, upper = lmt_rows(texts["lower"]), lmt_rows(texts["upper"])
    assert lower.shape == upper.shape == (2, 2) and np.array_equal(lower[:, 0], upper[:, 0])
    assert "# holds: preferred band, lower edge" in texts["lower"] and "# holds: preferred band, upper edge" in texts["upper"]
    c = stats.chi2.ppf(0.9, 1)
    for (m_gev, lo), (_, hi) in zip(lower, upper):
        k = k_of(strong, m_gev * 1e3)
        assert lo == pytest.approx(math.sqrt((2.5e-9 - math.sqrt(c) * 5e-10) / k), rel=REL)
        assert hi == pytest.approx(upper_by_root(strong, m_gev * 1e3, c), rel=REL)
    negative = Analysis().inputs.gm2_card("e", "Cs18")  # Δa < 0: best fit on the boundary
    assert negative.delta_a.value < 0
    texts = band_lmt(negative, [17.0, 18.0], parse_level("0.9"))
    assert set(texts) == {"limit"} and "# holds: upper limit" in texts["limit"]
    # ½ + ½ F(2.706) = 0.95 (Chernoff) is the most the limit covers; 90 % the least
    assert "one-sided" in texts["limit"] and "between 90 % and 95 %" in texts["limit"]
    assert lmt_rows(texts["limit"])[0, 1] == pytest.approx(upper_by_root(negative, 17.0, c), rel=REL)


def test_window_lmt_one_file_per_edge(cli, tmp_path):
    from dpfit.inference.profile.scan import log_grid
    from dpfit.inference.window import algebra_over_masses

    out = tmp_path / "window.lmt"
    code, _, err = cli("export", "window", "--points", "25", "--out", out)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["window_lower.lmt", "window_upper.lmt"]
    analysis = Analysis()
    masses, pieces = algebra_over_masses(analysis.likelihood(), log_grid(*analysis.resolved_mass_range(), 25))
    kept = [(m, p[0]) for m, p in zip(masses, pieces) if p]
    lower, upper = (lmt_rows((tmp_path / f"window_{edge}.lmt").read_text()) for edge in ("lower", "upper"))
    assert len(lower) == len(upper) == len(kept) >= 2
    assert np.allclose(lower[:, 0] * 1e3, [m for m, _ in kept], rtol=REL)
    assert np.allclose(lower[:, 1], [p[0] for _, p in kept], rtol=REL)
    assert np.allclose(upper[:, 1], [p[1] for _, p in kept], rtol=REL)


def test_every_export_as_a_limit_is_refused_or_keeps_its_meaning(cli, tmp_path):
    """An allowed region must never be read back as an exclusion (it used to: three columns = excluded band)."""
    from dpfit.inputs.contours import read_lmt

    assert cli("export", "band", "--lepton", "e", "--scenario", "Rb20", "--points", "20", "--out", tmp_path / "rb20.lmt")[0] == 0
    assert cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--points", "20", "--out", tmp_path / "wp25.lmt")[0] == 0
    assert cli("export", "window", "--points", "12", "--out", tmp_path / "w.lmt")[0] == 0
    assert cli("export", "hepdata", "--points", "6", "--grid-points", "4", "4", "--out", tmp_path / "h.tar.gz")[0] == 0
    assert cli("table", "--masses", "10,17", "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    assert cli("scan", "--grid", "--points", "4", "3", "--format", "csv", "--out", tmp_path / "s")[0] == 0
    assert cli("scan", "--grid", "--points", "4", "3", "--out", tmp_path / "g")[0] == 0
    synthetic_chain(tmp_path / "c.h5", steps=60)
    assert cli("export", "chain", tmp_path / "c.h5", "--out", tmp_path / "c.nc")[0] == 0
    refused = {"rb20_lower.lmt": "allowed region", "rb20_upper.lmt": "allowed region", "w_lower.lmt": "allowed region",
               "w_upper.lmt": "allowed region", "h.tar.gz": "must end in", "t.csv": "header must be",
               "s.csv": "header must be", "g.nc": "must end in", "c.nc": "must end in"}
    for name, why in refused.items():
        code, out, err = cli("fit", "--mass", "16.7", "--limit-file", tmp_path / name)
        assert code == 2 and not out and err.count("\n") == 1 and why in err and "Traceback" not in err, (name, err)
    # the one export that is a limit (the WP25 2 sigma region reaches eps = 0) reads back as that limit:
    # eps above the written edge excluded, nothing below it
    contour = read_lmt(tmp_path / "wp25.lmt")
    record = Analysis().inputs.gm2_card("mu", "WP25")
    assert np.all(np.isinf(contour.upper))
    assert contour.lower[10] == pytest.approx(upper_by_root(record, contour.mass[10], 4.0), rel=REL)
    code, out, err = cli("fit", "--mass", "16.7", "--limit-file", tmp_path / "wp25.lmt")
    assert code == 0 and "wp25" in out, err


def test_export_bad_inputs_one_line(cli, tmp_path):
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP99", "--out", tmp_path / "x.lmt")
    assert code == 2 and err.startswith("dpfit: error: option --scenario") and err.count("\n") == 1
    code, _, err = cli("export", "band", "--lepton", "mu", "--scenario", "WP25", "--cl", "1.5", "--out", tmp_path / "x.lmt")
    assert code == 2 and "option --cl" in err
    code, _, err = cli("export", "chain", tmp_path / "missing.h5", "--out", tmp_path / "x.nc")
    assert code == 2 and "no such chain file" in err
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- HEPData


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


# ----------------------------------------------------------------------------- chains


def synthetic_chain(path, steps=400, walkers=8, seed=3) -> Chain:
    """A correlated (AR(1)) chain in (m, log10 ε) written in dpfit's chain layout."""
    rng = np.random.default_rng(seed)
    x = np.zeros((steps, walkers, 2))
    for t in range(1, steps):
        x[t] = 0.8 * x[t - 1] + 0.6 * rng.standard_normal((walkers, 2))
    x[:, :, 0] = 16.7 + 0.2 * x[:, :, 0]
    x[:, :, 1] = -3.0 + 0.1 * x[:, :, 1]
    meta = {"names": ["m", "log10_eps"], "seed": seed, "log_eps": True, "dpfit_version": "test",
            "analysis": {"mass_range": [15.85, 17.55], "eps_range": [1e-5, 1e-2], "mass_prior": "uniform",
                         "eps_prior": "log-uniform"},
            "provenance": {"command": "sample", "inputs_digest": "0" * 64}}
    chain = Chain(x, -0.5 * (x**2).sum(axis=2), np.full(walkers, 0.4 * steps), None, meta)
    write_chain(path, chain)
    return read_chain(path)


def test_chain_to_arviz_netcdf_round_trip(cli, tmp_path):
    from dpfit.output.export_chain import arviz

    chain = synthetic_chain(tmp_path / "c.h5")
    diag = diagnostics(chain)
    code, _, err = cli("export", "chain", tmp_path / "c.h5", "--format", "netcdf", "--out", tmp_path / "c.nc")
    assert code == 0, err
    az = arviz()
    idata = az.from_netcdf(tmp_path / "c.nc")
    post = idata.posterior
    assert set(post.data_vars) == {"m", "eps"}
    kept = chain.get_chain(discard=diag.burn, thin=diag.thin)
    assert post["eps"].shape == (8, kept.shape[0])
    np.testing.assert_allclose(post["eps"].values, 10.0 ** kept[:, :, 1].T, rtol=1e-12)
    np.testing.assert_allclose(post["m"].values, kept[:, :, 0].T, rtol=1e-12)
    assert (post.attrs["burn_in"], post.attrs["thin"]) == (diag.burn, diag.thin) and diag.burn > 0
    priors = json.loads(post.attrs["priors"])
    assert priors["eps"] == {"prior": "log-uniform", "range": [1e-5, 1e-2], "unit": ""}
    assert json.loads(post.attrs["provenance"])["inputs_digest"] == "0" * 64
    summary = az.summary(idata, kind="stats")
    assert list(summary.index) == ["m", "eps"]
    assert summary.loc["m", "mean"] == pytest.approx(kept[:, :, 0].mean(), abs=1e-3)


def test_chain_netcdf_gets_its_extension(cli, tmp_path):
    synthetic_chain(tmp_path / "c.h5", steps=60)
    code, out, err = cli("export", "chain", tmp_path / "c.h5", "--out", tmp_path / "posterior")
    assert code == 0, err
    assert (tmp_path / "posterior.nc").is_file() and not (tmp_path / "posterior").exists()
    assert out == f"wrote {tmp_path / 'posterior.nc'}\n"
    assert (tmp_path / "posterior.nc").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"  # NetCDF-4 (HDF5) file
    assert cli("export", "chain", tmp_path / "c.h5", "--out", tmp_path / "p.nc")[0] == 0
    assert (tmp_path / "p.nc").is_file() and not (tmp_path / "p.nc.nc").exists()


def test_chain_to_getdist_loads(cli, tmp_path, capsys):
    from getdist import loadMCSamples

    chain = synthetic_chain(tmp_path / "c.h5")
    diag = diagnostics(chain)
    code, _, err = cli("export", "chain", tmp_path / "c.h5", "--format", "getdist", "--out", tmp_path / "gd" / "c")
    assert code == 0, err
    samples = loadMCSamples(str(tmp_path / "gd" / "c"), settings={"ignore_rows": 0})
    capsys.readouterr()
    kept = chain.get_chain(discard=diag.burn, thin=diag.thin, flat=True)
    assert samples.numrows == kept.shape[0]
    assert [p.name for p in samples.paramNames.names] == ["m", "log10_eps", "eps"]
    means = samples.getMeans()
    assert means[2] == pytest.approx(np.mean(10.0 ** kept[:, 1]), rel=1e-9)
    assert samples.ranges.getLower("m") == 15.85 and samples.ranges.getUpper("log10_eps") == pytest.approx(-2.0)
    assert "dpfit_provenance" in (tmp_path / "gd" / "c.properties.ini").read_text()


# ----------------------------------------------------------------------------- CSV, provenance, scans


def test_every_csv_loads_with_pandas_and_provenance_is_relative(cli, tmp_path):
    import pandas as pd

    from dpfit.inputs.load import default_dir

    assert cli("table", "--masses", "10,17", "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    assert cli("scan", "--mass", "17", "--points", "20", "--out", tmp_path / "s1")[0] == 0
    assert cli("scan", "--grid", "--points", "5", "4", "--format", "csv", "--out", tmp_path / "s2")[0] == 0
    documented = {"t.csv": ["mass_MeV", "eps_WP20", "sigma_WP20", "eps_BMW21", "sigma_BMW21", "eps_WP25", "sigma_WP25"],
                  "s1.csv": ["mass_MeV", "eps", "delta_chi2"], "s2.csv": ["mass_MeV", "eps", "delta_chi2"]}
    lengths = {"t.csv": 2, "s1.csv": 20, "s2.csv": 20}  # at least: the scans add the walls' edges and margins
    for name, columns in documented.items():
        frame = pd.read_csv(tmp_path / name)
        assert list(frame.columns) == columns and len(frame) >= lengths[name]
        prov = json.loads((tmp_path / f"{name}.provenance.json").read_text())
        for entry in prov["files"]:
            assert not entry["path"].startswith("/") and len(entry["sha256"]) == 64
        assert str(default_dir("data").parent) not in json.dumps(prov)  # no absolute path of this machine
        assert len(prov["inputs_digest"]) == 64 and len(prov["files"]) < 25
    prov = json.loads((tmp_path / "s1.csv.provenance.json").read_text())
    names = {f["name"] for f in prov["files"]}
    assert {"muon_wp25", "na64", "padme", "atomki", "na64_2020"} <= names and "muon_wp20" not in names

    entry = next(f for f in prov["files"] if f["name"] == "a_mu_sm_wp25")
    assert entry["sha256"] == hashlib.sha256((default_dir("data") / entry["path"]).read_bytes()).hexdigest()


def test_grid_scan_netcdf_labelled(cli, tmp_path):
    import xarray as xr

    from dpfit.inference.profile.scan import coupling_grid, mass_grid, scan_2d

    code, out, err = cli("scan", "--grid", "--points", "30", "20", "--out", tmp_path / "g")
    assert code == 0, err
    with xr.open_dataset(tmp_path / "g.nc") as ds:
        analysis = Analysis()
        joint = analysis.likelihood()
        masses = mass_grid(joint, analysis.resolved_mass_range(), 30)
        scan = scan_2d(joint, masses, coupling_grid(joint, masses, analysis.eps_range, 20))
        assert ds["delta_chi2"].dims == ("mass_MeV", "eps") and ds["delta_chi2"].shape == scan.delta_chi2.shape
        np.testing.assert_array_equal(ds["eps"].values, scan.eps)
        expected = np.where(np.isfinite(scan.delta_chi2), scan.delta_chi2, np.nan)
        np.testing.assert_allclose(ds["delta_chi2"].values, expected, rtol=1e-12)
        flags = ds["excluded_by"]
        assert np.array_equal(flags.values > 0, np.isnan(ds["delta_chi2"].values))
        names = flags.attrs["flag_meanings"].split()
        assert set(names) <= {"na64", "padme", "atomki"} and "atomki" in names
        assert json.loads(ds.attrs["provenance"])["command"] == "scan"
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_plots_take_axes_and_leave_the_backend_alone():
    import matplotlib
    import matplotlib.pyplot as plt

    from dpfit.inference.profile.excluded import excluded_by
    from dpfit.inference.levels import parse_levels
    from dpfit.inference.profile.scan import log_grid, scan_1d, scan_2d
    from dpfit.output.plots import plot_scan_1d, plot_scan_2d

    previous = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        analysis = Analysis()
        joint = analysis.likelihood()
        ax = plot_scan_1d(scan_1d(joint, 17.0, log_grid(1e-5, 1e-2, 30)))
        assert matplotlib.get_backend() == "svg" and "fixed m" in ax.get_ylabel()
        fig, mine = plt.subplots()
        scan = scan_2d(joint, log_grid(16.0, 17.5, 12), log_grid(1e-5, 1e-2, 40))
        codes, names = excluded_by(joint, scan)
        levels = scan.contour_labels(parse_levels("1sigma,2sigma"))
        assert plot_scan_2d(scan, None, levels, ax=mine, excluded=(codes, names)) is mine
        low, high = mine.get_ylim()  # the ε axis covers the allowed rows, not the whole 1e-5..1e-2
        assert low > 1e-4 and high < 5e-3
        assert matplotlib.get_backend() == "svg"
        plt.close("all")
    finally:
        matplotlib.use(previous)


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


def test_overlay_window_follows_the_mass_fills_do_not_mix_and_legend_is_compact():
    import matplotlib.pyplot as plt

    from dpfit.inference import bands
    from dpfit.inference.window import interval_algebra
    from dpfit.output.figures import plot_overlay

    analysis = Analysis()
    results = bands.overlay_results(analysis, np.geomspace(5, 50, 40), interval_algebra(analysis.likelihood(), 16.7))
    mass, lower, upper = results.window_band
    for i in (0, 40, 79):
        assert [[lower[i], upper[i]]] == interval_algebra(analysis.likelihood(), float(mass[i]))
    assert np.nanmax(upper) > 1.05 * np.nanmin(upper)  # not a constant-ε box
    fig = plot_overlay(results)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "surviving window ε(m) (outline)" in texts and "ATOMKI 8Be (2016): preferred" in texts
    assert "Cs18 (e): one-sided upper limit, Δχ² = 4 (97.72 %)" in texts
    renderer = fig.canvas.get_renderer()
    legend = fig.legends[0].get_window_extent(renderer)
    assert legend.height < 0.15 * fig.bbox.height  # compact: was a quarter of the figure
    assert fig.bbox.x0 <= legend.x0 and legend.x1 <= fig.bbox.x1 and legend.y0 >= fig.bbox.y0
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_window_extent(renderer))
        filled = [c for c in ax.collections if len(c.get_facecolor()) and c.get_facecolor()[0][3] > 0]
        assert all(c.get_facecolor()[0][3] == 1.0 for c in filled)  # opaque fills only: no mixed colours
        assert len(filled) == 3  # Rb20: the 1σ band and the two 2σ strips beside it, side by side
        window = [c for c in ax.collections if c.get_zorder() == 5]
        face = window[0].get_facecolor() if len(window) == 1 else None
        assert face is not None and (len(face) == 0 or face[0][3] == 0)  # an outline: its edges' curves show
        assert any(t.get_text() == "Cs18 (e): upper limit ↓" for t in ax.texts)
    plt.close(fig)


def test_reprs_are_informative():
    from dpfit.inference.profile.scan import log_grid, scan_1d

    analysis = Analysis()
    text = repr(analysis)
    assert "limits=default" in text and "mass_range=the region's" in text and "model='protophobic'" in text
    assert "muon_wp25" in repr(analysis.model()) and " at 0x" not in repr(analysis.model())
    scan = scan_1d(analysis.likelihood(), 17.0, log_grid(1e-5, 1e-2, 10))
    assert repr(scan).startswith("Scan(eps: 1 masses") and "of 10 points allowed" in repr(scan)


def test_corner_draws_the_mass_dependent_wall_once_and_its_legend_off_the_panels(tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Polygon, Rectangle

    from dpfit.output.corner_marks import WALL_COLOUR
    from dpfit.output.corner_plot import plot_corner

    chain = synthetic_chain(tmp_path / "c.h5")  # log10 ε around -3 ± 0.1: NA64's upper edge (-3.18..-3.14) in view
    fig = plot_corner(chain, model=Analysis().model())
    axes = np.array(fig.axes).reshape(2, 2)
    red = to_rgba(WALL_COLOUR)
    wall_lines = [ln for ln in axes[1, 0].get_lines() if to_rgba(ln.get_color()) == red]
    drawn = [w for w in fig.dpfit_marks["walls"] if w["drawn"]]
    assert len(wall_lines) == len(drawn)  # one line per wall, not one dashed line per mass
    [na64] = [w for w in drawn if w["label"] == "NA64"]
    assert na64["eps_max"] > 1.1 * na64["eps_min"]  # the mass-dependent upper edge of the default NA64 contour
    curves = [ln for ln in wall_lines if np.ptp(ln.get_data()[1]) > 0]
    assert len(curves) == 1
    mass, log_eps = curves[0].get_data()
    assert mass.min() == pytest.approx(15.85) and mass.max() == pytest.approx(17.55)
    assert 10 ** log_eps.min() == pytest.approx(na64["eps_min"]) and 10 ** log_eps.max() == pytest.approx(na64["eps_max"])
    bands = [p for p in axes[1, 1].patches if isinstance(p, (Polygon, Rectangle)) and p.get_facecolor()[:3] == red[:3]]
    assert len(bands) == 1  # the varying wall: one band in the 1-D panel (constant walls: one line each)
    assert ("NA64", False) in {(w["label"], w["drawn"]) for w in fig.dpfit_marks["walls"]}  # its lower edge
    dotted = [ln for ln in axes[0, 0].get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == len(fig.dpfit_marks["prior_edges_drawn"][0])  # prior edges: those listed are drawn
    renderer = fig.canvas.get_renderer()
    legend = fig.dpfit_legend.get_window_extent(renderer)
    texts = [t.get_text() for t in fig.dpfit_legend.get_texts()]
    assert any(t.startswith("NA64 wall ε(m)") for t in texts) and any("off the axes" in t for t in texts)
    for ax in fig.axes:
        if ax.get_visible() and ax.has_data():
            assert not legend.overlaps(ax.get_tightbbox(renderer)), "the legend covers a panel"
    plt.close(fig)
