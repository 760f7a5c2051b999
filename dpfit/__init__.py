"""dpfit: statistical inference on light vector bosons (dark photons, the X17).

Importing dpfit does no work: every name below is imported on first use.
The flow is one-way: input files → typed records (:mod:`dpfit.inputs`) →
a model (:class:`Analysis` → :class:`Model`, its :class:`JointLikelihood`) →
inference (:func:`fit`, :func:`scan`, :func:`sample`, :func:`window`) →
outputs (:mod:`dpfit.output`, :func:`reproduce`)::

    import dpfit
    result = dpfit.fit(dpfit.Analysis(muon="WP20"), mass=16.7, levels="1sigma,0.95")
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

#: Public name -> module that defines it.
_EXPORTS = {
    "Analysis": "dpfit.model.analysis",
    "Model": "dpfit.model.model",
    "load_inputs": "dpfit.inputs.load",
    "InputSet": "dpfit.inputs.inputset",
    "JointLikelihood": "dpfit.likelihood.joint",
    "Term": "dpfit.likelihood.terms",
    "Gm2Gaussian": "dpfit.likelihood.terms",
    "Exclusion": "dpfit.likelihood.terms",
    "PreferredRegion": "dpfit.likelihood.terms",
    "fit": "dpfit.inference.profile.fit",
    "FitResult": "dpfit.inference.profile.fit",
    "scan": "dpfit.inference.profile.scan",
    "Scan": "dpfit.inference.profile.scan",
    "sample": "dpfit.inference.bayes.sampling",
    "read_chain": "dpfit.inference.bayes.chains",
    "window": "dpfit.inference.window",
    "WindowResult": "dpfit.inference.window",
    "compatibility": "dpfit.inference.profile.compatibility",
    "parse_levels": "dpfit.inference.levels",
    "reproduce": "dpfit.reference.reproduce",
    "describe": "dpfit.output.wording",
    "InputError": "dpfit.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    """Import a public name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dpfit' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
