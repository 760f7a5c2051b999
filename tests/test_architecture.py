"""The architecture's promises: a real cost sum, a compiled path that never drops a term, a lazy public API,
Literal choices that match the CLI and the schema, inputs read once, and a numba cache outside the package."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from iminuit import Minuit

import dpfit
from dpfit.cli import build_parser
from dpfit.inference.profile.fit import fit
from dpfit.likelihood.couplings import CouplingMode
from dpfit.likelihood.fused import FusedLikelihood, compiled
from dpfit.likelihood.joint import JointLikelihood
from dpfit.likelihood.terms import Term
from dpfit.model.analysis import Analysis
from dpfit.model.model import EpsPrior, MassPrior
from tests.helpers import ROOT



def reference_terms():
    return Analysis().likelihood().terms


# ------------------------------------------------------------------ the cost sum


def test_sum_of_terms_is_a_flat_joint_likelihood():
    terms = reference_terms()
    total = sum(terms)
    assert isinstance(total, JointLikelihood) and total.names == [t.name for t in terms]
    nested = (terms[0] + terms[1]) + (terms[2] + terms[3]) + terms[4]
    assert nested.names == total.names and all(isinstance(t, Term) for t in nested.terms)
    assert total[0] is terms[0] and len(total) == len(terms)


def test_a_term_joins_the_coupling_mode_of_the_sum():
    lepton = Analysis(couplings="lepton").likelihood()
    assert (lepton[0] + JointLikelihood(lepton.terms[1:], "lepton")).couplings == "lepton"
    assert (lepton.terms[0] + lepton).couplings == "lepton"  # today: silently universal
    universal = Analysis().likelihood()
    with pytest.raises(ValueError, match="couplings"):
        universal + lepton
    with pytest.raises(ValueError, match="couplings"):
        JointLikelihood([universal, lepton])


@dataclass(frozen=True)
class Floor(Term):
    """A term type the compiled kernel does not know: ε below a floor is excluded."""

    name: str
    lepton: str
    floor: float

    def logl(self, m, eps):
        return np.where(np.asarray(eps) < self.floor, -np.inf, 0.0) + 0.0 * np.asarray(m)


def test_compiled_path_never_drops_an_unknown_term():
    joint = Analysis(atomki=None, mass_range=(15.0, 18.0)).likelihood() + Floor("floor", "e", 8e-4)
    fast = compiled(joint, (15.0, 18.0))
    m = np.linspace(15.2, 17.8, 50)
    eps = np.geomspace(1e-5, 1e-2, 50)
    mm, ee = np.meshgrid(m, eps)
    expected = joint.logl(mm, ee)
    assert np.isneginf(expected[ee < 8e-4]).all()
    np.testing.assert_array_equal(fast.logl(mm, ee), expected)  # today: finite where the new term says -inf
    with pytest.raises(ValueError, match="floor"):
        FusedLikelihood(joint, (15.0, 18.0))
    known = Analysis(atomki=None, mass_range=(15.0, 18.0)).likelihood()
    assert isinstance(compiled(known, (15.0, 18.0)), FusedLikelihood)


def test_readme_minuit_snippet_runs_migrad_minos_and_profiles():
    analysis = Analysis(muon="WP20", electron="Rb20", limits=("na64",), convention="paper")
    joint = analysis.likelihood()
    assert joint(-1.0, 1e-3) == np.inf and joint(16.7, -1e-3) == np.inf and joint(np.nan, 1e-3) == np.inf
    minuit = Minuit(joint, m=16.7, eps=1e-3)
    minuit.migrad()  # today: ValueError "loop functions need r >= 0"
    assert np.isfinite(minuit.fval)
    smooth = Minuit(joint[0] + joint[1], m=16.7, eps=1e-3)
    smooth.fixed["m"] = True
    smooth.migrad()
    smooth.minos("eps")
    assert smooth.valid and smooth.merrors["eps"].is_valid
    smooth.mnprofile("eps", size=5)
    result = fit(joint)  # today: TypeError, no mass range
    assert result.mass_fixed is False and 15.85 <= result.best_fit["m"] <= 17.55


# ------------------------------------------------------------------ public API, choices


def test_public_api_is_lazy_and_pinned():
    assert dpfit.__all__ == ["__version__", "Analysis", "Model", "load_inputs", "InputSet", "JointLikelihood", "Term",
                             "Gm2Gaussian", "Exclusion", "PreferredRegion", "fit", "FitResult", "scan", "Scan",
                             "sample", "read_chain", "window", "WindowResult", "compatibility", "parse_levels",
                             "reproduce", "describe", "InputError"]
    code = "import sys, dpfit; print(sorted(m for m in sys.modules if m.startswith(('dpfit.', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    for name in dpfit.__all__[1:]:
        assert getattr(dpfit, name) is not None


def _choices(command: str, option: str) -> set:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return set(next(a for a in sub._actions if option in a.option_strings).choices)


def test_literal_choices_match_cli_and_schema():
    schema = json.loads((ROOT / "dpfit" / "schemas" / "v1.json").read_text())["$defs"]["analysis"]["properties"]
    for literal, option, field in ((CouplingMode, "--couplings", "couplings"), (MassPrior, "--mass-prior", "mass_prior"),
                                   (EpsPrior, "--eps-prior", "eps_prior")):
        values = set(typing.get_args(literal))
        assert _choices("fit", option) == values
        assert set(schema[field]["enum"]) == values


# ------------------------------------------------------------------ inputs read once


def test_reproduce_reads_each_input_file_once(tmp_path, monkeypatch):
    from dpfit.inputs import load, validated
    from dpfit.reference.reproduce import reproduce

    monkeypatch.setattr(load, "_PARSED", {})  # a fresh process, as far as reading goes
    monkeypatch.setattr(load, "_SETS", {})
    monkeypatch.setattr(validated, "_KNOWN", set())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing validated before
    reads, validations = [], []
    real_read, real_validate = load.read_yaml, load.validate
    monkeypatch.setattr(load, "read_yaml", lambda path: reads.append(str(path)) or real_read(path))
    monkeypatch.setattr(load, "validate", lambda doc, d, s: validations.append(s) or real_validate(doc, d, s))
    reproduce(tmp_path / "r", quick=True, progress=False)
    assert reads and len(reads) == len(set(reads)), sorted(p for p in set(reads) if reads.count(p) > 1)
    assert len(validations) == len(set(validations))


def test_validation_is_remembered_across_processes_by_content(tmp_path):
    """A second process loading the same inputs skips the schema validation (jsonschema is not even
    imported); an overlay file changed into an invalid one is validated again and refused."""
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    overlay = tmp_path / "ov"
    overlay.mkdir()
    (overlay / "alpha.yaml").write_text((ROOT / "data" / "alpha.yaml").read_text())
    code = ("import sys; from dpfit.inputs.load import load_inputs; load_inputs(sys.argv[1]); "
            "print('jsonschema' in sys.modules)")

    def run():
        return subprocess.run([sys.executable, "-c", code, str(overlay)], capture_output=True, text=True, env=env)

    assert run().stdout.split() == ["True"]   # first process: every file validated
    assert run().stdout.split() == ["False"]  # second: all remembered
    text = (overlay / "alpha.yaml").read_text()
    (overlay / "alpha.yaml").write_text(text + "colour: blue\n")
    refused = run()
    assert refused.returncode != 0 and "alpha.yaml" in refused.stderr and "colour" in refused.stderr


def test_numba_cache_is_outside_the_package(tmp_path):
    code = ("import dpfit.likelihood.fused as f, pathlib; "
            "print(f._kernel._cache._cache_path)")
    env = {**__import__("os").environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip().startswith(str(tmp_path / "dpfit" / "numba"))
    assert "site-packages" not in out and str(ROOT / "dpfit") not in out


def test_library_messages_never_name_cli_flags():
    import re

    offenders = []
    for path in (ROOT / "dpfit").rglob("*.py"):
        if "cli" in path.parts or path.name == "bench.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"InputError\(|raise |message", line) and re.search(r"[\"'][^\"']*--[a-z]", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert not offenders


#: The floors of the house, bottom up: a module imports only from its own floor or below.
FLOORS = [("dpfit", "dpfit.errors", "dpfit.notes", "dpfit.arguments", "dpfit.user_cache"), ("dpfit.physics", "dpfit.io"),
          ("dpfit.inputs",), ("dpfit.likelihood",), ("dpfit.model", "dpfit.runtime"), ("dpfit.inference",),
          ("dpfit.output",), ("dpfit.reference",), ("dpfit.cli", "dpfit.bench", "dpfit.__main__")]
#: The rooms of inference/: none imports another in a circle (window, levels, tables and bands sit beside them).
ROOMS = ("dpfit.inference.profile", "dpfit.inference.bayes", "dpfit.inference.frequentist")


def import_graph() -> dict[str, set[str]]:
    """module -> the dpfit modules it imports (at the top or inside a function), from the source's syntax."""
    import ast

    graph = {}
    for path in (ROOT / "dpfit").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dpfit"):
                targets.add((node.module, tuple(a.name for a in node.names)))
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("dpfit"))
        graph[name] = targets

    def resolve(target):  # `from package import module` is an arrow to the module, not to the package
        if isinstance(target, str):
            return {target}
        package, names = target
        modules = {f"{package}.{n}" for n in names if f"{package}.{n}" in graph}
        return modules if len(modules) == len(names) else modules | {package}

    return {m: {r for t in targets for r in resolve(t) if r in graph and r != m} for m, targets in graph.items()}


def floor(module: str) -> int:
    return max(i for i, prefixes in enumerate(FLOORS) for p in prefixes if module == p or module.startswith(p + "."))


def test_no_arrow_runs_back_up():
    graph = import_graph()
    upward = [f"{m} -> {t}" for m, targets in graph.items() for t in targets
              if m != "dpfit" and floor(t) > floor(m)]
    assert not upward


def test_no_import_circles_between_modules_or_inference_rooms():
    graph = import_graph()
    graph.pop("dpfit")  # the package's lazy re-exports name everything
    state, circles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for target in graph.get(node, ()):
            if state.get(target) == "open":
                circles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles
    room = lambda m: next((r for r in ROOMS if m.startswith(r + ".")), None)  # noqa: E731
    between = {(room(m), room(t)) for m, targets in graph.items() for t in targets
               if room(m) and room(t) and room(m) != room(t)}
    assert not {(a, b) for a, b in between if (b, a) in between}, between


@pytest.mark.parametrize("document", ["README.md", "examples/README.md"])
def test_every_python_snippet_in_the_readmes_runs(document, tmp_path, monkeypatch):
    import re

    blocks = re.findall(r"```python\n(.*?)```", (ROOT / document).read_text(), re.S)
    assert blocks, f"{document} has no Python snippet"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, document, "exec"), {"__name__": "__snippet__"})  # noqa: S102 - our own documentation


def test_reprs_summarise_and_read_no_file(tmp_path):
    """An Analysis prints its choices without reading a file (an overlay that does not exist yet is fine); results
    print like iminuit's Minuit summary, not as dataclass dumps; a Chain prints its shape, not its address."""
    text = repr(Analysis(inputs_dir=str(tmp_path / "not-yet"), muon="WP20"))
    assert text.startswith("Analysis(model='protophobic', muon='WP20'") and "not-yet" in text
    result = fit(Analysis(), mass=16.7)
    assert repr(result).startswith("FitResult(mass fixed; m=16.7, eps=0.000686") and "ndof=1" in repr(result)
    assert "GoodnessOfFit(" not in repr(result)
    from dpfit.inference.bayes.chains import Chain

    chain = Chain(np.zeros((5, 4, 2)), np.zeros((5, 4)), np.full(4, 3.0), None, {"names": ("m", "eps"), "seed": 1})
    assert repr(chain) == "Chain(4 walkers x 5 steps of (m, eps); mean acceptance 0.60; seed 1; in memory)"


def module_test_file(module: Path) -> Path:
    """Where a module's own tests live: dpfit/<package path>/<name>.py -> tests/<package path>/test_<name>.py."""
    parts = module.relative_to(ROOT / "dpfit").parts
    return ROOT.joinpath("tests", *parts[:-1], f"test_{parts[-1]}")


def test_tests_mirror_the_package():
    """Every module (a package's __init__ and __main__ aside) has its own test module, in the tree that mirrors
    the package, and that test module imports it."""
    missing, unused = [], []
    for module in sorted((ROOT / "dpfit").rglob("*.py")):
        if module.name in ("__init__.py", "__main__.py"):
            continue
        test = module_test_file(module)
        name = ".".join(module.relative_to(ROOT).with_suffix("").parts)
        if not test.is_file():
            missing.append(str(test.relative_to(ROOT)))
        elif not re.search(rf"(from {re.escape(name)} import|import {re.escape(name)}\b)", test.read_text()):
            unused.append(f"{test.relative_to(ROOT)} does not import {name}")
    assert not missing and not unused, "\n".join(missing + unused)
