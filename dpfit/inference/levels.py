"""Confidence levels: parsing '0.9' or '2sigma', and the Δχ² threshold and coverage each one means.

For a two-sided region of ``ndof`` parameters at probability p the threshold is
Δχ² = F⁻¹_{χ²(ndof)}(p) (Wilks' theorem). "Nσ" means the probability of a
Gaussian within ±N standard deviations, p = erf(N/√2), so that for one
parameter Δχ² = N² exactly (1σ: 68.27 %, Δχ² = 1; 2σ: 95.45 %, Δχ² = 4) and for
two parameters Δχ² = 2.30, 6.18 (Particle Data Group, Statistics review,
Table 40.2).

When the best fit sits on a physical boundary (ε = 0) Δχ² of one bounded
parameter is distributed as ½δ₀ + ½χ²₁ (Chernoff, Ann. Math. Stat. 25 (1954)
573; Self & Liang, JASA 82 (1987) 605): the region Δχ² ≤ c is then a one-sided
upper limit holding ½ + ½ F_{χ²(1)}(c) (Δχ² ≤ 4 holds 97.7 %, Δχ² ≤ 2.71
holds 95 %).
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass

from dpfit.errors import InputError

#: The levels every result reports unless asked otherwise.
DEFAULT_LEVELS = "1sigma,2sigma"
#: Largest N of "Nσ" accepted (beyond, the probability is 1 to double precision).
MAX_SIGMA = 8.0
_SIGMA = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*sigma\s*$", re.I)


@dataclass(frozen=True)
class Level:
    """A confidence level as the user gave it (``label``) and the probability it stands for."""

    label: str
    probability: float
    sigmas: float | None = None

    def delta_chi2(self, ndof: int = 1) -> float:
        """Δχ² threshold of a two-sided region of ``ndof`` parameters (N² exactly for Nσ and one parameter)."""
        if self.sigmas is not None and ndof == 1:
            return self.sigmas**2
        if ndof == 1:  # F⁻¹_χ²₁(p) = z², z the two-sided Gaussian quantile
            return statistics.NormalDist().inv_cdf(0.5 + 0.5 * self.probability) ** 2
        if ndof == 2:  # F_χ²₂(x) = 1 − exp(−x/2)
            return -2.0 * math.log1p(-self.probability)
        from scipy import stats  # imported on use: start-up of every command stays light

        return float(stats.chi2.ppf(self.probability, ndof))

def format_percent(probability: float) -> str:
    """A probability as a percentage with the digits that matter (68.27 %, 95 %, 99.73 %); a probability
    below 1 never reads 100 % (5σ: 99.9999 %, to the first digit that differs from 100), nor one above 0
    reads 0 % (down to 1e-13)."""
    def shown(digits: int) -> str:
        return f"{100 * probability:.{digits}f}"

    digits = 2
    while digits < 15 and float(shown(digits)) in (0.0, 100.0) and 0.0 < probability < 1.0:
        digits += 1
    text = shown(digits).rstrip("0").rstrip(".")
    return f"{text} %"


def sigma_probability(n: float) -> float:
    """Probability of a Gaussian within ±n σ: erf(n/√2)."""
    return math.erf(n / math.sqrt(2.0))


def one_sided_coverage(delta_chi2: float) -> float:
    """Coverage of Δχ² ≤ c as an upper limit with the best fit on the boundary: ½ + ½ F_χ²₁(c) (Chernoff),
    with F_χ²₁(c) = erf(sqrt(c/2))."""
    return 0.5 + 0.5 * math.erf(math.sqrt(delta_chi2 / 2.0))


def parse_level(text: str, source: str = "levels") -> Level:
    """A level from '0.9', '0.6827' (probabilities in (0, 1)) or '1sigma', '2.5sigma'."""
    text = str(text).strip()
    if (match := _SIGMA.match(text)) is not None:
        n = float(match.group(1))
        if not 0 < n <= MAX_SIGMA:
            raise InputError(source, None, f"expected N sigma with 0 < N <= {MAX_SIGMA:g}, got '{text}'")
        return Level(text, sigma_probability(n), n)
    try:
        p = float(text)
    except ValueError:
        raise InputError(source, None, f"expected a probability (e.g. 0.95) or Nsigma (e.g. 2sigma), got '{text}'") from None
    if not 0 < p < 1:
        raise InputError(source, None, f"expected a probability strictly between 0 and 1, got '{text}'")
    return Level(text, p)


def parse_levels(text: str | list | tuple, source: str = "levels") -> tuple[Level, ...]:
    """Levels from 'A,B' (or a list of texts and Levels); duplicates and an empty list are refused."""
    items = [t for t in str(text).split(",") if t.strip()] if isinstance(text, str) else list(text)
    levels = tuple(t if isinstance(t, Level) else parse_level(t, source) for t in items)
    if not levels:
        raise InputError(source, None, "expected at least one level, e.g. 1sigma,2sigma")
    if len({lv.label for lv in levels}) != len(levels):
        raise InputError(source, None, "a level is given twice")
    return levels
