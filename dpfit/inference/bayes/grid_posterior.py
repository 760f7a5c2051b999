"""The exact posterior of a model with at most 3 parameters, on an adaptive grid.

Posterior p(m, ε | data) ∝ L(m, ε) π(m) π(ε), priors from the :class:`Model`:
m uniform over the mass range (or a Gaussian truncated to it), ε log-uniform
or uniform over the ε range. The coupling is integrated in its prior
coordinate u (log10 ε or ε), where the prior is flat, by the trapezoidal rule
on a grid that is uniform in u plus nodes at every hard wall (each edge of an
exclusion band or preferred region at each mass node, with neighbours 1e-9
relative on either side, so a wall is a grid edge and never straddled) and
nodes clustered around every (g−2) band (δa = Δa + nσ/2, n = −10..10; δa =
k(m)ε², Pospelov, PRD 80 (2009) 095002, eq. 2). The mass is integrated by the
trapezoidal rule with nodes at every mass where a step term starts or ends.

In lepton-coupling mode ln L = ln L_e(m, ε_e) + ln L_μ(m, ε_μ) (each term reads
one coupling), so the 3-parameter integral is a sum over masses of a product
of two 1-D integrals. The evidence Z = ∫ L π is normalised with the priors;
its numerical error is the difference from the same grid at half the
resolution (a bound for the trapezoidal rule, whose error falls 4x per
halving). Masses in MeV; couplings dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dpfit.model.model import Model

#: Relative offset of the nodes placed either side of a hard wall.
WALL_OFFSET = 1e-9
#: Default resolution: uniform nodes in u and in m.
N_COUPLING, N_MASS = 3000, 161


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights w with Σ w f(x) = trapezoidal ∫ f dx on the sorted nodes x."""
    w = np.zeros_like(x)
    dx = np.diff(x)
    w[:-1] += 0.5 * dx
    w[1:] += 0.5 * dx
    return w


def _with_neighbours(values, lo: float, hi: float) -> list[float]:
    out = []
    for v in values:
        for x in (v * (1 - WALL_OFFSET), v, v * (1 + WALL_OFFSET)):
            if lo < x < hi:
                out.append(x)
    return out


@dataclass
class CouplingGrid:
    """One coupling's grid: nodes u (prior coordinate), its trapezoid weights, and L/L_max per (mass, u)."""

    name: str
    u: np.ndarray
    weights: np.ndarray
    like: np.ndarray
    log_scale: float

    @property
    def integral(self) -> np.ndarray:
        """∫ L(m_i, u) du / Δu per mass node (in units of exp(log_scale))."""
        return self.like @ self.weights / (self.u[-1] - self.u[0])


@dataclass
class GridPosterior:
    """The grid posterior of a model: marginals, quantiles, regions, pieces, log-evidence.

    names: the physical parameter names ('m', 'eps') or ('m', 'eps_e', 'eps_mu').
    """

    names: tuple[str, ...]
    log_eps: bool
    eps_range: tuple[float, float]
    mass: np.ndarray
    mass_weights: np.ndarray  # trapezoid weights × normalised mass prior density
    couplings: dict[str, CouplingGrid]
    log_evidence: float
    log_evidence_error: float = 0.0
    window_parameter: str = "eps"
    model: Model | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------- marginals
    def _mass_density(self) -> np.ndarray:
        """Posterior weight of each mass node's integrand (prior × Π_p ∫ L_p), unnormalised."""
        prod = np.ones_like(self.mass)
        for grid in self.couplings.values():
            prod = prod * grid.integral
        return prod

    def coupling_density(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(u nodes, normalised marginal density in u) of one coupling."""
        if name not in self._cache:
            grid = self.couplings[name]
            other = np.ones_like(self.mass)
            for n, g in self.couplings.items():
                if n != name:
                    other = other * g.integral
            dens = (self.mass_weights * other) @ grid.like
            dens = dens / (dens @ grid.weights)
            self._cache[name] = (grid.u, dens)
        return self._cache[name]

    def to_eps(self, u):
        return 10.0 ** np.asarray(u) if self.log_eps else np.asarray(u)

    def to_u(self, eps):
        return np.log10(eps) if self.log_eps else np.asarray(eps, dtype=float)

    def cdf(self, name: str, value: float) -> float:
        """Posterior probability that parameter ``name`` (physical units) is below ``value``."""
        x, c = self._cumulative(name)
        v = float(value) if name == "m" else float(self.to_u(value))
        return float(np.interp(v, x, c))

    def _cumulative(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name == "m":
            x = self.mass
            dens = self.mass_weights * self._mass_density() / np.where(self.mass_weights > 0,
                                                                       _trapezoid_weights(self.mass), 1)
        else:
            x, dens = self.coupling_density(name)
        c = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(x))])
        return x, c / c[-1]

    def quantiles(self, name: str, qs) -> list[float]:
        """Marginal quantiles of ``name`` in physical units (MeV or ε), by inverting the grid CDF."""
        x, c = self._cumulative(name)
        out = []
        for q in np.atleast_1d(qs):
            j = int(np.clip(np.searchsorted(c, q), 1, len(c) - 1))
            t = (q - c[j - 1]) / (c[j] - c[j - 1]) if c[j] > c[j - 1] else 0.0
            v = x[j - 1] + t * (x[j] - x[j - 1])
            out.append(float(v) if name == "m" else float(self.to_eps(v)))
        return out

    def eps_density(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(ε nodes, normalised marginal density per unit ε) of one coupling."""
        u, dens = self.coupling_density(name)
        eps = self.to_eps(u)
        return eps, (dens / (eps * np.log(10.0)) if self.log_eps else dens)

    # -------------------------------------------------------------- pieces
    def pieces(self, name: str | None = None, min_weight: float = 1e-9) -> list[dict]:
        """Connected allowed pieces of (m, ``name``) with their posterior weights (grid: exact to its error).

        Each piece: eps_range [lo, hi] (the coupling's extent over the piece),
        mass_range [lo, hi] (MeV) and weight (posterior probability).
        """
        from scipy import ndimage

        name = name or self.window_parameter
        grid = self.couplings[name]
        labels, n = ndimage.label(grid.like > 0)
        other = np.ones_like(self.mass)
        for nm, g in self.couplings.items():
            if nm != name:
                other = other * g.integral
        cell = (self.mass_weights * other)[:, None] * grid.like * grid.weights[None, :]
        total = cell.sum()
        out = []
        for k in range(1, n + 1):
            sel = labels == k
            w = float(cell[sel].sum() / total)
            if w < min_weight:
                continue
            rows, cols = np.nonzero(sel)
            out.append({"eps_range": [float(self.to_eps(grid.u[cols.min()])), float(self.to_eps(grid.u[cols.max()]))],
                        "mass_range": [float(self.mass[rows.min()]), float(self.mass[rows.max()])], "weight": w,
                        "label": k})
        out.sort(key=lambda p: p["eps_range"][0])
        self._cache[("labels", name)] = labels
        return out

    def piece_of(self, name: str, m: np.ndarray, eps: np.ndarray, pieces: list[dict]) -> np.ndarray:
        """Index into ``pieces`` of each point (m, ε); −1 for a point on no piece."""
        grid = self.couplings[name]
        labels = self._cache.get(("labels", name))
        if labels is None:
            self.pieces(name)
            labels = self._cache[("labels", name)]
        i = np.clip(np.searchsorted(self.mass, m), 0, len(self.mass) - 1)
        i_lo = np.clip(i - 1, 0, len(self.mass) - 1)
        i = np.where(np.abs(self.mass[i_lo] - m) < np.abs(self.mass[i] - m), i_lo, i)
        u = self.to_u(eps)
        j = np.clip(np.searchsorted(grid.u, u), 0, len(grid.u) - 1)
        lab = np.where(labels[i, j] > 0, labels[i, j], labels[i, np.clip(j - 1, 0, len(grid.u) - 1)])
        index = {p["label"]: k for k, p in enumerate(pieces)}
        return np.array([index.get(int(v), -1) for v in lab])

    # -------------------------------------------------------------- summary
    def summary(self) -> dict:
        """Quantiles, 95 % regions (HPD and central), window pieces and log-evidence, as plain data."""
        from dpfit.inference.bayes.credible import central_region, hpd_region

        out = {"method": "grid posterior (trapezoidal quadrature, walls as grid edges)",
               "log_evidence": self.log_evidence, "log_evidence_error": self.log_evidence_error, "parameters": {}}
        for name in self.names:
            entry = {"quantiles": dict(zip(["q0.025", "q0.16", "q0.5", "q0.84", "q0.975"],
                                           self.quantiles(name, [0.025, 0.16, 0.5, 0.84, 0.975])))}
            if name != "m":
                entry["hpd95"] = hpd_region(*self.eps_density(name), 0.95)
                entry["central95"] = central_region(self, name, 0.95)
            out["parameters"][name] = entry
        out["pieces"] = {"parameter": self.window_parameter, "pieces": self.pieces()}
        return out


def _coupling_nodes(part, masses, eps_range, log_eps: bool, n: int) -> np.ndarray:
    """Uniform u nodes plus the walls of every step term at each mass and clusters around each measurement's
    bands (:meth:`dpfit.likelihood.terms.Term.band` at 0.5σ steps to 5σ)."""
    lo, hi = eps_range
    edges = part.coupling_edges(masses).ravel()
    walls = list(edges[np.isfinite(edges) & (edges > 0)])
    for term in part.measurements():
        for m in (masses[0], masses[len(masses) // 2], masses[-1]):
            for s in np.arange(0, 11) / 2.0:
                walls += [e for piece in term.band(float(m), s)[0] for e in piece if 0 < e < np.inf]
    eps = np.array(sorted(set(_with_neighbours(set(walls), lo, hi))))
    to_u = np.log10 if log_eps else (lambda x: np.asarray(x, dtype=float))
    u = np.concatenate([np.linspace(to_u(lo), to_u(hi), n), to_u(eps) if eps.size else []])
    return np.unique(u)


def _mass_nodes(joint, mass_range, n: int) -> np.ndarray:
    """Uniform mass nodes plus every term's mass breaks (:meth:`JointLikelihood.mass_breaks`) with neighbours."""
    lo, hi = mass_range
    return np.unique(np.concatenate([np.linspace(lo, hi, n), _with_neighbours(joint.mass_breaks(), lo, hi)]))


def _build(model: Model, n_eps: int, n_mass: int) -> GridPosterior:
    joint = model.posterior_likelihood()
    log_eps = model.eps_prior == "log-uniform"
    masses = _mass_nodes(joint, model.mass_range, n_mass)
    mass_weights = _trapezoid_weights(masses) * np.exp(model.mass_log_prior(masses))
    grids = {}
    for name in joint.mode.names:
        part = joint.part(name) if joint.couplings == "lepton" else joint
        u = _coupling_nodes(part, masses, model.eps_range, log_eps, n_eps)
        eps = 10.0**u if log_eps else u
        if len(part):
            logl = part.logl(masses[:, None], eps[None, :])  # a grid: numpy computes each mass's terms once
        else:
            logl = np.zeros((masses.size, u.size))
        scale = float(np.max(logl)) if np.isfinite(np.max(logl)) else 0.0
        with np.errstate(under="ignore"):
            like = np.exp(logl - scale)
        grids[name] = CouplingGrid(name, u, _trapezoid_weights(u), like, scale)
    total = mass_weights.copy()
    for g in grids.values():
        total = total * g.integral
    z = float(total.sum())
    log_z = (np.log(z) if z > 0 else -np.inf) + sum(g.log_scale for g in grids.values())
    return GridPosterior(tuple(joint.parameters), log_eps, tuple(model.eps_range), masses, mass_weights, grids,
                         float(log_z), 0.0, joint.mode.window_parameter)


def grid_available(model: Model) -> bool:
    """True when the model has at most 3 parameters and a mass range (always so for dpfit's models today)."""
    return model.mass_range is not None and len(model.parameters) <= 3


def grid_posterior(model: Model, n_eps: int = N_COUPLING, n_mass: int = N_MASS) -> GridPosterior:
    """The grid posterior of ``model`` with its log-evidence and the evidence's numerical error."""
    from dpfit.errors import InputError, NoAllowedRegion

    if model.mass_range is None:
        raise InputError("analysis", "mass_range", "without a preferred region, give a mass range")
    fine = _build(model, n_eps, n_mass)
    if not np.isfinite(fine.log_evidence):
        raise NoAllowedRegion("analysis", None, "no allowed point (finite likelihood) anywhere in the prior range")
    coarse = _build(model, n_eps // 2, n_mass // 2 + 1)
    fine.log_evidence_error = abs(fine.log_evidence - coarse.log_evidence)
    fine.model = model
    return fine
