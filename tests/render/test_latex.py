"""The LaTeX documents compile (pdflatex for English, xelatex for Chinese), nothing runs
off the page, page 1 is not blank, and the PDF's text holds the tutorial's equations.

Without a TeX engine these tests skip locally; in CI (CI=true) a missing engine fails.
"""

from __future__ import annotations

import re
import subprocess

import pytest

import symconv
from conftest import require_tool

pytestmark = pytest.mark.latex

# Overfull boxes below this width are invisible rounding; anything larger runs into the margin.
TOLERANCE_PT = 1.0


@pytest.fixture(scope="module")
def pdflatex() -> str:
    return require_tool("pdflatex")


@pytest.fixture(scope="module")
def xelatex() -> str:
    return require_tool("xelatex")


def compile_tex(engine: str, tex: str, folder) -> str:
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    return log


def dark_fraction_of_page_1(pdf) -> float:
    """Render page 1 to PNG with pdftoppm (as a reader would see it) and, in greyscale PGM,
    measure the share of dark pixels: a blank page has none."""
    subprocess.run([require_tool("pdftoppm"), "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(pdf.with_name("page1"))], check=True)
    assert pdf.with_name("page1.png").read_bytes().startswith(b"\x89PNG")
    subprocess.run([require_tool("pdftoppm"), "-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(pdf.with_name("page1"))], check=True)
    data = pdf.with_name("page1.pgm").read_bytes()
    width, height = map(int, data.split(b"\n")[1].split())
    pixels = data[-width * height :]
    return sum(1 for p in pixels if p < 128) / len(pixels)


def pdf_text(pdf) -> str:
    return subprocess.run([require_tool("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout


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
    assert dark_fraction_of_page_1(tmp_path / "doc.pdf") > 0.002


@pytest.mark.parametrize(
    "input_, filter_, options",
    [
        ("3x3", "2x2", {}),
        ("5", "2", {}),
        ("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 2, "out_channels": 2, "bias": True}),
    ],
    ids=["seed", "1d", "channels"],
)
def test_chinese_document_compiles_with_xelatex(xelatex, tmp_path, input_, filter_, options):
    log = compile_tex(xelatex, symconv.render_latex(symconv.derive(input_, filter_, **options), "zh"), tmp_path)
    assert not [w for w in overfull_widths(log) if w > TOLERANCE_PT]
    assert dark_fraction_of_page_1(tmp_path / "doc.pdf") > 0.002


def test_seed_pdf_text_holds_the_tutorial_equations(pdflatex, tmp_path):
    compile_tex(pdflatex, symconv.render_latex(symconv.derive("3x3", "2x2")), tmp_path)
    text = pdf_text(tmp_path / "doc.pdf")
    for line in (
        "O11 = X11 F11 + X12 F12 + X21 F21 + X22 F22",
        "O22 = X22 F11 + X23 F12 + X32 F21 + X33 F22",
        "4 of 4 identities proven exactly",
        "9 of 9 identities proven exactly",
        "f = −12",
    ):
        assert line in text, line


def test_chinese_pdf_text_uses_the_tutorial_terms(xelatex, tmp_path):
    compile_tex(xelatex, symconv.render_latex(symconv.derive("3x3", "2x2"), "zh"), tmp_path)
    text = pdf_text(tmp_path / "doc.pdf")
    for term in ("链式法则", "局部梯度", "全卷积", "O11 = X11 F11 + X12 F12 + X21 F21 + X22 F22"):
        assert term in text, term
    assert re.search(r"旋转\s*180\s*度", text)  # ctex spaces digits from CJK


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
    assert r"\operatorname{rot}_{180}( F) = \begin{bmatrix} F_{22} & F_{21} \\ F_{12} & F_{11} \end{bmatrix}" in tex


def test_operators_keep_their_parentheses():
    tex = symconv.render_latex(symconv.derive("7x7", "3x3", stride=2, padding=1, in_channels=2, out_channels=2))
    assert re.search(r"\\operatorname\{rot\}_\{180\}\(\s*F\^\{\(1,1\)\}\)", tex)
    assert re.search(r"\\operatorname\{pad\}\(\s*X\^\{\(1\)\}\)", tex)


def test_unknown_language_is_refused():
    with pytest.raises(symconv.SpecError, match="^--lang: "):
        symconv.render_latex(symconv.derive("3x3", "2x2"), "fr")


def test_two_digit_indices_are_separated_by_commas():
    tex = symconv.render_latex(symconv.derive("12x11", "3x3"))
    assert "X_{10,4}" in tex
    assert "X_{104}" not in tex


@pytest.mark.parametrize("input_, filter_, padding", [("3x3", "2x2", "5"), ("8x8", "3x3", "4")])
def test_a_padded_x_wider_than_ten_columns_compiles(pdflatex, tmp_path, input_, filter_, padding):
    """amsmath's MaxMatrixCols covers every matrix shown, pad(X) of 13 columns included."""
    compile_tex(pdflatex, symconv.render_latex(symconv.derive(input_, filter_, padding=padding)), tmp_path)


def test_a_failed_pdf_build_keeps_its_log(pdflatex, tmp_path):
    from symconv.io import build_pdf

    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\undefinedcommand\\end{document}\n", encoding="utf-8")
    with pytest.raises(symconv.OutputError, match=r"--pdf: pdflatex failed on .*broken\.tex; see .*broken\.log"):
        build_pdf(tex)
    assert "Undefined control sequence" in (tmp_path / "broken.log").read_text(encoding="utf-8", errors="replace")
