"""Checks of the arguments of dpfit's Python API: the same one-line :class:`~dpfit.errors.InputError` as the CLI.

Each check names the function (``source``) and the argument (``field``) and
says what was expected; none names a command-line flag.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

from dpfit.errors import InputError

#: Sampling limits shared by the API and the CLI: fewest steps per walker (fewer gives no
#: autocorrelation estimate), most walkers, most walkers x steps of one chain (float64 positions
#: and log-probabilities held in memory: about 0.6 GB), and the seed range (numpy's legacy seeds, used by emcee).
MIN_STEPS = 10
MAX_WALKERS = 1024
MAX_WALKER_STEPS = 20_000_000
MAX_SEED = 2**32 - 1
#: Toys of one interval or coverage point: at least 100 (fewer give no p-value), at most 1e9 (about an hour of a
#: Feldman-Cousins interval on one core; the chunk store holds 50,000 chunk files).
MIN_TOYS, MAX_TOYS = 100, 1_000_000_000
#: dynesty live points: at least 20, at most 10,000 (memory and run time grow with them; 400 is the default).
MIN_NLIVE, MAX_NLIVE = 20, 10_000
#: Local workers of an executor (processes or dask): more than the cores only adds start-up cost.
MAX_JOBS = 256
#: Longest output path (bytes) and path component: room left below the file system's 4096 / 255 for the
#: suffixes dpfit adds (.chunks, .provenance.json) and its temporaries (.NAME.XXXXXXXX.part).
MAX_PATH_BYTES, MAX_NAME_BYTES = 3800, 200

#: Largest ratio Γ_inv/Γ_ee of invisible to e+e- decay widths an analysis takes: it moves the edges of an
#: exclusion of visible decays by sqrt(1 + R) (up to a factor 1000 here, far past every coupling a (g−2)
#: band allows); near R ~ 1e150 the (g−2) χ² over the coupling range it opens overflows.
MAX_INVISIBLE_RATIO = 1e6


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def text_or_none(value, source: str, field: str) -> str | None:
    """A name (text) or None."""
    if value is not None and not isinstance(value, str):
        raise InputError(source, field, f"expected a name (text) or None, got {_show(value)}")
    return value


def names(value, source: str, field: str) -> tuple[str, ...] | None:
    """A list of names (e.g. card names) or None; a bare string is refused (it is not split into letters)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)):
        raise InputError(source, field, f"expected a list of card names, e.g. [{value!r}], got the text {_show(value)}")
    try:
        items = tuple(value)
    except TypeError:
        raise InputError(source, field, f"expected a list of card names, got {_show(value)}") from None
    for item in items:
        if not isinstance(item, str) or not item:
            raise InputError(source, field, f"expected a list of card names, got an item {_show(item)}")
    return items


def real(value, source: str, field: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    """A finite real number in [lo, hi] (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or not lo <= value <= hi:
        bounds = (f" from {lo:g} to {hi:g}" if math.isfinite(lo) and math.isfinite(hi) else
                  f" >= {lo:g}" if math.isfinite(lo) else f" <= {hi:g}" if math.isfinite(hi) else "")
        raise InputError(source, field, f"expected a finite number{bounds}, got {_show(value)}")
    return float(value)


def positive_range(value, source: str, field: str) -> tuple[float, float]:
    """A pair (low, high) of finite numbers with 0 < low < high."""
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if not (len(pair) == 2 and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in pair)
            and 0 < pair[0] < pair[1] < math.inf):
        raise InputError(source, field, f"expected (low, high) with 0 < low < high, got {_show(value)}")
    return float(pair[0]), float(pair[1])


def integer(value, source: str, field: str, lo: int, hi: int, even: bool = False) -> int:
    """An integer in [lo, hi] (and even, if asked); bools and floats refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi \
            or (even and value % 2):
        raise InputError(source, field, f"expected an {'even ' if even else ''}integer from {lo} to {hi}, "
                                        f"got {_show(value)}")
    return int(value)


def path(value, source: str, field: str) -> Path:
    """A non-empty file-system path (text or os.PathLike), at most MAX_PATH_BYTES long with no component
    longer than MAX_NAME_BYTES (UTF-8 bytes)."""
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value) or "\0" in os.fspath(value):
        raise InputError(source, field, f"expected a path (text), got {_show(value)}")
    text = os.fsencode(value)
    if len(text) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in text.split(b"/")):
        raise InputError(source, field, f"expected a path of at most {MAX_PATH_BYTES} bytes, each name at most "
                                        f"{MAX_NAME_BYTES}, got {_show(os.fspath(value))} ({len(text)} bytes)")
    return Path(value)
