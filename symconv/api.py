"""The public API: each function composes the stages, in the flow's order.

    derive (derivation) -> render_latex | render_numpy (render) -> write_entry | load_kernel (io)

The stages themselves never reach forward: rendering never proves (the proof for all sizes
a document shows is made here first) and io never renders (it is handed finished text).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Union

from .derivation import Derivation
from .derivation.general import prove_general
from .errors import ProofError, SpecError
from .io import emit, kernels
from .layer import names
from .render import kernel_module, render_document, render_html as _render_html, render_kernel_tests
from .render import render_notebook as _render_notebook
from .verify import KernelProof
from .verify import prove_kernel as _prove_kernel


def _require(d: object, function: str) -> Derivation:
    """``d`` itself when it is a Derivation; a wrong argument is a one-line SpecError, not a traceback."""
    if not isinstance(d, Derivation):
        raise SpecError(function, f"needs a Derivation (from symconv.derive), got {type(d).__name__}")
    return d


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(name, f"{value!r} is not allowed; give True or False")
    return value


def render_latex(d: Derivation, lang: str = "en", full: bool = False, general: bool = False) -> str:
    """The standalone LaTeX derivation document for ``d``'s layer.

    Args:
        d: a proven derivation.
        lang: ``"en"`` (compiles with pdflatex) or ``"zh"`` (Chinese, xelatex + ctex).
        full: list every element even of a large layer (else long listings show their ends).
        general: add the proof for all sizes (``symconv prove --general``) as a section.
    """
    return _document(render_document, "render_latex", d, lang, full, general)


def render_html(d: Derivation, lang: str = "en", full: bool = False, general: bool = False) -> str:
    """The derivation as a self-contained web page (MathML, inline SVG, nothing fetched); arguments as
    :func:`render_latex`."""
    return _document(_render_html, "render_html", d, lang, full, general)


def render_notebook(d: Derivation, lang: str = "en", full: bool = False, general: bool = False) -> str:
    """The derivation as a Jupyter notebook (nbformat 4 JSON) whose code cells check the kernel
    ``<name>.py`` written beside it; arguments as :func:`render_latex`."""
    return _document(_render_notebook, "render_notebook", d, lang, full, general)


def _document(renderer, function: str, d: Derivation, lang: str, full: bool, general: bool) -> str:
    """One form of the document, the proof for all sizes made first when it is asked for."""
    _require(d, function)
    _flag(full, "full"), _flag(general, "general")
    return renderer(d, lang, full, _general_proof(d.spec.rank) if general else None)


@lru_cache(maxsize=None)
def _general_proof(rank: int) -> tuple:
    """The proof for all sizes of one rank, made once per process (it depends on the rank alone;
    the forms of one entry share it)."""
    return tuple(prove_general(rank))


def render_numpy(d: Derivation, strategy: str | None = None) -> str:
    """The standalone NumPy module (forward, grad_filter, grad_input) for ``d``'s layer.

    Args:
        d: a proven derivation.
        strategy: ``None`` (chosen per layer; the module docstring says which and why) or one
            of ``STRATEGIES`` that applies to the layer.
    """
    return kernel_module(_require(d, "render_numpy"), strategy).text


@dataclass(frozen=True)
class Written:
    """The files of one layer's entry, as paths under the chosen output folder, and the
    strategy its kernel was laid out by."""

    folder: Path
    latex: Path
    kernel: Path
    tests: Path
    strategy: str
    kernel_proof: KernelProof | None = None
    html: Path | None = None
    notebook: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.latex, self.html, self.notebook, self.kernel, self.tests) if p is not None)


def write_entry(
    d: Derivation, out: str | os.PathLike = "generated", lang: str = "en", full: bool = False, general: bool = False,
    strategy: str | None = None, html: bool = False, notebook: bool = False,
) -> Written:
    """Render ``d`` and write its entry under ``<out>/<name>/``: the document, the kernel
    ``<name>.py`` (its work laid out by ``strategy``, ``None``: chosen per layer) and its tests
    ``test_<name>.py``; with ``html`` the web page ``<name>.html``, with ``notebook`` the notebook
    ``<name>.ipynb`` (``_zh`` before the suffix in Chinese).

    Everything is rendered (and the proof checked) before the disk is touched, and the files
    are replaced together: a failure leaves the previous entry.
    """
    name = _require(d, "write_entry").layer.name
    if not isinstance(out, (str, os.PathLike)):
        raise SpecError("--out", f"{out!r} is not a folder path")
    if not name.isidentifier():  # it reaches generated Python as a module name
        raise SpecError("--input", f"the layer name {name!r} is not a Python identifier")
    _flag(html, "html"), _flag(notebook, "notebook")
    document, kernel, tests = (Path(out) / name / f for f in names.entry_files(name, lang))
    _, page, book = (Path(out) / name / f for f in names.document_files(name, lang))
    module = kernel_module(d, strategy)
    proof = _checked_kernel(d, module.strategy, module.text)
    files = {document: render_latex(d, lang, full, general), kernel: module.text, tests: render_kernel_tests(d, module.strategy)}
    if html:
        files[page] = render_html(d, lang, full, general)
    if notebook:
        files[book] = render_notebook(d, lang, full, general)
    emit.write_files(files)
    return Written(document.parent, document, kernel, tests, module.strategy, proof, page if html else None,
                   book if notebook else None)


def prove_kernel(d: Derivation, strategy: str | None = None) -> KernelProof:
    """Run the code of ``d``'s kernel module (laid out by ``strategy``, ``None``: chosen per layer)
    on SymPy symbols and compare every output with the forward model and the closed forms,
    exactly; a layer above a few thousand product terms runs the same strategy's kernel of a
    smaller layer with the same filter, stride, dilation, padding and channels (``layer``
    of the result names it), or, when even that is too large, says so (``skipped``). Check
    ``holds``; ``symconv derive`` refuses to write a kernel whose code differs."""
    module = kernel_module(_require(d, "prove_kernel"), strategy)
    return _prove_kernel(d, module.strategy, module.text)


def _checked_kernel(d: Derivation, strategy: str, text: str) -> KernelProof:
    """The kernel's proof on symbols; a failed one is a ProofError, before anything is written."""
    proof = _prove_kernel(d, strategy, text)
    if not proof.holds and not proof.skipped:
        raise ProofError(f"the {strategy} kernel's code, run on SymPy symbols, differs from the closed forms: "
                         f"{proof.failures[0] if proof.failures else 'no body ran'}; nothing was written")
    return proof


def load_kernel(source: Union[Derivation, str, os.PathLike], strategy: str | None = None) -> ModuleType:
    """Import a generated kernel module.

    Args:
        source: a :class:`Derivation` (rendered into the cache and imported), the path of a
            generated ``.py`` file, or an entry folder written by ``symconv derive``.
        strategy: for a Derivation, ``None`` (automatic) or a strategy name (see
            ``render_numpy``); a file is imported as written.

    Returns:
        The module, with ``forward``, ``grad_filter`` and ``grad_input``.
    """
    if isinstance(source, Derivation):
        return kernels.import_kernel(kernels.cached(render_numpy(source, strategy), source.layer.name))
    if not isinstance(source, (str, os.PathLike)):
        raise SpecError("load_kernel", f"needs a Derivation or the path of a generated kernel, got {type(source).__name__}")
    return kernels.import_kernel(kernels.kernel_file(source))
