"""The rounding-error model of a kernel: from it the shipped test derives every tolerance.

Each op of a kernel computes an output element as sums of products of its two inputs a and b
(and of exact or once-rounded constants). In floating point with unit roundoff u, an element
whose computation has at most R successive roundings on any path is within
``gamma(R) * M`` of the exact value, ``gamma(R) = R u / (1 - R u)``, where M is the same
computation run on absolute values (Higham, *Accuracy and Stability of Numerical Algorithms*,
2002, section 3.1 and Lemma 3.3). Bounding M by ``W * max|a| * max|b|`` leaves two numbers per op:
R and the growth W. A direct sum of n products has R = W = n; Winograd's tiles have more
roundings and a larger W (``derivation.winograd.magnitude_growth``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...layer import ConvSpec


@dataclass(frozen=True)
class OpError:
    """``|computed - exact| <= gamma(roundings) * growth * max|a| * max|b|`` for every element."""

    roundings: int
    growth: int


@dataclass(frozen=True)
class ErrorModel:
    """The error model of a kernel's forward, grad_input and grad_filter; grad_filter's numbers
    are per sample (its sums run over the batch), and a bias adds one rounding and ``max|b|``."""

    forward: OpError
    grad_input: OpError
    grad_filter_per_sample: OpError
    how: str  # how forward's and grad_input's numbers arise, for the shipped test's comment


def direct_sums(spec: ConvSpec) -> ErrorModel:
    """Every element a sum of its products, in whatever order (BLAS, np.add.at, shifted adds):
    zero products add exactly, so R and W are the number of products in the closed form.

    Examples:
        >>> m = direct_sums(ConvSpec.parse("5x5", "3x3", in_channels=4, out_channels=2))
        >>> m.forward, m.grad_input, m.grad_filter_per_sample
        (OpError(roundings=36, growth=36), OpError(roundings=18, growth=18), OpError(roundings=9, growth=9))
    """
    taps = math.prod(spec.filter)
    forward, grad_input = spec.cg_in * taps, spec.cg_out * taps
    outputs = math.prod(spec.output)
    return ErrorModel(
        forward=OpError(forward, forward), grad_input=OpError(grad_input, grad_input),
        grad_filter_per_sample=OpError(outputs, outputs),
        how=(f"direct sums: forward {spec.cg_in} channels x {taps} taps = {forward} products per output, "
             f"grad_input at most {spec.cg_out} x {taps} = {grad_input} per input element"),
    )
