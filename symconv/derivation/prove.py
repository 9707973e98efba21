"""Exact proof that every chain-rule expansion equals its closed form.

Both sides are polynomials in the symbols ``X[i]``, ``F[k]``, ``G[y]`` with integer
coefficients, so ``expand(expansion - closed) == 0`` decides equality exactly (no
``simplify``, no numerics). It is decided here the way ``expand`` does it, without
building the difference: each side becomes its canonical polynomial, a dictionary
``{monomial: coefficient}`` (a monomial is the set of its ``(symbol, exponent)``
pairs), and the two dictionaries are compared. A term that is not already a monomial
(``G[y] * (X[i] + X[j])``, ``(a + b)**2``) is expanded by ``sympy.expand`` first. The
expansion side is read from its chain-rule terms ``(G[y], dO_y/dw)``, the closed side
from the closed form's expression: two independently built objects.
This module only decides and counts; it prints nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np
import sympy
from sympy import Expr, Indexed

from ..layer import Index
from ..progress import NULL, Progress
from .gradients import Expansion
from .symbols import G, element, product_key

METHOD = (
    "expand(expansion - closed form) == 0, an exact polynomial identity "
    "(both sides as canonical monomial-coefficient dictionaries, compared)"
)

ONE = sympy.S.One
Monomial = frozenset  # of (symbol, exponent) pairs
Polynomial = dict  # {Monomial: coefficient}


@dataclass(frozen=True)
class GradientProof:
    """The outcome for one gradient (``dL/dF`` or ``dL/dX``) over all its elements.

    ``empty`` counts elements whose expansion has no term (no window reads them);
    they are proven equal to 0 like any other element.
    """

    gradient: str
    total: int
    proven: int
    empty: int
    failures: tuple[Index, ...]

    @property
    def holds(self) -> bool:
        return self.proven == self.total


@dataclass(frozen=True)
class ProofReport:
    """What was proven, how, and what failed."""

    method: str
    filter: GradientProof
    input: GradientProof
    bias: GradientProof

    @property
    def parts(self) -> tuple[GradientProof, ...]:
        """The gradients this layer has: dL/dF, dL/dX, and dL/db with a bias."""
        return (self.filter, self.input) + ((self.bias,) if self.bias.total else ())

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.parts)

    @property
    def identities(self) -> int:
        return sum(p.proven for p in self.parts)


PROGRESS_STEP = 256  # elements between progress reports


def prove(
    gradient: str, expansions: dict[Index, Expansion], closed: np.ndarray, shape: tuple[int, ...],
    progress: Progress = NULL,
) -> GradientProof:
    """Check ``expansions[i].expr == closed[i]`` exactly for every element ``i``.

    A closed form of another shape than the gradient's (``shape``) fails at every element:
    its extra or missing elements could not be compared.
    """
    if closed.shape != shape:
        return GradientProof(gradient, len(expansions), 0, _empty(expansions), tuple(expansions))
    progress.stage(f"prove {gradient}", len(expansions))
    failures = []
    for n, (i, e) in enumerate(expansions.items(), 1):
        other = _element(closed, i)
        if other is None or expansion_polynomial(e) != polynomial(other):
            failures.append(i)
        if n % PROGRESS_STEP == 0:
            progress.advance(PROGRESS_STEP)
    progress.advance(len(expansions) % PROGRESS_STEP)
    return GradientProof(gradient, len(expansions), len(expansions) - len(failures), _empty(expansions), tuple(failures))


def _empty(expansions: dict[Index, Expansion]) -> int:
    return sum(1 for e in expansions.values() if not e.terms)


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


def _element(closed: np.ndarray, i: Index) -> sympy.Expr | None:
    inside = len(i) == closed.ndim and all(0 <= v < n for v, n in zip(i, closed.shape))
    return closed[i] if inside else None
