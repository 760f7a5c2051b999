"""dpfit.user_cache: $XDG_CACHE_HOME/dpfit/<kind>, else ~/.cache/dpfit/<kind>, never created by asking."""

from pathlib import Path

from dpfit.user_cache import user_cache_dir


def test_xdg_cache_home_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache_dir("numba") == tmp_path / "xdg" / "dpfit" / "numba"
    assert not (tmp_path / "xdg").exists()  # not created here


def test_default_is_under_the_home_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for value in (None, ""):  # unset, or set but empty (the XDG rule: then the default)
        if value is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert user_cache_dir("validated") == tmp_path / ".cache" / "dpfit" / "validated"
    assert not (tmp_path / ".cache").exists()


def test_never_inside_the_installed_package(tmp_path, monkeypatch):
    import dpfit

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    package = Path(dpfit.__file__).resolve().parent
    assert package not in user_cache_dir("numba").resolve().parents
