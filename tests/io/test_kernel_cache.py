"""The kernel cache trusts no file: a cached module is checked against its content hash before it
is imported, and rebuilt when it does not match; a cache folder that cannot be used is named."""

from __future__ import annotations

import pytest

import symconv


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_truncated_cached_module_is_rewritten_not_imported(cache):
    d = symconv.derive("5", "2", stride=2)
    path = symconv.load_kernel(d).__file__
    text = open(path, encoding="utf-8").read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[: len(text) // 2])  # half a module: no grad_input
    kernel = symconv.load_kernel(d)
    assert open(path, encoding="utf-8").read() == text
    assert hasattr(kernel, "grad_input")


def test_a_replaced_cached_module_never_runs(cache, tmp_path):
    d = symconv.derive("6", "3")
    path = symconv.load_kernel(d).__file__
    marker = tmp_path / "ran"
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"open({str(marker)!r}, 'w').close()\n")
    kernel = symconv.load_kernel(d)
    assert not marker.exists() and hasattr(kernel, "forward")


def test_a_cache_path_that_is_a_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("SYMCONV_CACHE", str(tmp_path / "cache"))
    with pytest.raises(symconv.OutputError, match="SYMCONV_CACHE: cannot create folder .*cache: a file of that name"):
        symconv.load_kernel(symconv.derive("7", "2"))


def test_a_read_only_cache_is_named(cache, monkeypatch):
    # The tests run as root, which writes into read-only folders anyway: the refusal is injected.
    import symconv.io.emit as emit

    def refused(**where):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(emit.tempfile, "mkstemp", refused)
    with pytest.raises(symconv.OutputError, match="SYMCONV_CACHE: cannot write in .*cache: Permission denied"):
        symconv.load_kernel(symconv.derive("7", "3"))
