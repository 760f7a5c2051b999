"""dpfit.inputs.yaml_io: dpfit's strict YAML loader (YAML 1.2 scalars, no anchors, no duplicate keys, one document)
and the finite-number check, on libyaml's parser and on PyYAML's pure-Python one."""

from __future__ import annotations

import time

import pytest

from dpfit.errors import InputError
from dpfit.inputs import yaml_io
from dpfit.inputs.load import load_inputs, parse_override
from dpfit.inputs.yaml_io import check_finite, parse_yaml, read_yaml
from tests.inputs.input_helpers import NA64_DATA, one_line_error

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


@pytest.fixture(params=["libyaml", "python"])
def either_parser(request, monkeypatch):
    """Each YAML rule holds on libyaml's parser (used when PyYAML has it) and on PyYAML's pure-Python one."""
    if request.param == "python":
        monkeypatch.setattr(yaml_io, "_CLoader", None)
    elif yaml_io._CLoader is None:
        pytest.skip("PyYAML built without libyaml")


@pytest.mark.usefixtures("either_parser")
def test_alias_bomb_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(InputError, match="anchors and aliases"):
        parse_yaml(ALIAS_BOMB, "bomb.yaml")
    assert time.perf_counter() - start < 1.0  # 9**10 items if expanded


@pytest.mark.usefixtures("either_parser")
def test_recursive_alias_is_refused_without_recursion_error():
    with pytest.raises(InputError, match="anchors and aliases"):
        parse_yaml("a: &a [*a]\n", "rec.yaml")


def test_alias_bomb_in_a_data_file_an_analysis_file_and_a_set_value(cli, tmp_path):
    (tmp_path / "ov").mkdir()
    (tmp_path / "ov" / "bomb.yaml").write_text(ALIAS_BOMB)
    assert "bomb.yaml" in one_line_error(cli, "inputs", "check", tmp_path / "ov")
    (tmp_path / "an.yaml").write_text("schema: dpfit-analysis/1\n" + ALIAS_BOMB)
    assert "an.yaml" in one_line_error(cli, "fit", tmp_path / "an.yaml", "--mass", "17")
    err = one_line_error(cli, "fit", "--mass", "17", "--set", "a_mu_sm_wp25.value=&a [*a]")
    assert "--set" in err and "anchors and aliases" in err


@pytest.mark.usefixtures("either_parser")
def test_duplicate_key_names_file_and_key(tmp_path):
    with pytest.raises(InputError, match=r"x\.yaml: field 'point\.lower': duplicate key"):
        parse_yaml("point:\n  lower: 1e-4\n  lower: 2e-4\n", "x.yaml")
    d = tmp_path / "ov"
    d.mkdir()
    (d / "na64_2020.yaml").write_text(NA64_DATA + "cl: 0.95\n")
    with pytest.raises(InputError, match="na64_2020.yaml: field 'cl': duplicate key"):
        load_inputs(d)


@pytest.mark.usefixtures("either_parser")
@pytest.mark.parametrize("text, meaning", [
    ("0777", "octal"), ("1:30", "sexagesimal"), ("0x1F", "hexadecimal"), ("0o17", "octal"), ("0b101", "binary"),
    ("1_000", "'_'"), ("1_000.5", "'_'"), ("yes", "boolean"), ("off", "boolean"), ("True", "boolean"),
    ("-0777", "octal"), ("190:20:30", "sexagesimal"),
])
def test_yaml_1_1_numbers_and_booleans_are_errors_naming_the_key(text, meaning):
    with pytest.raises(InputError, match=f"f.yaml: field 'cl'.*{meaning}") as exc:
        parse_yaml(f"cl: {text}\n", "f.yaml")
    assert "\n" not in str(exc.value)
    assert parse_yaml(f"cl: '{text}'\n", "f.yaml") == {"cl": text}  # quoted: text


@pytest.mark.parametrize("text, value", [
    ("1e-4", 1e-4), ("0.5", 0.5), ("12", 12), ("-3.0e+2", -300.0), ("0", 0), ("+7", 7), ("1E5", 1e5), (".5", 0.5),
    ("true", True), ("false", False), ("null", None), ("~", None), ("na64", "na64"), ("WP25", "WP25"),
    ("2023-01-01", "2023-01-01"),
])
def test_yaml_1_2_scalars_keep_their_meaning(text, value):
    parsed = parse_yaml(f"v: {text}\n", "f.yaml")["v"]
    assert parsed == value and type(parsed) is type(value)


def test_yaml_nan_and_inf_still_reach_the_finite_check(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("v: .nan\n")
    with pytest.raises(InputError, match="field 'v': expected a finite number"):
        yaml_io.read_yaml(path)


def test_set_value_with_an_octal_is_an_error_naming_the_key():
    with pytest.raises(InputError, match=r"overrides: field 'a_mu_sm_wp25\.value'.*octal"):  # the library names its field
        parse_override("a_mu_sm_wp25.value=0777")


def test_every_shipped_file_still_loads():
    assert len(load_inputs().files()) > 30 and len(load_inputs(convention="paper").files()) > 30



@pytest.mark.usefixtures("either_parser")
@pytest.mark.parametrize("text, field, words", [
    ("1: x\n", None, "keys must be text"),
    ("a:\n  [1, 2]: x\n", "a", "keys must be text"),
    ("a: [1, yes]\n", "a[1]", "a boolean (YAML 1.1)"),
    ("a: {b: [x, 0x10]}\n", "a.b[1]", "a hexadecimal number"),
    ("a: 1\n---\nb: 2\n", None, "malformed YAML at line 2"),
])
def test_what_the_loader_refuses_names_the_place(text, field, words):
    with pytest.raises(InputError) as info:
        parse_yaml(text, "f.yaml")
    assert (info.value.source, info.value.field) == ("f.yaml", field) and words in info.value.message


@pytest.mark.usefixtures("either_parser")
def test_an_empty_document_is_none_and_quoted_text_stays_text():
    assert parse_yaml("", "f.yaml") is None and parse_yaml("# only a comment\n", "f.yaml") is None
    assert parse_yaml("v: '0777'\nw: \"yes\"\n", "f.yaml") == {"v": "0777", "w": "yes"}


@pytest.mark.parametrize("doc, field, words", [
    ({"a": {"b": [1.0, float("inf")]}}, "a.b[1]", "expected a finite number, got inf"),
    ({"a": [float("nan")]}, "a[0]", "expected a finite number, got nan"),
    ({"big": 10**301}, "big", "number out of range"),
    ({"a": {2: 1}}, "a", "keys must be text"),
])
def test_check_finite_names_the_field(doc, field, words):
    with pytest.raises(InputError) as info:
        check_finite(doc, "f.yaml")
    assert info.value.field == field and words in info.value.message


def test_check_finite_passes_ordinary_documents():
    check_finite({"a": [1, 2.5, True, None, "x"], "b": {"c": 10**300, "d": -1e308}}, "f.yaml")


def test_read_yaml_returns_the_mapping_and_its_bytes(tmp_path):
    path = tmp_path / "x.yaml"
    raw = "schema: dpfit-data/1\nvalue: 1.5e-3\n".encode()
    path.write_bytes(raw)
    assert read_yaml(path) == ({"schema": "dpfit-data/1", "value": 1.5e-3}, raw)
    path.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="x.yaml: expected a YAML mapping at the top level, got list"):
        read_yaml(path)
