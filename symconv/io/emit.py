"""The only file I/O: render everything first, then write each file atomically.

A file is written to a temporary name in its own folder and renamed over the target,
so a reader never sees half a file and a failure leaves the previous version intact.
Content is UTF-8 with ``\\n`` line endings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError, SpecError
from .pipeline import Derivation
from .render import LATEX_ENGINES, render_kernel_tests, render_latex, render_numpy


@dataclass(frozen=True)
class Written:
    """The files of one spec's entry, as paths under the chosen output folder."""

    folder: Path
    latex: Path
    kernel: Path
    tests: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.latex, self.kernel, self.tests)


def document_name(d: Derivation, lang: str) -> str:
    """``<name>.tex`` for English, ``<name>_zh.tex`` for Chinese."""
    return f"{d.layer.name}.tex" if lang == "en" else f"{d.layer.name}_{lang}.tex"


def entry_files(
    d: Derivation, out: Path, lang: str = "en", full: bool = False, general: bool = False, strategy: str | None = None,
) -> dict[Path, str]:
    """``{path: text}`` for one spec's entry under ``<out>/<name>/``: the document, the kernel
    ``<name>.py`` (its work laid out by ``strategy``, ``None``: chosen per layer) and its tests
    ``test_<name>.py``."""
    name = d.layer.name
    if not name.isidentifier():  # it reaches generated Python as a module name
        raise SpecError("--input", f"the layer name {name!r} is not a Python identifier")
    folder = Path(out) / name
    return {
        folder / document_name(d, lang): render_latex(d, lang, full, general),
        folder / f"{name}.py": render_numpy(d, strategy),
        folder / f"test_{name}.py": render_kernel_tests(d),
    }


def write_entry(
    d: Derivation, out: str | os.PathLike = "generated", lang: str = "en", full: bool = False, general: bool = False,
    strategy: str | None = None,
) -> Written:
    """Render ``d`` and write its entry under ``out``.

    Everything is rendered (and the proof checked) before the disk is touched, and the files
    are replaced together (:func:`write_files_atomic`): a failure leaves the previous entry.
    """
    files = entry_files(d, Path(out), lang, full, general, strategy)
    folder = next(iter(files)).parent
    _make_folder(folder)
    write_files_atomic(files)
    return Written(folder, *files)


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
    subprocess.run(["latexmk", "-c", tex.name], cwd=tex.parent, capture_output=True)
    if run.returncode != 0:
        raise OutputError(f"--pdf: {engine} failed on {tex}; see {tex.with_suffix('.log').name} beside it")
    return tex.with_suffix(".pdf")


def render_page(pdf: Path, page: int, target: Path) -> Path:
    """Render one page of ``pdf`` to the PNG ``target`` with pdftoppm (poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        raise OutputError("pdftoppm not found; on Debian: apt-get install poppler-utils")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(target.with_suffix(""))], check=True, capture_output=True)
    return target


def write_chain(text: str, name: str, out: str | os.PathLike) -> Path:
    """Write a ``symconv chain`` document as ``<out>/<name>`` atomically; return its path."""
    folder = Path(out)
    _make_folder(folder)
    path = folder / name
    write_text_atomic(path, text)
    return path


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out: cannot create folder {folder}: a file of that name is in the way") from None
    except OSError as e:
        raise OutputError(f"--out: cannot create folder {folder}: {e.strerror}") from None


def write_files_atomic(files: dict[Path, str]) -> None:
    """Write each file to a temporary name in its own folder, then rename them all.

    A failure while writing leaves every previous file as it was and no temporary file behind;
    only the renames, which do not fail on a working disk, remain after the last write.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text), path))
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def write_text_atomic(path: Path, text: str) -> None:
    """Write one file through a temporary name and a rename."""
    write_files_atomic({path: text})


def _stage(path: Path, text: str) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"--out: cannot write in {path.parent}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"--out: cannot write {path}: {e.strerror}") from None
        raise
    return tmp
