"""dpfit.inputs.schema: the JSON Schema file, validation errors in one line naming file and field, classification."""

import hashlib
import json

import pytest

from dpfit.errors import InputError
from dpfit.inputs.load import load_inputs
from dpfit.inputs.schema import (CARD_KINDS, DATA_KINDS, SCHEMA_FILE, classify, default_dir, schema, schema_digest,
                                 validate)
from dpfit.physics.units import UNITS
from tests.inputs.input_helpers import NA64_DATA, copy_with

#: A valid quantity document; each test below changes one thing.
QUANTITY = {"schema": "dpfit-data/1", "kind": "quantity", "quantity": "x", "value": 1.5, "uncertainty": 0.1,
            "unit": "1e-11", "reference": "a test"}


def test_schema_errors_quote_a_short_excerpt(tmp_path):
    d = tmp_path / "ov"
    d.mkdir()
    (d / "na64_2020.yaml").write_text(NA64_DATA.replace("cl: 0.9", "cl: '" + "z" * 300 + "'"))
    with pytest.raises(InputError, match="field 'cl'") as exc:
        load_inputs(d)
    assert "z" * 50 not in str(exc.value)


def test_unknown_field_suggests_spelling(tmp_path):
    d = copy_with(tmp_path, "a_mu_sm_wp25.yaml", "uncertainty: 62", "uncertainty: 62\nuncertainity: 62")
    with pytest.raises(InputError, match="did you mean 'uncertainty'"):
        load_inputs(d)


def test_schema_is_the_file_and_its_digest_the_files_sha256():
    assert schema() == json.loads(SCHEMA_FILE.read_text())
    assert schema_digest() == hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()
    defs = schema()["$defs"]
    assert set(DATA_KINDS.values()) | set(CARD_KINDS.values()) | {"model", "analysis"} <= set(defs)
    assert set(defs["unit"]["enum"]) == set(UNITS)  # every unit a file may name converts (dpfit.physics.units)


def test_default_dirs():
    assert (default_dir("data") / "alpha.yaml").is_file() and (default_dir("likelihoods") / "na64.yaml").is_file()
    with pytest.raises(FileNotFoundError, match="'nonsense' directory is missing"):
        default_dir("nonsense")


def test_a_valid_document_passes():
    validate(dict(QUANTITY), "quantity", "q.yaml")
    validate({**{k: v for k, v in QUANTITY.items() if k != "uncertainty"}, "exact": True}, "quantity", "q.yaml")


@pytest.mark.parametrize("change, field, message", [
    ({"reference": None}, "reference", "missing (required)"),
    ({"uncertainity": 0.1}, "uncertainity", "unknown field (did you mean 'uncertainty'?)"),
    ({"colour": "red"}, "colour", "unknown field; allowed: date, description, exact, inverse, kind, notes, quantity, "
                                  "reference, schema, uncertainty, unit, value"),
    ({"unit": "furlongs"}, "unit", "expected one of 1, 1e-9, 1e-10"),
    ({"schema": "dpfit-data/2"}, "schema", "expected 'dpfit-data/1', got 'dpfit-data/2'"),
    ({"uncertainty": -1.0}, "uncertainty", "expected a number > 0, got -1.0"),
    ({"value": "big"}, "value", "expected a number, got str 'big'"),
    ({"exact": True}, None, "expected exactly one of 'uncertainty' or 'exact'"),
])
def test_validation_error_names_field_and_expectation(change, field, message):
    doc = {k: v for k, v in {**QUANTITY, **change}.items() if v is not None}
    with pytest.raises(InputError) as info:
        validate(doc, "quantity", "q.yaml")
    assert (info.value.source, info.value.field) == ("q.yaml", field)
    assert info.value.message.startswith(message) and "\n" not in str(info.value)


@pytest.mark.parametrize("doc, role, definition", [
    (QUANTITY, "data", "quantity"),
    ({"schema": "dpfit-data/1", "kind": "exclusion"}, "data", "exclusion"),
    ({"schema": "dpfit-card/1", "kind": "exclusion"}, "card", "exclusion_card"),
    ({"schema": "dpfit-card/1", "kind": "gm2_gaussian"}, "card", "gm2_gaussian"),
])
def test_classify_by_schema_and_kind(doc, role, definition):
    assert classify(doc, "f.yaml") == (role, definition)


@pytest.mark.parametrize("doc, field", [({"kind": "quantity"}, "schema"), ({"schema": "dpfit-model/1"}, "schema"),
                                        ({"schema": "dpfit-card/1", "kind": "quantity"}, "kind"),
                                        ({"schema": "dpfit-data/1", "kind": ["quantity"]}, "kind")])
def test_classify_refuses_what_is_not_an_input(doc, field):
    with pytest.raises(InputError) as info:
        classify(doc, "f.yaml")
    assert info.value.field == field and info.value.message.startswith("expected ")
