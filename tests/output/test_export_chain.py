"""Posterior chains in the community's formats (dpfit.output.export_chain): ArviZ NetCDF read back by
``arviz.from_netcdf``/``arviz.summary``, getdist chains by ``getdist``; priors, ranges and file names."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.output.chain_helpers import synthetic_chain
from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.diagnostics import diagnostics
from dpfit.output.export_chain import chain_provenance, netcdf_path, priors, write_getdist


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



def linear_chain(path, steps=120, walkers=6, analysis=None):
    """A chain sampled in (m, ε) directly (uniform ε prior): no log10 coordinate, so no derived column."""
    rng = np.random.default_rng(5)
    x = np.column_stack([16.7 + 0.1 * rng.standard_normal(steps * walkers),
                         1e-3 + 1e-4 * rng.standard_normal(steps * walkers)]).reshape(steps, walkers, 2)
    meta = {"names": ["m", "eps"], "seed": 5, "log_eps": False, "provenance": {"command": "sample"},
            "analysis": analysis if analysis is not None else {"mass_range": [15.85, 17.55], "eps_range": [1e-5, 1e-2],
                                                                "mass_prior": "uniform", "eps_prior": "uniform"}}
    from dpfit.inference.bayes.chains import read_chain, write_chain

    write_chain(path, Chain(x, np.zeros((steps, walkers)), np.full(walkers, 0.5 * steps), None, meta))
    return read_chain(path)


def test_netcdf_path_adds_the_extension_once():
    assert netcdf_path("out/posterior") == "out/posterior.nc"
    assert netcdf_path("out/p.nc") == "out/p.nc" and netcdf_path("P.NC") == "P.NC"
    from pathlib import Path

    assert netcdf_path(Path("a") / "b.h5") == "a/b.h5.nc"


def test_priors_are_read_from_the_analysis_the_chain_records(tmp_path):
    chain = synthetic_chain(tmp_path / "c.h5", steps=40)
    assert priors(chain) == {"m": {"prior": "uniform", "range": [15.85, 17.55], "unit": "MeV"},
                             "eps": {"prior": "log-uniform", "range": [1e-5, 1e-2], "unit": ""}}
    prov = chain_provenance(chain, "export chain")
    assert prov["inputs_digest"] == "0" * 64 and prov["command"] == "sample"  # the chain's own record, kept
    assert prov["export"]["command"] == "export chain"


def test_getdist_files_of_a_linear_coupling_and_of_a_chain_without_ranges(tmp_path):
    chain = linear_chain(tmp_path / "c.h5")
    diag = diagnostics(chain)
    files = write_getdist(chain, tmp_path / "gd")
    assert [f.rsplit("/", 1)[1] for f in files] == ["gd.txt", "gd.paramnames", "gd.ranges", "gd.properties.ini"]
    assert (tmp_path / "gd.paramnames").read_text().split("\n")[:2] == ["m\tm\\,[\\mathrm{MeV}]", "eps\t\\varepsilon"]
    assert (tmp_path / "gd.ranges").read_text() == "m\t15.85\t17.55\neps\t1e-05\t0.01\n"
    rows = np.loadtxt(tmp_path / "gd.txt")
    kept = chain.get_chain(discard=diag.burn, thin=diag.thin, flat=True)
    assert rows.shape == (kept.shape[0], 4)  # weight, -ln posterior, m, eps: no derived column
    np.testing.assert_array_equal(rows[:, 0], 1.0)
    np.testing.assert_allclose(rows[:, 2:], kept, rtol=1e-12)
    props = (tmp_path / "gd.properties.ini").read_text()
    assert f"dpfit_burn_in = {diag.burn}\n" in props and f"dpfit_thin = {diag.thin}\n" in props
    assert json.loads(props.split("dpfit_provenance = ")[1]) == {"command": "sample"}
    bare = linear_chain(tmp_path / "b.h5", analysis={})
    write_getdist(bare, tmp_path / "bare")
    assert (tmp_path / "bare.ranges").read_text() == "m\tN\tN\neps\tN\tN\n"  # getdist's 'no bound'
