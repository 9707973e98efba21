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


def pdf_font_types(pdf) -> list[str]:
    """The font types ``pdffonts`` lists (Type 1, CID TrueType, Type 3, ...)."""
    lines = subprocess.run([require_tool("pdffonts"), str(pdf)], check=True, capture_output=True, text=True).stdout
    return [line[37:54].strip() for line in lines.splitlines()[2:]]


def assert_nothing_is_scaled(tex: str) -> None:
    """Formulas and pictures are broken, shortened or wrapped to fit, never shrunk."""
    for command in (r"\resizebox", r"\scalebox", "scale="):
        assert command not in tex, f"{command} in the document"


LAYERS = [
    ("3x3", "2x2", {}),
    ("5", "2", {}),
    ("4x5x6", "2x2x3", {}),
    ("12x11", "3x3", {}),  # two-digit indices: X_{10,4}
    ("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}),
    ("9", "3", {"stride": 2, "dilation": 2}),
    ("28x28", "5x5", {}),  # elided listings, shortened pictures
    ("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True}),
    ("32x32", "3x3", {"in_channels": 16, "out_channels": 32}),  # proven on its representative
]
LAYER_IDS = ["seed", "1d", "3d", "two-digit", "strided-padded", "dilated", "large", "channels", "representative"]


@pytest.mark.parametrize("input_, filter_, options", LAYERS, ids=LAYER_IDS)
def test_document_compiles_without_overfull_lines_scaling_or_bitmap_fonts(pdflatex, tmp_path, input_, filter_, options):
    tex = symconv.render_latex(symconv.derive(input_, filter_, **options))
    assert_nothing_is_scaled(tex)
    log = compile_tex(pdflatex, tex, tmp_path)
    too_wide = [w for w in overfull_widths(log) if w > TOLERANCE_PT]
    assert not too_wide, f"lines run off the page by {too_wide} pt"
    assert dark_fraction_of_page_1(tmp_path / "doc.pdf") > 0.002
    types = pdf_font_types(tmp_path / "doc.pdf")
    assert types and "Type 3" not in types, types  # vector fonts only (lmodern)


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
    tex = symconv.render_latex(symconv.derive(input_, filter_, **options), "zh")
    assert_nothing_is_scaled(tex)
    log = compile_tex(xelatex, tex, tmp_path)
    assert not [w for w in overfull_widths(log) if w > TOLERANCE_PT]
    assert dark_fraction_of_page_1(tmp_path / "doc.pdf") > 0.002
    fonts = subprocess.run([require_tool("pdffonts"), str(tmp_path / "doc.pdf")], capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts and "Fandol" not in fonts and "Type 3" not in fonts


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
    assert r"\operatorname{rot}_{180}(F) = \begin{bmatrix} F_{22} & F_{21} \\ F_{12} & F_{11} \end{bmatrix}" in tex
    assert r"\operatorname{pad}(\delta) = \begin{bmatrix} 0 & 0 & 0 & 0 \\ 0 & \delta_{11} & \delta_{12} & 0" in tex


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


# -- what the documents teach -----------------------------------------------------------------
def test_seed_document_tells_the_story_in_the_order_of_a_textbook():
    tex = symconv.render_latex(symconv.derive("3x3", "2x2"))
    order = [
        r"\textbf{Summary.}",  # the summary first, on page 1
        r"\section{The chain rule}",
        r"O_{ij} = \sum_{a=1}^{2}\,\sum_{b=1}^{2} X_{i + a - 1,\,j + b - 1}\, F_{ab}",  # the index formula ...
        r"O_{11} &= X_{11} F_{11}",  # ... before the listing
        r"\frac{\partial L}{\partial F_{ab}} = \sum_{i=1}^{2}\,\sum_{j=1}^{2} \delta_{ij}\, X_{i + a - 1,\,j + b - 1}",
        r"\frac{\partial L}{\partial X_{11}} &= \delta_{11} F_{11}",  # worked: corner, edge, interior
        r"\frac{\partial L}{\partial X_{12}} &= \delta_{11} F_{12} + \delta_{12} F_{11}",
        r"\frac{\partial L}{\partial X_{22}} &= \delta_{11} F_{22} + \delta_{12} F_{21} + \delta_{21} F_{12} + \delta_{22} F_{11}",
        r"\frac{\partial L}{\partial X_{33}} &=",  # then the listing
        r"\section{What was proven}",
    ]
    positions = [tex.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_an_unpadded_unstrided_layer_says_nothing_of_padding_strides_or_code():
    text = symconv.render_latex(symconv.derive("3x3", "2x2")).lower()
    for word in ("padding", "remainder", "stride $1", "expand(", "dictionar", "pad(x)"):
        assert word not in text, word


def test_title_and_summary_name_this_layers_options():
    tex = symconv.render_latex(symconv.derive("7x7", "3x3", stride=2, padding=1, in_channels=4, out_channels=6,
                                              groups=2, bias=True))
    title = tex[tex.index(r"\title{") : tex.index(r"\author{")]
    assert r"stride $2$, padding $1$, channels $4 \to 6$, $2$ groups, bias" in title
    summary = tex[tex.index(r"\textbf{Summary.}") : tex.index(r"\section{")]
    assert r"\frac{\partial L}{\partial F^{(o,c')}} &= \operatorname{pad}_{1}\bigl(X^{(c)}\bigr) \star_{1,2} \delta^{(o)}" in summary
    assert r"\sum_{o \in \mathcal{O}(c)} \operatorname{pad}_{1}\bigl(\operatorname{dilate}_{2}(\delta^{(o)})\bigr)" in summary
    assert r"\frac{\partial L}{\partial b_{o}} &= \sum \delta^{(o)}" in summary
    assert tex.count(r"= 1") >= 1 and r"\frac{\partial O^{(o)}_{y}}{\partial b_{o}} = 1" in tex  # one formula, no table
    assert r"\frac{\partial O^{(1)}_{11}}{\partial b_{1}}" not in tex
    assert "transposed per group" in tex and r"\partial L / \partial X^{(4)}" in tex  # the block diagram


def test_3d_pictures_show_the_slices_the_window_spans():
    tex = symconv.render_latex(symconv.derive("4x5x6", "2x2x3"))
    assert r"{$X_{1\cdot\cdot}$}" in tex and r"{$X_{2\cdot\cdot}$}" in tex  # the forward window spans two slices
    worked = tex[tex.index(r"At the interior element $X_{222}$") :]
    assert r"\left(\operatorname{pad}(\delta)\right)_{3\cdot\cdot}" in worked.split(r"\end{tikzpicture}")[0]
    assert r"{$\delta_{111}$}" in worked.split(r"\end{tikzpicture}")[0]


def test_large_pictures_are_shortened_grids_that_show_the_gradient():
    tex = symconv.render_latex(symconv.derive("28x28", "5x5"))
    picture = tex[tex.index(r"At the interior element $X_{22}$") :].split(r"\end{tikzpicture}")[0]
    assert r"{$\delta_{11}$}" in picture and r"{$\delta_{23}$}" in picture and r"{$\cdots$}" in picture
    assert "too large" not in tex


def test_representative_document_explains_the_renaming_in_one_story():
    # below the memory the full layer needs, so it is proven on its representative
    tex = symconv.render_latex(symconv.derive("32x32", "3x3", in_channels=16, out_channels=32, max_memory="100M"))
    assert "16 -> 32" not in tex and r"16 $\to$ 32" in tex  # no inverted question mark from a text '>'
    assert "two samples" not in tex and "one sample" in tex
    assert r"\textbf{Why the representative proves the layer.}" in tex
    assert r"the layer's $F^{(32,16)}$, say, plays the part of the representative's $F^{(2,2)}$" in " ".join(tex.split())


def test_chinese_document_has_no_english_sentence():
    tex = symconv.render_latex(symconv.derive("7x7", "3x3", stride=2, padding=1, in_channels=2, out_channels=2,
                                              bias=True), "zh")
    body = tex[tex.index(r"\begin{document}") :]
    prose = re.sub(r"\$[^$]*\$|\\\[.*?\\\]|\\begin\{(align|gather)\*\}.*?\\end\{\1\*\}|\\[A-Za-z]+|\\texttt\{[^}]*\}", " ",
                   body, flags=re.S)
    english = re.findall(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}", prose)
    assert not [e for e in english if "symconv" not in e], english
    assert "总结：" in tex and "空洞" in tex and "膨胀" not in tex
