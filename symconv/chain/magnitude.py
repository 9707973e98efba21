"""How large a value of ``symconv chain`` is, known before SymPy is asked to show it.

SymPy keeps ``exp(exp(exp(10)))`` exact and cheap, but showing it (``evalf``) needs about
10^9565 digits and never ends. So every value also gets a float shadow, computed from its
children's floats with Python's math functions (an overflow gives inf); a value whose shadow is
not finite is refused before anything evaluates it. Exact rationals are refused by their size
in digits instead (Python will not print an int of more than 4300 digits).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import sympy

from ..errors import ChainError
from .parse import Node

MAX_DIGITS = 4000  # an exact value with more digits than this is refused
_FUNCTIONS = {"exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tanh": math.tanh,
              "sqrt": math.sqrt, "max": max}


def shadow(node: Node, env: Mapping[str, float]) -> float:
    """The float value of ``node``'s tree, children taken from ``env``; inf where it overflows,
    nan where it has no real value.

    Examples:
        >>> from symconv.chain.parse import parse_expression
        >>> shadow(parse_expression("exp(exp(exp(x)))"), {"x": 10.0})
        inf
    """
    try:
        return _value(node, env)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, TypeError):
        return math.nan


def _value(node: Node, env: Mapping[str, float]) -> float:
    if node.kind == "number":
        return float(node.text)
    if node.kind == "variable":
        return env[node.text]
    args = [_value(a, env) for a in node.args]
    if node.kind == "neg":
        return -args[0]
    if node.kind in ("+", "-", "*", "/", "**"):
        return _binary(node.kind, *args)
    return float(_FUNCTIONS[node.kind](*args))


def _binary(kind: str, a: float, b: float) -> float:
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / b
    return math.pow(a, b)


def derivative_shadow(derivative: sympy.Expr, symbols: Sequence[sympy.Symbol], values: Sequence[float]) -> float:
    """The float value of a local gradient (a SymPy expression in the children's symbols)."""
    if not math.isfinite(sum(abs(v) for v in values)):
        return math.inf
    try:
        return float(sympy.lambdify(list(symbols), derivative, modules="math")(*values))
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, TypeError):
        return math.nan


def require_showable(value: sympy.Expr, approx: float, option: str, what: str) -> None:
    """Refuse ``value`` (``what`` names it) when it is too large to show: an exact rational of
    more than MAX_DIGITS digits, or any other value whose float shadow overflows."""
    if value.is_Rational:
        digits = max(abs(value.p).bit_length(), value.q.bit_length()) * math.log10(2)
        if digits > MAX_DIGITS:
            raise ChainError(option, f"{what} has about {int(digits)} digits, more than the {MAX_DIGITS} shown exactly")
    elif math.isinf(approx):
        raise ChainError(option, f"{what} is too large to show (beyond 1e308 in magnitude)")
