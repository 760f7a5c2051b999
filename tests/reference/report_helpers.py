"""The report of a quick reference run and its sections, shared by the results and report tests."""

from __future__ import annotations

import re

from dpfit.model.analysis import Analysis

PROV = {"dpfit_version": "test", "inputs_digest": "x", "files": [], "overrides": [], "seed": 1, "analysis": "a"}


def _report(tmp_path, name, overrides=()):
    from dpfit.reference.report import render
    from dpfit.reference.results import compute

    results = compute(Analysis(overrides=overrides), tmp_path / f"{name}.h5", quick=True, progress=False)
    return results, render(results, [], PROV)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    return {head: body for head, body in zip(parts[1::2], parts[2::2])}

