"""Fuzz the CLI with random option values and hostile input files (in-process, ``dpfit.cli.main``).

The only outcomes allowed: a result (exit 0), or exit 2 (bad input) or 3
(environment) with exactly one line ``dpfit: error: ...`` on stderr, nothing on
stdout and no output file written. Never a traceback, a hang (each call runs
under the alarm of :func:`test_fuzz.run_cli`) or a file read from outside the
overlay.

Generators: the sampling options of ``sample`` and ``window`` (--walkers, --steps,
--seed, --mass; valid values kept small so that a run takes a second), and
overlay directories holding hostile files: anchors/aliases, duplicate keys,
YAML 1.1 numbers, contour ``file:`` fields leading out (``..``, absolute paths,
symlinks), FIFOs and directories with input names.

``DPFIT_FUZZ_SCALE=10 pytest tests/system/test_fuzz_cli.py`` runs ten times more examples.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from dpfit.cli import main

from tests.system.test_fuzz import DATA, assert_cli_outcome, fuzz_settings, number_text, run_cli, weighted

#: A line no error message may contain: the first line of the file outside the overlay.
OUTSIDE_SECRET = "OUTSIDE-SECRET-LINE"


def assert_outcome(argv, code, out, err) -> None:
    """Exit 0 with the command's output checks, or exit 2/3 with one stderr line and an empty stdout."""
    assert OUTSIDE_SECRET not in out + err, "a file outside the overlay was echoed"
    if code == 3:
        assert out == "" and err.startswith("dpfit: error: ") and err.count("\n") == 1, (argv, err)
        return
    assert code in (0, 2), (argv, code, err)
    assert_cli_outcome(argv, code, out, err)


def integer_text(lo: int, hi: int, small_hi: int):
    """Option text: a valid integer (kept below small_hi so that runs are short), or anything else."""
    valid = st.integers(lo, min(hi, small_hi)).map(str)
    outside = st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1, max_value=2**70)).map(str)
    return weighted((3, valid), (2, outside), (2, number_text(1e-3, 1e15, typical=(1.0, 100.0))))


@st.composite
def sampling_invocation(draw):
    command = draw(st.sampled_from(["sample", "window"]))
    argv = [command, "--no-progress", "--muon", "WP25"]
    if draw(st.booleans()):
        argv += ["--walkers", draw(weighted((3, st.sampled_from(["8", "10"])), (4, integer_text(8, 1024, 10))))]
    else:
        argv += ["--walkers", "8"]
    if draw(st.integers(0, 4)):
        argv += ["--steps", draw(weighted((3, st.sampled_from(["10", "12"])), (4, integer_text(10, 10**6, 12))))]
    else:
        argv += ["--steps", "10"]
    if draw(st.booleans()):
        argv += ["--seed", draw(integer_text(0, 2**32 - 1, 2**32 - 1))]
    if command == "window" and draw(st.booleans()):
        argv += ["--mass", draw(number_text(1e-300, 1e300, typical=(16.0, 17.5)))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--couplings", "lepton"]
    return argv


@pytest.fixture(scope="module")
def compiled_kernels(tmp_path_factory):
    """One short valid run outside the hang alarm: loads (or compiles, on a cold cache) the numba kernels."""
    out = tmp_path_factory.mktemp("warm") / "c.h5"
    assert main(["sample", "--no-progress", "--walkers", "8", "--steps", "10", "--out", str(out)]) == 0


@fuzz_settings(12)
@given(argv=sampling_invocation())
def test_fuzz_sampling_options(compiled_kernels, argv):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chain.h5"
        full = argv + (["--out", str(out)] if argv[0] == "sample" else [])
        code, stdout, err = run_cli(full)
        event(f"{argv[0]}: exit {code}")
        assert code in (0, 2, 3), (full, code, err)
        if code:
            assert stdout == "" and err.startswith("dpfit: error: ") and err.count("\n") == 1, (full, err)
            assert not out.exists() and os.listdir(tmp) == [], "a file was written before the check"


NA64 = (DATA / "na64_2020.yaml").read_text()
HOSTILE_YAML = [
    "a: &a [1, 2]\nb: *a\n",
    "a: &a [*a]\n",
    NA64 + "cl: 0.95\n",
    NA64.replace("cl: 0.9", "cl: 0777"),
    NA64.replace("cl: 0.9", "cl: 1:30"),
    NA64.replace("cl: 0.9", "cl: 0x1F"),
    NA64.replace("cl: 0.9", "cl: 1_000"),
    NA64.replace("cl: 0.9", "cl: yes"),
    NA64,
]
CONTOUR_NAMES = ["c.csv", "link_in.csv", "link_out.csv", "../outside.csv", "/etc/passwd", "sub/../../outside.csv",
                 "pipe.csv", "missing.csv", "dir.csv", "~/x.csv", ""]
CSV = "mass_MeV,eps_lower,eps_upper\n10,1e-4,1e-3\n20,1e-4,1e-3\n"


def write_overlay(root: Path, yaml_texts, contour_name: str, fifo_yaml: bool) -> Path:
    (root / "outside.csv").write_text(f"{OUTSIDE_SECRET}\n1,2\n")
    d = root / "ov"
    d.mkdir()
    (d / "c.csv").write_text(CSV)
    (d / "link_in.csv").symlink_to(d / "c.csv")
    (d / "link_out.csv").symlink_to(root / "outside.csv")
    os.mkfifo(d / "pipe.csv")
    (d / "dir.csv").mkdir()
    for i, text in enumerate(yaml_texts):
        (d / f"f{i}.yaml").write_text(text)
    (d / "cont.yaml").write_text("schema: dpfit-data/1\nkind: exclusion\nexperiment: T\ncl: 0.9\ncoupling: eps\n"
                                 f"contour: {{file: '{contour_name}', format: csv}}\nreference: t\n")
    (d / "na64.yaml").write_text("schema: dpfit-card/1\nkind: exclusion\ndescription: t\ndata: cont\nlepton: e\n"
                                 "visible_decay: true\ndefault: true\n")
    if fifo_yaml:
        os.mkfifo(d / "pipe.yaml")
    return d


@fuzz_settings(25)
@given(yaml_texts=st.lists(st.sampled_from(HOSTILE_YAML), max_size=2), contour=st.sampled_from(CONTOUR_NAMES),
       fifo_yaml=st.integers(0, 5).map(lambda n: n == 0),
       command=st.sampled_from([["inputs", "check"], ["fit", "--mass", "17", "--format", "json", "--inputs"]]))
def test_fuzz_hostile_overlays(yaml_texts, contour, fifo_yaml, command):
    with tempfile.TemporaryDirectory() as tmp:
        d = write_overlay(Path(tmp), yaml_texts, contour, fifo_yaml)
        argv = command + [str(d)]
        code, out, err = run_cli(argv)
        event(f"{command[0]}: exit {code}")
        assert_outcome(argv, code, out, err)
        if contour not in ("c.csv", "link_in.csv") or fifo_yaml or any(t != NA64 for t in yaml_texts):
            assert code == 2, (argv, contour, yaml_texts, out)
