"""The forward pass, element by element.

    O[n, o, y] = b[o] + sum_{c' < C_in/g} sum_k F[o, c', k] * X[n, c(o, c'), s*y + d*k - lo]

over the taps whose position lies in the real input; padding positions are zeros and
contribute no term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy
from sympy import Expr

from ..layer import ConvSpec, Index
from ..layer import layout
from .symbols import B, F, X, element, product, total


@dataclass(frozen=True, slots=True)
class Window:
    """What output element ``output`` reads: ``taps[j]`` of F multiplies ``positions[j]`` of X."""

    output: Index
    taps: tuple[Index, ...]
    positions: tuple[Index, ...]
    bias: Optional[Index] = None

    @property
    def expr(self) -> Expr:
        """``O`` at this element as a SymPy sum of products (plus the bias, if any)."""
        products = [product(element(X, i), element(F, k)) for k, i in zip(self.taps, self.positions)]
        if self.bias is None:
            return total(products)
        return sympy.Add(element(B, self.bias), *products)


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
    return Model(spec, tuple(_window(spec, n, o, y) for n, o, y in layout.output_elements(spec)))


def _window(spec: ConvSpec, n: int, o: int, y: Index) -> Window:
    pairs = [
        (layout.f_element(spec, o, slot, k), layout.x_element(spec, n, layout.channel_read(spec, o, slot), i))
        for slot in range(spec.cg_in)
        for k, i in ((k, layout.reads(spec, y, k)) for k in layout.elements(spec.filter))
        if layout.in_input(spec, i)
    ]
    bias = (o,) if spec.bias else None
    return Window(layout.g_element(spec, n, o, y), tuple(k for k, _ in pairs), tuple(i for _, i in pairs), bias)
