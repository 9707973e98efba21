"""The text ``symconv chain`` prints: the graph's nodes, local gradients and chain-rule products."""

from __future__ import annotations

import sympy

from .evaluate import SHORT_TEXT, ChainResult, GraphNode, LocalGradient, float_text, show_value
from .parse import to_text

def chain_table(result: ChainResult) -> list[str]:
    """The lines ``symconv chain`` prints: nodes, local gradients, chain-rule products."""
    f = result.output.name
    point = ", ".join(f"{k} = {v}" for k, v in result.point)
    rows = [("node", "operation", "value", f"d{f}/dnode")] + [
        (n.name, "input" if n.is_variable else to_text(n.operation), _cell(n.value), _cell(n.gradient))
        for n in result.nodes
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{f} = {to_text(result.expression)}  at  {point}", ""]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths + [0])).rstrip() for r in rows]
    long = [(n.name, n.value, n.gradient) for n in result.nodes if _is_long(n.value) or _is_long(n.gradient)]
    if long:
        lines += ["", "exact values (* above):"]
        lines += [f"  {name} = {sympy.sstr(v)}" for name, v, _ in long if _is_long(v)]
        lines += [f"  d{f}/d{name} = {sympy.sstr(g)}" for name, _, g in long if _is_long(g)]
    lines += ["", "local gradients (d node / d child):"]
    lines += [f"  {_local_line(n, g)}" for n in result.nodes for g in n.local]
    lines += ["", f"total gradients (chain rule, backward from {f}):"]
    lines += [f"  {_chain_line(result, n)}" for n in reversed(result.nodes)]
    if any(n.operation is not None and n.operation.kind == "max" for n in result.nodes):
        lines += ["", "max: gradient 1 to the largest argument, 0 to the others; on a tie, 1 to the first"]
    return lines


def _is_long(value: sympy.Expr) -> bool:
    return len(sympy.sstr(value)) > SHORT_TEXT


def _cell(value: sympy.Expr) -> str:
    """A table cell: exact and float, or only the float (marked *) when the exact form is long."""
    return f"~ {float_text(value)} *" if _is_long(value) else show_value(value)


def _local_line(n: GraphNode, g: LocalGradient) -> str:
    symbolic = _piecewise_text(g.expression) if isinstance(g.expression, sympy.Piecewise) else sympy.sstr(g.expression)
    shown = show_value(g.value)
    return f"d{n.name}/d{g.child} = {symbolic}" + ("" if symbolic == sympy.sstr(g.value) else f" = {shown}")


def _piecewise_text(expression: sympy.Piecewise) -> str:
    """``1 if x >= y else 0`` for the local gradient of ``max``."""
    (one, condition), _ = expression.args
    return f"{one} if {sympy.sstr(condition)} else 0"


def _chain_line(result: ChainResult, n: GraphNode) -> str:
    f = result.output.name
    lhs = f"d{f}/d{n.name}"
    if n is result.output:
        return f"{lhs} = 1"
    uses = result.uses(n.name)
    if not uses:
        return f"{lhs} = 0"
    names = [f"d{p.name}/d{n.name}" if p is result.output else f"d{f}/d{p.name} * d{p.name}/d{n.name}" for p, _ in uses]
    products = [_factor(g.value) if p is result.output else f"{_factor(p.gradient)} * {_factor(g.value)}" for p, g in uses]
    return " = ".join(distinct_steps([lhs, " + ".join(names), " + ".join(products), show_value(n.gradient)]))


def distinct_steps(steps: list[str]) -> list[str]:
    """Drop a step that repeats the one before it (``df/dq1 = df/dq1``, ``(-4) = -4``)."""
    kept = [steps[0]]
    for step in steps[1:]:
        if _bare(step) != _bare(kept[-1]):
            kept.append(step)
        elif len(step) < len(kept[-1]) and len(kept) > 1:
            kept[-1] = step
    return kept


def _bare(step: str) -> str:
    return step[1:-1] if step.startswith("(") and step.endswith(")") and "(" not in step[1:] else step


def _factor(value: sympy.Expr) -> str:
    text = sympy.sstr(value)
    return f"({text})" if needs_parentheses(value) else text


def needs_parentheses(value: sympy.Expr) -> bool:
    """A sum or a negative factor is put in parentheses inside a product."""
    return isinstance(value, (sympy.Add, sympy.Piecewise)) or value.could_extract_minus_sign()
