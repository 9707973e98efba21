"""The symbolic tensors X, F, G and b, defined once, and products and sums of their elements at scale.

``X`` (input), ``F`` (filter), ``G`` (``dL/dO``, the gradient arriving from the next
layer) and ``b`` (bias) are SymPy ``IndexedBase`` objects, so one element is
``X[1, 2]``: it prints as ``X_{23}`` in a document and ``X[1, 2]`` in code. Indices
are 0-based; with channels or a batch they lead, PyTorch-style (``X[n, c, i, j]``).

The concrete derivation and the proof for all sizes use these same objects.
"""

from __future__ import annotations

from functools import cmp_to_key, lru_cache
from typing import Iterable, Optional

import sympy
from sympy import Expr, Indexed, IndexedBase, Integer
from sympy.core.basic import Basic

from ..layer import Index

X = IndexedBase("X")
F = IndexedBase("F")
G = IndexedBase("G")
B = IndexedBase("b")

# -- building expressions at scale -------------------------------------------------
# ``X[i]`` goes through IndexedBase.__getitem__ (about 8 us), and ``a * b`` or
# ``Add(*terms)`` through SymPy's flatten and sort (about 20 us per term of a long sum).
# A layer of 64x64 with a 5x5 filter has 90,000 products on each side of the proof, so
# elements are made once and products and sums of distinct elements are assembled in
# SymPy's canonical argument order directly. The results are ordinary SymPy expressions,
# equal (``==``, same hash) to what ``X[i] * F[k]`` and ``Add(*terms)`` build; the tests
# check that on every element of small layers.

_BASES = (X, F, G, B)
_BASE_RANK = {base: rank for rank, base in enumerate(sorted(_BASES, key=cmp_to_key(Basic.compare)))}


@lru_cache(maxsize=1 << 18)
def element(base: IndexedBase, index: Index) -> Indexed:
    """``base[index]``, made once per element (the same object every time).

    Examples:
        >>> element(X, (1, 2)) is element(X, (1, 2)) and element(X, (1, 2)) == X[1, 2]
        True
    """
    return Indexed(base, *map(Integer, index))


@lru_cache(maxsize=1 << 18)
def sort_key(e: Expr) -> Optional[tuple]:
    """SymPy's canonical order (``Basic.compare``) of this module's elements: number of
    indices, then tensor, then the (non-negative) index tuple; ``None`` for anything else.

    Two elements with equal keys are equal.
    """
    if not (isinstance(e, Indexed) and e.base in _BASE_RANK):
        return None
    return len(e.args), _BASE_RANK[e.base], tuple(int(v) for v in e.indices)


def product(a: Expr, b: Expr) -> Expr:
    """``a * b``; for two different elements of X, F, G, b without SymPy's flatten.

    Examples:
        >>> product(X[0, 1], F[1, 0]) == X[0, 1] * F[1, 0]
        True
    """
    ka, kb = sort_key(a), sort_key(b)
    if ka is None or kb is None or ka == kb:
        return a * b
    return sympy.Mul._from_args((a, b) if ka < kb else (b, a), is_commutative=True)


def total(terms: Iterable[Expr]) -> Expr:
    """``Add(*terms)``; for distinct products of two elements (what correlations and chain
    rules give) without SymPy's flatten: sorted once by a cheap key.

    Examples:
        >>> total([product(X[1], F[0]), product(X[0], F[1])]) == X[0] * F[1] + X[1] * F[0]
        True
    """
    terms = list(terms)
    keys = [product_key(t) for t in terms]
    if len(terms) < 2 or None in keys or len(set(keys)) < len(keys):
        return sympy.Add(*terms)
    return sympy.Add._from_args([t for _, t in sorted(zip(keys, terms), key=_first)], is_commutative=True)


def _first(pair: tuple) -> object:
    return pair[0]


def product_key(t: Expr) -> Optional[tuple]:
    """The sort keys of the two factors of a product of two different elements, else ``None``."""
    if type(t) is not sympy.Mul or len(t.args) != 2:
        return None
    ka, kb = sort_key(t.args[0]), sort_key(t.args[1])
    return None if ka is None or kb is None else (ka, kb)
