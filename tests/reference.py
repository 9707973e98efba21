"""Plain-loop NumPy references for one convolution layer, for a single unbatched sample.

Written only from the forward definition (deep-learning convolution = cross-correlation,
0-based, per axis)::

    O[y] = sum_k F[k] * X[s*y + d*k - lo]      (X is 0 outside its bounds)

The gradients are the chain rule applied to that same loop: for every output ``y`` and
tap ``k`` whose read position ``i`` lies inside X,

    dF[k] += G[y] * X[i]
    dX[i] += G[y] * F[k]

No closed forms, no padding, no rotation: deliberately slow and obviously right.
``spec`` is anything with tuple attributes ``input``, ``filter``, ``stride``,
``dilation`` and ``padding`` (``((lo, hi), ...)``), e.g. a ``symconv.ConvSpec``.
"""

from __future__ import annotations

import itertools

import numpy as np


def output_shape(spec) -> tuple[int, ...]:
    """``O = floor((I + lo + hi - d(K-1) - 1) / s) + 1`` per axis."""
    return tuple(
        (i + lo + hi - d * (k - 1) - 1) // s + 1
        for i, k, s, d, (lo, hi) in zip(spec.input, spec.filter, spec.stride, spec.dilation, spec.padding)
    )


def _reads(spec, y, k):
    """Input position read by output ``y`` through tap ``k``: ``s*y + d*k - lo``."""
    return tuple(
        s * yy + d * kk - lo
        for s, yy, d, kk, (lo, _hi) in zip(spec.stride, y, spec.dilation, k, spec.padding)
    )


def _inside(spec, i) -> bool:
    """Whether ``i`` is a real input position (not padding)."""
    return all(0 <= ii < n for ii, n in zip(i, spec.input))


def _pairs(spec):
    """Every ``(y, k, i)`` with ``i = s*y + d*k - lo`` inside X."""
    outputs = itertools.product(*map(range, output_shape(spec)))
    for y in outputs:
        for k in itertools.product(*map(range, spec.filter)):
            i = _reads(spec, y, k)
            if _inside(spec, i):
                yield y, k, i


def _check(name, a, shape):
    a = np.asarray(a, dtype=np.float64)
    if a.shape != tuple(shape):
        raise ValueError(f"reference: {name} must have shape {tuple(shape)}; got {a.shape}")
    return a


def forward(X, F, spec) -> np.ndarray:
    """``O[y] = sum_k F[k] * X[s*y + d*k - lo]`` by explicit loops (float64)."""
    X = _check("X", X, spec.input)
    F = _check("F", F, spec.filter)
    O = np.zeros(output_shape(spec))
    for y, k, i in _pairs(spec):
        O[y] += F[k] * X[i]
    return O


def grad_filter(X, G, spec) -> np.ndarray:
    """dL/dF by the chain rule on the forward loop: ``dF[k] += G[y] * X[i]`` (float64)."""
    X = _check("X", X, spec.input)
    G = _check("G", G, output_shape(spec))
    dF = np.zeros(tuple(spec.filter))
    for y, k, i in _pairs(spec):
        dF[k] += G[y] * X[i]
    return dF


def grad_input(F, G, spec) -> np.ndarray:
    """dL/dX by the chain rule on the forward loop: ``dX[i] += G[y] * F[k]`` (float64)."""
    F = _check("F", F, spec.filter)
    G = _check("G", G, output_shape(spec))
    dX = np.zeros(tuple(spec.input))
    for y, k, i in _pairs(spec):
        dX[i] += G[y] * F[k]
    return dX


def read_positions(spec) -> set:
    """Every input position that some output reads through some tap."""
    return {i for _y, _k, i in _pairs(spec)}
