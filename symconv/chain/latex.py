"""The ``symconv chain`` document: the expression, its graph in TikZ, and the chain rule, as LaTeX.

The only place a chain expression or value becomes LaTeX (the layer's documents have their
own printer in ``render.printing``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy
from sympy.printing.latex import LatexPrinter

from ..render.printing import latex_text
from ..render.templates import render
from .evaluate import ChainResult, GraphNode, LocalGradient, approximate
from .parse import ATOM, BINARY, FUNCTIONS, NEG_PRECEDENCE, SIMPLE_NAME, Node, binding, operands
from .text import distinct_steps, needs_parentheses

def latex_name(name: str) -> str:
    r"""LaTeX of a variable or node name; any other name is escaped text.

    Examples:
        >>> latex_name("x_1"), latex_name("q3"), latex_name("alpha")
        ('x_{1}', 'q_{3}', '\\alpha')
        >>> latex_name("a_b_c")
        '\\text{a\\_b\\_c}'
    """
    if SIMPLE_NAME.fullmatch(name):
        return sympy.latex(sympy.Symbol(name))
    return r"\text{%s}" % "".join("\\_" if c == "_" else c for c in name)


def to_latex(node: Node) -> str:
    r"""LaTeX of an expression tree, kept in the order written.

    Examples:
        >>> from symconv.chain.parse import parse_expression
        >>> to_latex(parse_expression("(x+y)*z/2"))
        '\\frac{\\left(x + y\\right) \\cdot z}{2}'
    """
    paren = lambda s: r"\left(%s\right)" % s  # noqa: E731
    if node.kind == "number":
        return node.text  # digits and at most one dot: nothing to escape
    if node.kind == "variable":
        return latex_name(node.text)
    if node.kind == "neg":
        operand = node.args[0]
        return "-" + (paren(to_latex(operand)) if binding(operand) <= NEG_PRECEDENCE else to_latex(operand))
    if node.kind == "/":
        return r"\frac{%s}{%s}" % (to_latex(node.args[0]), to_latex(node.args[1]))
    if node.kind == "**":
        base = to_latex(node.args[0])
        base = base if binding(node.args[0]) == ATOM and node.args[0].kind in ("number", "variable") else paren(base)
        return "%s^{%s}" % (base, to_latex(node.args[1]))
    if node.kind in BINARY:
        left, right = operands(node, to_latex, paren)
        operator = r"\cdot" if node.kind == "*" else node.kind
        return f"{left} {operator} {right}"
    if node.kind == "sqrt":
        return r"\sqrt{%s}" % to_latex(node.args[0])
    return FUNCTIONS[node.kind][1] + paren(", ".join(to_latex(a) for a in node.args))


class _ChainLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with :func:`latex_name` for symbols (``a_b_c`` would print as a subscript list)."""

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        return latex_name(expr.name)


def latex_value(expr: sympy.Expr) -> str:
    r"""LaTeX of an exact value or symbolic local gradient.

    Examples:
        >>> latex_value(sympy.Rational(-3, 2))
        '- \\frac{3}{2}'
    """
    return _ChainLatexPrinter().doprint(expr)


# The graph is laid out to fit the page, never shrunk: columns 3.6 cm apart, or 2.6 cm; a wider
# graph labels its nodes by name only (the table gives their operations) 1.9 cm apart, and runs
# top to bottom when that is narrower; a graph that fits none of these is not drawn.
COLUMN_CM, MIN_COLUMN_CM, COMPACT_CM = 3.6, 2.6, 1.9
ROW_CM, COMPACT_ROW_CM = 2.1, 1.6
PAGE_CM = 12.5  # the widest the node centres may spread (the text is 17 cm wide)
TABLE_LATEX = 48  # characters of LaTeX a value may have in a table column
LONG_LATEX = 90  # a value longer than this (a nested fraction cannot break) shows as its float, exact below
TALL_CM = 20.0  # the tallest
SHORT_LATEX = 16  # longer exact values show as a float in the graph


def render_chain_latex(result: ChainResult) -> str:
    """The ``symconv chain`` document: expression, TikZ graph, local gradients, chain rule."""
    return render("document/chain.tex.j2", chain_context(result))


def render_chain_html(result: ChainResult) -> str:
    """The same document as a self-contained web page (MathML, an SVG graph), from the same context."""
    return render("document/chain.html.j2", chain_context(result))


@dataclass(frozen=True)
class GraphNodeText:
    """A node of the TikZ graph: its reference, position, label, and its value and gradient."""

    ref: str
    at: str
    x: float  # cm, as ``at`` says
    y: float
    label: str
    variable: bool
    value: str
    gradient: str


@dataclass(frozen=True)
class TableRow:
    """A row of the node table: the node, its operation, its value and its local gradients."""

    name: str
    operation: str
    value: str
    local: tuple[str, ...]


@dataclass(frozen=True)
class ChainContext:
    """Everything the chain document shows, as LaTeX strings."""

    expression: str
    output: str
    point: str
    nodes: tuple[GraphNodeText, ...]
    edges: tuple[tuple[str, str], ...]
    lines: tuple[tuple[float, float, float, float], ...]  # the edges' end points in cm, for SVG
    rows: tuple[TableRow, ...]
    chain: tuple[str, ...]  # each total gradient as one line (the web page wraps it)
    steps: tuple[tuple[str, ...], ...]  # the same as steps: lhs, then what it equals, one row each
    has_max: bool
    compact: bool  # the graph's nodes are labelled by name only; ``nodes`` is empty when not drawn
    exact: tuple[tuple[str, str], ...]  # (name, exact value as text) of the values shown as floats (marked *)


def chain_context(result: ChainResult) -> ChainContext:
    f = result.output.name
    positions, compact = _layout(result)
    drawn = [n for n in result.nodes if n.name in positions]
    return ChainContext(
        expression=to_latex(result.expression),
        output=latex_name(f),
        point=r",\quad ".join(f"{latex_name(k)} = {latex_value(v)}" for k, v in result.point),
        nodes=tuple(_graph_node(n, positions[n.name], compact) for n in drawn),
        edges=tuple((_tikz_ref(c), _tikz_ref(n.name)) for n in drawn for c in n.children),
        lines=tuple(positions[c] + positions[n.name] for n in drawn for c in n.children),
        rows=tuple(_table_row(n) for n in result.nodes),
        chain=tuple(" = ".join(_chain_steps(result, n)) for n in reversed(result.nodes)),
        steps=tuple(_chain_steps(result, n) for n in reversed(result.nodes)),
        has_max=any(n.operation is not None and n.operation.kind == "max" for n in result.nodes),
        compact=compact,
        exact=_exact_rows(result),
    )


def _tikz_ref(name: str) -> str:
    return f"(n-{name})"  # names are identifiers: letters, digits, _ are safe in TikZ node names


def _layout(result: ChainResult) -> tuple[dict[str, tuple[float, float]], bool]:
    """Variables stacked in column 0; each operation one column right of its deepest child,
    at the mean height of its children, pushed down to keep one row between nodes."""
    column, row = {}, {}
    for i, n in enumerate(result.nodes):
        column[n.name] = 0 if n.is_variable else 1 + max(column[c] for c in n.children)
        row[n.name] = -float(i) if n.is_variable else sum(row[c] for c in n.children) / len(n.children)
        taken = sorted(row[m.name] for m in result.nodes[:i] if column.get(m.name) == column[n.name] and m.name != n.name)
        for y in reversed(taken):
            if abs(row[n.name] - y) < 1:
                row[n.name] = y - 1
    return _placed(column, row)


def _placed(column: dict[str, int], row: dict[str, float]) -> tuple[dict[str, tuple[float, float]], bool]:
    """Grid positions in cm and whether labels are names only (see COLUMN_CM); none if no layout fits."""
    columns, rows = max(column.values()) or 1, -min(row.values()) or 1
    for step, compact in ((COLUMN_CM, False), (MIN_COLUMN_CM, False), (COMPACT_CM, True)):
        if columns * step <= PAGE_CM and rows * ROW_CM <= TALL_CM:
            return {k: (round(column[k] * step, 3), round(row[k] * ROW_CM, 3) + 0.0) for k in column}, compact
    if rows * COMPACT_CM <= PAGE_CM and columns * COMPACT_ROW_CM <= TALL_CM:  # top to bottom
        return {k: (round(-row[k] * COMPACT_CM, 3) + 0.0, round(-column[k] * COMPACT_ROW_CM, 3) + 0.0)
                for k in column}, True
    return {}, True


def _short(value: sympy.Expr) -> str:
    exact = latex_value(value)
    return exact if len(exact) <= SHORT_LATEX else r"\approx %s" % sympy.latex(approximate(value))


def _graph_node(n: GraphNode, position: tuple[float, float], compact: bool) -> GraphNodeText:
    full = not (n.is_variable or compact)
    label = f"{latex_name(n.name)} = {to_latex(n.operation)}" if full else latex_name(n.name)
    return GraphNodeText(_tikz_ref(n.name), "(%gcm, %gcm)" % position, position[0], position[1], label, n.is_variable,
                         _short(n.value), _short(n.gradient))


def _full(value: sympy.Expr) -> str:
    exact = latex_value(value)
    if len(exact) > LONG_LATEX:
        return _approximate(value)
    return exact if value.is_Integer else r"%s \approx %s" % (exact, sympy.latex(approximate(value)))


def _approximate(value: sympy.Expr) -> str:
    """The float of a value whose exact form is listed at the end (marked *)."""
    return r"\approx %s^{*}" % sympy.latex(approximate(value))


def _partial(top: str, bottom: str) -> str:
    return r"\frac{\partial %s}{\partial %s}" % (latex_name(top), latex_name(bottom))


def _table_row(n: GraphNode) -> TableRow:
    local = tuple(r"%s = %s" % (_partial(n.name, g.child), _local_latex(g)) for g in n.local)
    operation = "input" if n.is_variable else "$%s = %s$" % (latex_name(n.name), to_latex(n.operation))
    return TableRow(latex_name(n.name), operation, _cell(n.value), local)


def _cell(value: sympy.Expr) -> str:
    """A value in a table column: exact and its float, or only the float (marked) when the exact
    form is too wide for a column; the exact one is then listed at the end."""
    return _full(value) if len(latex_value(value)) <= TABLE_LATEX else _approximate(value)


def _exact_rows(result: ChainResult) -> tuple[tuple[str, str], ...]:
    """``(name, exact value as breakable text)`` for the values shown only as floats above: too
    wide for a table column, or too long for a line."""
    f = result.output.name
    named = [(latex_name(n.name), n.value, TABLE_LATEX) for n in result.nodes]
    named += [(_partial(n.name, g.child), g.value, TABLE_LATEX) for n in result.nodes for g in n.local]
    named += [(_partial(f, n.name), n.gradient, LONG_LATEX) for n in result.nodes]
    rows: dict[str, str] = {}
    for name, value, limit in named:
        if len(latex_value(value)) > limit:
            rows.setdefault(name, _breakable(sympy.sstr(value)))
    return tuple(rows.items())


def _breakable(text: str) -> str:
    """Plain text for \texttt, escaped, with a line break allowed after each operator and comma."""
    return re.sub(r"([*+/,(]|- )", lambda m: m.group(1) + r"\allowbreak{}", latex_text(text))


def _local_latex(g: LocalGradient) -> str:
    symbolic = latex_value(g.expression)
    return symbolic if symbolic == latex_value(g.value) else f"{symbolic} = {_cell(g.value)}"


def _chain_steps(result: ChainResult, n: GraphNode) -> tuple[str, ...]:
    """``df/dnode`` and the steps it equals: the chain rule's names, the products, the value."""
    f = result.output.name
    lhs = _partial(f, n.name)
    uses = result.uses(n.name)
    if n is result.output or not uses:
        return (lhs, "1" if n is result.output else "0")
    # Every use as (gradient of the user) times (local gradient), df/df = 1 included, so no step
    # repeats the one before it.
    names = [_partial(f, p.name) + _partial(p.name, n.name) for p, _ in uses]
    products = [f"{_latex_factor(p.gradient)} \\cdot {_latex_factor(g.value)}" for p, g in uses]
    return tuple(distinct_steps([lhs, " + ".join(names), " + ".join(products), _full(n.gradient)]))


def _latex_factor(value: sympy.Expr) -> str:
    text = latex_value(value)
    if len(text) > LONG_LATEX:
        return r"\left(%s\right)" % _approximate(value)
    return r"\left(%s\right)" % text if needs_parentheses(value) else text
