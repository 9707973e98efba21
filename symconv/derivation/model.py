"""The forward pass, element by element.

    O[n, o, y] = b[o] + sum_{c' < C_in/g} sum_k F[o, c', k] * X[n, c(o, c'), s*y + d*k - lo]

over the taps whose position lies in the real input; padding positions are zeros and
contribute no term.

The model holds where every window reads as index arrays (:class:`Reads`, ``layer.axis.read``
on arrays), which the chain rule works on; a window as a SymPy object (:class:`Window`) is built
from the same formulas when it is asked for (``Model.windows``, ``Model.forward``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import sympy
from sympy import Expr

from ..layer import ConvSpec, Index
from ..layer import axis, layout
from .lazy import LazyMapping, LazySequence
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
class Reads:
    """Where output position ``y`` reads through spatial tap ``k``, for every sample and channel
    alike: ``inside[y, k]`` (a real input position, not padding) and ``position[y, k]`` (its
    row-major number in the input; 0 where ``inside`` is false). ``y`` and ``k`` are row-major."""

    position: np.ndarray
    inside: np.ndarray

    @classmethod
    def of(cls, spec: ConvSpec) -> "Reads":
        y = np.indices(spec.output).reshape(spec.rank, -1)
        k = np.indices(spec.filter).reshape(spec.rank, -1)
        reads = [axis.read(yy[:, None], kk[None, :], s, d, lo)
                 for yy, kk, s, d, (lo, _) in zip(y, k, spec.stride, spec.dilation, spec.padding)]
        inside = np.logical_and.reduce([(r >= 0) & (r < n) for r, n in zip(reads, spec.input)])
        position = np.ravel_multi_index([np.where(inside, r, 0) for r in reads], spec.input)
        return cls(position, inside)


@dataclass(frozen=True)
class Model:
    """The forward pass of one spec: where its windows read, and each window on demand (row-major)."""

    spec: ConvSpec
    reads: Reads

    @property
    def windows(self) -> LazySequence:
        """Every output element's :class:`Window`, in the order of ``G``'s elements."""
        keys = LazyMapping(self.spec.g_shape, self.window)
        return LazySequence(len(keys), lambda i: self.window(keys.key_at(i)))

    def window(self, output: Index) -> Window:
        """The window of the output element ``output`` (an index of ``spec.g_shape``)."""
        return _window(self.spec, *_output_parts(self.spec, output))

    def forward(self) -> LazyMapping:
        """``{output element: O}`` for every output element."""
        return LazyMapping(self.spec.g_shape, lambda y: self.window(y).expr)


def build_model(spec: ConvSpec) -> Model:
    """Where every window of ``spec`` reads."""
    return Model(spec, Reads.of(spec))


def _output_parts(spec: ConvSpec, output: Index) -> tuple[int, int, Index]:
    """``(n, o, y)`` of an output element index (sample and channel 0 where the layout has none)."""
    lead = len(output) - spec.rank
    n = output[0] if spec.batched else 0
    o = output[lead - 1] if spec.channelled else 0
    return n, o, tuple(output[lead:])


def _window(spec: ConvSpec, n: int, o: int, y: Index) -> Window:
    pairs = [
        (layout.f_element(spec, o, slot, k), layout.x_element(spec, n, layout.channel_read(spec, o, slot), i))
        for slot in range(spec.cg_in)
        for k, i in ((k, layout.reads(spec, y, k)) for k in layout.elements(spec.filter))
        if layout.in_input(spec, i)
    ]
    bias = (o,) if spec.bias else None
    return Window(layout.g_element(spec, n, o, y), tuple(k for k, _ in pairs), tuple(i for _, i in pairs), bias)


def window_count(spec: ConvSpec) -> int:
    """How many windows (output elements) ``spec`` has."""
    return math.prod(spec.g_shape)
