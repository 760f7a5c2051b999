"""dpfit.cli.cmd_reproduce: ``dpfit reproduce`` lists what it wrote; what it refuses before any work (one line, 2)."""

from __future__ import annotations

import pytest

from dpfit.cli.cmd_reproduce import cmd_reproduce, register
from dpfit.cli.options import OneLineParser


def test_register_defaults():
    parser = OneLineParser(prog="dpfit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce"])
    assert (args.func, args.out, args.force, args.quick, args.no_progress, args.convention) == \
        (cmd_reproduce, "results", False, False, False, None)


def test_quick_run_lists_every_file_it_wrote(cli, tmp_path):
    out = tmp_path / "results"
    code, stdout, err = cli("reproduce", "--quick", "--no-progress", "--out", out)
    assert code == 0 and err == ""
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))  # the marker aside
    assert stdout == f"wrote {len(files)} files into {out}/: {', '.join(files)}\n"
    assert {"report.md", "provenance.json", "chain.h5", "window.json", "table_paper.csv", "table_precise.csv"} <= \
        set(files)
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no staging directory left


@pytest.mark.parametrize("argv, message", [
    (("--convention", "paper", "--out", "R"),
     "option --convention: reproduce always runs both conventions (paper and precise)"),
    (("--out", "."), "is the working directory or one of its parents; results replace their directory as a whole"),
    (("--out", "mine"), "mine: is a non-empty directory that dpfit did not write"),
    (("--out", ""), "argument --out: expected a path (text), got ''"),
])
def test_refusals_are_one_line(cli, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n")
    code, out, err = cli("reproduce", "--quick", "--no-progress", *argv)
    assert (code, out) == (2, "") and err.startswith("dpfit: error: ") and err.count("\n") == 1
    assert message in err, err
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine\n"
