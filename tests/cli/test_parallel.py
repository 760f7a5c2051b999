"""dpfit.cli.parallel: the construction, toy and executor options of interval, coverage and scan; their checks."""

from __future__ import annotations

import argparse
import os

import pytest

from dpfit.cli.parallel import add_construction_options, add_executor_options, executor_from_args, refuse_eps_range
from dpfit.errors import InputError
from dpfit.runtime.executors import Executor


def construction_parser(method="fc", cl="0.6827", toys=100_000) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_construction_options(parser, method, cl, toys)
    parser.add_argument("--eps-range", nargs=2, type=float)
    return parser


def test_construction_defaults_are_the_commands():
    args = construction_parser("chi2", "1sigma", 20_000).parse_args(["--mass", "17"])
    assert (args.method, args.cl, args.mass, args.toys, args.seed, args.no_progress) == ("chi2", "1sigma", 17.0,
                                                                                       20_000, 1, False)
    assert executor_from_args(args) == Executor("serial", 1, None)


def test_construction_options_parse():
    args = construction_parser().parse_args(["--mass", "16.7", "--method", "cls", "--toys", "1e4", "--seed", "9",
                                             "--executor", "processes", "--jobs", "2", "--no-progress"])
    assert (args.method, args.toys, args.seed, args.no_progress) == ("cls", 10_000, 9, True)
    assert executor_from_args(args) == Executor("processes", 2, None)


def test_mass_is_required(capsys):
    with pytest.raises(SystemExit):
        construction_parser().parse_args([])
    assert "the following arguments are required: --mass" in capsys.readouterr().err


@pytest.mark.parametrize("argv, source, message", [
    (["--executor", "threads"], "option --executor", "expected one of serial, processes, dask or dask=ADDRESS"),
    (["--executor", "processes=tcp://h:1"], "option --executor", "only dask takes a scheduler address"),
    (["--executor", "dask=inproc://x"], "option --executor", "expected dask=tcp://HOST:PORT"),
    (["--executor", "processes", "--jobs", "256"], "option --jobs", "expected at most"),
])
def test_executor_errors_name_the_option(argv, source, message):
    parser = argparse.ArgumentParser()
    add_executor_options(parser)
    if "256" in argv and len(os.sched_getaffinity(0)) * 4 >= 256:
        pytest.skip("a machine with 64 CPUs or more takes 256 workers")
    with pytest.raises(InputError) as info:
        executor_from_args(parser.parse_args(argv))
    assert info.value.source == source and info.value.field is None and message in info.value.message


def test_jobs_help_states_this_machine(capsys):
    parser = argparse.ArgumentParser()
    add_executor_options(parser)
    parser.print_help()
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"at most 4 per CPU of this machine, {4 * len(os.sched_getaffinity(0))} here" in help_text


def test_eps_range_is_refused_not_ignored():
    args = construction_parser().parse_args(["--mass", "17", "--eps-range", "1e-4", "1e-3"])
    args.command = "coverage"
    with pytest.raises(InputError, match="option --eps-range: coverage uses every coupling the analysis allows"):
        refuse_eps_range(args)
    args.eps_range = None
    refuse_eps_range(args)  # no range: nothing to refuse


def test_cli_executor_error_is_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("interval", "--mass", "17", "--toys", "100", "--executor", "dask=bad", "--out", "i.json")
    assert (code, out) == (2, "")
    assert err == "dpfit: error: option --executor: expected dask=tcp://HOST:PORT, a dask scheduler's address, " \
                  "got 'dask=bad'\n"
    assert list(tmp_path.iterdir()) == []
