"""dpfit.cli.limits: every numeric option has an upper bound, stated in --help, checked before any work: one line,
exit 2; the argparse types that enforce the bounds."""

import argparse
import re

import pytest

from dpfit import arguments
import dpfit.cli.limits as limits
from dpfit.errors import InputError
from dpfit.inference.frequentist.coverage import coverage
from dpfit.inference.levels import parse_level
from dpfit.inference.bayes.nested import run_nested
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.model.analysis import Analysis

LONG = "a" * 300
TOY = ("--mass", "17", "--method", "fc", "--no-progress")
MUONS = ",".join(f"M{i}" for i in range(120))
ELECTRONS = ",".join(f"E{i}" for i in range(90))

CASES = [
    (("interval", *TOY, "--toys", "1e12"), "argument --toys: expected an integer from 100 to 1000000000"),
    (("interval", *TOY, "--toys", "1e300"), "argument --toys: expected an integer from 100 to 1000000000"),
    (("coverage", *TOY, "--toys", "2500.5", "--eps-grid", "1e-4", "1e-3", "3", "--out", "c"), "argument --toys"),
    (("interval", *TOY, "--seed", "-1"), "argument --seed: expected an integer from 0 to 4294967295, got -1"),
    (("coverage", *TOY, "--seed", "-1", "--eps-grid", "1e-4", "1e-3", "3", "--out", "c"), "argument --seed"),
    (("compare", "--sampler", "dynesty", "--seed", "-1"), "argument --seed: expected an integer from 0"),
    (("sample", "--sampler", "dynesty", "--nlive", "1e9", "--out", "n.h5"), "argument --nlive: expected an integer "
                                                                             "from 20 to 10000"),
    (("compare", "--sampler", "dynesty", "--nlive", "1e9"), "argument --nlive"),
    (("interval", *TOY, "--jobs", "100000"), "argument --jobs: expected an integer from 1 to 256"),
    (("export", "hepdata", "--grid-points", "2000", "2000", "--out", "h.tar.gz"),
     "argument --grid-points: expected an integer from 2 to 300"),
    (("export", "window", "--points", "1e9", "--out", "w.lmt"), "argument --points: expected an integer from 2 to"),
    (("export", "band", "--lepton", "mu", "--scenario", "WP25", "--mass-range", "1e-300", "1e300", "--out", "b.lmt"),
     "argument --mass-range: expected a number from 0.001 to 100000 MeV"),
    (("compare", "--muon", MUONS, "--electron", ELECTRONS), "make 10800 analyses; at most 50"),
    (("compare", "--muon", "WP20,BMW21,WP20"), "option --muon: names WP20 more than once"),
    (("coverage", *TOY, "--eps-grid", "1e-4", "1e300", "5", "--out", "c"), "option --eps-grid: expected 1e-12 <= LO"),
    (("interval", *TOY, "--out", LONG), "argument --out: expected a path of at most 3800 bytes, each name at most 200"),
    (("table", "--masses", "17", "--out", f"d/{LONG}/x"), "argument --out: expected a path of at most"),
    (("table", "--masses", "17", "--out", ""), "argument --out: expected a path (text), got ''"),
    (("interval", "--mass", "5e-324"), "argument --mass: expected a number from 0.001 to 100000 MeV"),
    (("interval", *TOY, "--eps-range", "1e-3", "1e-2"), "option --eps-range: interval uses every coupling"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(c[0])[:50] for c in CASES])
def test_out_of_bounds_is_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("dpfit: error: "), err
    assert message in err, err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_same_seed_error_for_interval_and_sample(cli):
    errors = [cli(*argv, "--seed", "-5")[2] for argv in (("interval", "--mass", "17"), ("sample", "--out", "c.h5"))]
    assert [e.split(": ", 3)[3] for e in errors] == ["argument --seed: expected an integer from 0 to 4294967295, "
                                                     f"got -5 (see 'dpfit {c} --help')\n" for c in ("interval", "sample")]


@pytest.mark.parametrize("command, option, text", [
    (("interval",), "--toys", "100 to 1000000000"), (("coverage",), "--seed", "0 to 4294967295"),
    (("sample",), "--nlive", "20 to 10000"), (("compare",), "--nlive", "20 to 10000"),
    (("export", "hepdata"), "--grid-points", "2 to 300"), (("interval",), "--jobs", "at most 4 per CPU"),
    (("export", "band"), "--mass-range", "0.001 to 100000 MeV")])
def test_bounds_are_in_help(cli, command, option, text):
    code, out, _ = cli(*command, "--help")
    assert code == 0
    assert text in " ".join(out.split()), out


def test_api_shares_the_bounds():
    """The library refuses what the CLI refuses, with the same words (source = function, field = argument)."""
    model = ToyModel.from_joint(Analysis(electron=None, limits=(), atomki=None).likelihood(), 16.7)
    for kwargs, field in (({"ntoys": 10**12}, "toys"), ({"ntoys": 200, "seed": -5}, "seed")):
        with pytest.raises(InputError, match=f"field '{field}': expected an integer from"):
            coverage(model, "chi2", parse_level("0.9"), [5e-4], **{"seed": 1, **kwargs})
    with pytest.raises(InputError, match="field 'nlive': expected an integer from 20 to 10000"):
        run_nested(Analysis().model(), nlive=10**9)
    with pytest.raises(InputError, match="expected a path of at most"):
        arguments.path("x" * 300, "sample", "out")
    assert limits.TOYS == (arguments.MIN_TOYS, arguments.MAX_TOYS)


def test_help_range_writes_integers_in_full():
    assert limits.help_range(*limits.SEED) == "(0 to 4294967295)"
    assert limits.help_range(*limits.MASS_MEV, "MeV") == "(0.001 to 100000 MeV)"


@pytest.mark.parametrize("kind, text, value", [
    (limits.seed, "4294967295", 2**32 - 1), (limits.seed, " +7 ", 7), (limits.walkers, "1024", 1024),
    (limits.toys, "1e6", 10**6), (limits.toys, "2500", 2500), (limits.nlive, "2.5e3", 2500)])
def test_integer_types_accept(kind, text, value):
    assert kind(text) == value and isinstance(kind(text), int)


@pytest.mark.parametrize("kind, text, message", [
    (limits.seed, "1e3", "expected an integer from 0 to 4294967295, got '1e3'"),  # no exponent for a seed
    (limits.seed, "4294967296", "expected an integer from 0 to 4294967295, got 4294967296"),
    (limits.seed, "\uff17", "expected an integer from 0 to 4294967295"),  # a full-width 7: digits in ASCII only
    (limits.walkers, "9", "expected an even integer from 8 to 1024, got 9"),
    (limits.toys, "1e2.5", "expected an integer from 100 to 1000000000, got '1e2.5'"),
    (limits.toys, "nan", "expected an integer from 100 to 1000000000, got 'nan'"),
    (limits.steps, "9" * 40, "expected an integer from 10 to 1000000")])
def test_integer_types_refuse(kind, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(message)):
        kind(text)


def test_number_types_bounds_are_inclusive():
    assert limits.mass("1e-3") == 1e-3 and limits.mass("1e5") == 1e5
    assert limits.invisible_ratio("0") == 0.0
    for text in ("9.99e-4", "100000.1", "inf", "nan"):
        with pytest.raises(argparse.ArgumentTypeError, match="expected a number from 0.001 to 100000 MeV"):
            limits.mass(text)


def test_mass_list():
    assert limits.mass_list("5, 17,,30") == [5.0, 17.0, 30.0]
    assert len(limits.mass_list(",".join(["17"] * limits.MAX_MASSES))) == limits.MAX_MASSES
    with pytest.raises(argparse.ArgumentTypeError, match=f"expected at most {limits.MAX_MASSES} masses, got 1001"):
        limits.mass_list(",".join(["17"] * (limits.MAX_MASSES + 1)))
    with pytest.raises(argparse.ArgumentTypeError, match="expected masses in MeV"):
        limits.mass_list(" , ")


def test_output_path_bounds():
    ok = "/".join(["d" * 200] * 18)  # 18 names of 200 bytes: 3617 bytes
    assert limits.output_path(ok) == ok
    with pytest.raises(argparse.ArgumentTypeError, match="at most 3800 bytes, each name at most 200"):
        limits.output_path("d" * 201)
    with pytest.raises(argparse.ArgumentTypeError, match="expected a path of at most 3800 bytes"):
        limits.output_path("/".join(["d" * 200] * 19))  # 3818 bytes
