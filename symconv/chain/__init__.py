"""``symconv chain``: forward values and gradients on the computation graph of a scalar expression.

A small pipeline of its own, one way like the layer's::

    parse.py     text -> Node tree, "x=-2,y=5" -> {name: Rational} (never eval)
    evaluate.py  Node tree + point -> ChainResult (graph, values, local and total gradients)
    text.py      ChainResult -> the lines the command prints
    latex.py     ChainResult -> the LaTeX document (its printer, its context, its template)
"""

from .evaluate import ChainResult, evaluate
from .latex import render_chain_html, render_chain_latex
from .parse import file_name, parse_assignments, parse_expression, to_text
from .text import chain_table

__all__ = ["ChainResult", "chain_table", "evaluate", "file_name", "parse_assignments", "parse_expression",
           "render_chain_html", "render_chain_latex", "to_text"]
