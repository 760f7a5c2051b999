"""Posterior sampling: correctness against an analytic density, reproducibility, resume, interrupts."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import integrate, stats

from tests.helpers import fv_quadrature
from dpfit.model.analysis import Analysis
from dpfit.errors import InputError, NoAllowedRegion
from dpfit.inference.bayes.chains import read_chain
from dpfit.inference.bayes.diagnostics import diagnostics, physical_samples
from dpfit.inference.bayes.sampling import sample

M_MU = 105.6583755


def single_gaussian():
    return Analysis(muon="WP20", electron=None, limits=(), atomki=None, convention="paper",
                    mass_range=(16.9, 17.1), eps_range=(1e-4, 1e-2))


def test_posterior_of_one_gaussian_term_matches_analytic_density(tmp_path):
    """log-uniform ε prior: p(log10 ε) ∝ ∫dm L(m, ε); compare the sampled CDF with quadrature (KS)."""
    chain = sample(single_gaussian(), tmp_path / "c.h5", nwalkers=32, nsteps=3000, seed=7, progress=False)
    diag = diagnostics(chain)
    samples = physical_samples(chain, diag.burn, max(diag.thin, int(2 * max(diag.tau))))["eps"]
    alpha, delta, sigma = 1 / 137, 262e-11, 45e-11

    def density(log_eps):
        eps = 10.0**log_eps
        like = lambda m: np.exp(-0.5 * ((alpha / (2 * np.pi) * fv_quadrature(m / M_MU) * eps**2 - delta) / sigma) ** 2)
        return integrate.quad(like, 16.9, 17.1)[0]

    grid = np.linspace(-3.1, -2.4, 701)
    pdf = np.array([density(x) for x in grid])
    cdf = integrate.cumulative_trapezoid(pdf, grid, initial=0.0)
    cdf /= cdf[-1]
    result = stats.kstest(np.log10(samples), lambda x: np.interp(x, grid, cdf))
    assert result.pvalue > 0.01, result
    median_analytic = np.interp(0.5, cdf, grid)
    assert np.log10(np.median(samples)) == pytest.approx(median_analytic, abs=0.01)


def test_same_seed_same_chain_and_resume_continues(tmp_path):
    analysis = Analysis()
    whole = sample(analysis, tmp_path / "whole.h5", nwalkers=16, nsteps=300, seed=5, progress=False)
    again = sample(analysis, tmp_path / "again.h5", nwalkers=16, nsteps=300, seed=5, progress=False)
    assert np.array_equal(whole.chain, again.chain)
    part = sample(analysis, tmp_path / "part.h5", nwalkers=16, nsteps=120, seed=5, progress=False)
    resumed = sample(analysis, tmp_path / "part.h5", nwalkers=16, nsteps=300, seed=999, resume=True, progress=False)
    assert resumed.steps == 300
    assert np.array_equal(resumed.chain[:120], part.chain)
    assert np.array_equal(resumed.chain, whole.chain)  # the saved random state makes resume exact
    assert read_chain(tmp_path / "part.h5").steps == 300


def test_refuses_to_overwrite_or_resume_another_analysis(tmp_path):
    sample(Analysis(), tmp_path / "c.h5", nwalkers=8, nsteps=20, seed=1, progress=False)
    with pytest.raises(InputError, match="exists; resume it"):
        sample(Analysis(), tmp_path / "c.h5", nwalkers=8, nsteps=40, progress=False)
    with pytest.raises(InputError, match="different analysis"):
        sample(Analysis(muon="WP20"), tmp_path / "c.h5", nwalkers=8, nsteps=40, resume=True, progress=False)


def test_no_allowed_point_is_reported(tmp_path):
    analysis = Analysis(eps_range=(1e-5, 1e-4))  # below ATOMKI's 2e-4: nothing allowed
    with pytest.raises(NoAllowedRegion, match="nothing to sample"):
        sample(analysis, tmp_path / "c.h5", nwalkers=8, nsteps=10, progress=False)
    assert not (tmp_path / "c.h5").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM])  # every signal, at random moments: tests/system/test_resume_signals.py
def test_killed_sampler_leaves_resumable_chain(tmp_path, sig):
    out = tmp_path / "c.h5"
    cmd = [sys.executable, "-m", "dpfit", "sample", "--out", str(out), "--steps", "1000000", "--walkers", "8",
           "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert out.exists(), "no checkpoint written"
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    if sig != signal.SIGKILL:
        assert proc.returncode == 130 and b"--resume" in err
    first = read_chain(out)
    assert first.steps > 0
    target = first.steps + 25
    code = subprocess.run(cmd[:6] + ["--steps", str(target), "--walkers", "8", "--no-progress", "--resume"],
                          capture_output=True, timeout=120).returncode
    assert code == 0
    resumed = read_chain(out)
    assert resumed.steps == target
    assert np.array_equal(resumed.chain[: first.steps], first.chain)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")] or sig == signal.SIGKILL


def test_no_progress_bar_no_ipywidgets_warning_in_jupyter(tmp_path):
    """sample(progress=False) under a Jupyter kernel without ipywidgets: no 'IProgress not found' warning."""
    import nbformat
    from nbclient import NotebookClient

    code = (f"import warnings\nwarnings.simplefilter('always')\nfrom dpfit.model.analysis import Analysis\n"
            f"from dpfit.inference.bayes.sampling import sample\n"
            f"chain = sample(Analysis(), {str(tmp_path / 'c.h5')!r}, nwalkers=8, nsteps=10, seed=1, progress=False)\n"
            f"import sys\nprint('steps', chain.steps, 'tqdm.autonotebook' in sys.modules)")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    stdout = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert stdout == "steps 10 False\n" and "IProgress" not in stderr and "Warning" not in stderr, (stdout, stderr)
