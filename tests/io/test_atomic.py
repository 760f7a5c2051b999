"""dpfit.io.atomic: locks, umask permissions, stale temporaries, special files, environment failures (exit 3); and,
until they move to the Bayes area, bad chain files."""

import json
import os
import resource
import stat
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from dpfit.cli import main
from dpfit.errors import InputError, OutputError, OutputInUse
from dpfit.inference.bayes.chains import read_chain
from dpfit.model.analysis import Analysis
from dpfit.io.atomic import atomic_path, output_lock, write_text
from dpfit.io.results_dir import MARKER, replace_directory
from tests.helpers import special_entry
from tests.io.output_helpers import leftovers, one_line, run, run_here


# -- permissions follow the umask -----------------------------------------------------------------

def test_files_and_directories_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x\n")
        with replace_directory(tmp_path / "results") as stage:
            (stage / "f.txt").write_text("y\n")
            write_text(stage / "g.txt", "z\n")
        os.umask(0o027)
        write_text(tmp_path / "b.txt", "x\n")
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "a.txt") == 0o644
    assert mode(tmp_path / "results") == 0o755
    assert mode(tmp_path / "results" / "g.txt") == 0o644
    assert mode(tmp_path / "b.txt") == 0o640
    assert (tmp_path / "results" / MARKER).is_file()
    assert not list((tmp_path / "results").glob(".*.lock"))  # no per-file locks inside a results directory


# -- temporaries and locks ------------------------------------------------------------------------

def test_stale_temporaries_of_the_same_target_are_removed(tmp_path):
    stale = tmp_path / ".out.csv.abcd1234.part"
    other = tmp_path / ".out.csv.x.abcd1234.part"  # a temporary of another target (out.csv.x)
    stale.write_text("half")
    other.write_text("half")
    write_text(tmp_path / "out.csv", "new\n")
    assert not stale.exists() and other.exists()
    assert (tmp_path / "out.csv").read_text() == "new\n"


def test_failed_write_leaves_previous_content_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "previous\n" and leftovers(tmp_path) == []


def test_second_process_is_refused_while_the_lock_is_held(tmp_path):
    target = tmp_path / "t.csv"
    with output_lock(target):
        with output_lock(target):  # re-entrant within a process
            pass
        res = run("table", "--out", str(target))
    assert res.returncode == 2 and one_line(res.stderr, 2), res.stderr
    assert "is in use by another dpfit process" in res.stderr and not target.exists()
    assert run("table", "--out", str(target)).returncode == 0  # released


def test_two_samplers_on_the_same_chain(tmp_path):
    out = tmp_path / "c.h5"
    cmd = [sys.executable, "-m", "dpfit", "sample", "--out", str(out), "--steps", "1000000", "--walkers", "8",
           "--no-progress"]
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert out.exists()
        second = run(*cmd[3:6], "--steps", "50", "--walkers", "8", "--no-progress", "--resume")
        assert second.returncode == 2 and "in use by another dpfit process" in second.stderr, second.stderr
        assert one_line(second.stderr, 2)
    finally:
        first.terminate()
        first.communicate(timeout=60)
    assert first.returncode == 130
    assert read_chain(out).steps >= 2


TOY_RUN = ("--mass", "16.7", "--electron", "none", "--limits", "none", "--no-atomki", "--toys", "200", "--no-progress")


@pytest.mark.parametrize("command, output", [
    (("coverage", "--method", "chi2", "--eps-grid", "1e-4", "2e-3", "3", *TOY_RUN, "--out"), "cov.csv"),
    (("interval", "--method", "fc", *TOY_RUN, "--out"), "same.json")])
def test_toy_runs_on_the_same_output_one_at_a_time(tmp_path, command, output):
    """While one run holds an output (its whole run), a second identical run stops with one line, writing nothing."""
    out = tmp_path / output
    with output_lock(out):
        res = run(*command, str(out if output.endswith(".json") else tmp_path / "cov"))
    assert res.returncode == 2 and "in use by another dpfit process" in res.stderr and one_line(res.stderr, 2)
    assert sorted(os.listdir(tmp_path)) == []


@pytest.mark.parametrize("kind", ["symlink", "fifo", "device"])
def test_outputs_replace_only_regular_files(tmp_path, capsys, kind):
    """Text (CLI and write_text), binary (atomic_path: plots, HDF5, NetCDF), dynesty's HDF5 and a results
    directory: a link, FIFO or device in place of the output is refused with one line and left as it was."""
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    special = tmp_path / "null"
    special_entry(special, kind, victim)
    before = os.lstat(special)
    code, err = run_here(capsys, "table", "--masses", "17", "--out", str(special))
    named = {"symlink": "symbolic link", "fifo": "FIFO"}.get(kind, kind)
    assert code == 2 and one_line(err, 2) and f"null: is a {named}, not a file" in err, err
    with pytest.raises(InputError, match="neither follows nor replaces"):
        write_text(special, "x")
    with pytest.raises(InputError, match="neither follows nor replaces"):
        with atomic_path(special):
            pytest.fail("must refuse before writing")
    with pytest.raises(InputError):
        with replace_directory(special):
            pytest.fail("must refuse before building")
    after = os.lstat(special)
    assert (before.st_mode, before.st_ino) == (after.st_mode, after.st_ino) and victim.read_text() == "keep\n"


def test_dynesty_refuses_an_existing_file(tmp_path, capsys):
    notes = tmp_path / "notes.h5"
    notes.write_text("mine\n")
    code, err = run_here(capsys, "sample", "--sampler", "dynesty", "--nlive", "20", "--no-progress", "--out",
                         str(notes))
    assert code == 2 and one_line(err, 2) and "exists" in err, err
    assert notes.read_text() == "mine\n"


def test_two_reproduce_on_the_same_directory(tmp_path):
    with output_lock(tmp_path / "results", directory=True):
        res = run("reproduce", "--quick", "--no-progress", "--out", str(tmp_path / "results"))
    assert res.returncode == 2 and "in use by another dpfit process" in res.stderr and one_line(res.stderr, 2)


# -- environment failures: one line, exit 3, previous output intact, no temporary -----------------

def _limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def test_unwritable_path_through_the_api_is_an_output_error(tmp_path):
    """The CLI refuses an empty or over-long --out as a bad option (exit 2, see test_option_bounds); the
    library's writers report the file system's refusal as an OutputError."""
    for path in ("", tmp_path / ("x" * 300 + ".csv")):
        with pytest.raises(OutputError):
            write_text(path, "x\n")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("case", ["directory", "under-file", "file-size-limit", "read-only"])
def test_unwritable_output_is_exit_3(tmp_path, case, capsys, monkeypatch):
    (tmp_path / "d").mkdir()
    (tmp_path / "file").write_text("mine\n")
    previous = "previous " * 1000  # larger than the file-size limit
    (tmp_path / "t.csv").write_text(previous)
    kwargs = {}
    out = {"directory": "d", "under-file": "file/t.csv", "file-size-limit": "t.csv", "read-only": "ro/t.csv"}[case]
    if case == "file-size-limit":
        kwargs["preexec_fn"] = _limit_file_size
    if case == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only directories")
        (tmp_path / "ro").mkdir(mode=0o555)
    if kwargs:
        res = run("table", "--out", out, cwd=tmp_path, **kwargs)
        code, err = res.returncode, res.stderr
    else:
        monkeypatch.chdir(tmp_path)
        code, err = run_here(capsys, "table", "--out", out)
    assert code == 3, (code, err)
    assert one_line(err, 3) and "cannot write" in err, err
    assert (tmp_path / "t.csv").read_text() == previous and (tmp_path / "file").read_text() == "mine\n"
    assert leftovers(tmp_path) == []


def test_sample_under_a_file_size_limit_is_exit_3_not_a_crash(tmp_path):
    res = run("sample", "--out", "c.h5", "--steps", "300", "--walkers", "8", "--no-progress", cwd=tmp_path,
              preexec_fn=_limit_file_size)
    assert res.returncode == 3 and one_line(res.stderr, 3) and "File too large" in res.stderr, res.stderr
    assert not (tmp_path / "c.h5").exists() and leftovers(tmp_path) == []


def test_output_error_is_not_an_input_error(tmp_path):
    with pytest.raises(OutputError, match="is a directory") as info:
        write_text(tmp_path, "x")
    assert not isinstance(info.value, InputError) and issubclass(OutputInUse, InputError)


# -- bad chain files -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_chain(tmp_path_factory):
    path = tmp_path_factory.mktemp("chain") / "c.h5"
    from dpfit.inference.bayes.sampling import sample

    sample(Analysis(), path, nwalkers=8, nsteps=40, seed=3, progress=False)
    return path


def _variant(good, path, change):
    with h5py.File(good, "r") as f:
        chain, log_prob, attrs = f["mcmc/chain"][...], f["mcmc/log_prob"][...], dict(f["mcmc"].attrs)
    chain, log_prob, attrs = change(chain, log_prob, attrs)
    with h5py.File(path, "w") as f:
        g = f.create_group("mcmc")
        g.create_dataset("chain", data=chain)
        g.create_dataset("log_prob", data=log_prob)
        g.create_dataset("accepted", data=np.ones(chain.shape[1]))
        g.attrs.update({**attrs, "iteration": chain.shape[0]})
    return path


def _nan(c, lp, a):
    c = c.copy()
    c[5, 2, 1] = np.nan
    return c, lp, a


def _drop_meta(c, lp, a):
    return c, lp, {k: v for k, v in a.items() if k != "dpfit_meta"}


BAD = {
    "short": (lambda c, lp, a: (c[:1], lp[:1], a), "at least 2"),
    "nan": (_nan, "NaN"),
    "no-meta": (_drop_meta, "not written by dpfit"),
    "bad-json": (lambda c, lp, a: (c, lp, {**a, "dpfit_meta": "{not json"}), "not valid JSON"),
    "no-names": (lambda c, lp, a: (c, lp, {**a, "dpfit_meta": json.dumps({"analysis": {}})}), "parameter names"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_chain_is_one_line_for_corner_and_window(tmp_path, good_chain, kind, capsys):
    change, words = BAD[kind]
    path = _variant(good_chain, tmp_path / f"{kind}.h5", change)
    with pytest.raises(InputError, match=words):
        read_chain(path)
    for argv in (["corner", str(path), "--out", str(tmp_path / "c.png")], ["window", "--chain", str(path)]):
        code, err = run_here(capsys, *argv)
        assert code == 2 and one_line(err, 2) and words in err, err
    assert not (tmp_path / "c.png").exists()


def test_plain_emcee_and_non_chain_files(tmp_path, capsys):
    import emcee

    plain = tmp_path / "plain.h5"
    sampler = emcee.EnsembleSampler(4, 2, lambda x: -0.5 * x @ x, backend=emcee.backends.HDFBackend(str(plain)))
    sampler.run_mcmc(np.random.default_rng(1).normal(size=(4, 2)), 10)
    (tmp_path / "text.h5").write_text("not hdf5\n")
    for path, words in ((plain, "not written by dpfit"), (tmp_path / "text.h5", "not a readable emcee chain"),
                        (tmp_path / "missing.h5", "no such chain file")):
        assert main(["window", "--chain", str(path), "--mass", "17"]) == 2
        err = capsys.readouterr().err
        assert one_line(err, 2) and words in err, err


def test_chain_of_another_analysis_is_refused(good_chain, capsys):
    assert main(["window", "--muon", "WP20", "--chain", str(good_chain)]) == 2
    err = capsys.readouterr().err
    assert one_line(err, 2) and "different analysis" in err and "WP20" in err, err
    assert main(["corner", str(good_chain), "--muon", "WP20", "--out", str(good_chain.with_suffix(".png"))]) == 2
    err = capsys.readouterr().err
    assert one_line(err, 2) and "different analysis" in err, err


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_files_written_as_one_keep_their_previous_content_together(tmp_path, failure):
    """A figure written, then the interrupt before the data file: both keep the previous run's content."""
    from dpfit.io.atomic import atomic_files

    figure, data = tmp_path / "S.png", tmp_path / "S.nc"
    figure.write_text("old figure\n")
    data.write_text("old data\n")
    with pytest.raises(failure):
        with atomic_files():
            write_text(figure, "new figure\n")
            with atomic_path(data) as tmp:
                tmp.write_text("half of the new data")
                raise failure
    assert (figure.read_text(), data.read_text()) == ("old figure\n", "old data\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["S.nc", "S.png"]  # no temporary left


def test_files_written_as_one_are_all_replaced_at_the_end(tmp_path):
    from dpfit.io.atomic import atomic_files

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a\n")
    with atomic_files():
        write_text(first, "new a\n")
        write_text(second, "new b\n")
        assert first.read_text() == "old a\n" and not second.exists()  # nothing replaced before the end
    assert (first.read_text(), second.read_text()) == ("new a\n", "new b\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
