"""What the chain rule gives, before any closed form is known: its forms on index arrays (the proof
reads them) and, built when asked for, the local gradients and expansions as SymPy expressions.

An expansion's terms come from the rows of the canonical chain-rule form of its element, which
are sorted by element and then by window (G is numbered first, ``ids.py``): the terms of
``dL/dw`` are the rows of ``w``, in the order of the windows, each ``dL/dO_y * dO_y/dw`` with
the derivative the row records. A local gradient comes from SymPy's derivative of its window
(``gradients.window_gradients``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..layer import Index
from ..progress import NULL, Progress
from .bilinear import Bilinear
from .chainrule import chain_forms
from .gradients import Expansion, Term, window_gradients
from .ids import BASES, Numbering
from .lazy import LazyMapping, LazySequence
from .model import Model


def _view(method: str, name: str, doc: str) -> property:
    """A property: ``method(name)`` of the gradients, a mapping whose values are made when read."""
    return property(lambda self: getattr(self, method)(name), doc=doc)


@dataclass(frozen=True)
class Gradients:
    """The chain rule of one layer: ``forms`` maps ``F``, ``X``, ``b`` to its canonical bilinear forms."""

    model: Model
    ids: Numbering
    forms: dict[str, Bilinear]

    local_filter = _view("_local", "F", "``{y: ((F[k], dO_y/dF[k]), ...)}`` for every output element.")
    local_input = _view("_local", "X", "``{y: ((X[i], dO_y/dX[i]), ...)}`` for every output element.")
    local_bias = _view("_local", "b", "``{y: ((b[o], 1),)}`` with a bias, else empty.")
    filter = _view("expansions", "F", "``{k: dL/dF[k]}`` as chain-rule sums.")
    input = _view("expansions", "X", "``{i: dL/dX[i]}`` as chain-rule sums (possibly with no term).")
    bias = _view("expansions", "b", "``{(o,): dL/db[o]}`` as chain-rule sums, empty without a bias.")

    def _local(self, name: str) -> LazyMapping:
        if name == "b" and not self.model.spec.bias:
            return LazyMapping((0,), lambda y: ())
        base = BASES[name]
        pairs = lambda y: tuple((w, dw) for w, dw in window_gradients(self.model.window(y)) if w.base == base)  # noqa: E731
        return LazyMapping(self.model.spec.g_shape, pairs)

    def expansions(self, name: str) -> LazyMapping:
        """Every element of tensor ``name``'s gradient as an :class:`Expansion`, row-major (none for
        ``b`` without a bias)."""
        form = self.forms[name]
        return LazyMapping(form.shape, lambda i: Expansion(self.ids.expr(self._number(name, i)), self._terms(form, i)))

    def _number(self, name: str, index: Index) -> int:
        return self.ids.offset[name] + int(np.ravel_multi_index(index, self.forms[name].shape))

    def _terms(self, form: Bilinear, index: Index) -> LazySequence:
        """The terms of one element: its rows (``form.element`` is sorted), one term per window."""
        flat = int(np.ravel_multi_index(index, form.shape))
        start, stop = (int(v) for v in np.searchsorted(form.element, [flat, flat + 1]))
        g0, g1 = self.ids.offset["G"], self.ids.offset["X"]
        first, second = form.first[start:stop], form.second[start:stop]
        is_g = (first >= g0) & (first < g1)
        window, partner = np.where(is_g, first, second), np.where(is_g, second, first)
        coefficient = None if form.coefficient is None else form.coefficient[start:stop]
        starts = np.flatnonzero(np.concatenate(([True], window[1:] != window[:-1]))) if window.size else window
        ends = np.append(starts[1:], window.size)
        return LazySequence(len(starts), lambda j: self._term(window, partner, coefficient, int(starts[j]), int(ends[j])))

    def _term(self, window, partner, coefficient, start: int, stop: int) -> Term:
        """``dL/dO_y * dO_y/dw`` from the rows of one window: the derivative is the sum of their factors."""
        output = self.ids.element(int(window[start]))[1]
        ones = np.ones(stop - start, np.int64) if coefficient is None else coefficient[start:stop]
        parts = [int(c) * self.ids.expr(int(p)) if c != 1 else self.ids.expr(int(p)) for p, c in zip(partner[start:stop], ones)]
        return Term(output, parts[0] if len(parts) == 1 else sympy.Add(*parts))


def derive_gradients(model: Model, ids: Numbering, progress: Progress = NULL) -> Gradients:
    """The chain rule of every element of dL/dF, dL/dX and dL/db, from the windows' SymPy derivatives."""
    return Gradients(model, ids, chain_forms(model, ids, progress))
