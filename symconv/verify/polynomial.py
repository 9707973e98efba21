"""Exact polynomials in SymPy's symbols, expanded as they are computed: what a kernel's code
runs on when symconv proves it.

A kernel body only adds and multiplies its arrays' elements (and multiplies them by integers
or exact fractions: Winograd's transforms). Run on object arrays of :class:`Polynomial`, each
element one of SymPy's symbols ``X[n, c, i, j]``, ``F[...]``, ``G[...]``, ``b[o]``, it computes
every output as a sum of monomials with exact rational coefficients. SymPy's own expressions
would leave products of sums unexpanded (a Winograd output is 36 products of sums, about 20,000
terms once expanded); here every operation expands at once, so the decision is a comparison of
coefficient tables. A float anywhere is refused: it would not be exact.

For speed a polynomial is integer coefficients over one common denominator, and a monomial is
the sorted tuple of its symbols' numbers (each SymPy symbol is numbered when first seen).
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral, Rational
from typing import Mapping

import numpy as np
import sympy
from sympy import Expr

Monomial = tuple[int, ...]  # the numbers of a product's symbols, sorted (repeats for powers)

_NUMBERS: dict[Expr, int] = {}  # each SymPy symbol's number, and back
_SYMBOLS: list[Expr] = []


class NotExact(TypeError):
    """The kernel's code combined a symbol with something that is not an exact number."""


class Polynomial:
    """``sum(terms[m] * monomial m) / denominator``: integer coefficients (none zero) over a
    positive integer denominator."""

    __slots__ = ("terms", "denominator")

    def __init__(self, terms: Mapping[Monomial, int], denominator: int = 1):
        self.terms = dict(terms)
        self.denominator = denominator

    @classmethod
    def symbol(cls, s: Expr) -> "Polynomial":
        return cls({(_number(s),): 1})

    def __add__(self, other: object) -> "Polynomial":
        if isinstance(other, np.ndarray):
            return NotImplemented  # NumPy applies the operation element by element
        if type(other) is int and other == 0:
            return self
        other = _as_polynomial(other)
        common = math.lcm(self.denominator, other.denominator)
        terms = _scaled(self.terms, common // self.denominator)
        k = common // other.denominator
        for monomial, c in other.terms.items():
            total = terms.get(monomial, 0) + c * k
            if total:
                terms[monomial] = total
            else:
                terms.pop(monomial, None)
        return Polynomial(terms, common)

    __radd__ = __add__

    def __neg__(self) -> "Polynomial":
        return Polynomial({m: -c for m, c in self.terms.items()}, self.denominator)

    def __sub__(self, other: object) -> "Polynomial":
        return NotImplemented if isinstance(other, np.ndarray) else self + (-_as_polynomial(other))

    def __rsub__(self, other: object) -> "Polynomial":
        return _as_polynomial(other) - self

    def __mul__(self, other: object) -> "Polynomial | int":
        if isinstance(other, np.ndarray):
            return NotImplemented
        if type(other) is int and other == 0:  # the zeros of banded and Toeplitz matrices
            return 0
        other = _as_polynomial(other)
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                monomial = _merge(m1, m2)
                total = terms.get(monomial, 0) + c1 * c2
                if total:
                    terms[monomial] = total
                else:
                    terms.pop(monomial, None)
        return Polynomial(terms, self.denominator * other.denominator)

    __rmul__ = __mul__

    def conjugate(self) -> "Polynomial":
        """Itself: the symbols stand for real numbers (np.einsum and np.vdot ask)."""
        return self

    def __eq__(self, other: object) -> bool:
        other = _as_polynomial(other)
        return self.terms.keys() == other.terms.keys() and all(
            c * other.denominator == other.terms[m] * self.denominator for m, c in self.terms.items())

    __hash__ = None  # an array element, not a key

    def __repr__(self) -> str:
        return f"Polynomial({to_expr(self)})"


def _number(s: Expr) -> int:
    if s not in _NUMBERS:
        _NUMBERS[s] = len(_SYMBOLS)
        _SYMBOLS.append(s)
    return _NUMBERS[s]


def _scaled(terms: dict[Monomial, int], k: int) -> dict[Monomial, int]:
    return dict(terms) if k == 1 else {m: c * k for m, c in terms.items()}


def _merge(m1: Monomial, m2: Monomial) -> Monomial:
    if len(m1) == 1 and len(m2) == 1:  # the products of two symbols every kernel makes
        return m1 + m2 if m1[0] <= m2[0] else m2 + m1
    return tuple(sorted(m1 + m2))


def _as_polynomial(value: object) -> Polynomial:
    if isinstance(value, Polynomial):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Rational):  # int, np.int64, Fraction
        raise NotExact(f"the kernel combined a symbol with {value!r} ({type(value).__name__}), not an exact number")
    if isinstance(value, Integral):
        return Polynomial({(): int(value)} if value else {})
    value = Fraction(value)
    return Polynomial({(): value.numerator} if value else {}, value.denominator)


def from_expr(expr: Expr) -> Polynomial:
    """A SymPy sum of products of symbols with rational coefficients (the closed forms' and the
    forward's shape), as a :class:`Polynomial`; anything else is expanded first, and refused
    if it still is not such a sum."""
    try:
        return _from_sum(expr)
    except NotExact:
        return _from_sum(sympy.expand(expr))


def _from_sum(expr: Expr) -> Polynomial:
    total = Polynomial({})
    for term, coefficient in expr.as_coefficients_dict().items():
        if not coefficient.is_Rational:
            raise NotExact(f"{expr} has the coefficient {coefficient}, not a rational number")
        if coefficient == 0:
            continue
        monomial: list[int] = []
        for factor in (() if term == 1 else sympy.Mul.make_args(term)):
            base, power = factor.as_base_exp()
            if not (isinstance(base, sympy.Indexed) and power.is_Integer and power.p > 0):
                raise NotExact(f"{expr} has the factor {factor}, not a power of a symbol")
            monomial.extend([_number(base)] * int(power))
        total = total + Polynomial({tuple(sorted(monomial)): int(coefficient.p)}, int(coefficient.q))
    return total


def to_expr(p: Polynomial) -> Expr:
    """The SymPy expression of ``p`` (for messages)."""
    return sympy.Add(*(sympy.Rational(c, p.denominator) * sympy.Mul(*(_SYMBOLS[i] for i in m))
                       for m, c in p.terms.items()))
