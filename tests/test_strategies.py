"""Every kernel strategy against the plain-loop reference, the dot-product test and each other."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import symconv
from symconv.kernelgen import choose_strategy, strategies_for

import reference as ref

SINGLE = [
    pytest.param("5", "2", {}, id="1d"),
    pytest.param("3x3", "2x2", {}, id="2d-tutorial"),
    pytest.param("4x5x6", "2x2x3", {}, id="3d"),
    pytest.param("7x7", "3x3", {"stride": 2, "padding": "1:0x2:1"}, id="2d-strided-padded"),
    pytest.param("9", "3", {"stride": 2, "dilation": 2}, id="1d-dilated-holes"),
    pytest.param("8x5", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "3:0x0:2"}, id="2d-mixed"),
    pytest.param("40x40", "3x3", {"padding": "same"}, id="2d-large-same"),
]
CHANNELS = [
    pytest.param("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True},
                 id="2d-groups-bias"),
    pytest.param("10", "3", {"stride": 2, "dilation": 2, "in_channels": 3, "out_channels": 3, "groups": 3}, id="1d-depthwise"),
    pytest.param("4x5x3", "2x2x2", {"padding": "1:0x0:1x2", "in_channels": 2, "out_channels": 3}, id="3d-padded"),
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


@pytest.mark.parametrize("input, filter, options", SINGLE)
def test_single_channel_strategies_match_reference(input, filter, options):
    d, kernels = _kernels(input, filter, options)
    spec = d.spec
    rng = np.random.default_rng(len(input) * 31 + len(options))
    X = rng.standard_normal((2, 3) + spec.input)
    F = rng.standard_normal(spec.filter)
    G = rng.standard_normal((2, 3) + spec.output)
    dF = sum(ref.grad_filter(X[b], G[b], spec) for b in np.ndindex(2, 3))
    for name, k in kernels.items():
        for b in [(0, 0), (1, 2)]:
            np.testing.assert_allclose(k.forward(X, F)[b], ref.forward(X[b], F, spec), rtol=1e-12, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(k.grad_input(F, G)[b], ref.grad_input(F, G[b], spec), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(k.grad_filter(X, G), dF, rtol=1e-11, atol=1e-11, err_msg=name)
        np.testing.assert_allclose(k.forward(X[0, 0], F), ref.forward(X[0, 0], F, spec), rtol=1e-12, atol=1e-12)
        _adjoint(k, X, F, G)


@pytest.mark.parametrize("input, filter, options", CHANNELS)
def test_channel_strategies_match_reference(input, filter, options):
    d, kernels = _kernels(input, filter, options)
    spec = d.spec
    rng = np.random.default_rng(len(input) * 17 + len(options))
    X = rng.standard_normal((3, spec.c_in) + spec.input)
    F = rng.standard_normal(spec.f_shape)
    G = rng.standard_normal((3, spec.c_out) + spec.output)
    for name, k in kernels.items():
        np.testing.assert_allclose(k.forward(X, F), ref.forward_channels(X, F, spec), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(k.grad_input(F, G), ref.grad_input_channels(F, G, spec), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(k.grad_filter(X, G), ref.grad_filter_channels(X, G, spec), rtol=1e-12, atol=1e-12, err_msg=name)
        if spec.bias:
            b = rng.standard_normal(spec.c_out)
            np.testing.assert_allclose(k.forward(X, F, b), ref.forward_channels(X, F, spec, b), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(k.grad_bias(G), ref.grad_bias_channels(G, spec), rtol=1e-12, atol=1e-12)
        _adjoint(k, X, F, G)


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
    assert set(symconv.STRATEGIES) == {"taps", "batchlast", "gemm"}
