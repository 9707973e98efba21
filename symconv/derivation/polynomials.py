"""The SymPy reference decision: a polynomial as its canonical ``{monomial: coefficient}``
dictionary, the way ``sympy.expand`` sees it.

``expand(derived - closed) == 0`` holds exactly when both sides have the same canonical
polynomial; it is decided here without building the difference. A term that is not already a
monomial (``G[y] * (X[i] + X[j])``, ``(a + b)**2``) is expanded by ``sympy.expand`` first. The
proof of record works on index arrays (``prove.py``); this decides the same identities on the
SymPy expressions the API hands out, and the tests check that both agree element by element.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

import sympy
from sympy import Expr, Indexed

from .gradients import Expansion
from .symbols import G, element, product_key

ONE = sympy.S.One
Monomial = frozenset  # of (symbol, exponent) pairs
Polynomial = dict  # {Monomial: coefficient}


def identity_holds(derived: Expr, closed: Optional[Expr]) -> bool:
    """Decide ``derived == closed`` as polynomials (``None``: the closed form has no such element).

    Examples:
        >>> from sympy.abc import a, b
        >>> identity_holds((a + b)**2, a**2 + 2*a*b + b**2), identity_holds(a*b, 2*a*b)
        (True, False)
    """
    return closed is not None and polynomial(derived) == polynomial(closed)


def polynomial(expr: Expr) -> Polynomial:
    """The canonical polynomial of ``expr``: ``{monomial: coefficient}`` without zero coefficients.

    Examples:
        >>> from sympy.abc import a, b
        >>> polynomial(2*a*b - a*b + b**2) == {frozenset({(a, 1), (b, 1)}): 1, frozenset({(b, 2)}): 1}
        True
    """
    return _collect(_monomials(sympy.Add.make_args(sympy.sympify(expr))))


def expansion_polynomial(e: Expansion) -> Polynomial:
    """The canonical polynomial of ``sum_y G[y] * dO_y/dw``, read from the terms."""
    return _collect(m for t in e.terms for m in _term_monomials(element(G, t.output), t.local))


def _term_monomials(g: Indexed, local: Expr) -> Iterable[tuple[Monomial, Expr]]:
    if isinstance(local, Indexed) and local.base is not G:
        return ((frozenset(((g, 1), (local, 1))), ONE),)
    if local == 1:
        return ((frozenset(((g, 1),)), ONE),)
    return _monomials(sympy.Add.make_args(sympy.expand(g * local)))


def _monomials(terms: Iterable[Expr]) -> Iterable[tuple[Monomial, Expr]]:
    """``(monomial, coefficient)`` for each term; terms that are not monomials are expanded."""
    for term in terms:
        if product_key(term) is not None:  # a product of two different elements: the usual case
            yield frozenset(((term.args[0], 1), (term.args[1], 1))), ONE
            continue
        coefficient, rest = term.as_coeff_Mul()
        factors = rest.args if type(rest) is sympy.Mul else (rest,)
        if all(_is_power_of_symbol(f) for f in factors):
            yield _monomial(factors), coefficient
        else:
            expanded = sympy.expand(rest)
            if expanded == rest:  # not a polynomial in the symbols: keep it whole
                yield frozenset(((rest, 1),)), coefficient
            else:
                yield from ((m, coefficient * c) for m, c in _monomials(sympy.Add.make_args(expanded)))


def _is_power_of_symbol(f: Expr) -> bool:
    if f.is_Pow:
        return f.exp.is_Integer and f.exp > 0 and _is_power_of_symbol(f.base)
    return f.is_Symbol or isinstance(f, Indexed) or f is sympy.S.One


def _monomial(factors: tuple[Expr, ...]) -> Monomial:
    if len(factors) == 2 and not (factors[0].is_Pow or factors[1].is_Pow):
        pair = frozenset(((factors[0], 1), (factors[1], 1)))
        if len(pair) == 2:  # two different symbols (equal ones fall through to a square)
            return pair
    powers: Counter = Counter()
    for f in factors:
        if f is sympy.S.One:
            continue
        base, exp = (f.base, int(f.exp)) if f.is_Pow else (f, 1)
        powers[base] += exp
    return frozenset(powers.items())


def _collect(pairs: Iterable[tuple[Monomial, Expr]]) -> Polynomial:
    out: dict = {}
    for monomial, coefficient in pairs:
        out[monomial] = out[monomial] + coefficient if monomial in out else coefficient
    return {m: c for m, c in out.items() if c != 0}
