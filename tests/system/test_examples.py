"""The examples run as a user runs them, and the reference analysis file is the default analysis."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dpfit.errors import InputError
from tests.helpers import ROOT

EXAMPLES = ROOT / "examples"


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
    # the reference analysis (WP25) at 16.7 MeV: NA64's contour edge 6.62e-4 to the Rb20 2σ edge 9.6e-4
    assert "[6.620e-04, 9.587e-04]" in rows["WP25"]
    assert "empty" in rows["WP20"]  # WP20's muon band misses the electron's
    assert rows["mine"].split()[4] == "11.5(42.5)e-11"  # Δa_μ = 116592071.5 - 116592060
    assert "recorded as: a_mu_sm_wp25.value=116592060, a_mu_sm_wp25.uncertainty=40" in out
    assert not list(tmp_path.iterdir())  # writes nothing


def test_new_limit_example(tmp_path):
    out = run_example("new_limit.py", tmp_path)
    windows = re.findall(r"window, interval algebra: \[([0-9.e+-]+), ([0-9.e+-]+)\]", out)
    assert [float(lo) for lo, _ in windows] == [pytest.approx(6.620e-4, rel=1e-3), pytest.approx(7.987e-4, rel=1e-3)]
    assert "terms muon_wp25, electron_rb20, na64, padme, mylimit, atomki" in out
    assert not list(tmp_path.iterdir())  # its overlay lives in a temporary directory


def test_x17_file_is_the_default_fit(cli):
    code, from_file, _ = cli("fit", EXAMPLES / "x17.yaml", "--format", "json")
    code_default, default, _ = cli("fit", "--format", "json")
    assert code == code_default == 0
    assert json.loads(from_file) == json.loads(default)


def test_x17_file_says_which_fields_are_optional(tmp_path):
    """Its header: every field but `schema` is optional, and the values are the defaults."""
    from dpfit.model.analysis import Analysis

    text = (EXAMPLES / "x17.yaml").read_text()
    assert "Every field but `schema` is optional" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert keys[0] == "schema" and len(keys) > 5
    default = Analysis().describe()
    for key in keys:
        kept = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
        path = tmp_path / f"without_{key}.yaml"
        path.write_text("\n".join(kept) + "\n")
        if key == "schema":
            with pytest.raises(InputError, match="field 'schema': missing"):
                Analysis.from_file(path)
        else:
            assert Analysis.from_file(path).describe() == default, key


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
    import re

    lower = float(re.search(r"window at 16\.7 MeV: \[\[([0-9.e-]+),", text).group(1))
    assert lower == pytest.approx(6.62e-4, rel=0.005)  # NA64's published contour
