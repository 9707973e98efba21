"""Safe parsing of scalar expressions (and of ``--at`` points) for ``symconv chain``.

User text is never evaluated as code: a small tokenizer and a precedence-climbing parser
accept names, decimal numbers, ``+ - * / **``, unary minus, parentheses and the functions in
:data:`FUNCTIONS`, and build a tree of :class:`Node`. SymPy expressions are built from the
tree node by node (in ``evaluate``), never from text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable

import sympy

from ..errors import ChainError, quote

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
MAX_NUMBER = 100  # characters of a number, in the expression or in --at
OUTPUT = "f"

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/(),]))", re.ASCII)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_INTERMEDIATE = re.compile(r"q\d+", re.ASCII)
SIMPLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?", re.ASCII)


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
                             "allowed: names (ASCII letters, digits, _), numbers, + - * / **, parentheses, "
                             + _function_list())
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
        found = "the end of the expression" if t.kind == "end" else f"{quote(t.text)} at column {t.column}"
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
            if len(t.text) > MAX_NUMBER:
                self.fail(f"a number of at most {MAX_NUMBER} characters")
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
        symconv.errors.ChainError: expression: unexpected character '.' at column 2; allowed: ...
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
            raise ChainError("--at", f"{quote(item.strip())} is not name=value (a name is ASCII letters, digits and _, "
                                     "not starting with a digit)")
        if not DECIMAL.fullmatch(value):
            raise ChainError("--at", f"{name}={quote(value)}: the value must be a decimal number such as -2 or 0.5")
        if len(value) > MAX_NUMBER:
            raise ChainError("--at", f"{name}={quote(value)}: more than {MAX_NUMBER} characters; give a shorter number")
        if name in values:
            raise ChainError("--at", f"{name} is given twice")
        values[name] = sympy.Rational(value)
    return values


# -- text and LaTeX of trees -------------------------------------------------------------
def binding(node: Node) -> int:
    if node.kind in BINARY:
        return BINARY[node.kind][0]
    return NEG_PRECEDENCE if node.kind == "neg" else ATOM


def operands(node: Node, fmt: Callable[[Node], str], paren: Callable[[str], str]) -> tuple[str, str]:
    """Both operands of a binary node, in parentheses where the tree needs them."""
    precedence, right_associative = BINARY[node.kind]
    left, right = node.args
    left_needs = binding(left) < precedence or (right_associative and binding(left) <= precedence)
    right_needs = right.kind == "neg" or binding(right) < precedence or (
        not right_associative and binding(right) <= precedence)
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
        return "-" + (f"({inner})" if binding(operand) <= NEG_PRECEDENCE else inner)
    if node.kind in BINARY:
        left, right = operands(node, to_text, lambda s: f"({s})")
        return f"{left} {node.kind} {right}"
    return f"{node.kind}({', '.join(to_text(a) for a in node.args)})"


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
