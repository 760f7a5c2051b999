"""A small hand-built landscape, shared by the landscape file and figure tests."""

from __future__ import annotations

import math

import numpy as np

from dpfit.inference.landscape import Landscape, LimitCurve

INF = math.inf


def small_landscape() -> Landscape:
    """Two searches on a 4-mass grid: a visible one with two bands (the second closed, at one mass pair only)
    and an invisible one open above."""
    visible = LimitCurve("Vis_2020", "vis", "VIS", "A. Author, PRL 1 (2020) 1", "visible",
                         np.array([10.0, 20.0, 40.0]),
                         np.array([[1e-4, 2e-4, 4e-4], [INF, 1e-2, 2e-2]]),
                         np.array([[1e-3, 1e-3, 2e-3], [INF, 3e-2, 5e-2]]))
    invisible = LimitCurve("Inv_2019", "inv", "INV", "B. Author, PRD 2 (2019) 2", "invisible",
                           np.array([5.0, 50.0]), np.array([[3e-5, 3e-4]]), np.array([[INF, INF]]))
    grid = np.array([8.0, 10.0, 30.0, 45.0])
    return Landscape("dark_photon", (8.0, 45.0), [visible, invisible], ["Gone_2000: no coupling"], [], grid)
