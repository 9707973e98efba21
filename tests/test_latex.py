"""The LaTeX documents compile with pdflatex and nothing runs off the page.

Without pdflatex these tests skip locally; in CI (CI=true) a missing TeX engine fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import symconv

pytestmark = pytest.mark.latex

# Overfull boxes below this width are invisible rounding; anything larger runs into the margin.
TOLERANCE_PT = 1.0


@pytest.fixture(scope="module")
def pdflatex() -> str:
    path = shutil.which("pdflatex")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing in CI: install texlive-latex-base texlive-latex-recommended")
        pytest.skip("pdflatex is not installed")
    return path


def compile_tex(pdflatex: str, tex: str, folder) -> str:
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    return log


def overfull_widths(log: str) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", log)]


@pytest.mark.parametrize(
    "input_, filter_, options",
    [
        ("3x3", "2x2", {}),
        ("5", "2", {}),
        ("4x5x6", "2x2x3", {}),
        ("12x11", "3x3", {}),  # two-digit indices: X_{10,4}
        ("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}),
        ("9", "3", {"stride": 2, "dilation": 2}),
    ],
    ids=["seed", "1d", "3d", "two-digit", "strided-padded", "dilated"],
)
def test_document_compiles_without_overfull_lines(pdflatex, tmp_path, input_, filter_, options):
    log = compile_tex(pdflatex, symconv.render_latex(symconv.derive(input_, filter_, **options)), tmp_path)
    too_wide = [w for w in overfull_widths(log) if w > TOLERANCE_PT]
    assert not too_wide, f"lines run off the page by {too_wide} pt"


def test_seed_document_holds_the_seed_equations():
    tex = symconv.render_latex(symconv.derive("3x3", "2x2"))
    assert r"O_{11} &= X_{11} F_{11} + X_{12} F_{12} + X_{21} F_{21} + X_{22} F_{22}" in tex
    assert (
        r"\frac{\partial L}{\partial X_{22}} &= \frac{\partial L}{\partial O_{11}} F_{22} + "
        r"\frac{\partial L}{\partial O_{12}} F_{21} + \frac{\partial L}{\partial O_{21}} F_{12} + "
        r"\frac{\partial L}{\partial O_{22}} F_{11}"
    ) in tex
    assert r"4 of 4 identities proven exactly" in tex
    assert r"9 of 9 identities proven exactly" in tex


def test_two_digit_indices_are_separated_by_commas():
    tex = symconv.render_latex(symconv.derive("12x11", "3x3"))
    assert "X_{10,4}" in tex
    assert "X_{104}" not in tex
