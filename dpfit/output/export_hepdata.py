"""A HEPData submission (``hepdata_lib``) of an analysis: the window, the (g−2) bands and the 2D scan.

Tables (masses in MeV, couplings ε dimensionless):

- *Surviving window*: per mass, the lower and upper ε of the source paper's
  interval algebra (:func:`dpfit.inference.window.algebra_over_masses`);
  masses where it is empty are left out.
- *(g−2) band* of each scenario in the analysis: best fit and the exact
  Δχ² ≤ 1 and ≤ 4 edges (one parameter, two-sided 68.27 % and 95.45 %; an
  upper limit with lower edge 0 when Δa < 0) from
  :func:`dpfit.inference.bands.coupling_band` (Pospelov, PRD 80 (2009) 095002, eq. 2).
- *Profile-likelihood scan*: Δχ²(m, ε) against the global minimum, two
  parameters (the 68.27 % / 95.45 % contours at Δχ² = 2.30 / 6.18); cells a
  step term excludes hold ``-``.

The provenance goes in the submission's ``comment`` (summary) and as an
additional resource ``provenance.json`` (the full record), the format's own
metadata fields.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from dpfit.inference.levels import sigma_probability
from dpfit.output.wording import one_sided_text
from dpfit.errors import InputError
from dpfit.io.atomic import atomic_path
from dpfit.output.writers import to_json

#: Relative digits written for each value.
DIGITS = 7


def hepdata_lib():
    """hepdata_lib, imported with the DeprecationWarning its validator's jsonschema use raises kept quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import hepdata_lib
    return hepdata_lib


def _variable(name: str, values, units: str = "", independent: bool = False):
    var = hepdata_lib().Variable(name, is_independent=independent, is_binned=False, units=units)
    var.digits = DIGITS
    var.values = ["-" if not np.isfinite(v) else float(v) for v in values]
    return var


def _table(name: str, description: str, keywords: dict, variables: list):
    table = hepdata_lib().Table(name)
    table.description = description
    table.location = "dpfit output"
    table.keywords = keywords
    for var in variables:
        table.add_variable(var)
    return table


def window_table(masses, pieces):
    """The window table from per-mass interval lists (one interval per mass; empty masses left out)."""
    keep = [i for i, p in enumerate(pieces) if p]
    for i in keep:
        if len(pieces[i]) > 1:
            raise InputError("window", None, f"the window has {len(pieces[i])} intervals at m = {masses[i]:g} MeV; "
                                             "the table holds one per mass")
    m = np.asarray(masses, dtype=float)[keep]
    return _table("Surviving window",
                  "Couplings that survive every term at each mass (the source paper's interval algebra: preferred "
                  "region, complement of each exclusion, 2 sigma band of each (g-2) term). Masses with an empty "
                  "window are left out. The columns are the edges of an allowed region (the couplings between them survive), "
                  "not an excluded band.",
                  {"observables": ["EPSILON"], "phrases": ["dark photon", "X17", "kinetic mixing"]},
                  [_variable("m", m, "MeV", independent=True),
                   _variable("eps allowed lower", [pieces[i][0][0] for i in keep]),
                   _variable("eps allowed upper", [pieces[i][0][1] for i in keep])])


def band_table(band):
    """The table of one CouplingBand: best fit and exact 1 sigma / 2 sigma edges."""
    if band.upper_limit:  # Δa < 0: best fit at ε = 0
        held = "; ".join(f"delta chi2 <= {n * n}: {one_sided_text(n * n, sigma_probability(n))}" for n in (1, 2))
        kind = f"upper limits (Delta a < 0: best fit at eps = 0, lower edges 0): {held}"
    else:
        kind = "two-sided 68.27 % and 95.45 %"
    variables = [_variable("m", band.mass, "MeV", independent=True), _variable("eps best fit", band.central)]
    for n in (1, 2):
        lower, upper = band.edges(n)
        variables += [_variable(f"eps allowed lower, delta chi2 <= {n * n}", lower),
                      _variable(f"eps allowed upper, delta chi2 <= {n * n}", upper)]
    return _table(f"g-2 {band.lepton} {band.scenario} band",
                  f"Coupling explaining (g-2)_{band.lepton}, scenario {band.scenario} (Delta a = {band.delta_a:.4g} "
                  f"+- {band.sigma_delta_a:.2g}): exact Gaussian likelihood in Delta a, regions delta chi2 <= 1 and "
                  f"<= 4 of one parameter ({kind}). The edges bound the preferred "
                  "(allowed) couplings, not an excluded band.",
                  {"observables": ["EPSILON"], "phrases": [f"(g-2)_{band.lepton}", band.scenario]}, variables)


def scan_table(scan):
    """The 2D scan table: one row per grid cell, Δχ² with '-' where a step term excludes the cell."""
    mm, ee = np.meshgrid(scan.mass, scan.eps, indexing="ij")
    return _table("Profile-likelihood scan",
                  f"Delta chi2(m, {scan.axis}) against the global minimum chi2 = {scan.chi2_min:.6g}; two parameters: "
                  "the 68.27 % and 95.45 % regions are delta chi2 <= 2.30 and <= 6.18 (Wilks). '-': excluded by a "
                  "step term (exclusion or preferred region).",
                  {"observables": ["CHI2"], "phrases": ["profile likelihood"]},
                  [_variable("m", mm.ravel(), "MeV", independent=True),
                   _variable(scan.axis, ee.ravel(), independent=True),
                   _variable("delta chi2", scan.delta_chi2.ravel())])


def submission(tables: list, prov: dict):
    """A ``hepdata_lib.Submission`` of the tables, its provenance in the comment and in provenance.json."""
    sub = hepdata_lib().Submission()
    sub.comment = (f"Produced by dpfit {prov.get('dpfit_version', '')}; input-set digest "
                   f"{prov.get('inputs_digest', 'n/a')}; full provenance in provenance.json.")
    for table in tables:
        sub.add_table(table)
    return sub


def write_submission(sub, prov: dict, target) -> None:
    """Write the submission archive (``.tar.gz``, what HEPData uploads) atomically to ``target``."""
    target = Path(target)
    with tempfile.TemporaryDirectory() as staging:
        staging = Path(staging)
        (staging / "provenance.json").write_text(to_json(prov))
        sub.add_additional_resource("dpfit provenance: inputs with SHA-256, analysis choices",
                                    str(staging / "provenance.json"), copy_file=True)
        with contextlib.chdir(staging):  # hepdata_lib writes its archive into the working directory
            sub.create_files("submission", validate=False, remove_old=True)
        with atomic_path(target) as tmp:
            shutil.copyfile(staging / "submission.tar.gz", tmp)


