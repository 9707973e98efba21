"""One integer per element of X, F, G and b, and one for the constant 1: the names both sides of
the proof use on index arrays, as they share the SymPy elements of ``symbols.py``.

    -1 zero (no factor) | 0 the constant 1 | G elements | X elements | F elements | b elements

Each tensor's elements are numbered row-major in its element layout (``ConvSpec.x_shape`` and
so on), after the tensors before it. G comes first so that a product ``G[y] * X[i]`` or
``G[y] * F[k]``, stored with its smaller number first, starts with its G factor, and
``G[y] * 1`` with the 1.

Examples:
    >>> from symconv.layer import ConvSpec
    >>> ids = Numbering.of(ConvSpec.parse("3x3", "2x2"))
    >>> ids.offset["G"], ids.offset["X"], ids.offset["F"], ids.count
    (1, 5, 14, 18)
    >>> ids.expr(5), ids.expr(17), ids.expr(0), ids.expr(ZERO)
    (X[0, 0], F[1, 1], 1, 0)
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import sympy

from ..layer import ConvSpec, Index, Shape
from .symbols import B, F, G, X, element

ZERO = -1  # an entry that is 0: no element
ONE = 0  # the constant 1 (the factor of dL/db's terms)
ORDER = ("G", "X", "F", "b")
BASES = {"G": G, "X": X, "F": F, "b": B}


@dataclass(frozen=True)
class Numbering:
    """Where each tensor's numbers start (``offset``) and its element layout (``layouts``)."""

    offset: dict[str, int]
    layouts: dict[str, Shape]
    count: int

    @classmethod
    def of(cls, spec: ConvSpec) -> "Numbering":
        layouts = {"G": spec.g_shape, "X": spec.x_shape, "F": spec.f_shape, "b": spec.b_shape or (0,)}
        offset, start = {}, ONE + 1
        for name in ORDER:
            offset[name] = start
            start += math.prod(layouts[name])
        return cls(offset, layouts, start)

    def ids(self, name: str, shape: Shape) -> np.ndarray:
        """The numbers of every element of tensor ``name``, as an array of ``shape`` (its layout with
        the sample and channel axes it leaves out put back as axes of length 1)."""
        size = math.prod(self.layouts[name])
        return np.arange(self.offset[name], self.offset[name] + size, dtype=np.int64).reshape(shape)

    def element(self, number: int) -> tuple[str, Index]:
        """The tensor and the index of element ``number`` (not ZERO or ONE)."""
        name = ORDER[bisect.bisect_right([self.offset[n] for n in ORDER], number) - 1]
        return name, tuple(int(v) for v in np.unravel_index(number - self.offset[name], self.layouts[name]))

    def expr(self, number: int) -> sympy.Expr:
        """The SymPy element numbered ``number`` (0 for ZERO, 1 for ONE), made once per element."""
        if number == ZERO:
            return sympy.S.Zero
        if number == ONE:
            return sympy.S.One
        name, index = self.element(int(number))
        return element(BASES[name], index)
