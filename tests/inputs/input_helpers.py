"""Helpers of the input tests: overlays made of shipped files with one change, and a CLI run that must fail in one
line."""

from pathlib import Path

from dpfit.inputs.load import default_dir

#: The shipped data directory.
DATA = default_dir("data")


def overlay(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text)
    return tmp_path


def copy_with(tmp_path, name, old, new):
    text = (DATA / name).read_text()
    assert old in text
    return overlay(tmp_path, name, text.replace(old, new))


#: The shipped NA64 2020 data file, to copy into overlays with one change.
NA64_DATA = (default_dir("data") / "na64_2020.yaml").read_text()


def one_line_error(cli, *args):
    code, out, err = cli(*args)
    assert code == 2 and out == "", (code, out, err)
    assert err.startswith("dpfit: error: ") and err.count("\n") == 1, err
    return err
