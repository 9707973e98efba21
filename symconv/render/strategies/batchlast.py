"""The batchlast strategy: the batch axes moved last, then a loop over the filter taps whose
windows are runs of contiguous blocks of samples."""

from __future__ import annotations

import math

from ...layer import ConvSpec
from .base import SingleChannelStrategy

BATCHLAST_MAX_OUTPUT = 1024  # output elements per sample up to which batch-last tap loops win


class BatchLast(SingleChannelStrategy):
    """Batch-last taps, for single-channel layers with few outputs per sample.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> BatchLast().suits(ConvSpec.parse("300", "5")), BatchLast().suits(ConvSpec.parse("2000", "3"))
        (True, False)
    """

    name = "batchlast"
    template = "kernel/batchlast.py.j2"

    def suits(self, spec: ConvSpec) -> bool:
        return math.prod(spec.output) <= BATCHLAST_MAX_OUTPUT

    def reason(self, spec: ConvSpec) -> str:
        outputs, taps = math.prod(spec.output), math.prod(spec.filter)
        return f"{outputs} outputs x {taps} taps per sample is small, so batch-last windows are long contiguous runs"
