"""The tensors of a layer of any size, their shapes, and the coordinates of their elements.

With channels the layout is PyTorch's (``conv-gradients.md`` section 1): ``X[n, c, x]`` of shape
``(N, g Cg_in, n)``, ``F[o, c', a]`` of shape ``(g Cg_out, Cg_in, K)``, ``G[n, o, y]`` of shape
``(N, g Cg_out, O)`` and ``b[o]``; without channels only the spatial indices remain. A channel
coordinate is written by Euclidean division, ``o = p Cg_out + j`` with ``0 <= p < g`` and
``0 <= j < Cg_out`` (every channel has exactly one such pair), so group and slot are variables
of their own.

Examples:
    >>> layer = Layer(1, channelled=True)
    >>> layer.coordinates()[G]
    (n_G, Cg_out*p_G + j_G, y)
    >>> layer.element("dL/dX")
    (nu, Cg_in*p_c + j_c, i)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Symbol

from ..symbols import B, F, G, X
from .sizes import CHANNELS, AxisSizes, axes, integer, suffixes

SPATIAL = {X: "x", F: "a", G: "y"}
ELEMENT = {"dL/dX": "i", "dL/dF": "t", "dL/db": None}


@dataclass(frozen=True)
class Layer:
    """A layer of symbolic sizes: its rank, and whether it has channels, groups and a batch."""

    rank: int
    channelled: bool = False

    @property
    def axes(self) -> tuple[AxisSizes, ...]:
        return axes(self.rank)

    def spatial(self, name: str) -> tuple[Symbol, ...]:
        """One symbol per axis: ``y`` in rank 1, ``y1, y2`` (``y'_1, y'_2`` when primed) above."""
        glue = "_" if name.endswith("'") else ""
        return tuple(integer(f"{name}{glue if sfx else ''}{sfx}") for sfx in suffixes(self.rank))

    def lengths(self, base) -> tuple:
        """The spatial lengths of a tensor: ``n`` (X), ``K`` (F), ``O`` (G)."""
        field = {X: "n", F: "k", G: "O"}[base]
        return tuple(getattr(z, field) for z in self.axes)

    def coordinates(self) -> dict:
        """For each tensor, the symbols of one of its elements (channels by Euclidean division)."""
        c = CHANNELS
        spatial = {base: self.spatial(name) for base, name in SPATIAL.items()}
        if not self.channelled:
            return spatial
        return {
            G: (integer("n_G"), _split("G", c.cg_out)) + spatial[G],
            F: (_split("F", c.cg_out), integer("c_F")) + spatial[F],
            X: (integer("n_X"), _split("X", c.cg_in)) + spatial[X],
        }

    def element(self, gradient: str) -> tuple:
        """The element of ``gradient`` the theorem is about: dL/dX[nu, c, i], dL/dF[o, kappa, t], dL/db[o]."""
        spatial = self.spatial(ELEMENT[gradient]) if ELEMENT[gradient] else ()
        if gradient == "dL/db":
            return (_split("o", CHANNELS.cg_out),)
        if not self.channelled:
            return spatial
        if gradient == "dL/dX":
            return (integer("nu"), _split("c", CHANNELS.cg_in)) + spatial
        return (_split("o", CHANNELS.cg_out), integer("kappa")) + spatial

    def boxes(self, gradient: str, bases) -> dict:
        """The range of every coordinate symbol of ``bases`` and of ``gradient``'s element."""
        out = {}
        for base in bases:
            out.update(_boxes(self.coordinates()[base], self._shape(base)))
        out.update(_boxes(self.element(gradient), self._shape(_GRADIENT_OF[gradient])))
        return out

    def _shape(self, base) -> tuple:
        """Per index: its length, or ``(groups, per group)`` for a channel written by Euclidean division."""
        c = CHANNELS
        lead = {X: ((c.batch,), ((c.g, c.cg_in),)), F: (((c.g, c.cg_out),), (c.cg_in,)),
                G: ((c.batch,), ((c.g, c.cg_out),)), B: (((c.g, c.cg_out),), ())}[base]
        if base == B:
            return lead[0]
        return (lead[0] + lead[1] if self.channelled else ()) + self.lengths(base)


_GRADIENT_OF = {"dL/dX": X, "dL/dF": F, "dL/db": B}


def _split(name: str, per_group) -> sympy.Expr:
    return integer(f"p_{name}") * per_group + integer(f"j_{name}")


def _boxes(symbols: tuple, shape: tuple) -> dict:
    """``[0, length - 1]`` for a plain index; group ``[0, g-1]`` and slot ``[0, M-1]`` for a split one."""
    out = {}
    for e, size in zip(symbols, shape):
        if isinstance(size, tuple):
            groups, per_group = size
            p, j = sorted(sympy.sympify(e).free_symbols - {per_group}, key=lambda v: v.name[0] == "j")
            out[p], out[j] = (0, groups - 1), (0, per_group - 1)
        else:
            out[e] = (0, size - 1)
    return out
