"""Local gradients and chain-rule terms, by SymPy differentiation.

Sparse by construction: ``O_y`` is differentiated only with respect to the elements
that occur in it (at most K of X and K of F), never as a dense Jacobian and never
through a whole loss. The chain rule then collects, for every element ``w``,

    dL/dw = sum_y dL/dO_y * dO_y/dw

over the outputs that touch ``w``. An element no output touches keeps an empty sum.

At scale, SymPy differentiates each *window shape* once rather than each window: every
``O_y`` is ``[b] + sum_j x_j f_j`` for its ``J`` taps inside the input, so it is the
generic window ``W_J = [beta] + sum_j x_j f_j`` (plain SymPy symbols) under the renaming
``x_j -> X[position j]``, ``f_j -> F[tap j]``, ``beta -> b[o]``. The renaming is one-to-one
(a window reads each position and tap once), and differentiation commutes with a
one-to-one renaming of variables, so ``dO_y/dX[position j] = rename(dW_J/dx_j)``. A layer
has a handful of window shapes (the interior and the borders that padding cuts), so
``sympy.diff`` runs a handful of times instead of ``2 N K`` times. ``chainrule.py`` applies the
renaming to all windows of a shape at once on index arrays (the proof's chain-rule side);
:func:`window_gradients` applies it to one window, for the documents and the API.
:func:`local_gradients_reference` differentiates one window directly, term by term; the tests
check that all agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional, Sequence

import sympy
from sympy import Expr, Indexed, Symbol

from ..layer import Index
from .model import Window
from .symbols import B, F, G, X, element, product, total

LocalGradients = Mapping[Index, tuple[tuple[Indexed, Expr], ...]]  # {y: ((w, dO_y/dw), ...)}


@dataclass(frozen=True, slots=True)
class Term:
    """One chain-rule term ``dL/dO_y * local``, with ``local = dO_y/dw`` from SymPy."""

    output: Index
    local: Expr

    @property
    def expr(self) -> Expr:
        return product(element(G, self.output), self.local)


@dataclass(frozen=True)
class Expansion:
    """``dL/dw`` for one element ``w``, as the ordered sequence of its chain-rule terms (one per
    window that reads ``w``, in the order of the windows)."""

    element: Indexed
    terms: Sequence[Term]

    @property
    def index(self) -> Index:
        return index_of(self.element)

    @property
    def expr(self) -> Expr:
        """The sum of the terms (0 when no output reads ``w``)."""
        return total(t.expr for t in self.terms)


def window_gradients(window: Window) -> list[tuple[Indexed, Expr]]:
    """``[(w, dO/dw)]`` for the elements ``w`` of one window, in (tensor, index) order.

    The derivatives come from :func:`generic_gradients` (``sympy.diff`` of the window's
    shape) renamed to the window's elements; a window whose renaming would not be
    one-to-one is differentiated directly.
    """
    xs = [element(X, i) for i in window.positions]
    fs = [element(F, k) for k in window.taps]
    bias = None if window.bias is None else element(B, window.bias)
    if len(set(xs)) < len(xs) or len(set(fs)) < len(fs):
        return local_gradients_reference(window.expr)
    rename = _renaming(xs, fs, bias)
    generic = generic_gradients(len(xs), bias is not None)
    pairs = [(rename[s], _renamed(ds, rename)) for s, ds in generic]
    return sorted(pairs, key=lambda p: _order(p[0]))


def _order(w: Indexed) -> tuple:
    """Tensor name, then index: the order local gradients are listed in."""
    return _NAMES.get(w.base) or str(w.base), index_of(w)


_NAMES = {base: str(base) for base in (X, F, G, B)}


def _renaming(xs: list[Indexed], fs: list[Indexed], bias: Optional[Indexed]) -> dict[Symbol, Expr]:
    x_sym, f_sym, beta = generic_symbols(len(xs))
    rename = dict(zip(x_sym, xs)) | dict(zip(f_sym, fs))
    if bias is not None:
        rename[beta] = bias
    return rename


def _renamed(expr: Expr, rename: dict[Symbol, Expr]) -> Expr:
    if expr.is_Number:
        return expr
    hit = rename.get(expr)
    return hit if hit is not None else expr.xreplace(rename)


def generic_symbols(taps: int) -> tuple[tuple[Symbol, ...], tuple[Symbol, ...], Symbol]:
    """The generic window's symbols ``x0, ...``, ``f0, ...`` and ``beta`` (each the same object every time)."""
    return tuple(_symbol("x", j) for j in range(taps)), tuple(_symbol("f", j) for j in range(taps)), _symbol("beta", None)


@lru_cache(maxsize=None)
def _symbol(name: str, j: Optional[int]) -> Symbol:
    return Symbol(name if j is None else f"{name}{j}")


def generic_terms(taps: int, bias: bool) -> tuple[Expr, ...]:
    """The terms of the generic window ``[beta] + sum_j x_j f_j``: ``x_j f_j`` for ``j < taps``, then ``beta``."""
    xs, fs, beta = generic_symbols(taps)
    return tuple(_product(x, f) for x, f in zip(xs, fs)) + ((beta,) if bias else ())


@lru_cache(maxsize=256)
def generic_gradients(taps: int, bias: bool) -> tuple[tuple[Symbol, Expr], ...]:
    """``sympy.diff`` of the generic window ``[beta] + sum_j x_j f_j`` by each of its symbols.

    By linearity the derivative of the window is the sum of the derivatives of its terms, and a
    term without the symbol contributes 0; so the derivative by a symbol is the sum of SymPy's
    derivatives of the window's terms that hold it (:func:`term_derivative`, each made once and
    shared by every window shape that has the term). ``sympy.diff`` of the whole window by each
    of its ``2J`` symbols would walk all ``J`` terms each time: minutes for a 1000-tap filter
    whose borders give a thousand window shapes.

    Examples:
        >>> generic_gradients(2, False)
        ((x0, f0), (x1, f1), (f0, x0), (f1, x1))
    """
    holding: dict[Symbol, list[Expr]] = {}
    for term in generic_terms(taps, bias):
        for s in held_symbols(term):
            holding.setdefault(s, []).append(term)
    xs, fs, beta = generic_symbols(taps)
    wrt = (*xs, *fs, *((beta,) if bias else ()))
    return tuple((s, sympy.Add(*(term_derivative(t, s) for t in holding[s]))) for s in wrt)


@lru_cache(maxsize=None)
def held_symbols(term: Expr) -> tuple[Symbol, ...]:
    """The symbols a term of the generic window holds, in SymPy's order."""
    return tuple(sorted(term.free_symbols, key=sympy.default_sort_key))


@lru_cache(maxsize=None)
def term_derivative(term: Expr, s: Symbol) -> Expr:
    """``sympy.diff(term, s)`` for one term of a generic window, made once."""
    return sympy.diff(term, s)


@lru_cache(maxsize=None)
def _product(x: Symbol, f: Symbol) -> Expr:
    return x * f


def local_gradients_reference(o: Expr) -> list[tuple[Indexed, Expr]]:
    """``[(w, dO/dw)]`` for the elements ``w`` occurring in ``o``, in (tensor, index) order,
    by ``sympy.diff`` of ``o`` itself: the reference :func:`window_gradients` is tested against.

    By linearity ``dO/dw`` is the sum of ``d(term)/dw`` over the terms of ``O`` that
    contain ``w``; differentiating term by term skips the ``K - 1`` terms that would
    only give zeros.
    """
    derivatives: dict[Indexed, Expr] = {}
    for term in sympy.Add.make_args(o):
        for w in term.atoms(Indexed):
            derivatives[w] = derivatives.get(w, sympy.S.Zero) + sympy.diff(term, w)
    return sorted(derivatives.items(), key=lambda item: _order(item[0]))


@lru_cache(maxsize=1 << 18)
def index_of(element: Indexed) -> Index:
    """The 0-based integer index tuple of an element such as ``X[1, 2]``."""
    return tuple(int(v) for v in element.indices)
