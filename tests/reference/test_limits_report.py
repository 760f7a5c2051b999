"""Report lines about the exclusions and the vector models (dpfit.reference.limits_report), formatted from
hand-built results: the window tables, NA48/2's limit, the four models side by side and the (g-2)_mu survival."""

from __future__ import annotations

from types import SimpleNamespace

from dpfit.inference.landscape import Survival
from dpfit.inference.profile.gof import goodness_of_fit
from dpfit.reference.limits_report import (contour_vs_point_lines, limit_model_lines, model_lines, na48_lines,
                                           survival_lines)
from dpfit.reference.results import MASS, AtMass


def at_mass(label, algebra, profile, edges=(), gof=None, notes=()):
    return AtMass(label, algebra, [], list(edges), profile, [], gof or goodness_of_fit(1.0, 2, 1), tuple(notes))


def table_rows(lines):
    return [line for line in lines if line.startswith("| ") and not line.startswith("| analysis")
            and not line.startswith("| model")]


def results(**fields):
    window_rows = [at_mass("published contour", [[6.62e-4, 9.587e-4]], [[6.7e-4, 9.5e-4]]),
                   at_mass("single point", [], None)]
    base = dict(exclusions={"contour_vs_point": window_rows, "na48": window_rows, "limit_model": window_rows},
                na48_limit=7.2891e-4, window=SimpleNamespace(mass=16.7),
                analysis=SimpleNamespace(muon="WP25", electron="Rb20", limit_cards=lambda: ["na64", "padme"]),
                models=[("protophobic", at_mass("p", [[6.62e-4, 9.587e-4]], [[6.7e-4, 9.5e-4]],
                                                edges=[[["na64"], ["atomki", "gm2:Rb20"]]], notes=["note b"])),
                        ("axial", at_mass("a", [], [[1e-4, 2e-4]], gof=goodness_of_fit(30.0, 2, 1),
                                          notes=["note a", "note b"]))],
                axial_cs18=at_mass("cs18", [], None, gof=goodness_of_fit(12.0, 2, 1)), axial_eps_cs18=5.30312e-4,
                survival={"protophobic": [Survival("WP20", "visible", [(1.0, 2.5), (30.0, 279.0)], True),
                                          Survival("WP25", "visible", [(1.0, 279.0)], False),
                                          Survival("BMW21", "visible", [], True)]})
    base.update(fields)
    return SimpleNamespace(**base)


def test_window_tables_print_each_analysis_and_empty_windows():
    for lines in (contour_vs_point_lines(results()), na48_lines(results()), limit_model_lines(results())):
        assert f"m = {MASS:g} MeV" in lines[0]
        assert table_rows(lines) == ["| published contour | [0.000662, 0.0009587] | [0.00067, 0.00095] |",
                                     "| single point | empty | empty |"]


def test_na48_lines_quote_the_limit_at_the_mass():
    assert "excludes ε > 0.0007289 at 16.7 MeV (90 % CL" in na48_lines(results())[2]


def test_model_lines_show_each_model_what_cuts_it_and_the_axial_cs18_reading():
    out = model_lines(results())
    rows = table_rows(out)
    p = goodness_of_fit(1.0, 2, 1)
    assert rows[0] == (f"| protophobic | [0.000662, 0.0009587] | [0.00067, 0.00095] | 1 for 1 dof, p = {p.p_value:.2g} "
                       f"({p.significance:.2g} sigma, two-sided) | lower edge: na64, upper edge: atomki, gm2:Rb20 |")
    assert rows[1].startswith("| axial | excluded: empty | [0.0001, 0.0002] | 30 for 1 dof")
    assert rows[1].endswith("| the terms' bands do not overlap |")
    notes = out[out.index("Notes of the models:") + 1:out.index("### What Cs18 means under an axial coupling")]
    assert notes == ["- note a", "- note b", ""]  # each note once, sorted
    assert "gives eps_A = 0.0005303" in out[-1] and "chi2_min 12 for 1 dof" in out[-1]
    assert "limits na64, padme" in out[2] and "(WP25, Rb20," in out[2]


def test_survival_lines_list_the_surviving_masses_per_scenario():
    out = survival_lines(results())
    assert table_rows(out) == ["| protophobic | WP20 | 1-2.5, 30-279 |",
                               "| protophobic | WP25 | 1-279 (2 sigma region reaches eps = 0: no boson needed) |",
                               "| protophobic | BMW21 | nowhere |"]
    assert out[-1] == ""
