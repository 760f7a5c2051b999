"""Add a new experiment's limit as files, then use it: a CSV contour, a data file, a card.

A new exclusion needs no code: an overlay directory (the ``--inputs DIR`` of
the command line, ``inputs_dir`` in Python) holding

* ``mylimit.csv`` — the contour over mass: ``mass_MeV,eps_lower[,eps_upper]``
  (or ``g_lower[,g_upper]`` for the coupling to electrons g_ve = e ε);
  DarkCast ``.lmt`` files work too (``format: lmt``);
* ``mylimit_2026.yaml`` — the data file: what was measured, where, its citation,
  and the contour file (relative to the data file, or absolute);
* ``mylimit.yaml`` — the card: use that data as an exclusion on the electron
  coupling (step likelihood), visible decays X -> e+e-.

The limit below is made up (it excludes up to about 8e-4 near 17 MeV, above
NA64's contour edge 6.62e-4) to show the window closing from below. This script writes the
three files into a temporary directory, then prints the fit and the window at
16.7 MeV without and with the new limit. The same from the shell::

    dpfit fit --inputs DIR --limits na64,padme,mylimit --mass 16.7
    dpfit window --inputs DIR --limits na64,padme,mylimit

Run: ``python examples/new_limit.py`` (a few seconds).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dpfit.model.analysis import Analysis
from dpfit.inference.profile.fit import fit
from dpfit.inference.window import interval_algebra, profile_window

MASS = 16.7  # MeV

CONTOUR = """\
# A hypothetical 90% CL exclusion of visible X -> e+e- decays (made up for this example).
mass_MeV,eps_lower,eps_upper
16.0,1.4e-4,8.2e-4
17.0,1.5e-4,7.9e-4
18.0,1.6e-4,7.6e-4
"""

DATA = """\
schema: dpfit-data/1
kind: exclusion
experiment: MyExperiment
description: Hypothetical visible-decay search, contour over 16-18 MeV.
cl: 0.9
coupling: eps
contour: {file: mylimit.csv, format: csv}
reference: "My Experiment Collaboration, a paper of 2026 (hypothetical)"
date: "2026-01"
"""

CARD = """\
schema: dpfit-card/1
kind: exclusion
description: MyExperiment 2026 visible-decay exclusion over its contour's mass range.
data: mylimit_2026
lepton: e
visible_decay: true
default: false
"""


def write_overlay(directory: Path) -> Path:
    """The three files of the new limit, in ``directory``."""
    (directory / "mylimit.csv").write_text(CONTOUR)
    (directory / "mylimit_2026.yaml").write_text(DATA)
    (directory / "mylimit.yaml").write_text(CARD)
    return directory


def pieces(intervals) -> str:
    return " U ".join(f"[{lo:.3e}, {hi:.3e}]" for lo, hi in intervals) or "empty"


def report(label: str, analysis: Analysis) -> None:
    joint = analysis.likelihood()
    result = fit(joint, mass=MASS)
    print(f"{label}: terms {', '.join(joint.names)}")
    print(f"  best fit eps = {result.best_fit['eps']:.4e}, chi2_min = {result.chi2_min:.3g}")
    print(f"  fit 1 sigma (delta chi2 <= 1): {pieces(result.pieces('1sigma'))}  2 sigma (delta chi2 <= 4): {pieces(result.pieces('2sigma'))}")
    print(f"  window, interval algebra: {pieces(interval_algebra(joint, MASS))}")
    print(f"  window, profile (dchi2 <= 4): {pieces(profile_window(joint, MASS))}")


def main() -> None:
    print(f"Reference X17 analysis at m = {MASS} MeV, without and with a new limit")
    report("without mylimit", Analysis())
    with tempfile.TemporaryDirectory() as tmp:
        overlay = write_overlay(Path(tmp))
        with_limit = Analysis(inputs_dir=str(overlay), limits=("na64", "padme", "mylimit"))
        report("with mylimit", with_limit)
        joint = with_limit.likelihood()
        edges = joint[joint.names.index("mylimit")].edges(MASS)
        print(f"mylimit at {MASS} MeV excludes {edges[0]:.3e} < eps < {edges[1]:.3e} (log-log interpolation)")
        data = with_limit.inputs.file("mylimit_2026")
        print(f"provenance: {data.name} from {data.origin}, sha256 {data.sha256[:16]}...")


if __name__ == "__main__":
    main()
