"""The chain rule on index arrays: every term ``dL/dO_y * dO_y/dw`` of dL/dF, dL/dX and dL/db as
a row of a bilinear form (``bilinear.Bilinear``).

This is the side of the proof built from the model, never from a closed form. Windows that read
the same taps (the interior, and each border that padding cuts) have one *shape*: the generic
window ``[beta] + sum_j x_j f_j`` of ``J`` taps, which SymPy differentiates once
(``gradients.generic_gradients``). Each derivative is read exactly as integer coefficients of
the generic symbols (:func:`derivative_table`), and the window's renaming ``x_j -> X[n, c, i]``,
``f_j -> F[o, c', k]``, ``beta -> b[o]`` (``Model.reads``, the channel maps) is applied to every
window of that shape at once, on arrays of element numbers (``ids.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy

from ..layer import ConvSpec
from ..layer import channels
from ..progress import NULL, Progress
from .bilinear import Bilinear, canonical, concatenate
from .gradients import generic_symbols, generic_terms, held_symbols, term_derivative
from .ids import ONE, Numbering
from .model import Model

TARGETS = {"f": "F", "x": "X", "b": "b"}  # the tensor a derivative with respect to x_j, f_j, beta belongs to


KINDS = ("x", "f", "b", "1")  # what a generic symbol stands for: an X, an F, the bias; or the constant 1


@dataclass(frozen=True)
class DerivativeRows:
    """SymPy's derivatives of the terms of the generic window, one row per term of a derivative:
    the window term it comes from (``term``: ``x_j f_j`` is term ``j``; ``bias``: the term is
    ``beta``), the symbol differentiated by (its kind and ``j``), the factor left (kind and ``j``)
    and its coefficient."""

    term: np.ndarray
    bias: np.ndarray
    wrt_kind: np.ndarray
    wrt_j: np.ndarray
    factor_kind: np.ndarray
    factor_j: np.ndarray
    coefficient: np.ndarray

    def table(self, taps: int, bias: bool) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The derivatives of the generic window of ``taps`` taps (``[beta] +`` the first ``taps``
        terms): by linearity, the rows of its own terms, grouped by (with respect to, factor) kinds.

        Examples:
            >>> derivative_rows(3, True).table(2, False)[("x", "f")]
            (array([0, 1]), array([0, 1]), array([1, 1]))
        """
        mine = np.where(self.bias, bias, self.term < taps)
        out = {}
        for w, f in sorted({(int(a), int(b)) for a, b in zip(self.wrt_kind[mine], self.factor_kind[mine])}):
            rows = mine & (self.wrt_kind == w) & (self.factor_kind == f)
            out[KINDS[w], KINDS[f]] = (self.wrt_j[rows], self.factor_j[rows], self.coefficient[rows])
        return out


@lru_cache(maxsize=8)
def derivative_rows(taps: int, bias: bool) -> DerivativeRows:
    """Every term of the generic window of ``taps`` taps differentiated by SymPy by each symbol it
    holds (``gradients.term_derivative``), each derivative read as integer coefficients of symbols."""
    xs, fs, beta = generic_symbols(taps)
    kinds = {s: (0, j) for j, s in enumerate(xs)} | {s: (1, j) for j, s in enumerate(fs)} | {beta: (2, 0)}
    rows = []
    for t, term in enumerate(generic_terms(taps, bias)):
        for s in held_symbols(term):
            for factor, coefficient in _linear_terms(term_derivative(term, s)):
                kind = (3, 0) if factor == 1 else kinds.get(factor)
                if kind is None:
                    raise ValueError(f"d/d{s} of {term} is not linear in the window's symbols")
                rows.append((t, term == beta, *kinds[s], *kind, coefficient))
    columns = [np.array(column, dtype=np.int64) for column in zip(*rows)] or [np.empty(0, np.int64)] * 7
    return DerivativeRows(columns[0], columns[1].astype(bool), *columns[2:])


@lru_cache(maxsize=None)
def _linear_terms(ds: sympy.Expr) -> tuple[tuple[sympy.Expr, int], ...]:
    """``ds`` as (symbol or 1, integer coefficient) pairs; a non-integer coefficient is refused."""
    pairs = sorted(sympy.expand(ds).as_coefficients_dict().items(), key=lambda p: sympy.default_sort_key(p[0]))
    if not all(c.is_Integer for _, c in pairs):
        raise ValueError(f"{ds} has a coefficient that is not an integer")
    return tuple((factor, int(c)) for factor, c in pairs)


@dataclass(frozen=True)
class Blocks:
    """Element numbers per (sample, output channel) block ``b = n * C_out + o`` of windows."""

    g: np.ndarray  # (blocks, 1): number of G[n, o, y=0]
    x: np.ndarray  # (blocks, C_in/g): number of X[n, c(o, c'), i=0]
    f: np.ndarray  # (blocks, C_in/g): number of F[o, c', k=0]
    b: np.ndarray  # (blocks, 1): number of b[o]

    @classmethod
    def of(cls, spec: ConvSpec, ids: Numbering) -> "Blocks":
        n, o, slot = np.indices((spec.n_batch, spec.c_out, spec.cg_in)).reshape(3, -1, spec.cg_in)
        outputs, inputs, taps = (int(np.prod(s)) for s in (spec.output, spec.input, spec.filter))
        c = channels.channel_read(o, slot, spec.cg_in, spec.cg_out)
        return cls(
            g=ids.offset["G"] + (n[:, :1] * spec.c_out + o[:, :1]) * outputs,
            x=ids.offset["X"] + (n * spec.c_in + c) * inputs,
            f=ids.offset["F"] + (o * spec.cg_in + slot) * taps,
            b=ids.offset["b"] + o[:, :1],
        )


def chain_forms(model: Model, ids: Numbering, progress: Progress = NULL) -> dict[str, Bilinear]:
    """The canonical chain-rule forms of ``F``, ``X`` and ``b`` (no rows for ``b`` without a bias),
    one at a time, so that only one form's rows are ever being sorted."""
    spec, reads = model.spec, model.reads
    blocks, shapes = Blocks.of(spec, ids), list(window_shapes(reads.inside))
    rows = derivative_rows(spec.cg_in * max(len(cols) for cols, _ in shapes), spec.bias)
    tables = {len(cols): rows.table(spec.cg_in * len(cols), spec.bias) for cols, _ in shapes}
    forms = {}
    for name, shape in (("F", spec.f_shape), ("X", spec.x_shape), ("b", spec.b_shape or (0,))):
        progress.stage(f"differentiate, dL/d{name}", int(np.prod(spec.g_shape)))
        parts = []
        for cols, outputs in shapes:
            table = {k: v for k, v in tables[len(cols)].items() if TARGETS[k[0]] == name}
            renamed = _renaming(spec, reads, blocks, cols, outputs, {kind for key in table for kind in key})
            parts += [_rows(renamed, wrt, factor, *entry, ids) for (wrt, factor), entry in table.items()]
            progress.advance(len(outputs) * len(blocks.g))
        form = concatenate(shape, ids.count, parts)
        del parts
        forms[name] = canonical(form)
    return forms


def window_shapes(inside: np.ndarray):
    """``(taps read, output positions)`` for each distinct row of ``inside``: the window shapes."""
    packed = np.packbits(inside, axis=1)
    rows = np.ascontiguousarray(packed).view(np.dtype((np.void, max(packed.shape[1], 1)))).ravel()
    _, which = np.unique(rows, return_inverse=True)
    order = np.argsort(which, kind="stable")
    for group in np.split(order, np.flatnonzero(np.diff(which[order])) + 1):
        if group.size:
            yield np.flatnonzero(inside[group[0]]), group


def _renaming(spec: ConvSpec, reads, blocks: Blocks, cols: np.ndarray, rows: np.ndarray, kinds: set) -> dict[str, np.ndarray]:
    """The numbers each generic symbol of ``kinds`` stands for in every window of one shape, as arrays
    of (block, tap j, output position): ``x_j``, ``f_j``, ``beta``, the constant 1; and the window's G."""
    slot = np.repeat(np.arange(spec.cg_in), len(cols))  # tap j reads filter slot j // taps, tap cols[j % taps]
    tap = np.tile(cols, spec.cg_in)
    make = {
        "x": lambda: blocks.x[:, slot, None] + reads.position[rows][:, tap].T[None],
        "f": lambda: (blocks.f[:, slot] + tap)[:, :, None],
        "b": lambda: blocks.b[:, :, None],
        "1": lambda: np.full((1, 1, 1), ONE),
    }
    return {kind: make[kind]() for kind in kinds} | {"g": (blocks.g + rows[None, :])[:, None, :]}


def _rows(renamed: dict, wrt: str, factor: str, wj, fj, coefficient, ids: Numbering) -> Bilinear:
    """One row per window and derivative entry: element ``wrt_j``, factors the window's G and ``factor_j``
    (rows ordered by block, entry, output position: long sorted runs for ``canonical``)."""
    shape = (renamed["g"].shape[0], len(wj), renamed["g"].shape[2])
    w, partner = (np.broadcast_to(renamed[kind][:, j], shape) for kind, j in ((wrt, wj), (factor, fj)))
    g = np.broadcast_to(renamed["g"], shape)
    c = None if np.all(coefficient == 1) else np.broadcast_to(coefficient[None, :, None], shape).ravel()
    return Bilinear.of((), (w - ids.offset[TARGETS[wrt]]).ravel(), g.ravel(), partner.ravel(), ids.count, c)
