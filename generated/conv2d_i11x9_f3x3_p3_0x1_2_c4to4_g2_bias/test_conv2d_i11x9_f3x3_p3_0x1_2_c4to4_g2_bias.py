"""Tests of the generated kernel conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias, shipped beside it by symconv 0.1.0.

They check the kernel three ways, independently of how it was generated:
a plain-loop reference written from the definition of the layer, finite differences
along random directions, and the dot-product (adjoint) test
<forward(X, F), G> = <X, grad_input(F, G)> = <F, grad_filter(X, G)>.
They need numpy and pytest only: python -m pytest test_conv2d_i11x9_f3x3_p3_0x1_2_c4to4_g2_bias.py
"""

from __future__ import annotations

import itertools

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


def test_forward_matches_the_plain_loop_reference():
    X, F, _ = random_arrays(0)
    expected = reference_forward(*as_layer(X, F))
    np.testing.assert_allclose(kernel.forward(X, F), expected if CHANNELLED else expected[:, 0], rtol=1e-12, atol=1e-12)


def test_gradients_match_finite_differences_along_random_directions():
    X, F, G = random_arrays(1)
    rng = np.random.default_rng(2)
    VX, VF, eps = rng.standard_normal(X.shape), rng.standard_normal(F.shape), 1e-6
    dX = (loss(X + eps * VX, F, G) - loss(X - eps * VX, F, G)) / (2 * eps)
    dF = (loss(X, F + eps * VF, G) - loss(X, F - eps * VF, G)) / (2 * eps)
    np.testing.assert_allclose(np.vdot(kernel.grad_input(F, G), VX), dX, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.vdot(kernel.grad_filter(X, G), VF), dF, rtol=1e-6, atol=1e-8)


def test_dot_product_test():
    X, F, G = random_arrays(3)
    forward = np.vdot(kernel.forward(X, F), G)
    np.testing.assert_allclose(np.vdot(X, kernel.grad_input(F, G)), forward, rtol=1e-10)
    np.testing.assert_allclose(np.vdot(F, kernel.grad_filter(X, G)), forward, rtol=1e-10)


def test_shapes_and_float32_are_kept():
    X, F, G = (a.astype(np.float32) for a in random_arrays(4))
    assert kernel.forward(X, F).shape == G.shape and kernel.forward(X, F).dtype == np.float32
    assert kernel.grad_filter(X, G).shape == F.shape and kernel.grad_filter(X, G).dtype == np.float32
    assert kernel.grad_input(F, G).shape == X.shape and kernel.grad_input(F, G).dtype == np.float32


def test_bias_and_its_gradient():
    X, F, G = random_arrays(5)
    b = np.random.default_rng(6).standard_normal(C_OUT)
    np.testing.assert_allclose(kernel.forward(X, F, b), reference_forward(X, F, b), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernel.grad_bias(G), G.sum(axis=(0,) + tuple(range(2, G.ndim))), rtol=1e-12)
