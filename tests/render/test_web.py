"""The web page and the notebook: the document's story from the same context, self-contained.

Browser tests render each page in headless Chromium (tests/browser.py: the DevTools protocol on a
pipe), check that MathML is typeset (every formula laid out, no <merror>), take a screenshot, and
list every request the page made: only the page's own file. Notebooks are validated with nbformat
and their code cells run, top to bottom, with plain Python in the folder they were written to
(no Jupyter kernel needed: the cells use NumPy and the kernel beside them only).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import symconv
from conftest import require_tool
from symconv.cli import main

LAYERS = {
    "seed": ("3x3", "2x2", {}),
    "3d": ("4x5x6", "2x2x3", {}),
    "large": ("28x28", "5x5", {}),
    "channels": ("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True}),
    "representative": ("32x32", "3x3", {"in_channels": 16, "out_channels": 32, "max_memory": "100M"}),
}


@pytest.fixture(scope="module")
def derivations():
    derivations = {name: symconv.derive(i, f, **o) for name, (i, f, o) in LAYERS.items()}
    assert derivations["representative"].representative
    return derivations


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_is_self_contained_and_tells_the_same_story(derivations, name, lang):
    page = symconv.render_html(derivations[name], lang)
    assert "<script" not in page and "<link" not in page and "<img" not in page and "@import" not in page
    urls = re.findall(r"""(?:src|href)=["']?([^"' >]+)|url\(([^)]*)\)""", page)
    assert [u for pair in urls for u in pair if u and u != "#arrow"] == []
    assert not re.findall(r"https?://(?!www\.w3\.org/(1998/Math/MathML|2000/svg|1999/xhtml))", page)
    assert "<merror>" not in page and "\\" not in re.sub(r"<title>.*?</title>", "", page)  # every command converted
    tex = symconv.render_latex(derivations[name], lang)
    for section in re.findall(r"\\section\{([^}$]*)\}", tex):  # the same sections, in the same order
        assert section in page
    assert page == symconv.render_html(derivations[name], lang)


def test_notebook_is_valid_and_its_checks_pass_in_the_entry_folder(derivations, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    for name in ("seed", "channels", "3d"):
        written = symconv.write_entry(derivations[name], tmp_path, notebook=True)
        notebook = nbformat.read(str(written.notebook), as_version=4)
        nbformat.validate(notebook)
        assert [c.id for c in notebook.cells] == [f"cell-{i}" for i in range(1, len(notebook.cells) + 1)]
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        run = subprocess.run([sys.executable, "-c", code], cwd=written.folder, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "grad_input         largest error" in run.stdout and "dot-product test" in run.stdout
        assert "finite differences" in run.stdout
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        assert "attachment:forward.svg" in markdown and "$$" in markdown


def test_cli_writes_the_page_and_notebook_with_the_entry(runner, tmp_path):
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2", "--html", "--notebook", "--lang", "zh",
                                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "conv2d_i3x3_f2x2"
    assert sorted(p.name for p in folder.iterdir()) == [
        "conv2d_i3x3_f2x2.py", "conv2d_i3x3_f2x2_zh.html", "conv2d_i3x3_f2x2_zh.ipynb", "conv2d_i3x3_f2x2_zh.tex",
        "test_conv2d_i3x3_f2x2.py"]
    assert 'lang="zh-Hans"' in (folder / "conv2d_i3x3_f2x2_zh.html").read_text(encoding="utf-8")
    assert json.loads((folder / "conv2d_i3x3_f2x2_zh.ipynb").read_text(encoding="utf-8"))["nbformat"] == 4


def test_chain_html_needs_out(runner, tmp_path):
    result = runner.invoke(main, ["chain", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--html"])
    assert result.exit_code == 2 and result.output.startswith("Error: --html: needs --out DIR")
    result = runner.invoke(main, ["chain", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--html", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chain_x_plus_y_times_z.html", "chain_x_plus_y_times_z.tex"]


# -- in a real browser ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    from browser import Browser

    chromium = require_tool("chromium")
    b = Browser(chromium)
    yield b
    b.close()


TYPESET = """[...document.querySelectorAll('math')].map(m => [m instanceof MathMLElement,
  m.getBoundingClientRect().width > 0 || m.closest('foreignObject') !== null]).filter(p => !(p[0] && p[1])).length"""


@pytest.mark.parametrize("name, lang", [("seed", "en"), ("seed", "zh"), ("channels", "en"), ("3d", "en"),
                                        ("representative", "zh")])
def test_page_renders_in_chromium_with_mathml_and_fetches_nothing(browser, derivations, tmp_path, name, lang):
    page = tmp_path / f"{name}.html"
    page.write_text(symconv.render_html(derivations[name], lang), encoding="utf-8")
    browser.open(page)
    assert browser.evaluate("document.querySelectorAll('math').length") > 50
    assert browser.evaluate("document.querySelectorAll('merror').length") == 0
    assert browser.evaluate(TYPESET) == 0  # every formula is MathML the browser laid out
    assert browser.evaluate("document.querySelectorAll('svg').length") >= 3
    assert browser.requested_urls() == [page.as_uri()]  # the page itself, nothing else
    assert not [e for e in browser.events if e.get("method") == "Network.loadingFailed"]
    shot = browser.screenshot(tmp_path / f"{name}.png")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20000


def test_chain_page_renders_in_chromium(browser, runner, tmp_path):
    runner.invoke(main, ["chain", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--html", "--out", str(tmp_path)])
    page = tmp_path / "chain_x_plus_y_times_z.html"
    browser.open(page)
    assert browser.evaluate("document.querySelectorAll('merror').length") == 0
    assert browser.evaluate(TYPESET) == 0
    assert browser.requested_urls() == [page.as_uri()]


@pytest.mark.parametrize("lang, title", [("en", "Proof for all sizes"), ("zh", "对所有尺寸的证明")])
def test_the_proof_for_all_sizes_reaches_the_page_and_the_notebook(derivations, browser, tmp_path, lang, title):
    """--general's section, with the same words as the PDF's, in the web page and the notebook."""
    d = derivations["seed"]
    page = symconv.render_html(d, lang, general=True)
    assert title in page and "<merror>" not in page and "\\" not in re.sub(r"<title>.*?</title>", "", page)
    assert page.index(title) < page.rindex("<h2>8 ")  # before "what was proven", as in the PDF
    path = tmp_path / "general.html"
    path.write_text(page, encoding="utf-8")
    browser.open(path)
    assert browser.evaluate("document.querySelectorAll('merror').length") == 0
    assert browser.evaluate(TYPESET) == 0
    notebook = json.loads(symconv.render_notebook(d, lang, general=True))
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert title in markdown and "\\begin{aligned}" in markdown
