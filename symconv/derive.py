"""Local gradients and chain-rule expansions, by SymPy differentiation.

Sparse by construction: ``O_y`` is differentiated only with respect to the elements
that occur in it (at most K of X and K of F), never as a dense Jacobian and never
through a whole loss. The chain rule then collects, for every element ``w``,

    dL/dw = sum_y dL/dO_y * dO_y/dw

over the outputs that touch ``w``. An element no output touches keeps an empty sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, Indexed

from .model import B, F, G, X, Model
from .spec import Index

LocalGradients = dict[Index, tuple[tuple[Indexed, Expr], ...]]


@dataclass(frozen=True)
class Term:
    """One chain-rule term ``dL/dO_y * local``, with ``local = dO_y/dw`` from SymPy."""

    output: Index
    local: Expr

    @property
    def expr(self) -> Expr:
        return G[self.output] * self.local


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
        return sympy.Add(*(t.expr for t in self.terms))


@dataclass(frozen=True)
class Gradients:
    """Everything the chain rule gives, before any closed form is known."""

    local_filter: LocalGradients
    local_input: LocalGradients
    local_bias: LocalGradients
    filter: dict[Index, Expansion]
    input: dict[Index, Expansion]
    bias: dict[Index, Expansion]


def derive_gradients(model: Model) -> Gradients:
    """Differentiate every ``O`` element and assemble the expansions of dL/dF, dL/dX, dL/db."""
    spec = model.spec
    elements = {F: spec.f_elements(), X: spec.x_elements(), B: spec.b_elements()}
    terms: dict[object, dict[Index, list[Term]]] = {base: {i: [] for i in idx} for base, idx in elements.items()}
    local: dict[object, LocalGradients] = {F: {}, X: {}, B: {}}
    for window in model.windows:
        y, derivatives = window.output, _local_gradients(window.expr)
        for base in local:
            local[base][y] = tuple((w, dw) for w, dw in derivatives if w.base == base)
        for w, dw in derivatives:
            terms[w.base][index_of(w)].append(Term(y, dw))
    expansions = {base: {i: Expansion(base[i], tuple(ts)) for i, ts in t.items()} for base, t in terms.items()}
    return Gradients(local[F], local[X], local[B] if spec.bias else {}, expansions[F], expansions[X], expansions[B])


def _local_gradients(o: Expr) -> list[tuple[Indexed, Expr]]:
    """``[(w, dO/dw)]`` for the elements ``w`` occurring in ``o``, in index order.

    By linearity ``dO/dw`` is the sum of ``d(term)/dw`` over the terms of ``O`` that
    contain ``w``; differentiating term by term skips the ``K - 1`` terms that would
    only give zeros.
    """
    derivatives: dict[Indexed, Expr] = {}
    for term in sympy.Add.make_args(o):
        for w in term.atoms(Indexed):
            derivatives[w] = derivatives.get(w, sympy.S.Zero) + sympy.diff(term, w)
    return sorted(derivatives.items(), key=lambda item: (str(item[0].base), index_of(item[0])))


def index_of(element: Indexed) -> Index:
    """The 0-based integer index tuple of an element such as ``X[1, 2]``."""
    return tuple(int(v) for v in element.indices)
