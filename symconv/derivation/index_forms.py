"""The closed forms of a concrete layer on index arrays: the trees of ``recipes.py`` interpreted by
``index_operators``, every channel pair at once, as bilinear forms (``bilinear.Bilinear``).

This is the side of the proof built from the definitions of correlation, padding, dilation and
rotation, without looking at the chain rule (``chainrule.py`` builds the other side):

    dL/dF[o, c'] = sum_n corr(pad(X[n, c(o, c')], lo, hi - r), G[n, o]; window stride d, kernel dilation s)
    dL/dX[n, c]  = sum over o in c's group of corr(pad(dilate_s(G[n, o])), rot180(F[o, c - group*C_in/g]))
    dL/db[o]     = the sum of G over the batch and every position

Each pair's operands are slices of the arrays of element numbers (``Numbering.ids``); a pair is a
leading index of the stacked operands, and the sums over samples and output channels are rows of
the same element. The document shows the operands of the first pair (:func:`first_operands`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..layer import ConvSpec
from ..layer import channels
from . import recipes
from .bilinear import Bilinear
from .ids import ONE, Numbering
from .index_operators import Products, correlate, dilate, pad, rot180
from .lazy import ElementGrid
from .recipes import Corr, Dilate, Form, Operand, Pad, Rot180, Sizes


def evaluate(form: Form, operands: dict[str, np.ndarray], rank: int):
    """A tree of ``recipes`` on stacked index arrays: an array, or for a ``Corr`` its ``Products``."""
    if isinstance(form, Operand):
        return operands[form.name]
    if isinstance(form, Pad):
        return pad(evaluate(form.operand, operands, rank), form.widths)
    if isinstance(form, Dilate):
        return dilate(evaluate(form.operand, operands, rank), form.step)
    if isinstance(form, Rot180):
        return rot180(evaluate(form.operand, operands, rank), rank)
    assert isinstance(form, Corr)
    return correlate(evaluate(form.operand, operands, rank), evaluate(form.kernel, operands, rank), form.stride, form.dilation)


def tensors(spec: ConvSpec, ids: Numbering) -> dict[str, np.ndarray]:
    """The element numbers of X (N, C_in, *input), F (C_out, C_in/g, *filter) and G (N, C_out, *output)."""
    return {
        "X": ids.ids("X", (spec.n_batch, spec.c_in) + spec.input),
        "F": ids.ids("F", (spec.c_out, spec.cg_in) + spec.filter),
        "G": ids.ids("G", (spec.n_batch, spec.c_out) + spec.output),
    }


def grad_filter(spec: ConvSpec, ids: Numbering) -> Bilinear:
    """dL/dF: one correlation per (o, c', n), each a row block of element (o, c')."""
    o, slot, n = (a.ravel() for a in np.indices((spec.c_out, spec.cg_in, spec.n_batch)))
    t = tensors(spec, ids)
    operands = {"X": t["X"][n, channels.channel_read(o, slot, spec.cg_in, spec.cg_out)], "G": t["G"][n, o]}
    products = evaluate(recipes.grad_filter_form(Sizes.of(spec)), operands, spec.rank)
    lead = spec.f_shape[: len(spec.f_shape) - spec.rank]
    return _rows(products, (o * spec.cg_in + slot), lead, ids)


def grad_input(spec: ConvSpec, ids: Numbering) -> Bilinear:
    """dL/dX: one correlation per (n, c, o) with o in c's group, read through filter slot c - group*C_in/g."""
    n, c, j = (a.ravel() for a in np.indices((spec.n_batch, spec.c_in, spec.cg_out)))
    o = channels.input_group(c, spec.cg_in) * spec.cg_out + j
    t = tensors(spec, ids)
    operands = {"G": t["G"][n, o], "F": t["F"][o, channels.input_slot(c, spec.cg_in)]}
    products = evaluate(recipes.grad_input_form(Sizes.of(spec)), operands, spec.rank)
    lead = spec.x_shape[: len(spec.x_shape) - spec.rank]
    return _rows(products, (n * spec.c_in + c), lead, ids)


def _rows(products: Products, block: np.ndarray, lead: tuple[int, ...], ids: Numbering) -> Bilinear:
    """Products of pair ``p`` at output ``z`` as rows of element ``block[p] * outputs + z`` in
    ``lead + products.shape`` (a correlation of the wrong length gives a form of the wrong shape)."""
    element = block[products.pair] * math.prod(products.shape) + products.z
    return Bilinear.of(lead + products.shape, element, products.a, products.b, ids.count)


def grad_bias(spec: ConvSpec, ids: Numbering) -> Bilinear:
    """``dL/db[o] = sum over samples and positions of G[n, o, y] * 1`` (no rows without a bias)."""
    if not spec.bias:
        return Bilinear.of((0,), [], [], [], ids.count)
    g = tensors(spec, ids)["G"]
    o = np.broadcast_to(np.arange(spec.c_out).reshape((1, -1) + (1,) * spec.rank), g.shape)
    return Bilinear.of(spec.b_shape, o.ravel(), np.full(g.size, ONE), g.ravel(), ids.count)


def first_operands(spec: ConvSpec, ids: Numbering) -> dict[str, np.ndarray]:
    """The operands of the first sample and channel pair, as the document shows them: pad(X),
    dilate_s(G), the padded dilated G and rot180(F)."""
    t = tensors(spec, ids)
    first = {"X": t["X"][0, 0], "F": t["F"][0, 0], "G": t["G"][0, 0]}
    filter_form, input_form = recipes.grad_filter_form(Sizes.of(spec)), recipes.grad_input_form(Sizes.of(spec))
    return {
        "x_padded": evaluate(filter_form.operand, first, spec.rank),
        "g_dilated": evaluate(input_form.operand.operand, first, spec.rank),
        "g_padded": evaluate(input_form.operand, first, spec.rank),
        "filter_rotated": evaluate(input_form.kernel, first, spec.rank),
    }


def _grid(name: str, doc: str) -> property:
    """A property: the first pair's operand ``name`` as a grid of elements, made when read."""
    return property(lambda self: ElementGrid(self._operands[name], self.ids.expr), doc=doc)


@dataclass(frozen=True)
class Closed:
    """The closed forms of one layer: each gradient's bilinear form, built when asked for (the proof
    takes one at a time), and the first pair's operands as grids of elements for the document."""

    spec: ConvSpec
    ids: Numbering

    def filter(self) -> Bilinear:
        return grad_filter(self.spec, self.ids)

    def input(self) -> Bilinear:
        return grad_input(self.spec, self.ids)

    def bias(self) -> Bilinear:
        return grad_bias(self.spec, self.ids)

    @cached_property
    def _operands(self) -> dict[str, np.ndarray]:
        return first_operands(self.spec, self.ids)

    x_padded = _grid("x_padded", "pad(X, lo, hi - r), the operand of the dL/dF correlation.")
    g_dilated = _grid("g_dilated", "dilate_s(G).")
    g_padded = _grid("g_padded", "pad(dilate_s(G), d(K-1) - lo, d(K-1) - hi + r), the operand of the dL/dX correlation.")
    filter_rotated = _grid("filter_rotated", "rot180(F), the kernel of the dL/dX correlation.")
