"""Ctrl-C (SIGINT) and SIGTERM at any moment of a run, imports and the final renames included:
one line (``Aborted.`` / ``Terminated.``), exit 130 / 143, no traceback, and the output folder
either untouched or holding the whole previous entry, never a part or a temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

# --full: every element listed, which keeps this run busy for seconds after the derivation
RUN = [sys.executable, "-m", "symconv", "derive", "--input", "64x64", "--filter", "5x5", "--full", "--out", "out"]
ENDINGS = {signal.SIGINT: ("Aborted.", 130), signal.SIGTERM: ("Terminated.", 143)}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


# symconv's first line runs about 50 ms after the interpreter starts (the interpreter's own start-up
# is not symconv's to handle); the imports take about half a second, the derivation seconds.
@pytest.mark.parametrize("delay", [0.15, 0.4, 2.5], ids=["imports", "sympy-import", "derivation"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_at_any_moment_ends_in_one_line(tmp_path, signum, delay):
    run = subprocess.Popen(RUN, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    time.sleep(delay)
    run.send_signal(signum)
    out, err = run.communicate(timeout=120)
    message, code = ENDINGS[signum]
    assert run.returncode == code, (out, err)
    assert err.strip() == message and "Traceback" not in out + err
    assert not (tmp_path / "out").exists() or not _leftovers(tmp_path / "out")


RENAME = """
import os, signal, sys
import symconv.io.emit as emit
real, calls = os.replace, []
def replace(src, dst):
    calls.append(dst)
    if len(calls) == 2 and not str(src).endswith(".bak"):
        os.kill(os.getpid(), {signum})  # handled here, at once: the second rename never happens
    return real(src, dst)
emit.os.replace = replace
from symconv.launch import main
main(["derive", "--input", "3x3", "--filter", "2x2", "--full", "--out", "out"], prog_name="symconv")
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_between_the_final_renames_puts_the_entry_back(tmp_path, signum):
    subprocess.run([sys.executable, "-m", "symconv", "derive", "--input", "3x3", "--filter", "2x2", "--out", "out"],
                   cwd=tmp_path, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    folder = tmp_path / "out" / "conv2d_i3x3_f2x2"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (tmp_path / "script.py").write_text(RENAME.replace("{signum}", str(int(signum))), encoding="utf-8")
    run = subprocess.run([sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    message, code = ENDINGS[signum]
    assert run.returncode == code and run.stderr.strip() == message, run.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# A Ctrl-C inside code that exec() runs from a string (dataclasses build their methods so while
# symconv's modules import): CPython 3.11 then marks the interrupt unhandled though symconv caught
# it, and under `python -m` (as `python -m symconv` runs) would end the process by SIGINT (status
# -2) instead of 130 unless symconv leaves at once.
EXEC_INTERRUPT = """
import symconv.launch as launch
launch._import_command = lambda: exec("raise KeyboardInterrupt")
launch.main(["derive", "--input", "3x3", "--filter", "2x2"], prog_name="symconv")
"""


def test_an_interrupt_inside_exec_of_a_string_still_exits_130(tmp_path):
    (tmp_path / "interrupted").mkdir()
    (tmp_path / "interrupted" / "__main__.py").write_text(EXEC_INTERRUPT, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "interrupted"], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])})
    assert run.returncode == 130 and run.stderr.strip() == "Aborted.", (run.returncode, run.stderr)
