"""The operators the closed forms are built from, by their definitions, on object arrays of
SymPy expressions (conv-gradients.md section 4): ``pad`` (a negative width crops), ``dilate``
(``s-1`` zeros between neighbours), ``rot180`` (reverse every axis) and ``correlate`` (valid
cross-correlation with a stride and a dilation), for ``forms.py``; ``index_operators.py``
defines the same on integer index arrays, for the proof and the documents.
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from ..layer import Padding, Shape
from ..layer import axis
from .symbols import element, product, total


def tensor(base: sympy.IndexedBase, shape: Shape) -> np.ndarray:
    """An object array whose element ``i`` is ``base[i]``."""
    out = np.empty(shape, dtype=object)
    for i in np.ndindex(*shape):
        out[i] = element(base, i)
    return out


def zeros(shape: Shape) -> np.ndarray:
    """An object array of SymPy zeros."""
    out = np.empty(shape, dtype=object)
    out.fill(sympy.S.Zero)
    return out


def dilate(a: np.ndarray, step: Shape) -> np.ndarray:
    """Insert ``step-1`` zeros between neighbours: length ``n`` becomes ``step(n-1)+1``."""
    out = zeros(tuple(axis.dilated_length(n, s) for s, n in zip(step, a.shape)))
    out[tuple(slice(None, None, s) for s in step)] = a
    return out


def pad(a: np.ndarray, widths: Padding) -> np.ndarray:
    """Add ``lo`` zeros before and ``hi`` after each axis; a negative width crops.

    Element ``t`` of the result is ``a[t - lo]`` where that exists and 0 elsewhere, so a crop
    larger than the array eats into the padding on the other side.
    """
    shape = tuple(max(axis.padded_length(n, lo, hi), 0) for n, (lo, hi) in zip(a.shape, widths))
    out = zeros(shape)
    src = tuple(slice(max(0, -lo), max(max(0, -lo), min(n, m - lo))) for n, m, (lo, _) in zip(a.shape, shape, widths))
    dst = tuple(slice(s.start + lo, s.stop + lo) for s, (lo, _) in zip(src, widths))
    out[dst] = a[src]
    return out


def rot180(a: np.ndarray) -> np.ndarray:
    """Reverse every axis (for a 2-D filter: rotate by 180 degrees)."""
    return a[tuple(slice(None, None, -1) for _ in a.shape)]  # position m holds axis.rotated(m, k)


def correlate(a: np.ndarray, b: np.ndarray, stride: Shape, dilation: Shape) -> np.ndarray:
    """Valid cross-correlation ``out[z] = sum_m a[stride*z + dilation*m] * b[m]``."""
    shape = tuple(max(axis.correlation_length(n, k, s, d), 0) for n, k, s, d in zip(a.shape, b.shape, stride, dilation))
    terms: list[list] = [[] for _ in range(math.prod(shape))]  # per output, row-major
    if terms and a.size:
        nonzero = np.frompyfunc(lambda v: v != 0, 1, 1)(a).astype(bool)
        for tap in np.ndindex(*b.shape):  # one strided window of a per tap
            if b[tap] == 0:
                continue  # its products are 0
            window = tuple(slice(d * m, d * m + s * (n - 1) + 1, s) for m, s, d, n in zip(tap, stride, dilation, shape))
            for z, (v, keep) in enumerate(zip(a[window].flat, nonzero[window].flat)):
                if keep:
                    terms[z].append(product(v, b[tap]))
    out = np.empty(shape, dtype=object)
    for z, ts in zip(np.ndindex(*shape), terms):
        out[z] = total(ts)
    return out
