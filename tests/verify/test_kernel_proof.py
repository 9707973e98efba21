"""The kernel's proof on symbols: every strategy's code equals the closed forms, and every kind
of wrong code is caught, including code that is wrong only for some layers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

import symconv
from symconv.derivation.symbols import F, X
from symconv.errors import ProofError
from symconv.layer import ConvSpec
from symconv.render.kernel import kernel_module
from symconv.render.strategies import strategies_for
from symconv.verify import kernel_layer, prove_kernel
from symconv.verify.kernel_proof import SYMBOL_LIMIT, symbol_size
from symconv.verify.polynomial import NotExact, Polynomial, from_expr
from symconv.verify.run import load

LAYERS = {
    "seed": ("3x3", "2x2", {}),
    "1d strided, remainder": ("13", "3", {"stride": 3, "dilation": 2, "padding": "2:1"}),
    "2d asymmetric": ("9x10", "3x2", {"stride": 3, "dilation": 2, "padding": "1:0x0:2"}),
    "3d": ("4x5x6", "2x2x3", {}),
    "stride beyond reach": ("10", "2", {"stride": 3}),
    "grouped, bias": ("7x6", "2x3", {"stride": "3x1", "dilation": "2x1", "padding": "1:0x0:1", "in_channels": 4,
                                     "out_channels": 4, "groups": 2, "bias": True}),
    "depthwise": ("10", "3", {"stride": 2, "dilation": 2, "in_channels": 3, "out_channels": 3, "groups": 3}),
    "3x3 channels": ("9x8", "3x3", {"padding": "1:0x2:1", "in_channels": 4, "out_channels": 4, "groups": 2,
                                    "bias": True}),
    "3x3 small": ("6x5", "3x3", {"padding": "1:0x0:1", "in_channels": 2, "out_channels": 2}),
    "large": ("64x64", "5x5", {}),
    "representative": ("32x32", "3x3", {"in_channels": 16, "out_channels": 32, "max_memory": "100M"}),
}
CASES = [(name, s) for name, (i, f, o) in LAYERS.items()
         for s in strategies_for(ConvSpec.parse(i, f, **{k: v for k, v in o.items() if k != "max_memory"}))]


@pytest.fixture(scope="module")
def derivations():
    return {name: symconv.derive(i, f, **o) for name, (i, f, o) in LAYERS.items()}


def proof_of(d, strategy, text=None):
    return prove_kernel(d, strategy, kernel_module(d, strategy).text if text is None else text)


def mutated(d, strategy, old, new, count=1):
    text = kernel_module(d, strategy).text
    assert text.count(old) >= count, f"{old!r} is not in the {strategy} kernel"
    return text.replace(old, new, count)


@pytest.mark.parametrize("name, strategy", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_every_strategys_code_equals_the_closed_forms_on_symbols(derivations, name, strategy):
    d = derivations[name]
    proof = proof_of(d, strategy)
    assert proof.holds, proof.failures
    assert {"_forward", "_grad_filter", "_grad_input"} <= set(proof.paths)
    assert ("_grad_bias" in proof.paths) == d.layer.bias
    if strategy in ("matrix", "rowgemm"):  # the taps code path for non-finite inputs is proven too
        assert {"_forward_taps", "_grad_input_taps"} <= set(proof.paths)
    assert proof.smaller == (d.representative or symbol_size(d.spec) > SYMBOL_LIMIT)
    assert proof.elements >= np.prod(d.spec.g_shape) + np.prod(d.spec.x_shape) + np.prod(d.spec.f_shape) or proof.smaller


def test_a_dropped_tap_fails_at_the_outputs_it_feeds(derivations):
    d = derivations["seed"]
    proof = proof_of(d, "taps", mutated(d, "taps", "    O += F[1, 0] * X[..., 1:3, 0:2]\n", ""))
    assert not proof.holds
    assert proof.failures and all(f.startswith("_forward") for f in proof.failures)
    assert any("_forward[0, 0]" in f for f in proof.failures)


def test_grad_input_without_the_rotation_fails(derivations):
    d = derivations["seed"]
    text = mutated(d, "taps", "dX = F[1, 1] * Gp", "dX = F[0, 0] * Gp")
    text = text.replace("dX += F[0, 0] * Gp[..., 1:4, 1:4]", "dX += F[1, 1] * Gp[..., 1:4, 1:4]")
    proof = proof_of(d, "taps", text)
    assert not proof.holds and all(f.startswith("_grad_input") for f in proof.failures)


def test_a_float_constant_is_not_exact(derivations):
    d = derivations["seed"]
    proof = proof_of(d, "taps", mutated(d, "taps", "O = F[0, 0] * X", "O = 1.0 * F[0, 0] * X"))
    assert not proof.holds and "not an exact number" in proof.failures[0]


def test_a_missing_body_fails(derivations):
    d = derivations["seed"]
    proof = proof_of(d, "taps", mutated(d, "taps", "def _grad_filter(", "def _grad_filter_renamed("))
    assert "_grad_filter: not defined" in proof.failures


def test_the_non_finite_code_path_is_checked_on_its_own(derivations):
    d = derivations["seed"]
    text = mutated(d, "matrix", "    O += F[0, 1] * X[..., 0:2, 1:3]\n", "")  # only in _forward_taps
    proof = proof_of(d, "matrix", text)
    assert not proof.holds and all(f.startswith("_forward_taps") for f in proof.failures)


def test_a_placement_without_the_stride_fails_when_the_stride_exceeds_the_filters_reach(derivations):
    d = derivations["stride beyond reach"]  # stride 3, filter 2: G's dilation leaves gaps
    text = kernel_module(d, "taps").text
    placement = next(line for line in text.splitlines() if line.strip().startswith("Gp[..., "))
    target = placement.split("]")[0]
    assert target.endswith(":3")
    proof = proof_of(d, "taps", text.replace(placement, placement.replace(target, target[:-2], 1)))
    assert not proof.holds and all(f.startswith("_grad_input") for f in proof.failures)


def test_a_channel_mixup_fails_only_with_two_output_channels_per_group(derivations):
    wrong = ("np.matmul(Fg, _columns", "np.matmul(Fg[:, ::-1], _columns")  # output channels reversed in a group
    grouped = derivations["grouped, bias"]  # two output channels per group: caught
    assert not proof_of(grouped, "gemm", mutated(grouped, "gemm", *wrong)).holds
    depthwise = derivations["depthwise"]  # one per group: reversing them changes nothing, and the proof agrees
    assert proof_of(depthwise, "gemm", mutated(depthwise, "gemm", *wrong)).holds


def test_a_forgotten_bias_fails(derivations):
    d = derivations["grouped, bias"]
    text = mutated(d, "gemm", "        O = O + b.reshape", "        O = O + 0 * b.reshape")
    proof = proof_of(d, "gemm", text)
    assert not proof.holds and all(f.startswith("_forward") for f in proof.failures)


def test_a_wrong_winograd_transform_entry_fails_where_the_transform_is_used(derivations):
    d = derivations["3x3 small"]  # small enough to run its own kernel text
    proof = proof_of(d, "winograd", mutated(d, "winograd", "(Fraction(2, 3), Fraction(2, 3), Fraction(2, 3)),",
                                            "(Fraction(2, 3), Fraction(2, 5), Fraction(2, 3)),"))
    assert proof.tile.holds  # the derived transforms are right; the module's copy is not
    failing = {f.split("[")[0].split(":")[0] for f in proof.failures}
    assert failing == {"_grad_input"}  # forward and grad_filter are gemm's: no transform


# Each block's slice of the batch, replaced by the first samples: right for the first block only.
BLOCK_ERRORS = [
    ("gemm", "_forward", "out=Og[..., n.start * OUTPUT_SIZE:n.stop * OUTPUT_SIZE]",
     "out=Og[..., :(n.stop - n.start) * OUTPUT_SIZE]"),
    ("gemm", "_grad_filter", "_channels_first(G[n])", "_channels_first(G[:n.stop - n.start])"),
    ("gemm", "_grad_input", "block = dXp[:, n]", "block = dXp[:, :n.stop - n.start]"),
    ("winograd", "_grad_input", "dX[:, n] = ", "dX[:, :n.stop - n.start] = "),
]


@pytest.mark.parametrize("strategy, body, right, wrong", BLOCK_ERRORS)
def test_a_block_read_or_written_at_the_wrong_samples_fails_once_there_are_two_blocks(strategy, body, right, wrong):
    # On symbols every block is one sample: three samples make three blocks, and the mistake shows.
    three = symconv.derive("6x5", "3x3", padding="1:0x0:1", in_channels=2, out_channels=2, batch=3)
    proof = proof_of(three, strategy, mutated(three, strategy, right, wrong))
    assert not proof.holds and {f.split("[")[0].split(":")[0] for f in proof.failures} == {body}
    one = symconv.derive("6x5", "3x3", padding="1:0x0:1", in_channels=2, out_channels=2, batch=1)
    assert proof_of(one, strategy, mutated(one, strategy, right, wrong)).holds  # one block: harmless


def test_the_proof_runs_each_sample_as_a_block_of_its_own():
    three = symconv.derive("6x5", "3x3", in_channels=2, out_channels=2, batch=3)
    text = kernel_module(three, "gemm").text
    assert "BLOCK_BYTES = 16 * 2**20" in text
    offset_lost = text.replace("out=Og[..., n.start * OUTPUT_SIZE:", "out=Og[..., 0 * n.start * OUTPUT_SIZE:")
    # At the real limit the three samples are one block, where the lost offset changes nothing ...
    rng = np.random.default_rng(3)
    X, W = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((2, 2, 3, 3))
    assert np.array_equal(load(offset_lost, "lost")["forward"](X, W), load(text, "right")["forward"](X, W))
    # ... and the proof, with one sample per block, still finds it.
    assert not proof_of(three, "gemm", offset_lost).holds


def test_winograd_grad_input_without_the_rotation_fails(derivations):
    d = derivations["3x3 small"]
    proof = proof_of(d, "winograd", mutated(d, "winograd", "+ KERNEL_SHAPE)[..., ::-1, ::-1]", "+ KERNEL_SHAPE)"))
    assert not proof.holds and all(f.startswith("_grad_input") for f in proof.failures)


def test_a_large_layer_runs_its_kernel_layer_with_the_same_shape_of_reads():
    spec = ConvSpec.parse("224x224", "7x7", stride=2, padding=3, in_channels=3, out_channels=64)
    small = kernel_layer(spec, 3)
    assert small.output == (5, 5) and small.remainder == spec.remainder
    assert (small.filter, small.stride, small.dilation, small.padding) == (spec.filter, spec.stride, spec.dilation,
                                                                           spec.padding)
    assert kernel_layer(ConvSpec.parse("4x4", "2x2"), 3) == ConvSpec.parse("4x4", "2x2")
    assert kernel_layer(ConvSpec.parse("1000", "2", stride=7), 3).remainder == (2,)  # r = 4 cut to the extent, 2


def test_a_degenerate_layer_says_its_code_was_not_run_on_symbols():
    d = symconv.derive("300000", "2", dilation=299999)
    proof = symconv.prove_kernel(d)
    assert not proof.holds and proof.skipped and "300005 symbols" in proof.skipped and not proof.failures


def test_write_entry_refuses_a_kernel_whose_code_differs(derivations, tmp_path, monkeypatch):
    d = derivations["seed"]
    good = kernel_module(d, "taps")
    bad = type(good)(good.text.replace("O = F[0, 0] * X", "O = F[0, 1] * X"), good.strategy, good.reason)
    monkeypatch.setattr(symconv.api, "kernel_module", lambda d, strategy=None: bad)
    with pytest.raises(ProofError, match="taps kernel's code, run on SymPy symbols, differs.*nothing was written"):
        symconv.write_entry(d, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_polynomials_are_exact_and_refuse_floats():
    x, f = Polynomial.symbol(X[0]), Polynomial.symbol(F[1])
    assert (x + f) * (x - f) == from_expr(X[0] ** 2 - F[1] ** 2)
    assert Fraction(1, 3) * x * 3 == x and x * 0 == 0 and 0 + x == x
    assert (x * np.int64(2)) == from_expr(2 * X[0])
    for value in (0.5, np.float64(1.0), True, 1j):
        with pytest.raises(NotExact):
            x * value
    with pytest.raises(NotExact):
        from_expr(sympy.sin(X[0]))
    assert from_expr((X[0] + F[1]) * X[0]) == x * x + f * x  # expanded when it is not a sum yet
