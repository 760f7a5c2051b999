"""A compiled, fused evaluation of a joint likelihood: one pass over the points, no temporaries.

:class:`FusedLikelihood` evaluates the same ln L as
:meth:`dpfit.likelihood.terms.JointLikelihood.logl`, for the term types dpfit has, in a
single numba-compiled loop. The only approximation is the shift per ε² of each
(g−2) term, k(m) = α F_V(m/m_ℓ)/2π, which depends on the mass alone: inside a
mass range it is read from a cubic spline on a uniform grid built from the
exact loop function, and the grid is refined until the spline agrees with the
exact function to :data:`TABLE_TOLERANCE` relative at every half-way point
(F_V is smooth there; the test suite checks the agreement independently).
Points outside the table's mass range are evaluated exactly by the numpy path.

The kernel knows exactly the term types in :data:`FUSED_TERMS`. A joint
likelihood holding any other term (a new term type, or a subclass that may
override ``logl``) is never partly fused: :func:`compiled` then returns the
numpy path itself, and says why. Used for the emcee log-probability and the
throughput benchmark; the numpy path in :mod:`dpfit.likelihood.joint` stays the
reference.
"""

from __future__ import annotations

import os

import numpy as np
from numba.core import config as numba_config
from scipy.interpolate import CubicSpline

from dpfit.user_cache import user_cache_dir


#: Where numba caches the compiled kernels: $NUMBA_CACHE_DIR if set, else dpfit's user cache directory.
KERNEL_CACHE = os.environ.get("NUMBA_CACHE_DIR") or str(user_cache_dir("numba"))
_NUMBA_CACHE_DIR, numba_config.CACHE_DIR = numba_config.CACHE_DIR, KERNEL_CACHE  # read when the kernels are decorated
from numba import njit  # noqa: E402

from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Exclusion, Gm2Gaussian, PreferredRegion

#: The term types the compiled kernel evaluates (exact types: a subclass may change ``logl``).
FUSED_TERMS = (Gm2Gaussian, Exclusion, PreferredRegion)
#: Relative accuracy of the k(m) table against the exact loop function.
TABLE_TOLERANCE = 1e-13
_MIN_NODES, _MAX_NODES = 64, 1 << 18


def _spline(k_exact, lo: float, hi: float, intervals: int) -> CubicSpline:
    grid = np.linspace(lo, hi, intervals + 1)
    return CubicSpline(grid, k_exact(grid), bc_type="not-a-knot")


def _intervals_needed(k_exact, lo: float, hi: float) -> int:
    """Uniform intervals for which the spline of k matches k_exact to TABLE_TOLERANCE at every mid-point."""
    intervals = _MIN_NODES
    while intervals < _MAX_NODES:
        grid = np.linspace(lo, hi, intervals + 1)
        mid = 0.5 * (grid[1:] + grid[:-1])
        if np.max(np.abs(_spline(k_exact, lo, hi, intervals)(mid) / k_exact(mid) - 1.0)) <= TABLE_TOLERANCE:
            break
        intervals *= 2
    return intervals


@njit(cache=True)
def _excluded(mi, eps, i, x_col, x_mlo, x_mhi, x_off, x_len, x_logm, x_lo, x_hi, x_loglo, x_loghi, x_scale):
    """True if any exclusion excludes the point (band edges interpolated in log m, log ε)."""
    for x in range(x_col.shape[0]):
        if mi < x_mlo[x] or mi > x_mhi[x]:
            continue
        off, n = x_off[x], x_len[x]
        if n == 1:
            lo, hi = x_lo[off], x_hi[off]
        else:
            lm = np.log(mi)
            if lm < x_logm[off] or lm > x_logm[off + n - 1]:
                continue
            a = off + min(max(np.searchsorted(x_logm[off:off + n], lm) - 1, 0), n - 2)
            w = (lm - x_logm[a]) / (x_logm[a + 1] - x_logm[a])
            lo = np.exp(x_loglo[a] + w * (x_loglo[a + 1] - x_loglo[a]))
            if x_hi[a] == np.inf or x_hi[a + 1] == np.inf:  # open above (inf - inf would give NaN)
                hi = np.inf
            else:
                hi = np.exp(x_loghi[a] + w * (x_loghi[a + 1] - x_loghi[a]))
        e = eps[i, x_col[x]]
        if e > lo and e < hi * x_scale[x]:
            return True
    return False


@njit(cache=True)
def _kernel(m, eps, out, table, t_lo, t_inv, n_gauss, g_col, g_delta, g_sigma,
            x_col, x_mlo, x_mhi, x_off, x_len, x_logm, x_lo, x_hi, x_loglo, x_loghi, x_scale,
            r_col, r_m0, r_sig, r_lo, r_hi, r_gauss, r_box, outside):
    """ln L per point; step terms first (an excluded point skips the rest); ``outside[i]``
    flags points beyond the k table, left for the exact path."""
    n_intervals = table.shape[2]
    for i in range(m.shape[0]):
        mi = m[i]
        pos = (mi - t_lo) * t_inv
        if not (pos >= 0.0 and pos <= n_intervals):
            outside[i] = True
            continue
        total = 0.0
        for r in range(r_col.shape[0]):
            e = eps[i, r_col[r]]
            if e < r_lo[r] or e > r_hi[r] or (r_box[r] and (mi < r_m0[r] - r_sig[r] or mi > r_m0[r] + r_sig[r])):
                total = -np.inf
            elif r_gauss[r]:
                total -= 0.5 * ((mi - r_m0[r]) / r_sig[r]) ** 2
        if total == -np.inf or _excluded(mi, eps, i, x_col, x_mlo, x_mhi, x_off, x_len, x_logm, x_lo, x_hi,
                                         x_loglo, x_loghi, x_scale):
            out[i] = -np.inf
            continue
        j = min(int(pos), n_intervals - 1)
        dx = (pos - j) / t_inv
        for g in range(n_gauss):
            e = eps[i, g_col[g]]
            if e < 0.0:
                total = -np.inf
                break
            k = ((table[g, 0, j] * dx + table[g, 1, j]) * dx + table[g, 2, j]) * dx + table[g, 3, j]
            pull = (k * e * e - g_delta[g]) / g_sigma[g]
            total -= 0.5 * pull * pull
        out[i] = total


def unfused_terms(joint: JointLikelihood) -> list[str]:
    """Names of the terms the compiled kernel cannot evaluate: types not in FUSED_TERMS, and
    exclusions of several bands (the kernel holds one band per exclusion)."""
    return [t.name for t in joint.terms
            if type(t) not in FUSED_TERMS or (isinstance(t, Exclusion) and t.bands != 1)]


def _lower_scale(term: Exclusion) -> np.ndarray:
    """Per contour point, the factor on the lower edge: sqrt(1+R) where a visible-decay band is open
    above (see :class:`Exclusion`), else 1."""
    if not (term.visible_decay and term.invisible_ratio):
        return np.ones(term.mass.size)
    return np.where(np.isinf(term.upper), np.sqrt(1.0 + term.invisible_ratio), 1.0)


def compiled(joint: JointLikelihood, mass_range: tuple[float, float]):
    """The fastest exact evaluator of ``joint``: a :class:`FusedLikelihood` when the kernel knows every
    term, else ``joint`` itself (the numpy path). Either has ``logl(m, *couplings)``."""
    return joint if unfused_terms(joint) else FusedLikelihood(joint, mass_range)


numba_config.CACHE_DIR = _NUMBA_CACHE_DIR  # the kernels hold their cache location; leave numba's setting as it was


class FusedLikelihood:
    """Compiled ln L of a :class:`JointLikelihood`, with k(m) tabulated over ``mass_range`` (MeV).

    Refuses (ValueError) a likelihood holding a term type the kernel does not
    know; :func:`compiled` chooses the numpy path for those instead.
    """

    def __init__(self, joint: JointLikelihood, mass_range: tuple[float, float]):
        if unknown := unfused_terms(joint):
            raise ValueError(f"the compiled kernel does not know the terms {', '.join(unknown)}; use compiled()")
        self.joint = joint
        col = joint.mode.column_of
        gauss = [t for t in joint.terms if isinstance(t, Gm2Gaussian)]
        excl = [t for t in joint.terms if isinstance(t, Exclusion)]
        regions = [t for t in joint.terms if isinstance(t, PreferredRegion)]
        lo, hi = mass_range
        n = max((_intervals_needed(t.shift_per_eps2, lo, hi) for t in gauss), default=1)
        self._table = np.zeros((len(gauss), 4, n))  # one grid for all terms: the finest needed
        self._t_lo, self._t_inv = lo, n / (hi - lo)
        for g, term in enumerate(gauss):
            self._table[g] = _spline(term.shift_per_eps2, lo, hi, n).c
        self._gauss = (len(gauss), np.array([col(t.lepton) for t in gauss], dtype=np.int64),
                       np.array([t.delta for t in gauss]), np.array([t.sigma for t in gauss]))
        offsets = np.cumsum([0] + [t.mass.size for t in excl])
        cat = lambda arrays: np.concatenate(arrays) if arrays else np.zeros(0)  # noqa: E731
        self._excl = (np.array([col(t.lepton) for t in excl], dtype=np.int64),
                      np.array([t.mass_range[0] for t in excl]), np.array([t.mass_range[1] for t in excl]),
                      offsets[:-1].astype(np.int64), np.array([t.mass.size for t in excl], dtype=np.int64),
                      cat([np.log(t.mass) for t in excl]), cat([t.lower * _lower_scale(t) for t in excl]),
                      cat([t.upper for t in excl]), cat([np.log(t.lower * _lower_scale(t)) for t in excl]),
                      cat([np.log(t.upper) for t in excl]),
                      np.array([1.0 / np.sqrt(1.0 + t.invisible_ratio) if t.visible_decay else 1.0 for t in excl]))
        self._regions = (np.array([col(t.lepton) for t in regions], dtype=np.int64),
                         np.array([t.mass0 for t in regions]), np.array([t.mass_sigma for t in regions]),
                         np.array([t.eps_lower for t in regions]), np.array([t.eps_upper for t in regions]),
                         np.array([t.mass_model == "gaussian" for t in regions]),
                         np.array([t.mass_model == "box" for t in regions]))

    def logl(self, m, *couplings) -> np.ndarray:
        """ln L at masses m (MeV) and couplings, like JointLikelihood.logl (any broadcastable shapes)."""
        shape = np.broadcast_shapes(np.shape(m), *map(np.shape, couplings))
        flat_m = np.ascontiguousarray(np.broadcast_to(m, shape), dtype=float).reshape(-1)
        if len(couplings) == 1:  # no copy when the input is already a contiguous float array
            eps = np.ascontiguousarray(np.broadcast_to(couplings[0], shape), dtype=float).reshape(-1, 1)
        else:
            eps = np.empty((flat_m.size, len(couplings)))
            for c, values in enumerate(couplings):
                eps[:, c] = np.broadcast_to(values, shape).reshape(-1)
        out = np.empty(flat_m.size)
        outside = np.zeros(flat_m.size, dtype=np.bool_)
        _kernel(flat_m, eps, out, self._table, self._t_lo, self._t_inv, *self._gauss, *self._excl,
                *self._regions, outside)
        if outside.any():
            out[outside] = self.joint.logl(flat_m[outside], *[eps[outside, c] for c in range(eps.shape[1])])
        return out.reshape(shape)
