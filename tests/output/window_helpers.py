"""A hand-built window result at 16.7 MeV, shared by the render tests and the report tests."""

from __future__ import annotations

import dataclasses

from dpfit.inference.levels import parse_level
from dpfit.inference.profile.compatibility import Compatibility
from dpfit.inference.profile.gof import Tension, goodness_of_fit
from dpfit.inference.profile.intervals import build_interval
from dpfit.inference.window import WindowResult
from dpfit.notes import note

LEVEL = parse_level("2sigma")


def window_result(**changes) -> WindowResult:
    """A window at 16.7 MeV as dpfit.inference.window.window returns it, built by hand."""
    compat = Compatibility(16.7, {"gm2:WP25": goodness_of_fit(0.0, 1, 1), "gm2:Rb20": goodness_of_fit(0.0, 1, 1)},
                           [Tension("gm2:WP25", "gm2:Rb20", 2.0, 1, 0.157, 1.415)])
    limits = [{"name": "na64", "experiment": "NA64", "cl": 0.9, "production": "electron", "model": note("limit_step")},
              {"name": "padme", "experiment": "PADME", "cl": 0.9, "production": "electron",
               "model": note("limit_poisson_zero_events")}]
    base = WindowResult(16.7, "eps", ["gm2:WP25", "gm2:Rb20", "na64", "padme", "atomki"], LEVEL, "allowed",
                        goodness_of_fit(1.2, 2, 1), 0.0027, compat, [[6.62e-4, 9.587e-4]],
                        ["gm2:WP25: 2 sigma band", "na64: complement"], [[6.0e-4, 1.0e-3]], (15.85, 17.55),
                        profile=build_interval(LEVEL, 4.0, [[6.7e-4, 9.5e-4]], [["na64", "gm2:Rb20"]], False),
                        posterior=[[6.8e-4, 9.4e-4]], posterior_label="95 % highest density",
                        diagnostics={"acceptance_fraction": 0.3456, "tau": {"m": 40.12, "log10_eps": 35.0},
                                     "effective_samples": 1200.4, "warning": "tau not yet converged"},
                        notes=["a note"], limits=limits,
                        posterior_central={"method": "central (equal-tailed, two-sided)", "level": 0.95,
                                           "pieces": [[6.9e-4, 9.3e-4]],
                                           "errors": [[1.2e-5, 2.6e-5]]})
    return dataclasses.replace(base, **changes)
