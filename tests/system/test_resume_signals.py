"""Real processes killed at random moments (SIGINT, SIGTERM, SIGKILL): bit-identical resume, intact results.

Each campaign below runs in ``make test`` with one kill per stratum of the run
per signal; the full campaign, 10 kills per signal spread as described, runs
with ``DPFIT_FULL_CAMPAIGN=1`` (``make kill-campaign``), before a release. The
moments inside a stratum are drawn from ``DPFIT_KILL_SEED`` (a fresh seed when
unset); every failure message names it, so that a failed campaign can be rerun.

``dpfit sample`` is killed at random moments before (start-up, early sampling)
and after its first checkpoint (sampling): once each per signal in ``make test``,
10 times per signal in the full campaign (3 in 10 early); resuming each chain to
a total number of steps must give exactly the chain of one uninterrupted run.

``dpfit reproduce --quick --out DIR`` is killed over a directory holding earlier
results at moments spread over the run (start-up, computing, writing into the
staging directory), at its end: in its last seconds (from provenance.json staged:
the report, marker, swap, clean-up) or during the swap, and paused between the
swap's two renames. In ``make test`` 3 kills per signal: in one fifth of the run
(drawn), at the end (the last seconds for some signals, the swap for the others,
in turn), between the renames; in the full campaign 10 per signal: one in each
fifth of the run, 2 in the last seconds, 2 in the swap, 1 between the renames.
After every kill
DIR holds complete results byte for byte (the previous or the new ones: every
run writes the same bytes), or, after a kill between the renames, DIR is gone
and DIR.previous holds them; SIGINT and SIGTERM end in one line and status
130. The next run recovers by itself and leaves no temporary behind.

The short interrupt-handling tests of ``dpfit.cli.main`` (finalizers, SIGTERM, errors raised while
handling an interrupt, deferred blocks, ``python -m``) are in tests/cli/test_cli.py.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dpfit.inference.bayes.chains import Chain
from dpfit.inference.bayes.posterior_check import grid_summary_or_none
from dpfit.inference.bayes.sampling import sample
from dpfit.model.analysis import Analysis
from dpfit.io.results_dir import MARKER

#: The full campaign (``make kill-campaign``): KILLS kills per signal; else one per stratum per signal.
FULL_CAMPAIGN = os.environ.get("DPFIT_FULL_CAMPAIGN") == "1"
KILLS = 10
#: Seed of the random moments, named in every failure message (DPFIT_KILL_SEED=N reruns a campaign).
SEED = int(os.environ.get("DPFIT_KILL_SEED") or random.SystemRandom().randrange(1_000_000))
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
WALKERS = 8
EXTRA = 20  # steps added by the resume


def _sample_cmd(out):
    return [sys.executable, "-m", "dpfit", "sample", "--out", str(out), "--steps", "1000000",
            "--walkers", str(WALKERS), "--no-progress"]


def _rng(sig, offset=0):
    """The random moments of one campaign, and the line that names its seed in a failure message."""
    return random.Random(SEED + offset + int(sig)), f"DPFIT_KILL_SEED={SEED}"


def _sample_moments(rng):
    """The strata of the kills of ``dpfit sample``: 'early' (start-up, early sampling) or 'sampling'."""
    if FULL_CAMPAIGN:
        return ["early" if rng.random() < 0.3 else "sampling" for _ in range(KILLS)]
    return ["early", "sampling"]


def _kill_at_random(cmd, out, sig, rng, moment):
    """Start ``cmd``; kill it with ``sig`` at a random moment of ``moment``; return (exit status, stderr)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if moment == "early":  # any moment of start-up or early sampling
        time.sleep(rng.uniform(0.2, 4.0))
    else:  # during sampling: steps, checkpoints (every 2 s) and the writes themselves
        deadline = time.monotonic() + 180
        while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert out.exists(), proc.communicate()[1]
        time.sleep(rng.uniform(0.0, 2.5))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode()


@pytest.mark.long
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_sample_resumes_bit_identically_after_kills(tmp_path, sig):
    rng, seed = _rng(sig)
    analysis = Analysis()
    killed = []
    for i, moment in enumerate(_sample_moments(rng)):
        out = tmp_path / f"c{i}.h5"
        code, err = _kill_at_random(_sample_cmd(out), out, sig, rng, moment)
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL, seed
        elif moment == "sampling":  # Ctrl-C / SIGTERM while sampling: checkpoint, one line, 130
            lines = err.strip().splitlines()
            assert code == 130 and len(lines) == 1 and "--resume" in lines[0], (seed, code, err)
        else:  # start-up: interrupted, never swallowed
            assert code in (130, -int(sig)), (seed, code, err)
        steps = Chain.load(out, min_steps=0).steps if out.exists() else 0
        killed.append((out, steps))
    total = max(steps for _, steps in killed) + EXTRA
    grid = grid_summary_or_none(analysis.model())  # the command starts the walkers from the grid posterior
    reference = sample(analysis, tmp_path / "reference.h5", nwalkers=WALKERS, nsteps=total, seed=1, progress=False,
                       grid=grid)
    assert any(steps > 0 for _, steps in killed), seed
    for out, steps in killed:
        seed = 999 if out.exists() else 1  # a chain file continues with its own seed and random state
        resumed = sample(analysis, out, nwalkers=WALKERS, nsteps=steps + EXTRA, seed=seed, resume=True,
                         progress=False, grid=grid)
        assert resumed.steps == steps + EXTRA, seed
        assert np.array_equal(resumed.get_chain(), reference.get_chain()[: steps + EXTRA]), seed
        assert np.array_equal(resumed.get_log_prob(), reference.get_log_prob()[: steps + EXTRA]), seed
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")], seed


# -- reproduce ---------------------------------------------------------------------------------

#: PDF dates from SOURCE_DATE_EPOCH: every run of reproduce writes the same bytes.
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "0"}

#: ``python -m dpfit reproduce`` with a pause between the two renames of the swap (an audit hook on the
#: rename of the staging directory onto DIR), so that a kill can fall there.
PAUSED_SWAP = """
import os, runpy, sys, time
out = os.path.realpath(sys.argv[1])
def pause(event, args):
    if event == "os.rename" and os.fspath(args[1]) == out and os.fspath(args[0]).endswith(".part"):
        time.sleep(10)
sys.addaudithook(pause)
sys.argv = ["dpfit", "reproduce", "--quick", "--no-progress", "--out", out]
runpy.run_module("dpfit", run_name="__main__", alter_sys=True)
"""


def _reproduce_cmd(out):
    return [sys.executable, "-m", "dpfit", "reproduce", "--quick", "--no-progress", "--out", str(out)]


def _hashes(directory):
    """SHA-256 of every file; the results marker without its random run id (the rest of it, the files it lists
    with their hashes, is as deterministic as the results)."""
    def content(path):
        if path.name != MARKER:
            return path.read_bytes()
        marker = json.loads(path.read_text())
        marker.pop("id", None)
        return json.dumps(marker, sort_keys=True).encode()

    return {p.name: hashlib.sha256(content(p)).hexdigest() for p in sorted(directory.iterdir())}


def _inode(path):
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _stages(out):
    """The staging directories beside ``out`` (``.NAME.XXXXXXXX.part``)."""
    return set(out.parent.glob(f".{out.name}.*.part"))


def _wait(proc, condition, timeout):
    """Poll ``condition`` every 2 ms while ``proc`` runs; True once it holds."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return False


def _staged(out, before, name):
    """True once a staging directory created by this run holds ``name``."""
    return lambda: any((stage / name).exists() for stage in _stages(out) - before)


def _reference_run(out):
    """One successful run into ``out``: its files' hashes and its timeline in seconds (provenance.json
    staged, swap, exit)."""
    start = time.monotonic()
    proc = subprocess.Popen(_reproduce_cmd(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    timeline = {}
    for event, condition in (("provenance", _staged(out, set(), "provenance.json")), ("swap", out.exists)):
        if _wait(proc, condition, 600):
            timeline[event] = time.monotonic() - start
    _, err = proc.communicate(timeout=600)
    timeline["exit"] = time.monotonic() - start
    assert proc.returncode == 0 and not err, err.decode()
    assert set(timeline) == {"provenance", "swap", "exit"}, timeline
    hashes = _hashes(out)
    assert MARKER in hashes and "report.md" in hashes
    return {"dir": str(out), "hashes": hashes, "timeline": timeline}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, worker_id):
    """The reference run, made once for all test processes (pytest-xdist workers share their root's parent)."""
    from filelock import FileLock

    if worker_id == "master":  # not distributed
        reference = _reference_run(tmp_path_factory.mktemp("reference") / "results")
    else:
        root = tmp_path_factory.getbasetemp().parent
        record = root / "reproduce-reference.json"
        with FileLock(str(root / "reproduce-reference.lock")):
            if not record.exists():
                record.write_text(json.dumps(_reference_run(root / "reproduce-reference")))
        reference = json.loads(record.read_text())
    reference["dir"] = Path(reference["dir"])
    return reference


#: Kills spread over the run: one moment drawn in a fifth of the time until the staging directory holds
#: provenance.json (start-up, computing, writing); each fifth in the full campaign. None earlier than 0.1 s:
#: until then the Python interpreter itself starts (site, runpy), answering SIGINT with its own traceback
#: before any dpfit code runs.
SPREAD = 5


#: The strata of a run's end: killed in its last seconds, or during the swap.
ENDS = ("last seconds", "swap")


def _reproduce_moments(rng, sig):
    """The strata of the kills of ``dpfit reproduce``, in a drawn order, the pause between the renames last.

    In ``make test``: a fifth of the run drawn, one end stratum (in turn over the signals, from the seed,
    so that every run of the suite kills in both), and the pause between the renames.
    """
    if FULL_CAMPAIGN:
        moments = [("spread", k) for k in range(SPREAD)] + ["last seconds"] * 2 + ["swap"] * 2
    else:
        moments = [("spread", rng.randrange(SPREAD)), ENDS[(SEED + SIGNALS.index(sig)) % len(ENDS)]]
    rng.shuffle(moments)
    return moments + ["paused swap"]  # the last kill between the renames: the next run restores


def _kill_reproduce(out, sig, moment, rng, timeline):
    """Run reproduce over ``out``, kill it with ``sig`` at a random moment of kind ``moment``
    (``("spread", k)`` for the k-th fifth of the run, "last seconds", "swap" or "paused swap").

    Returns (exit status, stderr, whether the run had created its staging directory when killed).
    """
    before = _stages(out)
    if moment == "paused swap":
        cmd = [sys.executable, "-c", PAUSED_SWAP, str(out)]
    else:
        cmd = _reproduce_cmd(out)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    previous = out.with_name(out.name + ".previous")
    if moment[0] == "spread":  # start-up, computing, writing into the staging directory (until provenance.json)
        part = timeline["provenance"] / SPREAD
        delay = rng.uniform(max(0.1, moment[1] * part), (moment[1] + 1) * part)
        _wait(proc, _staged(out, before, "provenance.json"), delay)
    elif moment == "last seconds":  # the report's computation and writing, marker, swap, clean-up
        assert _wait(proc, _staged(out, before, "provenance.json"), 600), proc.communicate()[1]
        time.sleep(rng.uniform(0.0, timeline["swap"] - timeline["provenance"] + 0.05))
    elif moment == "swap":  # the report is being written: marker, the two renames, clean-up
        inode, report = _inode(out), _staged(out, before, "report.md")
        assert _wait(proc, lambda: report() or _inode(out) not in (inode, None), 600), proc.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.005))
    else:  # paused between the two renames
        assert _wait(proc, lambda: previous.is_dir() and not out.exists(), 600), proc.communicate()[1]
        time.sleep(rng.uniform(0.0, 0.5))
    staged = bool(_stages(out) - before)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode(), staged


def _results_state(out, reference):
    """'complete' if ``out`` holds the reference files byte for byte, 'between renames' if only
    DIR.previous does, else a description of the damage."""
    previous = out.with_name(out.name + ".previous")
    if out.is_dir():
        return "complete" if _hashes(out) == reference["hashes"] else f"damaged: {sorted(_hashes(out))}"
    if previous.is_dir() and _hashes(previous) == reference["hashes"]:
        return "between renames"
    return f"damaged: {out.name} missing, {previous.name} {'present' if previous.is_dir() else 'missing'}"


@pytest.mark.long
@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_reproduce_results_survive_kills_at_any_moment(reference, tmp_path, sig):
    rng, seed = _rng(sig, 200)
    out = tmp_path / "results"
    shutil.copytree(reference["dir"], out)  # earlier results, as a first run left them
    moments = _reproduce_moments(rng, sig)
    kills = len(moments)
    seen = [seed]
    while moments:
        moment = moments.pop(0)
        inode = _inode(out)
        code, err, staged = _kill_reproduce(out, sig, moment, rng, reference["timeline"])
        state = _results_state(out, reference)
        replaced = _inode(out) not in (inode, None)
        seen.append((moment, code, state, replaced))
        assert state in ("complete", "between renames"), seen
        if moment == "paused swap":
            assert state == "between renames", seen
        lines = err.strip().splitlines()
        if code == 0:  # the run ended before the signal: not a kill; another one of the same kind
            assert state == "complete" and replaced and not err and len(seen) <= 2 * kills, seen
            moments.insert(0, moment)
        elif sig == signal.SIGKILL:
            assert code == -signal.SIGKILL, seen
        elif code == 130:
            assert lines == ["dpfit: interrupted"], (seen, err)
        else:  # before dpfit's code runs, or after it returned (the new results in place): the signal's status
            assert code == -sig and not err and (not staged or replaced), (seen, err)
    run = subprocess.run(_reproduce_cmd(out), capture_output=True, env=ENV, timeout=600)
    assert run.returncode == 0 and not run.stderr, (seed, run.stderr.decode())
    assert _hashes(out) == reference["hashes"], seed
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "results"]
    assert leftovers == [], (seed, leftovers)  # no DIR.previous, no staging or trash directory (*.part)
