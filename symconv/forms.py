"""The closed forms: both gradients as convolution-type operations.

Built from their own definitions on arrays of symbols, without looking at the
chain-rule expansions (``prove`` compares the two):

    dL/dF = corr(pad(X, lo, hi - r), G; window stride d, kernel dilation s)
    dL/dX = corr(pad(dilate_s(G), d(K-1) - lo, d(K-1) - hi + r), rot180(F); stride 1, dilation d)

With stride 1, dilation 1 and no padding these are the tutorial's results: dL/dF is
the valid correlation of X with dL/dO, and dL/dX the full correlation of the
zero-padded dL/dO with the filter rotated by 180 degrees (= full convolution with F).
See ``conv-gradients.md`` section 4 for the general case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from .model import F, G, X
from .spec import ConvSpec, Padding, Shape


@dataclass(frozen=True)
class ClosedForms:
    """Both closed forms as object arrays of SymPy expressions, with their operands.

    ``g_padded`` and ``filter_rotated`` are the operands of the dL/dX correlation and
    ``x_padded``/``g_dilated`` those of the dL/dF correlation, kept for documents.
    """

    filter: np.ndarray
    input: np.ndarray
    x_padded: np.ndarray
    g_dilated: np.ndarray
    g_padded: np.ndarray
    filter_rotated: np.ndarray


def closed_forms(spec: ConvSpec) -> ClosedForms:
    """Build dL/dF and dL/dX for ``spec`` from the convolution definitions above."""
    x, f, g = tensor(X, spec.input), tensor(F, spec.filter), tensor(G, spec.output)
    g_dilated = dilate(g, spec.stride)
    x_padded = pad(x, spec.grad_filter_padding)
    g_padded = pad(g_dilated, spec.grad_input_padding)
    f_rotated = rot180(f)
    return ClosedForms(
        filter=correlate(x_padded, g, stride=spec.dilation, dilation=spec.stride),
        input=correlate(g_padded, f_rotated, stride=(1,) * spec.rank, dilation=spec.dilation),
        x_padded=x_padded,
        g_dilated=g_dilated,
        g_padded=g_padded,
        filter_rotated=f_rotated,
    )


def tensor(base: sympy.IndexedBase, shape: Shape) -> np.ndarray:
    """An object array whose element ``i`` is ``base[i]``."""
    out = np.empty(shape, dtype=object)
    for i in np.ndindex(*shape):
        out[i] = base[i]
    return out


def zeros(shape: Shape) -> np.ndarray:
    """An object array of SymPy zeros."""
    out = np.empty(shape, dtype=object)
    out.fill(sympy.S.Zero)
    return out


def dilate(a: np.ndarray, step: Shape) -> np.ndarray:
    """Insert ``step-1`` zeros between neighbours: length ``n`` becomes ``step(n-1)+1``."""
    out = zeros(tuple(s * (n - 1) + 1 for s, n in zip(step, a.shape)))
    out[tuple(slice(None, None, s) for s in step)] = a
    return out


def pad(a: np.ndarray, widths: Padding) -> np.ndarray:
    """Add ``lo`` zeros before and ``hi`` after each axis; a negative width crops."""
    kept = a[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, a.shape))]
    out = zeros(tuple(max(lo, 0) + n + max(hi, 0) for (lo, hi), n in zip(widths, kept.shape)))
    out[tuple(slice(max(lo, 0), max(lo, 0) + n) for (lo, _), n in zip(widths, kept.shape))] = kept
    return out


def rot180(a: np.ndarray) -> np.ndarray:
    """Reverse every axis (for a 2-D filter: rotate by 180 degrees)."""
    return a[tuple(slice(None, None, -1) for _ in a.shape)]


def correlate(a: np.ndarray, b: np.ndarray, stride: Shape, dilation: Shape) -> np.ndarray:
    """Valid cross-correlation ``out[z] = sum_m a[stride*z + dilation*m] * b[m]``."""
    shape = tuple(
        max((n - d * (k - 1) - 1) // s + 1, 0) for n, k, s, d in zip(a.shape, b.shape, stride, dilation)
    )
    out = np.empty(shape, dtype=object)
    taps = list(np.ndindex(*b.shape))
    for z in np.ndindex(*shape):
        reads = ((tuple(s * zz + d * m for s, zz, d, m in zip(stride, z, dilation, tap)), tap) for tap in taps)
        out[z] = sympy.Add(*(a[i] * b[tap] for i, tap in reads if a[i] != 0))
    return out
