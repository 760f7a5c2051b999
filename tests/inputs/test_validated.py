"""dpfit.inputs.validated: a document that passed the schema is remembered by content, in memory and in the cache."""

import pytest

from dpfit.inputs import validated
from dpfit.inputs.validated import known_valid, remember_valid

SHA = "ab" * 32


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty memory and an empty cache directory (a process that validated nothing yet)."""
    monkeypatch.setattr(validated, "_KNOWN", set())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "dpfit" / "validated"


def test_remembered_across_processes_by_content(fresh, monkeypatch):
    assert not known_valid("quantity", SHA)
    remember_valid("quantity", SHA)
    assert known_valid("quantity", SHA)
    assert len(list(fresh.iterdir())) == 1 and all(p.stat().st_size == 0 for p in fresh.iterdir())
    monkeypatch.setattr(validated, "_KNOWN", set())  # another process: read from the cache directory
    assert known_valid("quantity", SHA)
    assert not known_valid("quantity", "cd" * 32) and not known_valid("exclusion", SHA)


def test_another_schema_validates_again(fresh, monkeypatch):
    remember_valid("quantity", SHA)
    monkeypatch.setattr(validated, "schema_digest", lambda: "0" * 64)
    assert not known_valid("quantity", SHA)


def test_a_cache_that_cannot_be_written_is_not_used(fresh, tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache directory would be\n")
    remember_valid("quantity", SHA)  # no error
    assert known_valid("quantity", SHA)  # remembered in this process
    monkeypatch.setattr(validated, "_KNOWN", set())
    assert not known_valid("quantity", SHA)  # and nowhere else
