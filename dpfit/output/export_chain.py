"""A posterior chain in the formats of the community's tools: ArviZ ``InferenceData`` (NetCDF) and getdist.

Both read the chain through :func:`dpfit.inference.bayes.chains.read_chain` and
apply the burn-in and thinning of :func:`dpfit.inference.bayes.diagnostics.diagnostics`
(2 τ and τ/2, τ the integrated autocorrelation time; Goodman & Weare,
CAMCOS 5 (2010) 65; emcee's guidance), and record them.

- ArviZ: group ``posterior`` with variables ``m`` (MeV) and ``eps`` (or
  ``eps_e``, ``eps_mu``) as ε, dimensions (chain = walker, draw); group
  ``sample_stats`` with ``lp`` (ln posterior); the attributes hold burn-in,
  thinning, the prior of each parameter with its range and the provenance
  (JSON), so ``arviz.from_netcdf`` and ``arviz.summary`` work on the file.
- getdist: ``ROOT.txt`` (columns weight, −ln posterior, m, log10 ε, ε*),
  ``ROOT.paramnames`` (ε marked derived with ``*``), ``ROOT.ranges`` (the prior
  ranges, so getdist's densities respect the boundaries) and
  ``ROOT.properties.ini`` (burn-in removed, thinning, provenance).
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.diagnostics import diagnostics
from dpfit.io.atomic import atomic_path, write_text
from dpfit.output.writers import to_json

LATEX = {"m": r"m\,[\mathrm{MeV}]", "eps": r"\varepsilon", "eps_e": r"\varepsilon_e", "eps_mu": r"\varepsilon_\mu"}


def arviz():
    """arviz, imported with its once-a-day FutureWarning kept out of the user's output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def _kept(chain: Chain) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(samples (steps, walkers, ndim), log_prob (steps, walkers), burn, thin) after burn-in and thinning."""
    diag = diagnostics(chain)
    return (chain.get_chain(discard=diag.burn, thin=diag.thin), chain.get_log_prob(discard=diag.burn, thin=diag.thin),
            diag.burn, diag.thin)


def _physical(name: str, values: np.ndarray) -> tuple[str, np.ndarray]:
    """('eps', 10**x) for a 'log10_eps' coordinate, else the name and values unchanged."""
    if name.startswith("log10_"):
        return name.removeprefix("log10_"), 10.0 ** values
    return name, values


def priors(chain: Chain) -> dict[str, dict]:
    """Prior of each physical parameter with its range, from the analysis the chain records."""
    analysis = chain.meta.get("analysis", {})
    out = {}
    for name in chain.names:
        physical, _ = _physical(name, np.zeros(1))
        if physical == "m":
            out["m"] = {"prior": analysis.get("mass_prior"), "range": analysis.get("mass_range"), "unit": "MeV"}
        else:
            out[physical] = {"prior": analysis.get("eps_prior"), "range": analysis.get("eps_range"), "unit": ""}
    return out


def chain_provenance(chain: Chain, command: str) -> dict:
    """The chain's own provenance (inputs, analysis, seed) plus the export step."""
    from dpfit import __version__

    return {**chain.meta.get("provenance", {}), "export": {"command": command, "dpfit_version": __version__}}


def inference_data(chain: Chain, prov: dict | None = None):
    """An ``arviz.InferenceData`` of the chain: physical variables, burn-in and thinning applied."""
    az = arviz()
    samples, log_prob, burn, thin = _kept(chain)
    posterior = dict(_physical(name, samples[:, :, i].T) for i, name in enumerate(chain.names))
    attrs = {"burn_in": burn, "thin": thin, "steps_in_file": chain.steps, "sampler": "emcee",
             "priors": json.dumps(priors(chain)), "provenance": json.dumps(prov or chain.meta.get("provenance", {})),
             "dpfit_version": chain.meta.get("dpfit_version", ""),
             "description": "posterior samples; m in MeV, couplings as eps (dimensionless); "
                            "burn-in and thinning already applied"}
    idata = az.from_dict(posterior=posterior, sample_stats={"lp": log_prob.T})
    for group in (idata.posterior, idata.sample_stats):
        group.attrs.update(attrs)
    return idata


def netcdf_path(target) -> str:
    """The NetCDF file for ``target``: ``target`` itself when it ends in ``.nc``, else ``target.nc``."""
    target = str(target)
    return target if target.lower().endswith(".nc") else target + ".nc"


def write_netcdf(chain: Chain, target, prov: dict | None = None) -> str:
    """Write the chain as ArviZ NetCDF (``arviz.from_netcdf`` reads it), atomically, to
    :func:`netcdf_path` (``target`` with ``.nc`` added if it lacks it); return that path."""
    idata = inference_data(chain, prov)
    path = netcdf_path(target)
    with atomic_path(path) as tmp:
        idata.to_netcdf(str(tmp), engine="h5netcdf")
    return path


def write_getdist(chain: Chain, root, prov: dict | None = None) -> list[str]:
    """Write getdist's chain files ROOT.txt, .paramnames, .ranges, .properties.ini; return their paths."""
    samples, log_prob, burn, thin = _kept(chain)
    flat = samples.reshape(-1, samples.shape[2])
    columns, names, ranges = [np.ones(len(flat)), -log_prob.reshape(-1)], [], []
    derived = []
    pri = priors(chain)
    for i, name in enumerate(chain.names):
        physical, values = _physical(name, flat[:, i])
        rng = pri[physical]["range"]
        columns.append(flat[:, i])
        if physical == name:
            names.append(f"{name}\t{LATEX.get(name, name)}")
            ranges.append(f"{name}\t{rng[0]:.10g}\t{rng[1]:.10g}" if rng else f"{name}\tN\tN")
        else:
            names.append(f"{name}\t\\log_{{10}}{LATEX.get(physical, physical)}")
            ranges.append(f"{name}\t{np.log10(rng[0]):.10g}\t{np.log10(rng[1]):.10g}" if rng else f"{name}\tN\tN")
            derived.append((physical, values, rng))
    for physical, values, rng in derived:
        columns.append(values)
        names.append(f"{physical}*\t{LATEX.get(physical, physical)}")
        if rng:
            ranges.append(f"{physical}\t{rng[0]:.10g}\t{rng[1]:.10g}")
    root = str(root)
    body = "\n".join(" ".join(f"{v:.12e}" for v in row) for row in np.column_stack(columns)) + "\n"
    provenance = json.dumps(json.loads(to_json(prov or chain.meta.get("provenance", {}))), separators=(",", ":"))
    properties = (f"burn_removed = T\nignore_rows = 0\n# dpfit: burn-in {burn} steps removed, thinned by {thin}; "
                  f"walkers concatenated\ndpfit_burn_in = {burn}\ndpfit_thin = {thin}\n"
                  f"dpfit_provenance = {provenance}\n")
    files = {f"{root}.txt": body, f"{root}.paramnames": "\n".join(names) + "\n",
             f"{root}.ranges": "\n".join(ranges) + "\n", f"{root}.properties.ini": properties}
    for path, text in files.items():
        write_text(path, text)
    return list(files)
