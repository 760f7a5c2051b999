"""Text, CSV and JSON renderings with provenance (dpfit.output.writers): CSVs read back by pandas and the csv
module, JSON strict (NaN and infinities as null), provenance with relative paths and the files' SHA-256."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math

import numpy as np

from dpfit.model.analysis import Analysis
from dpfit.output.writers import (provenance, provenance_line, sidecar, table_csv, table_json, table_text, to_json,
                                  write_with_provenance)


def test_every_csv_loads_with_pandas_and_provenance_is_relative(cli, tmp_path):
    import pandas as pd

    from dpfit.inputs.load import default_dir

    assert cli("table", "--masses", "10,17", "--format", "csv", "--out", tmp_path / "t.csv")[0] == 0
    assert cli("scan", "--mass", "17", "--points", "20", "--out", tmp_path / "s1")[0] == 0
    assert cli("scan", "--grid", "--points", "5", "4", "--format", "csv", "--out", tmp_path / "s2")[0] == 0
    documented = {"t.csv": ["mass_MeV", "eps_WP20", "sigma_WP20", "eps_BMW21", "sigma_BMW21", "eps_WP25", "sigma_WP25"],
                  "s1.csv": ["mass_MeV", "eps", "delta_chi2"], "s2.csv": ["mass_MeV", "eps", "delta_chi2"]}
    lengths = {"t.csv": 2, "s1.csv": 20, "s2.csv": 20}  # at least: the scans add the walls' edges and margins
    for name, columns in documented.items():
        frame = pd.read_csv(tmp_path / name)
        assert list(frame.columns) == columns and len(frame) >= lengths[name]
        prov = json.loads((tmp_path / f"{name}.provenance.json").read_text())
        for entry in prov["files"]:
            assert not entry["path"].startswith("/") and len(entry["sha256"]) == 64
        assert str(default_dir("data").parent) not in json.dumps(prov)  # no absolute path of this machine
        assert len(prov["inputs_digest"]) == 64 and len(prov["files"]) < 25
    prov = json.loads((tmp_path / "s1.csv.provenance.json").read_text())
    names = {f["name"] for f in prov["files"]}
    assert {"muon_wp25", "na64", "padme", "atomki", "na64_2020"} <= names and "muon_wp20" not in names

    entry = next(f for f in prov["files"] if f["name"] == "a_mu_sm_wp25")
    assert entry["sha256"] == hashlib.sha256((default_dir("data") / entry["path"]).read_bytes()).hexdigest()


def _strict(text: str):
    """JSON parsed as the standard says: NaN and Infinity are not JSON."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def test_to_json_writes_nan_and_infinities_as_null_and_numpy_as_python():
    doc = {"a": np.float64("nan"), "b": [math.inf, -np.inf, 1.5], "c": np.int64(3), "d": np.bool_(True),
           "e": np.array([1.0, np.nan]), "f": (np.float32(0.25), "text"), "g": {"h": None}}
    text = to_json(doc)
    assert text.endswith("}\n") and text.startswith("{\n  ")  # pretty, one final newline
    assert _strict(text) == {"a": None, "b": [None, None, 1.5], "c": 3, "d": True, "e": [1.0, None],
                             "f": [0.25, "text"], "g": {"h": None}}
    assert doc["e"][1] != doc["e"][1]  # the input is left as it was


def test_provenance_line_is_one_comment_line_of_json():
    prov = {"x": float("nan"), "note": "two\nlines", "n": np.int64(2)}
    line = provenance_line(prov)
    assert line.startswith("# provenance: ") and "\n" not in line
    assert _strict(line[len("# provenance: "):]) == {"x": None, "note": "two\nlines", "n": 2}


def test_table_csv_round_trips_through_the_csv_module():
    columns = ["mass_MeV", "eps", "delta_chi2"]
    rows = np.array([[16.7, 6.620123456789e-4, 0.0], [1234567.891, np.nan, np.inf], [1e-3, -2.5e-12, -np.inf]])
    text = table_csv(columns, rows)
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == columns and len(read) == 1 + len(rows)
    back = np.array([[float(c) for c in r] for r in read[1:]])
    assert np.array_equal(np.isnan(back), np.isnan(rows)) and np.array_equal(np.isinf(back), np.isinf(rows))
    finite = np.isfinite(rows)
    assert np.array_equal(np.sign(back[np.isinf(rows)]), np.sign(rows[np.isinf(rows)]))
    np.testing.assert_allclose(back[finite], rows[finite], rtol=5e-10)  # %.10g: ten significant digits


def test_write_with_provenance_puts_the_record_beside_the_file(tmp_path):
    assert sidecar(tmp_path / "out" / "scan.csv") == tmp_path / "out" / "scan.csv.provenance.json"
    assert sidecar("t.csv").name == "t.csv.provenance.json"
    target = tmp_path / "t.csv"
    prov = {"command": "table", "seed": np.int64(4), "bad": np.nan}
    written = write_with_provenance(target, "a,b\n1,2\n", prov)
    assert written == sidecar(target) and target.read_text() == "a,b\n1,2\n"
    assert _strict(written.read_text()) == {"command": "table", "seed": 4, "bad": None}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.csv.provenance.json"]  # no temporaries


def test_table_text_is_aligned_to_the_digits_asked():
    rows = np.array([[16.7, 6.6201e-4, 1.0], [100.0, np.nan, 12345.0]])
    text = table_text(["mass_MeV", "eps", "x"], rows, digits=3)
    lines = text.rstrip("\n").split("\n")
    assert text.endswith("\n") and len(lines) == 3 and len({len(line) for line in lines}) == 1  # right-aligned
    cells = [line.split() for line in lines]
    assert cells[0] == ["mass_MeV", "eps", "x"]
    assert cells[1] == ["16.7", "6.62e-04", "1.00e+00"] and cells[2] == ["100", "—", "1.23e+04"]


def test_table_json_holds_columns_rows_and_provenance():
    rows = np.array([[1.0, np.nan], [2.0, 3.0]])
    assert _strict(table_json(["a", "b"], rows)) == {"columns": ["a", "b"], "rows": [[1.0, None], [2.0, 3.0]]}
    doc = _strict(table_json(["a", "b"], rows, {"seed": 1}))
    assert doc["provenance"] == {"seed": 1} and list(doc) == ["columns", "rows", "provenance"]


def test_provenance_names_the_files_used_with_their_hash(tmp_path):
    from dpfit import __version__
    from dpfit.inputs.schema import default_dir

    analysis = Analysis()
    prov = provenance(analysis.inputs, ["muon_wp25"], command="table", seed=3)
    assert (prov["dpfit_version"], prov["command"], prov["seed"]) == (__version__, "table", 3)
    names = {f["name"] for f in prov["files"]}
    assert {"muon_wp25", "a_mu_sm_wp25", "delta_a_mu_wp25"} <= names and not names & {"muon_wp20", "na64"}
    for entry in prov["files"]:
        assert not entry["path"].startswith("/")
        if entry["role"] == "data" and entry["layer"] == "default":
            data = (default_dir("data") / entry["path"]).read_bytes()
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    whole = provenance(analysis, command="fit")  # an Analysis: the files of its terms and its choices
    assert whole["analysis"] == analysis.describe()
    assert {"muon_wp25", "electron_rb20", "na64", "padme", "atomki"} <= {f["name"] for f in whole["files"]}
    (tmp_path / "mine").mkdir()
    user = provenance(Analysis(inputs_dir=str(tmp_path / "mine")), command="fit")
    assert user["analysis"]["inputs_dir"] == "mine"  # the user's directory by name, not this machine's path
