"""``symconv chain``: forward values and gradients on the computation graph of a scalar expression.

The stages, one way, like the rest of symconv::

    text -> tokens -> Node tree (parse_expression)   "x=-2,y=5" -> {name: Rational} (parse_assignments)
         -> ChainResult: graph nodes in topological order, values, local and total gradients (evaluate)
         -> text table (chain_table) | LaTeX context (chain_context) -> render -> emit

Parsing is in ``parse`` (user text is never evaluated as code); the text table in ``text``,
the LaTeX document in ``latex``; the file is written by ``io.emit``.

Graph nodes are the variables (named as written) and every operation whose subtree holds a
variable (``q1, q2, ...`` in topological order, the last one ``f``). Subtrees of numbers only
(``2*3`` in ``x*(2*3)``) are constants inside their parent's operation. A variable used twice
gets the sum of the gradients along its uses. Values are exact; the local gradient of
``max`` is 1 for the first largest argument and 0 for the others (no Heaviside).
"""


from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import sympy

from ..errors import ChainError
from .magnitude import derivative_shadow, require_showable, shadow
from .parse import BINARY, DECIMAL, FUNCTIONS, MAX_BITS, OUTPUT, Node, parse_assignments, parse_expression, to_text

SIGNIFICANT = 6  # digits of the float shown next to an exact value
SHORT_TEXT = 24  # longer exact values are listed below the text table

def approximate(value: sympy.Expr) -> sympy.Float:
    """``value`` to :data:`SIGNIFICANT` significant digits."""
    return sympy.N(value, SIGNIFICANT)


def show_value(value: sympy.Expr) -> str:
    """Exact value, and its float when it is not an integer.

    Examples:
        >>> show_value(sympy.Integer(-12)), show_value(sympy.exp(2))
        ('-12', 'exp(2) ~ 7.38906')
    """
    if value.is_Integer:
        return str(value)
    return f"{sympy.sstr(value)} ~ {float_text(value)}"


def float_text(value: sympy.Expr) -> str:
    approx = approximate(value)
    try:
        return format(float(approx), f".{SIGNIFICANT}g") if abs(approx) < 1e300 else str(approx)
    except (TypeError, OverflowError):
        return str(approx)


# -- evaluation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LocalGradient:
    """``d node / d child``: symbolic in the names of the node's children, and its value."""

    child: str
    expression: sympy.Expr
    value: sympy.Expr
    approx: float = math.nan  # the float shadow of value (magnitude.py)


@dataclass(frozen=True)
class GraphNode:
    """One node of the computation graph.

    ``operation`` is the node's expression in the names of its children (``None`` for a
    variable); ``gradient`` is the total gradient ``d f / d node``.
    """

    name: str
    operation: Node | None
    children: tuple[str, ...]
    value: sympy.Expr
    local: tuple[LocalGradient, ...]
    gradient: sympy.Expr

    @property
    def is_variable(self) -> bool:
        return self.operation is None


@dataclass(frozen=True)
class ChainResult:
    """Everything ``symconv chain`` shows: the graph in topological order (variables first)."""

    expression: Node
    point: tuple[tuple[str, sympy.Rational], ...]
    nodes: tuple[GraphNode, ...]

    @property
    def output(self) -> GraphNode:
        return self.nodes[-1]

    def node(self, name: str) -> GraphNode:
        return next(n for n in self.nodes if n.name == name)

    def uses(self, name: str) -> list[tuple[GraphNode, LocalGradient]]:
        """The parents of node ``name`` with their local gradient towards it (the chain-rule terms)."""
        return [(p, g) for p in self.nodes for g in p.local if g.child == name]


@dataclass(frozen=True)
class _Operation:
    tree: Node  # the operation with graph children replaced by variables named after them
    children: tuple[str, ...]
    original: Node  # the subtree as written, for messages


def evaluate(expression: Node, values: Mapping[str, object]) -> ChainResult:
    """Forward values, local gradients and (backward, by the chain rule) total gradients.

    Examples:
        >>> r = evaluate(parse_expression("(x+y)*z"), parse_assignments("x=-2,y=5,z=-4"))
        >>> [(n.name, n.value, n.gradient) for n in r.nodes]
        [('x', -2, -4), ('y', 5, -4), ('z', -4, 3), ('q1', 3, -4), ('f', -12, 1)]
    """
    point = _check_point(expression, values)
    operations: dict[str, _Operation] = {}
    _graph(expression, operations)
    names = _rename(list(operations))
    operations = {names[k]: _Operation(_rename_tree(op.tree, names), tuple(names.get(c, c) for c in op.children),
                                       op.original) for k, op in operations.items()}
    originals = {name: op.original for name, op in operations.items()}
    show = lambda node: to_text(_expand(node, originals))  # noqa: E731
    env, floats = dict(point), {name: float(value) for name, value in point.items()}
    forward = [_forward(name, op, env, floats, show) for name, op in operations.items()]
    nodes = [(name, None, (), value, ()) for name, value in point.items()] + forward
    root = names.get(_root_key(expression, operations), expression.text)
    totals = _backward(nodes, root, floats)
    graph = tuple(GraphNode(*n, totals[n[0]]) for n in nodes)
    return ChainResult(expression, tuple(point.items()), graph)


def _check_point(expression: Node, values: Mapping[str, object]) -> dict[str, sympy.Rational]:
    variables = expression.variables()
    if not variables:
        large = "" if math.isfinite(shadow(expression, {})) else " (and its value is too large to show)"
        raise ChainError("expression", f"has no variables, so there is nothing to differentiate{large}")
    missing = [v for v in variables if v not in values]
    extra = sorted(set(values) - set(variables))
    if missing:
        raise ChainError("--at", f"no value for {', '.join(missing)}")
    if extra:
        raise ChainError("--at", f"{', '.join(extra)} not in the expression")
    return {v: _exact(values[v], v) for v in variables}


def _exact(value: object, name: str) -> sympy.Rational:
    if isinstance(value, sympy.Rational):
        return value
    if isinstance(value, (int, str)) and DECIMAL.fullmatch(str(value).strip()):
        return sympy.Rational(str(value).strip())
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return sympy.Rational(repr(value))
    raise ChainError("--at", f"{name}={value!r}: the value must be a decimal number")


def _graph(node: Node, operations: dict[str, _Operation]) -> Node:
    """Post-order walk: record each operation that involves a variable; return its stand-in."""
    if node.kind == "variable" or not node.variables():
        return node
    args = tuple(_graph(a, operations) for a in node.args)
    children = [a.text for a in args if a.kind == "variable"]
    key = f"#{len(operations)}"  # provisional; renamed q1, q2, ... once the order is known
    operations[key] = _Operation(Node(node.kind, args), tuple(dict.fromkeys(children)), node)
    return Node("variable", (), key)


def _root_key(expression: Node, operations: dict[str, _Operation]) -> str:
    return f"#{len(operations) - 1}" if expression.kind != "variable" else expression.text


def _rename(keys: list[str]) -> dict[str, str]:
    return {k: (OUTPUT if i == len(keys) - 1 else f"q{i + 1}") for i, k in enumerate(keys)}


def _rename_tree(node: Node, names: dict[str, str]) -> Node:
    if node.kind == "variable":
        return Node("variable", (), names.get(node.text, node.text))
    return Node(node.kind, tuple(_rename_tree(a, names) for a in node.args), node.text)


def _expand(node: Node, originals: dict[str, Node]) -> Node:
    """``node`` with graph-node names replaced by the subtrees they stand for."""
    if node.kind == "variable":
        return originals.get(node.text, node)
    return Node(node.kind, tuple(_expand(a, originals) for a in node.args), node.text)


def _forward(name: str, op: _Operation, env: dict[str, sympy.Expr], floats: dict[str, float],
             show: Callable[[Node], str]) -> tuple:
    """The node's value (added to ``env``, its float shadow to ``floats``) and its local gradients."""
    value = _build(op.tree, env, show)
    floats[name] = shadow(op.tree, floats)
    require_showable(value, floats[name], "--at", f"{show(op.tree)} at {_at(op, env)}")
    _require_real(value, f"{show(op.tree)} has no finite real value at {_at(op, env)}")
    env[name] = value
    local = tuple(_local(op, child, env, floats, show) for child in op.children)
    return name, op.tree, op.children, value, local


def _local(op: _Operation, child: str, env: dict[str, sympy.Expr], floats: dict[str, float],
           show: Callable[[Node], str]) -> LocalGradient:
    if op.tree.kind == "max":
        return _max_local(op, child, env)
    symbols = {c: sympy.Symbol(c) for c in op.children}
    derivative = sympy.diff(_build(op.tree, symbols), symbols[child])
    value = derivative.xreplace({symbols[c]: env[c] for c in op.children})
    approx = derivative_shadow(derivative, list(symbols.values()), [floats[c] for c in op.children])
    require_showable(value, approx, "--at", f"the gradient of {show(op.tree)} at {_at(op, env)}")
    _require_real(value, f"the gradient of {show(op.tree)} is not defined at {_at(op, env)}")
    return LocalGradient(child, derivative, value, approx)


def _max_local(op: _Operation, child: str, env: dict[str, sympy.Expr]) -> LocalGradient:
    """1 if ``child`` is the first largest argument, else 0; the condition as a Piecewise."""
    symbols = {c: sympy.Symbol(c) for c in op.children}
    args = [_build(a, symbols) for a in op.tree.args]
    values = [_build(a, env) for a in op.tree.args]
    chosen = _first_largest(values)
    positions = [i for i, a in enumerate(op.tree.args) if a.kind == "variable" and a.text == child]
    conditions = [sympy.And(*(args[i] > args[j] for j in range(i)), *(args[i] >= args[j] for j in range(i + 1, len(args))))
                  for i in positions]
    expression = sympy.Piecewise((1, sympy.Or(*conditions)), (0, True))
    return LocalGradient(child, expression, sympy.Integer(int(chosen in positions)), float(chosen in positions))


def _first_largest(values: list[sympy.Expr]) -> int:
    best = 0
    for i in range(1, len(values)):
        if _greater(values[i], values[best]):
            best = i
    return best


def _greater(a: sympy.Expr, b: sympy.Expr) -> bool:
    d = a - b
    if d.is_zero:
        return False
    return bool(d.is_positive) if d.is_positive is not None else bool(d.evalf(50) > 0)


def _at(op: _Operation, env: dict[str, sympy.Expr]) -> str:
    return ", ".join(f"{v} = {sympy.sstr(env[v])}" for v in op.original.variables())


def _require_real(value: sympy.Expr, message: str) -> None:
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or value.is_extended_real is False:
        raise ChainError("--at", message)
    if not value.is_Rational and not value.evalf(20).is_Float:
        raise ChainError("--at", message)


def _build(node: Node, env: Mapping[str, sympy.Expr], show: Callable[[Node], str] = to_text) -> sympy.Expr:
    """The SymPy expression of ``node`` with variables taken from ``env`` (symbols or values);
    ``show`` writes a subtree for an error message."""
    if node.kind == "number":
        return sympy.Rational(node.text)
    if node.kind == "variable":
        return env[node.text]
    args = [_build(a, env, show) for a in node.args]
    if node.kind == "neg":
        return -args[0]
    if node.kind in BINARY:
        return _binary(node, show, *args)
    return FUNCTIONS[node.kind][0](*args)


def _binary(node: Node, show: Callable[[Node], str], a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    if node.kind == "+":
        return a + b
    if node.kind == "-":
        return a - b
    if node.kind == "*":
        return a * b
    if node.kind == "/":
        if b.is_number and b.is_zero:
            divisor = "" if node.args[1].kind == "number" else f": {show(node.args[1])} = 0"
            raise ChainError(_option(node), f"division by zero in {show(node)}{divisor}")
        return a / b
    _require_small_power(node, show, a, b)
    return a**b


def _option(node: Node) -> str:
    """Errors in a subtree of numbers are about the expression; others about the point."""
    return "--at" if node.variables() else "expression"


def _require_small_power(node: Node, show: Callable[[Node], str], base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse a power too large to compute exactly before SymPy computes it (``sqrt(2)**10**9`` is
    an exact integer of 150 million digits)."""
    if not exponent.is_Rational or not base.is_number or base.is_zero or abs(base) == 1:
        return
    if base.is_Rational:
        bits = abs(exponent) * max(abs(base.p).bit_length(), base.q.bit_length())
    else:  # a child's value, already known to be of a showable size
        bits = abs(exponent) * abs(math.log2(abs(float(sympy.N(base, 15))) or 1.0))
    if bits > MAX_BITS:
        raise ChainError(_option(node), f"{show(node)} is too large to compute exactly (about {int(bits * 0.30103)} digits)")


def _backward(nodes: list[tuple], root: str, floats: dict[str, float]) -> dict[str, sympy.Expr]:
    """Total gradients ``d f / d node``: seed 1 at the output, then sum over each node's uses
    (each checked, by its float shadow, to be small enough to show)."""
    totals = {n[0]: sympy.Integer(0) for n in nodes}
    shadows = {n[0]: 0.0 for n in nodes}
    totals[root], shadows[root] = sympy.Integer(1), 1.0
    for name, _, _, _, local in reversed(nodes):
        require_showable(totals[name], shadows[name], "--at", f"the gradient d{OUTPUT}/d{name}")
        for g in local:
            totals[g.child] += totals[name] * g.value
            shadows[g.child] += _product(shadows[name], g.approx)
    return totals


def _product(a: float, b: float) -> float:
    return 0.0 if a == 0 or b == 0 else a * b  # inf times 0 is no contribution, not nan
