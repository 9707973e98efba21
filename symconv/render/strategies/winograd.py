"""The winograd strategy (channel layers of rank 2 with a 3x3 filter, stride 1, dilation 1):
grad_input by Winograd's minimal filtering F(4x4, 3x3), with the exact transforms symconv
derives by Cook-Toom interpolation; forward and grad_filter are gemm's, which measured faster."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ...derivation.winograd import Transforms, magnitude_growth, transforms
from ...layer import ConvSpec
from .gemm import Gemm, Im2col
from .rounding import ErrorModel, OpError, direct_sums

# Outputs per tile and axis: F(4x4, 3x3) does 36 multiplications per 16 outputs where the
# direct correlation does 144; float32 stays within 2e-6 relative error (F(6x6) would reach
# 3e-6 and run no faster in NumPy, whose transforms are memory bound).
TILE = 4
# The automatic choice takes winograd for a layer with at least this many input and output
# channels per group and output positions. Measured here (2 cores, both in blocks of samples):
# at W5 (64 -> 64, 56x56) Winograd's grad_input is 1.3-1.5x gemm's, but its forward 0.75x
# (float32) to 0.9x (float64), so the strategy keeps gemm's forward; at W4 (16 -> 32, 32x32)
# its transforms, memory bound in NumPy, cost more than the products they save, so W4 keeps gemm.
WINOGRAD_MIN_CHANNELS = 64
WINOGRAD_MIN_OUTPUTS = 256
TRANSFORMS = transforms(TILE, 3)


@dataclass(frozen=True)
class WinogradPlan(Im2col):
    """gemm's im2col (forward, grad_filter) and grad_input's tiles: per axis, ``input_tiles`` of
    ``tile`` outputs, each reading ``tile + 2`` inputs of the zero-extended (``input_extended``)
    padded G."""

    name: str
    points: str
    tile: int
    tile_input: int
    input_tiles: tuple[int, ...]
    input_extended: tuple[int, ...]
    AT: tuple[str, ...]  # the transforms' rows as Python tuples of exact numbers
    G: tuple[str, ...]
    BT: tuple[str, ...]


class Winograd(Gemm):
    """Winograd F(4x4, 3x3) tiles for grad_input, one BLAS product per tile position and group
    over channels; gemm's forward and grad_filter.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> spec = ConvSpec.parse("56x56", "3x3", in_channels=64, out_channels=64)
        >>> Winograd().applies(spec), Winograd().suits(spec), Winograd().plan(spec).input_tiles
        (True, True, (14, 14))
    """

    name = "winograd"
    template = "kernel/winograd.py.j2"
    symbol_outputs = TILE + 1  # a full tile and a partial one per axis
    transforms: ClassVar[Transforms | None] = TRANSFORMS

    def applies(self, spec: ConvSpec) -> bool:
        return (spec.channelled and spec.rank == 2 and spec.filter == (3, 3) and spec.stride == (1, 1)
                and spec.dilation == (1, 1))

    def suits(self, spec: ConvSpec) -> bool:
        return min(spec.cg_in, spec.cg_out) >= WINOGRAD_MIN_CHANNELS and math.prod(spec.output) >= WINOGRAD_MIN_OUTPUTS

    def reason(self, spec: ConvSpec) -> str:
        return (f"3x3, stride 1: grad_input by Winograd {_tile_name()}, {TRANSFORMS.multiplications(2)} multiplications "
                f"per {TILE * TILE} outputs where the direct correlation does {(TILE * 3) ** 2}, in one BLAS product "
                f"per tile position over {spec.cg_out} x {spec.cg_in} channels; forward and grad_filter by gemm")

    def error_model(self, spec: ConvSpec) -> ErrorModel:
        """grad_input's tile output's path: U = G g G^T, V = B^T d B and A^T M A are two matrix
        products each, of r and n terms with a rounded constant in every product, and M sums
        the channels; forward and grad_filter are gemm's direct sums."""
        t = TRANSFORMS
        tile = 2 * (t.r + 1) + 4 * (t.n + 1)
        growth = magnitude_growth(t, 2)
        growth = -(-growth.p // growth.q)
        direct = direct_sums(spec)
        return ErrorModel(
            forward=direct.forward,
            grad_input=OpError(tile + spec.cg_out, growth * spec.cg_out),
            grad_filter_per_sample=direct.grad_filter_per_sample,
            how=(f"grad_input by Winograd {_tile_name()} tiles: {tile} roundings on a tile's path (U = G g G^T, "
                 f"V = B^T d B, A^T M A, two products each, constants rounded) plus the channel sum; growth {growth} "
                 f"per channel pair (the tile computed on absolute values, derivation.winograd.magnitude_growth), "
                 f"where the direct sum's is 9; forward ({spec.cg_in} channels x 9 taps) and grad_filter are "
                 f"gemm's direct sums"),
        )

    def plan(self, spec: ConvSpec) -> WinogradPlan:
        input_tiles = tuple(-(-n // TILE) for n in spec.input)
        t = TRANSFORMS
        return WinogradPlan(
            **vars(super().plan(spec)), name=_tile_name(), points=", ".join(map(str, t.points)) + " and infinity",
            tile=TILE, tile_input=t.n, input_tiles=input_tiles,
            input_extended=tuple(k * TILE + 2 for k in input_tiles),
            AT=_rows(t.AT), G=_rows(t.G), BT=_rows(t.BT),
        )


def _tile_name() -> str:
    return f"F({TILE}x{TILE}, 3x3)"


def _rows(matrix) -> tuple[str, ...]:
    """Each row of an exact matrix as a Python tuple: integers as such, fractions as Fraction(p, q)."""
    def number(v) -> str:
        return str(v.p) if v.q == 1 else f"Fraction({v.p}, {v.q})"
    return tuple("(" + ", ".join(number(v) for v in row) + ")" for row in matrix.tolist())
