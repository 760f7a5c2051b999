"""The examples run as a user runs them, and the reference analysis file is the default analysis."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def run_example(name: str, cwd: Path) -> str:
    """Run ``examples/<name>`` with this interpreter (warnings as errors); return its stdout."""
    proc = subprocess.run([sys.executable, "-W", "error", str(EXAMPLES / name)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_swap_theory_example(tmp_path):
    out = run_example("swap_theory.py", tmp_path)
    rows = {line.split()[0]: line for line in out.splitlines()[2:6]}
    assert set(rows) == {"WP20", "BMW21", "WP25", "mine"}
    # the reference analysis (WP25): the paper's window at 16.7 MeV, 6.8e-4 to the Rb20 2σ edge 9.6e-4
    assert "[6.800e-04, 9.587e-04]" in rows["WP25"]
    assert "empty" in rows["WP20"]  # WP20's muon band misses the electron's
    assert rows["mine"].split()[4] == "11.5(42.5)e-11"  # Δa_μ = 116592071.5 - 116592060
    assert "recorded as: a_mu_sm_wp25.value=116592060, a_mu_sm_wp25.uncertainty=40" in out
    assert not list(tmp_path.iterdir())  # writes nothing


def test_new_limit_example(tmp_path):
    out = run_example("new_limit.py", tmp_path)
    windows = re.findall(r"window, interval algebra: \[([0-9.e+-]+), ([0-9.e+-]+)\]", out)
    assert [float(lo) for lo, _ in windows] == [6.8e-4, pytest.approx(7.987e-4, rel=1e-3)]
    assert "terms muon_wp25, electron_rb20, na64, padme, mylimit, atomki" in out
    assert not list(tmp_path.iterdir())  # its overlay lives in a temporary directory


def test_x17_file_is_the_default_fit(cli):
    code, from_file, _ = cli("fit", EXAMPLES / "x17.yaml", "--format", "json")
    code_default, default, _ = cli("fit", "--format", "json")
    assert code == code_default == 0
    assert json.loads(from_file) == json.loads(default)


def test_reference_notebook_runs_with_images(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(EXAMPLES / "reference.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.get("data", {})]
    assert len(images) >= 3  # the scans, the corner plot, the window
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "window at 16.7 MeV: [[0.00068," in text
