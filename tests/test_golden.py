"""generated/ is a golden record: regenerating it must reproduce every byte, and the tests
shipped beside each regenerated kernel must pass against that regenerated kernel.

Regeneration runs in subprocesses under two PYTHONHASHSEED values, so output that
depends on set or dict order of symbols cannot pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import symconv
from symconv.golden import GOLDEN_SPECS

from conftest import ROOT

GOLDEN = ROOT / "generated"


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".tex", ".html", ".ipynb")
    }


def regenerate(folder: Path, hashseed: str) -> Path:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    subprocess.run([sys.executable, "-m", "symconv.golden", str(folder)], check=True, env=env, cwd=ROOT,
                   capture_output=True)
    return folder


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    return regenerate(tmp_path_factory.mktemp("golden"), "0")


def _assert_same(produced: dict[str, bytes]) -> None:
    expected = files_under(GOLDEN)
    assert sorted(produced) == sorted(expected), "run `python -m symconv.golden` and review the diff"
    for name, data in expected.items():
        assert produced[name] == data, f"{name} drifted; run `python -m symconv.golden` and review the diff"


def test_regenerated_output_matches_generated_byte_for_byte(regenerated):
    _assert_same(files_under(regenerated))


def test_regenerated_output_is_the_same_under_another_hash_seed(tmp_path):
    _assert_same(files_under(regenerate(tmp_path, "1")))


ENTRIES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("entry", ENTRIES)
def test_shipped_tests_pass_against_the_regenerated_kernel(regenerated, entry):
    """The shipped test file runs beside the freshly generated kernel, in a folder of its own
    (no project configuration), so a generator change that breaks a kernel fails here."""
    folder = regenerated / entry
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
         str(folder / f"test_{entry}.py")],
        cwd=folder, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_golden_record_holds_every_strategy():
    strategies = set()
    for entry in ENTRIES:
        doc = (GOLDEN / entry / f"{entry}.py").read_text(encoding="utf-8")
        strategies |= {s for s in symconv.STRATEGIES if f"\nStrategy: {s} (" in doc}
    assert strategies == set(symconv.STRATEGIES)
    assert len(ENTRIES) == len(GOLDEN_SPECS)


def test_forced_strategies_are_layers_the_automatic_choice_would_not_take():
    from symconv.render.strategies import choose_strategy

    for input_, filter_, options, strategy in GOLDEN_SPECS:
        if strategy is not None:
            assert choose_strategy(symconv.ConvSpec.parse(input_, filter_, **options))[0] != strategy


def test_golden_has_the_canonical_examples():
    names = set(ENTRIES)
    assert {"conv2d_i3x3_f2x2", "conv1d_i5_f2", "conv3d_i4x5x6_f2x2x3"} <= names
    seed = {p.name for p in (GOLDEN / "conv2d_i3x3_f2x2").iterdir()}
    assert {"conv2d_i3x3_f2x2.html", "conv2d_i3x3_f2x2.ipynb", "conv2d_i3x3_f2x2_zh.html", "conv2d_i3x3_f2x2_zh.ipynb"} <= seed


def test_generated_files_hold_no_machine_paths_or_dates():
    for name, data in files_under(GOLDEN).items():
        text = data.decode("utf-8")
        for marker in ("/tmp/", "/home/", "/root/", "/work/", str(ROOT)):
            assert marker not in text, f"{name} contains {marker}"
        assert "\r" not in text
