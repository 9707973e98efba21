"""The part of a tensor the document's matrices and pictures show: sample 0, channel 0."""

from __future__ import annotations

import numpy as np
import sympy

from ...derivation.operators import tensor


def first_slice(base: sympy.IndexedBase, shape: tuple[int, ...], rank: int) -> np.ndarray:
    """The spatial slice of a tensor at sample 0, channel 0 (the whole tensor without channels)."""
    return tensor(base, shape).reshape((-1,) + shape[len(shape) - rank :])[0]


def first_slice_name(name: str, lead: int) -> str:
    """``X`` with a superscript ``(1,1)`` naming the first sample and channel when there are ``lead`` such axes."""
    return name + ("^{(%s)}" % ",".join("1" * lead) if lead else "")
