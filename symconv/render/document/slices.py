"""The part of a tensor the document's matrices and pictures show: sample 0, channel 0."""

from __future__ import annotations

import numpy as np
import sympy

from ...derivation.index_operators import pad
from ...derivation.lazy import ElementGrid
from ...derivation.symbols import element


def first_slice(base: sympy.IndexedBase, shape: tuple[int, ...], rank: int, padding=None) -> ElementGrid:
    """The spatial slice of a tensor at sample 0, channel 0 (the whole tensor without channels),
    zero-padded by ``padding`` if given; its elements are made when read."""
    lead, spatial = shape[: len(shape) - rank], shape[len(shape) - rank :]
    numbers = np.arange(int(np.prod(spatial)), dtype=np.int64).reshape(spatial)
    numbers = numbers if padding is None else pad(numbers, padding)
    return ElementGrid(numbers, lambda i: sympy.S.Zero if i < 0 else element(base, (0,) * len(lead) + tuple(
        int(v) for v in np.unravel_index(i, spatial))))


def first_slice_name(name: str, lead: int) -> str:
    """``X`` with a superscript ``(1,1)`` naming the first sample and channel when there are ``lead`` such axes."""
    return name + ("^{(%s)}" % ",".join("1" * lead) if lead else "")
