"""Real processes killed at random moments (SIGINT, SIGTERM, SIGKILL): bit-identical resume, intact results.

``dpfit sample`` is killed 10 times per signal, at random moments before and
after its first checkpoint; resuming each chain to a total number of steps
must give exactly the chain of one uninterrupted run. The results-directory
swap of ``reproduce`` is killed 10 times per signal at random moments; the
directory must always hold either the complete previous or the complete new
results, and the next run must succeed and leave no temporary behind.
"""

import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from dpfit.inference.chains import Chain
from dpfit.inference.posterior_check import grid_summary_or_none
from dpfit.inference.sampling import sample
from dpfit.model.analysis import Analysis
from dpfit.output.results_dir import MARKER, replace_directory

KILLS = 10
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
WALKERS = 8
EXTRA = 20  # steps added by the resume


def _sample_cmd(out):
    return [sys.executable, "-m", "dpfit", "sample", "--out", str(out), "--steps", "1000000",
            "--walkers", str(WALKERS), "--no-progress"]


def _kill_at_random(cmd, out, sig, rng):
    """Start ``cmd``; kill it with ``sig`` at a random moment; return (exit status, stderr, moment)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if rng.random() < 0.3:  # any moment of start-up or early sampling
        moment = "early"
        time.sleep(rng.uniform(0.2, 4.0))
    else:  # during sampling: steps, checkpoints (every 2 s) and the writes themselves
        moment = "sampling"
        deadline = time.monotonic() + 180
        while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert out.exists(), proc.communicate()[1]
        time.sleep(rng.uniform(0.0, 2.5))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err.decode(), moment


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_sample_resumes_bit_identically_after_kills(tmp_path, sig):
    rng = random.Random(int(sig))
    analysis = Analysis()
    killed = []
    for i in range(KILLS):
        out = tmp_path / f"c{i}.h5"
        code, err, moment = _kill_at_random(_sample_cmd(out), out, sig, rng)
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL
        elif moment == "sampling":  # Ctrl-C / SIGTERM while sampling: checkpoint, one line, 130
            lines = err.strip().splitlines()
            assert code == 130 and len(lines) == 1 and "--resume" in lines[0], (code, err)
        else:  # start-up: interrupted, never swallowed
            assert code in (130, -int(sig)), (code, err)
        steps = Chain.load(out, min_steps=0).steps if out.exists() else 0
        killed.append((out, steps))
    total = max(steps for _, steps in killed) + EXTRA
    grid = grid_summary_or_none(analysis.model())  # the command starts the walkers from the grid posterior
    reference = sample(analysis, tmp_path / "reference.h5", nwalkers=WALKERS, nsteps=total, seed=1, progress=False,
                       grid=grid)
    assert any(steps > 0 for _, steps in killed)
    for out, steps in killed:
        seed = 999 if out.exists() else 1  # a chain file continues with its own seed and random state
        resumed = sample(analysis, out, nwalkers=WALKERS, nsteps=steps + EXTRA, seed=seed, resume=True,
                         progress=False, grid=grid)
        assert resumed.steps == steps + EXTRA
        assert np.array_equal(resumed.get_chain(), reference.get_chain()[: steps + EXTRA])
        assert np.array_equal(resumed.get_log_prob(), reference.get_log_prob()[: steps + EXTRA])
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


SWAP_SCRIPT = """
import sys, time
from pathlib import Path
from dpfit.output.results_dir import replace_directory
with replace_directory(sys.argv[1]) as stage:
    for i in range(60):
        (stage / f"f{i:02d}.txt").write_text(sys.argv[2] * 1000)
        time.sleep(0.005)
"""


def _state(out):
    """'old' or 'new' if ``out`` holds one complete set of results, else a description of the damage."""
    files = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    contents = {(out / f).read_text()[:1] for f in files if f != MARKER}
    if files == sorted([MARKER] + [f"f{i:02d}.txt" for i in range(60)]) and len(contents) == 1:
        return {"o": "old", "n": "new"}[contents.pop()]
    return f"damaged: {files[:5]}..."


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_results_directory_survives_kills_at_any_moment(tmp_path, sig):
    rng = random.Random(100 + int(sig))
    for i in range(KILLS):
        out = tmp_path / f"results{i}"
        subprocess.run([sys.executable, "-c", SWAP_SCRIPT, str(out), "o"], check=True, timeout=120)
        proc = subprocess.Popen([sys.executable, "-c", SWAP_SCRIPT, str(out), "n"], stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 1.2))
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        previous = out.with_name(out.name + ".previous")
        # what a kill leaves: the old results, the new ones, or the old ones under DIR.previous (mid-swap)
        assert _state(out) in ("old", "new") or (not out.exists() and _state(previous) == "old")
        with replace_directory(out) as stage:  # the next run recovers and replaces
            for j in range(60):
                (stage / f"f{j:02d}.txt").write_text("n")
        assert _state(out) == "new" and not previous.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part") or ".partial-" in p.name]
