"""generated/ is a golden record: regenerating it must reproduce every byte.

Regeneration runs in subprocesses under two PYTHONHASHSEED values, so output that
depends on set or dict order of symbols cannot pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

GOLDEN = ROOT / "generated"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".tex")
    }


@pytest.mark.parametrize("hashseed", ["0", "1"])
def test_regenerated_output_matches_generated_byte_for_byte(tmp_path, hashseed):
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    subprocess.run([sys.executable, "-m", "symconv.golden", str(tmp_path)], check=True, env=env, cwd=ROOT,
                   capture_output=True)
    expected, produced = files_under(GOLDEN), files_under(tmp_path)
    assert sorted(produced) == sorted(expected), "run `python -m symconv.golden` and review the diff"
    for name, data in expected.items():
        assert produced[name] == data, f"{name} drifted; run `python -m symconv.golden` and review the diff"


def test_golden_has_the_canonical_examples():
    names = {p.name for p in GOLDEN.iterdir() if p.is_dir()}
    assert {"conv2d_i3x3_f2x2", "conv1d_i5_f2", "conv3d_i4x5x6_f2x2x3"} <= names


def test_generated_files_hold_no_machine_paths_or_dates():
    for name, data in files_under(GOLDEN).items():
        text = data.decode("utf-8")
        for marker in ("/tmp/", "/home/", "/root/", "/work/", str(ROOT)):
            assert marker not in text, f"{name} contains {marker}"
        assert "\r" not in text
