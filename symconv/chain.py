"""``symconv chain``: forward values and gradients on the computation graph of a scalar expression.

The stages, one way, like the rest of symconv::

    text -> tokens -> Node tree (parse_expression)   "x=-2,y=5" -> {name: Rational} (parse_assignments)
         -> ChainResult: graph nodes in topological order, values, local and total gradients (evaluate)
         -> text table (chain_table) | LaTeX + TikZ document (render_chain_latex) -> file (write_chain)

User text is never evaluated as code: a small tokenizer and a precedence-climbing parser
accept names, decimal numbers, ``+ - * / **``, unary minus, parentheses and the functions in
:data:`FUNCTIONS`; SymPy expressions are built from the tree node by node, never from text.

Graph nodes are the variables (named as written) and every operation whose subtree holds a
variable (``q1, q2, ...`` in topological order, the last one ``f``). Subtrees of numbers only
(``2*3`` in ``x*(2*3)``) are constants inside their parent's operation. A variable used twice
gets the sum of the gradients along its uses. Values are exact; the local gradient of
``max`` is 1 for the first largest argument and 0 for the others (no Heaviside).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import sympy
from sympy.printing.latex import LatexPrinter

from .errors import OutputError, SymconvError

FUNCTIONS: dict[str, tuple[Callable, str]] = {
    "exp": (sympy.exp, r"\exp"), "log": (sympy.log, r"\log"), "sin": (sympy.sin, r"\sin"),
    "cos": (sympy.cos, r"\cos"), "tanh": (sympy.tanh, r"\tanh"), "sqrt": (sympy.sqrt, r"\sqrt"),
    "max": (sympy.Max, r"\max"),
}
BINARY = {"+": (1, False), "-": (1, False), "*": (2, False), "/": (2, False), "**": (4, True)}
NEG_PRECEDENCE = 3  # unary minus binds tighter than * and looser than **: -x**2 == -(x**2)
ATOM = 5
MAX_LENGTH = 1000
MAX_DEPTH = 60
MAX_OPERATIONS = 120
MAX_BITS = 100_000  # an exact power with more bits than this is refused
SIGNIFICANT = 6  # digits of the float shown next to an exact value
SHORT_TEXT = 24  # longer exact values are listed below the text table
OUTPUT = "f"

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/(),]))", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_INTERMEDIATE = re.compile(r"q\d+", re.ASCII)
_SIMPLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?", re.ASCII)


class ChainError(SymconvError, ValueError):
    """An expression or a point ``symconv chain`` cannot use (exit code 2).

    Args:
        option: ``expression`` or ``--at``.
        message: what is wrong and what is allowed.
    """

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


# -- parsing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One node of the parsed expression.

    ``kind`` is ``number``, ``variable``, an operator (``+ - * / **``), ``neg`` or a
    function name; ``text`` holds the number's digits or the variable's name.
    """

    kind: str
    args: tuple["Node", ...] = ()
    text: str = ""

    def variables(self) -> list[str]:
        """Variable names in order of first appearance.

        Examples:
            >>> parse_expression("y*x + y").variables()
            ['y', 'x']
        """
        if self.kind == "variable":
            return [self.text]
        return list(dict.fromkeys(name for a in self.args for name in a.variables()))


@dataclass(frozen=True)
class _Token:
    kind: str  # number | name | op | end
    text: str
    column: int  # 1-based


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            column = len(text) - len(text[pos:].lstrip()) + 1
            raise ChainError("expression", f"unexpected character {text[column - 1]!r} at column {column}; "
                             "allowed: names, numbers, + - * / **, parentheses, " + _function_list())
        kind = m.lastgroup
        tokens.append(_Token(kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return tokens + [_Token("end", "", len(text) + 1)]


def _function_list() -> str:
    return ", ".join(FUNCTIONS) + " (as name(...))"


class _Parser:
    """Precedence climbing over the token list; each method consumes one construct."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens, self.i, self.depth = tokens, 0, 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        self.i += 1
        return self.tokens[self.i - 1]

    def expect(self, text: str) -> None:
        if self.token.text != text or self.token.kind != "op":
            self.fail(f"expected {text!r}")
        self.take()

    def fail(self, what: str) -> None:
        t = self.token
        found = "the end of the expression" if t.kind == "end" else f"{t.text!r} at column {t.column}"
        raise ChainError("expression", f"{what}, found {found}")

    def binary(self, min_precedence: int) -> Node:
        left = self.unary()
        while self.token.kind == "op" and self.token.text in BINARY:
            precedence, right_associative = BINARY[self.token.text]
            if precedence < min_precedence:
                break
            op = self.take().text
            left = Node(op, (left, self.binary(precedence if right_associative else precedence + 1)))
        return left

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ChainError("expression", f"nested more than {MAX_DEPTH} levels deep")
        if self.token.kind == "op" and self.token.text == "-":
            self.take()
            node = Node("neg", (self.binary(NEG_PRECEDENCE + 1),))
        else:
            node = self.primary()
        self.depth -= 1
        return node

    def primary(self) -> Node:
        t = self.token
        if t.kind == "number":
            return Node("number", (), self.take().text)
        if t.kind == "name":
            return self.name()
        if t.kind == "op" and t.text == "(":
            self.take()
            node = self.binary(1)
            self.expect(")")
            return node
        self.fail("expected a number, a name, '(' or '-'")

    def name(self) -> Node:
        t = self.take()
        if self.token.text == "(" and self.token.kind == "op":
            return self.call(t)
        if t.text in FUNCTIONS:
            raise ChainError("expression", f"{t.text} is a function: write {t.text}(...)")
        if t.text == OUTPUT or _INTERMEDIATE.fullmatch(t.text):
            raise ChainError("expression", f"the name {t.text} is reserved: f, q1, q2, ... name the graph's nodes")
        return Node("variable", (), t.text)

    def call(self, t: _Token) -> Node:
        if t.text not in FUNCTIONS:
            raise ChainError("expression", f"unknown function {t.text!r} at column {t.column}; allowed: {_function_list()}")
        self.take()
        args = [self.binary(1)]
        while self.token.kind == "op" and self.token.text == ",":
            self.take()
            args.append(self.binary(1))
        self.expect(")")
        if (t.text == "max") != (len(args) > 1):
            wanted = "two or more arguments" if t.text == "max" else "one argument"
            raise ChainError("expression", f"{t.text} takes {wanted}, got {len(args)} at column {t.column}")
        return Node(t.text, tuple(args))


def parse_expression(text: str) -> Node:
    """Parse ``text`` into a :class:`Node` tree; raise :class:`ChainError` for anything else.

    Examples:
        >>> to_text(parse_expression("(x+y)*z"))
        '(x + y) * z'
        >>> to_text(parse_expression("-x**2 + 2**3**2"))
        '-x ** 2 + 2 ** 3 ** 2'
        >>> parse_expression("x.__class__")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        symconv.chain.ChainError: expression: unexpected character '.' at column 2; allowed: ...
    """
    if len(text) > MAX_LENGTH:
        raise ChainError("expression", f"longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokenize(text))
    if parser.token.kind == "end":
        raise ChainError("expression", "empty; write e.g. \"(x+y)*z\"")
    node = parser.binary(1)
    if parser.token.kind != "end":
        parser.fail("expected an operator or the end")
    if _count_operations(node) > MAX_OPERATIONS:
        raise ChainError("expression", f"more than {MAX_OPERATIONS} operations; too large for a graph")
    return node


def _count_operations(node: Node) -> int:
    return (node.kind not in ("number", "variable")) + sum(_count_operations(a) for a in node.args)


def parse_assignments(text: str) -> dict[str, sympy.Rational]:
    """``"x=-2,y=5"`` -> ``{"x": -2, "y": 5}`` with exact SymPy rationals.

    Examples:
        >>> parse_assignments("x=-2, y_1=0.25")
        {'x': -2, 'y_1': 1/4}
    """
    values: dict[str, sympy.Rational] = {}
    if not text.strip():
        raise ChainError("--at", "empty; give every variable a value, e.g. x=-2,y=5")
    for item in text.split(","):
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not _NAME.fullmatch(name):
            raise ChainError("--at", f"{item.strip()!r} is not name=value (name: letters, digits, _)")
        if not _DECIMAL.fullmatch(value):
            raise ChainError("--at", f"{name}={value!r}: the value must be a decimal number such as -2 or 0.5")
        if name in values:
            raise ChainError("--at", f"{name} is given twice")
        values[name] = sympy.Rational(value)
    return values


# -- text and LaTeX of trees -------------------------------------------------------------
def _precedence(node: Node) -> int:
    if node.kind in BINARY:
        return BINARY[node.kind][0]
    return NEG_PRECEDENCE if node.kind == "neg" else ATOM


def _operands(node: Node, fmt: Callable[[Node], str], paren: Callable[[str], str]) -> tuple[str, str]:
    """Both operands of a binary node, in parentheses where the tree needs them."""
    precedence, right_associative = BINARY[node.kind]
    left, right = node.args
    left_needs = _precedence(left) < precedence or (right_associative and _precedence(left) <= precedence)
    right_needs = right.kind == "neg" or _precedence(right) < precedence or (
        not right_associative and _precedence(right) <= precedence)
    return (paren(fmt(left)) if left_needs else fmt(left)), (paren(fmt(right)) if right_needs else fmt(right))


def to_text(node: Node) -> str:
    """The expression in the syntax it was parsed from, with as few parentheses as the tree allows.

    Examples:
        >>> to_text(parse_expression("x-(y-z)"))
        'x - (y - z)'
    """
    if node.kind in ("number", "variable"):
        return node.text
    if node.kind == "neg":
        operand = node.args[0]
        inner = to_text(operand)
        return "-" + (f"({inner})" if _precedence(operand) <= NEG_PRECEDENCE else inner)
    if node.kind in BINARY:
        left, right = _operands(node, to_text, lambda s: f"({s})")
        return f"{left} {node.kind} {right}"
    return f"{node.kind}({', '.join(to_text(a) for a in node.args)})"


def latex_name(name: str) -> str:
    r"""LaTeX of a variable or node name; any other name is escaped text.

    Examples:
        >>> latex_name("x_1"), latex_name("q3"), latex_name("alpha")
        ('x_{1}', 'q_{3}', '\\alpha')
        >>> latex_name("a_b_c")
        '\\text{a\\_b\\_c}'
    """
    if _SIMPLE_NAME.fullmatch(name):
        return sympy.latex(sympy.Symbol(name))
    return r"\text{%s}" % "".join("\\_" if c == "_" else c for c in name)


def to_latex(node: Node) -> str:
    r"""LaTeX of an expression tree, kept in the order written.

    Examples:
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
        return "-" + (paren(to_latex(operand)) if _precedence(operand) <= NEG_PRECEDENCE else to_latex(operand))
    if node.kind == "/":
        return r"\frac{%s}{%s}" % (to_latex(node.args[0]), to_latex(node.args[1]))
    if node.kind == "**":
        base = to_latex(node.args[0])
        base = base if _precedence(node.args[0]) == ATOM and node.args[0].kind in ("number", "variable") else paren(base)
        return "%s^{%s}" % (base, to_latex(node.args[1]))
    if node.kind in BINARY:
        left, right = _operands(node, to_latex, paren)
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
    return f"{sympy.sstr(value)} ~ {_float_text(value)}"


def _float_text(value: sympy.Expr) -> str:
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
    env = dict(point)
    forward = [_forward(name, op, env, show) for name, op in operations.items()]
    nodes = [(name, None, (), value, ()) for name, value in point.items()] + forward
    root = names.get(_root_key(expression, operations), expression.text)
    totals = _backward(nodes, root)
    graph = tuple(GraphNode(*n, totals[n[0]]) for n in nodes)
    return ChainResult(expression, tuple(point.items()), graph)


def _check_point(expression: Node, values: Mapping[str, object]) -> dict[str, sympy.Rational]:
    variables = expression.variables()
    if not variables:
        raise ChainError("expression", "has no variables, so there is nothing to differentiate")
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
    if isinstance(value, (int, str)) and _DECIMAL.fullmatch(str(value).strip()):
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


def _forward(name: str, op: _Operation, env: dict[str, sympy.Expr], show: Callable[[Node], str]) -> tuple:
    """The node's value (added to ``env``) and its local gradients towards each child."""
    value = _build(op.tree, env, show)
    _require_real(value, f"{show(op.tree)} has no finite real value at {_at(op, env)}")
    env[name] = value
    local = tuple(_local(op, child, env, show) for child in op.children)
    return name, op.tree, op.children, value, local


def _local(op: _Operation, child: str, env: dict[str, sympy.Expr], show: Callable[[Node], str]) -> LocalGradient:
    if op.tree.kind == "max":
        return _max_local(op, child, env)
    symbols = {c: sympy.Symbol(c) for c in op.children}
    derivative = sympy.diff(_build(op.tree, symbols), symbols[child])
    value = derivative.xreplace({symbols[c]: env[c] for c in op.children})
    _require_real(value, f"the gradient of {show(op.tree)} is not defined at {_at(op, env)}")
    return LocalGradient(child, derivative, value)


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
    return LocalGradient(child, expression, sympy.Integer(int(chosen in positions)))


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
    if not (base.is_Rational and exponent.is_Rational) or abs(base) in (0, 1):
        return
    bits = abs(exponent) * max(abs(base.p).bit_length(), base.q.bit_length())
    if bits > MAX_BITS:
        raise ChainError(_option(node), f"{show(node)} is too large to compute exactly (about {int(bits * 0.30103)} digits)")


def _backward(nodes: list[tuple], root: str) -> dict[str, sympy.Expr]:
    """Total gradients ``d f / d node``: seed 1 at the output, then sum over each node's uses."""
    totals = {n[0]: sympy.Integer(0) for n in nodes}
    totals[root] = sympy.Integer(1)
    for name, _, _, _, local in reversed(nodes):
        for g in local:
            totals[g.child] += totals[name] * g.value
    return totals


# -- text table ----------------------------------------------------------------------------
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
    return f"~ {_float_text(value)} *" if _is_long(value) else show_value(value)


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
    return " = ".join(_distinct_steps([lhs, " + ".join(names), " + ".join(products), show_value(n.gradient)]))


def _distinct_steps(steps: list[str]) -> list[str]:
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
    return f"({text})" if _needs_parentheses(value) else text


def _needs_parentheses(value: sympy.Expr) -> bool:
    """A sum or a negative factor is put in parentheses inside a product."""
    return isinstance(value, (sympy.Add, sympy.Piecewise)) or value.could_extract_minus_sign()


# -- LaTeX document --------------------------------------------------------------------------
COLUMN_CM = 3.6
ROW_CM = 2.1
SHORT_LATEX = 16  # longer exact values show as a float in the graph


def render_chain_latex(result: ChainResult) -> str:
    """The standalone LaTeX document: expression, TikZ graph, local gradients, chain rule."""
    from .render import _render  # the one Jinja environment; imported here to keep chain's import light

    return _render("chain.tex.j2", True, chain_context(result))


def chain_context(result: ChainResult) -> dict:
    f = result.output.name
    positions = _layout(result)
    return dict(
        expression=to_latex(result.expression),
        output=latex_name(f),
        point=r",\quad ".join(f"{latex_name(k)} = {latex_value(v)}" for k, v in result.point),
        nodes=[_graph_node(n, positions[n.name]) for n in result.nodes],
        edges=[(_tikz_ref(c), _tikz_ref(n.name)) for n in result.nodes for c in n.children],
        rows=[_table_row(n) for n in result.nodes],
        chain=[_chain_latex(result, n) for n in reversed(result.nodes)],
        has_max=any(n.operation is not None and n.operation.kind == "max" for n in result.nodes),
    )


def _tikz_ref(name: str) -> str:
    return f"(n-{name})"  # names are identifiers: letters, digits, _ are safe in TikZ node names


def _layout(result: ChainResult) -> dict[str, tuple[float, float]]:
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
    return {k: (round(column[k] * COLUMN_CM, 3), round(row[k] * ROW_CM, 3) + 0.0) for k in column}


def _short(value: sympy.Expr) -> str:
    exact = latex_value(value)
    return exact if len(exact) <= SHORT_LATEX else r"\approx %s" % sympy.latex(approximate(value))


def _graph_node(n: GraphNode, position: tuple[float, float]) -> dict:
    label = latex_name(n.name) if n.is_variable else f"{latex_name(n.name)} = {to_latex(n.operation)}"
    return dict(ref=_tikz_ref(n.name), at="(%gcm, %gcm)" % position, label=label,
                variable=n.is_variable, value=_short(n.value), gradient=_short(n.gradient))


def _full(value: sympy.Expr) -> str:
    exact = latex_value(value)
    return exact if value.is_Integer else r"%s \approx %s" % (exact, sympy.latex(approximate(value)))


def _partial(top: str, bottom: str) -> str:
    return r"\frac{\partial %s}{\partial %s}" % (latex_name(top), latex_name(bottom))


def _table_row(n: GraphNode) -> dict:
    local = [r"%s = %s" % (_partial(n.name, g.child), _local_latex(g)) for g in n.local]
    operation = "input" if n.is_variable else "$%s = %s$" % (latex_name(n.name), to_latex(n.operation))
    return dict(name=latex_name(n.name), operation=operation, value=_full(n.value), local=local)


def _local_latex(g: LocalGradient) -> str:
    symbolic = latex_value(g.expression)
    return symbolic if symbolic == latex_value(g.value) else f"{symbolic} = {_full(g.value)}"


def _chain_latex(result: ChainResult, n: GraphNode) -> str:
    f = result.output.name
    lhs = _partial(f, n.name)
    uses = result.uses(n.name)
    if n is result.output or not uses:
        return f"{lhs} = {1 if n is result.output else 0}"
    names = [_partial(p.name, n.name) if p is result.output else _partial(f, p.name) + _partial(p.name, n.name)
             for p, _ in uses]
    products = [_latex_factor(g.value) if p is result.output else f"{_latex_factor(p.gradient)} \\cdot {_latex_factor(g.value)}"
                for p, g in uses]
    return " = ".join(_distinct_steps([lhs, " + ".join(names), " + ".join(products), _full(n.gradient)]))


def _latex_factor(value: sympy.Expr) -> str:
    text = latex_value(value)
    return r"\left(%s\right)" % text if _needs_parentheses(value) else text


# -- file ----------------------------------------------------------------------------------------
def file_name(expression: Node) -> str:
    """``chain_<expression spelled out>.tex``, safe characters only; long names end in a hash.

    Examples:
        >>> file_name(parse_expression("(x+y)*z"))
        'chain_x_plus_y_times_z.tex'
    """
    words = {"+": "plus", "-": "minus", "*": "times", "/": "over", "**": "pow", ",": "", "(": "", ")": ""}
    parts = [words.get(t.text, t.text.replace(".", "p")) for t in _tokenize(to_text(expression)) if t.kind != "end"]
    name = "_".join(p for p in parts if p)
    if len(name) > 60:
        name = name[:50] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"chain_{name}.tex"


def write_chain(result: ChainResult, out: str | Path) -> Path:
    """Render the document, then write ``<out>/chain_<name>.tex`` atomically; return its path."""
    from .emit import write_text_atomic

    text = render_chain_latex(result)  # render before touching the disk
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out: cannot create folder {folder}: a file of that name is in the way") from None
    except OSError as e:
        raise OutputError(f"--out: cannot create folder {folder}: {e.strerror}") from None
    path = folder / file_name(result.expression)
    write_text_atomic(path, text)
    return path
