"""``dpfit reproduce`` (dpfit.reference.reproduce): the exact-interval CSV read back by the csv module, and the
directories it refuses to replace, refused before anything is computed or written."""

from __future__ import annotations

import csv
import io
import os

import pytest

from dpfit.errors import InputError
from dpfit.reference.reproduce import _exact_csv, reproduce


def test_exact_csv_reads_back_with_its_header_and_ten_digits():
    rows = [{"mass_MeV": 17.0, "scenario": "WP25", "convention": "paper", "eps": 7.0341234567891e-4,
             "sigma_linear": 5.7712e-4, "lo_1sigma": 0.0},
            {"mass_MeV": 16.7, "scenario": "WP20", "convention": "precise", "eps": 1.8e-3, "sigma_linear": 1.5e-4,
             "lo_1sigma": 1.6e-3}]
    text = _exact_csv(rows)
    read = list(csv.DictReader(io.StringIO(text)))
    assert text.endswith("\n") and list(read[0]) == list(rows[0]) and len(read) == 2
    for got, row in zip(read, rows):
        for key, value in row.items():
            if isinstance(value, float):
                assert float(got[key]) == pytest.approx(value, rel=5e-10, abs=0)  # %.10g
            else:
                assert got[key] == value


def test_a_directory_dpfit_did_not_write_is_refused_before_any_work(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="is a non-empty directory that dpfit did not write") as caught:
        reproduce(mine, quick=True, progress=False)
    assert str(caught.value).startswith(str(mine.resolve())) and "\n" not in str(caught.value)
    assert os.listdir(mine) == ["notes.txt"] and (mine / "notes.txt").read_text() == "keep me"
    assert os.listdir(tmp_path) == ["mine"]  # no staging directory, no lock left beside it


def test_the_working_directory_and_its_parents_are_refused_even_when_forced(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for target in (work, tmp_path, "."):
        with pytest.raises(InputError, match="is the working directory or one of its parents"):
            reproduce(target, quick=True, progress=False, force=True)
    assert os.listdir(work) == []


@pytest.mark.parametrize("out", ["", 3])
def test_a_bad_output_path_names_the_field(out):
    with pytest.raises(InputError, match=r"^reproduce: field 'out': expected a path \(text\)"):
        reproduce(out, quick=True, progress=False)
