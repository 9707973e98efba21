"""Local gradients and chain-rule expansions, by SymPy differentiation.

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
``sympy.diff`` runs a handful of times instead of ``2 N K`` times. :func:`local_gradients_reference`
differentiates one window directly, term by term; the tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy
from sympy import Expr, Indexed, Symbol

from ..layer import Index
from ..layer import layout
from ..progress import NULL, Progress
from .model import Model, Window
from .symbols import B, F, G, X, element, product, total

LocalGradients = dict[Index, tuple[tuple[Indexed, Expr], ...]]


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
    """``dL/dw`` for one element ``w``, as the ordered list of its chain-rule terms."""

    element: Indexed
    terms: tuple[Term, ...]

    @property
    def index(self) -> Index:
        return index_of(self.element)

    @property
    def expr(self) -> Expr:
        """The sum of the terms (0 when no output reads ``w``)."""
        return total(t.expr for t in self.terms)


@dataclass(frozen=True)
class Gradients:
    """Everything the chain rule gives, before any closed form is known."""

    local_filter: LocalGradients
    local_input: LocalGradients
    local_bias: LocalGradients
    filter: dict[Index, Expansion]
    input: dict[Index, Expansion]
    bias: dict[Index, Expansion]


PROGRESS_STEP = 512  # windows between progress reports


def derive_gradients(model: Model, progress: Progress = NULL) -> Gradients:
    """Differentiate every ``O`` element and assemble the expansions of dL/dF, dL/dX, dL/db."""
    spec = model.spec
    elements = {F: layout.elements(spec.f_shape), X: layout.elements(spec.x_shape), B: layout.bias_elements(spec)}
    terms: dict[object, dict[Index, list[Term]]] = {base: {i: [] for i in idx} for base, idx in elements.items()}
    local: dict[object, LocalGradients] = {F: {}, X: {}, B: {}}
    progress.stage("differentiate", len(model.windows))
    for n, window in enumerate(model.windows, 1):
        y, derivatives = window.output, window_gradients(window)
        by_base: dict[object, list] = {F: [], X: [], B: []}
        for w, dw in derivatives:
            by_base[w.base].append((w, dw))
            terms[w.base][index_of(w)].append(Term(y, dw))
        for base, pairs in by_base.items():
            local[base][y] = tuple(pairs)
        if n % PROGRESS_STEP == 0:
            progress.advance(PROGRESS_STEP)
    progress.advance(len(model.windows) % PROGRESS_STEP)
    expansions = {base: {i: Expansion(element(base, i), tuple(ts)) for i, ts in t.items()} for base, t in terms.items()}
    return Gradients(local[F], local[X], local[B] if spec.bias else {}, expansions[F], expansions[X], expansions[B])


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
    x_sym, f_sym, beta = _generic_symbols(len(xs))
    rename = dict(zip(x_sym, xs)) | dict(zip(f_sym, fs))
    if bias is not None:
        rename[beta] = bias
    return rename


def _renamed(expr: Expr, rename: dict[Symbol, Expr]) -> Expr:
    if expr.is_Number:
        return expr
    hit = rename.get(expr)
    return hit if hit is not None else expr.xreplace(rename)


@lru_cache(maxsize=None)
def _generic_symbols(taps: int) -> tuple[tuple[Symbol, ...], tuple[Symbol, ...], Symbol]:
    return (sympy.symbols(f"x:{taps}"), sympy.symbols(f"f:{taps}"), Symbol("beta"))


@lru_cache(maxsize=None)
def generic_gradients(taps: int, bias: bool) -> tuple[tuple[Symbol, Expr], ...]:
    """``sympy.diff`` of the generic window ``[beta] + sum_j x_j f_j`` by each of its symbols.

    Examples:
        >>> generic_gradients(2, False)
        ((x0, f0), (x1, f1), (f0, x0), (f1, x1))
    """
    xs, fs, beta = _generic_symbols(taps)
    window = sympy.Add(*(x * f for x, f in zip(xs, fs)), *((beta,) if bias else ()))
    wrt = (*xs, *fs, *((beta,) if bias else ()))
    return tuple((s, sympy.diff(window, s)) for s in wrt)


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
