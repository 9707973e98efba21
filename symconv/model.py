"""Symbolic tensors and the forward pass, element by element.

``X`` (input), ``F`` (filter) and ``G`` (``dL/dO``, the gradient arriving from the
next layer) are SymPy ``IndexedBase`` objects, so one element is ``X[1, 2]``: it
prints as ``X_{23}`` in a document and ``X[1, 2]`` in code. Indices are 0-based.

``O[y] = sum_k F[k] * X[s*y + d*k - lo]`` over the taps whose position lies in the
real input; padding positions are zeros and contribute no term.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, IndexedBase

from .spec import ConvSpec, Index

X = IndexedBase("X")
F = IndexedBase("F")
G = IndexedBase("G")


@dataclass(frozen=True)
class Window:
    """What output ``y`` reads: ``taps[j]`` of F multiplies ``positions[j]`` of X."""

    output: Index
    taps: tuple[Index, ...]
    positions: tuple[Index, ...]

    @property
    def expr(self) -> Expr:
        """``O_y`` as a SymPy sum of products."""
        return sympy.Add(*(X[i] * F[k] for k, i in zip(self.taps, self.positions)))


@dataclass(frozen=True)
class Model:
    """The forward pass of one spec: a window per output element, row-major."""

    spec: ConvSpec
    windows: tuple[Window, ...]

    def forward(self) -> dict[Index, Expr]:
        """``{y: O_y}`` for every output element."""
        return {w.output: w.expr for w in self.windows}


def build_model(spec: ConvSpec) -> Model:
    """Build the forward expression of every output element of ``spec``."""
    return Model(spec, tuple(_window(spec, y) for y in spec.output_positions()))


def _window(spec: ConvSpec, y: Index) -> Window:
    pairs = [(k, spec.reads(y, k)) for k in spec.taps()]
    inside = [(k, i) for k, i in pairs if spec.in_input(i)]
    return Window(y, tuple(k for k, _ in inside), tuple(i for _, i in inside))
