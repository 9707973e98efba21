"""Guarded sums: the one shape both sides of every identity are brought to.

A :class:`GuardedSum` is ``sum over bounds of [every guard] * product of factors``: each bound
variable runs over an integer range read from a ``Sum``'s limits (or from a correlation's
kernel length), each factor is an element ``X[...]``, ``F[...]`` or ``G[...]`` with affine
indices, and each guard (:class:`Atom`) is an equation, an inequality or a divisibility, with
the operation it comes from (``pad``, ``dilate``, a Kronecker delta, ...), so a step that
cannot prove a guard names it.

Examples:
    >>> from sympy import Symbol
    >>> i = Symbol("i", integer=True)
    >>> Atom.between(0, i, 4, "pad").text()
    '0 <= i <= 4'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy
from sympy import Expr, Indexed, Symbol


@dataclass(frozen=True)
class Atom:
    """``expr == 0`` (eq), ``expr >= 0`` (ge), ``modulus | expr`` (dvd), or a ``low <= e <= high`` pair
    (two ge atoms with one origin, shown as one). ``origin`` says which operation made it."""

    kind: str
    expr: Expr
    origin: str
    modulus: Expr = sympy.S.One
    shown: tuple = ()  # (low, e, high) for a range, (lhs, rhs) for an equation: how it is printed

    @classmethod
    def between(cls, low, e, high, origin: str) -> "Atom":
        """``low <= e <= high``: one atom of kind ``range`` (split into two ge atoms when decided)."""
        return cls("range", sympy.sympify(e), origin, shown=tuple(map(sympy.sympify, (low, e, high))))

    @classmethod
    def equal(cls, lhs, rhs, origin: str) -> "Atom":
        return cls("eq", sympy.expand(sympy.sympify(lhs) - rhs), origin, shown=(sympy.sympify(lhs), sympy.sympify(rhs)))

    @classmethod
    def divides(cls, modulus, e, origin: str) -> "Atom":
        return cls("dvd", sympy.sympify(e), origin, sympy.sympify(modulus))

    def parts(self) -> tuple["Atom", ...]:
        """The atoms a decision handles one by one: a range is its two inequalities."""
        if self.kind != "range":
            return (self,)
        low, e, high = self.shown
        return (Atom("ge", sympy.expand(e - low), self.origin, shown=(low, e, None)),
                Atom("ge", sympy.expand(high - e), self.origin, shown=(None, e, high)))

    def map(self, f) -> "Atom":
        """The atom with ``f`` applied to every expression in it."""
        return replace(self, expr=f(self.expr), modulus=f(self.modulus),
                       shown=tuple(None if v is None else f(v) for v in self.shown))

    def text(self) -> str:
        return _show(self, str, " <= ", " = ", " | ")

    def latex(self) -> str:
        return _show(self, sympy.latex, r" \le ", " = ", r" \mid ")

    @property
    def symbols(self) -> frozenset:
        return frozenset(self.expr.free_symbols | sympy.sympify(self.modulus).free_symbols)


def _show(a: Atom, fmt, le: str, eq: str, mid: str) -> str:
    if a.kind == "dvd":
        return f"{fmt(a.modulus)}{mid}{fmt(a.expr)}"
    if a.kind == "eq":
        lhs, rhs = a.shown or (a.expr, 0)
        return f"{fmt(lhs)}{eq}{fmt(rhs)}"
    low, e, high = a.shown or (0, a.expr, None)
    return le.join(fmt(v) for v in (low, e, high) if v is not None)


@dataclass(frozen=True)
class Bound:
    """A summation variable and its inclusive range."""

    var: Symbol
    low: Expr
    high: Expr

    def text(self) -> str:
        return f"{self.var} = {self.low}..{self.high}"


@dataclass(frozen=True)
class GuardedSum:
    """``sum over bounds of [guards] * product(factors)``."""

    bounds: tuple[Bound, ...]
    factors: tuple[Indexed, ...]
    atoms: tuple[Atom, ...]

    def times(self, other: "GuardedSum") -> "GuardedSum":
        """The product of two guarded sums in disjoint bound variables."""
        return GuardedSum(self.bounds + other.bounds, self.factors + other.factors, self.atoms + other.atoms)

    def guarded(self, *atoms: Atom) -> "GuardedSum":
        return replace(self, atoms=self.atoms + atoms)

    def summed(self, *bounds: Bound) -> "GuardedSum":
        return replace(self, bounds=bounds + self.bounds)

    def subs(self, values: dict) -> "GuardedSum":
        """Substitute ``values`` everywhere (bounds of substituted variables are the caller's business)."""
        f = lambda e: sympy.expand(sympy.sympify(e).xreplace(values))  # noqa: E731
        return GuardedSum(
            tuple(Bound(b.var, f(b.low), f(b.high)) for b in self.bounds),
            tuple(x.func(x.base, *[f(v) for v in x.indices]) for x in self.factors),
            tuple(a.map(f) for a in self.atoms),
        )

    def text(self) -> str:
        guards = [f"[{a.text()}]" for a in self.atoms]
        body = " * ".join(guards + [str(x) for x in self.factors])
        return f"sum over {', '.join(b.text() for b in self.bounds)} of {body}" if self.bounds else body
