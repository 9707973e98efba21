"""The gemm strategy (channel layers): im2col, then one BLAS matrix product per group that
contracts channels and taps, for blocks of samples whose columns stay within 16 MB; grad_input
is its col2im."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...layer import ConvSpec
from .base import ChannelStrategy, Plan


@dataclass(frozen=True)
class Im2col(Plan):
    """How the im2col reads all tap windows at once: ``sliding_window_view`` of the (C_in, N,
    *padded) input over the spatial ``axes`` with ``span`` ``d*(K-1) + 1``, every ``s``-th
    window and every ``d``-th element of it (``steps``), reordered (``order``) to (C_in,
    *filter, N, *output)."""

    span: tuple[int, ...]
    axes: tuple[int, ...]
    steps: str
    order: tuple[int, ...]


class Gemm(ChannelStrategy):
    """im2col and a matrix product per group: the automatic choice for every channel layer.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> Gemm().plan(ConvSpec.parse("7x7", "3x3", stride=2, in_channels=2, out_channels=2))
        Im2col(span=(3, 3), axes=(2, 3), steps=':, :, ::2, ::2, :, :', order=(0, 4, 5, 1, 2, 3))
    """

    name = "gemm"
    template = "kernel/gemm.py.j2"

    def reason(self, spec: ConvSpec) -> str:
        taps = math.prod(spec.filter)
        return f"channels: {spec.cg_in} x {taps} (channel, tap) pairs per group contract in one matrix product"

    def plan(self, spec: ConvSpec) -> Im2col:
        r = spec.rank
        steps = [":" if v == 1 else f"::{v}" for v in spec.stride + spec.dilation]
        return Im2col(
            span=spec.extent,
            axes=tuple(range(2, 2 + r)),
            steps=", ".join([":", ":"] + steps),
            order=(0,) + tuple(range(2 + r, 2 + 2 * r)) + (1,) + tuple(range(2, 2 + r)),
        )
