"""The text of the Bayes factor X17 : no X17 (dpfit.output.report_evidence): priors, the null's definition and
ln B per analysis with its prior variants, in ``dpfit compare`` and in the report's table."""

from __future__ import annotations

from dpfit.output.report_evidence import NULL_DEFINITION, null_lines, null_markdown


def test_compare_states_priors_and_the_bayes_factor_against_no_x17(cli):
    code, out, _ = cli("compare", "--muon", "WP20,BMW21,WP25", "--no-progress")
    assert code == 0
    assert "priors of the X17 evidence: m uniform over 15.85-17.55 MeV; eps log-uniform over [1e-05, 0.01]" in out
    assert "null hypothesis: no X17: eps = 0" in out and "not X17 against no X17" in out
    for label, value in (("WP20", "+5.16"), ("BMW21", "-0.15"), ("WP25", "-0.94")):
        assert f"ln B(X17 : no X17) for muon={label} = {value}" in out
    assert "eps prior uniform" in out and "eps range from 1e-08" in out


PRIORS = "m uniform over 15.85-17.55 MeV; eps log-uniform over [1e-05, 0.01]"


def null_row(label, x17, null, error, variants=()):
    return {"analysis": label, "priors": PRIORS, "logz_x17": x17, "logz_null": null, "ln_B": x17 - null,
            "error": error, "variants": [{"prior": p, "ln_B": b} for p, b in variants]}


def test_null_lines_state_priors_the_null_and_each_ln_b():
    assert null_lines([]) == []
    rows = [null_row("muon=WP20", -10.0, -15.16, 0.0012, [("eps prior uniform", 4.0), ("eps range from 1e-08", 4.604)]),
            null_row("muon=WP25", -16.0, -15.06, 0.003)]
    lines = null_lines(rows)
    assert lines[:2] == [f"priors of the X17 evidence: {PRIORS}", f"null hypothesis: {NULL_DEFINITION}"]
    assert lines[2] == ("ln B(X17 : no X17) for muon=WP20 = +5.16 +- 0.001 (ln Z_X17 -10.000, ln Z_null -15.160); "
                        "prior variants: eps prior uniform: +4.00; eps range from 1e-08: +4.60")
    assert lines[3].startswith("ln B(X17 : no X17) for muon=WP25 = -0.94 +- 0.003") and lines[3].endswith("none")
    assert len(lines) == 4


def test_null_markdown_is_one_table_row_per_analysis():
    rows = [null_row("muon=WP20", -10.0, -15.16, 0.0012, [("eps prior uniform", 4.0)]),
            null_row("muon=BMW21", -15.2, -15.05, 0.002)]
    out = null_markdown(rows)
    assert out[0] == "### X17 against no X17" and f"Priors of the X17 evidence: {PRIORS}." in out
    assert any(NULL_DEFINITION in line and "Jeffreys" in line for line in out)
    table = [line for line in out if line.startswith("| muon=")]
    assert table == ["| muon=WP20 | -10.000 | -15.160 | +5.16 +- 0.001 | eps prior uniform: +4.00 |",
                     "| muon=BMW21 | -15.200 | -15.050 | -0.15 +- 0.002 | none |"]
    header = next(line for line in out if line.startswith("| analysis"))
    assert header.count("|") == table[0].count("|")  # as many cells as the header
