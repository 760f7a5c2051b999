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


@pytest.fixture(scope="module")
def poisson_analysis(tmp_path_factory):
    """The Poisson-limit issue's reproducer: Rb20 with a one-sided electron limit at 1e-3 read as zero observed
    events (likelihood and profile tests share it)."""
    from tests.inference.profile.profile_helpers import poisson_reproducer

    return poisson_reproducer(tmp_path_factory.mktemp("poisson"))


@pytest.fixture(scope="module")
def with_eps2():
    """A likelihood with the extension term that measures eps^2 (tests/likelihood/extension_terms.py)."""
    from tests.inference.profile.profile_helpers import eps2_likelihood

    return eps2_likelihood()

