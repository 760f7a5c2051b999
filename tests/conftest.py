"""Shared fixtures: an in-process CLI runner; long tests scheduled first (helpers live in tests/helpers.py)."""

from __future__ import annotations

import pytest

from dpfit.cli import main


def pytest_collection_modifyitems(items):
    """Tests marked ``long`` first: pytest-xdist hands tests out in this order, so the workers finish together."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture
def cli(capsys):
    """Run ``dpfit ARGS`` in-process; return (exit status, stdout, stderr)."""

    def run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
