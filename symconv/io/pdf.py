"""PDF builds and page pictures, by external tools (latexmk, pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import OutputError

LATEX_ENGINES = {"en": "pdflatex", "zh": "xelatex"}

TEX_PACKAGES = {
    "en": "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk",
    "zh": "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk texlive-xetex texlive-lang-chinese",
}


def build_pdf(tex: Path, lang: str = "en") -> Path:
    """Compile ``tex`` with latexmk (pdflatex for English, xelatex for Chinese) beside it.

    Raises:
        OutputError: no TeX engine (the message names the Debian packages), or the build failed.
    """
    engine = LATEX_ENGINES[lang]
    missing = [tool for tool in ("latexmk", engine) if shutil.which(tool) is None]
    if missing:
        raise OutputError(
            f"--pdf: {' and '.join(missing)} not found; on Debian: apt-get install {TEX_PACKAGES[lang]} "
            f"(the .tex was written: {tex})"
        )
    flag = "-pdf" if engine == "pdflatex" else "-xelatex"
    command = ["latexmk", flag, "-interaction=nonstopmode", "-halt-on-error", "-quiet", tex.name]
    run = subprocess.run(command, cwd=tex.parent, capture_output=True, text=True)
    if run.returncode != 0:  # the log stays beside the .tex for the user to read
        raise OutputError(f"--pdf: {engine} failed on {tex}; see {tex.with_suffix('.log')}")
    subprocess.run(["latexmk", "-c", tex.name], cwd=tex.parent, capture_output=True)
    return tex.with_suffix(".pdf")


def render_page(pdf: Path, page: int, target: Path) -> Path:
    """Render one page of ``pdf`` to the PNG ``target`` with pdftoppm (poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        raise OutputError("pdftoppm not found; on Debian: apt-get install poppler-utils")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True, capture_output=True)
    return target
