"""The proof's steps as data: each a definition (labelled so) or a decision that can fail, with
what it decided, how, and, when it fails, which guard or which size did not hold.

Examples:
    >>> lengths_equal(sympy.Symbol("K", integer=True), sympy.Symbol("K", integer=True))
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr

from .atoms import Atom, GuardedSum
from .sizes import nonnegative, positive, substitute_n


@dataclass(frozen=True)
class Step:
    """One step: ``kind`` is ``definition`` (nothing to check) or ``check`` (a decision that ran)."""

    title: str
    kind: str
    holds: bool
    method: str
    lines: tuple[str, ...] = ()
    latex: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    role: str = ""  # which part of the argument: forward, chain, euclid, deltas, closed, ... (documents)
    sum: GuardedSum | None = None  # the side this step arrives at, when it is one

    @property
    def mark(self) -> str:
        return "definition" if self.kind == "definition" else ("ok" if self.holds else "FAILS")


def definition(title: str, lines, latex, role: str = "", sum: GuardedSum | None = None) -> Step:
    return Step(title, "definition", True, "definition", tuple(lines), tuple(latex), (), role, sum)


def check(title: str, failures, method: str, lines=(), latex=(), role: str = "", sum: GuardedSum | None = None) -> Step:
    """A decision: it holds exactly when nothing in ``failures`` was found."""
    failures = tuple(failures)
    return Step(title, "check", not failures, method, tuple(lines), tuple(latex), failures, role, sum)


def atom_lines(atoms) -> tuple[str, ...]:
    return tuple(f"[{a.text()}]  ({a.origin})" for a in atoms)


def atom_latex(atoms) -> tuple[str, ...]:
    return tuple(a.latex() for a in atoms)


def named(atoms: list[Atom]) -> list[str]:
    """Failed guards as ``guard (from origin)``."""
    return [f"{a.text()} (from {a.origin})" for a in atoms]


def sum_lines(side: GuardedSum) -> tuple[str, ...]:
    """A guarded sum as text: its ranges, its elements, then one guard a line."""
    head = ", ".join(b.text() for b in side.bounds) or "(no sum)"
    return (f"sum over {head} of {' * '.join(map(str, side.factors)) or '1'}",) + atom_lines(side.atoms)


def positive_sizes(obligations) -> list[str]:
    """The strides, dilations and dilation steps that are not shown to be >= 1."""
    return [f"{what} {sympy.sstr(e)} is not shown >= 1" for e, what in obligations if not positive(e)]


def lengths_equal(length: Expr, expected: Expr) -> bool:
    """``length == expected`` for every allowed size. One ``floor(num/den)`` is decided by
    Euclidean division: ``floor(num/den) = q`` exactly when ``0 <= num - den q <= den - 1``."""
    difference = substitute_n(length - expected)
    floors = sorted(difference.atoms(sympy.floor), key=sympy.default_sort_key)
    if not floors:
        return difference == 0
    if len(floors) > 1:
        return False
    f = floors[0]
    slope = sympy.expand(difference).coeff(f)
    if slope not in (1, -1) or sympy.expand(difference - slope * f).has(sympy.floor):
        return False
    quotient = sympy.expand(-(difference - slope * f) / slope)
    numerator, denominator = sympy.fraction(sympy.together(f.args[0]))
    rest = substitute_n(numerator - denominator * quotient)
    return positive(denominator) and nonnegative(rest) and nonnegative(denominator - 1 - rest)
