"""Coefficients: a guarded sum as the guard set under which it multiplies given elements.

Both sides of an identity are bilinear in the operands (``G`` and ``F`` for dL/dX, ``G`` and
``X`` for dL/dF; ``G`` alone for dL/db), so they are equal for every operand value exactly when,
for every pair of elements ``G[c_G] F[c_F]`` (coordinates ``c`` in the tensors' shapes), they
multiply it by the same number. :func:`coefficient` finds that number: it equates each factor's
indices with the coordinates and eliminates every summation variable through an equation in
which it has coefficient +-1 (so it has exactly one value: the sum over it collapses); the
summation ranges it came with become guards. What is left is a conjunction of guards over the
coordinates, an Iverson bracket: the coefficient is 0 or 1.

:func:`entails` decides that every guard of one set follows from another set (and the boxes),
guard by guard; the two directions together are the equivalence the theorem needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy
from sympy import Expr, Symbol

from . import decide
from .atoms import Atom, Bound, GuardedSum
from .sizes import positive


@dataclass(frozen=True)
class Coefficient:
    """The guards over the coordinates, how each summation variable was solved, and what failed."""

    atoms: tuple[Atom, ...]
    solved: tuple[tuple[Symbol, Expr], ...]
    problems: tuple[str, ...]


def start_at_zero(side: GuardedSum) -> GuardedSum:
    """Shift every summation variable to start at 0 (``v -> v + low``: a bijection of its range)."""
    for b in side.bounds:
        if sympy.expand(b.low) != 0:
            shifted = side.subs({b.var: b.var + b.low})
            bounds = tuple(Bound(v.var, 0, sympy.expand(v.high - b.low)) if v.var == b.var else v for v in shifted.bounds)
            side = replace(shifted, bounds=bounds)
    return side


def index_equations(side: GuardedSum, coordinates: dict) -> tuple[list[Atom], list[str]]:
    """``coordinate = index`` for every index of every factor (denominators, which must be >= 1, cleared)."""
    atoms, problems = [], []
    for x in side.factors:
        for place, (index, c) in enumerate(zip(x.indices, coordinates[x.base]), 1):
            numerator, denominator = sympy.fraction(sympy.together(index))
            if denominator != 1 and not positive(denominator):
                problems.append(f"index {place} of {x.base} divides by {denominator}, not shown >= 1")
            atoms.append(Atom("eq", sympy.expand(denominator * c - numerator), f"the index of {x.base}",
                              shown=(c, index)))
    return atoms, problems


def coefficient(side: GuardedSum, coordinates: dict, boxes: dict, moduli) -> Coefficient:
    """The coefficient of ``prod base[coordinates[base]]`` in ``side``, as guards over the coordinates."""
    side = start_at_zero(side)
    equations, problems = index_equations(side, coordinates)
    atoms = [p for a in side.atoms + tuple(equations) for p in a.parts()]
    bound = {b.var: (b.low, b.high) for b in side.bounds}
    atoms, solved = _eliminate(atoms, bound, {**boxes, **bound}, moduli)
    left = [v for v in bound if v not in dict(solved)]
    problems += [f"the sum over {v} is not fixed by the elements it multiplies" for v in left]
    return Coefficient(tuple(atoms), tuple(solved), tuple(problems))


def _eliminate(atoms: list[Atom], variables: dict, boxes: dict, moduli) -> tuple[list[Atom], list]:
    """Solve equations for ``variables`` (coefficient +-1), one at a time, substituting everywhere;
    each solved variable's range becomes a guard. Floors and Euclidean splits are applied between."""
    solved, pending = [], dict(variables)
    while True:
        atoms = _normalize(atoms, moduli, {**boxes})
        found = _unit_equation(atoms, pending)
        if found is None:
            return atoms, solved
        atom, v, value = found
        low, high = pending.pop(v)
        boxes = {w: box for w, box in boxes.items() if w != v}
        atoms = [a.map(lambda e: sympy.expand(sympy.sympify(e).xreplace({v: value}))) for a in atoms if a is not atom]
        atoms += Atom.between(low, value, high, f"the range of {v}").parts()
        solved.append((v, value))


def _unit_equation(atoms: list[Atom], variables: dict):
    """The first equation in which one of ``variables`` has coefficient +-1, and its solution."""
    for v in variables:
        for a in atoms:
            if a.kind != "eq" or not a.expr.has(v):
                continue
            found = decide.affine(a.expr, [v])
            if found is not None and found[0].get(v) in (1, -1):
                c = found[0][v]
                return a, v, sympy.expand(-(a.expr - c * v) / c)
    return None


def _normalize(atoms: list[Atom], moduli, boxes: dict) -> list[Atom]:
    """Floors resolved by Euclidean division; equations split by its uniqueness."""
    out = []
    for a in atoms:
        a = a.map(lambda e: decide.resolve_floors(e, moduli, boxes))
        a = _cleared(a)
        split = decide.euclid_split(a.expr, moduli, boxes) if a.kind == "eq" else None
        if split is None:
            out.append(a)
        else:
            out += [Atom("eq", part, a.origin + " (Euclidean division)", shown=(part, 0)) for part in split if part != 0]
    return out


def _cleared(a: Atom) -> Atom:
    """An inequality with its denominator (a size >= 1) multiplied out."""
    if a.kind != "ge":
        return a
    numerator, denominator = sympy.fraction(sympy.together(a.expr))
    return replace(a, expr=sympy.expand(numerator)) if denominator != 1 and positive(denominator) else a


def entails(hypotheses: tuple[Atom, ...], targets: tuple[Atom, ...], boxes: dict, moduli) -> list[Atom]:
    """The target guards that are not shown to follow from the hypotheses and the boxes (empty: all do).

    The hypotheses' equations are solved for coordinates first (coefficient +-1), and the
    targets rewritten by them; each target is then decided by ``decide.implied``."""
    hyps = [p for a in hypotheses for p in a.parts()]
    hyps, solved = _eliminate(hyps, dict(boxes), dict(boxes), moduli)
    left = {v: box for v, box in boxes.items() if v not in dict(solved)}
    eqs = [a.expr for a in hyps if a.kind == "eq"]
    ges = [a.expr for a in hyps if a.kind == "ge"]
    failed = []
    for target in (p for a in targets for p in a.parts()):
        rewritten = target.map(lambda e: _rewrite(e, solved, moduli, left))
        if not _holds(rewritten, eqs, ges, left, moduli):
            failed.append(target)
    return failed


def _rewrite(e: Expr, solved, moduli, boxes: dict) -> Expr:
    for v, value in solved:
        e = sympy.sympify(e).xreplace({v: value})
    return decide.resolve_floors(sympy.expand(e), moduli, boxes)


def _holds(target: Atom, eqs, ges, boxes: dict, moduli) -> bool:
    if decide.implied(target, eqs, ges, boxes):
        return True
    split = decide.euclid_split(target.expr, moduli, boxes) if target.kind == "eq" else None
    return split is not None and all(decide.implied(Atom("eq", part, target.origin), eqs, ges, boxes) for part in split)
