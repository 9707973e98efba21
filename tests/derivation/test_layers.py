"""Convolution layers in the general case: channels, groups, bias, batch, and the edge cases of
conv-gradients.md section 6, each checked three ways: the exact proof, the generated kernel
against the plain-loop channel reference (tests/reference.py), and the dot-product test."""

from __future__ import annotations

import functools
import itertools
import math
import re

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symconv
import symconv.cli
import symconv.derivation.forms
import symconv.layer.spec
import symconv.layer.axis
from symconv.layer import layout
from symconv import ConvSpec, SpecError
from symconv.derivation.budget import estimate

import reference as ref
import wrong_forms
from conftest import check_finite_differences
from wrong_forms import break_forms

RTOL = 1e-12
ATOL = 1e-12
N = 2  # samples fed to the kernels (the symbolic derivation may have none)


@functools.lru_cache(maxsize=None)
def _derivation(input, filter, options=()):
    """Derive one spec once per session; ``options`` is a sorted tuple of (name, value) pairs."""
    return symconv.derive(input, filter, **dict(options))


@functools.lru_cache(maxsize=None)
def _derivation_of(spec):
    return symconv.derive(spec)


def _layer(input, filter, **options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    return d, symconv.load_kernel(d)


def _data(spec, seed, batch=N):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, spec.c_in) + tuple(spec.input))
    F = rng.standard_normal((spec.c_out, spec.c_in // spec.n_groups) + tuple(spec.filter))
    G = rng.standard_normal((batch, spec.c_out) + ref.output_shape(spec))
    b = rng.standard_normal(spec.c_out)
    return X, F, G, b


def _close(got, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


def _totals(spec):
    """Elements of dL/dF, dL/dX, dL/db, from the channel counts given to the spec."""
    c_in, c_out, g, n = spec.in_channels or 1, spec.out_channels or 1, spec.groups or 1, spec.batch or 1
    return c_out * (c_in // g) * math.prod(spec.filter), n * c_in * math.prod(spec.input), c_out if spec.bias else 0


def _check_proof(d):
    assert d.proof.holds
    dF, dX, db = _totals(d.spec)
    assert (d.proof.filter.total, d.proof.input.total, d.proof.bias.total) == (dF, dX, db)
    for part in d.proof.parts:
        assert part.proven == part.total and part.failures == ()
    # filter taps that read only padding for every output have no term (and a zero gradient)
    assert d.proof.filter.empty == d.spec.c_out * (d.spec.c_in // d.spec.n_groups) * len(_dead_taps(d.spec))
    assert len(d.proof.parts) == (3 if d.spec.bias else 2)


def _check_adjoint(k, spec, X, F, G, b):
    """<forward(X, F), G> = <X, grad_input(F, G)> = <F, grad_filter(X, G)>; the bias part separately."""
    lhs = np.vdot(k.forward(X, F), G)
    assert np.vdot(X, k.grad_input(F, G)) == pytest.approx(lhs, rel=1e-10, abs=1e-10)
    assert np.vdot(F, k.grad_filter(X, G)) == pytest.approx(lhs, rel=1e-10, abs=1e-10)
    if spec.bias:
        via_b = np.vdot(k.forward(X, F, b) - k.forward(X, F), G)
        assert np.vdot(b, k.grad_bias(G)) == pytest.approx(via_b, rel=1e-10, abs=1e-10)


def _check_kernels(d, k, seed, batch=N):
    """Every kernel against the loop reference, exact shapes, float64, and the dot-product test."""
    spec = d.spec
    X, F, G, b = _data(spec, seed, batch)
    args = (X, F, b) if spec.bias else (X, F)
    O = k.forward(*args)
    dF, dX = k.grad_filter(X, G), k.grad_input(F, G)
    assert O.shape == (batch, spec.c_out) + ref.output_shape(spec)
    assert dF.shape == F.shape == k.FILTER_SHAPE
    assert dX.shape == X.shape == (batch, spec.c_in) + tuple(spec.input)  # never r rows short
    assert O.dtype == dF.dtype == dX.dtype == np.float64
    _close(O, ref.forward_channels(X, F, spec, b if spec.bias else None))
    _close(dF, ref.grad_filter_channels(X, G, spec))
    _close(dX, ref.grad_input_channels(F, G, spec))
    if spec.bias:
        _close(k.grad_bias(G), ref.grad_bias_channels(G, spec))
    _check_adjoint(k, spec, X, F, G, b)
    return X, F, G, b


def _dead_taps(spec):
    """Filter taps that read no real input for any output, from the reference's loops."""
    return set(itertools.product(*map(range, spec.filter))) - {k for _y, k, _i in ref._pairs(spec)}


def _unread(spec):
    """Spatial input positions no (output, tap) reads, from the reference's loops."""
    return set(itertools.product(*map(range, spec.input))) - ref.read_positions(spec)


def _check_unread(d, k, unread, seed):
    """Exactly ``unread`` spatial positions (per sample and channel) have empty expansions and zero dX."""
    spec = d.spec
    assert _unread(spec) == unread
    n = spec.batch or 1
    assert d.proof.input.empty == n * spec.c_in * len(unread)
    for index, expansion in d.expansion_input.items():
        spatial = index[len(index) - spec.rank:]
        assert (len(expansion.terms) == 0) == (spatial in unread), index
        if spatial in unread:
            assert expansion.expr == 0
            assert sympy.expand(d.closed_input[index]) == 0
    X, F, G, _ = _data(spec, seed)
    dX = k.grad_input(F, G)
    for i in itertools.product(*map(range, spec.input)):
        if i in unread:
            assert np.all(dX[(Ellipsis,) + i] == 0.0)  # exactly zero
        else:
            assert np.all(dX[(Ellipsis,) + i] != 0.0)
    # X at unread positions influences nothing.
    X2 = X.copy()
    for i in unread:
        X2[(Ellipsis,) + i] = 1e6
    np.testing.assert_array_equal(k.forward(X2, F), k.forward(X, F))
    np.testing.assert_array_equal(k.grad_filter(X2, G), k.grad_filter(X, G))


# -- the channel reference itself ----------------------------------------------------------


def test_channel_reference_is_a_sum_of_single_channel_references():
    """Sanity of the new reference: with groups, each (o, c') pair is the single-channel loop."""
    spec = ConvSpec((6, 5), (3, 2), (2, 1), (1, 2), ((1, 0), (2, 1)), in_channels=4, out_channels=6, groups=2)
    X, F, G, _ = _data(spec, 1)
    O, dF, dX = ref.forward_channels(X, F, spec), ref.grad_filter_channels(X, G, spec), ref.grad_input_channels(F, G, spec)
    for n, o, slot in itertools.product(range(N), range(6), range(2)):
        c = (o // 3) * 2 + slot  # 3 output, 2 input channels per group
        O[n, o] -= ref.forward(X[n, c], F[o, slot], spec)
        dF[o, slot] -= ref.grad_filter(X[n, c], G[n, o], spec)
        dX[n, c] -= ref.grad_input(F[o, slot], G[n, o], spec)
    _close(O, 0)
    _close(dF, 0)
    _close(dX, 0)


# -- section 6, one test per edge case ---------------------------------------------------


def test_remainder_larger_than_high_padding():
    """6.1: axis 1 has r = 2 > hi = 0 (rows 8, 9 unread); axis 2 has r = 1 = hi (nothing unread)."""
    d, k = _layer("10x8", "3x2", stride="3x2", padding="1:0x0:1", in_channels=2, out_channels=3, bias=True)
    spec = d.spec
    assert spec.output == (3, 4) and spec.remainder == (2, 1)
    assert spec.grad_input_padding == ((2 - 1, 2 - 0 + 2), (1 - 0, 1 - 1 + 1))  # d(K-1) - lo, d(K-1) - hi + r
    assert spec.grad_filter_padding == ((1, -2), (0, 0))  # hi - r < 0 crops the unread rows
    _check_proof(d)
    assert k.INPUT_SHAPE == (10, 8) and k.OUTPUT_SHAPE == (3, 4)
    _check_kernels(d, k, 11)
    _check_unread(d, k, {(i, j) for i in (8, 9) for j in range(8)}, 12)
    assert d.proof.input.empty == 2 * 16


def test_dilated_gradient_has_s_times_o_minus_1_entries(monkeypatch):
    """6.2: dilate_s puts zeros only between elements: O = 3 with s = 3 gives 7 entries, not 9."""
    d, k = _layer("9", "3", stride=3, padding="0:2", in_channels=2, out_channels=2, bias=True)
    spec = d.spec
    assert spec.output == (3,) and spec.remainder == (2,)
    assert spec.dilated_output == (7,)
    assert d.closed.g_dilated.shape == (7,)
    assert d.closed_input.shape == spec.x_shape
    _check_proof(d)
    _check_kernels(d, k, 21)
    break_forms(monkeypatch, wrong_forms.DILATED_TO_S_TIMES_O)
    wrong = symconv.derive("9", "3", stride=3, padding="0:2", in_channels=2, out_channels=2, bias=True)
    assert wrong.closed_input.shape != spec.x_shape  # off by s - 1 = 2 on the high side
    assert wrong.closed_input.shape[-1] == 9 + 2


def test_proof_rejects_a_closed_form_with_extra_elements(monkeypatch):
    """6.2 seen by the proof: the naive s*O dilation gives dL/dX s - 1 extra high-side rows; the
    proof should not report that closed form as equal to the gradient."""
    break_forms(monkeypatch, wrong_forms.DILATED_TO_S_TIMES_O)
    wrong = symconv.derive("9", "3", stride=3, padding="0:2", in_channels=2, out_channels=2)
    assert wrong.closed_input.shape == (2, 11)
    assert not wrong.proof.holds
    assert len(wrong.proof.input.failures) == wrong.proof.input.total


def test_padding_larger_than_kernel_reach():
    """6.3: lo = 3 > d(K-1) = 1 on axis 1 and 2 > 0 on axis 2: lo' and hi' are negative (crop)."""
    d, k = _layer("3x2", "2x1", padding="3:2x2:2", in_channels=2, out_channels=4, groups=2, bias=True)
    spec = d.spec
    assert spec.output == (7, 6)
    assert spec.grad_input_padding == ((1 - 3, 1 - 2), (0 - 2, 0 - 2))
    _check_proof(d)
    X, F, G, b = _check_kernels(d, k, 31)
    # Outputs whose window lies wholly in the padding: axis 1 rows 0, 1, 6; axis 2 columns 0, 1, 4, 5.
    blind = [(y0, y1) for y0 in range(7) for y1 in range(6) if y0 in (0, 1, 6) or y1 in (0, 1, 4, 5)]
    O = k.forward(X, F, b)
    for y in blind:
        np.testing.assert_array_equal(O[(Ellipsis,) + y], np.broadcast_to(b, (N, 4)))
    # Their G entries change neither dX nor dF.
    G2 = G.copy()
    for y in blind:
        G2[(Ellipsis,) + y] = 1e6
    np.testing.assert_array_equal(k.grad_input(F, G2), k.grad_input(F, G))
    np.testing.assert_array_equal(k.grad_filter(X, G2), k.grad_filter(X, G))
    # No local gradient of those outputs involves X or F.
    for n_o_y, pairs in d.local_input.items():
        if n_o_y[-2:] in blind:
            assert pairs == ()


def test_dilation_in_the_gradient_padding(monkeypatch):
    """6.4: lo', hi' use d(K-1), not K-1; with K - 1 the dL/dX proof must fail."""
    args, kw = ("9", "3"), dict(stride=2, dilation=2, padding=1, in_channels=2, out_channels=2)
    d, k = _layer(*args, **kw)
    assert d.spec.grad_input_padding == ((4 - 1, 4 - 1 + 0),)
    _check_proof(d)
    _check_kernels(d, k, 41)

    def undilated(k, d, lo, hi, r):  # K-1 where the formula has d(K-1)
        return (k - 1 - lo, k - 1 - hi + r)

    monkeypatch.setattr(symconv.layer.axis, "grad_input_padding", undilated)
    wrong = symconv.derive(*args, **kw)
    assert wrong.proof.input.failures
    assert wrong.proof.filter.holds


def test_stride_and_dilation_swapped_in_filter_gradient(monkeypatch):
    """6.5: dF = corr(pad(X), G; window stride d, kernel dilation s); unswapped it must fail."""
    d, k = _layer("7x6", "3x2", stride="2x1", dilation="1x2", in_channels=2, out_channels=2)
    _check_proof(d)
    _check_kernels(d, k, 51)
    break_forms(monkeypatch, wrong_forms.UNSWAPPED)
    wrong = symconv.derive("7x6", "3x2", stride="2x1", dilation="1x2", in_channels=2, out_channels=2)
    assert wrong.proof.filter.failures
    assert wrong.proof.input.holds
    # control: stride = dilation makes the swap a no-op
    assert symconv.derive("7", "2", stride=2, dilation=2, in_channels=2, out_channels=2).proof.holds


def test_rotation_of_every_spatial_axis_only_in_grad_input(monkeypatch):
    """6.6: dX uses rot180 over all spatial axes; rotating only one axis must fail, dF untouched."""
    d, k = _layer("5x4", "3x2", stride=2, padding="1:0x0:1", in_channels=2, out_channels=4, groups=2)
    _check_proof(d)
    X, F, G, _ = _check_kernels(d, k, 61)
    # The filter data is not symmetric, so a missing flip of either axis would show.
    assert not np.allclose(F, F[..., ::-1, :]) and not np.allclose(F, F[..., :, ::-1])
    break_forms(monkeypatch, wrong_forms.FIRST_AXIS_ROTATED)
    wrong = symconv.derive("5x4", "3x2", stride=2, padding="1:0x0:1", in_channels=2, out_channels=4, groups=2)
    assert wrong.proof.input.failures
    assert wrong.proof.filter.holds


GROUPED = dict(stride=2, padding=1, in_channels=4, out_channels=6, groups=2, bias=True)


def test_groups_with_several_channels_per_group(monkeypatch):
    """6.7: Cg_in = 2, Cg_out = 3; a plain reshape of the filter instead of the per-group swap fails."""
    d, k = _layer("4x3", "2x2", **GROUPED)
    spec = d.spec
    assert (spec.cg_in, spec.cg_out) == (2, 3)
    assert spec.f_shape == (6, 2, 2, 2)
    _check_proof(d)
    X, F, G, b = _check_kernels(d, k, 71)
    # Block-diagonal over groups: group-1 data never reaches a group-0 gradient and back.
    X2, G2 = X.copy(), G.copy()
    X2[:, 2:] += 1.0
    G2[:, 3:] += 1.0
    np.testing.assert_array_equal(k.grad_filter(X2, G)[:3], k.grad_filter(X, G)[:3])
    np.testing.assert_array_equal(k.grad_input(F, G2)[:, :2], k.grad_input(F, G)[:, :2])
    break_forms(monkeypatch, wrong_forms.PLAIN_RESHAPE)
    wrong = symconv.derive("4x3", "2x2", **GROUPED)
    assert wrong.closed_input.shape == spec.x_shape  # right shape, wrong contents
    assert wrong.proof.input.failures
    assert not wrong.proof.holds
    assert wrong.proof.filter.holds and wrong.proof.bias.holds


def test_depthwise(monkeypatch):
    """6.7, groups = in-channels = 3 with channel multiplier 2; the plain reshape is right here (Cg_in = 1)."""
    kw = dict(stride=2, padding=1, in_channels=3, out_channels=6, groups=3, bias=True)
    d, k = _layer("5x4", "3x3", **kw)
    spec = d.spec
    assert (spec.cg_in, spec.cg_out) == (1, 2)
    assert spec.f_shape == (6, 1, 3, 3)
    _check_proof(d)
    X, F, G, _ = _check_kernels(d, k, 81)
    # dX[:, c] depends only on F[2c:2c+2] and G[:, 2c:2c+2]; dF[o] only on X[:, o // 2].
    for c in range(3):
        mine = slice(2 * c, 2 * c + 2)
        Fo, Go = np.zeros_like(F), np.zeros_like(G)
        Fo[mine], Go[:, mine] = F[mine], G[:, mine]
        _close(k.grad_input(Fo, Go)[:, c], k.grad_input(F, G)[:, c])
        Xo = np.zeros_like(X)
        Xo[:, c] = X[:, c]
        _close(k.grad_filter(Xo, G)[mine], k.grad_filter(X, G)[mine])
    # control for the groups test: with Cg_in = 1 the reshape needs no swap, the proof holds.
    break_forms(monkeypatch, wrong_forms.PLAIN_RESHAPE)
    assert symconv.derive("5x4", "3x3", **kw).proof.holds


def test_interior_rows_never_read_when_stride_exceeds_reach():
    """6.8: s = 3 > d(K-1)+1 = 2: rows 2, 5 and columns 2 are never read, with r = 0."""
    d, k = _layer("8x5", "2x2", stride=3, in_channels=2, out_channels=2)
    spec = d.spec
    assert spec.output == (3, 2) and spec.remainder == (0, 0)
    _check_proof(d)
    _check_kernels(d, k, 91)
    unread = {(i, j) for i in range(8) for j in range(5) if i in (2, 5) or j == 2}
    assert len(unread) == 40 - 6 * 4
    _check_unread(d, k, unread, 92)
    assert d.proof.input.empty == 2 * 16


def test_interior_rows_never_read_when_stride_equals_dilation_2():
    """6.8: s = d = 2 with lo = 1 reads only odd rows: X[0], X[2], X[4], X[6], X[8] unread."""
    d, k = _layer("9", "3", stride=2, dilation=2, padding=1, in_channels=3, out_channels=2, bias=True)
    spec = d.spec
    assert spec.output == (4,) and spec.remainder == (0,)
    _check_proof(d)
    _check_kernels(d, k, 101)
    _check_unread(d, k, {(0,), (2,), (4,), (6,), (8,)}, 102)
    assert d.proof.input.empty == 3 * 5


def test_batch_sums_filter_and_bias_gradients_but_not_input_gradient():
    """6.9: with batch = 2, dF and db sum over samples; dX[n] involves only G[n]."""
    d, k = _layer("4x3", "2x2", stride="2x1", in_channels=2, out_channels=4, groups=2, batch=2, bias=True)
    _check_proof(d)
    assert d.proof.input.total == 2 * 2 * 12
    for index, expansion in d.expansion_input.items():
        samples = {int(e.indices[0]) for e in expansion.expr.atoms(sympy.Indexed) if e.base.label.name == "G"}
        assert samples <= {index[0]}
    for index, expansion in d.expansion_filter.items():
        samples = {t.output[0] for t in expansion.terms}
        assert samples == {0, 1}, index
    assert all({t.output[0] for t in e.terms} == {0, 1} for e in d.expansion_bias.values())
    X, F, G, b = _check_kernels(d, k, 111, batch=3)  # kernels take any batch size
    _close(k.grad_filter(X, G), sum(k.grad_filter(X[n:n + 1], G[n:n + 1]) for n in range(3)))
    _close(k.grad_bias(G), sum(k.grad_bias(G[n:n + 1]) for n in range(3)))
    for n in range(3):
        _close(k.grad_input(F, G)[n], k.grad_input(F, G[n:n + 1])[0])


def test_kernel_size_1_with_stride():
    """6.10: K = 1 with stride 3x2 reads rows 0, 3, 6 and columns 0, 2, 4 only."""
    d, k = _layer("7x5", "1x1", stride="3x2", in_channels=3, out_channels=2, bias=True)
    spec = d.spec
    assert spec.output == (3, 3) and spec.remainder == (0, 0)
    _check_proof(d)
    _check_kernels(d, k, 121)
    unread = {(i, j) for i in range(7) for j in range(5) if i % 3 or j % 2}
    assert len(unread) == 35 - 9
    _check_unread(d, k, unread, 122)
    assert d.proof.input.empty == 3 * 26


@pytest.mark.parametrize(
    "input, filter, options, output",
    [
        pytest.param("1", "1", dict(in_channels=1, out_channels=1, groups=1), (1,), id="1-1-c1"),
        pytest.param("1", "1", dict(stride=3, in_channels=1, out_channels=1, bias=True), (1,), id="1-1-s3-bias"),
        pytest.param("1x1", "1x1", dict(in_channels=2, out_channels=2, groups=2, batch=1, bias=True), (1, 1), id="1x1-depthwise"),
        pytest.param("1x5", "1x3", dict(in_channels=1, out_channels=3), (1, 3), id="1x5-1x3"),
        pytest.param("1", "3", dict(padding=1, in_channels=2, out_channels=1), (1,), id="1-3-p1"),
        pytest.param("1x1x1", "1x1x1", dict(padding="0x1x0", in_channels=1, out_channels=2, bias=True), (1, 3, 1), id="1x1x1-p"),
    ],
)
def test_sizes_of_1(input, filter, options, output):
    """6.10: dimensions, channel counts and batches of size 1."""
    d, k = _layer(input, filter, **options)
    assert d.spec.output == output
    assert d.spec.channelled
    _check_proof(d)
    _check_kernels(d, k, 131)
    _check_kernels(d, k, 132, batch=1)


@pytest.mark.parametrize(
    "input, filter, options, remainder",
    [
        ("7", "3", dict(stride=2, padding=1), 0),
        ("8", "3", dict(stride=2, padding=1), 1),
        ("10", "3", dict(stride=3, padding="1:0"), 2),
        ("9", "2", dict(stride=3, dilation=2, padding=4), 2),
        ("5", "1", dict(stride=4), 0),
        ("6", "1", dict(stride=4), 1),
        ("12", "2", dict(stride=5, dilation=3), 3),
    ],
)
def test_remainder_is_pytorch_output_padding_and_below_stride(input, filter, options, remainder):
    """6.11: r = I - [(O-1)s - lo - hi + d(K-1) + 1] (PyTorch's output_padding) and 0 <= r < s."""
    spec = ConvSpec.parse(input, filter, in_channels=2, out_channels=2, **options)
    (i,), (kk,), (s,), (dd,), ((lo, hi),), (o,) = spec.input, spec.filter, spec.stride, spec.dilation, spec.padding, spec.output
    assert spec.remainder == (remainder,)
    assert i - ((o - 1) * s - lo - hi + dd * (kk - 1) + 1) == remainder
    assert 0 <= remainder < max(s, dd)


def test_stride_2_in_float64_against_the_loop_reference():
    """6.12: a strided, grouped, biased 2-D layer against the loop reference in float64, and float32 close."""
    d, k = _layer("6x5", "3x2", stride=2, padding="1:1x0:1", in_channels=4, out_channels=2, groups=2, bias=True)
    _check_proof(d)
    X, F, G, b = _check_kernels(d, k, 141)
    X32, F32, G32, b32 = (a.astype(np.float32) for a in (X, F, G, b))
    _close(k.forward(X32, F32, b32), ref.forward_channels(X32, F32, d.spec, b32), rtol=1e-5, atol=1e-5)
    _close(k.grad_input(F32, G32), ref.grad_input_channels(F32, G32, d.spec), rtol=1e-5, atol=1e-5)
    _close(k.grad_filter(X32, G32), ref.grad_filter_channels(X32, G32, d.spec), rtol=1e-5, atol=1e-5)


def test_asymmetric_padding(monkeypatch):
    """6.13: (lo, hi) = (2, 0) and (0, 1): lo feeds the low side, hi the high side; swapping must fail."""
    kw = dict(padding="2:0x0:1", in_channels=2, out_channels=2, bias=True)
    d, k = _layer("5x4", "3x2", **kw)
    spec = d.spec
    assert spec.padding == ((2, 0), (0, 1)) and spec.output == (5, 4)
    _check_proof(d)
    X, F, G, b = _check_kernels(d, k, 151)
    # Mirror symmetry (stride 1): padding (lo, hi) on X equals flipped padding (hi, lo) on flipped X, F.
    dm, km = _layer("5x4", "3x2", padding="0:2x1:0", in_channels=2, out_channels=2, bias=True)
    flip = (Ellipsis, slice(None, None, -1), slice(None, None, -1))
    _close(k.forward(X, F, b), km.forward(X[flip], F[flip], b)[flip])
    assert not np.allclose(k.forward(X, F), km.forward(X, F))

    # lo and hi swapped in the gradients' paddings (the formulas every closed form uses)
    monkeypatch.setattr(symconv.layer.axis, "grad_filter_padding", lambda lo, hi, r: (hi - r, lo))
    monkeypatch.setattr(symconv.layer.axis, "grad_input_padding",
                        lambda k, d, lo, hi, r: (d * (k - 1) - hi, d * (k - 1) - lo + r))
    wrong = symconv.derive("5x4", "3x2", **kw)
    assert wrong.proof.filter.failures
    assert wrong.proof.input.failures


@pytest.mark.parametrize(
    "input, filter, options, padding",
    [
        pytest.param("7", "4", dict(), ((1, 2),), id="K4"),
        pytest.param("6x4", "4x2", dict(dilation="1x3"), ((1, 2), (1, 2)), id="K4x2-d1x3"),
    ],
)
def test_same_padding_odd_total_extra_zero_high(input, filter, options, padding):
    """Section 5: 'same' with an odd total E - 1 puts the extra zero on the high side."""
    d, k = _layer(input, filter, padding="same", in_channels=2, out_channels=4, groups=2, bias=True, **options)
    assert d.spec.padding == padding
    assert d.spec.output == d.spec.input
    _check_proof(d)
    X, F, G, b = _check_kernels(d, k, 161)
    assert k.forward(X, F, b).shape == (N, 4) + d.spec.input


# -- the proof report's scope ------------------------------------------------------------


def test_proof_report_scope_with_batch_and_channels():
    d, _ = _layer("4x3", "2x2", **GROUPED, batch=2)
    spec = d.spec
    assert d.spec.output == (3, 2)
    assert d.proof.filter.total == 6 * 2 * 4  # C_out * Cg_in * K
    assert d.proof.input.total == 2 * 4 * 12  # N * C_in * I
    assert d.proof.bias.total == 6  # C_out
    assert d.proof.identities == 48 + 96 + 6
    assert set(d.expansion_input) == set(itertools.product(range(2), range(4), range(4), range(3)))
    assert set(d.expansion_filter) == set(itertools.product(range(6), range(2), range(2), range(2)))
    assert set(d.expansion_bias) == {(o,) for o in range(6)}
    assert spec.x_shape == (2, 4, 4, 3) and spec.f_shape == (6, 2, 2, 2) and spec.g_shape == (2, 6, 3, 2)
    lines = symconv.cli.report(d)
    text = "\n".join(lines)
    assert "dL/dF 48 of 48" in text and "dL/dX 96 of 96" in text and "dL/db 6 of 6" in text
    scope = [line for line in lines if "every element" in line]
    assert len(scope) == 1
    assert "every channel pair" in scope[0] and "all 2 samples" in scope[0]


def test_proof_report_scope_without_batch_or_channels():
    d, _ = _layer("4x3", "2x2", **GROUPED)
    scope = symconv.cli.report(d)[3]
    assert "every channel pair" in scope and "one sample" in scope and "all " not in scope
    plain = symconv.cli.report(_derivation("3", "2"))[3]
    assert "channel" not in plain and "one sample" in plain


# -- errors ------------------------------------------------------------------------------

ERRORS = [
    pytest.param(dict(in_channels=4, out_channels=6, groups=4), "--groups: ", id="groups-not-dividing-out"),
    pytest.param(dict(in_channels=3, out_channels=6, groups=2), "--groups: ", id="groups-not-dividing-in"),
    pytest.param(dict(groups=2), "--groups: ", id="groups-without-channels"),
    pytest.param(dict(in_channels=0), "--in-channels: ", id="in-channels-0"),
    pytest.param(dict(in_channels=-2), "--in-channels: ", id="in-channels-negative"),
    pytest.param(dict(in_channels="2.5"), "--in-channels: ", id="in-channels-fraction"),
    pytest.param(dict(in_channels="two"), "--in-channels: ", id="in-channels-word"),
    pytest.param(dict(in_channels=2.0), "--in-channels: ", id="in-channels-float"),
    pytest.param(dict(out_channels=0), "--out-channels: ", id="out-channels-0"),
    pytest.param(dict(out_channels="-1"), "--out-channels: ", id="out-channels-negative-text"),
    pytest.param(dict(groups=0), "--groups: ", id="groups-0"),
    pytest.param(dict(groups=-1), "--groups: ", id="groups-negative"),
    pytest.param(dict(groups="1.5"), "--groups: ", id="groups-fraction"),
    pytest.param(dict(batch=0), "--batch: ", id="batch-0"),
    pytest.param(dict(batch=-3), "--batch: ", id="batch-negative"),
    pytest.param(dict(batch="2x2"), "--batch: ", id="batch-size-text"),
    pytest.param(dict(batch=True), "--batch: ", id="batch-bool"),
    pytest.param(dict(padding="same", stride=2), "--padding: ", id="same-stride-2"),
    pytest.param(dict(stride=0), "--stride: ", id="stride-0"),
    pytest.param(dict(dilation=0), "--dilation: ", id="dilation-0"),
    pytest.param(dict(padding="-1"), "--padding: ", id="padding-negative-text"),
    pytest.param(dict(padding=((-1, 0),)), "--padding: ", id="padding-negative-tuple"),
]


@pytest.mark.parametrize("options, prefix", ERRORS)
def test_bad_specs_raise_spec_error_naming_the_option(options, prefix):
    with pytest.raises(SpecError) as info:
        symconv.derive("7", "3", **options)
    assert str(info.value).startswith(prefix)
    assert info.value.option == prefix[:-2]
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs, prefix",
    [
        pytest.param(dict(in_channels=4, out_channels=6, groups=4), "--groups: ", id="groups"),
        pytest.param(dict(in_channels=0), "--in-channels: ", id="in-channels-0"),
        pytest.param(dict(out_channels=2.0), "--out-channels: ", id="out-channels-float"),
        pytest.param(dict(batch=-1), "--batch: ", id="batch"),
        pytest.param(dict(stride=(0,)), "--stride: ", id="stride"),
        pytest.param(dict(dilation=(0,)), "--dilation: ", id="dilation"),
        pytest.param(dict(padding=((0, -1),)), "--padding: ", id="padding"),
    ],
)
def test_direct_construction_raises_the_same_errors(kwargs, prefix):
    with pytest.raises(SpecError) as info:
        ConvSpec(input=(7,), filter=(3,), **kwargs)
    assert str(info.value).startswith(prefix)


@pytest.mark.parametrize(
    "input, filter, options, blamed",
    [
        pytest.param("4", "5", dict(in_channels=2), "--filter: ", id="filter-longer"),
        pytest.param("4", "3", dict(dilation=3, padding=1, in_channels=2), "--dilation: ", id="dilated-reach-7-vs-6"),
        pytest.param("3x6", "3x3", dict(dilation="1x3", in_channels=2, out_channels=2, groups=2), "--dilation: ",
                     id="2d-axis2-reach-7-vs-6"),
    ],
)
def test_empty_output_is_an_error(input, filter, options, blamed):
    """6.10: O = 0 (the padded input shorter than the reach) is refused, naming the filter, or the
    dilation when the filter itself would fit."""
    with pytest.raises(SpecError) as info:
        symconv.derive(input, filter, **options)
    assert str(info.value).startswith(blamed)
    assert "empty" in str(info.value)


# -- the kernel API in channel layout ---------------------------------------------------

API = dict(stride=3, in_channels=4, out_channels=6, groups=2, bias=True)


def _api():
    return _layer("7x7", "2x2", **API)


def test_api_constants():
    d, k = _api()
    assert (k.IN_CHANNELS, k.OUT_CHANNELS, k.GROUPS) == (4, 6, 2)
    assert k.INPUT_SHAPE == (7, 7) and k.OUTPUT_SHAPE == (2, 2)
    assert k.KERNEL_SHAPE == (2, 2) and k.FILTER_SHAPE == (6, 2, 2, 2)
    _check_proof(d)
    _check_kernels(d, k, 201)


def test_api_wrong_shapes_name_the_expected_shape():
    d, k = _api()
    X, F, G, b = _data(d.spec, 202)
    bad_x = [np.zeros((2, 3, 7, 7)), np.zeros((2, 4, 7, 6)), np.zeros((4, 7, 7)), np.zeros((1, 2, 4, 7, 7))]
    bad_f = [np.zeros((6, 4, 2, 2)), np.zeros((6, 2, 2)), np.zeros((3, 2, 2, 2)), np.zeros((1, 6, 2, 2, 2))]
    bad_g = [np.zeros((2, 6, 3, 2)), np.zeros((2, 3, 2, 2)), np.zeros((6, 2, 2))]
    for bx in bad_x:
        for call in (lambda: k.forward(bx, F), lambda: k.grad_filter(bx, G)):
            with pytest.raises(ValueError, match=r"\(N, 4, 7, 7\)"):
                call()
    for bf in bad_f:
        for call in (lambda: k.forward(X, bf), lambda: k.grad_input(bf, G)):
            with pytest.raises(ValueError, match=r"\(6, 2, 2, 2\)"):
                call()
    for bg in bad_g:
        for call in (lambda: k.grad_filter(X, bg), lambda: k.grad_input(F, bg), lambda: k.grad_bias(bg)):
            with pytest.raises(ValueError, match=r"\(N, 6, 2, 2\)"):
                call()
    for bb in (np.zeros(5), np.zeros((6, 1)), np.zeros(())):
        with pytest.raises(ValueError, match=r"\(6,\)"):
            k.forward(X, F, bb)


def test_api_mismatched_batches():
    d, k = _api()
    X, F, G, b = _data(d.spec, 203, batch=3)
    with pytest.raises(ValueError, match="batch"):
        k.grad_filter(X, G[:2])
    with pytest.raises(ValueError, match="batch"):
        k.grad_filter(X[:1], G)


def test_api_float32_preserved_in_every_op():
    d, k = _api()
    X, F, G, b = (a.astype(np.float32) for a in _data(d.spec, 204))
    outputs = {
        "forward": k.forward(X, F), "forward+b": k.forward(X, F, b), "grad_filter": k.grad_filter(X, G),
        "grad_input": k.grad_input(F, G), "grad_bias": k.grad_bias(G),
    }
    for name, out in outputs.items():
        assert out.dtype == np.float32, name
    _close(outputs["forward+b"], ref.forward_channels(X, F, d.spec, b), rtol=1e-5, atol=1e-5)
    _close(outputs["grad_filter"], ref.grad_filter_channels(X, G, d.spec), rtol=1e-5, atol=1e-5)
    _close(outputs["grad_input"], ref.grad_input_channels(F, G, d.spec), rtol=1e-5, atol=1e-5)
    _close(outputs["grad_bias"], ref.grad_bias_channels(G, d.spec), rtol=1e-5, atol=1e-5)


def test_api_forward_without_bias_and_grad_bias():
    d, k = _api()
    X, F, G, b = _data(d.spec, 205)
    plain = ref.forward_channels(X, F, d.spec)
    _close(k.forward(X, F), plain)
    np.testing.assert_array_equal(k.forward(X, F, None), k.forward(X, F))
    np.testing.assert_array_equal(k.forward(X, F, b=None), k.forward(X, F))
    _close(k.forward(X, F, b) - k.forward(X, F), np.broadcast_to(b[None, :, None, None], plain.shape))
    _close(k.grad_bias(G), G.sum(axis=(0, 2, 3)))
    assert k.grad_bias(G).shape == (6,)
    assert k.grad_bias(G[:1]).shape == (6,)


def test_api_bias_only_layer_keeps_channel_layout():
    """bias=True alone switches to the channel layout with one channel each way."""
    d, k = _layer("4", "2", bias=True)
    assert d.spec.channelled and d.spec.x_shape == (1, 4) and d.spec.f_shape == (1, 1, 2)
    assert (k.IN_CHANNELS, k.OUT_CHANNELS, k.GROUPS) == (1, 1, 1)
    _check_proof(d)
    _check_kernels(d, k, 206)


# -- property test over random channel specs ----------------------------------------------


@st.composite
def channel_specs(draw):
    rank = draw(st.integers(1, 3))
    # Rank 3 keeps sizes smaller: the symbolic proof grows with elements x taps x channels.
    max_input, max_filter = (5, 3) if rank < 3 else (3, 2)
    axis = st.tuples(
        st.integers(1, max_input),  # input
        st.integers(1, max_filter),  # filter
        st.integers(1, 3),  # stride
        st.integers(1, 2),  # dilation
        st.tuples(st.integers(0, 2), st.integers(0, 2)),  # padding (lo, hi)
    )
    axes = draw(st.lists(axis, min_size=rank, max_size=rank))
    inp, filt, stride, dil, pad_ = (tuple(col) for col in zip(*axes))
    groups, cg_in, cg_out = draw(st.sampled_from([1, 2])), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    try:
        spec = ConvSpec(
            input=inp, filter=filt, stride=stride, dilation=dil, padding=pad_, in_channels=groups * cg_in,
            out_channels=groups * cg_out, groups=groups, bias=draw(st.booleans()),
        )
    except SpecError:
        assume(False)
    return spec


@settings(max_examples=20, deadline=None)
@given(spec=channel_specs(), seed=st.integers(0, 2**32 - 1))
def test_random_channel_specs(spec, seed):
    d = _derivation_of(spec)
    _check_proof(d)
    k = symconv.load_kernel(d)
    assert k.OUTPUT_SHAPE == ref.output_shape(spec)
    X, F, G, b = _check_kernels(d, k, seed)
    rng = np.random.default_rng(seed + 1)
    check_finite_differences(k, X, F, G, rng)
    if spec.bias:
        U = rng.standard_normal(b.shape)
        fd_b = np.vdot(k.forward(X, F, b + U) - k.forward(X, F, b), G)  # affine in b: exact difference
        assert fd_b == pytest.approx(np.vdot(k.grad_bias(G), U), rel=1e-9, abs=1e-9)


# -- proof grid ---------------------------------------------------------------------------

GRID = [
    ("6", "3", dict(in_channels=2, out_channels=2)),
    ("7", "2", dict(stride=2, in_channels=2, out_channels=4, groups=2)),
    ("8", "3", dict(stride=3, padding="2:0", in_channels=4, out_channels=4, groups=2, bias=True)),
    ("9", "2", dict(stride=2, dilation=3, padding=1, in_channels=1, out_channels=3, batch=2)),
    ("5", "3", dict(dilation=2, padding="full", in_channels=3, out_channels=3, groups=3, bias=True)),
    ("6", "4", dict(padding="same", in_channels=2, out_channels=2, batch=3, bias=True)),
    ("4x4", "2x2", dict(in_channels=2, out_channels=2, groups=2, bias=True)),
    ("5x4", "3x2", dict(stride="2x1", padding="1:0x0:1", in_channels=2, out_channels=4, groups=2)),
    ("5x5", "2x2", dict(stride=2, dilation=2, in_channels=4, out_channels=2, groups=2, bias=True, batch=2)),
    ("4x5", "2x3", dict(dilation="1x2", padding=1, in_channels=2, out_channels=1, bias=True)),
    ("6x3", "1x2", dict(stride=3, padding="0x1:0", in_channels=2, out_channels=6, groups=2, batch=2)),
    ("3x3", "3x3", dict(padding=2, in_channels=1, out_channels=2, bias=True)),
    ("5x3", "2x1", dict(stride="3x2", dilation="2x1", padding="2:1x1:2", in_channels=4, out_channels=4, groups=4)),
    ("2x2x3", "1x2x2", dict(padding="0x1:0x1", in_channels=2, out_channels=2, groups=2, bias=True)),
]


def _grid_id(case):
    inp, filt, kw = case
    return f"{inp}/{filt}[" + ",".join(f"{k}={v}" for k, v in kw.items()) + "]"


@pytest.mark.parametrize("inp, filt, kw", GRID, ids=[_grid_id(c) for c in GRID])
def test_proof_grid(inp, filt, kw):
    d = _derivation(inp, filt, tuple(sorted(kw.items())))
    _check_proof(d)
    spec = d.spec
    n, c_in, c_out, g = kw.get("batch", 1), kw["in_channels"], kw["out_channels"], kw.get("groups", 1)
    assert d.proof.filter.total == c_out * (c_in // g) * math.prod(spec.filter)
    assert d.proof.input.total == n * c_in * math.prod(spec.input)
    assert d.proof.bias.total == (c_out if kw.get("bias") else 0)
    assert d.proof.identities == sum(p.total for p in d.proof.parts)
    assert d.closed_input.shape == spec.x_shape and d.closed_filter.shape == spec.f_shape
    # the empty count is what the reference's read positions say
    assert d.proof.input.empty == n * c_in * len(_unread(spec))


# -- channel layers too large to prove element by element: the representative -----------------
def test_representative_keeps_every_channel_relation():
    spec = ConvSpec.parse("32x32", "3x3", in_channels=16, out_channels=32)
    assert spec.representative() == ConvSpec.parse("32x32", "3x3", in_channels=2, out_channels=2)
    grouped = ConvSpec.parse("8", "3", in_channels=12, out_channels=18, groups=6, batch=5, bias=True)
    small = grouped.representative()
    assert (small.n_groups, small.cg_in, small.cg_out, small.n_batch, small.bias) == (2, 2, 2, 2, True)
    assert ConvSpec.parse("8", "3").representative() == ConvSpec.parse("8", "3")


def test_large_channel_layer_is_proven_on_its_representative(tmp_path):
    d = symconv.derive("5x4", "2x2", stride=2, padding=1, in_channels=8, out_channels=12, groups=2, bias=True,
                       max_memory="1M")
    assert d.representative and d.layer.c_in == 8 and d.spec == d.layer.representative()
    assert d.proof.holds and d.proof.input.total == 4 * 5 * 4  # the representative's 4 input channels
    scope = symconv.cli.report(d)[3]
    assert "representative conv2d_i5x4_f2x2_s2_p1_c4to4_g2_bias" in scope
    assert re.search(r"; the full layer would need an estimated [\d.]+ MiB, above the limit of 1\.0 MiB\): ", scope)
    k = symconv.load_kernel(d)
    assert (k.IN_CHANNELS, k.OUT_CHANNELS, k.GROUPS) == (8, 12, 2)
    assert "on the representative layer" in k.__doc__
    _check_kernels(symconv.derive(d.layer, max_memory=None), k, seed=11)  # the kernel of the full layer
    written = symconv.write_entry(d, tmp_path)
    assert written.folder.name == d.layer.name
    assert "derives the representative of the layer" in written.latex.read_text(encoding="utf-8")


def test_the_full_proof_agrees_with_the_representative_argument():
    layer = ConvSpec.parse("4", "2", in_channels=6, out_channels=4, groups=2, batch=3)
    between = (estimate(layer).total + estimate(layer.representative()).total) // 2  # admits only the representative
    full = symconv.derive(layer, max_memory=None)
    via = symconv.derive(layer, max_memory=between)
    assert full.proof.holds and not full.representative
    assert via.proof.holds and via.representative and via.spec.n_batch == 2 and via.spec.cg_in == 2


def test_a_representative_still_too_large_is_refused():
    with pytest.raises(SpecError, match="^--input: 64x64 makes the output 60x60, so there are 360000 product terms "
                                        r".* on its representative conv2d_i64x64_f5x5_c2to2 needs an estimated "):
        symconv.derive("64x64", "5x5", in_channels=4, out_channels=4, max_memory="20M")
