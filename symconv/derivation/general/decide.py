"""Exact decisions about guards over integer variables in boxes, for every allowed size.

The variables (indices, summation variables) each lie in a box ``[low, high]`` whose ends are
polynomials in the sizes. Three rules, each exact; when none applies the answer is "not shown",
never "true":

* **corners**: an affine form in the variables whose coefficients have a known sign is smallest
  at one corner of the box; it is >= 0 if that corner value is (``sizes.nonnegative``);
* **one hypothesis**: ``e >= 0`` follows from ``h >= 0`` if ``e - lambda h`` is >= 0 on the box
  for a ``lambda >= 0`` (1, or the ratio of one variable's coefficients);
* **Euclidean division**: ``M A + B = 0`` with ``-M < B < M`` on the box holds exactly when
  ``A = 0`` and ``B = 0`` (``M`` a channel count); ``floor((M A + B) / M) = A`` when ``0 <= B < M``.

Examples:
    >>> from .sizes import axes, integer
    >>> z, y = axes(1)[0], integer("y")
    >>> corners_nonnegative(z.s * (z.O - 1) - z.s * y, {y: (0, z.O - 1)})
    True
    >>> corners_nonnegative(z.s * y - z.d * y, {y: (0, z.O - 1)})
    False
"""

from __future__ import annotations

from functools import lru_cache

import sympy
from sympy import Expr

from .atoms import Atom
from .sizes import nonnegative, positive, substitute_n


def affine(e: Expr, variables) -> tuple[dict, Expr] | None:
    """``(coefficient of each variable, constant)`` of ``e``, or ``None`` if it is not affine in them."""
    e = sympy.expand(e)
    present = sorted((v for v in variables if e.has(v)), key=sympy.default_sort_key)
    if not present:
        return {}, e
    try:
        poly = sympy.Poly(e, *present)
    except sympy.PolynomialError:
        return None
    if poly.total_degree() > 1:
        return None
    coefficients = {v: poly.coeff_monomial(v) for v in present}
    return coefficients, sympy.expand(poly.coeff_monomial(1))


def corners_nonnegative(e: Expr, boxes: dict) -> bool:
    """``e >= 0`` on the whole box: at the corner where every term is smallest."""
    e = substitute_n(e)
    return _corners(e, tuple((v, boxes[v]) for v in sorted(boxes, key=sympy.default_sort_key) if e.has(v)))


@lru_cache(maxsize=1 << 14)
def _corners(e: Expr, box: tuple) -> bool:
    boxes = dict(box)
    found = affine(e, boxes)
    if found is None:
        return False
    coefficients, constant = found
    corner = constant
    for v, c in coefficients.items():
        if nonnegative(c):
            corner += c * boxes[v][0]
        elif nonnegative(-c):
            corner += c * boxes[v][1]
        else:
            return False
    return nonnegative(corner)


def ge_implied(e: Expr, hypotheses: list[Expr], boxes: dict) -> bool:
    """``e >= 0`` from the box alone, or from one hypothesis ``h >= 0`` and the box."""
    if corners_nonnegative(e, boxes):
        return True
    return any(corners_nonnegative(sympy.expand(e - lam * h), boxes)
               for h in hypotheses for lam in _multipliers(e, h, boxes))


def _multipliers(e: Expr, h: Expr, boxes: dict) -> list[Expr]:
    """``lambda >= 0`` worth trying for ``e - lambda h``: 1, and ratios that cancel one variable."""
    found, mine = affine(h, boxes), affine(e, boxes)
    out = [sympy.S.One]
    if found is None or mine is None:
        return out
    for v, c in found[0].items():
        ratio = sympy.cancel(mine[0].get(v, 0) / c)
        if ratio not in out and ratio.is_polynomial() and nonnegative(ratio) and not ratio.free_symbols & set(boxes):
            out.append(ratio)
    return out


def _by_modulus(e: Expr, m: Expr) -> tuple[Expr, Expr] | None:
    """``e = m A + B``: ``A`` from the terms that hold ``m`` (integer coefficients), ``B`` the rest."""
    e = sympy.expand(e)
    with_m = sympy.Add(*(t for t in sympy.Add.make_args(e) if m in t.free_symbols))
    a = sympy.expand(with_m / m)
    if any(sympy.denom(t) != 1 for t in sympy.Add.make_args(a)):
        return None
    return a, sympy.expand(e - with_m)


def euclid_split(e: Expr, moduli, boxes: dict) -> tuple[Expr, Expr] | None:
    """``e = M A + B`` with ``-M < B < M`` on the box, for the first modulus ``M`` that gives one:
    then ``e = 0`` exactly when ``A = 0`` and ``B = 0``. ``None`` if no modulus does."""
    for m in moduli:
        found = _by_modulus(e, m)
        if found is None or found[0] == 0:
            continue
        a, b = found
        if b == 0 or (corners_nonnegative(m - 1 - b, boxes) and corners_nonnegative(m - 1 + b, boxes)):
            return a, b
    return None


def resolve_floors(e: Expr, moduli, boxes: dict) -> Expr:
    """Every ``floor((M A + B) / M)`` in ``e`` with ``0 <= B < M`` on the box replaced by ``A``
    (Euclidean division); floors it cannot resolve stay."""
    for f in sorted(sympy.sympify(e).atoms(sympy.floor), key=sympy.default_sort_key):
        numerator, denominator = sympy.fraction(sympy.together(f.args[0]))
        found = _by_modulus(numerator, denominator) if denominator in moduli else None
        if found and corners_nonnegative(found[1], boxes) and corners_nonnegative(denominator - 1 - found[1], boxes):
            e = sympy.sympify(e).xreplace({f: found[0]})
    return sympy.expand(e)


def divisible(e: Expr, modulus: Expr) -> bool:
    """``modulus | e`` shown: ``e / modulus`` is a polynomial with integer coefficients."""
    q = sympy.cancel(sympy.expand(e) / modulus)
    if not q.is_polynomial():
        return False
    q = sympy.expand(q)
    if q.is_Integer:
        return True
    return all(c.is_Integer for c in sympy.Poly(q, *sorted(q.free_symbols, key=sympy.default_sort_key)).coeffs())


def implied(target: Atom, eqs: list[Expr], ges: list[Expr], boxes: dict) -> bool:
    """``target`` (eq, ge or dvd; already rewritten by the hypotheses' equations) follows from
    the remaining equations ``eqs == 0``, the inequalities ``ges >= 0`` and the box."""
    e = sympy.expand(target.expr)
    if target.kind == "eq":
        return e == 0 or any(_proportional(e, h, boxes) for h in eqs)
    if target.kind == "dvd":
        return divisible(e, target.modulus)
    return ge_implied(e, ges, boxes)


def _proportional(e: Expr, h: Expr, boxes: dict) -> bool:
    """``e`` is ``h`` times a size polynomial that is never 0 (so ``h = 0`` gives ``e = 0``)."""
    ratio = sympy.cancel(e / h)
    if ratio.free_symbols & set(boxes) or not ratio.is_polynomial():
        return False
    return positive(ratio) or positive(-ratio)
