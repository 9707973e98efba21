"""Every kernel strategy against the plain-loop reference, the dot-product test and each other."""

from __future__ import annotations

import dataclasses
import functools
import re

import numpy as np
import pytest

import symconv
from symconv.render.strategies import (BatchLast, ChannelTaps, Gemm, KernelContext, Matrix, RowGemm, Strategy, Taps,
                                       Winograd, choose, choose_strategy, strategies_for)
from symconv.render.strategies import base
from symconv.render.strategies.base import SingleChannelStrategy

import reference as ref
from conftest import ROOT, check_finite_differences

# Layers on which each classic convolution-gradient bug changes the result (see
# test_cases_can_see_every_classic_bug): stride != dilation (an unswapped stride and dilation
# in dL/dF), dilation > 1 (K-1 for d(K-1)), a remainder r >= d (a missing crop of dL/dF), a
# stride beyond the filter's reach (interior rows no window reads), padding beyond the reach
# (negative gradient paddings), and groups with two or more channels of each kind (a naive
# per-group channel transpose).
SINGLE = [
    pytest.param("5", "2", {}, id="1d"),
    pytest.param("3x3", "2x2", {}, id="2d-tutorial"),
    pytest.param("13", "3", {"stride": 3, "dilation": 2, "padding": "2:1"}, id="1d-remainder-beyond-dilation"),
    pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, id="2d-strided-padded"),
    pytest.param("11x10", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "2:0x0:1"}, id="2d-mixed"),
    pytest.param("10x9", "2x2", {"stride": "4x3"}, id="2d-stride-beyond-reach"),
    pytest.param("6x7", "2x2", {"padding": "4:5x3:6"}, id="2d-padding-beyond-reach"),
    pytest.param("4x5x6", "2x2x3", {}, id="3d"),
    pytest.param("7x5x6", "2x3x2", {"stride": "3x1x2", "dilation": "2x1x1", "padding": "1:0x0:2x1"}, id="3d-mixed"),
    pytest.param("40x40", "3x3", {"padding": "same"}, id="2d-large-same"),
]
CHANNELS = [
    pytest.param("7x6", "2x3", {"stride": "3x1", "dilation": "2x1", "padding": "1:0x0:1", "in_channels": 4,
                                "out_channels": 4, "groups": 2, "bias": True}, id="2d-groups-bias"),
    pytest.param("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True},
                 id="2d-groups-3to2"),
    pytest.param("12", "3", {"stride": 3, "dilation": 2, "padding": "1:2", "in_channels": 6, "out_channels": 4,
                             "groups": 2}, id="1d-groups-remainder"),
    pytest.param("10", "3", {"stride": 2, "dilation": 2, "in_channels": 3, "out_channels": 3, "groups": 3}, id="1d-depthwise"),
    pytest.param("4x5x3", "2x2x2", {"padding": "1:0x0:1x2", "in_channels": 2, "out_channels": 3}, id="3d-padded"),
    pytest.param("40x9", "3x2", {"stride": "12x1", "dilation": "1x11", "padding": "0x5", "in_channels": 2,
                                 "out_channels": 2}, id="2d-two-digit-steps"),
    # 3x3, stride 1: winograd's; several tiles and partial edge tiles, padding beyond reach on one side
    pytest.param("11x9", "3x3", {"padding": "3:0x1:2", "in_channels": 4, "out_channels": 4, "groups": 2, "bias": True},
                 id="2d-3x3-tiles"),
]


@functools.lru_cache(maxsize=None)
def _derivation(input, filter, options):
    return symconv.derive(input, filter, **dict(options))


def _kernels(input, filter, options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    return d, {s: symconv.load_kernel(d, s) for s in strategies_for(d.spec)}


def _adjoint(k, X, F, G):
    lhs = np.vdot(k.forward(X, F), G)
    assert np.vdot(X, k.grad_input(F, G)) == pytest.approx(lhs, rel=1e-10, abs=1e-10)
    assert np.vdot(F, k.grad_filter(X, G)) == pytest.approx(lhs, rel=1e-10, abs=1e-10)


def _per_strategy(cases):
    """One parameter per (strategy, layer) where the strategy applies: a failure names both."""
    out = []
    for case in cases:
        input, filter, options = case.values
        spec = symconv.ConvSpec.parse(input, filter, **options)
        out += [pytest.param(name, *case.values, id=f"{name}-{case.id}") for name in strategies_for(spec)]
    return out


def _single_data(spec, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, 3) + spec.input)
    F = rng.standard_normal(spec.filter)
    G = rng.standard_normal((2, 3) + spec.output)
    return X, F, G


def _channel_data(spec, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, spec.c_in) + spec.input)
    F = rng.standard_normal(spec.f_shape)
    G = rng.standard_normal((3, spec.c_out) + spec.output)
    return X, F, G


def _kernel(strategy, input, filter, options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    k = symconv.load_kernel(d, strategy)
    assert f"Strategy: {strategy} (chosen by the caller)." in k.__doc__
    return d.spec, k


@pytest.mark.parametrize("strategy, input, filter, options", _per_strategy(SINGLE))
def test_single_channel_strategy_matches_reference(strategy, input, filter, options):
    spec, k = _kernel(strategy, input, filter, options)
    X, F, G = _single_data(spec, len(input) * 31 + len(options))
    dF = sum(ref.grad_filter(X[b], G[b], spec) for b in np.ndindex(2, 3))
    O, dX = k.forward(X, F), k.grad_input(F, G)
    for b in np.ndindex(2, 3):
        np.testing.assert_allclose(O[b], ref.forward(X[b], F, spec), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dX[b], ref.grad_input(F, G[b], spec), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(k.grad_filter(X, G), dF, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(k.forward(X[0, 0], F), ref.forward(X[0, 0], F, spec), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strategy, input, filter, options", _per_strategy(CHANNELS))
def test_channel_strategy_matches_reference(strategy, input, filter, options):
    spec, k = _kernel(strategy, input, filter, options)
    X, F, G = _channel_data(spec, len(input) * 17 + len(options))
    np.testing.assert_allclose(k.forward(X, F), ref.forward_channels(X, F, spec), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(k.grad_input(F, G), ref.grad_input_channels(F, G, spec), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(k.grad_filter(X, G), ref.grad_filter_channels(X, G, spec), rtol=1e-12, atol=1e-12)
    if spec.bias:
        b = np.random.default_rng(1).standard_normal(spec.c_out)
        np.testing.assert_allclose(k.forward(X, F, b), ref.forward_channels(X, F, spec, b), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(k.grad_bias(G), ref.grad_bias_channels(G, spec), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("strategy, input, filter, options", _per_strategy(SINGLE + CHANNELS))
def test_strategy_gradients_match_finite_differences(strategy, input, filter, options):
    spec, k = _kernel(strategy, input, filter, options)
    X, F, G = (_channel_data if spec.channelled else _single_data)(spec, 7)
    check_finite_differences(k, X, F, G, np.random.default_rng(8))


@pytest.mark.parametrize("strategy, input, filter, options", _per_strategy(SINGLE + CHANNELS))
def test_strategy_passes_the_dot_product_test(strategy, input, filter, options):
    spec, k = _kernel(strategy, input, filter, options)
    X, F, G = (_channel_data if spec.channelled else _single_data)(spec, 9)
    _adjoint(k, X, F, G)


EVERY_BUG = (
    "unswapped stride and dilation", "K-1 for d(K-1)", "missing crop of dL/dF (r >= d)",
    "stride beyond the filter's reach", "padding beyond the filter's reach", "missing rotation",
)
CHANNEL_BUG = "naive per-group channel transpose"


def _classic_bugs_seen(spec) -> set[str]:
    """The classic bugs (conv-gradients.md section 6) that change some result of ``spec``."""
    axes = list(zip(spec.stride, spec.dilation, spec.filter, spec.remainder, spec.padding))
    seen = {
        "unswapped stride and dilation": any(s != d for s, d, *_ in axes),
        "K-1 for d(K-1)": any(d > 1 and k > 1 for _, d, k, *_ in axes),
        "missing crop of dL/dF (r >= d)": any(r >= d for _, d, _, r, _ in axes),
        "stride beyond the filter's reach": any(s > d * (k - 1) + 1 for s, d, k, *_ in axes),
        "padding beyond the filter's reach": any(max(p) > d * (k - 1) for _, d, k, _, p in axes),
        "missing rotation": any(k > 1 for _, _, k, *_ in axes),
    }
    if spec.channelled:
        seen[CHANNEL_BUG] = spec.n_groups > 1 and spec.cg_in > 1 and spec.cg_out > 1
    return {name for name, on in seen.items() if on}


@pytest.mark.parametrize("strategy", symconv.STRATEGIES)
def test_cases_can_see_every_classic_bug(strategy):
    """Every strategy is tested on layers where each classic bug would change a result."""
    for cases in (SINGLE, CHANNELS):
        specs = [symconv.ConvSpec.parse(*c.values[:2], **c.values[2]) for c in cases]
        specs = [s for s in specs if strategy in strategies_for(s)]
        if not specs:
            continue
        seen = set().union(*map(_classic_bugs_seen, specs))
        every = set(EVERY_BUG) | ({CHANNEL_BUG} if specs[0].channelled else set())
        if strategy == "winograd":  # stride 1 and dilation 1 only: these bugs need a stride or dilation > 1
            every -= {"unswapped stride and dilation", "K-1 for d(K-1)", "missing crop of dL/dF (r >= d)",
                      "stride beyond the filter's reach"}
        assert seen == every, f"{strategy}: no test layer can see {sorted(every - seen)}"


@pytest.mark.parametrize("input, filter, options", SINGLE[1:2] + SINGLE[3:4] + CHANNELS[:1])
def test_float32_preserved_and_strategies_agree(input, filter, options):
    d, kernels = _kernels(input, filter, options)
    spec = d.spec
    lead = (2, spec.c_in) if spec.channelled else (2,)
    glead = (2, spec.c_out) if spec.channelled else (2,)
    rng = np.random.default_rng(5)
    X = rng.standard_normal(lead + spec.input).astype(np.float32)
    F = rng.standard_normal(spec.f_shape).astype(np.float32)
    G = rng.standard_normal(glead + spec.output).astype(np.float32)
    results = {}
    for name, k in kernels.items():
        out = (k.forward(X, F), k.grad_filter(X, G), k.grad_input(F, G))
        assert all(a.dtype == np.float32 for a in out), name
        results[name] = out
    first = results["taps"]
    for name, out in results.items():
        for a, b in zip(out, first):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=name)


@pytest.mark.parametrize("input, filter, options", SINGLE + CHANNELS)
def test_automatic_choice_is_stated_in_the_docstring(input, filter, options):
    d = _derivation(input, filter, tuple(sorted(options.items())))
    chosen, reason = choose_strategy(d.spec)
    assert chosen in strategies_for(d.spec)
    k = symconv.load_kernel(d)
    assert f"Strategy: {chosen} ({reason})." in " ".join(k.__doc__.split())
    assert symconv.render_numpy(d) == symconv.render_numpy(d, chosen).replace(
        "Strategy: %s (chosen by the caller)" % chosen, "Strategy: %s (%s)" % (chosen, reason))


def test_a_strategy_that_does_not_apply_is_refused():
    d = _derivation("3x3", "2x2", ())
    with pytest.raises(symconv.SpecError, match="gemm"):
        symconv.render_numpy(d, "gemm")
    with pytest.raises(symconv.SpecError, match="nonsense"):
        symconv.load_kernel(d, "nonsense")


def test_strategies_are_exported():
    assert set(symconv.STRATEGIES) == {"taps", "batchlast", "gemm", "rowgemm", "matrix", "winograd"}


ROWGEMM = [
    pytest.param("12x11", "3x2", {}, id="plain"),
    pytest.param("12x13", "3x3", {"stride": 2}, id="strided"),  # remainder 1 on the first axis
    pytest.param("13x12", "3x2", {"dilation": "2x3"}, id="dilated"),
    pytest.param("9x10", "3x3", {"padding": "2:0x1:3"}, id="asymmetric-padding"),
    pytest.param("6x7", "2x2", {"padding": "4:5x3:6"}, id="padding-beyond-reach"),
    pytest.param("12x11", "3x3", {"stride": "3x2", "padding": "1:0x2:1"}, id="stride-remainder"),
    pytest.param("13x12", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "3:0x0:2"}, id="mixed"),
    pytest.param("9x8", "1x3", {"padding": 1}, id="one-filter-row"),
    pytest.param("9x8", "3x1", {"stride": 2}, id="one-filter-column"),
    pytest.param("5x40", "3x3", {"padding": "0x1"}, id="wide-rows"),  # grad_filter by taps, not the band
]


# The matrix strategy also runs on every rank.
MATRIX = ROWGEMM + [
    pytest.param("11", "3", {"stride": 2, "dilation": 2, "padding": "3:1"}, id="1d-mixed"),
    pytest.param("5x4x6", "2x3x2", {"stride": "2x1x3", "padding": "1:0x0:2x1"}, id="3d-mixed"),
]
# Strategies that multiply by a matrix with zeros in it, so need the taps path for NaN and inf.
BANDED = [pytest.param("rowgemm", p.values, id=f"rowgemm-{p.id}") for p in ROWGEMM] + [
    pytest.param("matrix", p.values, id=f"matrix-{p.id}") for p in MATRIX]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("strategy, case", BANDED)
def test_banded_strategies_match_reference(strategy, case, dtype, tol):
    input, filter, options = case
    d = _derivation(input, filter, tuple(sorted(options.items())))
    spec = d.spec
    k = symconv.load_kernel(d, strategy)
    assert f"Strategy: {strategy} (chosen by the caller)." in k.__doc__
    rng = np.random.default_rng(len(input) + 7 * len(options))
    X = rng.standard_normal((2, 3) + spec.input).astype(dtype)
    F = rng.standard_normal(spec.filter).astype(dtype)
    G = rng.standard_normal((2, 3) + spec.output).astype(dtype)
    O, dX, dF = k.forward(X, F), k.grad_input(F, G), k.grad_filter(X, G)
    assert O.shape == (2, 3) + spec.output and dX.shape == (2, 3) + spec.input and dF.shape == spec.filter
    assert O.dtype == dX.dtype == dF.dtype == dtype
    expected_dF = sum(ref.grad_filter(X[b].astype(np.float64), G[b].astype(np.float64), spec) for b in np.ndindex(2, 3))
    np.testing.assert_allclose(dF, expected_dF, rtol=10 * tol, atol=10 * tol)
    for b in np.ndindex(2, 3):
        np.testing.assert_allclose(O[b], ref.forward(X[b], F, spec), rtol=tol, atol=tol)
        np.testing.assert_allclose(dX[b], ref.grad_input(F, G[b], spec), rtol=tol, atol=tol)
    # No leading axes, and several.
    np.testing.assert_allclose(k.forward(X[1, 2], F), O[1, 2], rtol=tol, atol=tol)
    np.testing.assert_allclose(k.grad_input(F, G[0, 1]), dX[0, 1], rtol=tol, atol=tol)
    np.testing.assert_allclose(k.forward(X[None], F)[0], O, rtol=tol, atol=tol)
    if dtype == np.float64:
        _adjoint(k, X, F, G)


def _nan_reference(op, A, spec):
    """Which results the NaN-propagating plain loop makes NaN when the non-finite entries of A
    (X for forward, G for grad_input) are NaN: exactly those whose terms read one."""
    marked = np.where(np.isfinite(A), 0.0, np.nan)
    ones = np.ones(spec.filter)
    return np.isnan(ref.forward(marked, ones, spec) if op == "forward" else ref.grad_input(ones, marked, spec))


@pytest.mark.parametrize("strategy, case", BANDED)
def test_banded_strategies_nan_and_inf_reach_only_their_windows(strategy, case):
    input, filter, options = case
    d = _derivation(input, filter, tuple(sorted(options.items())))
    spec = d.spec
    k = symconv.load_kernel(d, strategy)
    rng = np.random.default_rng(11)
    X = rng.standard_normal((2,) + spec.input)
    F = rng.standard_normal(spec.filter)
    G = rng.standard_normal((2,) + spec.output)
    some = (1, 2, 0)[:spec.rank]
    X[(0,) + some], X[(0,) + tuple(n - 1 for n in spec.input)], X[(1,) + (0,) * spec.rank] = np.nan, np.inf, -np.inf
    G[(1,) + tuple(o // 2 for o in spec.output)], G[(0,) + tuple(o - 1 for o in spec.output)] = np.inf, np.nan
    O, dX = k.forward(X, F), k.grad_input(F, G)
    for b in range(2):
        assert np.array_equal(~np.isfinite(O[b]), _nan_reference("forward", X[b], spec))
        assert np.array_equal(~np.isfinite(dX[b]), _nan_reference("grad_input", G[b], spec))
        finite = np.isfinite(O[b])
        Xz = np.where(np.isfinite(X[b]), X[b], 0.0)
        np.testing.assert_allclose(O[b][finite], ref.forward(Xz, F, spec)[finite], rtol=1e-12, atol=1e-12)
    # NaN alone gives exactly the reference's NaN pattern.
    Xn = np.where(np.isfinite(X), X, np.nan)
    for b in range(2):
        assert np.array_equal(np.isnan(k.forward(Xn, F)[b]), _nan_reference("forward", X[b], spec))
    assert _nan_reference("forward", X[0], spec).any() and _nan_reference("grad_input", G[1], spec).any()
    # Exactly the taps strategy's results, NaN for NaN.
    taps = symconv.load_kernel(d, "taps")
    np.testing.assert_array_equal(O, taps.forward(X, F))
    np.testing.assert_array_equal(dX, taps.grad_input(F, G))
    if strategy == "rowgemm":
        # grad_filter (band or taps) multiplies padded zeros as the taps do: the same non-finite entries.
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(np.isfinite(k.grad_filter(X, G)), np.isfinite(taps.grad_filter(X, G)))
    if strategy == "matrix":
        # grad_filter reads only window pairs, so needs no taps path: the chain rule's own
        # non-finite entries (padding is no term, so inf in G never meets a padded zero).
        with np.errstate(invalid="ignore"):
            expected = sum(ref.grad_filter(X[b], G[b], spec) for b in range(2))
            dF = k.grad_filter(X, G)
        np.testing.assert_array_equal(np.isfinite(dF), np.isfinite(expected))
        assert not np.isfinite(expected).all()


def test_automatic_choice_by_size():
    assert choose_strategy(symconv.ConvSpec.parse("48x48", "3x3"))[0] == "rowgemm"  # excess 16
    assert choose_strategy(symconv.ConvSpec.parse("64x64", "3x3"))[0] == "taps"  # W3: excess 21
    assert choose_strategy(symconv.ConvSpec.parse("3x3", "2x2"))[0] == "matrix"  # W1: a 9 x 4 matrix
    assert choose_strategy(symconv.ConvSpec.parse("16x16", "3x3"))[0] == "matrix"  # 256 x 196
    assert choose_strategy(symconv.ConvSpec.parse("4x5x6", "2x2x3"))[0] == "matrix"
    assert choose_strategy(symconv.ConvSpec.parse("28x28", "5x5"))[0] == "rowgemm"  # W2: 576 outputs
    assert choose_strategy(symconv.ConvSpec.parse("8x8x8", "3x3x3"))[0] == "batchlast"  # 512 x 216
    assert choose_strategy(symconv.ConvSpec.parse("300", "5"))[0] == "batchlast"
    assert choose_strategy(symconv.ConvSpec.parse("128x128", "3x3"))[0] == "taps"  # too wide
    assert choose_strategy(symconv.ConvSpec.parse("40x40x40", "3x3x3"))[0] == "taps"
    assert "rowgemm" in strategies_for(symconv.ConvSpec.parse("5x5", "2x2"))
    assert "rowgemm" not in strategies_for(symconv.ConvSpec.parse("40", "3"))
    assert "rowgemm" not in strategies_for(symconv.ConvSpec.parse("4x5x6", "2x2x3"))
    assert "rowgemm" not in strategies_for(symconv.ConvSpec.parse("8x8", "3x3", in_channels=2, out_channels=2))
    d = _derivation("48x48", "3x3", ())
    k = symconv.load_kernel(d)
    assert "Strategy: rowgemm (" in k.__doc__ and "taps code path" in k.__doc__
    with pytest.raises(symconv.SpecError, match="rowgemm"):
        symconv.render_numpy(_derivation("40", "3", ()), "rowgemm")


# -- the strategy objects ---------------------------------------------------------------------
def _spec(input, filter, **options):
    return symconv.ConvSpec.parse(input, filter, **options)


ONE_D, TWO_D, THREE_D = _spec("9", "3"), _spec("9x9", "3x3"), _spec("5x5x5", "2x2x2")
CHANNEL_2D = _spec("9x9", "3x3", in_channels=2, out_channels=2)
LAYERS = {"1d": ONE_D, "2d": TWO_D, "3d": THREE_D, "channels-2d": CHANNEL_2D}
OBJECTS = [Taps(), ChannelTaps(), BatchLast(), Matrix(), RowGemm(), Gemm(), Winograd()]
APPLIES = {  # strategy object -> the layers of LAYERS it applies to
    "Taps": {"1d", "2d", "3d"},
    "ChannelTaps": {"channels-2d"},
    "BatchLast": {"1d", "2d", "3d"},
    "Matrix": {"1d", "2d", "3d"},
    "RowGemm": {"2d"},
    "Gemm": {"channels-2d"},
    "Winograd": {"channels-2d"},
}


@pytest.mark.parametrize("strategy", OBJECTS, ids=lambda s: type(s).__name__)
def test_each_strategy_object_applies_where_it_should(strategy):
    applies = {name for name, spec in LAYERS.items() if strategy.applies(spec)}
    assert applies == APPLIES[type(strategy).__name__]
    assert strategy.name in symconv.STRATEGIES
    assert (ROOT / "templates" / strategy.template).is_file()


@pytest.mark.parametrize("layer", LAYERS)
def test_strategies_for_lists_the_objects_that_apply(layer):
    spec = LAYERS[layer]
    names = [s.name for s in OBJECTS if s.applies(spec)]
    assert len(names) == len(set(names)), "two objects of one name apply to one layer"
    assert set(strategies_for(spec)) == set(names)


def test_every_strategy_has_an_object_and_a_place_in_both_orders():
    assert {s.name for s in OBJECTS} == set(symconv.STRATEGIES)
    assert sorted(base._LISTED) == sorted(base._PREFERRED) == sorted(symconv.STRATEGIES)


REASONS = [
    (Matrix(), _spec("3x3", "2x2"),
     "a 9 x 4 Toeplitz matrix per sample: one BLAS matrix product over the batch replaces 4 whole-array tap passes"),
    (RowGemm(), _spec("28x28", "5x5"),
     "576 outputs per sample: one copy of the input rows each output row reads and one BLAS matrix product with a "
     "banded filter matrix replace 25 whole-array tap passes"),
    (BatchLast(), _spec("300", "5"),
     "296 outputs x 5 taps per sample is small, so batch-last windows are long contiguous runs"),
    (Taps(), _spec("128x128", "3x3"), "15876 outputs per sample are long enough for batch-first whole-array tap "
     "operations; rows of 128 are too wide for rowgemm's banded matrix"),
    (Taps(), _spec("2000", "3"), "1998 outputs per sample are long enough for batch-first whole-array tap operations"),
    (Gemm(), _spec("7x7", "3x3", in_channels=4, out_channels=6, groups=2),
     "channels: 2 x 9 (channel, tap) pairs per group contract in one matrix product"),
]


@pytest.mark.parametrize("strategy, spec, reason", REASONS, ids=lambda v: getattr(v, "name", None))
def test_each_strategy_states_why_the_automatic_choice_took_it(strategy, spec, reason):
    assert strategy.reason(spec) == reason
    assert choose_strategy(spec) == (strategy.name, reason)


# (strategy, layer just within its threshold, layer just beyond it)
THRESHOLDS = [
    pytest.param(Matrix(), _spec("256", "1"), _spec("257", "1"), id="matrix-65536-entries"),
    pytest.param(BatchLast(), _spec("1026", "3"), _spec("1027", "3"), id="batchlast-1024-outputs"),
    pytest.param(RowGemm(), _spec("13x12", "3x3"), _spec("12x12", "3x3"), id="rowgemm-over-100-outputs"),
    pytest.param(RowGemm(), _spec("12x48", "3x3"), _spec("12x51", "3x3"), id="rowgemm-excess-16"),
]


@pytest.mark.parametrize("strategy, within, beyond", THRESHOLDS)
def test_each_strategy_suits_layers_up_to_its_threshold(strategy, within, beyond):
    assert strategy.suits(within) and not strategy.suits(beyond)


def test_rowgemm_runs_the_banded_grad_filter_up_to_its_excess():
    assert RowGemm().plan(_spec("5x30", "3x3")).band_grad_filter  # excess 10
    assert not RowGemm().plan(_spec("5x33", "3x3")).band_grad_filter  # excess 11


def test_the_chosen_object_fills_a_frozen_typed_context():
    d = _derivation("7x7", "3x3", (("stride", 2), ("padding", "1:0x2:1")))
    chosen, reason = choose(d.layer, "rowgemm")
    context = chosen.context(d, reason)
    assert isinstance(context, KernelContext) and context.strategy == "rowgemm"
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.reason = "changed"


def test_a_strategy_outside_the_registry_is_refused():
    class Nonsense(Taps):
        name = "nonsense"

    with pytest.raises(ValueError, match="nonsense"):
        base.register(Nonsense())
    assert issubclass(Nonsense, Strategy)


# -- the kernel templates ---------------------------------------------------------------------
KERNEL_TEMPLATES = sorted((ROOT / "templates" / "kernel").glob("*.j2"))
NAMES = "|".join(symconv.STRATEGIES)


@pytest.mark.parametrize("path", KERNEL_TEMPLATES, ids=lambda p: p.name)
def test_no_kernel_template_branches_on_the_strategy(path):
    """Each strategy has its own template: none asks which strategy it is filling."""
    text = path.read_text(encoding="utf-8")
    assert "strategy ==" not in text and "strategy in" not in text
    conditions = re.findall(r"{%-?\s*(?:el)?if\b(.*?)-?%}", text)
    assert not [c for c in conditions if re.search(rf"\bstrategy\b|\b({NAMES})\b", c)], conditions


def _extended(template: str) -> list[str]:
    """``template`` and every template it extends, in turn."""
    chain = [template]
    while found := re.search(r'{% extends "(.*?)" %}', (ROOT / "templates" / chain[-1]).read_text(encoding="utf-8")):
        chain.append(found.group(1))
    return chain


@pytest.mark.parametrize("strategy", OBJECTS, ids=lambda s: type(s).__name__)
def test_each_strategy_template_extends_its_layout(strategy):
    layout = "single" if isinstance(strategy, SingleChannelStrategy) else "channels"
    chain = _extended(strategy.template)
    assert f"kernel/{layout}.py.j2" in chain and chain[-1] == "kernel/kernel.py.j2", chain


SHARED_CODE = ["np.pad(X", "if not (np.isfinite(", "Gp[..., {{ windows.placement_target }}]", "def _as_float",
               "def _forward_taps", "def _grad_input_taps", "np.einsum(\"n{{"]


@pytest.mark.parametrize("code", SHARED_CODE)
def test_shared_kernel_code_is_written_once(code):
    assert sum(p.read_text(encoding="utf-8").count(code) for p in KERNEL_TEMPLATES) == 1
