"""The matrix strategy: per sample the correlation is one product with its dense Toeplitz
matrix, whose index pairs the kernel module computes at import."""

from __future__ import annotations

import math

from ...layer import ConvSpec
from .base import SingleChannelStrategy

# matrix multiplies by the dense (input size x output size) Toeplitz matrix: input size / taps
# times the taps' multiply-adds, in one BLAS call with no copies; it wins while the matrix
# stays small enough to build at every call and sit in cache (measured up to 16x16 with 3x3).
MATRIX_MAX_ENTRIES = 65536


class Matrix(SingleChannelStrategy):
    """One BLAS matrix product per call, for single-channel layers of any rank whose Toeplitz
    matrix is small.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> Matrix().suits(ConvSpec.parse("16x16", "3x3")), Matrix().suits(ConvSpec.parse("18x18", "3x3"))
        (True, False)
    """

    name = "matrix"
    template = "kernel/matrix.py.j2"

    def suits(self, spec: ConvSpec) -> bool:
        return _entries(spec) <= MATRIX_MAX_ENTRIES

    def reason(self, spec: ConvSpec) -> str:
        inputs, outputs, taps = math.prod(spec.input), math.prod(spec.output), math.prod(spec.filter)
        return (f"a {inputs} x {outputs} Toeplitz matrix per sample: one BLAS matrix product over the "
                f"batch replaces {taps} whole-array tap passes")


def _entries(spec: ConvSpec) -> int:
    """The Toeplitz matrix's entries: input size x output size."""
    return math.prod(spec.input) * math.prod(spec.output)
