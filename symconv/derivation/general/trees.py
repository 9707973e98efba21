"""A closed-form tree in the language ``symconv check`` reads, as text and as LaTeX.

A parameter of rank 1 prints as itself; of higher rank as its per-axis values in parentheses.

Examples:
    >>> from ..recipes import Corr, Operand, Pad
    >>> s, d, lo, hi = sympy.symbols("s d lo hi", integer=True)
    >>> tree_text(Corr(Pad(Operand("X"), ((lo, hi - 1),)), Operand("G"), (d,), (s,)))
    'corr(pad(X, lo, hi - 1), G, stride=d, dilation=s)'
"""

from __future__ import annotations

import sympy

from ..recipes import Corr, Dilate, Form, Operand, Pad, Rot180


def _value(values: tuple, show) -> str:
    return show(values[0]) if len(values) == 1 else "(" + ", ".join(show(v) for v in values) + ")"


def tree_text(form: Form, show=sympy.sstr) -> str:
    """``form`` in ``symconv check``'s syntax."""
    if isinstance(form, Operand):
        return form.name
    if isinstance(form, Pad):
        lo, hi = zip(*form.widths)
        return f"pad({tree_text(form.operand, show)}, {_value(lo, show)}, {_value(hi, show)})"
    if isinstance(form, Dilate):
        return f"dilate({tree_text(form.operand, show)}, {_value(form.step, show)})"
    if isinstance(form, Rot180):
        return f"rot180({tree_text(form.operand, show)})"
    assert isinstance(form, Corr)
    return (f"corr({tree_text(form.operand, show)}, {tree_text(form.kernel, show)}, "
            f"stride={_value(form.stride, show)}, dilation={_value(form.dilation, show)})")


def tree_latex(form: Form, values=None) -> str:
    """``form`` as mathematics: operator names upright; ``values`` prints a parameter's per-axis
    tuple (default: SymPy's LaTeX printer, a tuple in parentheses)."""
    v = values or (lambda vs: _value(vs, sympy.latex))
    if isinstance(form, Operand):
        return form.name
    if isinstance(form, Pad):
        lo, hi = zip(*form.widths)
        return rf"\operatorname{{pad}}\bigl({tree_latex(form.operand, v)},\ {v(lo)},\ {v(hi)}\bigr)"
    if isinstance(form, Dilate):
        return rf"\operatorname{{dilate}}\bigl({tree_latex(form.operand, v)},\ {v(form.step)}\bigr)"
    if isinstance(form, Rot180):
        return rf"\operatorname{{rot}}_{{180}}({tree_latex(form.operand, v)})"
    return (rf"\operatorname{{corr}}\bigl({tree_latex(form.operand, v)},\ {tree_latex(form.kernel, v)};\ "
            rf"\text{{stride }} {v(form.stride)},\ \text{{dilation }} {v(form.dilation)}\bigr)")
