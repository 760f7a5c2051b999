"""Every number the source paper prints, beside the dpfit number it corresponds to.

The printed numbers live in ``data/source_paper.yaml`` (kind ``printed_values``).
Each row has a ``key`` naming a dpfit result (grammar below), the number as
``printed`` (in dpfit's units: dimensionless, or MeV for masses), the literal
``printed_text`` (compact form, e.g. ``1.19(15)e-3``), optionally ``corrected``
(the number once a misprint is undone), ``flag`` (how the paper disagrees with
its source or with itself), ``where`` and ``convention``.

Rounding rule: a printed number x with last printed digit of unit u allows
|dpfit − x| ≤ u/2; a row outside that is flagged automatically. For a compact
text ``M(U)eN`` the last digit of the value and of its uncertainty share one
unit, u = 10^(N − decimals of M) (e.g. ``1.19(15)e-3``: u = 1e-5 for both).
A fraction (``1/137``) is exact. When a row has ``corrected``, it is compared
with the corrected number and u is scaled by |corrected/printed|.

Key grammar (masses in MeV; ``<S>`` a (g−2) scenario, ``<file>`` a data file):

- ``eps.<lepton>.<S>.<m>``, ``sigma_linear.<lepton>.<S>.<m>``: ε_ℓ and the
  linear σ_ε = (ε/2)(σ_Δa/Δa) (the source paper's eqs. (42)–(43));
  ``eps_abs.…``, ``sigma_linear_abs.…``: the same from |Δa| (the paper's reading
  of a negative Δa_e).
- ``delta_a.<file>[.sigma|.variance]``: Δa, its σ, σ².
- ``quantity.<file>[.sigma|.variance|.inverse|.inverse_sigma]``: a quantity
  file's value (inverse undone), σ, σ², 1/value and the σ of 1/value.
- ``alpha_over_pi``; ``ratio.<lepton>.<m>`` = m/m_ℓ; ``loop.<lepton>.<m>`` = F_V(m/m_ℓ).
- ``ae_term.<file>.<term>``: one coefficient of an ``ae_sm_theory`` file.
- ``region.<file>.<mass|mass_uncertainty|eps_lower|eps_upper>``.
- ``limit.<file>.<lower|upper|mass|cl|g_lower>``: an exclusion file's first
  point (ε, or g = e·ε with e = sqrt(4πα) for ``g_lower``): for a single-point file;
  ``limit.<file>.<lower|upper>.<m>``: the contour's edge at m, interpolated linearly
  in (ln m, ln ε) as the exclusion term reads it (NaN outside the contour's masses).
- ``window.<lower|upper>``: the reference analysis's interval algebra at
  ``WINDOW_MASS``; ``allowed.<lower|upper>.<card+card…>.<m>``: the highest
  piece the named exclusion cards alone allow at m (interval algebra).
- ``table_masses.<min|max>``: the ends of the coupling table's mass list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from dpfit.errors import InputError
from dpfit.inference.tables import DEFAULT_MASSES, coupling_estimate
from dpfit.inference.window import interval_algebra
from dpfit.model.analysis import Analysis
from dpfit.physics.coupling import g_from_eps, sigma_eps_linear, eps_from_delta_a
from dpfit.likelihood.terms import loglog_interp
from dpfit.physics.loops import loop_vector, mass_ratio

PRINTED = "source_paper"
#: Mass (MeV) of the paper's window (its eq. (55)) and of its ε_e values.
WINDOW_MASS = 16.7
_LEPTON_MASS = {"e": "m_e", "mu": "m_mu"}
_COMPACT = re.compile(r"^(-?)(\d*\.?\d+)(?:\((\d*\.?\d+)\))?(?:e([-+]?\d+)|(%))?$")
_FRACTION = re.compile(r"^(-?\d+)/(\d+)$")


def parse_printed(text: str) -> tuple[float, float | None, float]:
    """(value, uncertainty or None, unit of the last printed digit) of a compact printed text.

    ``1.19(15)e-3`` -> (1.19e-3, 1.5e-4, 1e-5); ``90%`` -> (0.9, None, 0.01);
    ``1/137`` -> (1/137, None, 0.0) (exact). Raises ValueError on any other form.
    """
    text = text.replace(" ", "")
    frac = _FRACTION.match(text)
    if frac:
        return int(frac.group(1)) / int(frac.group(2)), None, 0.0
    match = _COMPACT.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a printed number of the form M(U)eN, M%, or P/Q")
    sign, mantissa, unc, exponent, percent = match.groups()
    power = -2 if percent else int(exponent or 0)
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** (power - decimals)
    value = float(sign + mantissa) * 10.0 ** power
    if unc is None:
        return value, None, unit
    # the uncertainty's digits count in the mantissa's last place unless it carries its own point
    sigma = float(unc) * 10.0 ** power if "." in unc else int(unc) * unit
    return value, sigma, unit


@dataclass(frozen=True)
class PaperRow:
    """One printed number beside dpfit's (dimensionless, or MeV for masses)."""

    key: str
    what: str
    where: str
    printed_text: str
    printed: float
    corrected: float | None
    dpfit: float
    half_unit: float
    flag: str | None

    @property
    def reference(self) -> float:
        """The number dpfit is compared with: the corrected one when a misprint is undone."""
        return self.printed if self.corrected is None else self.corrected

    @property
    def relative_difference(self) -> float:
        if self.reference == 0:
            return 0.0 if self.dpfit == 0 else math.copysign(math.inf, self.dpfit)
        return (self.dpfit - self.reference) / abs(self.reference)

    @property
    def within_rounding(self) -> bool:
        """|dpfit − printed| ≤ half a unit in the last printed digit (plus 1e-9 relative for float noise)."""
        return bool(np.isfinite(self.dpfit)) and (
            abs(self.dpfit - self.reference) <= self.half_unit + 1e-9 * abs(self.reference))


def _mass(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a mass in MeV") from None


def _coupling(paper: Analysis, kind: str, rest: str) -> float:
    lepton, scenario, mass = rest.split(".", 2)
    masses = [_mass(mass)]
    if kind in ("eps", "sigma_linear"):
        est = coupling_estimate(paper.inputs, lepton, scenario, masses)
        return float(est.eps[0] if kind == "eps" else est.sigma_linear[0])
    record = paper.inputs.gm2_card(lepton, scenario)
    delta = abs(record.delta_a.value)
    eps = eps_from_delta_a(np.array(masses), delta, record.lepton_mass, record.alpha)
    return float(eps[0] if kind == "eps_abs" else sigma_eps_linear(eps, delta, record.delta_a.sigma)[0])


def _measurement(m, part: str) -> float:
    return {"": m.value, "sigma": m.sigma, "variance": m.sigma ** 2,
            "inverse": 1.0 / m.value, "inverse_sigma": m.sigma / m.value ** 2}[part]


def _allowed(paper: Analysis, rest: str) -> float:
    edge, cards, mass = rest.split(".", 2)
    only = paper.replace(muon=None, electron=None, atomki=None, limits=tuple(cards.split("+")))
    pieces = interval_algebra(only.likelihood(), _mass(mass))
    return pieces[-1][0 if edge == "lower" else 1] if pieces else math.nan


def _limit_at(contour, edge: str, mass: str) -> float:
    """The contour's ``edge`` (lower|upper, ε) at ``mass`` (MeV), linear in (ln m, ln ε); NaN outside its masses."""
    m = _mass(mass)
    if not contour.mass[0] <= m <= contour.mass[-1]:
        return math.nan
    values = np.atleast_2d(getattr(contour, edge))[0]
    return float(loglog_interp(np.array([m]), contour.mass, values)[0])


def dpfit_value(paper: Analysis, key: str, source: str = PRINTED) -> float:
    """The dpfit number that a printed-value key refers to, computed with ``paper``'s inputs (see module doc)."""
    inputs = paper.inputs
    kind, _, rest = key.partition(".")
    head, _, part = rest.partition(".")
    try:
        if kind in ("eps", "sigma_linear", "eps_abs", "sigma_linear_abs"):
            return _coupling(paper, kind, rest)
        if kind == "delta_a" and part in ("", "sigma", "variance"):
            return _measurement(inputs.delta_a(head), part)
        if kind == "quantity" and part in ("", "sigma", "variance", "inverse", "inverse_sigma"):
            return _measurement(inputs.quantity(head), part)
        if kind == "alpha_over_pi" and not rest:
            return inputs.alpha() / math.pi
        if kind in ("ratio", "loop"):
            r = mass_ratio(_mass(part), inputs.mass(_LEPTON_MASS[head]))
            return float(r if kind == "ratio" else loop_vector(np.array([r]))[0])
        if kind == "ae_term":
            term = inputs.file(head).doc["terms"][part]
            return float(term["value"])
        if kind == "region" and part in ("mass", "mass_uncertainty", "eps_lower", "eps_upper"):
            return float(inputs.region(head)[part])
        if kind == "limit" and part.partition(".")[0] in ("lower", "upper") and "." in part:
            return _limit_at(inputs.contour(head), *part.split(".", 1))
        if kind == "limit" and part in ("lower", "upper", "mass", "g_lower"):
            contour = inputs.contour(head)
            if part == "g_lower":
                return float(g_from_eps(contour.lower[0], inputs.alpha()))
            return float(getattr(contour, part)[0])
        if kind == "limit" and part == "cl":
            return float(inputs.file(head).doc["cl"])
        if kind == "window" and rest in ("lower", "upper"):
            pieces = interval_algebra(paper.likelihood(), WINDOW_MASS)
            return pieces[0][0] if rest == "lower" else pieces[-1][1]
        if kind == "allowed" and head in ("lower", "upper"):
            return _allowed(paper, rest)
        if kind == "table_masses" and rest in ("min", "max"):
            return float(min(DEFAULT_MASSES) if rest == "min" else max(DEFAULT_MASSES))
    except (KeyError, ValueError, IndexError) as exc:
        raise InputError(source, "values.key", f"'{key}' names nothing dpfit has ({exc})") from None
    raise InputError(source, "values.key", f"unknown key '{key}'")


def paper_rows(paper: Analysis) -> list[PaperRow]:
    """Every row of ``source_paper``, each computed in its convention (``paper`` unless the row says ``precise``)."""
    entry = paper.inputs.file(PRINTED)
    analyses = {"paper": paper.replace(convention="paper"), "precise": paper.replace(convention="precise")}
    rows = []
    for i, item in enumerate(entry.doc["values"]):
        text = item.get("printed_text", repr(item["printed"]))
        try:
            _, _, unit = parse_printed(text)
        except ValueError as exc:
            raise InputError(str(entry.path), f"values[{i}].printed_text", str(exc)) from None
        corrected = item.get("corrected")
        scale = 1.0 if corrected is None or item["printed"] == 0 else abs(corrected / item["printed"])
        value = dpfit_value(analyses[item.get("convention", "paper")], item["key"], str(entry.path))
        rows.append(PaperRow(item["key"], item["what"], item.get("where", ""), text, item["printed"], corrected,
                             value, 0.5 * unit * scale, item.get("flag")))
    return rows


def discrepancies(paper: Analysis, rows: list[PaperRow] | None = None) -> list[str]:
    """The paper's misprints and contradictions, from the data: row flags, textual misprints, data-file notes
    (``rows``: :func:`paper_rows` of ``paper`` when the caller has them)."""
    entry = paper.inputs.file(PRINTED)
    lines = []
    for row in (paper_rows(paper) if rows is None else rows):
        if row.flag or not row.within_rounding:
            reason = row.flag or "differs from dpfit by more than the printed rounding"
            lines.append(f"- {row.what} ({row.where or 'source paper'}): printed {row.printed_text}; {reason}")
    lines += [f"- {text}" for text in entry.doc.get("misprints", [])]
    for other in paper.inputs.files():
        notes = other.doc.get("notes", "") if other.role == "data" and other.name != PRINTED else ""
        if "Misprint" in notes:
            lines.append(f"- `{other.name}` ({other.layer}): {notes}")
    return list(dict.fromkeys(lines))
