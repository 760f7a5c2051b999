"""Chain diagnostics: the autocorrelation time against emcee and the AR(1) closed form, burn-in, thinning, summaries."""

import emcee
import numpy as np
import pytest

from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.diagnostics import MIN_TAU_MULTIPLE, credible_summary, diagnostics, integrated_time, \
    physical_samples
from dpfit.inference.bayes.sampling import sample
from dpfit.model.analysis import Analysis
from dpfit.output.wording import note_text

RHOS = np.array([0.5, 0.8])  # AR(1) x_t = rho x_(t-1) + sqrt(1 - rho^2) e_t: tau = (1 + rho) / (1 - rho) = 3, 9


def ar1(seed: int, steps: int, walkers: int) -> np.ndarray:
    """Stationary AR(1) series of unit variance, one per walker and rho, shape (steps, walkers, len(RHOS))."""
    rng = np.random.default_rng(seed)
    x = np.empty((steps, walkers, RHOS.size))
    x[0] = rng.standard_normal((walkers, RHOS.size))
    noise = rng.standard_normal((steps, walkers, RHOS.size)) * np.sqrt(1 - RHOS**2)
    for t in range(1, steps):
        x[t] = RHOS * x[t - 1] + noise[t]
    return x


def as_chain(x: np.ndarray, names=("m", "log10_eps"), accepted=None) -> Chain:
    steps, walkers, _ = x.shape
    accepted = np.full(walkers, steps // 2) if accepted is None else accepted
    return Chain(x, np.zeros((steps, walkers)), accepted, None, {"names": list(names), "analysis": {}})


def test_short_chain_warning_says_how_many_more_steps(tmp_path):
    chain = sample(Analysis(), tmp_path / "c.h5", nwalkers=8, nsteps=60, seed=1, progress=False)
    diag = diagnostics(chain)
    assert diag.warning is not None and "more steps" in note_text(diag.warning)


def test_summary_quantiles():
    values = {"x": np.linspace(0, 1, 100001)}
    s = credible_summary(values)["x"]
    assert s["median"] == pytest.approx(0.5)
    assert s["central"]["2sigma"]["interval"] == pytest.approx([0.5 - 0.9544997 / 2, 0.5 + 0.9544997 / 2], abs=1e-6)
    assert credible_summary(values, "0.95")["x"]["central"]["0.95"]["interval"] == pytest.approx([0.025, 0.975])


def test_autocorrelation_time_ignores_a_walker_that_never_moved():
    """A walker whose every proposal was rejected has a 0/0 autocorrelation; emcee's estimate then is NaN (and
    warns). dpfit's leaves that walker out and equals emcee's on the others; with no walker moving, τ = the length."""
    import emcee

    from dpfit.inference.bayes.diagnostics import integrated_time

    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=(300, 6, 2)), axis=0) * 0.1 + rng.normal(size=(300, 6, 2))
    stuck = x.copy()
    stuck[:, 0, :] = 1.0
    expected = emcee.autocorr.integrated_time(x[:, 1:, :], c=5, tol=0, quiet=True)
    assert integrated_time(stuck) == pytest.approx(expected, rel=1e-12)
    assert list(integrated_time(np.ones((10, 4, 1)))) == [10.0]


def test_autocorrelation_time_of_ar1_series_is_the_closed_form():
    x = ar1(5, 4000, 16)
    tau = integrated_time(x)
    assert tau == pytest.approx(emcee.autocorr.integrated_time(x, c=5, tol=0, quiet=True), rel=1e-12)
    # the estimator's spread over seeds is ~4 % here, and Sokal's window biases it low by ~3 % at tau = 9
    assert tau == pytest.approx((1 + RHOS) / (1 - RHOS), rel=0.15)


def test_burn_in_thinning_and_effective_samples_follow_the_measured_tau():
    x = ar1(6, 2000, 8)
    accepted = np.arange(8) * 100.0
    diag = diagnostics(as_chain(x, accepted=accepted))
    tau = emcee.autocorr.integrated_time(x, c=5, tol=0, quiet=True)
    assert diag.tau == pytest.approx(tau, rel=1e-12)
    tau_max = max(tau)  # ~9: burn-in 2 tau, thinning tau / 2, n_eff = walkers (steps - burn) / tau
    assert diag.burn == int(2 * tau_max) and diag.thin == int(tau_max / 2)
    assert diag.ess == pytest.approx(8 * (2000 - diag.burn) / tau_max, rel=1e-12)
    assert diag.acceptance == pytest.approx(350.0 / 2000)  # the walkers' mean accepted steps over the steps
    assert diag.warning is None  # 2000 steps > 50 tau
    d = diag.as_dict(["m", "log10_eps"])
    assert d["tau"] == {"m": diag.tau[0], "log10_eps": diag.tau[1]} and d["effective_samples"] == diag.ess


def test_a_chain_shorter_than_50_tau_says_the_total_it_needs():
    x = ar1(7, 300, 8)
    diag = diagnostics(as_chain(x))
    need = int(np.ceil(MIN_TAU_MULTIPLE * max(emcee.autocorr.integrated_time(x, c=5, tol=0, quiet=True))))
    assert MIN_TAU_MULTIPLE == 50 and need > 300
    assert note_text(diag.warning).startswith("the chain (300 steps) is shorter than 50 autocorrelation times")
    assert note_text(diag.warning).endswith(f"run about {need - 300} more steps ({need} in total)")


def test_physical_samples_are_emcees_flat_chain_with_couplings_as_eps():
    x = ar1(8, 40, 6) - 3.0
    chain = as_chain(x, names=("m", "log10_eps"))
    out = physical_samples(chain, burn=10, thin=3)
    flat = emcee.backends.Backend.get_chain(chain, discard=10, thin=3, flat=True)
    assert set(out) == {"m", "eps"} and out["m"].shape == (10 * 6,)
    # emcee keeps steps discard + thin - 1, then every thin-th: 12, 15, ..., 39
    assert np.array_equal(out["m"], x[12::3, :, 0].reshape(-1)) and np.array_equal(out["m"], flat[:, 0])
    assert out["eps"] == pytest.approx(10.0 ** x[12::3, :, 1].reshape(-1), rel=1e-15)


def test_credible_summary_of_normal_samples_brackets_one_and_two_sigma():
    values = {"x": np.random.default_rng(9).standard_normal(200_000)}
    s = credible_summary(values)["x"]
    assert set(s["central"]) == {"1sigma", "2sigma"}
    assert s["central"]["1sigma"]["probability"] == pytest.approx(0.682689, abs=1e-6)
    # sample quantiles of 2e5 normals: error sqrt(q (1 - q) / n) / pdf < 0.006
    assert s["central"]["1sigma"]["interval"] == pytest.approx([-1.0, 1.0], abs=0.02)
    assert s["central"]["2sigma"]["interval"] == pytest.approx([-2.0, 2.0], abs=0.03)
    assert s["median"] == pytest.approx(0.0, abs=0.01)
