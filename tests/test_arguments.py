"""dpfit.arguments: each check of an API argument accepts what it says, refuses the rest with one line naming the
function and the argument, and its limits hold against numpy's seeds and the file system's name length."""

import math
import os
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from dpfit import arguments
from dpfit.arguments import integer, names, path, positive_range, real, text_or_none
from dpfit.errors import InputError


def refused(call, value, *rest, **kwargs) -> str:
    """The message of the InputError ``call(value, "sample", "nwalkers", *rest)`` must raise."""
    with pytest.raises(InputError) as info:
        call(value, "sample", "nwalkers", *rest, **kwargs)
    assert (info.value.source, info.value.field) == ("sample", "nwalkers") and "\n" not in str(info.value)
    assert "--" not in info.value.message  # a library message names no command-line flag
    return info.value.message


def test_text_or_none():
    assert text_or_none("WP25", "f", "muon") == "WP25" and text_or_none(None, "f", "muon") is None
    assert refused(text_or_none, 25) == "expected a name (text) or None, got 25"


def test_names_take_a_list_not_a_bare_string():
    assert names(["na64", "padme"], "f", "limits") == ("na64", "padme") and names(None, "f", "limits") is None
    assert names(iter(("na48",)), "f", "limits") == ("na48",)  # any iterable
    assert refused(names, "na64") == "expected a list of card names, e.g. ['na64'], got the text 'na64'"
    assert "got an item ''" in refused(names, ["na64", ""])
    assert "got an item 3" in refused(names, ["na64", 3])
    assert refused(names, 3) == "expected a list of card names, got 3"


def test_real_is_finite_in_its_closed_range():
    assert real(2, "f", "x", 2, 3) == 2.0 and type(real(2, "f", "x")) is float
    assert real(3.0, "f", "x", 2, 3) == 3.0 and real(Fraction(5, 2), "f", "x", 2, 3) == 2.5
    assert refused(real, 3.5, lo=2, hi=3) == "expected a finite number from 2 to 3, got 3.5"
    assert refused(real, -1, lo=0) == "expected a finite number >= 0, got -1"
    assert refused(real, 2, hi=1) == "expected a finite number <= 1, got 2"
    for bad in (math.nan, math.inf, True, "1", None):
        assert refused(real, bad).startswith("expected a finite number, got ")


def test_positive_range():
    assert positive_range((1e-5, 1e-2), "f", "x") == (1e-5, 1e-2) and positive_range([1, 2], "f", "x") == (1.0, 2.0)
    for bad in ((0, 1), (2, 1), (1, 1), (1, math.inf), (1,), (1, 2, 3), "ab", None, (True, 2)):
        assert refused(positive_range, bad).startswith("expected (low, high) with 0 < low < high, got ")


def test_integer_bounds_are_inclusive_and_even_is_checked():
    assert integer(8, "f", "x", 8, 1024) == 8 and integer(np.int64(1024), "f", "x", 8, 1024) == 1024
    assert integer(10, "f", "x", 8, 1024, even=True) == 10
    assert refused(integer, 9, 8, 1024, even=True) == "expected an even integer from 8 to 1024, got 9"
    for bad in (7, 1025, 8.0, True, "8"):
        assert refused(integer, bad, 8, 1024).startswith("expected an integer from 8 to 1024, got ")


def test_seed_range_is_numpys():
    """emcee seeds numpy's legacy generator, which takes 0 to 2**32 - 1."""
    np.random.RandomState(arguments.MAX_SEED)
    with pytest.raises(ValueError):
        np.random.RandomState(arguments.MAX_SEED + 1)
    assert integer(arguments.MAX_SEED, "f", "seed", 0, arguments.MAX_SEED) == 2**32 - 1


def test_path_length_in_utf8_bytes():
    assert path("out/c.h5", "f", "x") == Path("out/c.h5") and path(Path("c.h5"), "f", "x") == Path("c.h5")
    longest = "é" * (arguments.MAX_NAME_BYTES // 2)  # two bytes each in UTF-8
    assert path(f"d/{longest}", "f", "x") == Path(f"d/{longest}")
    assert "each name at most 200" in refused(path, f"d/{longest}é")
    assert "(3801 bytes)" in refused(path, "/".join(["a" * 100] * 37 + ["a" * 64]))
    for bad in ("", "a\0b", 3, None, b"c.h5"):
        assert refused(path, bad).startswith("expected a path (text), got ")


def test_the_longest_name_leaves_room_for_dpfits_suffixes(tmp_path):
    """A name of MAX_NAME_BYTES plus dpfit's longest additions (a temporary of its provenance file) still fits."""
    name = "x" * arguments.MAX_NAME_BYTES
    temporary = f".{name}.provenance.json.{'0' * 8}.part"
    assert len(temporary.encode()) <= os.pathconf(tmp_path, "PC_NAME_MAX")
    (tmp_path / temporary).write_text("")  # the file system takes it
    assert arguments.MAX_PATH_BYTES + len(temporary) - len(name) < os.pathconf(tmp_path, "PC_PATH_MAX")
