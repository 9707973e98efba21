"""The rowgemm strategy (single-channel layers of rank 2): one copy of the input rows each
block of output rows reads, and one BLAS matrix product with a banded filter matrix."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...layer import ConvSpec
from .base import Plan, SingleChannelStrategy

# rowgemm multiplies by a banded matrix: per output it does padded width / filter width times
# the multiply-adds of the taps; BLAS makes up for up to about this factor. Measured here
# (batch 32-256, both dtypes, rowgemm / taps time): 0.6-0.9 at excess 10.7-13.3, mixed at 16
# (48x48, 3x3: float32 0.8, float64 1.3), slower above (W3, 64x64 with 3x3, excess 21: forward
# 1.4-1.6x the taps' time), so W3 takes the taps.
ROWGEMM_MAX_EXCESS = 16
ROWGEMM_MIN_OUTPUT = 100  # below this many outputs per sample the matrix product's call overhead loses to batchlast (measured: W1 at 4 outputs)
# rowgemm's grad_filter runs the banded GEMM up to this excess, and the taps (np.einsum) above:
# measured faster at W2 (excess 5.6), slower at W3 (21).
ROWGEMM_BAND_FILTER_MAX_EXCESS = 10

RowBlock = tuple[int, int, int, int]


@dataclass(frozen=True)
class RowBlocks(Plan):
    """Row blocks ``(s, d, r, output rows)``: forward in the padded X, grad_input in the
    padded, dilated G (stride 1); and whether grad_filter runs the banded GEMM."""

    forward_block: RowBlock
    input_block: RowBlock
    band_grad_filter: bool
    band_limit: int  # the excess up to which grad_filter runs the banded GEMM


class RowGemm(SingleChannelStrategy):
    """A banded matrix product per block of output rows.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> RowGemm().applies(ConvSpec.parse("9x9", "3x3")), RowGemm().applies(ConvSpec.parse("9", "3"))
        (True, False)
        >>> RowGemm().plan(ConvSpec.parse("12x12", "3x3", stride=2))
        RowBlocks(forward_block=(2, 1, 1, 5), input_block=(1, 1, 2, 12), band_grad_filter=True, band_limit=10)
    """

    name = "rowgemm"
    template = "kernel/rowgemm.py.j2"

    def applies(self, spec: ConvSpec) -> bool:
        return super().applies(spec) and spec.rank == 2

    def suits(self, spec: ConvSpec) -> bool:
        return math.prod(spec.output) > ROWGEMM_MIN_OUTPUT and rowgemm_excess(spec) <= ROWGEMM_MAX_EXCESS

    def reason(self, spec: ConvSpec) -> str:
        outputs, taps = math.prod(spec.output), math.prod(spec.filter)
        return (f"{outputs} outputs per sample: one copy of the input rows each output row reads and one "
                f"BLAS matrix product with a banded filter matrix replace {taps} whole-array tap passes")

    def plan(self, spec: ConvSpec) -> RowBlocks:
        """Two output rows share a GEMM row when their count is even (a wider product runs
        faster), else one."""
        def block(step: int, rows: int) -> RowBlock:
            return (step, spec.dilation[0], 2 if rows % 2 == 0 else 1, rows)

        return RowBlocks(
            forward_block=block(spec.stride[0], spec.output[0]),
            input_block=block(1, spec.input[0]),
            band_grad_filter=rowgemm_excess(spec) <= ROWGEMM_BAND_FILTER_MAX_EXCESS,
            band_limit=ROWGEMM_BAND_FILTER_MAX_EXCESS,
        )


def rowgemm_excess(spec: ConvSpec) -> float:
    """How many times the taps' multiply-adds rowgemm does: ``padded width / filter width``.

    Its matrix product spends ``filter rows x padded width`` multiply-adds per output, where
    the taps spend ``filter rows x filter width`` (blocks of two output rows add the rows
    between them: ``(d*(kh-1) + s + 1) / (d*(kh-1) + 1)`` times more, traded for a wider GEMM).
    """
    return spec.padded_input[1] / spec.filter[1]
