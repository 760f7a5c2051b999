"""Fuzz tests: random and malformed inputs at the loader, the analysis API and the CLI.

The contract under test (dpfit/errors.py, dpfit/cli.py): whatever the input, the
only outcomes are a result or the clear one-line error, i.e.

- from the API: a result, or :class:`dpfit.errors.InputError` with a one-line message;
- from the CLI (``dpfit.cli.main`` in-process): exit 0 with a clean output, or exit 2
  with nothing on stdout and exactly one stderr line starting ``dpfit: error:``;

never another exception (pytest turns warnings into errors, so a numpy RuntimeWarning
counts as one), never a hang (each call runs under an alarm), never NaN in an output:
JSON parses without NaN/Infinity, text has no ``nan``, and CSV tables have ``nan``
only where documented: ε and σ of a scenario whose Δa < 0 (no vector coupling
produces a negative shift).

Generators: real data files and cards mutated (a value replaced by random
text/numbers/NaN/inf/negatives/lists/dicts, keys deleted or added, the text truncated,
random bytes inserted); random CSV and DarkCast ``.lmt`` contours (non-numeric cells,
wrong column counts, decreasing masses, lower > upper, zero/negative values, empty
files); random option values (--mass, --masses, --points, --eps-range, --mass-range,
--invisible-ratio, --set KEY=VALUE, scenario and card names).

Bugs found. Each bug these tests found has an explicit regression test at the end of
this file, named after what broke; the generators cover their triggers too.

``DPFIT_FUZZ_SCALE=10 pytest tests/system/test_fuzz.py`` runs ten times more examples.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import re
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from dpfit.model.analysis import Analysis
from dpfit.cli import main
from dpfit.cli.limits import MASS_MEV as MASS_OPTION_RANGE
from dpfit.errors import InputError
from dpfit.inference.profile.fit import fit
from dpfit.inputs.load import default_dir, load_inputs
from dpfit.inputs.yaml_io import parse_yaml
from dpfit.physics.units import UNITS

DATA = default_dir("data")
CARDS = default_dir("likelihoods")
SOURCES = sorted(DATA.glob("*.yaml")) + sorted(CARDS.glob("*.yaml"))
SCALE = float(os.environ.get("DPFIT_FUZZ_SCALE", "1"))
#: Seconds one call may take before it counts as a hang.
HANG_SECONDS = 30
#: Masses (MeV) at which likelihoods are probed: far below, inside and far above the data.
PROBE_MASSES = np.array([1e-3, 1.0, 10.0, 16.7, 17.0, 17.5, 100.0, 1e5])
PROBE_EPS = np.array([0.0, 1e-12, 1e-5, 1.2e-4, 5e-4, 7e-4, 1e-3, 2e-3, 1e-2, 1.0])
#: Default masses of `dpfit table` (dpfit.inference.tables.DEFAULT_MASSES).
TABLE_MASSES = (5, 500)


def fuzz_settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# ============================================================================ running things


class Hang(BaseException):
    """A call ran longer than HANG_SECONDS (BaseException: nothing in dpfit may swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float = HANG_SECONDS):
    def alarm(signum, frame):
        raise Hang(f"no result after {seconds} s")

    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # nested: the outer alarm already runs
        yield
        return
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``dpfit ARGV`` in-process under the hang alarm: (exit status, stdout, stderr).

    Any exception escaping ``main`` propagates: it is a failure of the CLI's contract.
    """
    out, err = io.StringIO(), io.StringIO()
    with time_limit(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def assert_input_error(exc: InputError) -> None:
    """The API's clear error: an InputError whose message is one non-empty line."""
    text = str(exc)
    assert text.strip(), "empty error message"
    assert "\n" not in text and "\r" not in text, f"multi-line error: {text!r}"
    assert exc.source, "the error names no file or option"


def assert_cli_error(code: int, out: str, err: str, argv=()) -> None:
    """Exit 2, nothing on stdout, one stderr line; ``inputs check`` reports every failing file, one line each."""
    if list(argv[:2]) == ["inputs", "check"] and code == 2 and err.count("\n") > 1:
        for line in err.splitlines(keepends=True):
            assert_cli_error(code, out, line)
        return
    assert code == 2, (code, out, err)
    assert out == "", f"stdout not empty on error: {out[:200]!r}"
    assert err.startswith("dpfit: error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, f"not exactly one stderr line: {err!r}"


def _no_constants(name):
    raise AssertionError(f"JSON output contains {name}")


def parse_json(out: str):
    doc = json.loads(out, parse_constant=_no_constants)
    return doc


NAN_WORD = re.compile(r"\bnan\b", re.IGNORECASE)


def assert_no_nan_text(out: str) -> None:
    assert not NAN_WORD.search(out), f"'nan' in output: {out[:500]!r}"


def negative_scenarios(inputs) -> set[str]:
    """Muon scenarios with Δa < 0 (their ε and σ are NaN in the table by design)."""
    return {c.doc["scenario"] for c in inputs.scenarios("mu") if inputs.delta_a(c.doc["delta_a"]).value < 0}


def assert_table_csv(out: str, inputs) -> None:
    lines = out.splitlines()  # plain CSV: the header first (provenance goes to a sidecar file)
    header = lines[0].split(",")
    assert header[0] == "mass_MeV"
    allowed = {f"{p}_{s}" for s in negative_scenarios(inputs) for p in ("eps", "sigma")}
    for line in lines[1:]:
        cells = line.split(",")
        assert len(cells) == len(header)
        for column, cell in zip(header, cells):
            value = float(cell)
            assert not math.isnan(value) or column in allowed, f"nan in column {column}: {line}"


def assert_table_json(out: str, inputs) -> None:
    doc = parse_json(out)
    allowed = {f"{p}_{s}" for s in negative_scenarios(inputs) for p in ("eps", "sigma")}
    allowed |= {f"sigma_{c.doc['scenario']}" for c in inputs.scenarios("mu")  # σ = +inf at Δa = 0 -> null
                if inputs.delta_a(c.doc["delta_a"]).value == 0}
    for row in doc["rows"]:
        for column, value in zip(doc["columns"], row):
            assert value is not None or column in allowed, f"null in column {column}: {row}"


def assert_epsilon_json(out: str) -> None:
    doc = parse_json(out)
    assert isinstance(doc["delta_a"], float) and isinstance(doc["sigma_delta_a"], float)
    if doc["delta_a"] < 0:
        assert doc["message"] and doc["eps"] is None
    else:
        assert doc["message"] is None
        assert isinstance(doc["eps"], float) and doc["eps"] >= 0
        # σ_ε = +inf at Δa = 0 (documented), which JSON writes as null
        assert isinstance(doc["sigma_linear"], float) or (doc["sigma_linear"] is None and doc["delta_a"] == 0)


def assert_fit_json(out: str) -> None:
    doc = parse_json(out)
    free = [n.split(":")[0] for n in doc["notes"] if n.endswith("no term constrains it")]
    for name, value in doc["best_fit"].items():
        assert value is not None or name in free, (name, doc["best_fit"])
        if value is not None:
            assert isinstance(value, float) and value >= 0
    assert isinstance(doc["chi2_min"], float) and doc["chi2_min"] >= 0
    for per_level in doc["intervals"].values():
        for interval in per_level.values():
            for lo, hi in interval["pieces"]:
                assert isinstance(lo, float) and lo >= 0
                assert hi is None or hi >= lo  # None: open above (+inf)


def assert_cli_outcome(argv, code, out, err, inputs=None) -> None:
    """The CLI's contract for one call (see the module docstring)."""
    if code != 0:
        assert_cli_error(code, out, err, argv)
        return
    assert err == "", f"stderr on success: {err[:300]!r}"
    command = argv[0]
    fmt = argv[argv.index("--format") + 1] if "--format" in argv else "text"
    if command == "table" and fmt == "csv":
        assert_table_csv(out, inputs)
    elif command == "table" and fmt == "json":
        assert_table_json(out, inputs)
    elif command == "epsilon" and fmt == "json":
        assert_epsilon_json(out)
    elif command == "fit" and fmt == "json":
        assert_fit_json(out)
    elif command == "inputs" and argv[1] == "check":
        assert out.startswith("ok: ")
    else:
        assert_no_nan_text(out)


def assert_logl_clean(joint, masses=PROBE_MASSES, eps=PROBE_EPS) -> None:
    """ln L on a grid: never NaN, never positive (every term is ≤ 0), −inf allowed."""
    couplings = [eps[None, :]] * (len(joint.parameters) - 1)
    values = np.asarray(joint.logl(np.asarray(masses, dtype=float)[:, None], *couplings))
    assert not np.isnan(values).any(), values
    assert (values <= 0).all(), values


def assert_fit_clean(result) -> None:
    assert math.isfinite(result.chi2_min) and result.chi2_min >= 0
    for name, value in result.best_fit.items():
        assert value is None or (math.isfinite(value) and value >= 0), (name, value)


def assert_inputs_finite(inputs) -> None:
    """A successful load gives finite numbers through every accessor."""
    for entry in inputs.files():
        if entry.role != "data":
            continue
        if entry.kind == "quantity":
            q = inputs.quantity(entry.name, UNITS[entry.doc["unit"]][0])
            assert math.isfinite(q.value) and math.isfinite(q.sigma) and q.sigma >= 0, (entry.name, q)
        elif entry.kind in ("difference", "ae_difference"):
            q = inputs.delta_a(entry.name)
            assert math.isfinite(q.value) and math.isfinite(q.sigma) and q.sigma >= 0, (entry.name, q)
        elif entry.kind == "exclusion":
            c = inputs.contour(entry.name)
            assert np.all(np.isfinite(c.mass)) and np.all(c.mass > 0), entry.name
            assert np.all(np.isfinite(c.lower)) and np.all(c.lower > 0), entry.name
            assert np.all(c.upper > c.lower), entry.name
        elif entry.kind == "region":
            r = inputs.region(entry.name)
            assert all(math.isfinite(r[k]) and r[k] > 0 for k in ("mass", "mass_uncertainty", "eps_lower", "eps_upper"))


#: Commands that load an overlay lazily (an analysis): a broken file stops them only when they use it.
LAZY_COMMANDS = ("fit", "scan", "sample", "window")


def oracle_load(inputs_dir=None, overrides=(), lazy=False):
    """load_inputs as the CLI calls it: (InputSet, None) or (None, the InputError)."""
    try:
        with time_limit():
            inputs = load_inputs(inputs_dir, "precise", list(overrides), lazy=lazy)
        event("inputs load")
        return inputs, None
    except InputError as exc:
        event("inputs rejected")
        assert_input_error(exc)
        return None, exc


# ============================================================================ generators: YAML


def weighted(*choices):
    """One of the strategies, picked with integer weights: weighted((3, a), (1, b)) is a 3 times out of 4."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(pool) - 1).flatmap(lambda i: pool[i])


_FLOAT_12 = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+
                  |[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)
                  |\.(?:nan|NaN|NAN))$""", re.X)


class _Dumper(yaml.SafeDumper):
    """Safe dumper that quotes strings dpfit's YAML 1.2 loader would read as floats ("1e-11")."""


_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


def dump(doc) -> bytes:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True).encode()


FIELD_NAMES = ["value", "uncertainty", "exact", "inverse", "unit", "reference", "quantity", "kind", "schema",
               "point", "contour", "upper", "lower", "mass", "mass_unit", "mass_range", "default", "lepton",
               "data", "scenario", "delta_a", "experiment", "prediction", "alpha", "theory", "coupling", "cl",
               "eps_lower", "eps_upper", "mass_uncertainty", "mass_model", "visible_decay", "terms", "file",
               "format", "date", "notes", "description"]
MEANINGFUL_TEXT = ["1", "1e-9", "1e-11", "MeV", "GeV", "keV", "eV", "MeV s", "eps", "g_ve", "e", "mu", "box",
                   "gaussian", "csv", "lmt", "quantity", "difference", "exclusion", "region", "gm2_gaussian",
                   "dpfit-data/1", "dpfit-card/1", "a_mu_sm_wp20", "a_mu_exp_2025", "alpha", "alpha_rb20",
                   "na64_2020", "atomki_8be_2016", "delta_a_mu_wp25", "WP25", "none", "", " ", "~"]
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.from_regex(r"[a-z_]{1,10}", fullmatch=True))
numbers = st.one_of(
    st.integers(-10**9, 10**12),
    st.floats(min_value=-1e100, max_value=1e100, allow_nan=False).filter(lambda x: x == 0 or abs(x) >= 1e-100),
    st.sampled_from([0, 0.0, -0.0, -1, 1, 2, 1e-20, 1e20, 1e-4, 0.5, 16.7, 137.035999177, 116592033, 62]),
)
specials = st.sampled_from([math.nan, math.inf, -math.inf])
scalars = st.one_of(numbers, specials, st.none(), st.booleans(), st.sampled_from(MEANINGFUL_TEXT),
                    st.text(max_size=12))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(keys, scalars, max_size=3))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _parent(doc, path):
    node = doc
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated_doc(draw, doc):
    """Apply 1-3 structural mutations (replace a value, delete a key, add a key) to a parsed document."""
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
        if op == "add":
            dicts = [p for p in paths if isinstance(_parent(doc, p + ("x",)), dict)]
            if dicts:
                target = _parent(doc, draw(st.sampled_from(dicts)) + ("x",))
                target[draw(keys)] = draw(values)
            continue
        path = draw(st.sampled_from(paths[1:] or paths)) if draw(st.integers(0, 19)) else ()
        if not path:
            if op == "replace":
                doc = draw(values)
            continue
        parent = _parent(doc, path)
        if op == "replace":
            parent[path[-1]] = draw(values)
        else:
            del parent[path[-1]]
        if not isinstance(doc, (dict, list)):
            break
    return doc


@st.composite
def mutated_bytes(draw, raw: bytes, always: bool = False):
    """Text-level damage: truncation at a random point, or random bytes inserted."""
    op = draw(st.sampled_from(["truncate", "insert"] if always else ["none", "none", "truncate", "insert"]))
    if op == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if op == "insert":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    return raw


def _get(doc, path):
    node = doc
    for part in path:
        node = node[part]
    return node


@st.composite
def renumbered_doc(draw, doc):
    """Replace 1-2 numbers of a document by other numbers: plausible (rescaled, sign-flipped) or arbitrary."""
    leaves = [p for p in _paths(doc) if p and _is_number(_get(doc, p))]
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(leaves))
        old = _get(doc, path)
        rescaled = st.floats(min_value=-3, max_value=3).map(lambda e, old=old: old * 10.0**e)
        new = draw(weighted((3, rescaled), (1, st.sampled_from([-old, 0, old + 1])), (1, numbers)))
        _parent(doc, path)[path[-1]] = new
    return doc


@st.composite
def mutated_file(draw):
    """(file name, bytes) of one real data file or card, damaged in one of three ways."""
    source = draw(st.sampled_from(SOURCES))
    raw = source.read_bytes()
    doc = parse_yaml(raw)
    has_numbers = any(p and _is_number(_get(doc, p)) for p in _paths(doc))
    mode = draw(st.sampled_from(["numbers", "numbers", "numbers", "structure", "structure", "text"]))
    if mode == "numbers" and has_numbers:
        return source.name, dump(draw(renumbered_doc(doc)))
    if mode == "text" and len(raw) < 2000:
        return source.name, draw(mutated_bytes(raw, always=True))
    return source.name, dump(draw(mutated_doc(doc)))


@st.composite
def random_file(draw):
    """A new file in the overlay: random bytes, or a random document claiming a dpfit schema."""
    name = draw(st.sampled_from(["fuzz_extra.yaml", "fuzz_extra.yml", "sub/fuzz_nested.yaml"]))
    if draw(st.booleans()):
        return name, draw(st.binary(max_size=60))
    doc = {"schema": draw(st.sampled_from(["dpfit-data/1", "dpfit-card/1", "dpfit-analysis/1", "other"])),
           "kind": draw(st.sampled_from(["quantity", "difference", "exclusion", "region", "gm2_gaussian",
                                         "ae_sm_theory", "printed_values", "bogus"]))}
    doc.update(draw(st.dictionaries(keys, values, max_size=6)))
    return name, dump(doc)


overlays = st.tuples(
    st.lists(mutated_file(), min_size=1, max_size=2, unique_by=lambda f: f[0]).map(lambda f: f[:1] if len(f[0][1]) % 3 else f),
    st.lists(random_file(), max_size=1),
    st.integers(0, 4),
).map(lambda t: t[0] + (t[1] if t[2] == 0 else []))  # a random extra file in one overlay out of five


def write_overlay(directory: str, files) -> None:
    for name, raw in files:
        path = Path(directory) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)


# ============================================================================ fuzz: YAML at the loader and the API


@fuzz_settings(100)
@given(files=overlays)
def test_fuzz_mutated_files_at_the_loader(files):
    with tempfile.TemporaryDirectory() as tmp:
        write_overlay(tmp, files)
        inputs, error = oracle_load(tmp)
        if error is not None:
            return
        inputs.check()  # idempotent
        assert_inputs_finite(inputs)
        prov = inputs.provenance()
        assert all(len(f["sha256"]) == 64 for f in prov["files"])


@fuzz_settings(50)
@given(files=overlays, mass=st.sampled_from([1e-3, 5.0, 16.7, 17.0, 1e5]))
def test_fuzz_mutated_files_through_the_analysis(files, mass):
    with tempfile.TemporaryDirectory() as tmp:
        write_overlay(tmp, files)
        inputs, error = oracle_load(tmp)
        if error is not None and oracle_load(tmp, lazy=True)[1] is not None:
            with pytest.raises(InputError) as info:
                Analysis(inputs_dir=tmp).likelihood()
            assert_input_error(info.value)
            return
        # an analysis loads its overlay lazily: a broken file it does not use does not stop it
        analysis = Analysis(inputs_dir=tmp)
        try:
            with time_limit():
                joint = analysis.likelihood()
                assert_logl_clean(joint)
                assert_fit_clean(fit(joint, mass=mass))
        except InputError as exc:
            assert_input_error(exc)


CLI_ON_OVERLAY = [
    ["inputs", "check", "{dir}"],
    ["inputs", "diff", "{dir}"],
    ["inputs", "list", "--inputs", "{dir}"],
    ["inputs", "show", "delta_a_mu_wp25", "--inputs", "{dir}"],
    ["table", "--inputs", "{dir}", "--format", "csv"],
    ["table", "--inputs", "{dir}", "--format", "json"],
    ["epsilon", "--inputs", "{dir}", "--lepton", "mu", "--scenario", "WP25", "--mass", "17", "--format", "json"],
    ["epsilon", "--inputs", "{dir}", "--lepton", "e", "--scenario", "Rb20", "--mass", "17"],
    ["fit", "--inputs", "{dir}", "--mass", "17", "--format", "json"],
    ["fit", "--inputs", "{dir}", "--format", "json"],
    ["fit", "--inputs", "{dir}", "--couplings", "lepton", "--mass", "16.7"],
    ["scan", "--inputs", "{dir}", "--mass", "17", "--points", "40"],
    ["scan", "--inputs", "{dir}", "--grid", "--points", "12", "12"],
]


@fuzz_settings(60)
@given(files=overlays, template=st.sampled_from(CLI_ON_OVERLAY))
def test_fuzz_mutated_files_through_the_cli(files, template):
    with tempfile.TemporaryDirectory() as tmp:
        write_overlay(tmp, files)
        inputs, error = oracle_load(tmp)
        argv = [a.replace("{dir}", tmp) for a in template]
        code, out, err = run_cli(argv)
        if error is not None and (argv[0] not in LAZY_COMMANDS or oracle_load(tmp, lazy=True)[1] is not None):
            assert_cli_error(code, out, err, argv)
            if argv[0] not in LAZY_COMMANDS:
                assert str(error) in err  # the CLI prints the loader's own message
        assert_cli_outcome(argv, code, out, err, inputs)


# ============================================================================ generators: contour files

contour_masses_mev = st.floats(min_value=1e-6, max_value=1e6)
contour_masses_gev = st.floats(min_value=1e-9, max_value=1e3)
contour_couplings = st.floats(min_value=1e-12, max_value=1e2)
junk_cells = st.one_of(
    st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "0", "-0", "-1e-4", "1e-4x", "x", "1,2", "1e400",
                     "1e-400", "0x10", "#", "\"", "1 2", "١٧"]),
    st.floats(min_value=-1e30, max_value=1e30, allow_nan=False).map(repr),
    st.text(max_size=6).filter(lambda t: "\n" not in t and "\r" not in t),
)


def _row_text(cells, fmt: str) -> str:
    return ",".join(cells) if fmt == "csv" else " ".join(cells)


@st.composite
def contour_file(draw):
    """(format, coupling, text) of a CSV or .lmt contour: valid, damaged or random."""
    fmt = draw(st.sampled_from(["csv", "lmt"]))
    coupling = "eps" if fmt == "lmt" else draw(st.sampled_from(["eps", "g_ve"]))
    ncols = draw(st.sampled_from([2, 3]))
    style = draw(st.sampled_from(["valid", "valid", "valid", "damaged", "damaged", "random"]))
    n = draw(st.integers(2, 8))
    mass_strategy = contour_masses_mev if fmt == "csv" else contour_masses_gev
    masses = sorted(draw(st.lists(mass_strategy, min_size=n, max_size=n, unique=True)))
    rows = []
    for mass in masses:
        lower = draw(st.one_of(contour_couplings, st.floats(min_value=1e-6, max_value=1e-1)))
        upper = lower * draw(st.floats(min_value=1.001, max_value=1e3))
        rows.append([repr(mass), repr(lower), repr(upper)][:ncols])
    if style == "damaged":
        for _ in range(draw(st.integers(1, 3))):
            op = draw(st.sampled_from(["cell", "swap_rows", "swap_edges", "drop", "extra", "dup", "zero", "neg",
                                       "few"]))
            if not rows:
                break
            i = draw(st.integers(0, len(rows) - 1))
            if op == "cell":
                rows[i][draw(st.integers(0, len(rows[i]) - 1))] = draw(junk_cells)
            elif op == "swap_rows" and len(rows) > 1:
                j = draw(st.integers(0, len(rows) - 1))
                rows[i], rows[j] = rows[j], rows[i]
            elif op == "swap_edges" and len(rows[i]) == 3:
                rows[i][1], rows[i][2] = rows[i][2], rows[i][1]
            elif op == "drop":
                rows[i] = rows[i][:-1]
            elif op == "extra":
                rows[i] = rows[i] + [draw(junk_cells)]
            elif op == "dup":
                rows.insert(i, list(rows[i]))
            elif op == "zero":
                rows[i][draw(st.integers(0, len(rows[i]) - 1))] = "0"
            elif op == "few":  # no rows or a single row
                rows = rows[:draw(st.integers(0, 1))]
            elif op == "neg":
                k = draw(st.integers(0, len(rows[i]) - 1))
                rows[i][k] = "-" + rows[i][k]
    elif style == "random":
        rows = draw(st.lists(st.lists(junk_cells, min_size=1, max_size=5), min_size=1, max_size=6))
    lines = [_row_text(r, fmt) for r in rows]
    if draw(st.booleans()):  # comments and blank lines anywhere
        for _ in range(draw(st.integers(1, 3))):
            lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "# comment", "   ", "#"])))
    if fmt == "csv":
        prefix = "eps" if coupling == "eps" else "g"
        header = ["mass_MeV", f"{prefix}_lower", f"{prefix}_upper"][:ncols]
        header_text = draw(weighted((6, st.just(",".join(header))),
                                    (1, st.sampled_from(["mass_MeV,eps_lower,eps_upper", "mass_MeV,g_lower",
                                                         "mass,eps", "mass_MeV , eps_lower", ""])),
                                    (1, st.text(max_size=20).filter(lambda t: "\n" not in t and "\r" not in t))))
        lines.insert(0, header_text)
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))
    raw = text.encode("utf-8", "surrogatepass")
    raw = draw(mutated_bytes(raw)) if draw(st.integers(0, 4)) == 0 else raw
    return fmt, coupling, raw


@st.composite
def contour_overlay(draw):
    """Files of an overlay adding one contour limit: the contour, its data file and its card."""
    fmt, coupling, raw = draw(contour_file())
    data = {"schema": "dpfit-data/1", "kind": "exclusion", "experiment": "Fuzz", "cl": 0.9, "coupling": coupling,
            "contour": {"file": f"fuzz.{fmt}", "format": fmt}, "reference": "generated by tests/system/test_fuzz.py"}
    card = {"schema": "dpfit-card/1", "kind": "exclusion", "description": "fuzzed contour", "data": "fuzz_limit",
            "lepton": draw(st.sampled_from(["e", "mu"])), "visible_decay": draw(st.booleans()),
            "default": draw(st.booleans())}
    if draw(st.booleans()):
        lo = draw(st.floats(min_value=1e-3, max_value=1e3))
        card["mass_range"] = [lo, lo * draw(st.floats(min_value=0.5, max_value=1e3))]
    return [(f"fuzz.{fmt}", raw), ("fuzz_limit.yaml", dump(data)), ("fuzz_card.yaml", dump(card))]


def _probe_masses(inputs) -> np.ndarray:
    """The contour's own masses, their geometric midpoints, and masses outside it."""
    contour = inputs.contour("fuzz_limit")
    m = contour.mass
    mids = np.sqrt(m[:-1] * m[1:])
    return np.unique(np.concatenate([m, mids, [m[0] / 10, m[-1] * 10], PROBE_MASSES]))


@fuzz_settings(80)
@given(files=contour_overlay(), invisible_ratio=st.sampled_from([0.0, 0.5, 1e6]))
def test_fuzz_contour_files_through_the_analysis(files, invisible_ratio):
    with tempfile.TemporaryDirectory() as tmp:
        write_overlay(tmp, files)
        inputs, error = oracle_load(tmp)
        if error is not None:
            assert "fuzz" in error.source  # the error names the contour, its data file or its card
            return
        masses = _probe_masses(inputs)
        analysis = Analysis(inputs_dir=tmp, limits=("fuzz_card",), atomki=None, invisible_ratio=invisible_ratio)
        with time_limit():
            joint = analysis.likelihood()
            assert_logl_clean(joint, masses, np.concatenate([PROBE_EPS, inputs.contour("fuzz_limit").lower]))
            m = float(masses[len(masses) // 2])
            result = fit(joint, mass=m)
        assert_fit_clean(result)
        assert np.isfinite(joint.logl(m, result.best_fit["eps"]))  # the best fit is never inside the band


@fuzz_settings(40)
@given(files=contour_overlay(), command=st.sampled_from(["check", "fit", "scan"]))
def test_fuzz_contour_files_through_the_cli(files, command):
    with tempfile.TemporaryDirectory() as tmp:
        write_overlay(tmp, files)
        inputs, error = oracle_load(tmp)
        mass = 17.0
        if inputs is not None:
            masses = _probe_masses(inputs)
            mass = float(masses[len(masses) // 2])
        argv = {"check": ["inputs", "check", tmp],
                "fit": ["fit", "--inputs", tmp, "--limits", "fuzz_card", "--no-atomki", "--mass", repr(mass),
                        "--format", "json"],
                "scan": ["scan", "--inputs", tmp, "--limits", "fuzz_card", "--no-atomki", "--mass", repr(mass),
                         "--points", "30"]}[command]
        code, out, err = run_cli(argv)
        in_range = command == "check" or MASS_OPTION_RANGE[0] <= mass <= MASS_OPTION_RANGE[1]
        if error is not None or not in_range:
            assert_cli_error(code, out, err)
        else:
            assert code == 0, err
        assert_cli_outcome(argv, code, out, err, inputs)


# ============================================================================ generators: option values

SAFE_TEXT = st.text(max_size=10).filter(lambda t: not any(c in t for c in "\n\r\x00"))


def number_text(lo: float = 1e-100, hi: float = 1e100, typical: tuple[float, float] = (1.0, 100.0)):
    """Option text that is usually a number (mostly positive, magnitude mostly in ``typical``, always in
    lo..hi), sometimes junk."""
    magnitudes = weighted((2, st.floats(min_value=max(lo, typical[0]), max_value=min(hi, typical[1]))),
                          (1, st.floats(min_value=lo, max_value=hi)))
    signed = st.tuples(st.sampled_from([1.0] * 7 + [-1.0]), magnitudes).map(lambda t: t[0] * t[1])
    formatted = st.tuples(signed, st.sampled_from(["{!r}", "{:g}", "{:.3e}", "{:.0f}"])).map(lambda t: t[1].format(t[0]))
    junk = st.one_of(
        st.sampled_from(["0", "-0", "-1", "nan", "NaN", "inf", "-inf", "Infinity", "1e", "", " ", "1,5", "17 MeV",
                         "0x11", "1_7", "١٧", "--", "-h", "1e999", "1e-999"]),
        SAFE_TEXT,
    )
    return weighted((6, formatted), (1, junk))


def sometimes_junk(strategy):
    """``strategy`` five times out of six, random text otherwise."""
    return weighted((5, strategy), (1, SAFE_TEXT))


SCENARIOS = {"mu": ["WP20", "BMW21", "WP25", "wp25", "none", "WP99"], "e": ["Rb20", "Cs18", "rb20", "none", "X"]}
CARD_NAMES = ["na64", "padme", "na48", "atomki", "muon_wp25", "nope"]
REGION_CARDS = ["atomki", "atomki_12c", "atomki_4he", "atomki_8be_later", "na64", "nope"]
SET_KEYS = ["a_mu_sm_wp25.value", "a_mu_sm_wp25.uncertainty", "a_mu_exp_2025.value", "a_mu_exp_2025.uncertainty",
            "a_e_exp_2023.value", "alpha.value", "alpha.inverse", "alpha_rb20.value", "m_mu.value", "m_mu.unit",
            "m_e.value", "na64_2020.point.lower", "na64_2020.point.upper", "na64_2020.point.mass",
            "padme_2025.point.lower", "atomki_8be_2016.mass", "atomki_8be_2016.mass_uncertainty",
            "atomki_8be_2016.eps_lower", "atomki_8be_2016.eps_upper", "na64.mass_range", "na64.default",
            "padme.visible_decay", "atomki.mass_model", "muon_wp25.scenario", "muon_wp25.delta_a",
            "delta_a_mu_wp25.prediction", "a_e_sm_theory.terms.A5.uncertainty", "nofile.value",
            "a_mu_sm_wp25.nofield", "a_mu_sm_wp25", "=", ".value"]


def set_values():
    return st.one_of(number_text(), st.sampled_from(["true", "false", "[1, 2]", "[16, 18]", "{a: 1}", "~", "",
                                                     "[1", "gaussian", "box", "MeV", "GeV", "'1e-11'",
                                                     "a_mu_sm_wp20", "2020-01-01", ".nan", ".inf"]))


def plausible_range(lo: float, hi: float):
    """Two option words LO HI with lo <= LO < HI (a valid range, mostly)."""
    return st.tuples(st.floats(min_value=lo, max_value=hi), st.floats(min_value=1.001, max_value=1e4)).map(
        lambda t: [repr(t[0]), repr(t[0] * t[1])])


@st.composite
def option_overrides(draw):
    pairs = draw(st.lists(st.tuples(st.sampled_from(SET_KEYS), set_values()), max_size=2))
    return [f"{k}={v}" if not k.startswith("=") else k for k, v in pairs]


@st.composite
def analysis_options(draw):
    """Options shared by fit and scan, as a list of argv words."""
    argv = []
    if draw(st.booleans()):
        argv += ["--muon", draw(sometimes_junk(st.sampled_from(SCENARIOS["mu"])))]
    if draw(st.booleans()):
        argv += ["--electron", draw(sometimes_junk(st.sampled_from(SCENARIOS["e"])))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--limits", draw(sometimes_junk(st.sampled_from(["none", "na64", "padme", "na64,padme", "na48,na64",
                                                                  "na64,na64", "atomki", ","])))]
    choice = draw(st.integers(0, 4))
    if choice == 0:
        argv += ["--no-atomki"]
    elif choice == 1:
        argv += ["--atomki", draw(st.sampled_from(REGION_CARDS))]
    if draw(st.integers(0, 2)) == 0:
        argv += ["--invisible-ratio", draw(number_text(1e-100, 1e300, typical=(1e-3, 10.0)))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--couplings", draw(st.sampled_from(["universal", "lepton", "lepton", "both"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--eps-range", *draw(weighted((3, plausible_range(1e-8, 1e-3)),
                                               (1, st.lists(number_text(1e-300, 1e30, typical=(1e-6, 1e-2)), min_size=2, max_size=2))))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--mass-range", *draw(weighted((3, plausible_range(1.0, 20.0)),
                                                (1, st.lists(number_text(1e-100, 1e100), min_size=2, max_size=2))))]
    return argv


@st.composite
def cli_invocation(draw):
    command = draw(st.sampled_from(["table", "epsilon", "fit", "fit", "scan", "scan", "inputs"]))
    if command == "table":
        argv = ["table"]
        if draw(st.booleans()):
            masses = draw(st.lists(number_text(1e-100, 1e100), min_size=1, max_size=4))
            argv += ["--masses", ",".join(masses)]
        argv += ["--format", draw(st.sampled_from(["text", "csv", "csv", "json", "json", "xml"]))]
    elif command == "epsilon":
        lepton = draw(st.sampled_from(["mu", "mu", "e", "e", "tau"]))
        argv = ["epsilon", "--lepton", lepton,
                "--scenario", draw(sometimes_junk(st.sampled_from(SCENARIOS.get(lepton, ["WP25"])))),
                "--mass", draw(number_text()), "--format", draw(st.sampled_from(["text", "json"]))]
    elif command == "fit":
        argv = ["fit", *draw(analysis_options())]
        if draw(st.booleans()):
            argv += ["--mass", draw(number_text(typical=(15.0, 18.5)))]
        argv += ["--format", draw(st.sampled_from(["text", "json"]))]
    elif command == "scan":
        argv = ["scan", *draw(analysis_options())]
        if draw(st.booleans()):
            argv += ["--grid"]
            if draw(st.booleans()):
                argv += ["--points", draw(number_text(1e-3, 25.0, typical=(2.0, 25.0))), draw(number_text(1e-3, 25.0, typical=(2.0, 25.0)))]
            else:
                argv += ["--points", "10", "10"]
            if draw(st.integers(0, 3)) == 0:
                argv += ["--mass", draw(number_text(typical=(15.0, 18.5)))]
        else:
            if draw(st.integers(0, 4)):
                argv += ["--mass", draw(number_text(typical=(15.0, 18.5)))]
            if draw(st.booleans()):
                argv += ["--points", *draw(st.lists(number_text(1e-3, 300.0, typical=(2.0, 300.0)), min_size=1, max_size=2))]
            else:
                argv += ["--points", "30"]
        if draw(st.integers(0, 3)) == 0:
            argv += ["--coupling", draw(st.sampled_from(["eps", "eps_e", "eps_mu"]))]
    else:
        argv = ["inputs", draw(st.sampled_from(["check", "list", "show"]))]
        if argv[1] == "show":
            argv += [draw(st.sampled_from(["a_mu_sm_wp25", "na64", "delta_a_e_rb20", "nofile"]))]
    overrides = draw(option_overrides())
    for text in overrides:
        argv += ["--set", text]
    return argv, overrides


def _floats_after(argv, option, count=1):
    """The values of ``option`` in argv that parse as floats."""
    found = []
    for i, word in enumerate(argv):
        if word == option:
            for text in argv[i + 1:i + 1 + count]:
                for part in text.split(","):
                    try:
                        found.append(float(part))
                    except ValueError:
                        pass
    return found


# ============================================================================ fuzz: option values


@fuzz_settings(120)
@given(invocation=cli_invocation())
def test_fuzz_cli_option_values(invocation):
    argv, overrides = invocation
    inputs, _ = oracle_load(None, overrides)
    code, out, err = run_cli(argv)
    event(f"{argv[0]}: exit {code}")
    assert_cli_outcome(argv, code, out, err, inputs)


range_ends = st.floats(min_value=-1e100, max_value=1e100) | st.just(math.nan)


def api_ranges(lo: float, hi: float):
    valid = st.tuples(st.floats(min_value=lo, max_value=hi), st.floats(min_value=1.001, max_value=1e4)).map(
        lambda t: (t[0], t[0] * t[1]))
    return weighted((3, valid), (1, st.tuples(range_ends, range_ends)), (1, st.lists(range_ends, max_size=3).map(tuple)))


@fuzz_settings(60)
@given(muon=st.one_of(st.none(), sometimes_junk(st.sampled_from(SCENARIOS["mu"]))),
       electron=st.one_of(st.none(), sometimes_junk(st.sampled_from(SCENARIOS["e"]))),
       limits=st.one_of(st.none(), st.lists(sometimes_junk(st.sampled_from(CARD_NAMES)), max_size=3).map(tuple)),
       atomki=st.one_of(st.none(), sometimes_junk(st.sampled_from(REGION_CARDS))),
       invisible_ratio=st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e300),
                                 st.floats(min_value=-1e300, max_value=1e300), st.just(math.nan)),
       couplings=st.sampled_from(["universal", "universal", "lepton", "lepton", "Universal", ""]),
       eps_range=api_ranges(1e-8, 1e-3), mass_range=st.none() | api_ranges(1.0, 20.0), overrides=option_overrides(),
       mass=st.sampled_from([1e-3, 16.7, 17.0, 1e5]))
@example(muon=None, electron="Rb20", limits=None, atomki=None, invisible_ratio=1.1627078137927905e+147,
         couplings="universal", eps_range=(0.001, 0.002), mass_range=None, overrides=[], mass=16.7)  # overflowed
def test_fuzz_analysis_api_option_values(muon, electron, limits, atomki, invisible_ratio, couplings, eps_range,
                                         mass_range, overrides, mass):
    inputs, _ = oracle_load(None, overrides)
    kwargs = dict(muon=muon, electron=electron, limits=limits, atomki=atomki, invisible_ratio=invisible_ratio,
                  couplings=couplings, eps_range=eps_range, mass_range=mass_range, overrides=tuple(overrides))
    try:
        with time_limit():
            analysis = Analysis(**kwargs)
            joint = analysis.likelihood()
            assert_logl_clean(joint)
            try:
                assert_fit_clean(fit(joint, mass=mass))
            except InputError as exc:
                assert_input_error(exc)
            mass_range = analysis.resolved_mass_range()
            assert 0 < mass_range[0] < mass_range[1] < math.inf
            assert_fit_clean(fit(joint, mass_range=mass_range, eps_range=analysis.eps_range))
    except InputError as exc:
        assert_input_error(exc)


# ============================================================================ fuzz: analysis files

BASE_ANALYSIS = {"schema": "dpfit-analysis/1", "description": "the reference X17 analysis", "muon": "WP25",
                 "electron": "Rb20", "limits": ["na64", "padme"], "atomki": "atomki", "invisible_ratio": 0,
                 "couplings": "universal", "convention": "precise", "eps_range": [1.0e-5, 1.0e-2],
                 "mass_prior": "uniform", "eps_prior": "log-uniform"}
#: values of ``inputs:`` that stay inside the test's directory (an arbitrary path could make dpfit scan "/")
SAFE_INPUTS = (None, "nowhere", "overlay", ".")


@st.composite
def analysis_files(draw):
    """(document or None, bytes) of an analysis file: the reference analysis with options and --set changed."""
    doc = copy.deepcopy(BASE_ANALYSIS)
    if draw(st.booleans()):
        doc["set"] = {k: draw(weighted((2, numbers), (1, values)))
                      for k in draw(st.lists(st.sampled_from(SET_KEYS[:-3]), max_size=2))}
    if draw(st.integers(0, 3)) == 0:
        doc["inputs"] = draw(st.sampled_from(SAFE_INPUTS))
    if draw(st.integers(0, 3)) == 0:
        doc["mass_range"] = draw(st.sampled_from([[16.0, 17.5], [1.0, 100.0], [17.0, 16.0], [0, 1]]))
    doc = draw(weighted((2, renumbered_doc(doc)), (2, mutated_doc(doc)), (2, st.just(doc))))
    raw = draw(mutated_bytes(dump(doc)))
    return raw


@fuzz_settings(50)
@given(raw=analysis_files(), through_cli=st.booleans())
def test_fuzz_analysis_files(raw, through_cli):
    try:
        doc = parse_yaml(raw)
    except Exception:  # noqa: BLE001 - dpfit's own parse decides what happens
        doc = None
    if isinstance(doc, dict):
        assume(doc.get("inputs") in SAFE_INPUTS or not isinstance(doc.get("inputs"), str))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "overlay").mkdir()
        path = Path(tmp) / "analysis.yaml"
        path.write_bytes(raw)
        if through_cli:
            argv = ["fit", str(path), "--mass", "17", "--format", "json"]
            code, out, err = run_cli(argv)
            event(f"analysis file: exit {code}")
            assert_cli_outcome(argv, code, out, err)
            return
        try:
            with time_limit():
                joint = Analysis.from_file(path).likelihood()
                assert_logl_clean(joint)
            event("analysis file: likelihood")
        except InputError as exc:
            event("analysis file: InputError")
            assert_input_error(exc)


# ============================================================================ regression tests of the bugs found
# Each was found by the fuzzing above; the name says what broke.


def _overlay_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    source = DATA / name if (DATA / name).exists() else CARDS / name
    text = source.read_text()
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new))
    return tmp_path


@pytest.mark.parametrize("extra", ["1: 2\n", "~: 2\n", "1: 2\nzz: 3\n"])
def test_yaml_non_string_key_gives_input_error(tmp_path, extra):
    text = (DATA / "a_mu_sm_wp25.yaml").read_text() + extra
    (tmp_path / "a_mu_sm_wp25.yaml").write_text(text)
    with pytest.raises(InputError, match="a_mu_sm_wp25.yaml"):
        load_inputs(tmp_path)


@pytest.mark.parametrize("old, new", [("kind: quantity", "kind: []"), ("schema: dpfit-data/1", "schema: {a: 1}")])
def test_unhashable_schema_or_kind_gives_input_error(tmp_path, old, new):
    _overlay_with(tmp_path, "a_e_exp_2023.yaml", old, new)
    with pytest.raises(InputError, match="a_e_exp_2023.yaml"):
        load_inputs(tmp_path)


@pytest.mark.parametrize("mapping", ["{1: 2}", "{~: 2}"])
def test_analysis_set_with_non_string_key_gives_input_error(tmp_path, mapping):
    path = tmp_path / "analysis.yaml"
    path.write_text(f"schema: dpfit-analysis/1\nset: {mapping}\n")
    with pytest.raises(InputError):
        Analysis.from_file(path).likelihood()


def test_deeply_nested_yaml_gives_input_error(tmp_path):
    _overlay_with(tmp_path, "a_mu_sm_wp25.yaml", "value: 116592033", "value: " + "[" * 3000 + "]" * 3000)
    with pytest.raises(InputError, match="a_mu_sm_wp25.yaml"):
        load_inputs(tmp_path)


@pytest.mark.parametrize("override", ["a_mu_sm_wp25.value=1" + "0" * 400, "alpha_rb20.value=1e-300",
                                      "alpha.value=1e-300",
                                      "a_e_sm_theory.terms.A5.uncertainty=1e200"])
def test_extreme_numbers_give_input_error(override):
    with pytest.raises(InputError):
        load_inputs(overrides=[override])


@pytest.mark.parametrize("overrides", [["alpha.value=-137"], ["alpha.inverse=false", "alpha.value=0"]])
def test_nonpositive_alpha_gives_input_error(overrides):
    with pytest.raises(InputError, match="alpha"):
        load_inputs(overrides=overrides)


@pytest.mark.parametrize("value", ["-105", "0"])
def test_nonpositive_lepton_mass_is_a_one_line_error(value):
    code, out, err = run_cli(["table", "--set", f"m_mu.value={value}"])
    assert_cli_error(code, out, err)


def test_region_mass_below_its_width_gives_a_result_or_one_line_error():
    code, out, err = run_cli(["fit", "--set", "atomki_8be_2016.mass=0.5", "--format", "json"])
    assert_cli_outcome(["fit", "--format", "json"], code, out, err)


@pytest.mark.parametrize("points", [["10"], ["10", "10", "10"]])
def test_scan_grid_with_wrong_number_of_points_is_a_one_line_error(points):
    code, out, err = run_cli(["scan", "--grid", "--points", *points])
    assert_cli_error(code, out, err)


def test_scan_with_absurd_number_of_points_is_a_one_line_error():
    code, out, err = run_cli(["scan", "--mass", "17", "--points", "1e300"])
    assert_cli_error(code, out, err)


ZERO_DELTA = "a_mu_sm_wp25.value=116592071.5"  # equal to a_mu_exp_2025: Δa_μ(WP25) = 0 exactly


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_epsilon_at_zero_delta_a_has_no_nan(fmt):
    # regression: σ_ε = (ε/2)(σ/Δa) was 0/0 -> 'eps = 0 +- nan' and a RuntimeWarning; now +inf (documented)
    argv = ["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "17", "--format", fmt, "--set", ZERO_DELTA]
    code, out, err = run_cli(argv)
    assert code == 0
    assert_cli_outcome(argv, code, out, err, load_inputs(overrides=[ZERO_DELTA]))
    if fmt == "text":
        assert "eps = 0.0000e+00 +- inf" in out


def test_table_json_at_zero_delta_a_has_null_only_for_the_infinite_sigma():
    argv = ["table", "--format", "json", "--set", ZERO_DELTA]
    code, out, err = run_cli(argv)
    assert_cli_outcome(argv, code, out, err, load_inputs(overrides=[ZERO_DELTA]))
    doc = parse_json(out)
    column = doc["columns"].index("sigma_WP25")
    assert all(row[column] is None for row in doc["rows"])
    assert all(row[column - 1] == 0.0 for row in doc["rows"])  # eps_WP25 = 0


def test_table_csv_at_zero_delta_a_writes_inf_not_nan():
    argv = ["table", "--format", "csv", "--set", ZERO_DELTA]
    code, out, err = run_cli(argv)
    assert_cli_outcome(argv, code, out, err, load_inputs(overrides=[ZERO_DELTA]))


@pytest.mark.parametrize("argv", [["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "1e-200"],
                                  ["epsilon", "--lepton", "e", "--scenario", "Rb20", "--mass", "1e-300"],
                                  ["table", "--masses", "1e-200,17", "--format", "csv"]])
def test_tiny_masses_give_no_nan(argv):
    # regression: r = m/m_lepton < 1e-154 made the loop functions NaN ('eps = nan +- nan');
    # the CLI now refuses masses below its stated range, the library still gives finite numbers
    code, out, err = run_cli(argv)
    assert_cli_outcome(argv, code, out, err, load_inputs())
    assert code == 2 and "expected a number from 0.001 to 100000 MeV" in err
    from dpfit.inference.tables import coupling_estimate

    for lepton, scenario in (("mu", "WP25"), ("e", "Rb20")):
        est = coupling_estimate(load_inputs(), lepton, scenario, [1e-200, 1e-300, 17.0])
        assert np.all(np.isfinite(est.eps)) and np.all(np.isfinite(est.sigma_linear))


@pytest.mark.parametrize("mass", ["1e200", "1e-310"])
def test_extreme_masses_give_clean_output(mass):
    argv = ["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", mass]
    code, out, err = run_cli(argv)
    assert_cli_outcome(argv, code, out, err, load_inputs())


def test_fit_with_huge_eps_range_is_clean():
    argv = ["fit", "--eps-range", "1e-5", "1e80", "--format", "json"]
    code, out, err = run_cli(argv)
    assert_cli_outcome(argv, code, out, err)


@pytest.mark.parametrize("changes", [{"eps_range": (1e-5, math.inf)}, {"mass_range": (1.0, math.inf), "atomki": None}])
def test_analysis_rejects_infinite_ranges(changes):
    with pytest.raises(InputError):
        Analysis(**changes)


@pytest.mark.parametrize("fmt, coupling, text", [
    ("lmt", "eps", "1e306 1e-4\n1e307 2e-4\n"),
    ("csv", "g_ve", "mass_MeV,g_lower\n10,1e308\n20,1e308\n"),
])
def test_contour_unit_conversion_overflow_gives_input_error(tmp_path, fmt, coupling, text):
    data = {"schema": "dpfit-data/1", "kind": "exclusion", "experiment": "Fuzz", "cl": 0.9, "coupling": coupling,
            "contour": {"file": f"fuzz.{fmt}", "format": fmt}, "reference": "test"}
    write_overlay(str(tmp_path), [(f"fuzz.{fmt}", text.encode()), ("fuzz_limit.yaml", dump(data))])
    with pytest.raises(InputError, match="fuzz"):
        load_inputs(tmp_path)


@pytest.mark.parametrize("argv", [
    ["epsilon", "--lepton", "mu", "--scenario", "W\nP", "--mass", "17"],
    ["epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "1\n7"],
    ["table", "--set", "a_mu_sm_wp25.value=[1\n"],
])
def test_option_value_with_newline_gives_one_line_error(argv):
    code, out, err = run_cli(argv)
    assert_cli_error(code, out, err)


def test_yaml_key_with_newline_gives_one_line_error(tmp_path):
    text = (DATA / "a_mu_sm_wp25.yaml").read_text() + '"a\\nb": 1\n'
    (tmp_path / "a_mu_sm_wp25.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        load_inputs(tmp_path)
    assert_input_error(info.value)
