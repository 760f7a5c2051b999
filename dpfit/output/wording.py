"""Notes in words: the sentence of every :class:`dpfit.notes.Note` a result carries.

Results hold notes as data (a kind and its values); this table is the one place they become text, for the
terminal, the report and the JSON documents alike. Numbers keep the digits the reader needs (``:g`` for
inputs, a few significant digits for measured values); masses in MeV, couplings ε dimensionless (in units
of e).
"""

from __future__ import annotations

import math

from dpfit.inference.levels import format_percent, one_sided_coverage
from dpfit.inference.profile.gof import SIGNIFICANCE_LABEL
from dpfit.notes import Note


def level_text(level, ndof: int = 1) -> str:
    """A level's threshold and what it holds: 'delta chi2 <= 4, 95.45 %' (``ndof`` parameters)."""
    return f"delta chi2 <= {level.delta_chi2(ndof):.4g}, {format_percent(level.probability)}"


def one_sided_text(delta_chi2: float, probability: float) -> str:
    """What Δχ² ≤ c holds as an upper limit with the best fit on a hard edge: 'one-sided upper limit, coverage
    between 68.27 % and 84.13 % (see `dpfit coverage`)'. The upper bound ½ + ½ F_χ²₁(c) is the coverage at a
    true coupling on the edge (Chernoff 1954), not a guarantee; far from the edge it falls to the two-sided
    level's own ``probability``."""
    return (f"one-sided upper limit, coverage between {format_percent(probability)} and "
            f"{format_percent(one_sided_coverage(delta_chi2))} (see `dpfit coverage`)")


def interval_text(interval) -> str:
    """What a profile-likelihood interval is: 'delta chi2 <= 4, two-sided 95.45 %' or 'delta chi2 <= 4, one-sided
    upper limit, coverage between 95.45 % and 97.72 % (see `dpfit coverage`)'."""
    if interval.sided == "two-sided":
        return f"delta chi2 <= {interval.delta_chi2:.4g}, two-sided {format_percent(interval.coverage)}"
    return f"delta chi2 <= {interval.delta_chi2:.4g}, {one_sided_text(interval.delta_chi2, interval.level.probability)}"


def gof_text(gof) -> str:
    """A goodness of fit in one line: 'chi2_min = 21.2 for 1 dof (chi2(1)): p = 4.1e-06 (4.6 sigma, two-sided)'."""
    chi2 = 0.0 if abs(gof.chi2_min) < 1e-12 else gof.chi2_min  # round-off of an exact zero
    head = f"chi2_min = {chi2:.4g} for {gof.ndof} dof"
    if gof.p_value is None:
        return f"{head}: no degrees of freedom left, no p-value"
    return (f"{head} ({note_text(gof.distribution)}): p = {gof.p_value:.3g} "
            f"({gof.significance:.2g} sigma, {SIGNIFICANCE_LABEL})")


def _best_fit_on_edge(v) -> str:
    if v["at_zero"]:
        return f"{v['parameter']}: best fit at the physical boundary eps = 0: the intervals are one-sided upper limits"
    return (f"{v['parameter']}: best fit on the {v['edge']} edge of an allowed region, set by {v['set_by']}: "
            f"the intervals are one-sided")


def _limit_recast(v) -> str:
    kind = f"beam dump, length ratio {v['length_ratio']:g}" if v["length_ratio"] else "prompt"
    text = (f"limit {v['limit']} recast from the dark photon to {v['model']} ({v['mechanism']} -> X -> {v['decay']}, "
            f"{kind}; Ilten et al., JHEP 06 (2018) 004)")
    if v["hadronic_limit"] is not None:
        text += (f"; only up to 2 m_pi = {v['hadronic_limit']:.5g} MeV: above it hadronic decays are not modelled and "
                 f"the limit is left out")
    return text


def _toys_disagree_edge(v) -> str:
    error = f"+- {v['error']:.2g}" if math.isfinite(v["error"]) else "(Monte-Carlo error unknown)"
    return (f"toys and the asymptotic formulae disagree on the {v['side']} edge: {v['toys']:.5g} {error} "
            f"vs {v['reference']:.5g}")


def _evidence_priors(v) -> str:
    lo, hi = v["mass_range"]
    mass = (f"m Gaussian {v['mass_gaussian'][0]:g} +- {v['mass_gaussian'][1]:g} MeV within {lo:g}-{hi:g} MeV"
            if v["mass_gaussian"] else f"m uniform over {lo:g}-{hi:g} MeV")
    return (f"{mass}; eps {v['eps_prior']} over [{v['eps_range'][0]:g}, {v['eps_range'][1]:g}]; each Gaussian (g-2) "
            "term normalised as a density of its Delta a (-ln(sigma sqrt(2 pi))); walls and the preferred region as "
            "0 / -inf steps")


def _free_mass_where(v) -> str:
    return f"{v['toys']} toys from the best fit, mass refitted over {v['lo']:g}-{v['hi']:g} MeV"


def _band_level(v) -> str:
    if v["probability"] is None:
        return f"{v['term']}: {v['what']} with no stated CL"
    if v["sided"] == "CL":
        return f"{v['term']}: {v['what']} at {format_percent(v['probability'])} CL"
    return f"{v['term']}: {v['what']} ({format_percent(v['probability'])} {v['sided']})"


def _marginalised(v) -> str:
    return f"m marginalised over {v['mass_range'][0]:g}-{v['mass_range'][1]:g} MeV"


def _joined(v) -> str:
    return "; ".join(note_text(n) for n in v["flags"])


#: kind -> the note's sentence from its values (a dict by name).
WORDS = {
    # fits and their goodness of fit (dpfit.inference.profile)
    "mass_free_distribution": lambda v: f"mass free: {note_text(v['calibration'])}",
    "free_mass_toys": lambda v: (f"{_free_mass_where(v)}: {v['above']} at or above chi2_min"),
    "free_mass_matched": lambda v: (f"chi2({v['nu']:.3g}) matched to the mean chi2_min of {_free_mass_where(v)}; "
                                    f"{v['above']} toys at or above chi2_min (toy p < {v['bound']:.2g} at 95 % CL); "
                                    f"the toys put {v['tail']:.3g} above its 99 % quantile"),
    "flat_parameter": lambda v: (f"{v['parameter']}: no measurement reads it, the likelihood is flat: the intervals "
                                 f"are the allowed regions"),
    "best_fit_on_edge": _best_fit_on_edge,
    "unconstrained_parameter": lambda v: f"{v['parameter']}: no term constrains it",
    "region_reaches_range_end": lambda v: (f"the {v['level']} region reaches the end of the coupling range "
                                           f"({v['end']:g})"),
    "mass_not_constrained": lambda v: (f"mass not constrained: the profile chi2 varies by {v['spread']:.2g} "
                                       f"(<= {v['threshold']:g}) over {v['lo']:g}-{v['hi']:g} MeV; no best-fit mass "
                                       f"is quoted"),
    "mass_on_range_edge": lambda v: (f"best-fit mass {v['mass']:.5g} MeV is on the edge of the mass range "
                                     f"{v['lo']:g}-{v['hi']:g} MeV"),
    "lepton_couplings_free_mass": lambda v: ("lepton couplings with free mass: best mass from the profile grid, "
                                             "intervals at that mass"),
    "mass_from_grid_at_eps_edge": lambda v: (f"best fit on a boundary of eps; mass from the profile grid (spacing "
                                             f"{v['spacing']:.3g} MeV)"),
    "refinement_no_gain": lambda v: "2D refinement did not improve on the mass grid; grid minimum reported",
    # compatibility and the window (dpfit.inference.profile.compatibility, dpfit.inference.window)
    "pair_tension": lambda v: (f"{v['first']} vs {v['second']}: {v['significance']:.2g} sigma tension "
                               f"(chi2_PG = {v['chi2_pg']:.3g}, {v['ndof']} dof)"),
    "term_misfit": lambda v: (f"{v['term']} alone: {v['significance']:.2g} sigma ({SIGNIFICANCE_LABEL}; "
                              f"chi2_min = {v['chi2_min']:.3g})"),
    "band_level": _band_level,
    "posterior_hpd": lambda v: (f"{format_percent(v['probability'])} highest-posterior-density region of the exact "
                                f"grid posterior ({_marginalised(v)})"),
    "chain_central_holds": lambda v: (f"{100 * v['probability']:g}% of the chain's samples, "
                                      f"{100 * (1 - v['probability']) / 2:.4g}% beyond each end"),
    "chain_tail_unresolved": lambda v: (f"the chain's central {format_percent(v['probability'])} interval is not "
                                        f"quoted: {v['beyond']:.2g} effective samples lie beyond each end (fewer "
                                        f"than {v['least']}); the grid's region above is exact"),
    "posterior_central": lambda v: f"central {format_percent(v['probability'])} credible interval ({_marginalised(v)})",
    "data_reject_analysis": lambda v: (f"the data reject this analysis at m = {v['mass']:g} MeV (p = {v['p_value']:.2g}"
                                       f" < {v['threshold']:g}): no window; largest disagreement: "
                                       f"{note_text(v['worst']) if v['worst'] is not None else None}"),
    # the analysis' model and its limits (dpfit.model)
    "vector_model": lambda v: f"model {v['model']}: {v['description'].rstrip('.')}; couplings in units of e",
    "gm2_no_coupling": lambda v: (f"(g-2)_{v['lepton']} {v['scenario']} does not constrain the {v['model']} model: "
                                  f"the boson does not couple to the {v['lepton']}"),
    "limits_as_published": lambda v: ("limits used as published (a dark photon's branching fractions) in the "
                                      "two-coupling lepton model"),
    "limit_no_production": lambda v: (f"limit {v['limit']} ({v['experiment']}) does not constrain the {v['model']} "
                                      f"model: its production ({v['mechanism']}) has no coupling there"),
    "limit_no_coupling": lambda v: (f"limit {v['limit']} ({v['experiment']}) does not constrain the {v['model']} "
                                    f"model: its production ({v['mechanism']}) or final state ({v['decay']}) has no "
                                    f"coupling there"),
    "limit_recast": _limit_recast,
    "limit_step": lambda v: "hard step (excluded band removed)",
    "limit_poisson_zero_events": lambda v: "zero-event Poisson likelihood, -2 ln L = 2 N_c (eps/eps_up)^2",
    "limit_silent_at_mass": lambda v: (f"limit {v['limit']} has data only over {v['span'][0]:g}-{v['span'][1]:g} MeV:"
                                       f" at {v['mass']:g} MeV it constrains nothing"),
    "limit_silent_over": lambda v: (f"limit {v['limit']} has data only over {v['span'][0]:g}-{v['span'][1]:g} MeV: "
                                    f"over {' and '.join(f'{a:g}-{b:g} MeV' for a, b in v['gaps'])} of the mass "
                                    f"range {v['range'][0]:g}-{v['range'][1]:g} MeV it constrains nothing"),
    # the landscape (dpfit.inference.landscape)
    "landscape_unreadable": lambda v: f"{v['limit']}: {v['reason']}",
    "landscape_above_hadronic": lambda v: (f"{v['limit']}: lies above 2 m_pi = {v['threshold']:.5g} MeV, where dpfit "
                                           f"does not model hadronic decays (not recast to {v['model']})"),
    "landscape_no_coupling": lambda v: (f"{v['limit']}: production ({v['mechanism']}) or final state ({v['decay']}) "
                                        f"has no coupling in the {v['model']} model"),
    "landscape_no_production": lambda v: (f"{v['limit']}: production {v['mechanism']} has no coupling in the "
                                          f"{v['model']} model"),
    "landscape_excludes_nothing": lambda v: (f"{v['limit']}: excludes nothing over {v['lo']:g}-{v['hi']:g} MeV under "
                                             f"the {v['model']} model"),
    "landscape_below_hadronic": lambda v: (f"{v['limit']}: recast only up to 2 m_pi = {v['threshold']:.5g} MeV "
                                           f"(hadronic decays not modelled)"),
    # toy constructions (dpfit.inference.frequentist.constructions)
    "construction_chi2": lambda v: "delta chi2 of the data (closed form)",
    "construction_toys": lambda v: f"toys ({v['toys']})",
    "construction_asymptotic": lambda v: ("asymptotic formulae of Cowan et al. (2011), exact for Gaussian data on "
                                          "eps >= 0 (the toys could not resolve this level)"),
    "construction_none": lambda v: "none: the toys could not resolve this level; ask for more (--max-toys)",
    "toys": lambda v: (f"{v['toys']} toys, seed {v['seed']}; p-values on {v['points']} test points in eps^2, edges "
                       f"interpolated"),
    "toys_doubled": lambda v: (f"{v['first']} toys, seed {v['seed']} were too few; doubled to {v['toys']} "
                               f"(--max-toys {v['max_toys']})"),
    "fc_tail_unreliable": lambda v: (f"only {v['expected']:.3g} toys are expected beyond the critical value at this "
                                     f"level: the toy FC edges are unreliable (Monte-Carlo errors unknown)"),
    "cls_tail_unreliable": lambda v: (f"only {v['tail']} toys under eps = 0 reach q_obs at the limit: the toy CLs "
                                      f"limit is unreliable (Monte-Carlo error unknown)"),
    "reaches_grid_end": lambda v: "the interval reaches the end of the test grid (max(x_hat,0) + 10 sigma_x in eps^2)",
    "wilks": lambda v: f"{level_text(v['level'])} if Wilks' theorem holds; see the coverage command",
    "two_sided": lambda v: "two-sided",
    "one_sided_upper_limit": lambda v: one_sided_text(v["delta_chi2"], v["probability"]),
    "fc_sides": lambda v: "two-sided (Feldman-Cousins ordering; an upper limit when the lower edge is eps = 0)",
    "upper_limit": lambda v: "one-sided upper limit",
    "coverage_error_binomial": lambda v: "binomial, sqrt(c (1 - c) / N)",
    "coverage_error_one_chunk": lambda v: (f"binomial only: one chunk of toys, so the calibration toys' noise is not "
                                           f"included (ask for at least {v['least']} toys)"),
    "coverage_error_larger": lambda v: (f"the larger of the binomial error and the spread of {v['chunks']} chunks of "
                                        f"toys (which holds the calibration toys' noise)"),
    "coverage_error_batch": lambda v: (f"spread of {v['chunks']} chunks of toys (batch means; holds the calibration "
                                       f"toys' noise)"),
    "asymptotic_not_applied": lambda v: ("asymptotic formulae not applied: "
                                         + {"poisson": "a Poisson count makes x* non-Gaussian",
                                            "steps": "step terms cut the coupling axis at this mass"}[v["reason"]]),
    "toys_disagree_pieces": lambda v: (f"toys give {v['toys']} interval piece(s), the asymptotic formulae "
                                       f"{v['reference']}: they disagree"),
    "toys_disagree_edge": _toys_disagree_edge,
    # posterior checks and evidences (dpfit.inference.bayes)
    "evidence_priors": _evidence_priors,
    "chain_too_short": lambda v: (f"the chain ({v['steps']} steps) is shorter than {v['multiple']} autocorrelation "
                                  f"times (tau = {v['tau']:.0f}); run about {v['more']} more steps "
                                  f"({v['steps'] + v['more']} in total)"),
    "piece_never_visited": lambda v: (f"the chain never visited the piece eps in [{v['eps_range'][0]:.3g}, "
                                      f"{v['eps_range'][1]:.3g}], which holds {v['grid']:.3f} of the grid posterior"),
    "piece_weight_off": lambda v: (f"piece eps in [{v['eps_range'][0]:.3g}, {v['eps_range'][1]:.3g}]: chain weight "
                                   f"{v['chain']:.4f} +- {v['error']:.4f}, grid {v['grid']:.4f} (beyond "
                                   f"{v['n_sigma']:g} errors)"),
    "quantile_off": lambda v: (f"{v['parameter']} q{v['q']:g}: chain {v['chain']:.5g} vs grid {v['grid']:.5g} "
                               f"(Monte-Carlo error {v['error']:.2g}; chain holds {v['fraction']:.4f} +- "
                               f"{v['fraction_error']:.4f} below the grid quantile)"),
    "chain_disagrees": lambda v: "THE CHAIN DISAGREES WITH THE GRID POSTERIOR beyond its Monte-Carlo error: " + _joined(v),
    "no_walker_crossed": lambda v: ("no walker crossed between pieces: the chain's piece weights are those of its "
                                    "starting points (shared in proportion to the grid weights, so quantised at "
                                    "1/walkers)"),
    "quantile_moves": lambda v: f"{v['parameter']} q{v['q']:g} moves {v['move']:.0%} ({v['prior']})",
    "set_by_prior": lambda v: (f"{len(v['flags'])} posterior quantile(s) set by the prior (move > "
                               f"{v['threshold']:.0%} when the prior changes): " + _joined(v)),
}


def describe(thing) -> str:
    """One line saying what ``thing`` is: a goodness of fit, a profile-likelihood interval, a level or a note
    (``dpfit.describe(result.gof)``)."""
    from dpfit.inference.levels import Level
    from dpfit.inference.profile.gof import GoodnessOfFit
    from dpfit.inference.profile.intervals import Interval

    for kind, say in ((GoodnessOfFit, gof_text), (Interval, interval_text), (Level, level_text),
                      ((Note, str), note_text)):
        if isinstance(thing, kind):
            return say(thing)
    raise TypeError(f"dpfit.describe takes a goodness of fit, an interval, a level or a note, "
                    f"not {type(thing).__name__}")


def note_text(note: Note | str) -> str:
    """The sentence of a note (text from an input file, already words, passes unchanged)."""
    if isinstance(note, str):
        return note
    return WORDS[note.kind](dict(note.values))


def notes_text(notes) -> list[str]:
    """The sentences of a sequence of notes, in order."""
    return [note_text(n) for n in notes]
