"""Sampling the joint posterior over (m, ε) with emcee, with atomic, resumable chain files.

Parameters sampled: θ = (m [MeV], log10 ε) for a log-uniform ε prior, or
(m, ε) for a uniform one (``eps_e``/``eps_mu`` in lepton mode). Priors:
m uniform over the analysis mass range (or Gaussian from the region card,
truncated to that range); ε over the analysis ε range.

The chain file is emcee's HDF5 layout (group ``mcmc``: ``chain``,
``log_prob``, ``accepted``, the random state in ``random_state_*`` attributes),
so ``emcee.backends.HDFBackend(path, read_only=True)`` reads it, plus dpfit's
metadata in ``dpfit_*`` attributes. It is rewritten as a whole every
checkpoint into a temporary file that is then renamed over the target: a
kill at any moment (SIGINT, SIGTERM, SIGKILL) leaves the last complete
checkpoint, which ``resume`` continues until the chain holds the requested
number of steps in total. The random state is saved with the chain, so a
resumed run reproduces the uninterrupted one.
"""

from __future__ import annotations

import json
import signal
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit import __version__
from dpfit.output.atomic import atomic_path
from dpfit.errors import InputError, NoAllowedRegion

GROUP = "mcmc"
#: Seconds between checkpoints of a running chain.
CHECKPOINT_SECONDS = 2.0
#: A chain shorter than this many autocorrelation times is flagged (emcee's guidance).
MIN_TAU_MULTIPLE = 50


# ----------------------------------------------------------------------------- the posterior


@dataclass(frozen=True)
class Posterior:
    """Vectorised log-posterior over θ (shape (n, ndim)) of an analysis (likelihood: the fused kernel)."""

    joint: object
    names: tuple[str, ...]
    log_eps: bool
    mass_range: tuple[float, float]
    eps_range: tuple[float, float]
    mass_gaussian: tuple[float, float] | None

    @property
    def ndim(self) -> int:
        return len(self.names)

    def couplings(self, theta: np.ndarray) -> list[np.ndarray]:
        """The couplings ε from θ's coupling columns."""
        cols = [theta[:, i] for i in range(1, theta.shape[1])]
        return [10.0**c for c in cols] if self.log_eps else cols

    def log_prior(self, theta: np.ndarray) -> np.ndarray:
        m = theta[:, 0]
        inside = (m >= self.mass_range[0]) & (m <= self.mass_range[1])
        for eps in self.couplings(theta):
            inside &= (eps >= self.eps_range[0]) & (eps <= self.eps_range[1])
        lp = np.where(inside, 0.0, -np.inf)
        if self.mass_gaussian is not None:
            mean, sigma = self.mass_gaussian
            lp = lp - 0.5 * ((m - mean) / sigma) ** 2
        return lp

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        lp = self.log_prior(theta)
        ok = np.isfinite(lp)
        if ok.any():
            lp[ok] += self.joint.logl(theta[ok, 0], *[c[ok] for c in self.couplings(theta)])
        return lp

    def draw_prior(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n points from the prior box (mass uniform within the range; ε per its prior)."""
        m = rng.uniform(*self.mass_range, size=n)
        cols = [m]
        for _ in range(self.ndim - 1):
            lo, hi = self.eps_range
            cols.append(rng.uniform(np.log10(lo), np.log10(hi), n) if self.log_eps else rng.uniform(lo, hi, n))
        return np.column_stack(cols)


def posterior(analysis) -> Posterior:
    """The Posterior of an :class:`dpfit.model.analysis.Analysis`."""
    from dpfit.likelihood.fused import FusedLikelihood

    joint = analysis.likelihood()
    mass_range = tuple(analysis.resolved_mass_range())
    log_eps = analysis.eps_prior == "log-uniform"
    prefix = "log10_" if log_eps else ""
    names = ("m",) + tuple(prefix + p for p in joint.parameters[1:])
    gaussian = analysis.mass_prior_gaussian() if analysis.mass_prior == "gaussian" else None
    return Posterior(FusedLikelihood(joint, mass_range), names, log_eps, mass_range, tuple(analysis.eps_range), gaussian)


def initial_walkers(post: Posterior, nwalkers: int, rng: np.random.Generator, batches: int = 50) -> np.ndarray:
    """nwalkers distinct starting points with finite posterior, drawn from the prior box."""
    found = []
    for _ in range(batches):
        theta = post.draw_prior(rng, 20 * nwalkers)
        found.extend(theta[np.isfinite(post(theta))])
        if len(found) >= nwalkers:
            return np.array(found[:nwalkers])
    if not found:
        raise NoAllowedRegion("analysis", None, "no allowed point (finite likelihood) anywhere in the prior range; "
                                                "nothing to sample")
    raise NoAllowedRegion("analysis", None, f"only {len(found)} allowed starting points found for {nwalkers} walkers")


# ----------------------------------------------------------------------------- chain files


@dataclass
class Chain:
    """A chain read back: arrays (steps, walkers[, ndim]) plus dpfit's metadata."""

    chain: np.ndarray
    log_prob: np.ndarray
    accepted: np.ndarray
    random_state: tuple | None
    meta: dict

    @property
    def steps(self) -> int:
        return self.chain.shape[0]

    @property
    def names(self) -> list[str]:
        return self.meta["names"]


def write_chain(path: str | Path, chain: Chain) -> None:
    """Write a chain file atomically in emcee's HDF5 layout (see the module docstring)."""
    import emcee
    import h5py

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            g = f.create_group(GROUP)
            steps, nwalkers, ndim = chain.chain.shape
            g.attrs.update({"version": emcee.__version__, "nwalkers": nwalkers, "ndim": ndim, "has_blobs": False,
                            "iteration": steps})
            g.create_dataset("chain", data=chain.chain, maxshape=(None, nwalkers, ndim))
            g.create_dataset("log_prob", data=chain.log_prob, maxshape=(None, nwalkers))
            g.create_dataset("accepted", data=chain.accepted)
            for i, value in enumerate(chain.random_state or ()):
                g.attrs[f"random_state_{i}"] = value
            g.attrs["dpfit_meta"] = json.dumps(chain.meta)
            g.attrs["dpfit_version"] = __version__


def read_chain(path: str | Path) -> Chain:
    """Read a chain file written by dpfit; InputError if it is missing or not one."""
    import h5py

    source = str(path)
    if not Path(path).exists():
        raise InputError(source, None, "no such chain file")
    try:
        with h5py.File(path, "r", locking=False) as f:
            g = f[GROUP]
            elements = [v for k, v in sorted(g.attrs.items()) if k.startswith("random_state_")]
            return Chain(g["chain"][...], g["log_prob"][...], g["accepted"][...],
                         tuple(elements) if elements else None, json.loads(g.attrs["dpfit_meta"]))
    except (OSError, KeyError) as exc:
        raise InputError(source, None, f"not a readable dpfit chain file ({exc})") from None


# ----------------------------------------------------------------------------- running


@contextmanager
def _terminate_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt for the duration, so a kill writes a final checkpoint."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Interrupted(Exception):
    """Sampling stopped by a signal; the chain file holds ``steps`` steps."""

    def __init__(self, path, steps):
        super().__init__(f"interrupted: {path} holds {steps} steps; continue with --resume")
        self.path, self.steps = path, steps


def sample(analysis, out: str | Path, nwalkers: int = 32, nsteps: int = 5000, seed: int = 1,
           resume: bool = False, progress: bool = True, provenance: dict | None = None) -> Chain:
    """Run (or resume) emcee until ``out`` holds ``nsteps`` steps in total; return the chain.

    A fresh run refuses to overwrite an existing chain unless it is resumed
    (``resume=True``), which requires the same analysis and number of walkers.
    """
    import emcee

    post = posterior(analysis)
    description = analysis.describe()
    out = Path(out)
    if resume and out.exists():
        previous = read_chain(out)
        if previous.meta["analysis"] != json.loads(json.dumps(description)):
            raise InputError(str(out), "dpfit_meta.analysis", "the chain was made by a different analysis; "
                                                              "start a new file instead of --resume")
        if previous.chain.shape[1] != nwalkers:
            raise InputError(str(out), "nwalkers", f"the chain has {previous.chain.shape[1]} walkers, not {nwalkers}")
        seed = previous.meta["seed"]
    else:
        if out.exists() and not resume:
            raise InputError(str(out), None, "exists; pass --resume to continue it, or choose another file")
        previous = None
    meta = {"names": list(post.names), "seed": seed, "analysis": description, "log_eps": post.log_eps,
            "provenance": provenance or {}, "dpfit_version": __version__}
    sampler = emcee.EnsembleSampler(nwalkers, post.ndim, post, vectorize=True)
    if previous is not None:
        done = previous.steps
        state = emcee.State(previous.chain[-1], log_prob=previous.log_prob[-1], random_state=previous.random_state)
    else:
        done = 0
        rng = np.random.default_rng(seed)
        start = initial_walkers(post, nwalkers, rng)
        state = emcee.State(start, random_state=np.random.RandomState(seed).get_state())
        previous = Chain(np.empty((0, nwalkers, post.ndim)), np.empty((0, nwalkers)), np.zeros(nwalkers), None, meta)
    remaining = nsteps - done
    if remaining <= 0:
        return previous

    def snapshot() -> Chain:
        n = sampler.iteration
        new_chain = sampler.get_chain() if n else np.empty((0, nwalkers, post.ndim))
        new_lp = sampler.get_log_prob() if n else np.empty((0, nwalkers))
        return Chain(np.concatenate([previous.chain, new_chain]), np.concatenate([previous.log_prob, new_lp]),
                     previous.accepted + (sampler.backend.accepted if n else 0),
                     sampler.random_state, meta)

    from tqdm import tqdm

    bar = tqdm(total=nsteps, initial=done, disable=not progress, unit="step", desc="sampling", dynamic_ncols=True)
    last = time.monotonic()
    try:
        with _terminate_as_interrupt():
            for _ in sampler.sample(state, iterations=remaining, store=True):
                bar.update(1)
                if time.monotonic() - last > CHECKPOINT_SECONDS:
                    write_chain(out, snapshot())
                    last = time.monotonic()
    except KeyboardInterrupt:
        current = snapshot()
        write_chain(out, current)
        raise Interrupted(out, current.steps) from None
    finally:
        bar.close()
    final = snapshot()
    write_chain(out, final)
    return final


# ----------------------------------------------------------------------------- diagnostics and summaries


@dataclass
class Diagnostics:
    """Acceptance, integrated autocorrelation time τ per parameter, effective sample size."""

    acceptance: float
    tau: np.ndarray
    ess: float
    burn: int
    thin: int
    warning: str | None

    def as_dict(self, names) -> dict:
        return {"acceptance_fraction": self.acceptance, "tau": dict(zip(names, self.tau.tolist())),
                "effective_samples": self.ess, "burn_in": self.burn, "thin": self.thin, "warning": self.warning}


def diagnostics(chain: Chain) -> Diagnostics:
    """Diagnostics of a chain; burn-in 2 max τ and thinning τ/2 from the measured τ."""
    import emcee

    steps, nwalkers = chain.chain.shape[:2]
    tau = emcee.autocorr.integrated_time(chain.chain, c=5, tol=0, quiet=True)
    tau_max = float(np.max(tau))
    warning = None
    if steps < MIN_TAU_MULTIPLE * tau_max:
        more = int(np.ceil(MIN_TAU_MULTIPLE * tau_max - steps))
        warning = (f"the chain ({steps} steps) is shorter than {MIN_TAU_MULTIPLE} autocorrelation times "
                   f"(tau = {tau_max:.0f}); run about {more} more steps ({steps + more} in total)")
    burn = min(int(2 * tau_max), steps // 2)
    thin = max(1, int(tau_max / 2))
    ess = nwalkers * (steps - burn) / tau_max
    acceptance = float(np.mean(chain.accepted) / max(steps, 1))
    return Diagnostics(acceptance, np.asarray(tau), ess, burn, thin, warning)


def physical_samples(chain: Chain, burn: int, thin: int) -> dict[str, np.ndarray]:
    """Flat samples after burn-in and thinning, with couplings as ε (not log10 ε)."""
    flat = chain.chain[burn::thin].reshape(-1, chain.chain.shape[2])
    out = {}
    for i, name in enumerate(chain.names):
        if name.startswith("log10_"):
            out[name.removeprefix("log10_")] = 10.0 ** flat[:, i]
        else:
            out[name] = flat[:, i]
    return out


def credible_summary(samples: dict[str, np.ndarray]) -> dict:
    """Median and central 68% / 95% credible intervals of each parameter."""
    summary = {}
    for name, values in samples.items():
        q = np.quantile(values, [0.025, 0.16, 0.5, 0.84, 0.975])
        summary[name] = {"median": float(q[2]), "68": [float(q[1]), float(q[3])], "95": [float(q[0]), float(q[4])]}
    return summary
