"""Text from inputs (override values, notes, names) is escaped before it enters Markdown or a terminal line."""

import pytest

from dpfit.errors import InputError
from dpfit.inputs.limit_files import parse_limit_file
from dpfit.output.render import markdown_text, terminal_text
from dpfit.reference.report import _overrides


def test_markdown_text_is_inert():
    text = markdown_text("a\n# b <script>alert(1)</script> **c** `d` [e](f) | g & h ~i~ \x1b[31m")
    assert "\n" not in text and "<" not in text and ">" not in text
    assert "\x1b" not in text and "**" not in text and "`d`" not in text and "[e]" not in text
    for escaped in ("\\| g", "\\~i\\~", "\\# b", "\\`d\\`", "\\[e\\](f)"):
        assert escaped in text
    assert "&lt;script&gt;" in text and "\\*\\*c\\*\\*" in text and "&amp;" in text


def test_terminal_text_shows_control_characters():
    assert terminal_text("na64\nfake line\r\x1b[2J\tok") == "na64\\nfake line\\r\\x1b[2J\tok"


def test_override_note_enters_the_report_escaped():
    prov = {"overrides": [{"key": "na64_2020.notes", "value": "<img src=x onerror=alert(1)>\n## Fake section"}]}
    line = _overrides(prov)
    assert "<img" not in line and "\n" not in line and "\\#\\# Fake section" in line


def test_limit_name_with_a_newline_is_refused(tmp_path):
    with pytest.raises(InputError, match="field 'name': expected a name of printable characters"):
        parse_limit_file(f"{tmp_path / 'c.csv'}:name=na64\nfake line", source="option --limit-file")
    with pytest.raises(InputError, match="printable"):
        parse_limit_file(f"{tmp_path / 'c.csv'}:name=x\x1b[2J")
