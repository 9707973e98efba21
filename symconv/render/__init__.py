"""Rendering: a proven Derivation becomes text (LaTeX documents, NumPy kernels). Pure: it never
proves, never writes a file.

    printing.py    the only place an expression or index becomes text
    templates.py   the Jinja environments and the one template lookup
    document/      the document's typed context, section by section; latex.py renders it as LaTeX,
                   web.py as a web page and a notebook (mathml.py prints their mathematics)
    strategies/    the kernel strategies, one object (and template) each; kernel.py renders
                   the kernel and its tests
    proven.py      the rule that only proven derivations are rendered
"""

from .kernel import KernelModule, kernel_module, render_kernel_tests, render_numpy
from .latex import LANGUAGES, render_document, summary_latex
from .strategies import STRATEGIES, choose_strategy
from .web import render_html, render_notebook

__all__ = ["KernelModule", "LANGUAGES", "kernel_module", "STRATEGIES", "choose_strategy", "render_document", "render_html",
           "render_kernel_tests", "render_notebook", "render_numpy", "summary_latex"]
