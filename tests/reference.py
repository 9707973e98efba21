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


# -- channel layout (PyTorch): X (N, C_in, *I), F (C_out, C_in/g, *K), G (N, C_out, *O), b (C_out,) --
#
#     O[n, o, y] = b[o] + sum_{c' < C_in/g} sum_k F[o, c', k] * X[n, (o // (C_out/g)) * (C_in/g) + c', s*y + d*k - lo]
#
# and, by the chain rule on that loop, for every (n, o, c', y, k) whose read lies inside X:
#
#     dF[o, c', k] += G[n, o, y] * X[n, c, i]
#     dX[n, c, i]  += G[n, o, y] * F[o, c', k]
#     db[o]        += G[n, o, y]          (once per (n, o, y))
#
# ``spec`` additionally needs ``c_in``, ``c_out`` and ``n_groups`` (a ``symconv.ConvSpec`` has
# them); the group arithmetic is done here, not asked of the spec.


def _channel_counts(spec):
    c_in, c_out, groups = spec.c_in, spec.c_out, spec.n_groups
    if c_in % groups or c_out % groups:
        raise ValueError(f"reference: {groups} groups do not divide {c_in} -> {c_out} channels")
    return c_in, c_out, groups, c_in // groups, c_out // groups


def _check_batched(name, a, shape):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 1 + len(shape) or a.shape[1:] != tuple(shape):
        raise ValueError(f"reference: {name} must have shape (N, {', '.join(map(str, shape))}); got {a.shape}")
    return a


def _channel_pairs(spec, n_batch):
    """Every ``(n, o, c', c, y, k, i)`` with ``c`` the channel slot ``c'`` of ``o`` reads, ``i`` inside X."""
    _c_in, c_out, _g, cg_in, cg_out = _channel_counts(spec)
    spatial = list(_pairs(spec))
    for n in range(n_batch):
        for o in range(c_out):
            for slot in range(cg_in):
                c = (o // cg_out) * cg_in + slot
                for y, k, i in spatial:
                    yield n, o, slot, c, y, k, i


def forward_channels(X, F, spec, b=None) -> np.ndarray:
    """``O[n, o, y] = b[o] + sum_{c', k} F[o, c', k] * X[n, c(o, c'), s*y + d*k - lo]`` by loops."""
    c_in, c_out, _g, cg_in, _cg_out = _channel_counts(spec)
    X = _check_batched("X", X, (c_in,) + tuple(spec.input))
    F = _check("F", F, (c_out, cg_in) + tuple(spec.filter))
    out = output_shape(spec)
    O = np.zeros((X.shape[0], c_out) + out)
    for n, o, slot, c, y, k, i in _channel_pairs(spec, X.shape[0]):
        O[(n, o) + y] += F[(o, slot) + k] * X[(n, c) + i]
    if b is not None:
        b = _check("b", b, (c_out,))
        for n in range(X.shape[0]):
            for o in range(c_out):
                for y in itertools.product(*map(range, out)):
                    O[(n, o) + y] += b[o]
    return O


def grad_filter_channels(X, G, spec) -> np.ndarray:
    """dL/dF by the chain rule: ``dF[o, c', k] += G[n, o, y] * X[n, c(o, c'), i]`` (sums over n)."""
    c_in, c_out, _g, cg_in, _cg_out = _channel_counts(spec)
    X = _check_batched("X", X, (c_in,) + tuple(spec.input))
    G = _check_batched("G", G, (c_out,) + output_shape(spec))
    if X.shape[0] != G.shape[0]:
        raise ValueError(f"reference: X and G batch sizes differ: {X.shape[0]} and {G.shape[0]}")
    dF = np.zeros((c_out, cg_in) + tuple(spec.filter))
    for n, o, slot, c, y, k, i in _channel_pairs(spec, X.shape[0]):
        dF[(o, slot) + k] += G[(n, o) + y] * X[(n, c) + i]
    return dF


def grad_input_channels(F, G, spec) -> np.ndarray:
    """dL/dX by the chain rule: ``dX[n, c(o, c'), i] += G[n, o, y] * F[o, c', k]`` (per sample)."""
    c_in, c_out, _g, cg_in, _cg_out = _channel_counts(spec)
    F = _check("F", F, (c_out, cg_in) + tuple(spec.filter))
    G = _check_batched("G", G, (c_out,) + output_shape(spec))
    dX = np.zeros((G.shape[0], c_in) + tuple(spec.input))
    for n, o, slot, c, y, k, i in _channel_pairs(spec, G.shape[0]):
        dX[(n, c) + i] += G[(n, o) + y] * F[(o, slot) + k]
    return dX


def grad_bias_channels(G, spec) -> np.ndarray:
    """dL/db by the chain rule: ``db[o] += G[n, o, y]`` for every sample and output position."""
    _c_in, c_out, _g, _cg_in, _cg_out = _channel_counts(spec)
    out = output_shape(spec)
    G = _check_batched("G", G, (c_out,) + out)
    db = np.zeros(c_out)
    for n in range(G.shape[0]):
        for o in range(c_out):
            for y in itertools.product(*map(range, out)):
                db[o] += G[(n, o) + y]
    return db
