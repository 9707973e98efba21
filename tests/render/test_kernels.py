"""Generated NumPy kernels against plain-loop references, finite differences and adjoints."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import symconv

import reference as ref
from conftest import check_finite_differences

# (input, filter, options) -- every spec is derived once per module (see _derivation).
SPECS = [
    pytest.param("5", "2", {}, id="i5-f2"),
    pytest.param("3x3", "2x2", {}, id="i3x3-f2x2"),
    pytest.param("7x5", "3x2", {}, id="i7x5-f3x2"),
    pytest.param("4x5x6", "2x2x3", {}, id="i4x5x6-f2x2x3"),
    pytest.param("3x3", "3x3", {}, id="i3x3-f3x3-filter-eq-input"),
    pytest.param("4x4", "1x1", {}, id="i4x4-f1x1"),
    pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, id="i7x7-f3x3-s2-p1:0x2:1"),
    pytest.param("9", "2", {"stride": 3, "dilation": 2, "padding": 4}, id="i9-f2-s3-d2-p4"),
    pytest.param(
        "8x5", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "3:0x0:2"},
        id="i8x5-f3x2-s3x2-d2x1-p3:0x0:2",
    ),
    pytest.param("3", "1", {"padding": 2}, id="i3-f1-p2-pad-beyond-reach"),
    pytest.param("7", "3", {"padding": "same"}, id="i7-f3-same"),
    pytest.param("6", "4", {"padding": "same"}, id="i6-f4-same-odd"),
    pytest.param("4", "2", {"stride": 3}, id="i4-f2-s3-remainder-gt-hi"),
    pytest.param("9", "3", {"stride": 2, "dilation": 2}, id="i9-f3-s2-d2-holes"),
]

BATCH = (2, 3)
RTOL = 1e-12
ATOL = 1e-12


@functools.lru_cache(maxsize=None)
def _derivation(input, filter, options=()):
    """Derive one spec; ``options`` is a sorted tuple of (name, value) pairs."""
    return symconv.derive(input, filter, **dict(options))


@functools.lru_cache(maxsize=None)
def _derivation_of(spec):
    return symconv.derive(spec)


def _setup(input, filter, options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    return d.spec, symconv.load_kernel(d)


def _rng(*key):
    """A generator seeded from ``key`` so each test sees fixed, distinct data."""
    seed = sum((j + 1) * 7919 * ord(c) for j, c in enumerate(repr(key))) % (2**32)
    return np.random.default_rng(seed)


def _data(spec, rng, batch=()):
    X = rng.standard_normal(batch + tuple(spec.input))
    F = rng.standard_normal(tuple(spec.filter))
    G = rng.standard_normal(batch + tuple(spec.output))
    return X, F, G


def _close(got, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# -- spec parsing and sizes ------------------------------------------------------------

# (input, filter, options, padding, output, remainder), worked out by hand.
PARSED = [
    pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, ((1, 0), (2, 1)), (3, 4), (1, 1), id="i7x7-s2-p1:0x2:1"),
    pytest.param("9", "2", {"stride": 3, "dilation": 2, "padding": 4}, ((4, 4),), (5,), (2,), id="i9-s3-d2-p4"),
    pytest.param(
        "8x5", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "3:0x0:2"},
        ((3, 0), (0, 2)), (3, 3), (0, 1), id="i8x5-s3x2-d2x1",
    ),
    pytest.param("3", "1", {"padding": 2}, ((2, 2),), (7,), (0,), id="i3-f1-p2"),
    pytest.param("7", "3", {"padding": "same"}, ((1, 1),), (7,), (0,), id="i7-f3-same"),
    pytest.param("6", "4", {"padding": "same"}, ((1, 2),), (6,), (0,), id="i6-f4-same"),
    pytest.param("4", "2", {"stride": 3}, ((0, 0),), (1,), (2,), id="i4-f2-s3"),
    pytest.param("9", "3", {"stride": 2, "dilation": 2}, ((0, 0),), (3,), (0,), id="i9-f3-s2-d2"),
]


@pytest.mark.parametrize("input, filter, options, padding, output, remainder", PARSED)
def test_parsed_spec(input, filter, options, padding, output, remainder):
    spec, k = _setup(input, filter, options)
    assert spec.padding == padding
    assert spec.output == output
    assert spec.remainder == remainder
    assert k.OUTPUT_SHAPE == output


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_kernel_constants_and_proof(input, filter, options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    k = symconv.load_kernel(d)
    assert d.proof.holds
    assert tuple(d.spec.output) == ref.output_shape(d.spec)
    assert k.INPUT_SHAPE == tuple(d.spec.input)
    assert k.FILTER_SHAPE == tuple(d.spec.filter)
    assert k.OUTPUT_SHAPE == ref.output_shape(d.spec)


# -- kernels against the plain-loop reference --------------------------------------------


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_forward_matches_reference(input, filter, options):
    spec, k = _setup(input, filter, options)
    X, F, _ = _data(spec, _rng("fwd", input, filter, options))
    got = k.forward(X, F)
    assert got.shape == tuple(spec.output)
    assert got.dtype == np.float64
    _close(got, ref.forward(X, F, spec))


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_grad_filter_matches_reference(input, filter, options):
    spec, k = _setup(input, filter, options)
    X, _, G = _data(spec, _rng("gf", input, filter, options))
    got = k.grad_filter(X, G)
    assert got.shape == tuple(spec.filter)
    assert got.dtype == np.float64
    _close(got, ref.grad_filter(X, G, spec))


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_grad_input_matches_reference(input, filter, options):
    spec, k = _setup(input, filter, options)
    _, F, G = _data(spec, _rng("gi", input, filter, options))
    got = k.grad_input(F, G)
    assert got.shape == tuple(spec.input)
    assert got.dtype == np.float64
    _close(got, ref.grad_input(F, G, spec))


def test_reference_catches_a_flipped_filter():
    """Sanity check of the data: flipping F really changes the answer."""
    spec, k = _setup("3x3", "2x2", {})
    X, F, G = _data(spec, _rng("flip"))
    flipped = F[::-1, ::-1].copy()
    assert not np.allclose(ref.forward(X, flipped, spec), ref.forward(X, F, spec))
    assert not np.allclose(ref.grad_input(flipped, G, spec), ref.grad_input(F, G, spec))
    assert not np.allclose(k.forward(X, flipped), k.forward(X, F))


# -- rows that no window reads ---------------------------------------------------------


@pytest.mark.parametrize(
    "input, filter, options, unread",
    [
        pytest.param("4", "2", {"stride": 3}, {(2,), (3,)}, id="i4-f2-s3-remainder"),
        pytest.param("9", "3", {"stride": 2, "dilation": 2}, {(1,), (3,), (5,), (7,)}, id="i9-f3-s2-d2-holes"),
    ],
)
def test_unread_input_rows(input, filter, options, unread):
    spec, k = _setup(input, filter, options)
    all_rows = set(itertools.product(*map(range, spec.input)))
    assert all_rows - ref.read_positions(spec) == unread
    X, F, G = _data(spec, _rng("unread", input, filter, options))
    dX = k.grad_input(F, G)
    for i in unread:
        assert dX[i] == 0.0  # exactly zero, not merely small
    for i in all_rows - unread:
        assert dX[i] != 0.0
    # Changing unread rows of X changes nothing.
    X2 = X.copy()
    for i in unread:
        X2[i] = 1e6
    np.testing.assert_array_equal(k.forward(X2, F), k.forward(X, F))
    np.testing.assert_array_equal(k.grad_filter(X2, G), k.grad_filter(X, G))


def test_padding_beyond_reach_reads_only_zeros():
    spec, k = _setup("3", "1", {"padding": 2})
    X, F, G = _data(spec, _rng("pad-beyond"))
    O = k.forward(X, F)
    assert O.shape == (7,)
    np.testing.assert_array_equal(O[[0, 1, 5, 6]], 0.0)
    _close(O[2:5], F[0] * X)
    _close(k.grad_input(F, G), F[0] * G[2:5])
    _close(k.grad_filter(X, G), [np.dot(X, G[2:5])])


@pytest.mark.parametrize(
    "input, filter, options",
    [pytest.param("7", "3", {"padding": "same"}, id="i7-f3"), pytest.param("6", "4", {"padding": "same"}, id="i6-f4")],
)
def test_same_padding_keeps_size(input, filter, options):
    spec, k = _setup(input, filter, options)
    X, F, _ = _data(spec, _rng("same", input, filter))
    assert k.forward(X, F).shape == X.shape


# -- batches ---------------------------------------------------------------------------


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_batched_matches_per_sample(input, filter, options):
    spec, k = _setup(input, filter, options)
    X, F, G = _data(spec, _rng("batch", input, filter, options), batch=BATCH)
    O = k.forward(X, F)
    dX = k.grad_input(F, G)
    dF = k.grad_filter(X, G)
    assert O.shape == BATCH + tuple(spec.output)
    assert dX.shape == BATCH + tuple(spec.input)
    assert dF.shape == tuple(spec.filter)
    total = np.zeros(tuple(spec.filter))
    for b in itertools.product(*map(range, BATCH)):
        _close(O[b], k.forward(X[b], F))
        _close(dX[b], k.grad_input(F, G[b]))
        _close(O[b], ref.forward(X[b], F, spec))
        _close(dX[b], ref.grad_input(F, G[b], spec))
        total += ref.grad_filter(X[b], G[b], spec)
    _close(dF, total)
    # The same sum, from the kernel itself, sample by sample.
    _close(dF, sum(k.grad_filter(X[b], G[b]) for b in itertools.product(*map(range, BATCH))))


@pytest.mark.parametrize(
    "xbatch, gbatch",
    [
        pytest.param((2, 3), (3, 2), id="swapped"),
        pytest.param((2, 3), (2,), id="fewer"),
        pytest.param((), (2,), id="x-unbatched"),
        pytest.param((4,), (), id="g-unbatched"),
    ],
)
def test_grad_filter_rejects_mismatched_batches(xbatch, gbatch):
    spec, k = _setup("3x3", "2x2", {})
    rng = _rng("mismatch", xbatch, gbatch)
    X = rng.standard_normal(xbatch + tuple(spec.input))
    G = rng.standard_normal(gbatch + tuple(spec.output))
    with pytest.raises(ValueError):
        k.grad_filter(X, G)


# -- calculus checks -------------------------------------------------------------------


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_finite_differences(input, filter, options):
    spec, k = _setup(input, filter, options)
    rng = _rng("fd", input, filter, options)
    X, F, G = _data(spec, rng)
    check_finite_differences(k, X, F, G, rng)


def _check_adjoint(k, X, F, G):
    lhs = np.vdot(k.forward(X, F), G)
    via_x = np.vdot(X, k.grad_input(F, G))
    via_f = np.vdot(F, k.grad_filter(X, G))
    assert via_x == pytest.approx(lhs, rel=1e-10, abs=1e-10)
    assert via_f == pytest.approx(lhs, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("input, filter, options", SPECS)
def test_dot_product_adjoint(input, filter, options):
    spec, k = _setup(input, filter, options)
    rng = _rng("adj", input, filter, options)
    _check_adjoint(k, *_data(spec, rng))
    _check_adjoint(k, *_data(spec, rng, batch=BATCH))


# -- dtypes, shapes, layouts, NaN ------------------------------------------------------

SOME = [
    pytest.param("3x3", "2x2", {}, id="i3x3-f2x2"),
    pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, id="i7x7-f3x3-s2-p1:0x2:1"),
    pytest.param("9", "2", {"stride": 3, "dilation": 2, "padding": 4}, id="i9-f2-s3-d2-p4"),
]


@pytest.mark.parametrize("input, filter, options", SOME)
def test_float32_stays_float32(input, filter, options):
    spec, k = _setup(input, filter, options)
    X, F, G = _data(spec, _rng("f32", input, filter, options), batch=(2,))
    X32, F32, G32 = (a.astype(np.float32) for a in (X, F, G))
    O, dF, dX = k.forward(X32, F32), k.grad_filter(X32, G32), k.grad_input(F32, G32)
    assert O.dtype == np.float32
    assert dF.dtype == np.float32
    assert dX.dtype == np.float32
    X64, F64, G64 = (a.astype(np.float64) for a in (X32, F32, G32))
    _close(O, k.forward(X64, F64), rtol=1e-5, atol=1e-5)
    _close(dF, k.grad_filter(X64, G64), rtol=1e-5, atol=1e-5)
    _close(dX, k.grad_input(F64, G64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_], ids=lambda t: np.dtype(t).name)
def test_integer_and_bool_become_float64(dtype):
    spec, k = _setup("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"})
    rng = _rng("int", np.dtype(dtype).name)
    X = rng.integers(0, 4, size=tuple(spec.input)).astype(dtype)
    F = rng.integers(0, 4, size=tuple(spec.filter)).astype(dtype)
    G = rng.integers(0, 4, size=tuple(spec.output)).astype(dtype)
    O, dF, dX = k.forward(X, F), k.grad_filter(X, G), k.grad_input(F, G)
    assert O.dtype == dF.dtype == dX.dtype == np.float64
    np.testing.assert_array_equal(O, ref.forward(X, F, spec))
    np.testing.assert_array_equal(dF, ref.grad_filter(X, G, spec))
    np.testing.assert_array_equal(dX, ref.grad_input(F, G, spec))


@pytest.mark.parametrize("kind", ["complex", "object"])
@pytest.mark.parametrize("bad", ["X", "F", "G"])
def test_non_real_dtypes_refused(kind, bad):
    spec, k = _setup("3x3", "2x2", {})
    X, F, G = _data(spec, _rng("bad-dtype"))
    arrays = {"X": X, "F": F, "G": G}
    arrays[bad] = arrays[bad].astype(np.complex128) if kind == "complex" else arrays[bad].astype(object)
    calls = {
        "X": [lambda: k.forward(arrays["X"], F), lambda: k.grad_filter(arrays["X"], G)],
        "F": [lambda: k.forward(X, arrays["F"]), lambda: k.grad_input(arrays["F"], G)],
        "G": [lambda: k.grad_filter(X, arrays["G"]), lambda: k.grad_input(F, arrays["G"])],
    }[bad]
    for call in calls:
        with pytest.raises(TypeError):
            call()


def _shape_text(shape):
    return ", ".join(map(str, shape))


@pytest.mark.parametrize(
    "input, filter",
    [pytest.param("3x3", "2x2", id="i3x3-f2x2"), pytest.param("7x5", "3x2", id="i7x5-f3x2")],
)
def test_wrong_shapes_raise_value_error(input, filter):
    spec, k = _setup(input, filter, {})
    X, F, G = _data(spec, _rng("shapes", input, filter))
    xs, fs, gs = tuple(spec.input), tuple(spec.filter), tuple(spec.output)
    bad_x = [np.zeros((xs[0], xs[1] + 1)), np.zeros(xs[::-1] if xs[0] != xs[1] else (xs[0] + 1, xs[1])),
             np.zeros(xs[:1]), np.zeros(())]
    bad_f = [np.zeros((2,) + fs), np.zeros((fs[0] + 1, fs[1])), np.zeros(fs[:1])]
    bad_g = [np.zeros((gs[0], gs[1] + 1)), np.zeros(gs[:1]), np.zeros((2, gs[0] + 1, gs[1]))]
    for bx in bad_x:
        for call in (lambda: k.forward(bx, F), lambda: k.grad_filter(bx, G)):
            with pytest.raises(ValueError) as e:
                call()
            assert _shape_text(xs) in str(e.value)
    for bf in bad_f:
        for call in (lambda: k.forward(X, bf), lambda: k.grad_input(bf, G)):
            with pytest.raises(ValueError) as e:
                call()
            assert _shape_text(fs) in str(e.value)
    for bg in bad_g:
        for call in (lambda: k.grad_filter(X, bg), lambda: k.grad_input(F, bg)):
            with pytest.raises(ValueError) as e:
                call()
            assert _shape_text(gs) in str(e.value)


def test_wrong_shape_message_example():
    spec, k = _setup("3x3", "3x3", {})
    with pytest.raises(ValueError, match=r"3, 3"):
        k.forward(np.zeros((3, 4)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        k.forward(np.zeros((3, 3)), np.zeros((1, 3, 3)))


@pytest.mark.parametrize("input, filter, options", SOME)
def test_memory_layout_does_not_matter(input, filter, options):
    spec, k = _setup(input, filter, options)
    rng = _rng("layout", input, filter, options)
    X, F, G = _data(spec, rng, batch=(2,))
    base = (k.forward(X, F), k.grad_filter(X, G), k.grad_input(F, G))

    # Fortran order.
    Xf, Ff, Gf = (np.asfortranarray(a) for a in (X, F, G))
    assert not Xf.flags.c_contiguous
    for got, want in zip((k.forward(Xf, Ff), k.grad_filter(Xf, Gf), k.grad_input(Ff, Gf)), base):
        _close(got, want)

    # Reversed views versus contiguous copies of the same reversed data.
    rev = (slice(None),) + (slice(None, None, -1),) * (X.ndim - 1)
    frev = (slice(None, None, -1),) * F.ndim
    Xv, Fv, Gv = X[rev], F[frev], G[rev]
    Xc, Fc, Gc = (np.ascontiguousarray(a) for a in (Xv, Fv, Gv))
    assert not Xv.flags.c_contiguous and Xc.flags.c_contiguous
    _close(k.forward(Xv, Fv), k.forward(Xc, Fc))
    _close(k.grad_filter(Xv, Gv), k.grad_filter(Xc, Gc))
    _close(k.grad_input(Fv, Gv), k.grad_input(Fc, Gc))
    _close(k.forward(Xv[0], Fv), ref.forward(Xc[0], Fc, spec))

    # Every-other-element views into a bigger array.
    big_x = np.zeros((2,) + tuple(2 * n for n in spec.input))
    big_g = np.zeros((2,) + tuple(2 * n for n in spec.output))
    step = (slice(None),) + (slice(None, None, 2),) * spec.rank
    big_x[step] = X
    big_g[step] = G
    for got, want in zip((k.forward(big_x[step], F), k.grad_filter(big_x[step], big_g[step]),
                          k.grad_input(F, big_g[step])), base):
        _close(got, want)


@pytest.mark.parametrize(
    "input, filter, options, where",
    [
        pytest.param("3x3", "2x2", {}, (1, 0), id="i3x3-f2x2"),
        pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, (4, 2), id="i7x7-s2-p1:0x2:1"),
        pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, (6, 6), id="i7x7-s2-unread-corner"),
        pytest.param("9", "3", {"stride": 2, "dilation": 2}, (4,), id="i9-s2-d2-read"),
        pytest.param("9", "3", {"stride": 2, "dilation": 2}, (3,), id="i9-s2-d2-unread"),
    ],
)
def test_nan_propagates_only_to_windows_containing_it(input, filter, options, where):
    spec, k = _setup(input, filter, options)
    X, F, G = _data(spec, _rng("nan", input, filter, options, where))
    X[where] = np.nan
    O = k.forward(X, F)
    dF = k.grad_filter(X, G)
    readers = set()
    taps = set()
    for y in itertools.product(*map(range, spec.output)):
        for kk in itertools.product(*map(range, spec.filter)):
            if ref._reads(spec, y, kk) == tuple(where):
                readers.add(y)
                taps.add(kk)
    for y in itertools.product(*map(range, spec.output)):
        assert np.isnan(O[y]) == (y in readers), y
    for kk in itertools.product(*map(range, spec.filter)):
        assert np.isnan(dF[kk]) == (kk in taps), kk
    # Finite entries still agree with the reference computed without the NaN's windows.
    Xz = np.where(np.isnan(X), 0.0, X)
    mask = ~np.isnan(O)
    _close(O[mask], ref.forward(Xz, F, spec)[mask])


# -- property test over random specs ---------------------------------------------------


@st.composite
def specs(draw):
    rank = draw(st.integers(1, 3))
    axis = st.tuples(
        st.integers(1, 6),  # input
        st.integers(1, 3),  # filter
        st.integers(1, 3),  # stride
        st.integers(1, 2),  # dilation
        st.tuples(st.integers(0, 2), st.integers(0, 2)),  # padding (lo, hi)
    )
    axes = draw(st.lists(axis, min_size=rank, max_size=rank))
    inp, filt, stride, dil, pad = (tuple(col) for col in zip(*axes))
    try:
        spec = symconv.ConvSpec(input=inp, filter=filt, stride=stride, dilation=dil, padding=pad)
    except symconv.SpecError:
        assume(False)
    return spec


@settings(max_examples=25, deadline=None)
@given(spec=specs(), seed=st.integers(0, 2**32 - 1))
def test_random_specs_match_reference(spec, seed):
    d = _derivation_of(spec)
    assert d.proof.holds
    k = symconv.load_kernel(d)
    assert k.OUTPUT_SHAPE == ref.output_shape(spec)
    rng = np.random.default_rng(seed)
    X, F, G = _data(spec, rng)
    _close(k.forward(X, F), ref.forward(X, F, spec))
    _close(k.grad_filter(X, G), ref.grad_filter(X, G, spec))
    _close(k.grad_input(F, G), ref.grad_input(F, G, spec))
    _check_adjoint(k, X, F, G)
