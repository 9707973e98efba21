"""The only place where an expression or an index becomes text.

Documents follow the tutorial: 1-based indices written together (``X_{23}``), with
commas once an index reaches 10 (``X_{10,4}``), and ``G[y]`` shown as
``dL/dO_y``. Generated Python uses 0-based indices.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

import numpy as np
import sympy
from sympy import Indexed
from sympy.printing.latex import LatexPrinter

from ..layer import Index


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


def element_label(name: str, i: Index, rank: Optional[int] = None) -> str:
    """Document label of an element: spatial indices as a subscript, leading ones (sample,
    channel) as a superscript in parentheses; ``rank`` is the number of spatial axes.

    Examples:
        >>> element_label("X", (0, 1))
        'X_{12}'
        >>> element_label("X", (0, 2, 0, 1), rank=2)
        'X^{(1,3)}_{12}'
    """
    lead, spatial = (i[: len(i) - rank], i[len(i) - rank :]) if rank else ((), i)
    sup = "^{(%s)}" % ",".join(str(v + 1) for v in lead) if lead else ""
    return "%s%s_{%s}" % (name, sup, index_label(spatial))


def grad_symbol(name: str, i: Index, rank: Optional[int] = None) -> str:
    """``\\frac{\\partial L}{\\partial X_{12}}`` for ``name="X"``, ``i=(0, 1)``."""
    return r"\frac{\partial L}{\partial %s}" % element_label(name, i, rank)


class DocumentLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the tutorial's element notation.

    ``spatial_rank`` tells which trailing indices are spatial; the bias ``b[o]`` prints
    as ``b_{o}``.
    """

    _default_settings = {**LatexPrinter._default_settings, "spatial_rank": None, "delta": False}

    def _print_Indexed(self, expr: Indexed) -> str:
        i = tuple(int(v) for v in expr.indices)
        name = str(expr.base)
        if name == "b":
            return "b_{%s}" % index_label(i)
        rank = self._settings["spatial_rank"]
        if name == "G":
            return element_label(r"\delta", i, rank) if self._settings["delta"] else grad_symbol("O", i, rank)
        return element_label(name, i, rank)


@lru_cache(maxsize=None)
def _printer(rank: Optional[int], delta: bool = False) -> DocumentLatexPrinter:
    return DocumentLatexPrinter({"spatial_rank": rank, "delta": delta})


def latex(expr: sympy.Expr, rank: Optional[int] = None, delta: bool = False) -> str:
    """Document LaTeX of one expression (``rank``: number of spatial axes, see :func:`element_label`);
    with ``delta`` an element of G prints as ``\\delta_{12}`` (matrices, pictures) instead of
    ``\\frac{\\partial L}{\\partial O_{12}}`` (the tutorial's sums).

    Examples:
        >>> from sympy import IndexedBase
        >>> latex(IndexedBase("G")[0, 1], delta=True)
        '\\\\delta_{12}'
    """
    if isinstance(expr, Indexed):
        return _latex_element(expr, rank, delta)
    return _printer(rank, delta).doprint(expr)


@lru_cache(maxsize=1 << 16)
def _latex_element(expr: Indexed, rank: Optional[int], delta: bool) -> str:
    return _printer(rank, delta).doprint(expr)


def latex_factor(expr: sympy.Expr, rank: Optional[int] = None, delta: bool = False) -> str:
    """Like :func:`latex`, in parentheses when ``expr`` is a sum."""
    text = latex(expr, rank, delta)
    return f"\\left({text}\\right)" if isinstance(expr, sympy.Add) else text


def latex_product(factors: tuple[sympy.Expr, ...], rank: Optional[int] = None, delta: bool = False) -> str:
    """Factors in the given order (SymPy would reorder a ``Mul``), e.g. ``dL/dO_{11} X_{11}``.

    A factor equal to 1 (the local gradient of a bias) is left out.
    """
    return " ".join(latex_factor(f, rank, delta) for f in factors if f != 1) or "1"


def latex_array(a: np.ndarray, rank: Optional[int] = None, limit: Optional[int] = None) -> str:
    r"""A 1-D or 2-D object array as a ``bmatrix`` (more axes: one matrix per leading index).

    Along an axis longer than ``limit`` only the first and last :data:`ARRAY_ENDS` entries
    are shown, around ``\cdots``, ``\vdots`` or ``\ddots``.

    Examples:
        >>> from sympy import IndexedBase
        >>> latex_array(np.array([IndexedBase("X")[i] for i in range(9)]), limit=6)
        '\\begin{bmatrix} X_{1} & X_{2} & X_{3} & \\cdots & X_{7} & X_{8} & X_{9} \\end{bmatrix}'
    """
    if a.ndim == 1:
        return _bmatrix([[a[j] if j is not None else _GAP for j in _kept(len(a), limit)]], rank)
    if a.ndim == 2:
        rows = _kept(a.shape[0], limit)
        cols = _kept(a.shape[1], limit)
        return _bmatrix([[_cell(a, r, c) for c in cols] for r in rows], rank)
    return r",\ ".join(latex_array(a[p], rank, limit) if p is not None else r"\cdots" for p in _kept(a.shape[0], limit))


ARRAY_ENDS = 3
_GAP = object()


def _kept(n: int, limit: Optional[int]) -> list[Optional[int]]:
    """Indices shown along an axis of length ``n``; ``None`` marks the left-out middle."""
    if limit is None or n <= limit:
        return list(range(n))
    return list(range(ARRAY_ENDS)) + [None] + list(range(n - ARRAY_ENDS, n))


def _cell(a: np.ndarray, r: Optional[int], c: Optional[int]) -> object:
    if r is None:
        return _DDOTS if c is None else _VDOTS
    return _GAP if c is None else a[r, c]


_VDOTS, _DDOTS = object(), object()
_DOTS = {id(_GAP): r"\cdots", id(_VDOTS): r"\vdots", id(_DDOTS): r"\ddots"}


def _bmatrix(rows: list[list[sympy.Expr]], rank: Optional[int]) -> str:
    body = r" \\ ".join(" & ".join(_DOTS.get(id(v)) or latex(v, rank, delta=True) for v in row) for row in rows)
    return r"\begin{bmatrix} %s \end{bmatrix}" % body


def latex_slices(a: np.ndarray, rank: int, limit: Optional[int] = None) -> tuple[tuple[str, str], ...]:
    r"""A 3-D array as its slices along the first axis: ``(slice index label, bmatrix)`` pairs,
    the left-out middle (beyond ``limit``) as one ``("", r"\cdots")`` pair.

    Examples:
        >>> from sympy import IndexedBase
        >>> from symconv.derivation.operators import tensor
        >>> [t for t, _ in latex_slices(tensor(IndexedBase("X"), (9, 1, 1)), 3, limit=6)]
        ['1', '2', '3', '', '7', '8', '9']
    """
    return tuple((str(p + 1), latex_array(a[p], rank, limit)) if p is not None else ("", r"\cdots")
                 for p in _kept(a.shape[0], limit))


_COMMAND = re.compile(r"\\[A-Za-z]+")


def visible_width(text: str) -> float:
    r"""A rough width of typeset LaTeX in em, to decide what fits on a line: a letter or a command
    is one unit, a subscript or superscript character 0.6 of one, fractions count their numerator,
    a matrix its widest row.

    Examples:
        >>> visible_width("X_{12}"), visible_width(r"A = \begin{bmatrix} a & b \\\\ c & d \end{bmatrix}")
        (2.2, 6.0)
    """
    matrices = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", text)
    text = re.sub(r"\\begin\{bmatrix\}.*?\\end\{bmatrix\}", "", text)
    widest_rows = sum(max(visible_width(row) for row in m.split(r"\\")) + 1.0 for m in matrices)
    text = re.sub(r"\\frac\{([^{}]*)\}\{[^{}]*\}", r"\1", text)
    text = re.sub(r"\\(begin|end)\{[a-z*]+\}|\\(left|right|quad|qquad|,|;| )", " ", text)
    width, script = 0.0, 0
    for token in re.findall(r"\\[A-Za-z]+|[_^]\{|[{}]|&|.", text):
        if token in ("_{", "^{"):
            script += 1
        elif token == "}":
            script = max(0, script - 1)
        elif token == "&":
            width += 1.0
        elif not token.isspace() and token != "{":
            width += 0.6 if script else 1.0
    return round(width + widest_rows, 2)


def cell_label(value: sympy.Expr, rank: int) -> str:
    """A picture cell: an element with its spatial index only, or ``0``.

    Pictures show one sample and channel, so leading indices are left out; ``G`` cells
    read ``\\delta_{12}`` (``\\delta = \\partial L / \\partial O``).

    Examples:
        >>> from sympy import IndexedBase
        >>> cell_label(IndexedBase("X")[2, 0, 1], rank=2)
        'X_{12}'
    """
    if not isinstance(value, Indexed):
        return latex(value)
    label = index_label(tuple(int(v) for v in value.indices)[-rank:])
    base = r"\delta" if str(value.base) == "G" else str(value.base)
    return "%s_{%s}" % (base, label)


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
    r"""Escape plain text for LaTeX; an arrow ``->`` becomes ``$\to$``.

    Examples:
        >>> latex_text("a_b & 50%")
        'a\\_b \\& 50\\%'
    """
    return "".join(_TEX_SPECIALS.get(c, c) for c in text).replace("->", r"$\to$")
