"""The only place where an expression or an index becomes text.

Documents follow the tutorial: 1-based indices written together (``X_{23}``), with
commas once an index reaches 10 (``X_{10,4}``), and ``G[y]`` shown as
``dL/dO_y``. Generated Python uses 0-based indices.
"""

from __future__ import annotations

import numpy as np
import sympy
from sympy import Indexed
from sympy.printing.latex import LatexPrinter

from .spec import Index


def index_label(i: Index) -> str:
    """1-based document label of a 0-based index.

    Examples:
        >>> index_label((0, 1))
        '12'
        >>> index_label((9, 3))
        '10,4'
    """
    one_based = [v + 1 for v in i]
    return ("," if any(v >= 10 for v in one_based) else "").join(map(str, one_based))


def grad_symbol(name: str, i: Index) -> str:
    """``\\frac{\\partial L}{\\partial X_{12}}`` for ``name="X"``, ``i=(0, 1)``."""
    return r"\frac{\partial L}{\partial %s_{%s}}" % (name, index_label(i))


class DocumentLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the tutorial's element notation."""

    def _print_Indexed(self, expr: Indexed) -> str:
        i = tuple(int(v) for v in expr.indices)
        if str(expr.base) == "G":
            return grad_symbol("O", i)
        return "%s_{%s}" % (expr.base, index_label(i))


_PRINTER = DocumentLatexPrinter()


def latex(expr: sympy.Expr) -> str:
    """Document LaTeX of one expression."""
    return _PRINTER.doprint(expr)


def latex_factor(expr: sympy.Expr) -> str:
    """Like :func:`latex`, in parentheses when ``expr`` is a sum."""
    text = latex(expr)
    return f"\\left({text}\\right)" if isinstance(expr, sympy.Add) else text


def latex_product(*factors: sympy.Expr) -> str:
    """Factors in the given order (SymPy would reorder a ``Mul``), e.g. ``dL/dO_{11} X_{11}``."""
    return " ".join(latex_factor(f) for f in factors)


def latex_array(a: np.ndarray) -> str:
    """A 1-D or 2-D object array as a ``bmatrix`` (3-D: one matrix per leading index)."""
    if a.ndim == 1:
        return _bmatrix([list(a)])
    if a.ndim == 2:
        return _bmatrix([list(row) for row in a])
    return r",\ ".join(_bmatrix([list(row) for row in plane]) for plane in a)


def _bmatrix(rows: list[list[sympy.Expr]]) -> str:
    body = r" \\ ".join(" & ".join(latex(v) for v in row) for row in rows)
    return r"\begin{bmatrix} %s \end{bmatrix}" % body


def python_slice(s: slice) -> str:
    """``slice(1, 7, 2)`` -> ``"1:7:2"``; step 1 is left out.

    Examples:
        >>> python_slice(slice(0, 3, 1))
        '0:3'
    """
    step = "" if s.step in (None, 1) else f":{s.step}"
    return f"{s.start}:{s.stop}{step}"


def python_index(i: Index) -> str:
    """``(0, 1)`` -> ``"0, 1"`` for code such as ``F[0, 1]``."""
    return ", ".join(map(str, i))


_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_text(text: str) -> str:
    r"""Escape plain text for LaTeX.

    Examples:
        >>> latex_text("a_b & 50%")
        'a\\_b \\& 50\\%'
    """
    return "".join(_TEX_SPECIALS.get(c, c) for c in text)
