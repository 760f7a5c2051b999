"""dpfit.errors: every error dpfit raises for bad input or a failed output prints as one line naming where and what."""

import pytest

from dpfit.errors import ExecutorUnavailable, InputError, NoAllowedRegion, OutputError, OutputInUse


def test_input_error_names_source_field_and_message():
    exc = InputError("data/a.yaml", "point.upper", "must be above the lower edge")
    assert str(exc) == "data/a.yaml: field 'point.upper': must be above the lower edge"
    assert (exc.source, exc.field, exc.message) == ("data/a.yaml", "point.upper", "must be above the lower edge")
    assert str(InputError("option --mass", None, "expected a number")) == "option --mass: expected a number"
    assert isinstance(exc, ValueError)  # callers that catch ValueError still catch it


def test_source_is_kept_as_text():
    from pathlib import Path

    exc = InputError(Path("/tmp/x.yaml"), None, "bad")
    assert exc.source == "/tmp/x.yaml" and str(exc) == "/tmp/x.yaml: bad"


@pytest.mark.parametrize("make", [
    lambda text: InputError(text, "f", text), lambda text: OutputError(text, text),
    lambda text: ExecutorUnavailable(text), lambda text: OutputInUse(text, None, text),
])
def test_whatever_the_input_says_the_message_is_one_line(make):
    exc = make("a\nb\r\nc")
    assert "\n" not in str(exc) and "\r" not in str(exc)
    assert "a\\nb\\r\\nc" in str(exc)  # escaped, not dropped


def test_output_error_says_what_could_not_be_written_and_why():
    exc = OutputError("out/t.csv", "Permission denied")
    assert str(exc) == "cannot write 'out/t.csv': Permission denied"
    assert (exc.path, exc.reason) == ("out/t.csv", "Permission denied")
    assert not isinstance(exc, (InputError, ValueError))  # an environment failure: exit 3, not 2


def test_the_error_hierarchy():
    """A missing allowed region and an output in use are bad inputs (exit 2); an executor that cannot run is not."""
    assert issubclass(NoAllowedRegion, InputError) and issubclass(OutputInUse, InputError)
    assert not issubclass(ExecutorUnavailable, (InputError, OutputError))
    exc = ExecutorUnavailable("no dask scheduler at tcp://127.0.0.1:1")
    assert exc.reason == str(exc) == "no dask scheduler at tcp://127.0.0.1:1"
