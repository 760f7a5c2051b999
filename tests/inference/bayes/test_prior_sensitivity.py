"""Prior sensitivity: the prior variants, and which grid-posterior quantiles the prior sets (closed forms)."""

import dataclasses

import pytest

from dpfit.inference.bayes.prior_sensitivity import LOW_EPS, THRESHOLD, prior_sensitivity, prior_variants
from dpfit.likelihood.joint import JointLikelihood
from dpfit.model.analysis import Analysis
from dpfit.model.model import Model
from dpfit.output.wording import note_text, notes_text
from tests.inference.bayes.one_gaussian import one_gaussian

LIMITS = ("na64_point", "padme")  # NA64 as the source paper's single point, named explicitly
REFERENCE = Analysis(limits=LIMITS)


def flat_model(eps_prior="log-uniform", eps_range=(1e-5, 1e-2)) -> Model:
    """No term at all: the posterior is the prior (m uniform over 16-18 MeV)."""
    return Model(JointLikelihood([]), (16.0, 18.0), eps_range, "uniform", eps_prior, None, None, {})


def test_reference_window_is_not_set_by_the_prior():
    assert prior_sensitivity(REFERENCE.model())["warning"] is None


def test_variants_swap_the_eps_prior_and_lower_the_range():
    model = flat_model()
    (a, swapped), (b, lowered) = prior_variants(model)
    assert a == "eps prior uniform" and swapped == dataclasses.replace(model, eps_prior="uniform")
    assert b == "eps range from 1e-08 (not 1e-05)" and lowered.eps_range == (LOW_EPS, 1e-2) == (1e-8, 1e-2)
    assert lowered.eps_prior == "log-uniform" and lowered.joint is model.joint
    (only,) = prior_variants(flat_model("uniform", (1e-9, 1e-2)))  # already reaching below LOW_EPS
    assert only[0] == "eps prior log-uniform" and only[1].eps_range == (1e-9, 1e-2)


def test_a_flat_likelihood_leaves_the_quantiles_to_the_prior():
    # quantile q of eps: log-uniform on [a, b] 10^(log10 a + q log10(b/a)); uniform a + q (b - a); m: 16 + 2q
    sens = prior_sensitivity(flat_model())
    assert sens["threshold"] == THRESHOLD == 0.05
    base = {0.025: 10 ** -4.925, 0.5: 10 ** -3.5, 0.975: 10 ** -2.075}
    uniform = {q: 1e-5 + q * (1e-2 - 1e-5) for q in base}
    lowered = {q: 10 ** (-8 + 6 * q) for q in base}
    by_prior = {v["prior"]: v["moves"] for v in sens["variants"]}
    for label, expected in (("eps prior uniform", uniform), ("eps range from 1e-08 (not 1e-05)", lowered)):
        moves = by_prior[label]
        for q, value in expected.items():
            assert moves["eps"][f"q{q:g}"] == pytest.approx([value, abs(value / base[q] - 1)], rel=1e-6)
            assert moves["m"][f"q{q:g}"] == pytest.approx([16 + 2 * q, 0.0], abs=1e-9)
    # every eps quantile moves by more than 5 % (the least: q0.975, 16 %), no mass quantile does
    assert len(sens["set_by_prior"]) == 6 and all(f.get("parameter") == "eps" for f in sens["set_by_prior"])
    assert note_text(sens["warning"]).startswith("6 posterior quantile(s) set by the prior (move > 5% when the prior changes)")
    assert f"eps q0.5 moves {uniform[0.5] / base[0.5] - 1:.0%} (eps prior uniform)" in notes_text(sens["set_by_prior"])
    # the largest move: q0.025 under the uniform prior, 2.6e-4 / 1.19e-5 - 1 = 20.9
    assert prior_sensitivity(flat_model(), threshold=21)["warning"] is None
    assert len(prior_sensitivity(flat_model(), threshold=20)["set_by_prior"]) == 1


def test_a_measured_coupling_is_not_set_by_the_prior():
    # WP20 measures eps^2 to 17 %: its quantiles move by ~1 % under the uniform prior, ~0 when the range extends
    sens = prior_sensitivity(one_gaussian().model())
    assert sens["warning"] is None and sens["set_by_prior"] == []
    moves = [rel for v in sens["variants"] for n in v["moves"].values() for _, rel in n.values()]
    assert max(moves) < 0.03
