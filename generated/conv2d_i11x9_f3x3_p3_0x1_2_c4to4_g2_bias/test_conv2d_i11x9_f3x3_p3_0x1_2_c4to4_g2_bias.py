"""Tests of the generated kernel conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias, shipped beside it by symconv 0.1.0.

They check the kernel three ways, independently of how it was generated:
a plain-loop reference written from the definition of the layer, finite differences
along random directions, and the dot-product (adjoint) test
<forward(X, F), G> = <X, grad_input(F, G)> = <F, grad_filter(X, G)>.
Every tolerance is derived, not chosen: see error_bound.
They need numpy and pytest only: python -m pytest test_conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias.py
"""

from __future__ import annotations

import itertools
import math

import numpy as np

import conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias as kernel

CHANNELLED = True
BIAS = True
INPUT_SHAPE = (11, 9)
KERNEL_SHAPE = (3, 3)
OUTPUT_SHAPE = (12, 10)
STRIDE = (1, 1)
DILATION = (1, 1)
PADDING = ((3, 0), (1, 2))
C_IN, C_OUT, GROUPS = 4, 4, 2
BATCH = 2

# The rounding-error model of the winograd strategy, which laid out this kernel: every element
# of an op(a, b) is within gamma(R) * W * max|a| * max|b| of its exact value, with R the most
# successive roundings on the path to the element and W the growth of the computation run on
# absolute values (Higham, Accuracy and Stability of Numerical Algorithms, 2002, 3.1 and Lemma 3.3).
# Here: grad_input by Winograd F(4x4, 3x3) tiles: 36 roundings on a tile's path (U = G g G^T, V = B^T d B, A^T M A, two products each, constants rounded) plus the channel sum; growth 2304 per channel pair (the tile computed on absolute values, derivation.winograd.magnitude_growth), where the direct sum's is 9; forward (2 channels x 9 taps) and grad_filter are gemm's direct sums.
FORWARD_ERROR = (18, 18)  # (R, W)
GRAD_INPUT_ERROR = (38, 4608)
GRAD_FILTER_ERROR = (120 * BATCH, 120 * BATCH)  # sums over the batch too
# The plain-loop reference below: one sequential sum of C_in/g x taps products per output.
REFERENCE_ERROR = ((C_IN // GROUPS) * math.prod(KERNEL_SHAPE),) * 2


def gamma(roundings: int, dtype: np.dtype) -> float:
    """gamma(R) = R u / (1 - R u), u the unit roundoff of ``dtype``."""
    nu = roundings * np.finfo(dtype).eps / 2
    return nu / (1 - nu)


def error_bound(error: tuple[int, int], dtype: np.dtype, a: np.ndarray, b: np.ndarray,
                bias: np.ndarray | None = None, extra: int = 0) -> float:
    """The largest rounding error of one element of an op of ``a`` and ``b`` computed in ``dtype``:
    gamma(R + extra) * (W * max|a| * max|b| + max|bias|), a bias adding one rounding; ``extra``
    counts the roundings of a sum the result then goes into (R + extra is the combined path)."""
    roundings, growth = error
    magnitude = growth * float(np.abs(a).max()) * float(np.abs(b).max())
    if bias is not None:
        roundings, magnitude = roundings + 1, magnitude + float(np.abs(bias).max())
    return gamma(roundings + extra, dtype) * magnitude


def reference_forward(X: np.ndarray, F: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """O[n, o, y] = b[o] + sum_{c', k} F[o, c', k] * X[n, group(o) C_in/g + c', s*y + d*k - lo].

    Plain loops over the definition; X is 0 outside its bounds. Arrays in (N, C, ...) layout.
    """
    cg_in, cg_out = C_IN // GROUPS, C_OUT // GROUPS
    O = np.zeros((X.shape[0], C_OUT) + OUTPUT_SHAPE)
    for n, o, y in itertools.product(range(X.shape[0]), range(C_OUT), np.ndindex(*OUTPUT_SHAPE)):
        total = 0.0 if b is None else float(b[o])
        for c, k in itertools.product(range(cg_in), np.ndindex(*KERNEL_SHAPE)):
            i = tuple(s * yy + d * kk - lo for s, yy, d, kk, (lo, _) in zip(STRIDE, y, DILATION, k, PADDING))
            if all(0 <= ii < size for ii, size in zip(i, INPUT_SHAPE)):
                total += F[(o, c) + k] * X[(n, (o // cg_out) * cg_in + c) + i]
        O[(n, o) + y] = total
    return O


def as_layer(X: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The kernel's arrays in the reference's (N, C, ...) layout."""
    return (X, F) if CHANNELLED else (X[:, None], F[None, None])


def random_arrays(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, F and G = dL/dO of the kernel's own shapes, asymmetric random data."""
    rng = np.random.default_rng(seed)
    lead = (BATCH, C_IN) if CHANNELLED else (BATCH,)
    out = (BATCH, C_OUT) if CHANNELLED else (BATCH,)
    X = rng.standard_normal(lead + INPUT_SHAPE)
    F = rng.standard_normal(kernel.FILTER_SHAPE)
    G = rng.standard_normal(out + OUTPUT_SHAPE)
    return X, F, G


def loss(X: np.ndarray, F: np.ndarray, G: np.ndarray) -> float:
    return float(np.vdot(kernel.forward(X, F), G))


def assert_forward_matches_the_reference(X: np.ndarray, F: np.ndarray, b: np.ndarray | None = None) -> None:
    """forward(X, F) against the float64 plain-loop reference: within the kernel's error bound in
    its dtype plus the reference's own in float64."""
    X64, F64 = (a.astype(np.float64) for a in as_layer(X, F))
    expected = reference_forward(X64, F64, None if b is None else b.astype(np.float64))
    expected = expected if CHANNELLED else expected[:, 0]
    tolerance = (error_bound(FORWARD_ERROR, X.dtype, X, F, b)
                 + error_bound(REFERENCE_ERROR, np.float64, X64, F64, b))
    assert np.abs(kernel.forward(X, F, *(() if b is None else (b,))) - expected).max() <= tolerance


def test_forward_matches_the_plain_loop_reference():
    X, F, _ = random_arrays(0)
    assert_forward_matches_the_reference(X, F)


def test_float32_forward_is_within_its_error_bound():
    X, F, _ = (a.astype(np.float32) for a in random_arrays(7))
    assert_forward_matches_the_reference(X, F)


def inner_bound(error: tuple[int, int], a: np.ndarray, b: np.ndarray, other: np.ndarray, shift: int = 0) -> float:
    """The rounding error of <op(a, b), other> in float64: each element's bound (``shift`` more
    roundings: the inputs' own, as X + eps V) on the path through the vdot's sum, times sum|other|."""
    return error_bound(error, np.float64, a, b, extra=other.size + shift) * float(np.abs(other).sum())


def test_gradients_match_finite_differences_along_random_directions():
    """The loss is linear in X and in F, so a central difference has no truncation error: it
    differs from the directional derivative by the loss's rounding errors over eps."""
    X, F, G = random_arrays(1)
    rng = np.random.default_rng(2)
    VX, VF, eps = rng.standard_normal(X.shape), rng.standard_normal(F.shape), 1e-6
    dX = (loss(X + eps * VX, F, G) - loss(X - eps * VX, F, G)) / (2 * eps)
    dF = (loss(X, F + eps * VF, G) - loss(X, F - eps * VF, G)) / (2 * eps)
    loss_x = inner_bound(FORWARD_ERROR, np.abs(X) + eps * np.abs(VX), F, G, shift=2)
    loss_f = inner_bound(FORWARD_ERROR, X, np.abs(F) + eps * np.abs(VF), G, shift=2)
    assert abs(np.vdot(kernel.grad_input(F, G), VX) - dX) <= loss_x / eps + inner_bound(GRAD_INPUT_ERROR, F, G, VX)
    assert abs(np.vdot(kernel.grad_filter(X, G), VF) - dF) <= loss_f / eps + inner_bound(GRAD_FILTER_ERROR, X, G, VF)


def test_dot_product_test():
    X, F, G = random_arrays(3)
    forward, forward_error = np.vdot(kernel.forward(X, F), G), inner_bound(FORWARD_ERROR, X, F, G)
    assert abs(np.vdot(X, kernel.grad_input(F, G)) - forward) <= forward_error + inner_bound(GRAD_INPUT_ERROR, F, G, X)
    assert abs(np.vdot(F, kernel.grad_filter(X, G)) - forward) <= forward_error + inner_bound(GRAD_FILTER_ERROR, X, G, F)


def test_shapes_and_float32_are_kept():
    X, F, G = (a.astype(np.float32) for a in random_arrays(4))
    assert kernel.forward(X, F).shape == G.shape and kernel.forward(X, F).dtype == np.float32
    assert kernel.grad_filter(X, G).shape == F.shape and kernel.grad_filter(X, G).dtype == np.float32
    assert kernel.grad_input(F, G).shape == X.shape and kernel.grad_input(F, G).dtype == np.float32


def test_bias_and_its_gradient():
    X, F, G = random_arrays(5)
    b = np.random.default_rng(6).standard_normal(C_OUT)
    assert_forward_matches_the_reference(X, F, b)
    sums = G.sum(axis=(0,) + tuple(range(2, G.ndim)))  # both sides: sums of BATCH x outputs terms
    assert np.abs(kernel.grad_bias(G) - sums).max() <= 2 * gamma(G[:, 0].size, np.float64) * G[:, 0].size * np.abs(G).max()
