"""dpfit.io.results_dir: a results directory replaced as a whole, only when dpfit wrote it; the working directory,
a user's directory and a user's DIR.previous are never touched; a kill during the swap is recovered."""

import hashlib
import json
import os

import pytest

from dpfit.errors import InputError, OutputError
from dpfit.io.results_dir import MARKER, is_ours, replace_directory
from tests.helpers import special_entry
from tests.io.output_helpers import leftovers, one_line, run, run_here


def test_reproduce_keeps_the_users_files_in_the_working_directory(tmp_path, capsys, monkeypatch):
    v = tmp_path / "v"
    v.mkdir()
    (v / "thesis.tex").write_text("x\n")
    res = run("reproduce", "--quick", "--no-progress", "--out", ".", cwd=v)
    assert res.returncode == 2 and one_line(res.stderr, 2) and "working directory" in res.stderr, res.stderr
    monkeypatch.chdir(v)
    for argv in (["--out", ".", "--force"], ["--out", "..", "--force"], ["--out", str(v)], ["--out", "/"]):
        code, err = run_here(capsys, "reproduce", "--quick", "--no-progress", *argv)
        assert code == 2 and one_line(err, 2) and "working directory" in err, err
    assert (v / "thesis.tex").read_text() == "x\n" and sorted(p.name for p in v.iterdir()) == ["thesis.tex"]


def test_reproduce_refuses_a_directory_it_did_not_write(tmp_path, capsys, monkeypatch):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep\n")
    monkeypatch.chdir(tmp_path)
    code, err = run_here(capsys, "reproduce", "--quick", "--no-progress", "--out", "mine")
    assert code == 2 and one_line(err, 2) and MARKER in err, err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep\n"


def _build(stage, name="a.txt", text="new\n"):
    (stage / name).write_text(text)


def test_results_directory_replace_rules(tmp_path):
    out = tmp_path / "results"
    with replace_directory(out) as stage:
        _build(stage, text="one\n")
    assert json.loads((out / MARKER).read_text())["files"] == ["a.txt"]
    with replace_directory(out) as stage:  # ours: replaced
        _build(stage, text="two\n")
    assert (out / "a.txt").read_text() == "two\n" and not (tmp_path / "results.previous").exists()
    (tmp_path / "empty").mkdir()
    with replace_directory(tmp_path / "empty") as stage:  # empty: replaced
        _build(stage)
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "x").write_text("x")
    with pytest.raises(InputError, match="did not write"):
        with replace_directory(tmp_path / "user") as stage:
            pytest.fail("must refuse before building")
    with replace_directory(tmp_path / "user", force=True) as stage:
        _build(stage)
    assert sorted(p.name for p in (tmp_path / "user").iterdir()) == [MARKER, "a.txt"]
    with pytest.raises(RuntimeError):  # a failed build keeps the previous results
        with replace_directory(out) as stage:
            _build(stage, text="three\n")
            raise RuntimeError
    assert (out / "a.txt").read_text() == "two\n" and leftovers(tmp_path) == []


def test_results_marker_cannot_be_faked(tmp_path, capsys, monkeypatch):
    """A copied provenance.json, a copied marker, or a file added to or changed in dpfit's results: the
    directory is not dpfit's, and nothing in it is deleted."""
    results = tmp_path / "results"
    with replace_directory(results) as stage:
        _build(stage)
        (stage / "provenance.json").write_text('{"command": "reproduce"}')
    paper = tmp_path / "paper"
    paper.mkdir()
    (paper / "thesis.tex").write_text("x\n")
    (paper / "provenance.json").write_text((results / "provenance.json").read_text())
    monkeypatch.chdir(tmp_path)
    argv = ("reproduce", "--quick", "--no-progress", "--out", "paper")
    code, err = run_here(capsys, *argv)
    assert code == 2 and one_line(err, 2) and "did not write" in err, err
    for name in (MARKER, "a.txt"):  # a whole copy of dpfit's results, plus the user's file
        (paper / name).write_bytes((results / name).read_bytes())
    code, err = run_here(capsys, *argv)
    assert code == 2 and "did not write" in err, err
    (paper / "thesis.tex").unlink()
    (paper / "a.txt").write_text("edited by hand\n")  # a file dpfit wrote, changed since
    code, err = run_here(capsys, *argv)
    assert code == 2 and "did not write" in err, err
    assert (paper / "a.txt").read_text() == "edited by hand\n"
    (tmp_path / "link").symlink_to(results)
    with pytest.raises(InputError, match="symbolic link"):
        with replace_directory(tmp_path / "link"):
            pytest.fail("must refuse before building")


def test_users_previous_directory_is_never_moved(tmp_path):
    """A failed run with no DIR but the user's own DIR.previous: it stays where it is, untouched."""
    out, previous = tmp_path / "results", tmp_path / "results.previous"
    previous.mkdir()
    (previous / "thesis.tex").write_text("x\n")
    for _ in range(2):
        with pytest.raises(InputError, match="did not write it; move it away"):
            with replace_directory(out, force=True) as stage:
                _build(stage)
                raise RuntimeError
    assert not out.exists() and (previous / "thesis.tex").read_text() == "x\n"
    assert sorted(os.listdir(previous)) == ["thesis.tex"]


def test_results_directory_recovers_from_a_kill_during_the_swap(tmp_path):
    out, previous = tmp_path / "results", tmp_path / "results.previous"
    with replace_directory(out) as stage:
        _build(stage, text="old\n")
    os.replace(out, previous)  # killed between the two renames: only DIR.previous is left
    with replace_directory(out) as stage:
        assert (out / "a.txt").read_text() == "old\n"  # restored before the build
        _build(stage, text="new\n")
    assert (out / "a.txt").read_text() == "new\n" and not previous.exists()
    with replace_directory(tmp_path / "copy") as stage:  # killed after both renames: a marked DIR.previous
        _build(stage, text="old\n")
    os.replace(tmp_path / "copy", previous)
    with replace_directory(out) as stage:
        _build(stage, text="newer\n")
    assert (out / "a.txt").read_text() == "newer\n" and not previous.exists() and leftovers(tmp_path) == []


def test_is_ours_checks_every_file_against_the_marker(tmp_path):
    out = tmp_path / "results"
    with replace_directory(out) as stage:
        _build(stage, "a.txt", "one\n")
        _build(stage, "b.txt", "two\n")
    marker = json.loads((out / MARKER).read_text())
    assert is_ours(out) and marker["files"] == ["a.txt", "b.txt"] and len(marker["id"]) == 32
    assert marker["sha256"] == {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in ("a.txt", "b.txt")}
    (out / "b.txt").write_text("TWO\n")  # same names, changed bytes
    assert not is_ours(out)
    (out / "b.txt").write_text("two\n")
    assert is_ours(out)
    special_entry(out / "c.txt", "fifo", None)  # an entry the marker does not list
    assert not is_ours(out)
    os.unlink(out / "c.txt")
    (out / MARKER).write_text("not json\n")
    assert not is_ours(out)
    assert not is_ours(tmp_path / "absent") and not is_ours(tmp_path)


def test_replace_directory_refuses_a_file_and_an_empty_path(tmp_path):
    (tmp_path / "f").write_text("mine\n")
    with pytest.raises(InputError, match="exists and is not a directory"):  # the user's choice of --out: exit 2
        with replace_directory(tmp_path / "f"):
            pytest.fail("must refuse before building")
    assert (tmp_path / "f").read_text() == "mine\n" and sorted(p.name for p in tmp_path.iterdir()) == ["f"]
    with pytest.raises(OutputError, match="empty path"):
        with replace_directory(""):
            pytest.fail("must refuse before building")
    assert (tmp_path / "f").read_text() == "mine\n"
