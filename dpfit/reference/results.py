"""The frozen results of one reference run: computed once from the run's own Analysis, then only formatted.

:func:`compute` takes the run's :class:`dpfit.model.analysis.Analysis` (its
overrides, convention, inputs and vector model) and computes every table, fit,
window, interval, evidence and figure's data that ``report.md``, the figures
and the files of ``dpfit reproduce`` need; the report (:mod:`dpfit.reference.report`)
and the writers only format :class:`ReferenceResults`. A computation two
outputs share is done once (the reference window's fit serves the goodness-of-fit
table, the exclusion tables and the model table; its grid posterior serves the
window and the evidence). Couplings dimensionless (units of e), masses in MeV.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np

from dpfit.inference.profile.compatibility import compatibility
from dpfit.inference.bayes.evidence import compare
from dpfit.inference.profile.fit import fit_fixed_mass
from dpfit.inference.frequentist.constructions import frequentist_interval
from dpfit.inference.bayes.grid_posterior import grid_available, grid_posterior
from dpfit.inference.levels import parse_level
from dpfit.inference.bayes.null_hypothesis import x17_against_null
from dpfit.inference.bayes.prior_sensitivity import prior_variants
from dpfit.inference.tables import DEFAULT_MASSES, coupling_estimate, muon_table
from dpfit.inference.frequentist.toys import ToyModel
from dpfit.inference.window import algebra_composition, interval_algebra, window
from dpfit.likelihood.terms import Exclusion
from dpfit.model.analysis import Analysis
from dpfit.reference.paper_numbers import discrepancies, paper_rows

#: Mass (MeV) of the electron rows, the exclusion tables and the model table.
MASS = 16.7
#: Models of the side-by-side window table (issue: vector models by their couplings).
MODELS = ("dark_photon", "protophobic", "B-L", "axial")
#: (label, analysis changes) of the frequentist rows: one (g−2) term alone, no exclusions, no region.
FREQUENTIST_SCENARIOS = (("WP25 (muon)", dict(muon="WP25", electron=None)),
                         ("Cs18 (electron)", dict(muon=None, electron="Cs18")))
FREQUENTIST_LEVELS = ("0.6827", "0.95")
#: (walkers, steps, scan points per axis, masses of the figures' curves, toys per frequentist interval)
SETTINGS = {"full": (64, 6000, 400, 200, 20_000), "quick": (16, 400, 40, 40, 1_000)}
_WINDOW_LEVEL = parse_level("2sigma")


@dataclass(frozen=True)
class AtMass:
    """An analysis at one mass: interval algebra (pieces, what each term holds, which term sets each edge),
    the profile-likelihood Δχ² ≤ 4 window (pieces, edge terms), the goodness of fit and the model's notes."""

    label: str
    algebra: list
    composition: list
    algebra_edges: list
    profile: list | None
    profile_edges: list
    gof: object
    notes: tuple


@dataclass(frozen=True)
class FrequentistRow:
    """Δχ², Feldman–Cousins and CLs results of one term alone at one level."""

    label: str
    level: object
    chi2: object
    fc: object
    cls: object


@dataclass(frozen=True)
class ReferenceResults:
    """Everything a reference run reports (see the module doc); built complete by :func:`compute`."""

    analysis: Analysis
    paper: Analysis
    quick: bool
    toys: int
    tables: dict
    exact: list
    electron: list
    grid: object
    chain: object
    window: object
    gof_rows: list
    paper_rows: list
    misprints: list
    evidence: dict
    x17_vs_null: list
    frequentist: list
    exclusions: dict
    na48_limit: float
    models: list
    axial_cs18: AtMass
    axial_eps_cs18: float
    figures: dict = field(repr=False)
    survival: dict = field(default_factory=dict)


def _key(analysis: Analysis) -> str:
    """What a computation at fixed mass depends on: every term of the likelihood, arrays included (two
    analysis descriptions that build the same likelihood share one computation)."""
    parts = []
    for term in analysis.likelihood().terms:
        values = [(f.name, getattr(term, f.name)) for f in dataclasses.fields(term)]
        parts.append([type(term).__name__] + [(n, v.tolist() if isinstance(v, np.ndarray) else repr(v)) for n, v in values])
    return json.dumps(parts, default=repr)


def _edges_of(joint, mass: float, pieces) -> list[list[str]]:
    """For each piece, the terms whose own band ends where the algebra's piece ends ([lower terms, upper terms])."""
    bands = [(t.label, t.band(mass, 2.0)[0]) for t in joint.part(joint.mode.window_parameter).terms]
    out = []
    for lo, hi in pieces:
        out.append([[name for name, b in bands if any(np.isclose(e, x, rtol=1e-9, atol=0) for p in b for e in p)]
                    for x in (lo, hi)])
    return out


class _Runner:
    """Runs each distinct computation once (keyed by the analysis and the mass)."""

    def __init__(self):
        self.at_mass: dict[str, AtMass] = {}

    def summary(self, label: str, analysis: Analysis, mass: float = MASS) -> AtMass:
        key = _key(analysis) + f"@{mass!r}"
        if key not in self.at_mass:
            joint = analysis.likelihood()
            fit = fit_fixed_mass(joint, mass, [_WINDOW_LEVEL])
            iv = fit.intervals[joint.mode.window_parameter][_WINDOW_LEVEL.label]
            algebra = interval_algebra(joint, mass)
            self.at_mass[key] = AtMass(label, algebra, algebra_composition(joint, mass), _edges_of(joint, mass, algebra),
                                       iv.pieces, [list(e) for e in iv.edges], fit.gof, tuple(analysis.model().notes))
        return self.at_mass[key]

    def seed(self, analysis: Analysis, result) -> None:
        """Enter the reference window (already fitted) so that no table refits it."""
        joint = analysis.likelihood()
        profile = result.profile
        self.at_mass[_key(analysis) + f"@{result.mass!r}"] = AtMass(
            "reference", result.algebra, result.algebra_composition, _edges_of(joint, result.mass, result.algebra),
            None if profile is None else profile.pieces, [] if profile is None else [list(e) for e in profile.edges],
            result.gof, tuple(analysis.model().notes))


def _exact_rows(analysis: Analysis, convention: str, masses) -> list[dict]:
    """ε, linear σ and exact intervals of every muon scenario at the table masses."""
    rows = []
    for record in analysis.inputs.gm2_cards("mu"):
        scenario = record.scenario
        single = analysis.replace(muon=scenario, electron=None, limits=(), atomki=None, convention=convention)
        joint = single.likelihood()
        est = coupling_estimate(single.inputs, "mu", scenario, masses)
        for i, m in enumerate(masses):
            iv = fit_fixed_mass(joint, m).intervals["eps"]
            one, two = iv["1sigma"].pieces, iv["2sigma"].pieces
            rows.append({"convention": convention, "mass_MeV": float(m), "scenario": scenario,
                         "eps": float(est.eps[i]), "sigma_linear": float(est.sigma_linear[i]),
                         "lo_1sigma": one[0][0], "hi_1sigma": one[-1][1], "lo_2sigma": two[0][0], "hi_2sigma": two[-1][1]})
    return rows


def _electron_rows(base: Analysis) -> list[dict]:
    rows = []
    for convention in ("paper", "precise"):
        for record in base.replace(convention=convention).inputs.gm2_cards("e"):
            scenario = record.scenario
            single = base.replace(muon=None, electron=scenario, limits=(), atomki=None, convention=convention)
            est = coupling_estimate(single.inputs, "e", scenario, [MASS])
            eps = float(est.eps[0])
            rows.append({"convention": convention, "scenario": scenario, "mass_MeV": MASS,
                         "delta_a": est.delta_a, "sigma_delta_a": est.sigma_delta_a,
                         "eps": eps if np.isfinite(eps) else None,
                         "sigma_linear": float(est.sigma_linear[0]) if np.isfinite(eps) else None,
                         "fit": fit_fixed_mass(single.likelihood(), MASS).to_dict()})
    return rows


def _gof_rows(base: Analysis, result) -> list[dict]:
    """Every muon × electron pair: the full model's fit at the window's mass and the pair's tension; the
    reference pair's from the window (fitted there already)."""
    rows = []
    for muon in base.inputs.gm2_cards("mu"):
        for electron in base.inputs.gm2_cards("e"):
            if (muon.scenario, electron.scenario) == (base.muon, base.electron):
                gof, compat = result.gof, result.compatibility
            else:
                joint = base.replace(muon=muon.scenario, electron=electron.scenario).likelihood()
                gof, compat = fit_fixed_mass(joint, result.mass).gof, compatibility(joint, result.mass)
            rows.append({"muon": muon.scenario, "electron": electron.scenario, "fit": gof, "compatibility": compat})
    return rows


def _frequentist(reference: Analysis, toys: int, seed: int = 1) -> list[FrequentistRow]:
    rows = []
    for label, changes in FREQUENTIST_SCENARIOS:
        model = ToyModel.from_joint(reference.replace(limits=(), atomki=None, **changes).likelihood(), MASS)
        for text in FREQUENTIST_LEVELS:
            level = parse_level(text)
            rows.append(FrequentistRow(label, level, frequentist_interval(model, "chi2", level),
                                       frequentist_interval(model, "fc", level, toys, seed),
                                       frequentist_interval(model, "cls", level, toys, seed)))
    return rows


def _evidence(reference: Analysis, grid) -> tuple[dict, list[dict]]:
    """ln Z of every muon scenario (Bayes factors against the first) and ln B(X17 : no X17) with prior variants."""
    labels = {f"muon={r.scenario}": reference.replace(muon=r.scenario) for r in reference.inputs.gm2_cards("mu")}
    models = {label: a.model() for label, a in labels.items()}
    own = f"muon={reference.muon}"
    result = compare(list(models.items()), grids={own: grid} if grid is not None else None)
    rows = {r["analysis"]: r for r in result["rows"]}
    null = [x17_against_null(model, label, rows[label], prior_variants(model)) for label, model in models.items()]
    return result, null


def _exclusions(runner: _Runner, reference: Analysis) -> dict:
    """The windows of the 'Exclusions as published' tables, keyed by table."""
    defaults = tuple(reference.limit_cards())
    point = tuple("na64_point" if c == "na64" else c for c in defaults)
    return {"contour_vs_point": [runner.summary("defaults (NA64 contour)", reference),
                                 runner.summary(f"NA64 single point (`--limits {','.join(point)}`)",
                                                reference.replace(limits=point))],
            "na48": [runner.summary(f"reference ({reference.vector_model})", reference),
                     runner.summary("dark photon (`--model dark_photon`)", reference.replace(vector_model="dark_photon"))],
            "limit_model": [runner.summary("step (default)", reference),
                            runner.summary("poisson", reference.replace(limit_model="poisson"))]}


def _figures(reference: Analysis, paper: Analysis, result, points: int, curve_points: int) -> dict:
    from dpfit.inference import bands
    from dpfit.inference.profile.excluded import excluded_by
    from dpfit.inference.profile.scan import scan as profile_scan

    joint = reference.likelihood()
    scan = profile_scan(reference, points=(points, points))  # the walls' exact edges are grid nodes
    return {"muon_bands": bands.scenario_bands(paper, "mu", np.geomspace(5.0, 500.0, curve_points)),
            "overlay": bands.overlay_results(reference, np.geomspace(5.0, 50.0, curve_points),
                                             result.algebra if result.status == "allowed" else []),
            "scan": scan, "excluded": excluded_by(joint, scan)}


def compute(reference: Analysis, chain_path, quick: bool = False, progress: bool = True, prov: dict | None = None,
            seed: int = 1) -> ReferenceResults:
    """Every result of a reference run, computed once from ``reference`` (the run's Analysis, precise
    convention); the chain is written to ``chain_path``."""
    from dpfit.inference.bayes.sampling import sample
    from dpfit.inputs.model_cards import load_model

    walkers, steps, points, curve_points, toys = SETTINGS["quick" if quick else "full"]
    paper = reference.replace(convention="paper")
    runner = _Runner()
    tables = {conv: muon_table(a.inputs, DEFAULT_MASSES) for conv, a in (("paper", paper), ("precise", reference))}
    exact = _exact_rows(paper, "paper", DEFAULT_MASSES) + _exact_rows(reference, "precise", DEFAULT_MASSES)
    model = reference.model()
    grid = grid_posterior(model) if grid_available(model) else None  # the walkers' start and the window's reference
    chain = sample(reference, chain_path, nwalkers=walkers, nsteps=steps, seed=seed, progress=progress, grid=grid,
                   provenance=prov)
    result = window(reference, chain=chain, grid=grid)
    runner.seed(reference, result)
    rows = paper_rows(paper)
    evidence, null = _evidence(reference, grid)
    models = [(name, runner.summary(name, reference.replace(vector_model=name), result.mass)) for name in MODELS]
    axial = reference.replace(vector_model="axial", electron="Cs18")
    na48 = reference.replace(vector_model="dark_photon").likelihood()
    term = next((t for t in na48.terms if t.name == "na48" and isinstance(t, Exclusion)), None)
    return ReferenceResults(
        reference, paper, quick, toys, tables, exact, _electron_rows(reference), grid, chain, result,
        _gof_rows(reference, result), rows, discrepancies(paper, rows), evidence, null, _frequentist(reference, toys),
        _exclusions(runner, reference), float("nan") if term is None else float(term.edges(MASS)[0]), models,
        runner.summary("axial, electron Cs18", axial, result.mass),
        float(coupling_estimate(axial.inputs, "e", "Cs18", [MASS], load_model("axial")).eps[0]),
        _figures(reference, paper, result, points, curve_points), _survival(reference))


#: The models whose (g−2)_μ survival over the shipped limits the report tabulates.
SURVIVAL_MODELS = ("dark_photon", "protophobic")


def _survival(reference: Analysis) -> dict:
    """{model: [Survival]} of the muon scenarios against the visible searches from 1 MeV to 2 m_π, where hadronic
    decays (not modelled) begin (:func:`dpfit.inference.landscape.muon_survival`)."""
    from dpfit.inference.landscape import muon_survival

    out = {}
    for name in SURVIVAL_MODELS:
        analysis = reference.replace(vector_model=name)
        physics = analysis.physics()
        top = 2.0 * physics.pion_mass * (1.0 - 1e-9)  # the last mass the widths are modelled at
        out[name] = muon_survival(analysis.inputs, analysis.vector, physics, (1.0, top))[1]
    return out
