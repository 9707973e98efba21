"""An entry is all or nothing: every target is checked before the first rename, and a failure at
any moment (a rename included) puts the folder back as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import symconv
import symconv.io.emit as emit
from symconv.cli import main


def tree(folder: Path) -> dict[str, bytes]:
    """Every file and folder under ``folder``, hidden ones (temporaries, backups) included."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("taken", ["conv2d_i3x3_f2x2.py", "test_conv2d_i3x3_f2x2.py", "conv2d_i3x3_f2x2.tex"])
def test_a_folder_in_the_way_is_one_line_and_nothing_is_written(runner, tmp_path, taken):
    (tmp_path / "out" / "conv2d_i3x3_f2x2" / taken).mkdir(parents=True)
    before = tree(tmp_path)
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: --out: cannot write {tmp_path / 'out' / 'conv2d_i3x3_f2x2' / taken}: a folder")
    assert tree(tmp_path) == before


def test_chain_document_name_taken_by_a_folder(runner, tmp_path):
    (tmp_path / "chain_x_times_y.tex").mkdir()
    before = tree(tmp_path)
    result = runner.invoke(main, ["chain", "x*y", "--at", "x=1,y=2", "--out", str(tmp_path)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "Error: --out: cannot write" in result.output and "a folder" in result.output
    assert tree(tmp_path) == before


def test_a_failing_rename_puts_the_previous_entry_back(tmp_path, monkeypatch):
    d = symconv.derive("3x3", "2x2")
    symconv.write_entry(d, tmp_path)
    (tmp_path / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.py").unlink()  # this one will be new
    before = tree(tmp_path)
    real, calls = os.replace, []

    def replace_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 3 and not str(src).endswith(".bak"):
            raise OSError(5, "Input/output error", str(dst))
        return real(src, dst)

    monkeypatch.setattr(emit.os, "replace", replace_then_fail)
    with pytest.raises(symconv.OutputError, match="--out: cannot write .*Input/output error"):
        symconv.write_entry(symconv.derive("3x3", "2x2", stride=1), tmp_path, lang="en", full=True)
    monkeypatch.setattr(emit.os, "replace", real)
    assert tree(tmp_path) == before  # renamed files put back, the new one gone, no temporaries


def test_an_interruption_while_renaming_puts_everything_back(tmp_path, monkeypatch):
    folder = tmp_path / "entry"
    folder.mkdir()
    (folder / "a.txt").write_text("old a")
    before = tree(tmp_path)
    real = os.replace

    def interrupted(src, dst):
        if str(dst).endswith("b.txt"):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(emit.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        emit.write_files({folder / "a.txt": "new a", folder / "b.txt": "new b"})
    monkeypatch.setattr(emit.os, "replace", real)
    assert tree(tmp_path) == before


def test_replaced_files_leave_no_backup(tmp_path):
    path = tmp_path / "f.txt"
    emit.write_files({path: "one"})
    emit.write_files({path: "two"})
    assert tree(tmp_path) == {"f.txt": b"two"}
