"""Model cards: a vector model by its couplings, from a built-in name or a user's YAML file.

A card (``schema: dpfit-model/1``, checked against ``$defs/model`` of the JSON Schema) names its free
parameters and, per parameter, the vector and axial charge of each fermion in units of e (a number or a
fraction such as ``2/3``). The built-in cards live in ``likelihoods/models/``: dark_photon, protophobic,
B-L, B, Lmu-Ltau, Le-Lmu, Le-Ltau (charges as in Ilten, Soreq, Williams, Xue, JHEP 06 (2018) 004), lepton
(free ε_e and ε_μ) and axial. ``--model FILE`` reads a user's card with the same one-line errors as every
other input.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from dpfit.errors import InputError
from dpfit.inputs.schema import default_dir
from dpfit.inputs.schema import validate
from dpfit.inputs.yaml_io import read_yaml
from dpfit.physics.vector_models import VectorModel

#: The model of the reference analysis (the source paper's: lepton-universal protophobic vector, ε_ν = 0).
REFERENCE_MODEL = "protophobic"


def models_dir() -> Path:
    """The shipped model cards' directory."""
    return default_dir("likelihoods") / "models"


def built_in_models() -> list[str]:
    """Names of the built-in model cards."""
    return sorted(p.stem for p in models_dir().glob("*.yaml"))


def _charge(value, source: str, field: str) -> float:
    if isinstance(value, str):
        numerator, denominator = value.split("/")
        if int(denominator) == 0:
            raise InputError(source, field, f"a fraction with denominator 0: {value}")
        return float(Fraction(int(numerator), int(denominator)))
    return float(value)


def _table(doc: dict, kind: str, source: str) -> dict[str, dict[str, float]]:
    table = doc.get(kind) or {}
    for parameter in table:
        if parameter not in doc["parameters"]:
            raise InputError(source, f"{kind}.{parameter}", f"not a parameter of the model; parameters: "
                                                           f"{', '.join(doc['parameters'])}")
    return {p: {f: _charge(q, source, f"{kind}.{p}.{f}") for f, q in (charges or {}).items()}
            for p, charges in table.items()}


def parse_model(doc: dict, source: str) -> VectorModel:
    """A :class:`VectorModel` from a validated card document."""
    validate(doc, "model", source)
    model = VectorModel(doc["name"], tuple(doc["parameters"]), _table(doc, "vector", source),
                        _table(doc, "axial", source), doc["description"], doc["reference"])
    if not any(model.charges(f, kind) for f in ("e", "mu", "tau", "nu_e", "nu_mu", "nu_tau", "u", "d", "s", "c", "b",
                                                "t") for kind in ("vector", "axial")):
        raise InputError(source, "vector", "the model charges no fermion")
    for fermion in ("e", "mu", "p"):
        for kind in ("vector", "axial"):
            try:
                model.coupling(fermion, kind)
            except ValueError as exc:
                raise InputError(source, "parameters", str(exc)) from None
    if len(model.parameters) == 2:
        e, mu = model.coupling("e")[0] or model.coupling("e", "axial")[0], \
            model.coupling("mu")[0] or model.coupling("mu", "axial")[0]
        if e is None or mu is None or e == mu:
            raise InputError(source, "parameters", "a model with two parameters needs one read by the electron and "
                                                   "the other by the muon")
    return model


def load_model(spec: str, source: str = "option --model") -> VectorModel:
    """The model of a built-in name or of a card file's path (one-line errors naming the file or option)."""
    if not isinstance(spec, str) or not spec:
        raise InputError(source, None, "expected a model name or a model file")
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or "/" in spec:
        if not path.exists():
            raise InputError(source, None, f"no model file {spec}")
        doc, _ = read_yaml(path)
        return parse_model(doc, str(path))
    if spec not in built_in_models():
        raise InputError(source, None, f"unknown model '{spec}'; built in: {', '.join(built_in_models())}, or a "
                                       f"model file (.yaml)")
    file = models_dir() / f"{spec}.yaml"
    doc, _ = read_yaml(file)
    return parse_model(doc, str(file))
