"""Readers for exclusion contours over mass: CSV and DarkCast's ``.lmt`` format.

A contour is a table of masses (increasing) with, at each mass, one or more
excluded coupling bands: a lower edge and optionally an upper edge (no upper
edge: every coupling above the lower edge is excluded).

Formats
-------
CSV
    A header line naming the columns ``mass_MeV`` and either ``eps_lower``
    [, ``eps_upper``] or ``g_lower`` [, ``g_upper``] (coupling to electrons
    g_ve = e·ε); ``#`` starts a comment line.
DarkCast ``.lmt``
    Whitespace-separated, ``#`` comments; column 1 the mass in GeV, then the
    excluded ε bands as lower/upper pairs, a last unpaired column being a
    lower edge open above: 2 columns ``mass lower``, 3 columns ``mass lower
    upper``, 5 columns two closed bands, and so on (Ilten, Soreq, Williams,
    Xue, JHEP 06 (2018) 004; DarkCast v1.2). As DarkCast's reader does, rows
    repeating the previous row's mass are collapsed into one: the bands of
    the repeated rows are united (smallest lower, largest upper edge), so the
    collapsed row excludes everything any of them excluded. A first row at
    mass 0 (a digitised plot's axis origin, e.g. DarkCast's Belle II table)
    is skipped: interpolation in ln(mass) cannot place it, and the contour
    starts at the next row. A table whose column header (the comment line
    just above the first row, starting with ``mass``) names a column ``r``
    is an r-value grid (observed/expected limit over mass and coupling,
    DarkCast's ``rvals``, e.g. LHCb's displaced searches), not excluded
    bands, and is refused.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dpfit.errors import InputError
from dpfit.inputs.safety import excerpt, read_input_bytes
from dpfit.physics.coupling import eps_from_g
from dpfit.physics.units import unit_factor


@dataclass(frozen=True)
class Contour:
    """Excluded bands over mass. mass in MeV, shape (n,); lower/upper in the stated
    coupling ('eps' or 'g_ve'), shape (n,) for one band or (bands, n) for several;
    upper is +inf where a band is open above."""

    mass: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    coupling: str

    @property
    def bands(self) -> int:
        """Number of excluded bands at each mass."""
        return 1 if np.ndim(self.lower) == 1 else int(np.shape(self.lower)[0])

def contour_in_eps(contour: Contour, alpha: float, source: str, field: str | None) -> Contour:
    """The contour with its couplings in ε (a g_ve contour divided by e = sqrt(4π α)); a g_ve value that
    overflows on the way is the input's error (``source``, ``field``), never a numpy warning."""
    if contour.coupling != "g_ve":
        return contour
    with np.errstate(over="ignore"):
        converted = Contour(contour.mass, eps_from_g(contour.lower, alpha), eps_from_g(contour.upper, alpha), "eps")
    if not np.all(np.isfinite(converted.lower)):
        raise InputError(source, field, "a g_ve value is out of range once converted to eps")
    return converted

def _parse_number(text: str, source: str, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(source, field, f"expected a number, got '{excerpt(text)}'") from None
    if not math.isfinite(value):
        raise InputError(source, field, f"expected a finite number, got '{excerpt(text)}'")
    return value


def _band_columns(width: int) -> list[tuple[int, int | None]]:
    """(lower, upper) column indices of the bands of a row of ``width`` columns (mass first)."""
    pairs = [(c, c + 1) for c in range(1, width - 1, 2)]
    return pairs + ([(width - 1, None)] if width % 2 == 0 else [])


def _collapse(rows: list[list[float]], lines: list[int]) -> tuple[list[list[float]], list[int]]:
    """Rows repeating the previous mass merged into one: per band the smallest lower and the largest
    upper edge (the union of the repeated bands)."""
    out_rows, out_lines = [], []
    for row, line in zip(rows, lines):
        if out_rows and row[0] == out_rows[-1][0]:
            merged = out_rows[-1]
            for lo, hi in _band_columns(len(row)):
                merged[lo] = min(merged[lo], row[lo])
                if hi is not None:
                    merged[hi] = max(merged[hi], row[hi])
            continue
        out_rows.append(list(row))
        out_lines.append(line)
    return out_rows, out_lines


def _checked(source: str, rows: list[list[float]], mass_factor: float, coupling: str, lines: list[int],
             collapse: bool = False) -> Contour:
    """Validate rows [mass, lower(, upper), ...] and build a Contour (repeated masses merged if ``collapse``)."""
    for (mass, *edges), line in zip(rows, lines):
        if mass <= 0 or any(e <= 0 for e in edges):
            raise InputError(source, f"line {line}", "masses and couplings must be positive")
        for lo, hi in _band_columns(len(edges) + 1):
            if hi is None or edges[lo - 1] == edges[hi - 1] == NOTHING_EXCLUDED:  # one-sided, or an empty band
                continue
            if not edges[lo - 1] < edges[hi - 1]:
                raise InputError(source, f"line {line}",
                                 f"lower edge {edges[lo - 1]:g} is not below upper edge {edges[hi - 1]:g}")
    if collapse:
        rows, lines = _collapse(rows, lines)
    if len(rows) < 2:
        raise InputError(source, None, f"a contour needs at least two rows of distinct masses, found {len(rows)}")
    data = np.array(rows, dtype=float)
    steps = np.diff(data[:, 0])
    if np.any(steps <= 0):
        bad = int(np.argmax(steps <= 0)) + 1
        raise InputError(source, f"line {lines[bad]}", "masses must be strictly increasing")
    columns = _band_columns(data.shape[1])
    lower = np.array([data[:, lo] for lo, _ in columns])
    upper = np.array([data[:, hi] if hi is not None else np.full(len(data), np.inf) for _, hi in columns])
    if len(columns) == 1:
        lower, upper = lower[0], upper[0]
    with np.errstate(over="ignore"):
        mass = data[:, 0] * mass_factor
    if not np.all(np.isfinite(mass)):
        raise InputError(source, f"line {lines[int(np.argmin(np.isfinite(mass)))]}", "mass out of range")
    return Contour(mass=mass, lower=lower, upper=upper, coupling=coupling)


#: Largest contour file dpfit reads (bytes).
MAX_CONTOUR_BYTES = 16 << 20


def read_contour_bytes(path: Path) -> bytes:
    """The bytes of a contour file: a regular file of at most MAX_CONTOUR_BYTES (InputError otherwise)."""
    return read_input_bytes(Path(path), MAX_CONTOUR_BYTES, "contour file")


#: DarkCast's coupling for "nothing excluded at this mass" in a .lmt file (a band written as 1e5 1e5 is empty).
NOTHING_EXCLUDED = 1e5
#: The comment key stating what a contour file holds (``# holds: upper limit``).
HOLDS_KEY = "holds:"
#: The ``holds`` values an exclusion reader accepts (each a prefix of the stated kind).
EXCLUSION_KINDS = ("exclusion", "upper limit", "excluded band")


def holds_line(kind: str) -> str:
    """The comment line declaring what a written contour file holds, e.g. ``# holds: upper limit``."""
    return f"# {HOLDS_KEY} {kind}"


def _refuse_allowed_region(source: str, text: str) -> None:
    """InputError if a ``# holds:`` line says the file holds anything but an exclusion (e.g. a preferred band)."""
    for number, line in enumerate(text.splitlines(), start=1):
        comment = line.strip()
        if not comment.startswith("#"):
            continue
        body = comment[1:].strip()
        if body.lower().startswith(HOLDS_KEY):
            kind = body[len(HOLDS_KEY):].strip()
            if not kind.lower().startswith(EXCLUSION_KINDS):
                raise InputError(source, f"line {number}", f"the header says it holds '{excerpt(kind)}', an allowed "
                                                           "region, not an exclusion; a limit is read as excluded "
                                                           "couplings, so this file cannot be one")


def _read_text(path: Path) -> tuple[str, str]:
    """(source name, text) of a contour file; InputError if it cannot be read as UTF-8 text or if its
    header says it holds an allowed region rather than an exclusion."""
    raw = read_contour_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), None, f"not UTF-8 text (byte {exc.start}); a contour file is CSV or .lmt text") from None
    _refuse_allowed_region(str(path), text)
    return str(path), text


def _refuse_rvalue_grid(source: str, header: tuple[int, list[str]] | None) -> None:
    """InputError if the column header (line number, words) above the first row names DarkCast's r-value column."""
    if header is None:
        return
    number, words = header
    if words and words[0] == "mass" and "r" in words[1:]:
        raise InputError(source, f"line {number}",
                         f"columns '{' '.join(words)}' are an r-value grid (DarkCast's rvals: observed/expected limit "
                         "over mass and coupling), not excluded bands 'mass lower [upper] ...'")


def read_lmt(path: Path) -> Contour:
    """Read a DarkCast ``.lmt`` limit file (mass in GeV, kinetic mixing ε; repeated masses collapsed)."""
    source, text = _read_text(path)
    rows, lines, width, header = [], [], None, None
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].split()
        if not content:
            if width is None and line.lstrip().startswith("#"):
                header = (number, line.lstrip()[1:].split())
            continue
        if width is None:
            width = len(content)
            if width < 2:
                raise InputError(source, f"line {number}", "expected at least 2 columns (mass lower [upper] ...), found 1")
            _refuse_rvalue_grid(source, header)
            if _parse_number(content[0], source, f"line {number}") == 0.0:
                continue  # a plot's axis origin: no place on a log-mass axis
        elif len(content) != width:
            raise InputError(source, f"line {number}", f"expected {width} columns like the first row, found {len(content)}")
        rows.append([_parse_number(c, source, f"line {number}") for c in content])
        lines.append(number)
    return _checked(source, rows, unit_factor("GeV", "mass"), "eps", lines, collapse=True)


def read_csv(path: Path) -> Contour:
    """Read a CSV contour with columns mass_MeV, eps_lower[, eps_upper] (or g_lower[, g_upper])."""
    source, text = _read_text(path)
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise InputError(source, None, "empty contour file")
    header_line, header = numbered[0]
    columns = [c.strip() for c in next(csv.reader([header]))]
    layouts = {
        ("mass_MeV", "eps_lower"): "eps", ("mass_MeV", "eps_lower", "eps_upper"): "eps",
        ("mass_MeV", "g_lower"): "g_ve", ("mass_MeV", "g_lower", "g_upper"): "g_ve",
    }
    coupling = layouts.get(tuple(columns))
    if coupling is None:
        raise InputError(source, f"line {header_line}",
                         f"header must be 'mass_MeV,eps_lower[,eps_upper]' or 'mass_MeV,g_lower[,g_upper]', got '{excerpt(header)}'")
    rows, lines = [], []
    for number, line in numbered[1:]:
        cells = next(csv.reader([line]))
        if len(cells) != len(columns):
            raise InputError(source, f"line {number}", f"expected {len(columns)} columns, found {len(cells)}")
        rows.append([_parse_number(c.strip(), source, f"line {number}") for c in cells])
        lines.append(number)
    return _checked(source, rows, 1.0, coupling, lines)


READERS = {"csv": read_csv, "lmt": read_lmt}
