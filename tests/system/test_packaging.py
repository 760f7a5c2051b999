"""The wheel carries the data files, cards, conventions and schema (so `pip install .` works anywhere)."""

import subprocess
import sys
import zipfile

import pytest
from tests.helpers import ROOT



@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source checkout")
def test_wheel_contains_inputs(tmp_path):
    pytest.importorskip("setuptools")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w",
                            str(tmp_path), str(ROOT)], check=True, capture_output=True, text=True, timeout=300)
    # no deprecation of the license table, no data directory left out of `packages` (setuptools' own warnings)
    assert "Warning" not in build.stdout + build.stderr, [x for x in (build.stdout + build.stderr).splitlines()
                                                         if "Warning" in x]
    wheel, = tmp_path.glob("dpfit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"dpfit/data/{p.relative_to(ROOT / 'data')}" for p in (ROOT / "data").rglob("*")
                if p.suffix in (".yaml", ".csv", ".lmt")}
    expected |= {f"dpfit/likelihoods/{p.name}" for p in (ROOT / "likelihoods").glob("*.yaml")}
    expected |= {"dpfit/schemas/v1.json", "dpfit/data/conventions/paper/alpha.yaml"}
    assert expected <= names, sorted(expected - names)
    assert any(n.endswith("entry_points.txt") for n in names)
