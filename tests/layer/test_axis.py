"""The per-axis formulas: written once, right on ints (against brute force from the forward
definition) and usable on SymPy symbols (the proof for all sizes evaluates the same code)."""

from __future__ import annotations

import itertools

import pytest
import sympy

from symconv.layer import axis

GRID = list(itertools.product(range(1, 8), range(1, 4), range(1, 4), range(1, 3), range(0, 3), range(0, 3)))


def _reads(n, k, s, d, lo, hi):
    """Every (output, tap, position) by brute force: outputs whose whole window fits the padded input."""
    outputs = [y for y in range(n + lo + hi) if s * y + d * (k - 1) < n + lo + hi]
    return outputs, {(y, t): s * y + d * t - lo for y in outputs for t in range(k)}


@pytest.mark.parametrize("n, k, s, d, lo, hi", [g for g in GRID if g[0] + g[4] + g[5] >= axis.extent(g[1], g[3])])
def test_output_length_and_remainder_match_brute_force(n, k, s, d, lo, hi):
    outputs, reads = _reads(n, k, s, d, lo, hi)
    assert axis.output_length(n, k, s, d, lo, hi) == len(outputs)
    r = axis.remainder(n, k, s, d, lo, hi)
    assert 0 <= r < s
    last_read = s * (len(outputs) - 1) + d * (k - 1)  # in the padded input
    assert n + lo + hi - 1 - last_read == r  # the trailing padded positions no window reads
    assert axis.output_identity(n, k, s, d, lo, hi, len(outputs), r) == 0
    assert all(axis.read(y, t, s, d, lo) == i for (y, t), i in reads.items())
    before, after = axis.grad_input_padding(k, d, lo, hi, r)
    assert before + axis.dilated_length(len(outputs), s) + after == axis.padded_gradient_length(n, k, d)
    assert axis.correlation_length(axis.padded_gradient_length(n, k, d), k, 1, d) == n  # dL/dX has n elements
    low, high = axis.grad_filter_padding(lo, hi, r)
    assert axis.correlation_length(n + low + high, len(outputs), d, s) == k  # dL/dF has k (G, dilated by s)


def test_the_same_formulas_run_on_symbols():
    n, k, s, d, lo, hi, o, r = sympy.symbols("n k s d lo hi O r", integer=True, positive=True)
    assert axis.read(o, k, s, d, lo) == s * o + d * k - lo
    assert axis.dilated_length(o, s) == s * (o - 1) + 1
    assert axis.grad_input_padding(k, d, lo, hi, r) == (d * (k - 1) - lo, d * (k - 1) - hi + r)
    assert axis.grad_filter_padding(lo, hi, r) == (lo, hi - r)
    assert axis.output_length(n, k, s, d, lo, hi) == sympy.floor((n + lo + hi - d * (k - 1) - 1) / s) + 1
    assert axis.remainder(n, k, s, d, lo, hi) == sympy.Mod(n + lo + hi - d * (k - 1) - 1, s)
    solved = sympy.solve(axis.output_identity(n, k, s, d, lo, hi, o, r), o)
    assert len(solved) == 1 and sympy.expand(solved[0] - (n + lo + hi - d * (k - 1) - 1 - r) / s - 1) == 0


def test_placement_keeps_only_outputs_inside_the_padded_gradient():
    # lo' = -1: output 0 would land at -1 (cropped); outputs 1..3 land at 1, 3, 5.
    assert axis.placement(-1, 2, 4, 6) == (slice(1, 4), slice(1, 6, 2))
    assert axis.placement(-9, 2, 4, 6) == (slice(0, 0), slice(0, 0))
