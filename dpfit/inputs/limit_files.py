"""Contour files given directly as limits: ``PATH[:lepton=e][:cl=0.9][:name=NAME][:production=P][:decay=F][:lratio=L]``.

A CSV or DarkCast ``.lmt`` contour (:mod:`dpfit.inputs.contours`) becomes an
exclusion record without writing a data file and a card: the file's format
comes from its extension, its name (default: the file's stem) names the term,
``lepton`` the coupling it reads (default e), ``cl`` its confidence level
(default 0.9), ``production`` the mechanism as DarkCast names it (default e_brem
for an electron limit, mu_brem for a muon one), ``decay`` the final state (default
e_e) and ``lratio`` a beam dump's decay-volume to shielding length ratio (default:
a prompt search). The limit holds over the contour's whole mass range.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from dpfit.errors import InputError
from dpfit.inputs.contours import READERS, contour_in_eps
from dpfit.inputs.records import ExclusionCard, contour_mass_range
from dpfit.inputs.safety import resolved

KEYS = ("lepton", "cl", "name", "production", "decay", "lratio")


@dataclass(frozen=True)
class LimitFile:
    """A parsed limit-file specification: path (resolved), lepton ('e' or 'mu'), cl, name, production mechanism,
    final state and a beam dump's length ratio (None: prompt)."""

    path: str
    lepton: str = "e"
    cl: float = 0.9
    name: str = ""
    production: str = ""
    decay: str = "e_e"
    length_ratio: float | None = None

    def sha256(self) -> str:
        return hashlib.sha256(Path(self.path).read_bytes()).hexdigest()

    def describe(self) -> dict:
        """For provenance: what was used and the SHA-256 of the file's bytes."""
        return {"name": self.name, "path": self.path, "lepton": self.lepton, "cl": self.cl,
                "production": self.production, "decay": self.decay, "length_ratio": self.length_ratio,
                "sha256": self.sha256()}


def parse_limit_file(spec: str, source: str = "limit_files") -> LimitFile:
    """Parse ``PATH[:key=value]...``; InputError naming ``source`` on a bad key or value."""
    path, *options = str(spec).split(":")
    if not path:
        raise InputError(source, None, f"expected PATH[:lepton=e][:cl=0.9][:name=...], got '{spec}'")
    values: dict = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or key not in KEYS:
            raise InputError(source, None, f"unknown option '{option}' in '{spec}'; expected {', '.join(KEYS)}")
        values[key] = value
    lepton = values.get("lepton", "e")
    if lepton not in ("e", "mu"):
        raise InputError(source, "lepton", f"expected e or mu, got '{lepton}'")
    try:
        cl = float(values.get("cl", 0.9))
    except ValueError:
        raise InputError(source, "cl", f"expected a probability, got '{values['cl']}'") from None
    if not (math.isfinite(cl) and 0 < cl < 1):
        raise InputError(source, "cl", f"expected a probability strictly between 0 and 1, got {cl:g}")
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in READERS:
        raise InputError(path, None, f"a limit file must end in .{' or .'.join(READERS)}")
    name = values.get("name") or Path(path).stem
    if not name.isprintable():  # a name is printed on terminal lines and in reports: no newline, no escape
        raise InputError(source, "name", f"expected a name of printable characters, got {name[:40]!r}")
    from dpfit.physics.vector_models import DECAYS, PRODUCTION

    production = values.get("production", "e_brem" if lepton == "e" else "mu_brem")
    if production not in PRODUCTION:
        raise InputError(source, "production", f"expected one of {', '.join(PRODUCTION)}, got '{production[:40]}'")
    decay = values.get("decay", "e_e")
    if decay not in DECAYS:
        raise InputError(source, "decay", f"expected one of {', '.join(DECAYS)}, got '{decay[:40]}'")
    lratio = None
    if "lratio" in values:
        try:
            lratio = float(values["lratio"])
        except ValueError:
            raise InputError(source, "lratio", f"expected a positive number, got '{values['lratio'][:40]}'") from None
        if not (math.isfinite(lratio) and 0 < lratio <= 1e6):
            raise InputError(source, "lratio", f"expected a number in (0, 1e6], got {lratio:g}")
    return LimitFile(str(resolved(path, source, None)), lepton, cl, name, production, decay, lratio)


def limit_file_record(limit: LimitFile, alpha: float) -> ExclusionCard:
    """The exclusion record of a limit file (g_ve contours converted to ε with α)."""
    contour = READERS[Path(limit.path).suffix.lower().lstrip(".")](Path(limit.path))
    contour = contour_in_eps(contour, alpha, limit.path, None)
    production = "quark" if limit.production in ("pi0_gamma", "p_brem") else \
        ("electron" if limit.production.startswith("e_") else "muon")
    return ExclusionCard(limit.name, limit.lepton, Path(limit.path).name, limit.cl, contour,
                         contour_mass_range(contour), limit.decay != "invisible", False,
                         f"limit file {Path(limit.path).name}", limit.path, production,
                         limit.production or ("e_brem" if limit.lepton == "e" else "mu_brem"), limit.decay,
                         limit.length_ratio)
