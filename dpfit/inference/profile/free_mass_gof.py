"""Goodness of fit with the mass free: the χ²_min distribution calibrated by toys from the best fit.

With the mass free, χ²_min is not χ²-distributed with a whole number of degrees of freedom: the mass enters
only through k(m) and the walls, so it removes between 0 and 1 degree of freedom (the count of "fitted
parameters" gives 0 dof for a χ² of 20 with two measurements). The distribution is calibrated instead:
pseudo-experiments are drawn at the best fit (m̂, ε̂) from what each term declares
(:meth:`dpfit.likelihood.terms.Term.toy_data`: Gaussian measurements d_i ~ N(k_i(m̂) ε̂², σ_i), Poisson
counts n ~ Poisson(c(m̂) ε̂²)), and each is refitted over the same mass grid as the data. At each mass the
refit is the closed form of :mod:`dpfit.inference.frequentist.toys` (convex in x = ε², best allowed piece), with the
full χ²: Σ pulls² plus the Poisson deviance 2(C x − n + n ln(n/(C x))), the saturated form that equals the
data's 2 N_c (ε/ε_up)² at n = 0; a term's mass-only part (a preferred region's mass) enters at its observed
value. χ²_min of a toy is the smallest over masses and pieces (summed over the couplings' parts).

The p-value: the fraction of toys with χ²_min ≥ the observed one where at least :data:`MIN_TAIL` toys are
there; beyond the toys' reach, the tail of χ²(ν) with ν the toys' mean χ²_min (a moment-matched χ², the
Chernoff-style rule; Chernoff, Ann. Math. Stat. 25 (1954) 573), its agreement with the toys stated.
"""

from __future__ import annotations

import numpy as np

from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import CountData
from dpfit.notes import note

#: Toys of the calibration (fixed, with a fixed seed: the p-value is reproducible).
TOYS = 20_000
SEED = 1
#: Fewest toys beyond the observed χ²_min for the toy fraction to be the p-value.
MIN_TAIL = 20


def _part_data(part: JointLikelihood, masses: np.ndarray):
    """Per mass: (k, σ, observed d) of the Gaussian measurements, (rate, observed n) of the counts, the
    allowed pieces and −2 × the mass-only parts; None when a term reads the coupling without declaring data."""
    rows = []
    for m in masses:
        gauss, rate, count, mass_chi2 = [], 0.0, 0, 0.0
        for term in part.terms:
            data = term.toy_data(float(m))
            if data is None and term.smooth:
                return None
            if isinstance(data, CountData):
                rate, count = rate + data.rate, count + data.observed
            elif data is not None:
                gauss.append((data.k, data.sigma, data.observed))
            mass_logl = term.mass_logl(float(m))
            if mass_logl is not None:
                mass_chi2 += -2.0 * float(mass_logl)
        rows.append((np.array(gauss).reshape(-1, 3), rate, count, part.allowed(float(m)), mass_chi2))
    return rows


def _chi2_min_at_mass(row, d: np.ndarray, n: np.ndarray) -> np.ndarray:
    """min over the allowed x of the full χ² at one mass, for each toy (d: (toys, measurements), n: (toys,))."""
    gauss, rate, _, pieces, mass_chi2 = row
    k, sigma = gauss[:, 0], gauss[:, 1]
    a = float(np.sum((k / sigma) ** 2))
    b_lin = (d * (k / sigma**2)).sum(axis=1) if k.size else np.zeros(n.shape)
    const = ((d / sigma) ** 2).sum(axis=1) if k.size else np.zeros(n.shape)

    def chi2(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            deviance = 2.0 * (rate * x - n + np.where(n > 0, n * np.log(n / (rate * x)), 0.0))
        return a * x * x - 2.0 * b_lin * x + const + np.where(rate > 0, deviance, 0.0) + mass_chi2

    # unconstrained minimum of a x² − 2 b x + 2 (C x − n ln x): a x² + (C − b) x − n = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if a > 0:
            q = rate - b_lin
            free = np.where(n > 0, (-q + np.sqrt(q * q + 4.0 * a * n)) / (2.0 * a), -q / a)
        else:
            free = n / rate
    best = np.full(n.shape, np.inf)
    for lo, hi in pieces:
        value = chi2(np.clip(free, lo * lo, hi * hi))
        best = np.minimum(best, np.where(np.isnan(value), np.inf, value))
    return best


def calibrate(joint: JointLikelihood, masses: np.ndarray, best: dict[str, float], chi2_obs: float,
              toys: int = TOYS, seed: int = SEED) -> dict | None:
    """The toy distribution of χ²_min with the mass free over ``masses`` (MeV), drawn at ``best`` ({'m': m̂,
    coupling: ε̂}), and the p-value of ``chi2_obs``. None when a term declares no pseudo-experiment.

    Returns {"p_value", "method", "toys", "above", "mean_chi2_min", "effective_dof", "toy_p_value"}.
    """
    from scipy import stats

    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    m_hat = float(best["m"])
    total = np.full(toys, np.inf)
    per_mass = np.zeros((masses.size, toys))
    for name, part in joint.parts().items():
        rows = _part_data(part, masses)
        truth = _part_data(part, np.array([m_hat]))
        if rows is None or truth is None:
            return None
        gauss, rate, _, _, _ = truth[0]
        x_hat = float(best[name]) ** 2
        d = gauss[:, 0] * x_hat + gauss[:, 1] * rng.standard_normal((toys, gauss.shape[0]))
        n = rng.poisson(rate * x_hat, toys).astype(float) if rate > 0 else np.zeros(toys)
        for j, row in enumerate(rows):
            per_mass[j] += _chi2_min_at_mass(row, d, n)
    total = per_mass.min(axis=0)
    total = total[np.isfinite(total)]
    if total.size == 0:  # no pseudo-experiment has an allowed point: nothing to calibrate
        return None
    above = int(np.count_nonzero(total >= chi2_obs))
    nu = max(float(total.mean()), 1e-6)
    toy_p = above / total.size
    bound = float(stats.chi2.ppf(0.95, 2 * (above + 1)) / (2 * total.size))  # Poisson 95 % upper limit on p
    tail = float(np.mean(total >= stats.chi2.isf(0.01, nu)))  # the rule's check: 0.01 if chi2(nu) holds
    where = dict(toys=int(total.size), lo=float(masses[0]), hi=float(masses[-1]), above=above)
    if above >= MIN_TAIL:
        p, method = toy_p, note("free_mass_toys", **where)
    else:
        p = float(stats.chi2.sf(chi2_obs, nu))
        method = note("free_mass_matched", nu=nu, bound=bound, tail=tail, **where)
    return {"p_value": p, "method": method, "toys": int(total.size), "above": above, "effective_dof": nu,
            "toy_p_value": toy_p, "toy_p_upper_95": bound, "tail_check_0.01": tail}
