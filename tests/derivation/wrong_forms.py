"""Closed forms broken on purpose, each the same bug in both interpreters of the recipes' trees:
``index_forms`` (integer index arrays: the proof of record) and ``forms`` (SymPy object arrays: the
expressions the API hands out). ``break_forms(monkeypatch, BUG)`` patches both."""

from __future__ import annotations

import numpy as np

import symconv.derivation.forms as sympy_forms
import symconv.derivation.index_forms as index_forms
import symconv.derivation.operators as sympy_operators
from symconv.derivation import recipes
from symconv.derivation.ids import ZERO
from symconv.derivation.recipes import Corr, Pad, Sizes
from symconv.layer import axis, channels


def break_forms(monkeypatch, bug: dict) -> None:
    """Apply ``bug``: ``{(module, name): replacement}`` for the modules above."""
    for (module, name), replacement in bug.items():
        monkeypatch.setattr(module, name, replacement)


def _first_axis_only(a, rank):
    return a[(Ellipsis, slice(None, None, -1)) + (slice(None),) * (rank - 1)]


def _dilate_after_every_element_index(a, step):
    rank = len(step)
    out = np.full(a.shape[: a.ndim - rank] + tuple(s * n for s, n in zip(step, a.shape[a.ndim - rank :])), ZERO)
    out[(Ellipsis,) + tuple(slice(None, None, s) for s in step)] = a
    return out


def _dilate_after_every_element_sympy(a, step):
    out = sympy_operators.zeros(tuple(s * n for s, n in zip(step, a.shape)))
    out[tuple(slice(None, None, s) for s in step)] = a
    return out


def _edge_pad(pad):
    """``pad`` with its added rows copied from the nearest edge instead of zeros (a classic bug:
    ``np.pad(mode="edge")``): wrong exactly where a window reads padding."""

    def wrong(a, widths):
        rank = len(widths)
        cropped = pad(a, tuple((min(lo, 0), min(hi, 0)) for lo, hi in widths))  # crops only
        grown = tuple((0, 0) for _ in range(cropped.ndim - rank)) + tuple((max(lo, 0), max(hi, 0)) for lo, hi in widths)
        if cropped.size == 0:
            return pad(a, widths)
        return np.pad(cropped, grown, mode="edge")

    return wrong


def _unswapped_filter_form(z: Sizes) -> Corr:
    """dL/dF with the forward stride as window stride and dilation as kernel dilation (not swapped)."""
    widths = tuple(axis.grad_filter_padding(lo, hi, r) for lo, hi, r in zip(z.lo, z.hi, z.r))
    return Corr(Pad(recipes.X, widths), recipes.G, stride=z.s, dilation=z.d)


def _uncropped_filter_form(z: Sizes) -> Corr:
    """dL/dF with X padded by (lo, hi) instead of (lo, hi - r): K + floor(r/d) taps when r >= d."""
    return Corr(Pad(recipes.X, tuple(zip(z.lo, z.hi))), recipes.G, stride=z.d, dilation=z.s)


def _plain_reshape_index(spec, ids):
    """dL/dX with F reshaped (C_out, Cg_in, K) -> (C_in, Cg_out, K) without the per-group swap."""
    n, c, j = (a.ravel() for a in np.indices((spec.n_batch, spec.c_in, spec.cg_out)))
    o = channels.input_group(c, spec.cg_in) * spec.cg_out + j
    t = index_forms.tensors(spec, ids)
    wrong = t["F"].reshape((spec.c_in, spec.cg_out) + spec.filter)[c, j]
    products = index_forms.evaluate(recipes.grad_input_form(Sizes.of(spec)), {"G": t["G"][n, o], "F": wrong}, spec.rank)
    return index_forms._rows(products, n * spec.c_in + c, spec.x_shape[: len(spec.x_shape) - spec.rank], ids)


def _plain_reshape_sympy(spec, f, g):
    ft = f.reshape((spec.c_in, spec.cg_out) + spec.filter)
    form = recipes.grad_input_form(Sizes.of(spec))
    return sympy_forms._stack({
        (n, c): sympy_forms._sum(
            sympy_forms.evaluate(form, {"G": g[n, channels.input_group(c, spec.cg_in) * spec.cg_out + o], "F": ft[c, o]})
            for o in range(spec.cg_out)
        )
        for n, c in np.ndindex(spec.n_batch, spec.c_in)
    })


NO_ROTATION = {(index_forms, "rot180"): lambda a, rank: a, (sympy_forms, "rot180"): lambda a: a}
FIRST_AXIS_ROTATED = {(index_forms, "rot180"): _first_axis_only, (sympy_forms, "rot180"): lambda a: a[::-1]}
DILATED_TO_S_TIMES_O = {(index_forms, "dilate"): _dilate_after_every_element_index,
                        (sympy_forms, "dilate"): _dilate_after_every_element_sympy}
EDGE_PADDING = {(index_forms, "pad"): _edge_pad(index_forms.pad),
                (sympy_forms, "pad"): _edge_pad(sympy_forms.pad)}
UNSWAPPED = {(recipes, "grad_filter_form"): _unswapped_filter_form}
UNCROPPED = {(recipes, "grad_filter_form"): _uncropped_filter_form}
UNDILATED_PADDING = {(axis, "grad_input_padding"): lambda k, d, lo, hi, r: (k - 1 - lo, k - 1 - hi + r)}
PLAIN_RESHAPE = {(index_forms, "grad_input"): _plain_reshape_index, (sympy_forms, "grad_input"): _plain_reshape_sympy}
