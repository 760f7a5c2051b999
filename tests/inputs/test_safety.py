"""dpfit.inputs.safety: overlay confinement, special files, size caps and short excerpts; and, until they move to
the CLI and model areas, option ranges and API arguments.

Every refusal is one line (``dpfit: error: ...``, exit 2; InputError from the API)
naming the file or option and the field; nothing is written before the check.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from dpfit.cli import limits
from dpfit.errors import InputError
from dpfit.inputs import contours, yaml_io
from dpfit.inputs.load import default_dir, load_inputs
from dpfit.inputs.safety import excerpt, resolved
from tests.inputs.input_helpers import one_line_error


def contour_overlay(directory: Path, file_field: str, contour_text: str | None = None) -> Path:
    """An overlay whose NA64 card uses a CSV contour named ``file_field`` (written when contour_text is given)."""
    directory.mkdir(parents=True, exist_ok=True)
    if contour_text is not None:
        (directory / "c.csv").write_text(contour_text)
    (directory / "cont.yaml").write_text(f"""schema: dpfit-data/1
kind: exclusion
experiment: Test
cl: 0.9
coupling: eps
contour: {{file: "{file_field}", format: csv}}
reference: test
""")
    (directory / "na64.yaml").write_text("""schema: dpfit-card/1
kind: exclusion
description: test contour
data: cont
lepton: e
visible_decay: true
default: true
""")
    return directory


CSV = "mass_MeV,eps_lower,eps_upper\n10,1e-4,1e-3\n20,1e-4,1e-3\n"


# ============================================================================ size caps


def test_yaml_size_cap(tmp_path, cli):
    d = tmp_path / "ov"
    d.mkdir()
    with open(d / "big.yaml", "wb") as f:
        f.truncate(yaml_io.MAX_YAML_BYTES + 1)  # sparse: nothing is written to disk
    err = one_line_error(cli, "inputs", "check", d)
    assert "big.yaml" in err and f"at most {yaml_io.MAX_YAML_BYTES} bytes" in err


# ============================================================================ overlays


@pytest.mark.parametrize("name", ["../../../../../../etc/passwd", "/etc/passwd", "../outside.csv",
                                  "~/x.csv", "sub/../../outside.csv"])
def test_contour_outside_the_overlay_is_refused(cli, tmp_path, name):
    (tmp_path / "outside.csv").write_text(CSV)
    d = contour_overlay(tmp_path / "ov", name, CSV)
    err = one_line_error(cli, "inputs", "check", d)
    assert "cont.yaml: field 'contour.file'" in err and ("outside the overlay" in err or "absolute" in err)
    assert "root:" not in err


def test_symlink_out_of_the_overlay_is_refused(cli, tmp_path):
    (tmp_path / "outside.csv").write_text(CSV)
    d = contour_overlay(tmp_path / "ov", "link.csv")
    (d / "link.csv").symlink_to(tmp_path / "outside.csv")
    assert "outside the overlay" in one_line_error(cli, "inputs", "check", d)
    # a YAML file linked from elsewhere too
    e = tmp_path / "ov2"
    e.mkdir()
    (e / "na64_2020.yaml").symlink_to(default_dir("data") / "na64_2020.yaml")
    assert "symlink leading outside" in one_line_error(cli, "inputs", "check", e)


def test_symlink_loop_is_one_line(cli, tmp_path):
    d = contour_overlay(tmp_path / "ov", "loop.csv")
    (d / "loop.csv").symlink_to(d / "loop.csv")
    assert "outside the overlay" in one_line_error(cli, "inputs", "check", d)
    (d / "loop.yaml").symlink_to(d / "loop.yaml")
    one_line_error(cli, "inputs", "check", d)


def test_contour_inside_the_overlay_and_a_symlink_within_it_are_read(cli, tmp_path):
    d = contour_overlay(tmp_path / "ov", "c.csv", CSV)
    assert cli("inputs", "check", d)[0] == 0
    (d / "link.csv").symlink_to(d / "c.csv")
    (d / "cont.yaml").write_text((d / "cont.yaml").read_text().replace('"c.csv"', '"link.csv"'))
    assert cli("inputs", "check", d)[0] == 0


def test_fifo_in_the_overlay_is_refused_not_read(cli, tmp_path):
    d = contour_overlay(tmp_path / "ov", "pipe.csv")
    os.mkfifo(d / "pipe.csv")
    start = time.perf_counter()
    assert "a FIFO, not a regular file" in one_line_error(cli, "inputs", "check", d)
    os.mkfifo(d / "pipe.yaml")
    code, out, err = cli("inputs", "check", d)  # both files reported, one line each
    lines = err.splitlines()
    assert code == 2 and out == "" and len(lines) == 2 and all(x.startswith("dpfit: error: ") for x in lines)
    assert "pipe.csv: a FIFO" in err and "pipe.yaml: a FIFO" in err
    assert time.perf_counter() - start < 10  # never blocks on the FIFO


def test_a_directory_named_yaml_and_a_device_are_refused(cli, tmp_path):
    d = tmp_path / "ov"
    (d / "dir.yaml").mkdir(parents=True)
    assert "a directory" in one_line_error(cli, "inputs", "check", d)
    assert "character device" in one_line_error(cli, "fit", "/dev/null", "--mass", "17")


def test_contour_size_cap(cli, tmp_path, monkeypatch):
    d = contour_overlay(tmp_path / "ov", "c.csv", CSV)
    with open(d / "c.csv", "ab") as f:
        f.truncate(contours.MAX_CONTOUR_BYTES + 1)
    assert f"at most {contours.MAX_CONTOUR_BYTES} bytes" in one_line_error(cli, "inputs", "check", d)


def test_error_quotes_only_a_short_excerpt_of_a_cell(cli, tmp_path):
    secret = "SECRET_" + "x" * 200
    d = contour_overlay(tmp_path / "ov", "c.csv", f"mass_MeV,eps_lower\n{secret},1e-4\n10,1e-4\n")
    err = one_line_error(cli, "inputs", "check", d)
    assert "x" * 50 not in err and "SECRET_" in err
    d2 = contour_overlay(tmp_path / "ov2", "c.csv", f"{secret},\x1b[31m\n10,1e-4\n")
    err = one_line_error(cli, "inputs", "check", d2)
    assert "x" * 50 not in err and "\x1b" not in err


def test_excerpt_is_short_and_printable():
    assert excerpt("a\x00b\x1bc\n" + "y" * 100) == "a\\x00b\\x1bc\\n" + "y" * 34 + "..."
    assert excerpt("ok") == "ok"


def test_inputs_check_of_the_root_directory_does_not_walk(cli):
    start = time.perf_counter()
    code, out, err = cli("inputs", "check", "/")
    assert time.perf_counter() - start < 10
    assert code == 0 or (code == 2 and err.count("\n") == 1), (code, err)


def test_analysis_file_with_inputs_far_up(cli, tmp_path):
    (tmp_path / "an.yaml").write_text("schema: dpfit-analysis/1\ninputs: ../../../../../../../..\n")
    code, out, err = cli("fit", tmp_path / "an.yaml", "--mass", "17", "--format", "json")
    assert code == 0 or (code == 2 and err.count("\n") == 1), (code, err)


def test_overlay_is_read_one_level_deep(tmp_path):
    d = tmp_path / "ov"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "broken.yaml").write_text("this: [is not valid")
    assert load_inputs(d).files()  # the subdirectory is not an input


def test_explicit_path_reader_is_not_confined(tmp_path):
    """A file the user names themselves (the readers of dpfit.inputs.contours) is read wherever it is."""
    (tmp_path / "elsewhere.csv").write_text(CSV)
    assert contours.read_csv(tmp_path / "elsewhere.csv").mass.tolist() == [10.0, 20.0]


# ============================================================================ option ranges

SAMPLE = ("sample", "--no-progress", "--out")
BAD_OPTIONS = [
    ("--walkers", ["1", "2", "3", "1.5", "7", "1e9", "1026", "x"]),
    ("--steps", ["0.5", "1", "2", "9", "1e12", "1000001", "-5"]),
    ("--seed", ["-1", str(2**64), str(2**32), "1.0", "2**64"]),
]


@pytest.mark.parametrize("option, value", [(o, v) for o, values in BAD_OPTIONS for v in values])
def test_sample_option_out_of_range_writes_nothing(cli, tmp_path, option, value):
    out = tmp_path / "c.h5"
    err = one_line_error(cli, *SAMPLE, out, option, value)
    assert f"argument {option}" in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_sample_walkers_times_steps_cap(cli, tmp_path):
    out = tmp_path / "c.h5"
    err = one_line_error(cli, *SAMPLE, out, "--walkers", "1024", "--steps", "1000000")
    assert "walkers x steps" in err and not out.exists()


@pytest.mark.parametrize("argv", [
    ("window", "--steps", "1"), ("window", "--mass", "1e300"), ("window", "--mass", "0"), ("window", "--mass", "nan"),
    ("fit", "--mass", "1e6"), ("fit", "--mass", "-1"), ("fit", "--eps-range", "1e-13", "1e-2"),
    ("fit", "--eps-range", "1e-5", "2"), ("fit", "--mass-range", "1e-4", "10"), ("fit", "--invisible-ratio", "1e7"),
    ("fit", "--invisible-ratio", "-1"), ("table", "--masses", "5,1e301"), ("table", "--masses", ",".join(["5"] * 1001)),
    ("epsilon", "--lepton", "mu", "--scenario", "WP25", "--mass", "inf"),
    ("scan", "--grid", "--points", "5000", "5000"), ("scan", "--grid", "--points", "2001", "10"),
    ("scan", "--mass", "17", "--points", "1"), ("scan", "--mass", "17", "--points", "10001"),
    ("scan", "--mass", "17", "--points", "2.5"),
])
def test_option_out_of_range(cli, argv):
    start = time.perf_counter()
    one_line_error(cli, *argv)
    assert time.perf_counter() - start < 20


def test_help_states_every_range(cli):
    for command, texts in {"sample": ["(8 to 1024)", "(10 to 1000000)", "(0 to 4294967295)", "(0.001 to 100000 MeV)",
                                      "(1e-12 to 1)", "(0 to 1e+06)"],
                           "window": ["(8 to 1024)", "(0.001 to 100000 MeV)"],
                           "scan": ["(2 to 10000)", "(2 to 2000)"], "table": ["at most 1000"]}.items():
        code, out, _ = cli(command, "--help")
        flat = " ".join(out.split())
        assert code == 0 and all(t in flat for t in texts), (command, [t for t in texts if t not in flat])


def test_every_format_option_has_help(cli):
    """--format on every command says what each format holds (fit, corner and window had no help text)."""
    from dpfit.cli import build_parser

    def formats(parser, path):
        for action in parser._actions:
            if "--format" in action.option_strings:
                yield path, action
            for name, child in getattr(action, "choices", None).items() if hasattr(action, "add_parser") else ():
                yield from formats(child, path + [name])

    found = list(formats(build_parser(), []))
    assert {"fit", "corner", "window", "interval", "compare", "sample", "table"} <= {p[0] for p, _ in found}
    for path, action in found:
        assert action.help and len(action.help) > 15, path


@pytest.mark.parametrize("option, lo, hi", [("--walkers", *limits.WALKERS), ("--steps", *limits.STEPS),
                                            ("--seed", *limits.SEED)])
def test_integer_option_bounds_are_inclusive(option, lo, hi):
    parse = {"--walkers": limits.walkers, "--steps": limits.steps, "--seed": limits.seed}[option]
    assert parse(str(lo)) == lo and parse(str(hi)) == hi


# ============================================================================ API arguments


def api_error(call, field):
    with pytest.raises(InputError) as exc:
        call()
    assert isinstance(exc.value, ValueError) and "\n" not in str(exc.value)
    assert f"field '{field}'" in str(exc.value), str(exc.value)
    return str(exc.value)


def test_analysis_bad_arguments():
    from dpfit.model.analysis import Analysis

    api_error(lambda: Analysis(muon=123), "muon")
    assert "a list of card names" in api_error(lambda: Analysis(limits="na64"), "limits")
    api_error(lambda: Analysis(limits=[1]), "limits")
    api_error(lambda: Analysis(eps_range=None), "eps_range")
    api_error(lambda: Analysis(eps_range=(1e-2, 1e-5)), "eps_range")
    api_error(lambda: Analysis(mass_range="ab"), "mass_range")
    api_error(lambda: Analysis(invisible_ratio=math.nan), "invisible_ratio")
    api_error(lambda: Analysis(invisible_ratio="1"), "invisible_ratio")
    api_error(lambda: Analysis(invisible_ratio=1.2e147), "invisible_ratio")  # its (g-2) chi2 overflowed in fits
    api_error(lambda: Analysis(inputs_dir=123), "inputs_dir")
    api_error(lambda: Analysis(couplings=None), "couplings")


def test_fit_and_logl_bad_arguments():
    from dpfit.inference.profile.fit import fit
    from dpfit.model.analysis import Analysis

    joint = Analysis().likelihood()
    api_error(lambda: fit(joint, mass=16.7, eps_range=(1e-2, 1e-5)), "eps_range")
    api_error(lambda: fit(joint, mass=math.nan), "mass")
    api_error(lambda: fit(joint, mass_range=(17, 16)), "mass_range")
    api_error(lambda: joint.logl(math.nan, 1e-3), "m")
    api_error(lambda: joint.logl(16.7, math.nan), "eps")
    api_error(lambda: joint.logl("x", 1e-3), "m")
    assert joint(math.nan, 1e-3) == math.inf  # the iminuit cost never raises


def test_sample_and_reproduce_bad_arguments(tmp_path):
    from dpfit.inference.bayes.sampling import sample
    from dpfit.model.analysis import Analysis
    from dpfit.reference.reproduce import reproduce

    out = tmp_path / "c.h5"
    for kwargs, field in [({"nwalkers": 3}, "nwalkers"), ({"nwalkers": 2}, "nwalkers"), ({"nwalkers": 9.0}, "nwalkers"),
                          ({"nsteps": 0.5}, "nsteps"), ({"nsteps": 2}, "nsteps"), ({"seed": -1}, "seed"),
                          ({"seed": 2**64}, "seed")]:
        api_error(lambda: sample(Analysis(), out, progress=False, **kwargs), field)
    api_error(lambda: sample(Analysis(), 123, progress=False), "out")
    assert not list(tmp_path.iterdir())
    api_error(lambda: reproduce(out=123), "out")


def test_a_loop_of_symbolic_links_is_the_inputs_error_not_a_traceback(tmp_path, cli):
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    with pytest.raises(InputError, match="is a loop of symbolic links") as info:
        resolved(tmp_path / "a.csv", "limit_files", None)
    assert info.value.source == "limit_files"
    assert resolved(tmp_path, "x", None) == tmp_path.resolve()
    for option in ("--limit-file", "--inputs"):
        code, out, err = cli("fit", "--mass", "16.7", option, str(tmp_path / "a.csv"))
        assert (code, out) == (2, "") and err.count("\n") == 1
        assert err.startswith(f"dpfit: error: option {option}: ") and "a loop of symbolic links" in err

