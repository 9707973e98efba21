"""``symconv check``'s language, parsed (never evaluated as code) into the trees of ``recipes``.

    form  := X | F | G | pad(form, expr, expr) | dilate(form, expr) | rot180(form)
           | corr(form, form[, stride=expr][, dilation=expr])      (stride and dilation default to 1)
    expr  := integers, the parameters s d lo hi r K n O, + - * and parentheses

Every parameter is per axis: with ``rank`` R the tree's parameters are R-tuples, axis j's
built from axis j's symbols (the same symbols the proof for all sizes uses).

Examples:
    >>> parse_form("corr(pad(X, lo, hi-r), G, stride=d, dilation=s)", "--grad-filter")
    Corr(operand=Pad(operand=Operand(name='X'), widths=((lo, hi - r),)), kernel=Operand(name='G'), stride=(d,), dilation=(s,))
    >>> parse_form("pad(X, lo)", "--grad-filter")
    Traceback (most recent call last):
    ...
    symconv.errors.CheckError: --grad-filter: pad takes 3 arguments (form, before, after), got 2
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from ..derivation.general.sizes import axes
from ..derivation.recipes import Corr, Dilate, Form, Operand, Pad, Rot180
from ..errors import CheckError

PARAMETERS = {"s": "s", "d": "d", "lo": "lo", "hi": "hi", "r": "r", "K": "k", "n": "n", "O": "O"}
TENSORS = ("X", "F", "G")
OPERATORS = ("pad", "dilate", "rot180", "corr")
MAX_LENGTH = 2000
MAX_DEPTH = 40
_TOKEN = re.compile(r"\s*(?:(?P<int>\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*(),=]))", re.ASCII)


@dataclass(frozen=True)
class _Token:
    kind: str  # int | name | op | end
    text: str
    column: int


def _tokenize(text: str, option: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            column = len(text) - len(text[pos:].lstrip()) + 1
            raise CheckError(option, f"unexpected character {text[column - 1]!r} at column {column}; allowed: "
                             "X F G, pad dilate rot180 corr, parameters s d lo hi r K n O, integers, + - * ( ) , =")
        tokens.append(_Token(m.lastgroup, m.group(m.lastgroup), m.start(m.lastgroup) + 1))
        pos = m.end()
    return tokens + [_Token("end", "", len(text) + 1)]


class _Parser:
    """Recursive descent over the tokens; expressions are built per axis as SymPy trees."""

    def __init__(self, tokens: list[_Token], option: str, rank: int) -> None:
        self.pending = list(reversed(tokens))  # the next token last: taking one is a pop
        self.option, self.rank, self.depth = option, rank, 0

    @property
    def token(self) -> _Token:
        return self.pending[-1]

    @property
    def after(self) -> _Token:
        """The token after the next one (the end token repeats)."""
        return self.pending[-2] if len(self.pending) > 1 else self.pending[-1]

    def take(self) -> _Token:
        return self.pending.pop() if len(self.pending) > 1 else self.pending[-1]

    def fail(self, what: str) -> None:
        where = "the end" if self.token.kind == "end" else f"{self.token.text!r} at column {self.token.column}"
        raise CheckError(self.option, f"{what}, found {where}")

    def expect(self, text: str) -> None:
        if self.token.text != text:
            self.fail(f"expected {text!r}")
        self.take()

    def form(self) -> Form:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CheckError(self.option, f"nested more than {MAX_DEPTH} levels deep")
        t = self.token
        if t.kind == "name" and t.text in TENSORS:
            self.take()
            node = Operand(t.text)
        elif t.kind == "name" and t.text in OPERATORS:
            node = self.operator(self.take())
        else:
            self.fail("expected a tensor (X, F, G) or an operator (pad, dilate, rot180, corr)")
        self.depth -= 1
        return node

    def operator(self, name: _Token) -> Form:
        self.expect("(")
        forms, values, keywords = [self.form()], [], {}
        while self.token.text == ",":
            self.take()
            if name.text == "corr" and len(forms) == 1 and not values:
                forms.append(self.form())
            elif self.token.kind == "name" and self.after.text == "=":
                key = self.take().text
                self.take()
                keywords[key] = self.expr()
            else:
                values.append(self.expr())
        self.expect(")")
        return self.build(name, forms, values, keywords)

    def build(self, name: _Token, forms: list, values: list, keywords: dict) -> Form:
        shape = {"pad": (1, 2, ()), "dilate": (1, 1, ()), "rot180": (1, 0, ()), "corr": (2, 0, ("stride", "dilation"))}
        n_forms, n_values, allowed = shape[name.text]
        wanted = {"pad": "form, before, after", "dilate": "form, step", "rot180": "form", "corr": "form, kernel"}
        if len(forms) != n_forms or len(values) != n_values:
            raise CheckError(self.option, f"{name.text} takes {n_forms + n_values} arguments ({wanted[name.text]}), "
                             f"got {len(forms) + len(values)}")
        unknown = sorted(set(keywords) - set(allowed))
        if unknown:
            raise CheckError(self.option, f"{name.text} has no argument {unknown[0]!r}"
                             + (f"; it takes {', '.join(allowed)}" if allowed else ""))
        if name.text == "pad":
            return Pad(forms[0], tuple(zip(values[0], values[1])))
        if name.text == "dilate":
            return Dilate(forms[0], values[0])
        if name.text == "rot180":
            return Rot180(forms[0])
        ones = (sympy.S.One,) * self.rank
        return Corr(forms[0], forms[1], keywords.get("stride", ones), keywords.get("dilation", ones))

    def expr(self) -> tuple:
        value = self.term()
        while self.token.text in ("+", "-"):
            sign = self.take().text
            right = self.term()
            value = tuple(a + b if sign == "+" else a - b for a, b in zip(value, right))
        return value

    def term(self) -> tuple:
        value = self.factor()
        while self.token.text == "*":
            self.take()
            value = tuple(a * b for a, b in zip(value, self.factor()))
        return value

    def factor(self) -> tuple:
        t = self.token
        if t.text == "-":
            self.take()
            return tuple(-v for v in self.factor())
        if t.kind == "int":
            return (sympy.Integer(self.take().text),) * self.rank
        if t.kind == "name" and t.text in PARAMETERS:
            self.take()
            return tuple(getattr(z, PARAMETERS[t.text]) for z in axes(self.rank))
        if t.text == "(":
            self.take()
            value = self.expr()
            self.expect(")")
            return value
        self.fail("expected an integer, a parameter (s d lo hi r K n O), '(' or '-'")


def parse_form(text: str, option: str, rank: int = 1) -> Form:
    """The tree ``text`` describes, with per-axis parameters of rank ``rank``."""
    if len(text) > MAX_LENGTH:
        raise CheckError(option, f"longer than {MAX_LENGTH} characters")
    parser = _Parser(_tokenize(text, option), option, rank)
    if parser.token.kind == "end":
        raise CheckError(option, 'empty; write a closed form such as "corr(pad(X, lo, hi-r), G, stride=d, dilation=s)"')
    form = parser.form()
    if parser.token.kind != "end":
        parser.fail("expected the end of the form")
    return form
