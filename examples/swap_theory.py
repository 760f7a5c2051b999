"""How the X17 window moves when the muon Standard-Model prediction changes.

Runs the reference analysis (WP25 muon, Rb20 electron, NA64, PADME, ATOMKI) at
16.7 MeV with each shipped muon prediction (WP20, BMW21, WP25), then with a
prediction of your own given as an override of one data file's fields, exactly
as ``--set a_mu_sm_wp25.value=... --set a_mu_sm_wp25.uncertainty=...`` does on
the command line. No file is edited and no code changes.

For each case it prints Δa_μ, the best-fit ε at 16.7 MeV (iminuit), the
paper's interval-algebra window and the Δχ² ≤ 4 profile-likelihood window.

Run: ``python examples/swap_theory.py`` (a few seconds).
"""

from __future__ import annotations

from dpfit.model.analysis import Analysis
from dpfit.inference.profile.fit import fit
from dpfit.inference.window import interval_algebra, profile_window

MASS = 16.7  # MeV, the ATOMKI 8Be (2016) central mass

#: Your own prediction: a_mu(SM) = 116 592 060(40) x 1e-11, entered over WP25's data file.
MY_PREDICTION = ("a_mu_sm_wp25.value=116592060", "a_mu_sm_wp25.uncertainty=40")

CASES = [
    ("WP20", Analysis(muon="WP20")),
    ("BMW21", Analysis(muon="BMW21")),
    ("WP25", Analysis(muon="WP25")),
    ("mine (WP25 file, --set)", Analysis(muon="WP25", overrides=MY_PREDICTION)),
]


def pieces(intervals) -> str:
    """[lo, hi] pieces of the coupling as text; 'empty' when nothing survives."""
    return " U ".join(f"[{lo:.3e}, {hi:.3e}]" for lo, hi in intervals) or "empty"


def main() -> None:
    print(f"X17 window at m = {MASS} MeV (electron Rb20, limits NA64 + PADME, ATOMKI region)")
    print(f"{'muon prediction':<25} {'Delta a_mu':>18}  {'best-fit eps':>12}  "
          f"{'interval algebra':<26}  profile (dchi2 <= 4)")
    for label, analysis in CASES:
        delta = analysis.inputs.gm2_card("mu", analysis.muon).delta_a
        joint = analysis.likelihood()
        best = fit(joint, mass=MASS).best_fit["eps"]
        print(f"{label:<25} {delta.value * 1e11:7.1f}({delta.sigma * 1e11:4.1f})e-11  {best:12.4e}  "
              f"{pieces(interval_algebra(joint, MASS)):<26}  {pieces(profile_window(joint, MASS))}")
    overrides = CASES[-1][1].inputs.provenance()["overrides"]
    print("your prediction was recorded as: " + ", ".join(f"{o['key']}={o['value']}" for o in overrides))


if __name__ == "__main__":
    main()
