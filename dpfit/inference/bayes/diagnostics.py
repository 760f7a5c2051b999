"""Chain diagnostics (acceptance, autocorrelation time, effective samples) and posterior summaries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dpfit.inference.bayes.chains import Chain
from dpfit.notes import Note, note

#: A chain shorter than this many autocorrelation times is flagged (emcee's guidance).
MIN_TAU_MULTIPLE = 50


@dataclass
class Diagnostics:
    """Acceptance, integrated autocorrelation time τ per parameter, effective sample size."""

    acceptance: float
    tau: np.ndarray
    ess: float
    burn: int
    thin: int
    warning: Note | None

    def as_dict(self, names) -> dict:
        return {"acceptance_fraction": self.acceptance, "tau": dict(zip(names, self.tau.tolist())),
                "effective_samples": self.ess, "burn_in": self.burn, "thin": self.thin, "warning": self.warning}


def integrated_time(x: np.ndarray, c: float = 5.0) -> np.ndarray:
    """τ per parameter of a chain x (steps, walkers, parameters), as emcee's ``integrated_time`` (the walkers'
    mean autocorrelation function, Sokal's window with c; Goodman & Weare 2010), leaving out a walker that did
    not move in that parameter (its autocorrelation is 0/0); with none moving, τ is the chain's length."""
    import emcee

    steps, _, ndim = x.shape
    tau = np.empty(ndim)
    for d in range(ndim):
        with np.errstate(invalid="ignore", divide="ignore"):
            acfs = [emcee.autocorr.function_1d(x[:, k, d]) for k in range(x.shape[1])]
        moved = [a for a in acfs if np.all(np.isfinite(a))]
        if not moved:
            tau[d] = float(steps)
            continue
        taus = 2.0 * np.cumsum(np.mean(moved, axis=0)) - 1.0
        tau[d] = taus[emcee.autocorr.auto_window(taus, c)]
    return tau


def diagnostics(chain: Chain) -> Diagnostics:
    """Diagnostics of a chain; burn-in 2 max τ and thinning τ/2 from the measured τ."""
    steps, nwalkers = chain.steps, chain.nwalkers
    tau = integrated_time(chain.get_chain())
    tau_max = float(np.max(tau))
    warning = None
    if steps < MIN_TAU_MULTIPLE * tau_max:
        more = int(np.ceil(MIN_TAU_MULTIPLE * tau_max - steps))
        warning = note("chain_too_short", steps=steps, multiple=MIN_TAU_MULTIPLE, tau=tau_max, more=more)
    burn = min(int(2 * tau_max), steps // 2)
    thin = max(1, min(int(tau_max / 2), steps - burn))  # at least one step survives emcee's slicing
    ess = nwalkers * (steps - burn) / tau_max
    acceptance = float(np.mean(chain.accepted) / max(steps, 1))
    return Diagnostics(acceptance, np.asarray(tau), ess, burn, thin, warning)


def physical_samples(chain: Chain, burn: int, thin: int) -> dict[str, np.ndarray]:
    """Flat samples after burn-in and thinning (emcee's ``get_chain``), with couplings as ε (not log10 ε)."""
    flat = chain.get_chain(discard=burn, thin=thin, flat=True)
    out = {}
    for i, name in enumerate(chain.names):
        if name.startswith("log10_"):
            out[name.removeprefix("log10_")] = 10.0 ** flat[:, i]
        else:
            out[name] = flat[:, i]
    return out


def credible_summary(samples: dict[str, np.ndarray], levels=None) -> dict:
    """Median and central (equal-tail) credible intervals of each parameter, one per level.

    ``levels``: as :func:`dpfit.inference.levels.parse_levels` (default 1sigma,2sigma: 68.27 % and 95.45 %).
    Returns {name: {"median": x, "central": {label: {"probability": p, "interval": [lo, hi]}}}}.
    """
    from dpfit.inference.levels import DEFAULT_LEVELS, parse_levels

    levels = parse_levels(DEFAULT_LEVELS if levels is None else levels)
    summary = {}
    for name, values in samples.items():
        central = {}
        for level in levels:
            lo, hi = np.quantile(values, [(1 - level.probability) / 2, (1 + level.probability) / 2])
            central[level.label] = {"probability": level.probability, "interval": [float(lo), float(hi)]}
        summary[name] = {"median": float(np.median(values)), "central": central}
    return summary
