"""report.md's layout and text (dpfit.reference.report): the answer first, the appendix's digits, the
overrides escaped, and each section's lines formatted from hand-built rows."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tests.reference.report_helpers import _report, _sections
from dpfit.reference.report import (_comparison_lines, _digits, _overrides, electron_lines, exact_interval_lines,
                                    gof_lines, window_lines)
from dpfit.output.wording import gof_text
from dpfit.notes import note


def test_report_starts_with_the_answer_and_the_appendix_has_the_digits(tmp_path):
    results, text = _report(tmp_path, "default")
    first = text.split("## Details")[0]
    assert len(first.splitlines()) < 40
    for needle in ("interval algebra", "profile likelihood", "posterior", "goodness of fit", "eps_nu = 0",
                   "Lepton-universal protophobic vector", "ln B", "6.620e-04", "9.587e-04", "NA48/2"):
        assert needle in first, needle
    appendix = text.split("## Appendix")[1]
    assert "| `137.035999046(27)` |" in appendix and "137.035999046" in appendix.split("137.035999046(27)")[1]
    assert "| `3e-4` |" in appendix and "0.0007289" in appendix
    models = _sections(text)["## The window at 16.7 MeV under four vector models"]
    rows = {r.split(" | ")[0][2:]: r for r in models.splitlines() if r.startswith("| ") and "---" not in r}
    assert "[0.000662, 0.0007289]" in rows["dark_photon"] and "na48" in rows["dark_photon"]
    assert "[0.000662, 0.0009587]" in rows["protophobic"]
    assert rows["axial"].split(" | ")[1].startswith("excluded")
    cs18 = _sections(text)["### What Cs18 means under an axial coupling"]
    assert f"eps_A = {results.axial_eps_cs18:.4g}" in cs18 and f"{results.axial_eps_cs18:.4g}" == "0.0005303"


def test_override_note_enters_the_report_escaped():
    prov = {"overrides": [{"key": "na64_2020.notes", "value": "<img src=x onerror=alert(1)>\n## Fake section"}]}
    line = _overrides(prov)
    assert "<img" not in line and "\n" not in line and "\\#\\# Fake section" in line


@pytest.mark.parametrize("printed, digits", [("1.19(15)e-3", 3), ("0.00115965218059(13)", 12), ("1/137", 4),
                                             ("90%", 2), ("-102(26)e-10", 3), ("16.90", 4), ("6.8e-4", 2),
                                             ("0.68", 2), ("137.035999046(27)", 12)])
def test_digits_of_a_printed_number_are_its_mantissas(printed, digits):
    assert _digits(printed) == digits


def paper_row(**fields):
    row = dict(what="eps | muon", where="Table 1", printed=1.19e-3, printed_text="1.19(15)e-3", corrected=None,
               within_rounding=True, flag=None, dpfit=1.1923456e-3, relative_difference=1.9e-3)
    row.update(fields)
    return SimpleNamespace(**row)


def test_appendix_rows_have_one_digit_more_than_printed_and_flag_the_rest():
    out = _comparison_lines([paper_row(), paper_row(printed=137.035999046, printed_text="137.035999046(27)",
                                                    dpfit=137.0359990461234, within_rounding=False,
                                                    relative_difference=-2.1e-12, corrected=137.036)])
    assert [len(re.findall(r"(?<!\\)\|", line)) for line in out] == [9, 9, 9, 9]  # escaped pipes are text
    cells = [c.strip() for c in out[2].split(" | ")]
    assert cells[0] == "| eps \\| muon" and cells[2] == "`1.19(15)e-3`"  # text escaped, printed text verbatim
    assert cells[4] == "0.001192" and cells[5] == "+1.9e-03" and cells[6] == "yes"  # max(4, 3 + 1) digits
    cells = [c.strip() for c in out[3].split(" | ")]
    assert cells[3] == "137.035999 (corrected 137.036)" and cells[4] == "137.0359990461"  # 12 + 1 digits
    assert cells[6] == "**no**" and cells[7] == "differs by more than the printed rounding |"


def exact_row(convention, eps, sigma, lo1, hi1, lo2, hi2):
    return {"mass_MeV": 17.0, "scenario": "WP25", "convention": convention, "eps": eps, "sigma_linear": sigma,
            "lo_1sigma": lo1, "hi_1sigma": hi1, "lo_2sigma": lo2, "hi_2sigma": hi2}


def test_exact_intervals_beside_the_linear_ones_paper_rows_only():
    rows = [exact_row("paper", 7.034e-4, 5.772e-4, 0.0, 1.143e-3, 0.0, 1.455e-3),
            exact_row("precise", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)]
    table = [line for line in exact_interval_lines(rows) if line.startswith("| 17 |")]
    # linear: eps -+ n sigma_eps, negative below eps = 0 (the linear approximation's failure)
    assert table == ["| 17 | WP25 | 7.034e-04 | [1.262e-04, 1.281e-03] | [0.000e+00, 1.143e-03] | "
                     "[-4.510e-04, 1.858e-03] | [0.000e+00, 1.455e-03] |"]


def test_electron_rows_say_what_each_interval_holds():
    from scipy import stats

    from dpfit.inference.levels import parse_level
    from dpfit.inference.profile.gof import goodness_of_fit
    from dpfit.inference.profile.intervals import build_interval

    def fit(on_boundary, gof):
        ivs = {label: build_interval(parse_level(label), n * n, [[0.0 if on_boundary else 1e-4 * n, 1e-3 * n]],
                                     [["eps=0", "gm2"]], on_boundary).to_dict() for n, label in ((1, "1sigma"), (2, "2sigma"))}
        return {"intervals": {"eps": ivs}, "gof": gof.to_dict()}

    electron = [{"convention": "precise", "scenario": "Rb20", "delta_a": 3.4e-13, "sigma_delta_a": 1.6e-13,
                 "eps": 6.9e-4, "fit": fit(False, goodness_of_fit(0.0, 1, 1))},
                {"convention": "precise", "scenario": "Cs18", "delta_a": -1.02e-12, "sigma_delta_a": 2.6e-13,
                 "eps": None, "fit": fit(True, goodness_of_fit(15.4, 1, 1, bounded=1))}]
    rows = [line for line in electron_lines(electron) if line.startswith("| precise")]
    assert len(rows) == 2 and all(r.count(" | ") == 6 for r in rows)
    assert "(Delta chi2 <= 4, two-sided 95.45 %)" in rows[0] and "| 6.900e-04 |" in rows[0]
    assert "| none (Delta a < 0) |" in rows[1] and "| -1.020e-12 +- 2.60e-13 |" in rows[1]
    most = 100 * (0.5 + 0.5 * stats.chi2.cdf(4.0, 1))  # Chernoff: a true coupling at 0
    assert f"(Delta chi2 <= 4, one-sided upper limit, coverage between 95.45 % and {most:.2f} %)" in rows[1]
    p = 0.5 * stats.chi2.sf(15.4, 1)  # chi2_min on the boundary: 1/2 chi2(0) + 1/2 chi2(1)
    assert f"chi2_min 15.4, p = {p:.2g}" in rows[1]


def test_gof_rows_give_the_full_fit_and_the_pair_tension():
    from dpfit.inference.profile.compatibility import Compatibility
    from dpfit.inference.profile.gof import Tension, goodness_of_fit

    single = {"gm2:WP25": goodness_of_fit(0.0, 1, 1), "gm2:Rb20": goodness_of_fit(0.0, 1, 1)}
    rows = [{"muon": "WP25", "electron": "Rb20", "fit": goodness_of_fit(2.0, 2, 1),
             "compatibility": Compatibility(16.7, single, [Tension("gm2:WP25", "gm2:Rb20", 2.0, 1, 0.157, 1.415)])},
            {"muon": "WP20", "electron": "Rb20", "fit": goodness_of_fit(0.5, 2, 1),
             "compatibility": Compatibility(16.7, single, [])}]
    out = gof_lines(rows, 16.7)
    assert out[0] == "## Goodness of fit and compatibility at 16.7 MeV (precise convention)"
    table = [line for line in out if line.startswith("| WP")]
    assert table[0].startswith(f"| WP25 | Rb20 | {gof_text(goodness_of_fit(2.0, 2, 1))} | "
                               "chi2_PG 2 (1 dof): 1.4 sigma, two-sided | ")
    assert table[1].split(" | ")[3] == "n/a"


def test_report_window_lines_state_each_window_and_the_run():
    from tests.output.window_helpers import window_result

    lines = window_lines(window_result(limits=[{"name": "_my_limit", "experiment": "X*Y", "cl": 0.9,
                                                "production": "electron", "model": note("limit_step")}]))
    assert "- interval algebra (the paper's method, levels mixed): [6.620e-04, 9.587e-04]; it intersects " \
           "gm2:WP25: 2 sigma band; na64: complement" in lines
    assert ("- profile likelihood, delta chi2 <= 4, two-sided 95.45 %: [6.700e-04, 9.500e-04] (edges set by na64 "
            "and gm2:Rb20)") in lines
    assert ("Posterior run: acceptance 0.346, tau m 40.1, log10_eps 35.0, effective samples 1200; warning: tau not "
            "yet converged.") in lines
    assert "- limit \\_my_limit: X\\*Y, 90% CL, produced through electron couplings, hard step (excluded band " \
           "removed)" in lines  # names from inputs as inert Markdown
    excluded = window_lines(window_result(status="excluded", notes=["p < 2.7e-3"]))
    assert excluded[-2:] == ["- status: excluded (p below 0.0027); no window is quoted.", "- p &lt; 2.7e-3"]
