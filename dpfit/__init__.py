"""dpfit: statistical inference on light vector bosons (dark photons, the X17).

Importing dpfit does no work: inputs are read when a function asks for them.
The main entry points are :func:`dpfit.inputs.inputset.load_inputs`,
:class:`dpfit.model.analysis.Analysis` and the ``dpfit`` command (:mod:`dpfit.cli`).
"""

__version__ = "0.1.0"
