"""dpfit.cli.options: option types, option groups, the analysis built from them, emit, and one-line usage errors."""

from __future__ import annotations

import argparse

import pytest
from scipy import stats

from dpfit.cli.options import (EXIT_INPUT, OneLineParser, add_analysis_options, add_format_option, add_input_options,
                               analysis_from_args, card_names, emit, flag_message, level_list, nonnegative_number,
                               positive_number, probability)
from dpfit.errors import InputError
from dpfit.model.analysis import Analysis


def analysis_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="t")
    add_analysis_options(parser)
    return parser


@pytest.mark.parametrize("exc, line", [
    (InputError("analysis", "mass_range", "expected LOW < HIGH"), "option --mass-range: expected LOW < HIGH"),
    (InputError("sample", "nsteps", "too many"), "option --steps: too many"),
    (InputError("overrides", "a_mu_sm_wp25.valeu", "no such field"),
     "option --set: field 'a_mu_sm_wp25.valeu': no such field"),
    (InputError("axis", None, "expected eps"), "option --coupling: expected eps"),
    # a file's error stays as the file's: its path, field and message
    (InputError("my.yaml", "value", "expected a number"), "my.yaml: field 'value': expected a number"),
    # the parser of one field's value (a limit file's spec) speaks for that field's option
    (InputError("analysis options: limit_files", "cl", "expected a probability"),
     "option --limit-file: field 'cl': expected a probability"),
    # ... but not when the field came from a file: the file is named
    (InputError("x17.yaml: model", None, "unknown model 'nope'"), "x17.yaml: model: unknown model 'nope'"),
    # a library field no option sets stays the library's
    (InputError("analysis", "nothing_like_it", "bad"), "analysis: field 'nothing_like_it': bad"),
])
def test_flag_message_names_the_option_that_sets_the_field(exc, line):
    assert flag_message(exc) == line


def test_flag_message_keeps_user_text_on_one_inert_line():
    message = flag_message(InputError("overrides", "x\ny", "got '\x1b[31mred\r'"))
    assert message == "option --set: field 'x\\ny': got '\\x1b[31mred\\r'"
    assert all(c.isprintable() for c in message)
    # an error no option maps (a file's, or one the command names itself) is made inert the same way
    for exc in (InputError("option --scenario", None, "unknown mu scenario 'WP\x1b[2J25'"),
                InputError("my\n.yaml", "value", "got '\x07'")):
        assert all(c.isprintable() for c in flag_message(exc))
    assert flag_message(InputError("option --scenario", None, "'WP\x1b[2J25'")) == "option --scenario: 'WP\\x1b[2J25'"


def test_card_names():
    assert card_names("none") == card_names(" NONE ") == ()
    assert card_names("na64, padme,") == ("na64", "padme")
    with pytest.raises(argparse.ArgumentTypeError, match="card names separated by commas, or none"):
        card_names(" , ")


@pytest.mark.parametrize("parse, text, value", [
    (positive_number, "1e-3", 1e-3), (nonnegative_number, "0", 0.0), (probability, "0.9973", 0.9973)])
def test_number_types_accept(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize("parse, text, wanted", [
    (positive_number, "0", "a positive finite number"), (positive_number, "-2", "a positive finite number"),
    (positive_number, "inf", "a positive finite number"), (nonnegative_number, "nan", "a finite number >= 0"),
    (positive_number, "abc", "a number"), (probability, "1", "a probability between 0 and 1"),
    (probability, "0", "a positive finite number")])
def test_number_types_refuse(parse, text, wanted):
    with pytest.raises(argparse.ArgumentTypeError, match=f"expected {wanted}, got '{text}'"):
        parse(text)


def test_level_list_probabilities_and_sigmas():
    """'Nsigma' is the probability of a two-sided ±N sigma Gaussian interval (scipy's normal distribution)."""
    levels = level_list("0.9,2sigma, 3sigma")
    assert [lv.label for lv in levels] == ["0.9", "2sigma", "3sigma"]
    expected = [0.9, stats.norm.cdf(2) - stats.norm.cdf(-2), stats.norm.cdf(3) - stats.norm.cdf(-3)]
    assert [lv.probability for lv in levels] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(argparse.ArgumentTypeError, match="2sigmas"):
        level_list("2sigmas")


def test_one_line_parser_usage_error(capsys):
    parser = OneLineParser(prog="dpfit x")
    parser.add_argument("--n", type=int)
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--n", "1\n\x1b[2J"])
    _, err = capsys.readouterr()
    assert info.value.code == EXIT_INPUT == 2
    assert err == "dpfit: error: dpfit x: argument --n: invalid int value: '1\\n\\x1b[2J' (see 'dpfit x --help')\n"


def test_analysis_from_args_without_options_is_the_default_analysis():
    assert analysis_from_args(analysis_parser().parse_args([])).describe() == Analysis().describe()


def test_analysis_from_args_maps_each_option():
    args = analysis_parser().parse_args(
        ["--muon", "WP20", "--electron", "none", "--limits", "na64,padme", "--no-atomki", "--invisible-ratio", "2",
         "--mass-range", "16", "18", "--eps-range", "1e-4", "1e-2", "--eps-prior", "uniform",
         "--limit-model", "poisson",
         "--convention", "paper", "--set", "a_mu_sm_wp20.uncertainty=40"])
    described = analysis_from_args(args).describe()
    expected = Analysis(muon="WP20", electron=None, limits=("na64", "padme"), atomki=None, invisible_ratio=2.0,
                        mass_range=(16.0, 18.0), eps_range=(1e-4, 1e-2), eps_prior="uniform", limit_model="poisson",
                        convention="paper", overrides=("a_mu_sm_wp20.uncertainty=40",)).describe()
    assert described == expected
    assert described["muon"] == "WP20" and described["mass_range"] == [16.0, 18.0]
    assert described["overrides"] == [{"key": "a_mu_sm_wp20.uncertainty", "value": 40}]


def test_options_take_precedence_over_the_analysis_file(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("schema: dpfit-analysis/1\nmuon: WP20\nelectron: none\n")
    described = analysis_from_args(analysis_parser().parse_args([str(path), "--muon", "WP25"])).describe()
    assert (described["muon"], described["electron"]) == ("WP25", None)  # the option over the file, the file kept


def test_input_options_given_again_on_a_sub_command_keep_the_first():
    parser = argparse.ArgumentParser()
    add_input_options(parser)
    sub = parser.add_subparsers(dest="action")
    add_input_options(sub.add_parser("show"), again=True)
    assert parser.parse_args(["--convention", "paper", "show"]).convention == "paper"
    assert parser.parse_args(["show", "--convention", "paper"]).convention == "paper"
    args = parser.parse_args(["show"])
    assert (args.convention, args.inputs, args.overrides) == (None, None, [])


def test_format_option_offers_csv_only_with_its_content():
    parser = argparse.ArgumentParser()
    add_format_option(parser, "everything")
    assert parser.parse_args([]).format == "text" and parser.parse_args(["--format", "json"]).format == "json"
    with pytest.raises(SystemExit):
        parser.parse_args(["--format", "csv"])
    with_csv = argparse.ArgumentParser()
    add_format_option(with_csv, "everything", "one row per mass")
    assert with_csv.parse_args(["--format", "csv"]).format == "csv"


def test_emit_prints_or_writes_the_same_text(tmp_path, capsys):
    text = "a,b\n1,2\n"
    emit(text, None)
    assert capsys.readouterr() == (text, "")
    out = tmp_path / "sub" / "t.csv"
    emit(text, str(out))
    assert out.read_text() == text and capsys.readouterr() == ("", f"wrote {out}\n")
