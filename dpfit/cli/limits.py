"""The validated range of every numeric ``dpfit`` option, and argparse types that enforce it.

Each range is stated in the option's ``--help`` (:func:`help_range`) and checked
by argparse before any work starts. The ranges, and why:

- masses (``--mass``, ``--masses``, ``--mass-range``): 1e-3 to 1e5 MeV, the
  range over which the one-loop vertex function and the inputs are evaluated
  (keV to 100 GeV; the (g-2) loop integral of Pospelov, PRD 80 (2009) 095002,
  is finite and smooth throughout);
- couplings (``--eps-range``): 1e-12 to 1, kinetic mixing ε;
- ``--invisible-ratio``: 0 to 1e6 (Γ_inv/Γ_ee);
- ``--walkers``: an even integer from 8 to 1024: emcee's stretch move updates
  the walkers in two halves and needs at least twice as many walkers as
  parameters (3 with lepton-specific couplings; Foreman-Mackey et al.,
  PASP 125 (2013) 306);
- ``--steps``: an integer from 10 (fewer gives no autocorrelation estimate) to
  1,000,000; walkers × steps at most :data:`MAX_WALKER_STEPS` (the chain is held
  in memory);
- ``--seed``: an integer from 0 to 2**32 - 1 (numpy's legacy seed range, used by emcee);
- ``--points``: 1D scan 2 to 10,000; 2D scan 2 to 2000 per axis (1000 x 1000 with its
  decimated plot takes about a second; 2000 x 2000, 4e6 points, a few); the masses of
  ``export`` 2 to 10,000;
- ``export hepdata --grid-points``: 2 to 300 per axis (the HEPData YAML takes about
  1.5 kB per point: 2000 x 2000 took over 6 GB; 300 x 300 is about 140 MB);
- ``--toys``: a whole number from 100 to 1e9; ``--nlive``: 20 to 10,000;
  ``--jobs``: 1 to 256;
- ``compare``: at most 50 analyses (the product of the comma lists), no name twice;
- ``--out``: a path of at most 3800 bytes, each name at most 200 bytes.
"""

from __future__ import annotations

import argparse
import math

from dpfit import arguments

MASS_MEV = (1e-3, 1e5)
EPS = (1e-12, 1.0)
INVISIBLE_RATIO = (0.0, arguments.MAX_INVISIBLE_RATIO)
WALKERS = (8, arguments.MAX_WALKERS)
STEPS = (arguments.MIN_STEPS, 1_000_000)
SEED = (0, arguments.MAX_SEED)
POINTS_1D = (2, 10_000)
POINTS_2D = (2, 2000)
MAX_WALKER_STEPS = arguments.MAX_WALKER_STEPS
TOYS = (arguments.MIN_TOYS, arguments.MAX_TOYS)
NLIVE = (arguments.MIN_NLIVE, arguments.MAX_NLIVE)
JOBS = (1, arguments.MAX_JOBS)
EXPORT_POINTS = (2, 10_000)
HEPDATA_GRID = (2, 300)
#: Most true couplings of ``coverage --eps-grid``.
EPS_GRID_POINTS = 1000
#: Most analyses one ``compare`` runs.
MAX_ANALYSES = 50
#: Most masses in one ``table --masses``.
MAX_MASSES = 1000


def _bound(value) -> str:
    """An integer as all its digits (4294967295, not 4.29497e+09); any other number with %g."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def help_range(lo, hi, what: str = "") -> str:
    """'(LO to HI[ what])' for an option's help text; integer bounds printed as integers."""
    return f"({_bound(lo)} to {_bound(hi)}{' ' + what if what else ''})"


def _named(function, name: str):
    function.__name__ = name  # argparse names the type in its message when a ValueError escapes
    return function


def integer(lo: int, hi: int, even: bool = False, exponent: bool = False):
    """argparse type: an integer written in decimal digits (or, with ``exponent``, a whole number such as
    1e6), lo <= n <= hi (and even if asked)."""
    wanted = f"an {'even ' if even else ''}integer from {lo} to {hi}"

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped[1:] if stripped[:1] in "+-" else stripped
        if exponent and not digits.isdigit():
            try:
                number = float(stripped)
            except ValueError:
                number = math.nan
            if not (math.isfinite(number) and number == int(number)):
                raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text[:40]}'")
            stripped = digits = str(int(number))
        if not digits.isdigit() or not digits.isascii() or len(digits) > 30:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text[:40]}'")
        value = int(stripped)
        if not lo <= value <= hi or (even and value % 2):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    return _named(parse, "integer")


def number(lo: float, hi: float, what: str = ""):
    """argparse type: a finite number lo <= x <= hi (lo = 0 included; for lo > 0 a positive number)."""
    wanted = f"a number from {lo:g} to {hi:g}{' ' + what if what else ''}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text[:40]}'") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got '{text[:40]}'")
        return value

    return _named(parse, "number")


mass = number(*MASS_MEV, "MeV")
coupling = number(*EPS)
invisible_ratio = number(*INVISIBLE_RATIO)
walkers = integer(*WALKERS, even=True)
steps = integer(*STEPS)
seed = integer(*SEED)
points = integer(POINTS_1D[0], max(POINTS_1D[1], POINTS_2D[1]))
toys = integer(*TOYS, exponent=True)
nlive = integer(*NLIVE, exponent=True)
jobs = integer(*JOBS)
export_points = integer(*EXPORT_POINTS)
hepdata_grid = integer(*HEPDATA_GRID)


def output_path(text: str) -> str:
    """argparse type: an output path within the length limits (:func:`dpfit.arguments.path`)."""
    from dpfit.errors import InputError

    try:
        arguments.path(text, "option --out", None)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return text


def mass_list(text: str) -> list[float]:
    """argparse type: comma-separated masses in MeV, each in MASS_MEV, at most MAX_MASSES."""
    parts = [part for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError("expected masses in MeV, e.g. 5,10,17")
    if len(parts) > MAX_MASSES:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_MASSES} masses, got {len(parts)}")
    return [mass(part) for part in parts]
