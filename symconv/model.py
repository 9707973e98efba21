"""Symbolic tensors and the forward pass, element by element.

``X`` (input), ``F`` (filter), ``G`` (``dL/dO``, the gradient arriving from the next
layer) and ``b`` (bias) are SymPy ``IndexedBase`` objects, so one element is
``X[1, 2]``: it prints as ``X_{23}`` in a document and ``X[1, 2]`` in code. Indices
are 0-based; with channels or a batch they lead, PyTorch-style (``X[n, c, i, j]``).

    O[n, o, y] = b[o] + sum_{c' < C_in/g} sum_k F[o, c', k] * X[n, c(o, c'), s*y + d*k - lo]

over the taps whose position lies in the real input; padding positions are zeros and
contribute no term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy
from sympy import Expr, IndexedBase

from .spec import ConvSpec, Index

X = IndexedBase("X")
F = IndexedBase("F")
G = IndexedBase("G")
B = IndexedBase("b")


@dataclass(frozen=True)
class Window:
    """What output element ``output`` reads: ``taps[j]`` of F multiplies ``positions[j]`` of X."""

    output: Index
    taps: tuple[Index, ...]
    positions: tuple[Index, ...]
    bias: Optional[Index] = None

    @property
    def expr(self) -> Expr:
        """``O`` at this element as a SymPy sum of products (plus the bias, if any)."""
        products = (X[i] * F[k] for k, i in zip(self.taps, self.positions))
        return sympy.Add(*(() if self.bias is None else (B[self.bias],)), *products)


@dataclass(frozen=True)
class Model:
    """The forward pass of one spec: a window per output element, row-major."""

    spec: ConvSpec
    windows: tuple[Window, ...]

    def forward(self) -> dict[Index, Expr]:
        """``{output element: O}`` for every output element."""
        return {w.output: w.expr for w in self.windows}


def build_model(spec: ConvSpec) -> Model:
    """Build the forward expression of every output element of ``spec``."""
    return Model(spec, tuple(_window(spec, n, o, y) for n, o, y in spec.output_elements()))


def _window(spec: ConvSpec, n: int, o: int, y: Index) -> Window:
    pairs = [
        (spec.f_element(o, slot, k), spec.x_element(n, spec.channel_read(o, slot), i))
        for slot in range(spec.cg_in)
        for k, i in ((k, spec.reads(y, k)) for k in spec.taps())
        if spec.in_input(i)
    ]
    bias = (o,) if spec.bias else None
    return Window(spec.g_element(n, o, y), tuple(k for k, _ in pairs), tuple(i for _, i in pairs), bias)
