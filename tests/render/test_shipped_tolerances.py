"""The shipped tests' tolerances are derived from each strategy's rounding-error model: they
come from the strategy, and they are tight enough that a small error fails (relative 1e-9 in
float64 for direct sums; 1e-7 for Winograd's grad_input, whose worst-case growth is 2304 per
channel pair where the direct sum's is 9), while every correct golden kernel passes (tests/test_golden.py
runs those)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

GOLDEN = ROOT / "generated"
WINOGRAD = "conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias"
DIRECT = "conv2d_i3x3_f2x2"


def run_shipped(tmp_path: Path, entry: str, mutation: str = "") -> str:
    """The entry's shipped tests, run on a copy of its kernel with ``mutation`` appended."""
    folder = tmp_path / entry
    shutil.copytree(GOLDEN / entry, folder)
    kernel = folder / f"{entry}.py"
    kernel.write_text(kernel.read_text(encoding="utf-8") + "\n" + mutation, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder),
                          str(folder / f"test_{entry}.py")], cwd=folder, capture_output=True, text=True)
    return run.stdout


def failed(output: str) -> set[str]:
    return set(re.findall(r"FAILED \S+::(\w+)", output))


def scaled(function: str, factor: str, when: str = "True") -> str:
    """Python that wraps the kernel's ``function`` to scale its result by ``factor`` when ``when``."""
    return (f"_exact_{function} = {function}\n\n\n"
            f"def {function}(*args):\n"
            f"    result = _exact_{function}(*args)\n"
            f"    return result * (1 + {factor}) if {when} else result\n")


def test_the_golden_kernels_pass_unchanged(tmp_path):
    for entry in (WINOGRAD, DIRECT):
        assert "passed" in run_shipped(tmp_path / "plain", entry) and not failed(run_shipped(tmp_path, entry))


@pytest.mark.parametrize("entry, error", [(WINOGRAD, "1e-9"), (DIRECT, "1e-9")])  # both direct sums
def test_a_small_relative_error_in_float64_forward_fails(tmp_path, entry, error):
    output = run_shipped(tmp_path, entry, scaled("forward", error, "args[0].dtype == np.float64"))
    assert {"test_forward_matches_the_plain_loop_reference", "test_dot_product_test"} <= failed(output)


@pytest.mark.parametrize("function, test", [
    ("grad_input", "test_dot_product_test"),
    ("grad_filter", "test_dot_product_test"),
    ("grad_bias", "test_bias_and_its_gradient"),
])
def test_a_relative_error_of_1e_7_in_a_gradient_fails(tmp_path, function, test):
    assert test in failed(run_shipped(tmp_path, WINOGRAD, scaled(function, "1e-7")))


def test_float32_computed_through_float16_fails_the_float32_bound(tmp_path):
    mutation = ("_exact_forward = forward\n\n\n"
                "def forward(X, F):\n"
                "    if X.dtype == np.float32:\n"
                "        X = X.astype(np.float16).astype(np.float32)\n"
                "    return _exact_forward(X, F)\n")
    assert failed(run_shipped(tmp_path, DIRECT, mutation)) == {"test_float32_forward_is_within_its_error_bound"}


def test_the_error_model_comes_from_the_strategy():
    winograd = (GOLDEN / WINOGRAD / f"test_{WINOGRAD}.py").read_text(encoding="utf-8")
    direct = (GOLDEN / DIRECT / f"test_{DIRECT}.py").read_text(encoding="utf-8")
    # grad_input, 2 output channels per group: 36 roundings on a tile's path + 2, growth 2304 x 2;
    # forward is gemm's direct sums: 2 input channels x 9 taps; the tutorial's: 4 taps.
    assert "GRAD_INPUT_ERROR = (38, 4608)" in winograd and "Winograd F(4x4, 3x3) tiles" in winograd
    assert "FORWARD_ERROR = (18, 18)" in winograd
    assert "FORWARD_ERROR = (4, 4)" in direct and "direct sums" in direct
