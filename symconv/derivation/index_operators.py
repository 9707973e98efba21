"""``pad``, ``dilate``, ``rot180`` and ``correlate`` by their definitions (conv-gradients.md
section 4) on integer arrays of element numbers (``ids.py``: ``ZERO`` is a zero entry).

The arrays carry one leading axis per channel pair (or sample) and ``rank`` spatial axes; the
operators act on the spatial ones. ``pad``, ``dilate`` and ``rot180`` only move entries and add
zeros, so their results are again arrays of numbers; ``correlate`` multiplies, and returns its
product terms: for output ``z`` and kernel tap ``m``, the pair ``(a[stride*z + dilation*m], b[m])``
whenever neither is zero.

Examples:
    >>> a = np.array([[7, 8, 9]])
    >>> pad(a, ((1, -1),)).tolist(), dilate(a, (2,)).tolist(), rot180(a, 1).tolist()
    ([[-1, 7, 8]], [[7, -1, 8, -1, 9]], [[9, 8, 7]])
    >>> p = correlate(np.array([[7, 8, 9]]), np.array([[1, 2]]), (1,), (1,))
    >>> p.shape, list(zip(p.z.tolist(), p.a.tolist(), p.b.tolist()))
    ((2,), [(0, 7, 1), (0, 8, 2), (1, 8, 1), (1, 9, 2)])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..layer import Padding, Shape
from ..layer import axis
from .ids import ZERO


def zeros(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, ZERO, dtype=np.int64)


def pad(a: np.ndarray, widths: Padding) -> np.ndarray:
    """``lo`` zeros before and ``hi`` after each spatial axis; a negative width crops.

    Entry ``t`` of the result is ``a[t - lo]`` where that exists, else zero.
    """
    rank = len(widths)
    lead, spatial = a.shape[: a.ndim - rank], a.shape[a.ndim - rank :]
    shape = tuple(max(axis.padded_length(n, lo, hi), 0) for n, (lo, hi) in zip(spatial, widths))
    out = zeros(lead + shape)
    src = tuple(slice(max(0, -lo), max(max(0, -lo), min(n, m - lo))) for n, m, (lo, _) in zip(spatial, shape, widths))
    dst = tuple(slice(s.start + lo, s.stop + lo) for s, (lo, _) in zip(src, widths))
    out[(Ellipsis,) + dst] = a[(Ellipsis,) + src]
    return out


def dilate(a: np.ndarray, step: Shape) -> np.ndarray:
    """``step - 1`` zeros between neighbours on each spatial axis: length ``n`` becomes ``step(n-1)+1``."""
    rank = len(step)
    lead, spatial = a.shape[: a.ndim - rank], a.shape[a.ndim - rank :]
    out = zeros(lead + tuple(axis.dilated_length(n, s) for s, n in zip(step, spatial)))
    out[(Ellipsis,) + tuple(slice(None, None, s) for s in step)] = a
    return out


def rot180(a: np.ndarray, rank: int) -> np.ndarray:
    """Every spatial axis reversed."""
    return a[(Ellipsis,) + (slice(None, None, -1),) * rank]


@dataclass(frozen=True)
class Products:
    """The product terms of a correlation: ``a * b`` at output ``z`` (row-major in ``shape``) of lead ``pair``."""

    shape: Shape
    pair: np.ndarray
    z: np.ndarray
    a: np.ndarray
    b: np.ndarray


def correlate(a: np.ndarray, b: np.ndarray, stride: Shape, dilation: Shape) -> Products:
    """Valid cross-correlation ``out[z] = sum_m a[stride*z + dilation*m] * b[m]`` per lead index.

    Enumerated by outputs and taps (every ``(z, m)``) or, when fewer, by the nonzero entries of
    ``a`` and the taps (every ``(t, m)`` with ``t = stride*z + dilation*m`` for an output ``z``):
    the same sum, term for term.
    """
    rank = len(stride)
    spatial_a, spatial_b = a.shape[a.ndim - rank :], b.shape[b.ndim - rank :]
    shape = tuple(max(axis.correlation_length(n, k, s, d), 0) for n, k, s, d in zip(spatial_a, spatial_b, stride, dilation))
    a, b = a.reshape(-1, math.prod(spatial_a)), b.reshape(-1, math.prod(spatial_b))
    nonzero = np.count_nonzero(a != ZERO)
    if math.prod(shape) == 0 or b.shape[1] == 0:
        empty = np.empty(0, np.int64)
        return Products(shape, empty, empty, empty, empty)
    if math.prod(shape) * a.shape[0] <= nonzero:
        return _by_outputs(a, b, spatial_a, spatial_b, shape, stride, dilation)
    return _by_entries(a, b, spatial_a, spatial_b, shape, stride, dilation)


def _by_outputs(a, b, spatial_a, spatial_b, shape, stride, dilation) -> Products:
    """Every ``(z, m)``: entry ``stride*z + dilation*m`` of ``a`` times ``b[m]``."""
    z, m = np.indices(shape).reshape(len(shape), -1), np.indices(spatial_b).reshape(len(shape), -1)
    reads = [s * zz[:, None] + d * mm[None, :] for zz, mm, s, d in zip(z, m, stride, dilation)]
    left = a[:, np.ravel_multi_index(reads, spatial_a)]  # (pairs, outputs, taps)
    flat = np.flatnonzero((left != ZERO) & (b[:, None, :] != ZERO))
    pair, rest = np.divmod(flat, left.shape[1] * left.shape[2])
    zi, mi = np.divmod(rest, left.shape[2])
    return Products(shape, pair, zi, left.reshape(-1)[flat], b[pair, mi])


def _by_entries(a, b, spatial_a, spatial_b, shape, stride, dilation) -> Products:
    """Every nonzero entry ``t`` of ``a`` and tap ``m`` such that ``t - dilation*m`` is ``stride*z``
    for an output ``z``; taps outermost, so outputs run in order within each tap."""
    pair, t = np.nonzero(a != ZERO)
    small = max(spatial_a) + max(d * k for d, k in zip(dilation, spatial_b)) < 2**31  # offsets fit 32 bits
    dtype = np.int32 if small else np.int64
    position = [p.astype(dtype) for p in np.unravel_index(t, spatial_a)]
    m = np.indices(spatial_b).reshape(len(shape), -1).astype(dtype)
    ok = np.ones((m.shape[1], len(t)), dtype=bool)
    z = []
    for pos, mm, s, d, o in zip(position, m, stride, dilation, shape):
        offset = pos[None, :] - dtype(d) * mm[:, None]  # (taps, entries)
        ok &= (offset >= 0) & (offset % s == 0) & (offset < s * o)
        z.append(offset // s)
    mi, ei = np.nonzero(ok)
    zi = np.ravel_multi_index([zz[mi, ei] for zz in z], shape)
    left, right = a[pair[ei], t[ei]], b[pair[ei], mi]
    keep = right != ZERO
    return Products(shape, pair[ei][keep], zi[keep], left[keep], right[keep])
