"""A closed-form tree in the language ``symconv check`` reads, as text and as LaTeX: one walk of
the tree, two styles.

A parameter of rank 1 prints as itself; of higher rank as its per-axis values in parentheses.

Examples:
    >>> from ..recipes import Corr, Operand, Pad
    >>> s, d, lo, hi = sympy.symbols("s d lo hi", integer=True)
    >>> tree_text(Corr(Pad(Operand("X"), ((lo, hi - 1),)), Operand("G"), (d,), (s,)))
    'corr(pad(X, lo, hi - 1), G, stride=d, dilation=s)'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import sympy

from ..recipes import Corr, Dilate, Form, Operand, Pad, Rot180


@dataclass(frozen=True)
class Style:
    """How operators, brackets and separators are written."""

    names: dict
    open: str
    close: str
    comma: str
    kernel: str  # between a correlation's kernel and its stride
    stride: str
    dilation: str
    values: Callable[[tuple], str]


def _values(show) -> Callable[[tuple], str]:
    return lambda vs: show(vs[0]) if len(vs) == 1 else "(" + ", ".join(show(v) for v in vs) + ")"


TEXT = Style({"pad": "pad", "dilate": "dilate", "rot180": "rot180", "corr": "corr"}, "(", ")", ", ", ", ",
             "stride=", "dilation=", _values(sympy.sstr))
LATEX = Style({"pad": r"\operatorname{pad}", "dilate": r"\operatorname{dilate}", "rot180": r"\operatorname{rot}_{180}",
               "corr": r"\operatorname{corr}"}, r"\bigl(", r"\bigr)", r",\ ", r";\ ", r"\text{stride } ",
              r"\text{dilation } ", _values(sympy.latex))


def show_tree(form: Form, style: Style) -> str:
    """``form`` written in ``style``."""
    if isinstance(form, Operand):
        return form.name
    if isinstance(form, Pad):
        lo, hi = zip(*form.widths)
        args = [show_tree(form.operand, style), style.values(lo), style.values(hi)]
    elif isinstance(form, Dilate):
        args = [show_tree(form.operand, style), style.values(form.step)]
    elif isinstance(form, Rot180):
        args = [show_tree(form.operand, style)]
    else:
        pair = show_tree(form.operand, style) + style.comma + show_tree(form.kernel, style)
        args = [pair + style.kernel + style.stride + style.values(form.stride),
                style.dilation + style.values(form.dilation)]
    name = {Pad: "pad", Dilate: "dilate", Rot180: "rot180", Corr: "corr"}[type(form)]
    return style.names[name] + style.open + style.comma.join(args) + style.close


def tree_text(form: Form) -> str:
    """``form`` in ``symconv check``'s syntax."""
    return show_tree(form, TEXT)


def tree_latex(form: Form, values: Callable[[tuple], str] | None = None) -> str:
    """``form`` as mathematics; ``values`` prints a parameter's per-axis tuple (default: SymPy's LaTeX)."""
    return show_tree(form, replace(LATEX, values=values) if values else LATEX)
